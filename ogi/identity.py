"""Who published a report: the agency's key, level and type, columns of `reports`.

Names drift: 洪泽区 2023 prints "洪泽区人民政府", 2024 "淮安市洪泽区人民政府".
The key is the region code (adcode) plus the name with the region prefix
removed, where the region prefix is what the reports table already captured
(province, city, county: full form and without its 省/市/区/县 suffix),
stripped repeatedly from the start of the NFKC, whitespace-free name. So both
洪泽区 names become "320813|人民政府". When adcode is missing the region
names stand in for it. Two bodies of one region with the same remaining name
would be merged: the key is a best effort, not a register.

The level (中央/省/市/县/乡) is the most specific region the name was placed
in, or 乡 when the name itself ends in a township-level body; the type tells a
government (人民政府, 街道办事处) from one of its departments (…局, …委员会)
and from other bodies (schools, hospitals, companies). Both read only the
name and the region columns, so they are as good as those.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

LEVELS = ("中央", "省", "市", "县", "乡")
TYPES = ("government", "department", "other")


@dataclass(frozen=True)
class IdentitySettings:
    # a name ending so is a township-level body, whatever region it was placed in
    township: str = r"(?:乡|镇|街道|苏木)(?:人民政府|办事处|党委|政府)?(?:办公室)?$"
    # national bodies: no region, and a name that starts so
    central: str = r"^(?:国务院|国家|中华人民共和国|中国)"
    # a government itself (its general office publishes its report)
    government: str = r"(?:人民政府|街道办事处|行政公署)(?:办公室|办公厅)?$"
    # a public institution, school, hospital or company: not part of the government
    other: str = r"(?:学校|学院|大学|中学|小学|幼儿园|医院|卫生院|公司|集团|银行|研究院|研究所)$"
    # a government department or a body of one
    department: str = (r"(?:局|厅|委员会|委|办公室|办|署|部|处|中心|管理站|站|所|队|院|馆|会|分局|支队|大队)"
                       r"(?:办公室)?$")


SETTINGS = IdentitySettings()

_SPACE = re.compile(r"\s+")
_SUFFIX = re.compile(r"(?:省|市|自治区|自治州|地区|盟|区|县|旗)$")


def text(v) -> str:
    """NFKC, whitespace-free; '' for None/NaN/NA."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        if v != v:          # pd.NA-safe NaN test
            return ""
    except TypeError:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(v)))


def _prefixes(meta: dict) -> list[str]:
    out = []
    for col in ("province", "city", "county"):
        name = text(meta.get(col))
        if not name:
            continue
        out.append(name)
        short = _SUFFIX.sub("", name)
        if len(short) >= 2 and short != name:
            out.append(short)
    return sorted(set(out), key=len, reverse=True)


def core_name(meta: dict) -> str:
    """The agency's name without the region prefixes the reports table captured."""
    name = text(meta.get("agency"))
    prefixes = _prefixes(meta)
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if name.startswith(p) and len(name) > len(p):
                name = name[len(p):]
                changed = True
                break          # longest prefixes first again: "淮安市" before "淮安"
    return name


def agency_key(meta: dict) -> str:
    region = text(meta.get("adcode"))
    if region.endswith(".0"):
        region = region[:-2]
    if not region:
        region = "/".join(text(meta.get(c)) for c in ("province", "city", "county"))
    return f"{region}|{core_name(meta)}"


def agency_level(meta: dict, settings: IdentitySettings = SETTINGS) -> str:
    """中央 / 省 / 市 / 县 / 乡, or '' when the name was placed nowhere."""
    name = text(meta.get("agency"))
    if name and re.search(settings.township, core_name(meta)):
        return "乡"
    for col, level in (("county", "县"), ("city", "市"), ("province", "省")):
        if text(meta.get(col)):
            return level
    if name and re.search(settings.central, name):
        return "中央"
    return ""


def agency_type(meta: dict, settings: IdentitySettings = SETTINGS) -> str:
    """government / department / other (a name that says nothing is 'other')."""
    name = core_name(meta)
    if not name:
        return "other"
    if re.search(settings.government, name) or name in ("政府", "人民政府"):
        return "government"
    if re.search(settings.other, name):
        return "other"
    if re.search(settings.department, name):
        return "department"
    return "other"


def identity_columns(meta: dict) -> tuple[str, str, str]:
    """(agency_key, agency_level, agency_type) of one report's metadata."""
    return agency_key(meta), agency_level(meta), agency_type(meta)


def with_identity(reports):
    """`reports` with agency_key and agency_level columns (computed when the frame lacks them)."""
    missing = [c for c in ("agency_key", "agency_level") if c not in reports.columns]
    if not missing:
        return reports
    metas = reports.reindex(columns=["agency", "province", "city", "county", "adcode"]).to_dict("records")
    out = reports.copy()
    if "agency_key" in missing:
        out["agency_key"] = [agency_key(m) for m in metas]
    if "agency_level" in missing:
        out["agency_level"] = [agency_level(m) for m in metas]
    return out


def one_per_agency_year(reports):
    """One report per agency_key and year: the most complete (status complete, most values), then the first.

    A .docx and its .pdf, or two copies, would otherwise count an agency twice
    in any sum over agencies. Reports without a year are kept as they are.
    """
    import pandas as pd

    df = with_identity(reports)
    if not len(df):
        return df
    rank = pd.DataFrame({
        "complete": (df["status"] == "complete").astype(int) if "status" in df else 0,
        "n": pd.to_numeric(df["n_values"], errors="coerce").fillna(0) if "n_values" in df else 0,
        "order": range(len(df))}, index=df.index)
    ranked = df.assign(_c=rank["complete"], _n=rank["n"], _o=rank["order"]).sort_values(
        ["_c", "_n", "_o"], ascending=[False, False, True], kind="stable")
    has_year = ranked["year"].notna()
    kept = pd.concat([ranked[has_year].drop_duplicates(["agency_key", "year"]), ranked[~has_year]])
    return kept.sort_values("_o").drop(columns=["_c", "_n", "_o"])
