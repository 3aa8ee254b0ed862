"""Derived indicators (公开率, 复议纠错率 …) per report and per province and year.

The definitions are data (data/indicators.csv: numerator and denominator as
lists of canonical field ids, a small-number threshold, a written definition),
so a researcher can read exactly what a rate means and a new indicator needs
no code. A rate over a handful of requests is noise, so a rate whose
denominator is below the threshold is left empty and the `note` column says
why; an empty cell is never silently a zero.

Reports print "—", "无" or nothing for "none" in table 3 and 4 cells. Given
the `values` table, such dash and blank cells count as 0 (the template's own
arithmetic treats them so) and the note says how many were; a cell that was
not printed at all stays missing.

Region figures pool the counts (sum of numerators / sum of denominators) rather
than averaging agency rates, so a large agency weighs as much as its requests;
the median of the agency rates is given beside it for comparison.
"""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ogi.data import DATA_DIR
from ogi.identity import LEVELS, one_per_agency_year
from ogi.normalize.schema import SchemaError, fields

log = logging.getLogger(__name__)

INDICATOR_COLUMNS = ["report_id", "agency", "province", "year", "indicator", "value", "numerator",
                     "denominator", "note"]
REGION_COLUMNS = ["province", "agency_level", "year", "indicator", "value", "numerator", "denominator", "n_reports",
                  "median", "note"]


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    numerator: tuple[str, ...]        # field ids, summed
    denominator: tuple[str, ...]      # field ids, summed; empty for a count (no rate)
    min_denominator: int              # 0 for counts
    definition: str

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)


@lru_cache(maxsize=None)
def definitions() -> dict[str, Indicator]:
    """data/indicators.csv, checked against data/fields.csv (file and line named on error)."""
    path = Path(DATA_DIR) / "indicators.csv"
    known = fields()
    out: dict[str, Indicator] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            ind = Indicator(
                id=row["id"], name_zh=row["name_zh"], name_en=row["name_en"],
                numerator=tuple(row["numerator"].split()), denominator=tuple(row["denominator"].split()),
                min_denominator=int(row["min_denominator"] or 0), definition=row["definition"])
            unknown = [fid for fid in ind.numerator + ind.denominator if fid not in known]
            if unknown or not ind.numerator or ind.id in out:
                raise SchemaError(f"data/indicators.csv line {line}: bad indicator {ind.id!r} "
                                  f"(unknown fields {unknown}, or no numerator, or duplicate id)")
            out[ind.id] = ind
    return out


def _sum_all(reports: pd.DataFrame, ids: tuple[str, ...]) -> pd.Series:
    """Row sums that are missing unless every part is known: a partial sum would understate."""
    parts = reports.reindex(columns=list(ids)).apply(pd.to_numeric, errors="coerce").astype("Float64")
    return parts.sum(axis=1, min_count=len(ids))


def _guard(num, den, threshold: int, is_rate: bool) -> tuple[object, str]:
    """(value, note) for one numerator/denominator pair; the note says why a value is empty."""
    if is_rate:
        if pd.isna(den):
            return pd.NA, "denominator missing"
        if den < threshold or den == 0:
            return pd.NA, f"denominator {_fmt(den)} < {threshold}" if den < threshold else "denominator 0"
    if pd.isna(num):
        return pd.NA, "numerator missing"
    return (num / den if is_rate else num), ""


def _fmt(x) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _threshold(ind: Indicator, override: int | None) -> int:
    if not ind.is_rate:
        return 0
    return ind.min_denominator if override is None else override


def _printed_empty(reports: pd.DataFrame, values: pd.DataFrame | None, ids: list[str]) -> pd.DataFrame:
    """Boolean frame like reports[ids]: True where the cell was printed as a dash or left blank."""
    mask = pd.DataFrame(False, index=reports.index, columns=ids)
    if values is None or values.empty:
        return mask
    empty = values[values["kind"].isin(("dash", "blank")) & values["field"].isin(ids)]
    hits = set(zip(empty["report_id"], empty["field"]))
    for fid in ids:
        mask[fid] = [(rid, fid) in hits for rid in reports["report_id"]]
    return mask


def _with_empties_as_zero(reports: pd.DataFrame, values: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the indicator fields with dash/blank cells set to 0, the mask of cells so set)."""
    ids = sorted({fid for ind in definitions().values() for fid in ind.numerator + ind.denominator})
    cells = reports.reindex(columns=ids).apply(pd.to_numeric, errors="coerce").astype("Float64")
    mask = _printed_empty(reports, values, ids) & cells.isna()
    return cells.mask(mask, 0.0), mask


def indicators(reports: pd.DataFrame, min_denominator: int | None = None,
               values: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every indicator for every report, long: one row per (report, indicator).

    `min_denominator` overrides the threshold of data/indicators.csv (30) for
    every rate; a rate whose denominator is below it is empty with a note.
    With `values` (the dataset's long table), cells printed as a dash or
    left blank count as 0; without it they make the indicator empty.
    """
    cells, zeroed = _with_empties_as_zero(reports, values)
    frames = []
    for ind in definitions().values():
        num = _sum_all(cells, ind.numerator)
        den = _sum_all(cells, ind.denominator) if ind.is_rate else pd.Series(pd.NA, index=reports.index,
                                                                               dtype="Float64")
        threshold = _threshold(ind, min_denominator)
        n_zeroed = zeroed[list(ind.numerator + ind.denominator)].sum(axis=1)
        guarded = [_guard(n, d, threshold, ind.is_rate) for n, d in zip(num, den)]
        guarded = [(v, note or (f"dash/blank cells counted as 0: {k}" if k else ""))
                   for (v, note), k in zip(guarded, n_zeroed)]
        frames.append(pd.DataFrame({
            "report_id": reports["report_id"].values,
            "agency": reports.get("agency", pd.Series(pd.NA, index=reports.index)).values,
            "province": reports.get("province", pd.Series(pd.NA, index=reports.index)).values,
            "year": reports.get("year", pd.Series(pd.NA, index=reports.index)).values,
            "indicator": ind.id,
            "value": [v for v, _ in guarded],
            "numerator": num.values,
            "denominator": den.values,
            "note": [n for _, n in guarded],
        }))
    return _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INDICATOR_COLUMNS),
                  INDICATOR_COLUMNS)


