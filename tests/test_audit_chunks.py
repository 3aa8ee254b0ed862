"""audit_dir in chunks gives what the in-memory audit gives.

Chunks of 2 reports, so chunk boundaries fall between agencies and every
cross-year pair (R7/R8) must come from the agency being kept whole in one
chunk. The reference is run_audit + write_audit on the whole tables.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from ogi.audit import audit_dir, audit_reports, run_audit, write_audit
from ogi.audit.chunks import Table, plan, read_keys
from ogi.audit.html import pieces

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))


def _save(folder: Path, reports, values, statements) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    reports.to_parquet(folder / "reports.parquet", index=False)
    values.to_parquet(folder / "values.parquet", index=False)
    if statements is not None:
        statements.to_parquet(folder / "statements.parquet", index=False)
    return folder


def _earlier_copy(reports, values, statements, rng: random.Random):
    """The same agencies a year earlier: new ids, carried-forward and in-force cells nudged (R7/R8 fire)."""
    r, v, s = reports.copy(), values.copy(), statements.copy()
    for t in (r, v, s):
        t["report_id"] = t["report_id"].astype(str) + "p"
    r["year"] = r["year"] - 1
    nudge = v["field"].astype(str).str.startswith("t3.carried_forward") | v["field"].astype(str).str.contains(
        "in_force")
    v.loc[nudge, "value"] = [x + rng.choice([0, 0, 1, 3]) if pd.notna(x) else x for x in v.loc[nudge, "value"]]
    return r, v, s


def _shuffled(parts):
    """Both years in one dataset, report rows shuffled so an agency's years lie apart in the file."""
    reports = pd.concat([p[0] for p in parts], ignore_index=True).sample(frac=1, random_state=1)
    order = {rid: i for i, rid in enumerate(reports["report_id"])}
    out = [reports.reset_index(drop=True)]
    for k in (1, 2):
        t = pd.concat([p[k] for p in parts], ignore_index=True)
        out.append(t.iloc[t["report_id"].map(order).argsort(kind="stable")].reset_index(drop=True))
    return out


def _sheets(path: Path) -> dict:
    """Every sheet's cells as (coordinate, value, fill, bold, comment), plus its frozen pane and filter."""
    out = {}
    for ws in load_workbook(path).worksheets:
        cells = [(c.coordinate, c.value, c.fill.fgColor.rgb if c.fill.fill_type else None, bool(c.font.b),
                  c.comment.text if c.comment else None)
                 for row in ws.iter_rows() for c in row if c.value is not None or c.fill.fill_type]
        out[ws.title] = (cells, ws.freeze_panes, ws.auto_filter.ref)
    return out


def _same_as_in_memory(tmp: Path, folder: Path, previous: Path | None = None) -> pd.DataFrame:
    """audit_dir(chunk_size=2) against run_audit + write_audit on the whole tables: identical files."""
    read = lambda d, n: pd.read_parquet(d / f"{n}.parquet") if (d / f"{n}.parquet").exists() else None  # noqa: E731
    prev = (read(previous, "reports"), read(previous, "values")) if previous else None
    expected, checks = audit_reports(read(folder, "reports"), read(folder, "values"), read(folder, "statements"),
                                     prev)
    ref = tmp / "in-memory"
    write_audit(ref, expected, read(folder, "reports"), read(folder, "values"), prev[0] if prev else None, checks)
    found = audit_dir(folder, previous_dir=previous, chunk_size=2)
    pd.testing.assert_frame_equal(found, expected)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "checks.parquet"), pd.read_parquet(ref / "checks.parquet"))
    listed = _page_reports(folder / "audit.html")
    assert all(r[16] >= r[17] >= 0 for r in listed if r[9] != "failed")          # every report's checks on the page
    rows = list(load_workbook(folder / "audit.xlsx")["问题清单"].iter_rows(values_only=True))
    assert rows[0][-1] == "本报告校验通过" and all(re.fullmatch(r"\d+/\d+", r[-1]) for r in rows[1:])
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "findings.parquet"), pd.read_parquet(ref / "findings.parquet"))
    assert (folder / "findings.csv").read_bytes() == (ref / "findings.csv").read_bytes()
    assert (folder / "audit.html").read_text(encoding="utf-8") == (ref / "audit.html").read_text(encoding="utf-8")
    assert _sheets(folder / "audit.xlsx") == _sheets(ref / "audit.xlsx")
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]      # no temp files left
    return found


