"""Flattened text: a page body as one line (or a few), cells glued or single-spaced.

Real: the crawler copy of 平潭综合实验区's 2019 report (../shared/corpus). Generated:
every layout through tests/flatten.py in three styles. Never a wrong value; a
missing one always has a warning naming its row.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from ogi.normalize.digits import RunRow, printed_run, split_runs, splits, typed_readings

from ogi.pipeline import read_report
from tests import generate as g
from tests.flatten import STYLES, write_flattened

CORPUS = Path("/work/shared/corpus") if Path("/work/shared/corpus").exists() else \
    Path(__file__).resolve().parents[2] / "shared" / "corpus"
PINGTAN = CORPUS / "pingtan-2019-crawler.txt"
PLAIN = {"blanks": False, "dashes": False, "thousands": False, "fullwidth": False, "unit_suffix": False}


def _compare(report, truth: dict):
    wrong, missing = [], []
    for fid, expected in truth.items():
        got = report.values.get(fid)
        if got is None or got.value is None and got.kind not in ("blank", "dash"):
            missing.append(fid)
        elif got.value != expected and not (expected is None and got.kind in ("blank", "dash")):
            wrong.append((fid, expected, got.value, got.raw))
    return wrong, missing


def _row_warned(report, fid: str) -> bool:
    """A missing cell is said: by a warning on its table, or by the table not found (coverage 0)."""
    table = fid.split(".")[0]
    return table not in report.tables_found or any(w.startswith(table + ":") for w in report.warnings)


# Table 2 of the crawler page: each row's run, its columns, and the reading the page's own source shows.
# No sum ties these cells and no sentence of the report restates them: none of these runs has one reading.
PINGTAN_T2_RUNS = {
    "normative": ("898989", "89/89/89"), "licensing": ("3960181", "396/0/181"),
    "other_service": ("100153", "10/0/153"), "penalty": ("26480430", "2648/0/430"),
    "coercion": ("126025", "126/0/25"), "fee": ("350", "35/0"), "procurement": ("13575394432.52元", "135/75394432.52元"),
}


@pytest.mark.skipif(not PINGTAN.exists(), reason="the shared corpus is not here")
def test_crawler_one_line_page_reads_its_tables_and_sections():
    truth = json.loads(PINGTAN.with_suffix(".truth.json").read_text(encoding="utf-8"))
    report = read_report(str(PINGTAN))
    wrong, missing = _compare(report, truth["values"])
    assert wrong == []
    assert (report.meta.agency, report.meta.year) == ("平潭综合实验区", 2019)
    assert report.sections["sections_found"] == "一二三四五六"
    assert report.templates == {"t2": "2019", "t3": "2019"}
    # every cell but the 19 of table 2's ambiguous runs: tables 3 and 4 whole, 规章 '000' (its only reading)
    assert set(missing) == {f for f in truth["values"] if f.split(".")[1] in PINGTAN_T2_RUNS}
    assert len(truth["values"]) - len(missing) == 179
    by_table = report.coverage_by_table
    assert by_table["t3"].missing == 0 and by_table["t4"].missing == 0
    assert by_table["t2"].missing == len(missing) == 19 and report.status == "partial"


@pytest.mark.skipif(not PINGTAN.exists(), reason="the shared corpus is not here")
def test_crawler_table2_runs_left_missing_list_their_readings():
    report = read_report(str(PINGTAN))
    for row, (run, true_reading) in PINGTAN_T2_RUNS.items():
        cells = [v for f, v in report.values.items() if f.startswith(f"t2.{row}.")]
        assert cells and all(v.missing and v.value is None and v.raw == run for v in cells), row
        warning = next(w for w in report.warnings if f"prints '{run}'" in w)
        assert "readings fit" in warning and "left missing" in warning
        # the reading the page shows is among those listed: a person can pick it, ogi does not
        assert true_reading in re.split(r"[:、;]\s*", warning), (row, warning)


@pytest.mark.skipif(not PINGTAN.exists(), reason="the shared corpus is not here")
def test_crawler_table2_readings_reach_the_audit_finding():
    from ogi.audit import run_audit
    from ogi.dataset import reports_frame, values_frame
    report = read_report(str(PINGTAN))
    reports, values = reports_frame([report]), values_frame([report])
    assert reports.loc[0, "n_values"] == 179  # cells kept beside a hole are not values read
    findings = run_audit(reports, values)
    r13 = findings[findings["check"] == "R13[t2]"]
    assert len(r13) == 1 and r13.iloc[0]["cause"] == "extraction"
    message = r13.iloc[0]["message"]
    assert "19 个单元格未能读取" in message
    assert "规范性文件 印为 898989（3 栏），可能的读法 28 种" in message and "89/89/89" in message
    assert "政府集中采购 印为 13575394432.52元（2 栏），可能的读法 11 种" in message
    unread = json.loads(r13.iloc[0]["cells"])
    assert len(unread) == 19 and {c["role"] for c in unread} == {"unread"}
    assert set(findings["check"]) & {"R13[t3]", "R13[t4]"} == set()  # tables 3 and 4 read whole


@pytest.mark.parametrize("style", STYLES)
def test_flattened_generated_reports_never_wrong(tmp_path, style):
    cells = missed = 0
    for i in range(12):
        rng = random.Random(f"flat-{style}-{i}")
        truth = g.random_truth(rng, g.LAYOUTS[i % 3], variations=PLAIN)
        path = tmp_path / f"{style}-{i}.txt"
        write_flattened(truth, path, rng=rng, style=style)
        report = read_report(str(path))
        wrong, missing = _compare(report, truth.values)
        assert wrong == [], (path.name, wrong)
        assert all(_row_warned(report, f) for f in missing), (path.name, missing)
        assert (report.meta.agency, report.meta.year) == (truth.agency, truth.year)
        assert report.sections["sections_found"] == "一二三四五六"
        if style == "spaced":  # one space around every cell: nothing is ambiguous
            assert missing == [] and report.status == "complete", (path.name, missing)
        # a cell is missing only where more than one reading fits, and the true one is among them
        for fid in missing:
            assert report.values[fid].missing and report.values[fid].raw, (path.name, fid)
        for row in {fid.rsplit(".", 1)[0] for fid in missing if fid.startswith("t2.")}:
            assert _true_reading(truth, report, row) in typed_readings_of(report, row).listed, (path.name, row)
        cells += len(truth.values)
        missed += len(missing)
    assert missed / cells < 0.08  # glued table-2 rows with more than one reading; rare table-4 ties


def _row_cells(report, row: str) -> list:
    return sorted((v for f, v in report.values.items() if f.rsplit(".", 1)[0] == row), key=lambda v: v.col)


def typed_readings_of(report, row: str):
    from ogi.normalize.schema import fields
    cells = _row_cells(report, row)
    return typed_readings(cells[0].raw.split(), [fields()[v.field].type for v in cells])


def _true_reading(truth, report, row: str) -> tuple:
    return tuple(truth.raw[v.field] or None for v in _row_cells(report, row))


@pytest.mark.parametrize("style", STYLES)
def test_flattened_text_with_blanks_dashes_and_units_never_wrong(tmp_path, style):
    for i in range(9):
        rng = random.Random(f"flat-varied-{style}-{i}")
        truth = g.random_truth(rng, g.LAYOUTS[i % 3], variations={"blanks": i % 2 == 0, "dashes": True,
                                                                   "thousands": True, "unit_suffix": True})
        path = tmp_path / f"{style}-{i}.txt"
        write_flattened(truth, path, rng=rng, style=style)
        report = read_report(str(path))
        wrong, missing = _compare(report, truth.values)
        assert wrong == [], (path.name, wrong, truth.variations)
        assert all(_row_warned(report, f) for f in missing), (path.name, missing)
        if missing:
            assert report.status != "complete"
        if style == "spaced":  # an empty cell shows as two spaces: read whole, blanks included
            assert missing == [], (path.name, missing)


def test_hidden_blank_in_a_table2_run_is_not_split():
    # "20" for two columns: 2|0, or 20 and a blank cell that left no trace
    assert typed_readings(["20"], ["integer"] * 2).unique is None
    assert typed_readings(["000"], ["integer"] * 3).unique == ("0", "0", "0")  # no other reading, blanks or not
    assert typed_readings(["17", "0", "5"], ["integer"] * 3).unique == ("17", "0", "5")
    assert typed_readings(["17", "5"], ["integer"] * 3).unique is None  # a blank among separated cells


def test_table2_run_readings_follow_the_column_types():
    both = ["integer", "decimal"]
    # the decimals and the unit belong to the amount; the count before it has no fixed width
    found = typed_readings(["13575394432.52元"], both)
    assert (found.total, found.full) == (11, 10) and ("135", "75394432.52元") in found.listed
    assert typed_readings(["7.5元"], both).unique == (None, "7.5元")  # '.5元' is no amount: the count is blank
    # only 本年增/减 carries a sign: the sign starts that cell
    signed = typed_readings(["12-3"], ["integer", "signed_integer"])
    assert signed.unique == ("12", "-3")
    assert typed_readings(["12−3"], ["integer", "signed_integer"]).unique == ("12", "−3")  # the minus sign
    assert typed_readings(["12-3"], ["integer", "integer"]).total == 0  # 12/-/3 needs three cells
    # a count never starts with 0 unless it is 0, however long the run
    assert typed_readings(["1005"], ["integer"] * 2).listed[:2] == [("100", "5"), (None, "1005")]


def test_spaces_kept_in_a_run_are_cell_boundaries():
    from ogi.normalize.rules import Equation
    eq = Equation("R3", "x", ("a", "b"), ("t",), "error", "")
    loose = split_runs([RunRow(["a", "b", "t"], "11011")], {}, [eq])
    assert "a" not in loose.values  # 1+10=11 and 11+0=11
    kept = split_runs([RunRow(["a", "b", "t"], "11011", breaks=frozenset({2, 3, 5}))], {}, [eq])
    assert (kept.values["a"], kept.values["b"], kept.values["t"]) == (11, 0, 11)
    assert splits("1234", 2) == [(1, 234), (12, 34), (123, 4)]


def test_thousands_group_is_one_cell():
    cells = printed_run("1,234 5 —")
    assert cells.digits == "123450" and cells.dashes == {5: "—"}
    assert split_runs([cells.row(["a", "b", "c"])], {}, []).values == {"a": 1234.0, "b": 5.0, "c": 0.0}


def test_table4_run_with_two_consistent_splits_stays_missing(tmp_path):
    # 行政复议 printed 1|10|0|0|11 glues to '1100011', which 11|0|0|0|11 prints too: both satisfy R5
    rng = random.Random("t4-tie")
    truth = g.random_truth(rng, "2021", variations=PLAIN)
    printed = {f: 0 for f in truth.values if f.startswith("t4.")}
    printed.update({"t4.review.upheld": 1, "t4.review.corrected": 10, "t4.review.total": 11})
    for fid, value in printed.items():
        truth.values[fid], truth.raw[fid], truth.kinds[fid] = value, str(value), "number"
    path = tmp_path / "t4-tie.txt"
    write_flattened(truth, path, rng=rng, style="one_line")
    run = "1100011" + "0" * 10
    assert run in path.read_text(encoding="utf-8")
    report = read_report(str(path))
    wrong, missing = _compare(report, truth.values)
    assert wrong == []
    assert {"t4.review.upheld", "t4.review.corrected"} <= set(missing)
    assert any(w.startswith("t4:") and "2 different splits" in w for w in report.warnings)
    # what both splits agree on is certain
    assert report.values["t4.review.total"].value == 11 and report.values["t4.suit_direct.total"].value == 0
    assert report.status == "partial"
    # the cells left missing keep the run, and the audit lists the two splits for a person to pick
    assert report.values["t4.review.upheld"].missing and report.values["t4.review.upheld"].raw == run
    message = _r13_message(report, "t4")
    assert "2 个单元格未读" in message and "符合本表勾稽关系的读法 2 种" in message
    assert "1/10/0/0/11/" + "/".join(["0"] * 10) in message and "11/0/0/0/11/" in message


def _r13_message(report, table: str) -> str:
    from ogi.audit import run_audit
    from ogi.dataset import reports_frame, values_frame
    findings = run_audit(reports_frame([report]), values_frame([report]))
    r13 = findings[findings["check"] == f"R13[{table}]"]
    assert len(r13) == 1 and r13.iloc[0]["cause"] == "extraction"
    return r13.iloc[0]["message"]


def test_audit_rebuilds_a_table3_row_as_the_reader_cut_it():
    # R13 redoes the split of a run left missing: it must see the row's columns as the reader did
    from ogi.audit.coverage import _row_fields
    from ogi.normalize.flat import _t3_fields, _t3_rows
    for layout in ("2019", "2021"):
        for row in _t3_rows(layout):
            fids = _t3_fields(row)
            some = next(f for f in fids if f)
            assert _row_fields("t3", some) == fids, (layout, row)


@pytest.mark.skipif(not PINGTAN.exists(), reason="needs the shared corpus")
def test_summary_values_count_is_cells_read_not_rows_of_unread_runs(tmp_path):
    """The values table keeps each unread table-2 cell with its printed run; `ogi build`'s summary
    line counted those rows as values (198 for the crawler page, where 179 cells were read)."""
    import pandas as pd

    from ogi.output import write_dataset_chunks
    from ogi.pipeline import BuildOptions, build_incremental

    dataset, _ = build_incremental([PINGTAN], tmp_path / "cache", BuildOptions(jobs=1, timeout=60))
    counts = write_dataset_chunks([dataset], tmp_path)
    values = pd.read_parquet(tmp_path / "values.parquet")
    assert (values.kind == "missing").sum() == 19
    assert counts["values"] == int(dataset.reports.n_values.sum()) == len(values) - 19
