"""The audit (ogi/audit): every rule caught on injected errors, silent on clean data,
the real reports' findings, triage, minimal corrections and the output files.

Datasets are built in memory in the dataset contract (reports / values /
statements) from consistent random numbers (tests/generate.py random_truth)
and from the hand-typed truth of real reports (tests/fixtures/audit/).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from ogi.normalize.narrative import statements as narrate
from ogi.normalize.schema import T3_COLUMNS, fields
from ogi.normalize.sections import split_sections
from ogi.audit import FINDING_COLUMNS, audit_dir, run_audit, write_audit
from ogi.audit.identity import agency_key

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "audit"
sys.path.insert(0, str(HERE))
from generate import random_truth  # noqa: E402

TABLE_INDEX = {"t2": 0, "t3": 1, "t4": 2}
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
CLEAN_TEXT = {
    "一、总体情况": ["本年度，我单位认真贯彻《条例》，做好政府信息公开工作。"],
    "五、存在的主要问题及改进情况": ["公开质量仍需提升。"],
    "六、其他需要报告的事项": ["全年收取政府信息公开信息处理费 0 元。"],
}


# ---------------------------------------------------------------- building datasets

def _positions() -> dict[str, tuple[int, int]]:
    """field → (row, col) in its printed table: one row per row part, labels in col 0–1."""
    rows: dict[str, dict[str, int]] = {}
    cols: dict[str, dict[str, int]] = {}
    out = {}
    for f in fields().values():
        t = f.table
        r = rows.setdefault(t, {})
        c = cols.setdefault(t, {})
        row = r.setdefault(f.row if t != "t4" else "all", len(r) + 2)
        col = c.setdefault(f.id.split(".")[-1] if t != "t4" else f.id, len(c) + 2)
        out[f.id] = (row, col)
    return out


POSITIONS = _positions()


def paragraphs(headings=HEADINGS, extra: dict | None = None) -> list[str]:
    text = {**CLEAN_TEXT, **(extra or {})}
    out = ["某单位2022年政府信息公开工作年度报告"]
    for h in headings:
        out.append(h)
        out.extend(text.get(h, []))
    return out


def spec_from_truth(truth, rid: str, **over) -> dict:
    spec = {"report_id": rid, "agency": truth.agency, "year": truth.year, "t2": truth.template["table2"],
            "t3": truth.template["table3"], "values": dict(truth.values), "kinds": dict(truth.kinds),
            "raw": dict(truth.raw), "province": truth.province, "city": truth.city, "county": truth.county,
            "adcode": truth.adcode, "paragraphs": paragraphs()}
    spec.update(over)
    return spec


def spec_from_json(name: str, rid: str, **over) -> dict:
    d = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    spec = {"report_id": rid, "agency": d["agency"], "year": d["year"], "t2": d["template"]["table2"],
            "t3": d["template"]["table3"], "values": d["values"], "kinds": {}, "raw": {}}
    spec.update(over)
    return spec


def _fmt(v) -> str:
    return str(int(v)) if float(v) == int(v) else str(v)


def _digits(raw: str) -> str:
    import unicodedata
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "") if ch.isdigit() or ch in ".-")


def dataset(specs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(reports, values, statements) in the dataset contract."""
    report_rows, value_rows, said = [], [], []
    known = fields()
    for s in specs:
        rid = s["report_id"]
        kinds, raws = s.get("kinds", {}), s.get("raw", {})
        numbers = {}
        for fid, v in s["values"].items():
            kind = kinds.get(fid) or ("number" if v is not None else "blank")
            raw = raws.get(fid, "")
            if v is not None and (kind in ("blank", "dash") or _digits(raw) != _digits(_fmt(v))):
                kind, raw = "number", _fmt(v)        # a test changed the value: print the new one
            elif v is None and kind == "number":
                kind, raw = "blank", ""              # a test blanked it
            row, col = POSITIONS[fid]
            prov = s.get("provenance", {}).get(fid, {})
            value_rows.append({
                "report_id": rid, "source": f"{rid}.docx", "field": fid,
                "value": float(v) if v is not None else float("nan"), "raw": raw, "kind": prov.get("kind", kind),
                "page": pd.NA, "table": TABLE_INDEX[fid[:2]], "row": row, "col": col,
                "row_label": known[fid].row_paths[0].split("/")[-1], "col_label": known[fid].col_paths[0].split("/")[-1],
                "x0": float("nan"), "y0": float("nan"), "x1": float("nan"), "y1": float("nan"),
                "confidence": prov.get("confidence", float("nan")), "label_match": prov.get("label_match", "exact"),
            })
            numbers[fid] = v
        if s["t3"] == "2021" and any(f.startswith("t3.") for f in s["values"]):
            for col in T3_COLUMNS:   # the derived （六） row of a 2021 layout: never printed
                parts = [s["values"].get(f"t3.other.{p}.{col}") or 0 for p in ("no_correction", "unpaid_fee", "misc")]
                value_rows.append({"report_id": rid, "source": f"{rid}.docx", "field": f"t3.other.{col}",
                                   "value": float(sum(parts)), "raw": "", "kind": "derived", "page": pd.NA,
                                   "table": pd.NA, "row": pd.NA, "col": pd.NA, "row_label": "", "col_label": "",
                                   "label_match": "derived"})
                numbers[f"t3.other.{col}"] = sum(parts)
        split = split_sections(s.get("paragraphs", paragraphs()))
        meta = {"report_id": rid, "source": f"{rid}.docx", "format": "docx", "agency": s["agency"],
                "year": s["year"], "province": s.get("province"), "city": s.get("city"),
                "county": s.get("county"), "adcode": s.get("adcode"), "template_t2": s["t2"],
                "template_t3": s["t3"], "status": "complete", "n_values": len(s["values"]), "n_unmapped": 0,
                "warnings": ""}
        meta.update({fid: numbers.get(fid) for fid in known})
        meta.update(dict(split))
        report_rows.append(meta)
        said.extend(narrate(split, report_id=rid))
    reports = pd.DataFrame(report_rows)
    reports["year"] = reports["year"].astype("Int64")
    values = pd.DataFrame(value_rows)
    for col in ("page", "table", "row", "col"):
        values[col] = values[col].astype("Int64")
    return reports, values, pd.DataFrame(said)