def indicators_by_region(reports: pd.DataFrame, min_denominator: int | None = None,
                         values: pd.DataFrame | None = None, per_report: pd.DataFrame | None = None
                         ) -> pd.DataFrame:
    """Indicators per province and year: pooled rates with the same small-number guard.

    Rates: value = sum of numerators / sum of denominators over the reports
    where both are known (n_reports of them); `median` is the median of those
    reports' own rates (guarded ones excluded). Counts (requests_per_agency):
    value = mean, numerator = sum, denominator = number of reports, median.
    Reports without a province are grouped under an empty province.
    `per_report` reuses an indicators() result instead of recomputing it.

    One report per agency and year counts (identity.one_per_agency_year: a
    .docx and its .pdf are one agency), and each agency_level is its own
    group: a city government reports the whole city, so adding it to its
    districts would count them twice.
    """
    per_report = indicators(reports, min_denominator, values) if per_report is None else per_report
    kept = one_per_agency_year(reports)
    level = dict(zip(kept["report_id"].astype(str), kept["agency_level"].fillna("").astype(str)))
    per_report = per_report[per_report["report_id"].astype(str).isin(level)]
    per_report = per_report.assign(agency_level=per_report["report_id"].astype(str).map(level))
    keys = ["province", "agency_level", "year"]
    out = pd.concat([_pooled(per_report[per_report["indicator"] == ind.id], ind, _threshold(ind, min_denominator),
                             keys) for ind in definitions().values()], ignore_index=True)
    order = {ind_id: i for i, ind_id in enumerate(definitions())}     # data/indicators.csv order
    levels = {lv: i for i, lv in enumerate(LEVELS)}
    out = out.sort_values(keys + ["indicator"], key=lambda c: c.map(order) if c.name == "indicator" else
                          (c.map(levels) if c.name == "agency_level" else c),
                          na_position="last", kind="stable", ignore_index=True)
    return _typed(out, REGION_COLUMNS)


def _pooled(rows: pd.DataFrame, ind: Indicator, threshold: int, keys: list[str]) -> pd.DataFrame:
    """One indicator's REGION_COLUMNS rows, one per group of `keys`, by group-by over all reports at once.

    Rates pool the reports where numerator and denominator are both known; counts pool the reports
    whose numerator is known. A province-year with no such report keeps its row, empty, with a note.
    """
    groups = rows[keys].drop_duplicates().astype(object)
    known = rows.dropna(subset=["numerator", "denominator"] if ind.is_rate else ["numerator"])
    num = known["numerator"].astype("float64")
    by = [known[k].astype(object).fillna("\0") for k in keys]     # NA is a group of its own
    pooled = pd.DataFrame({
        "numerator": num.groupby(by).sum(),
        "n_reports": num.groupby(by).size(),
        "median": (known["value"] if ind.is_rate else num).astype("float64").groupby(by).median(),
    })
    if ind.is_rate:
        pooled["denominator"] = known["denominator"].astype("float64").groupby(by).sum()
    else:
        pooled["denominator"] = pooled["n_reports"].astype("float64")
    pooled.index = pooled.index.set_names(keys)
    lookup = groups.fillna("\0").set_index(keys).index
    pooled = pooled.reindex(lookup)
    out = groups.reset_index(drop=True)
    out["indicator"] = ind.id
    for col in ("numerator", "denominator", "n_reports", "median"):
        out[col] = pooled[col].to_numpy()
    out["n_reports"] = out["n_reports"].fillna(0)
    guarded = [_pool_note(n, d, k, threshold, ind) for n, d, k in
               zip(out["numerator"], out["denominator"], out["n_reports"])]
    out["value"] = [v for v, _ in guarded]
    out["note"] = [note for _, note in guarded]
    empty = out["n_reports"] == 0
    out.loc[empty, ["numerator", "denominator", "median"]] = float("nan")
    return out


def _pool_note(num, den, n_reports, threshold: int, ind: Indicator) -> tuple[object, str]:
    """(value, note) of one province-year's pooled counts."""
    if not n_reports:
        return pd.NA, "no report with numerator and denominator" if ind.is_rate else "numerator missing"
    if ind.is_rate:
        return _guard(num, den, threshold, True)
    return num / n_reports, ""


def _typed(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stable dtypes for Parquet and the data package: counts Int64, rates Float64."""
    df = df.reindex(columns=columns)
    for col in ("value", "median"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Float64")
    for col in ("numerator", "denominator", "n_reports", "year"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").round().astype("Int64")
    for col in ("report_id", "agency", "province", "agency_level", "indicator", "note"):
        if col in df:
            df[col] = df[col].astype("string")
    df["note"] = df["note"].fillna("")
    return df