def _page_reports(page: Path) -> list[list]:
    import json
    import re

    text = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script id="reports" type="application/json">(.*?)</script>', text).group(1))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated corpus read by the pipeline, and the same agencies a year earlier."""
    from generate import make_corpus
    from ogi.pipeline import build

    tmp = tmp_path_factory.mktemp("gen")
    make_corpus(tmp / "src", 8, seed=11)
    ds = build(sorted(str(p) for p in (tmp / "src").glob("*.docx")))
    this = (ds.reports, ds.values, ds.statements)
    return this, _earlier_copy(*this, random.Random(3))


def test_samples_in_chunks(tmp_path):
    from ogi.pipeline import build

    ds = build(sorted(str(p) for p in (ROOT / "data" / "samples").glob("*.docx")))
    _same_as_in_memory(tmp_path, _save(tmp_path / "ds", ds.reports, ds.values, ds.statements))


@pytest.mark.skipif(not list(Path("/work/shared/corpus").glob("*.pdf")), reason="corpus PDFs missing")
def test_corpus_pdfs_in_chunks(tmp_path):
    from ogi.pipeline import build

    ds = build(sorted(str(p) for p in Path("/work/shared/corpus").glob("*.pdf")))
    _same_as_in_memory(tmp_path, _save(tmp_path / "ds", ds.reports, ds.values, ds.statements))


def test_two_years_in_one_dataset_in_chunks(tmp_path, generated):
    this, last = generated
    found = _same_as_in_memory(tmp_path, _save(tmp_path / "ds", *_shuffled([this, last])))
    assert {"R7", "R8"} <= set(found["rule"])          # the cross-year pairs were made across chunk boundaries


def test_previous_dataset_in_chunks(tmp_path, generated):
    this, last = generated
    previous = _save(tmp_path / "last", *last)
    found = _same_as_in_memory(tmp_path, _save(tmp_path / "this", *this), previous)
    assert "R7" in set(found["rule"])


def test_without_statements_table_texts_are_used(tmp_path, generated):
    (reports, values, _), _ = generated
    _same_as_in_memory(tmp_path, _save(tmp_path / "ds", reports, values, None))


def test_chunks_keep_an_agencys_years_together(generated):
    (reports, _, _), (earlier, _, _) = generated
    both = pd.concat([reports, earlier]).sample(frac=1, random_state=2)
    keys = read_keys_frame(both)
    chunks = plan(keys, size=2)
    where = {rid: i for i, c in enumerate(chunks) for rid in c.current}
    assert sorted(where) == sorted(set(both["report_id"].astype(str)))
    for key, group in keys.groupby("key"):
        assert len({where[r] for r in group["report_id"]}) == 1, key


def read_keys_frame(reports: pd.DataFrame) -> pd.DataFrame:
    from ogi.audit.identity import agency_key
    return pd.DataFrame({"report_id": reports["report_id"].astype(str).to_numpy(),
                         "key": [agency_key(m) for m in reports.to_dict("records")]})


def test_table_reads_rows_in_file_order_across_row_groups(tmp_path):
    df = pd.DataFrame({"report_id": ["a", "b", "a", "c", "b", "a"], "n": range(6)})
    df.to_parquet(tmp_path / "t.parquet", index=False, row_group_size=2)
    got = Table(tmp_path / "t.parquet").read(["a", "b"])
    assert got["n"].tolist() == [0, 1, 2, 4, 5]
    assert len(Table(tmp_path / "t.parquet").read(["zzz"])) == 0
    assert read_keys(tmp_path / "t.parquet")["report_id"].tolist() == df["report_id"].tolist()


def test_page_lists_every_report_clean_or_not(generated):
    import json
    import re

    (reports, values, statements), _ = generated
    found = run_audit(reports, values, statements)
    from ogi.audit.outputs import reports_meta
    meta = reports_meta(reports)
    page = "".join(pieces(found, meta, lambda rid: []))
    listed = json.loads(re.search(r'<script id="reports" type="application/json">(.*?)</script>', page).group(1))
    assert sorted(r[0] for r in listed) == sorted(meta)                       # clean reports too, each once
    assert len(set(found["report_id"])) < len(meta)
    assert page.count("<section") == 0                                          # nothing drawn before it is opened


def test_xlsx_table_sheets_are_capped(tmp_path, generated, monkeypatch):
    from ogi.audit import outputs

    (reports, values, statements), _ = generated
    found = run_audit(reports, values, statements)
    monkeypatch.setattr(outputs, "MAX_GRID_REPORTS", 1)
    write_audit(tmp_path, found, reports, values)
    wb = load_workbook(tmp_path / "audit.xlsx")
    assert len(list(wb["问题清单"].iter_rows())) == len(found) + 1            # every finding still listed
    titles = [r[0] for r in wb["表三"].iter_rows(values_only=True) if r and r[0] and "年（" in str(r[0])]
    assert "仅列出前 1 份" in wb["表三"]["A1"].value and len(titles) <= 1