def audit(specs, previous=None) -> pd.DataFrame:
    reports, values, said = dataset(specs)
    return run_audit(reports, values, said, previous=previous)


def truth(seed: int, layout: str = "2021", year: int | None = None):
    t = random_truth(random.Random(seed), layout)
    if year is not None:
        t.year = year
    return t


def cells(finding) -> list[dict]:
    return json.loads(finding["cells"])


def nonzero_t4(values: dict) -> dict:
    """Make 行政复议 non-zero in every part so a total printed 0 is unambiguous."""
    v = dict(values)
    for part, n in zip(("upheld", "corrected", "other", "pending"), (3, 2, 1, 1)):
        v[f"t4.review.{part}"] = n
    v["t4.review.total"] = 7
    return v


# ---------------------------------------------------------------- clean data

@pytest.mark.parametrize("seed,layout,year", [(1, "2021", 2022), (2, "2021", 2024), (3, "2019", 2020),
                                              (4, "2019", 2019), (5, "2021", 2021), (6, "2019", 2020)])
def test_clean_reports_have_no_findings(seed, layout, year):
    found = audit([spec_from_truth(truth(seed, layout, year), "r1")])
    assert found.empty, found[["rule", "message"]].to_string()
    assert list(found.columns) == FINDING_COLUMNS


def _rebalance(v: dict) -> None:
    """After changing 上年结转, restore R1 (and R3) by adding each column's difference to
    结转下年度 or to 新收, whichever keeps it non-negative, then re-summing the totals."""
    cols = [c for c in T3_COLUMNS if c != "total"]
    for col in cols:
        d = (v[f"t3.new.{col}"] or 0) + (v[f"t3.carried_over.{col}"] or 0) \
            - (v[f"t3.total.{col}"] or 0) - (v[f"t3.carried_forward.{col}"] or 0)
        v[f"t3.carried_forward.{col}"] = (v[f"t3.carried_forward.{col}"] or 0) + max(d, 0)
        v[f"t3.new.{col}"] = (v[f"t3.new.{col}"] or 0) + max(-d, 0)
    for row in ("new", "carried_forward"):
        v[f"t3.{row}.total"] = sum(v[f"t3.{row}.{c}"] for c in cols)


# ---------------------------------------------------------------- R1 R3 R4 R5

@pytest.mark.parametrize("layout,fid,rules", [
    ("2021", "t3.granted.natural", {"R3", "R4"}),
    ("2021", "t3.total.total", {"R1", "R3", "R4"}),
    ("2021", "t3.new.commercial", {"R1", "R3"}),
    ("2021", "t3.carried_forward.legal", {"R1", "R3"}),
    ("2021", "t3.other.misc.other_org", {"R3", "R4"}),
    ("2019", "t3.other.research", {"R3", "R4"}),
    ("2019", "t3.withheld.process.total", {"R3", "R4"}),
])
def test_arithmetic_injection_is_caught_and_the_fix_names_the_cell(layout, fid, rules):
    t = truth(11, layout, 2022 if layout == "2021" else 2020)
    old = t.values[fid] or 0
    t.values[fid] = old + 4
    t.kinds[fid] = "number"
    t.raw[fid] = str(old + 4)
    found = audit([spec_from_truth(t, "r1")])
    arith = found[found["rule"].isin(["R1", "R3", "R4", "R5"])]
    assert set(arith["rule"]) == rules
    assert set(found["rule"]) == rules                       # nothing else fires
    assert set(arith["suggestion"]) == {f"{fid} = {old}"}
    assert set(arith["cause"]) == {"report"}
    for _, f in arith.iterrows():
        assert fid in {c["field"] for c in cells(f)}
        assert not any(c["field"].startswith("t3.other.") and c["field"].count(".") == 2 and layout == "2021"
                       for c in cells(f)), "the derived t3.other.* row is never reported"


def test_r4_2021_uses_the_three_printed_other_rows():
    t = truth(12, "2021", 2023)
    t.values["t3.other.unpaid_fee.total"] = (t.values["t3.other.unpaid_fee.total"] or 0) + 2
    found = audit([spec_from_truth(t, "r1")])
    r4 = found[found["rule"] == "R4"].iloc[0]
    fids = {c["field"] for c in cells(r4)}
    assert {"t3.other.no_correction.total", "t3.other.unpaid_fee.total", "t3.other.misc.total"} <= fids
    assert "t3.other.total" not in fids


def test_r5_total_printed_zero_gets_the_total_as_fix():
    t = truth(13, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.total"] = 0
    t.raw["t4.review.total"] = "0"
    found = audit([spec_from_truth(t, "r1")])
    assert list(found["rule"]) == ["R5"]
    f = found.iloc[0]
    assert f["suggestion"] == "t4.review.total = 7"
    assert f["expected"] == "7" and f["actual"] == "0"
    assert "行政复议" in f["message"]


def test_r5_part_changed_is_ambiguous_and_lists_candidates():
    t = truth(14, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.upheld"] = 5         # total still 7: any of the five cells could be the wrong one
    found = audit([spec_from_truth(t, "r1")])
    f = found[found["rule"] == "R5"].iloc[0]
    assert f["suggestion"] == ""
    assert "t4.review.upheld = 3" in f["message"] and "t4.review.total = 9" in f["message"]


def test_blank_and_dash_count_as_zero_and_the_message_says_so():
    t = truth(15, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.other"] = None
    t.kinds["t4.review.other"] = "dash"
    t.raw["t4.review.other"] = "—"
    found = audit([spec_from_truth(t, "r1")])
    f = found[found["rule"] == "R5"].iloc[0]
    assert "按 0 计" in f["message"] and "其他结果" in f["message"]
    assert f["expected"] == "6" and f["actual"] == "7"


# ---------------------------------------------------------------- R6

def test_r6_negative_fraction_and_text_cells():
    t = truth(16, "2021", 2022)
    t.values["t2.licensing.decisions"] = -3
    t.values["t2.penalty.decisions"] = 2.5
    t.values["t2.fee.amount"] = 12.34                        # 万元: decimals are fine
    t.values["t2.coercion.decisions"] = None
    t.kinds["t2.coercion.decisions"] = "text"
    t.raw["t2.coercion.decisions"] = "详见附件"
    found = audit([spec_from_truth(t, "r1")])
    r6 = found[found["rule"] == "R6"]
    by_field = {cells(f)[0]["field"]: f for _, f in r6.iterrows()}
    assert set(by_field) == {"t2.licensing.decisions", "t2.penalty.decisions", "t2.coercion.decisions"}
    assert by_field["t2.licensing.decisions"]["severity"] == "error"
    assert "负数" in by_field["t2.licensing.decisions"]["message"]
    assert "整数" in by_field["t2.penalty.decisions"]["message"]
    assert by_field["t2.coercion.decisions"]["severity"] == "warning"
    assert "详见附件" in by_field["t2.coercion.decisions"]["message"]
    assert set(found["rule"]) == {"R6"}


def test_r6_signed_change_may_be_negative_in_2019_format():
    t = truth(17, "2019", 2020)
    t.values["t2.licensing.change"] = -8
    assert audit([spec_from_truth(t, "r1")]).empty


def test_text_cell_in_an_equation_is_left_to_r6():
    t = truth(18, "2021", 2022)
    t.values["t3.granted.natural"] = None
    t.kinds["t3.granted.natural"] = "text"
    t.raw["t3.granted.natural"] = "若干"
    found = audit([spec_from_truth(t, "r1")])
    assert list(found["rule"]) == ["R6"]


# ---------------------------------------------------------------- R7 R8 across years

def _two_years(break_r7=False, break_r8=False, drift_name=True):
    y1 = truth(21, "2021", 2022)
    y2 = truth(22, "2021", 2023)
    for col in T3_COLUMNS:
        y2.values[f"t3.carried_over.{col}"] = y1.values[f"t3.carried_forward.{col}"]
    _rebalance(y2.values)
    for row in ("regulation", "normative"):
        y2.values[f"t2.{row}.repealed"] = 0
        y2.values[f"t2.{row}.in_force"] = (y1.values[f"t2.{row}.in_force"] or 0) + (y2.values[f"t2.{row}.issued"] or 0)
    if break_r7:   # last year's 结转下年度 changed: R1 of last year must still hold, so move it with the total
        y1.values["t3.carried_forward.natural"] = (y1.values["t3.carried_forward.natural"] or 0) + 2
        y1.values["t3.carried_forward.total"] = (y1.values["t3.carried_forward.total"] or 0) + 2
        y1.values["t3.new.natural"] = (y1.values["t3.new.natural"] or 0) + 2
        y1.values["t3.new.total"] = (y1.values["t3.new.total"] or 0) + 2
    if break_r8:
        y2.values["t2.normative.in_force"] += 5
    region = dict(province="江苏省", city="淮安市", county="洪泽区", adcode="320813")
    a1 = spec_from_truth(y1, "y2022", agency="洪泽区人民政府", **region)
    a2 = spec_from_truth(y2, "y2023", agency="淮安市洪泽区人民政府" if drift_name else "洪泽区人民政府", **region)
    return a1, a2


def test_agency_identity_ignores_region_prefixes():
    base = dict(province="江苏省", city="淮安市", county="洪泽区", adcode="320813")
    assert agency_key({"agency": "洪泽区人民政府", **base}) == agency_key({"agency": "淮安市洪泽区人民政府", **base})
    assert agency_key({"agency": "江苏省淮安市洪泽区 人民政府", **base}) == agency_key({"agency": "洪泽区人民政府", **base})
    assert agency_key({"agency": "洪泽区财政局", **base}) != agency_key({"agency": "洪泽区人民政府", **base})


def test_r7_r8_hold_across_years():
    a1, a2 = _two_years()
    assert audit([a1, a2]).empty


def test_r7_broken_across_years_in_one_dataset():
    a1, a2 = _two_years(break_r7=True)
    found = audit([a1, a2])
    assert set(found["rule"]) == {"R7"}
    assert set(found["check"]) == {"R7[natural]", "R7[total]"}
    assert set(found["report_id"]) == {"y2023"}
    f = found[found["check"] == "R7[total]"].iloc[0]
    assert {(c["report_id"], c["field"]) for c in cells(f)} == {("y2023", "t3.carried_over.total"),
                                                                ("y2022", "t3.carried_forward.total")}


def test_r8_soft_warning_and_previous_dataset():
    a1, a2 = _two_years(break_r8=True)
    prev_reports, prev_values, _ = dataset([a1])
    found = audit([a2], previous=(prev_reports, prev_values))
    assert list(found["rule"]) == ["R8"]
    f = found.iloc[0]
    assert f["severity"] == "warning" and f["check"] == "R8[normative]"
    assert int(f["actual"]) - int(f["expected"]) == 5
    # without the previous dataset nothing is compared
    assert audit([a2]).empty


# ---------------------------------------------------------------- R9 text = tables

def test_r9_text_disagrees_with_table():
    t = truth(31, "2021", 2022)
    t.values["t3.new.total"] = t.values["t3.new.total"] or 0
    n = int(t.values["t3.new.total"])
    text = {"一、总体情况": [f"（二）依申请公开情况。本年度共受理政府信息公开申请 {n + 5} 件，均已按时答复。"]}
    found = audit([spec_from_truth(t, "r1", paragraphs=paragraphs(extra=text))])
    assert list(found["rule"]) == ["R9"]
    f = found.iloc[0]
    assert f["expected"] == str(n) and f["actual"] == str(n + 5)
    assert cells(f)[0]["field"] == "t3.new.total"


def test_r9_text_agreeing_with_tables_is_silent_including_sums():
    t = truth(32, "2021", 2022)
    v = {k: (x or 0) for k, x in t.values.items()}
    suits = v["t4.suit_direct.total"] + v["t4.suit_after_review.total"]
    text = {"一、总体情况": [
        f"全年受理政府信息公开申请{int(v['t3.new.total'])}件，答复{int(v['t3.total.total'])}件"
        f"（含上年度结转申请{int(v['t3.carried_over.total'])}件，另有{int(v['t3.carried_forward.total'])}件顺延到下年度答复）。",
        f"政府信息公开行政复议{int(v['t4.review.total'])}件，其中结果维持{int(v['t4.review.upheld'])}件；"
        f"政府信息公开行政诉讼{int(suits)}件。公开政策文件 5500 余条。"]}
    found = audit([spec_from_truth(t, "r1", paragraphs=paragraphs(extra=text))])
    assert found.empty, found[["rule", "message"]].to_string()


def test_r9_litigation_sum_mismatch():
    t = truth(33, "2021", 2022)
    v = {k: (x or 0) for k, x in t.values.items()}
    suits = int(v["t4.suit_direct.total"] + v["t4.suit_after_review.total"])
    text = {"一、总体情况": [f"政府信息公开行政诉讼{suits + 1}件。"]}
    found = audit([spec_from_truth(t, "r1", paragraphs=paragraphs(extra=text))])
    f = found[found["rule"] == "R9"].iloc[0]
    assert {c["field"] for c in cells(f)} == {"t4.suit_direct.total", "t4.suit_after_review.total"}


# ---------------------------------------------------------------- R10 template / year

@pytest.mark.parametrize("layout,year,check", [("2019", 2022, "R10[format]"), ("2021", 2020, "R10[format]"),
                                               ("hybrid", 2023, "R10[hybrid]")])
def test_r10_template_does_not_fit_the_year(layout, year, check):
    t = truth(41, layout, year)
    found = audit([spec_from_truth(t, "r1")])
    assert list(found["check"]) == [check]
    assert found.iloc[0]["severity"] == "warning"


def test_r10_old_citation_with_new_tables_is_info():
    t = truth(42, "2021", 2022)
    paras = paragraphs()
    paras.insert(1, "本报告依据国办公开办函〔2019〕60号要求编制。")
    found = audit([spec_from_truth(t, "r1", paragraphs=paras)])
    assert list(found["check"]) == ["R10[citation]"]
    assert found.iloc[0]["severity"] == "info"


# ---------------------------------------------------------------- R11 structure

def test_r11_missing_and_misordered_sections():
    t = truth(51, "2021", 2022)
    missing = [h for h in HEADINGS if not h.startswith("五")]
    found = audit([spec_from_truth(t, "r1", paragraphs=paragraphs(missing))])
    assert list(found["check"]) == ["R11[sections]"]
    assert "五" in found.iloc[0]["message"]
    swapped = HEADINGS[:3] + [HEADINGS[4], HEADINGS[3], HEADINGS[5]]
    found = audit([spec_from_truth(t, "r2", paragraphs=paragraphs(swapped))])
    assert list(found["check"]) == ["R11[order]"]


def test_r11_missing_table_and_missing_fee_statement():
    t = truth(52, "2021", 2022)
    values = {k: v for k, v in t.values.items() if not k.startswith("t4.")}
    found = audit([spec_from_truth(t, "r1", values=values,
                                   paragraphs=paragraphs(extra={"六、其他需要报告的事项": ["无。"]}))])
    assert set(found["check"]) == {"R11[t4]", "R11[fee]"}
    assert found.set_index("check").loc["R11[fee]", "severity"] == "info"


# ---------------------------------------------------------------- triage

@pytest.mark.parametrize("prov", [{"kind": "inferred"}, {"kind": "ocr", "confidence": 0.6},
                                  {"label_match": "fuzzy"}])
def test_suspect_provenance_makes_the_cause_extraction(prov):
    t = truth(61, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.total"] = 0
    found = audit([spec_from_truth(t, "r1", provenance={"t4.review.upheld": prov})])
    assert list(found["cause"]) == ["extraction"]
    ok = audit([spec_from_truth(t, "r1", provenance={"t4.review.upheld": {"kind": "ocr", "confidence": 0.97}})])
    assert list(ok["cause"]) == ["report"]


def test_a_row_with_missing_cells_makes_the_cause_extraction():
    t = truth(62, "2021", 2022)
    t.values["t3.granted.total"] = (t.values["t3.granted.total"] or 0) + 1
    values = {k: v for k, v in t.values.items() if k != "t3.granted.research"}   # one cell of the row not read
    found = audit([spec_from_truth(t, "r1", values=values)])
    assert set(found["cause"]) == {"extraction"}
    assert all("该行单元格缺失" in m for m in found["message"])


# ---------------------------------------------------------------- the real reports

REGION_HONGZE = dict(province="江苏省", city="淮安市", county="洪泽区", adcode="320813")


def _text(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


def hongze(year: int) -> dict:
    return spec_from_json(f"hongze-district-{year}.truth.json", f"hongze{year}",
                          paragraphs=_text(f"hongze-district-{year}.txt"), **REGION_HONGZE)


def test_hongze_2023_two_r5_findings_with_the_totals_as_fixes():
    found = audit([hongze(2023)])
    r5 = found[found["rule"] == "R5"]
    assert dict(zip(r5["check"], r5["suggestion"])) == {
        "R5[review]": "t4.review.total = 11", "R5[suit_after_review]": "t4.suit_after_review.total = 5"}
    assert set(r5["cause"]) == {"report"} and set(r5["severity"]) == {"error"}
    assert sorted(found["rule"]) == ["R10", "R5", "R5"]
    assert found[found["rule"] == "R10"].iloc[0]["check"] == "R10[hybrid]"


def test_hongze_2024_text_says_17_where_table_says_95():
    found = audit([hongze(2024)])
    assert sorted(found["rule"]) == ["R10", "R9"]
    r9 = found[found["rule"] == "R9"].iloc[0]
    assert (r9["expected"], r9["actual"]) == ("95", "17")
    assert "17" in r9["message"] and "区政府办代表区政府受理政府信息公开申请17件" in r9["message"]


def test_hongze_two_years_in_one_dataset_hold_r7_r8():
    found = audit([hongze(2023), hongze(2024)])
    assert not found["rule"].isin(["R7", "R8"]).any()
    assert sorted(found["rule"]) == ["R10", "R10", "R5", "R5", "R9"]


def test_huaian_2024_has_no_finding():
    spec = spec_from_json("huaian-city-2024.truth.json", "huaian2024", paragraphs=_text("huaian-city-2024.txt"),
                          province="江苏省", city="淮安市", adcode="320800")
    reports, values, said = dataset([spec])
    fields_said = set(said["field"]) - {""}
    assert {"t3.new.total", "t3.total.total", "t3.carried_over.total", "t3.carried_forward.total",
            "t4.review.total", "t4.suit_direct.total+t4.suit_after_review.total", "t2.regulation.issued"} <= fields_said
    assert "t2.normative.issued" not in fields_said          # 政策性文件 11 件 is not 规范性文件
    found = run_audit(reports, values, said)
    assert found.empty, found[["rule", "message"]].to_string()


def test_seed_only_hybrid_and_fee_info():
    spec = spec_from_json("seed.truth.json", "seed", paragraphs=_text("seed.txt"), province="江西省",
                          city="宜春市", county="上高县", adcode="360923")
    found = audit([spec])
    assert sorted(found["check"]) == ["R10[hybrid]", "R11[fee]"]
    assert found.set_index("check").loc["R11[fee]", "severity"] == "info"


# ---------------------------------------------------------------- outputs

def _written(tmp_path):
    t = truth(71, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.total"] = 0
    specs = [hongze(2023), hongze(2024), spec_from_truth(t, "rand1", agency="浙江省杭州市余杭区民政局",
                                                          province="浙江省", city="杭州市", county="余杭区",
                                                          adcode="330110")]
    reports, values, said = dataset(specs)
    found = run_audit(reports, values, said)
    write_audit(tmp_path, found, reports, values)
    return found, reports, values, said


def test_write_audit_files(tmp_path):
    from openpyxl import load_workbook

    found, *_ = _written(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["audit.html", "audit.xlsx", "findings.csv", "findings.parquet"]   # no temp files left
    assert (tmp_path / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_parquet(tmp_path / "findings.parquet")
    assert len(back) == len(found) and list(back.columns) == FINDING_COLUMNS + ["fingerprint", "review", "review_note"]
    assert set(back["review"]) == {"待审"} and back["fingerprint"].is_unique
    wb = load_workbook(tmp_path / "audit.xlsx")
    assert wb.sheetnames[:2] == ["汇总", "问题清单"] and "表四" in wb.sheetnames
    summary = list(wb["汇总"].iter_rows(min_row=2, values_only=True))
    assert summary[0][0] == "淮安市洪泽区人民政府" and summary[0][-1] == 5     # 2023 + 2024 as one agency, latest name
    red = [c.value for row in wb["表四"].iter_rows() for c in row
           if c.fill is not None and c.fill.fgColor is not None and str(c.fill.fgColor.rgb)[-6:] in ("FFC7CE", "FF7C80")]
    assert "0" in red and "10" in red
    listed = [row for row in wb["问题清单"].iter_rows(values_only=True)]
    assert listed[0][:4] == ("机构", "年度", "省", "市") and "页码" in listed[0] and "建议" in listed[0]
    r5 = [dict(zip(listed[0], row)) for row in listed[1:] if row[listed[0].index("校验项")] == "R5[review]"]
    assert r5[0]["级别"] == "错误" and r5[0]["原因"] == "报告本身"
    assert "表四 行政复议·总计 印为 0" in r5[0]["建议"] and "t4." not in r5[0]["建议"] + r5[0]["问题"]
    assert not r5[0]["问题"].startswith("R5")
    html = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "http://" not in html.split("<body>")[0] and "<script src" not in html
    assert "洪泽区人民政府" in html and "表四 行政复议·总计 印为 0，各项之和为 11，应为 11" in html


def test_audit_dir_reads_the_dataset_folder(tmp_path):
    a1, a2 = _two_years(break_r7=True)
    last, this = tmp_path / "last", tmp_path / "this"
    for folder, specs in ((last, [a1]), (this, [a2])):
        folder.mkdir()
        reports, values, said = dataset(specs)
        reports.to_parquet(folder / "reports.parquet")
        values.to_parquet(folder / "values.parquet")
        said.to_parquet(folder / "statements.parquet")
    found = audit_dir(this, previous_dir=last)
    assert set(found["rule"]) == {"R7"}
    assert (this / "audit.html").exists() and (this / "findings.parquet").exists()


# ---------------------------------------------------------------- audit.html in a real browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)), reason="chromium missing")
def test_audit_html_in_headless_chromium(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    found, *_ = _written(tmp_path)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1400,2000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get((tmp_path / "audit.html").as_uri())
        driver.save_screenshot(str(tmp_path / "audit.png"))

        def shown():
            out = {}
            for tr in driver.find_elements(By.CSS_SELECTOR, "tr.rep"):
                tds = tr.find_elements(By.TAG_NAME, "td")
                out[(tds[0].text, tds[3].text)] = sum(int(td.text or 0) for td in tds[6:9])
            return out

        assert shown() == {("洪泽区人民政府", "2023"): 3, ("淮安市洪泽区人民政府", "2024"): 2,
                           ("浙江省杭州市余杭区民政局", "2022"): 1}
        first = driver.find_elements(By.CSS_SELECTOR, "tr.rep td.name")[0]
        assert first.text == "洪泽区人民政府"                                   # most errors first
        first.click()
        assert driver.find_elements(By.CSS_SELECTOR, "td.v.hit-error"), "failing cells highlighted"
        assert driver.find_elements(By.CSS_SELECTOR, "td.v .fix"), "suggested value shown in its cell"

        Select(driver.find_element(By.ID, "f-rule")).select_by_value("R9")
        assert shown() == {("淮安市洪泽区人民政府", "2024"): 1}
        Select(driver.find_element(By.ID, "f-rule")).select_by_value("R5")
        assert shown() == {("洪泽区人民政府", "2023"): 2, ("浙江省杭州市余杭区民政局", "2022"): 1}
        Select(driver.find_element(By.ID, "f-province")).select_by_value("浙江省")
        assert shown() == {("浙江省杭州市余杭区民政局", "2022"): 1}
        Select(driver.find_element(By.ID, "f-rule")).select_by_value("")
        Select(driver.find_element(By.ID, "f-province")).select_by_value("")
        Select(driver.find_element(By.ID, "f-severity")).select_by_value("warning")
        assert shown() == {("洪泽区人民政府", "2023"): 1, ("淮安市洪泽区人民政府", "2024"): 2}
        driver.save_screenshot(str(tmp_path / "audit-filtered.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- end to end through the pipeline

def test_generated_docx_reports_audit_clean(tmp_path):
    """Consistent generated .docx reports read by the pipeline: only the hybrid's R10 (and
    cross-year rules, when two random reports happen to share an agency) may fire."""
    from generate import write_docx
    from ogi.pipeline import build

    paths = []
    for i, layout in enumerate(("2021", "2019", "hybrid", "2021")):
        rng = random.Random(500 + i)
        path = tmp_path / f"r{i}_{layout}.docx"
        write_docx(random_truth(rng, layout), path, rng=rng)
        paths.append(str(path))
    ds = build(paths)
    assert set(ds.reports["sections_found"]) == {"一二三四五六"}
    assert (ds.statements["field"] != "").any()
    found = run_audit(ds.reports, ds.values, ds.statements)
    assert set(found["rule"]) <= {"R10", "R7", "R8"}, found[["rule", "message"]].to_string()
    hybrid = ds.reports[ds.reports["template_t3"] != ds.reports["template_t2"]]["report_id"]
    assert set(found[found["rule"] == "R10"]["report_id"]) == set(hybrid)


# ---------------------------------------------------------------- rules from real reports (issue 14, 12)

def _blank_column(t, col: str) -> None:
    for fid in list(t.values):
        if fid.startswith("t3.") and fid.endswith(f".{col}") and fid.split(".")[1] not in (
                "new", "carried_over", "total", "carried_forward"):
            t.values[fid] = None
            t.kinds[fid], t.raw[fid] = "blank", ""


def test_a_total_column_left_blank_throughout_is_one_unfilled_finding():
    t = truth(91, "2019", 2019)
    t.values["t3.granted.natural"] = (t.values["t3.granted.natural"] or 0) + 272
    t.values["t3.new.natural"] = (t.values["t3.new.natural"] or 0) + 272
    for row in ("granted", "new"):
        t.values[f"t3.{row}.total"] = sum(t.values.get(f"t3.{row}.{c}") or 0 for c in T3_COLUMNS if c != "total")
    t.values["t3.total.total"] = (t.values["t3.total.total"] or 0) + 272
    t.values["t3.total.natural"] = (t.values["t3.total.natural"] or 0) + 272
    assert audit([spec_from_truth(t, "r1")]).empty
    _blank_column(t, "total")
    found = audit([spec_from_truth(t, "r1")])
    assert list(found["check"]) == ["R12[total]"]
    f = found.iloc[0]
    assert f["severity"] == "warning" and f["actual"] == "未填写"
    assert "“总计”列" in f["message"] and "未填写" in f["message"]
    assert {c["role"] for c in cells(f)} == {"blank"} and len(cells(f)) == 19


def test_a_column_blank_throughout_that_adds_up_as_zero_is_no_finding():
    t = truth(92, "2021", 2022)
    for fid in [f for f in t.values if f.startswith("t3.") and f.endswith(".legal")]:
        t.values[fid] = None
        t.kinds[fid], t.raw[fid] = "blank", ""
    for row in {f.rsplit(".", 1)[0] for f in t.values if f.startswith("t3.")}:
        parts = [t.values.get(f"{row}.{c}") or 0 for c in T3_COLUMNS if c != "total"]
        if f"{row}.total" in t.values:
            t.values[f"{row}.total"] = sum(parts)
    found = audit([spec_from_truth(t, "r1")])
    assert not (found["rule"] == "R12").any()


def _said(t, sentence: str):
    return spec_from_truth(t, "r1", paragraphs=paragraphs(extra={"一、总体情况": [sentence]}))


def _r9_sum_truth(seed: int):
    t = truth(seed, "2021", 2022)
    t.values["t3.granted.total"], t.values["t3.partial.total"] = 200, 75
    t.values["t3.unavailable.not_held.total"], t.values["t3.unavailable.needs_creation.total"] = 300, 30
    t.values["t3.unavailable.unclear.total"] = 7
    return t


def test_r9_states_a_sum_258_where_table_3_gives_275_and_265_against_337():
    t = _r9_sum_truth(93)
    found = audit([_said(t, "其中予以公开及部分公开258件，因本机关不掌握等原因无法提供265件。")])
    r9 = found[found["rule"] == "R9"].set_index("actual")
    assert set(r9.index) == {"258", "265"}
    assert r9.loc["258", "expected"] == "275"
    assert {c["field"] for c in cells(r9.loc["258"])} == {"t3.granted.total", "t3.partial.total"}
    assert r9.loc["265", "expected"] == "337"
    assert {c["field"] for c in cells(r9.loc["265"])} == {
        "t3.unavailable.not_held.total", "t3.unavailable.needs_creation.total", "t3.unavailable.unclear.total"}


def test_r9_sum_statements_that_agree_are_silent():
    t = truth(94, "2021", 2022)
    v = {k: int(x or 0) for k, x in t.values.items()}
    withheld = sum(v[f] for f in v if f.startswith("t3.withheld.") and f.endswith(".total"))
    rejected = sum(v[f] for f in v if f.startswith("t3.rejected.") and f.endswith(".total"))
    other = sum(v[f"t3.other.{p}.total"] for p in ("no_correction", "unpaid_fee", "misc"))
    found = audit([_said(t, f"共办结{v['t3.total.total']}件，其中予以公开及部分公开"
                            f"{v['t3.granted.total'] + v['t3.partial.total']}件，不予公开{withheld}件，"
                            f"不予处理{rejected}件，其他处理{other}件。")])
    assert found.empty, found[["rule", "message"]].to_string()


def test_each_report_has_its_checks_passed():
    from ogi.audit import audit_reports

    clean = truth(95, "2021", 2022)
    broken = truth(96, "2021", 2022)
    broken.values = nonzero_t4(broken.values)
    broken.values["t4.review.total"] = 0
    found, checks = audit_reports(*dataset([spec_from_truth(clean, "clean"), spec_from_truth(broken, "broken")]))
    checks = checks.set_index("report_id")
    assert checks.loc["clean", "checks"] == checks.loc["clean", "checks_passed"] >= 40
    assert checks.loc["broken", "checks_passed"] == checks.loc["broken", "checks"] - 1
    assert list(found["check"]) == ["R5[review]"]


def test_cells_not_read_are_a_coverage_finding_per_table():
    t = truth(97, "2021", 2022)
    reports, values, said = dataset([spec_from_truth(t, "r1"), spec_from_truth(truth(98, "2021", 2022), "r2")])
    reports["coverage"] = [0.95, 1.0]
    reports["coverage_t2"], reports["coverage_t3"], reports["coverage_t4"] = [1.0, 1.0], [0.93, 1.0], [1.0, 1.0]
    reports["cells_missing_t2"], reports["cells_missing_t3"], reports["cells_missing_t4"] = [0, 0], [12, 0], [0, 0]
    found = run_audit(reports, values, said)
    assert list(found["check"]) == ["R13[t3]"] and list(found["report_id"]) == ["r1"]
    f = found.iloc[0]
    assert f["cause"] == "extraction" and f["severity"] == "warning"
    assert "12 个单元格" in f["message"] and "表三" in f["message"] and f["actual"] == "93.0%"
    # without the columns (a dataset written before them) nothing is said
    assert run_audit(*dataset([spec_from_truth(t, "r1")])).empty


def test_audit_dir_writes_the_checks_per_report(tmp_path):
    reports, values, said = dataset([spec_from_truth(truth(99, "2021", 2022), "r1")])
    reports.to_parquet(tmp_path / "reports.parquet")
    values.to_parquet(tmp_path / "values.parquet")
    said.to_parquet(tmp_path / "statements.parquet")
    audit_dir(tmp_path)
    checks = pd.read_parquet(tmp_path / "checks.parquet")
    assert list(checks["report_id"]) == ["r1"] and checks["checks_passed"].iloc[0] == checks["checks"].iloc[0]
