"""The rule engine gives byte-identical results across rewrites: findings (and the dataset they
come from) compared with files written before a change.

tests/fixtures/engine/ holds two frozen datasets and their findings:
- batch/: `ogi build` of data/samples + /work/shared/corpus (.pdf, .docx, crawler .txt) —
  reports, values, statements as parquet, and their findings;
- synthetic/: tests/synthetic.py's 120 reports with every rule's defect.

The audit of each frozen dataset (run_audit in memory, audit_dir chunk by chunk)
must print the same findings CSV byte for byte. A deliberate change of the
findings rewrites the fixture, and the diff is the review:

    python tests/test_engine.py --write [batch|synthetic|findings]

(`findings` rewrites only the expected findings from the frozen datasets.)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "engine"
REPO = HERE.parent
sys.path.insert(0, str(HERE))
CORPUS = Path("/work/shared/corpus")
SYNTHETIC_N, SYNTHETIC_SEED = 120, 5
TABLES = ("reports", "values", "statements")

# The columns the findings had when the fixture was written; newer columns are compared elsewhere.
FROZEN_COLUMNS = ["report_id", "source", "agency", "year", "rule", "severity", "cause", "message", "cells",
                  "expected", "actual", "suggestion", "check"]


def findings_csv(findings: pd.DataFrame) -> str:
    return findings[FROZEN_COLUMNS].to_csv(index=False, lineterminator="\n")


def _tables(folder: Path):
    return [pd.read_parquet(folder / f"{t}.parquet") for t in TABLES]


def _batch_inputs(into: Path) -> Path:
    folder = into / "in"
    folder.mkdir(parents=True)
    for f in sorted((REPO / "data" / "samples").glob("*.docx")):
        shutil.copy(f, folder)
    for pattern in ("*.pdf", "*.docx", "*.txt"):
        for f in sorted(CORPUS.glob(pattern)):
            shutil.copy(f, folder)
    return folder


def _build(into: Path) -> Path:
    folder = _batch_inputs(into)
    out = into / "out"
    subprocess.run([sys.executable, "-m", "ogi.cli", "build", str(folder), "-o", str(out), "-q", "-j", "1"],
                   check=True, capture_output=True)
    return out


def _comparable(df: pd.DataFrame, root: Path) -> pd.DataFrame:
    """Absolute source paths made relative to the input folder."""
    df = df.copy()
    if "source" in df.columns:
        df["source"] = df["source"].astype(str).str.replace(str(root) + "/", "", regex=False)
    return df


# ---------------------------------------------------------------- the audit on frozen datasets

@pytest.mark.parametrize("name", ["batch", "synthetic"])
def test_findings_are_byte_identical_in_memory(name):
    from ogi.audit import run_audit

    reports, values, statements = _tables(FIXTURE / name)
    got = findings_csv(run_audit(reports, values, statements))
    assert got == (FIXTURE / name / "findings.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["batch", "synthetic"])
def test_findings_are_byte_identical_chunk_by_chunk(name, tmp_path):
    from ogi.audit import audit_dir

    for t in TABLES:
        shutil.copy(FIXTURE / name / f"{t}.parquet", tmp_path)
    got = findings_csv(audit_dir(tmp_path, chunk_size=7))
    assert got == (FIXTURE / name / "findings.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the whole build on the mixed batch

@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="needs /work/shared/corpus")
def test_build_of_the_mixed_batch_gives_the_frozen_dataset(tmp_path):
    """values and reports as frozen (columns added since are not compared), findings as frozen."""
    out = _build(tmp_path)
    root = tmp_path / "in"
    for t in ("reports", "values"):
        want = pd.read_parquet(FIXTURE / "batch" / f"{t}.parquet")
        got = _comparable(pd.read_parquet(out / f"{t}.parquet"), root)
        got = got[[c for c in want.columns if c in got.columns]]
        assert list(got.columns) == list(want.columns), f"{t}: columns dropped"
        assert got.to_csv(index=False) == want.to_csv(index=False), t
    found = _comparable(pd.read_parquet(out / "findings.parquet"), root)
    assert findings_csv(found) == (FIXTURE / "batch" / "findings.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- writing the fixture

def _write_findings(folder: Path) -> None:
    from ogi.audit import run_audit

    (folder / "findings.csv").write_text(findings_csv(run_audit(*_tables(folder))), encoding="utf-8")


def write_fixture(which: str) -> None:
    if which == "batch":
        folder = FIXTURE / "batch"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = _build(Path(tmp))
            for t in TABLES:
                _comparable(pd.read_parquet(out / f"{t}.parquet"), Path(tmp) / "in").to_parquet(
                    folder / f"{t}.parquet", index=False)
        _write_findings(folder)
    elif which == "synthetic":
        from synthetic import synthetic_dataset

        folder = FIXTURE / "synthetic"
        folder.mkdir(parents=True, exist_ok=True)
        for t, df in zip(TABLES, synthetic_dataset(SYNTHETIC_N, SYNTHETIC_SEED)):
            df.to_parquet(folder / f"{t}.parquet", index=False)
        _write_findings(folder)
    elif which == "findings":
        for name in ("batch", "synthetic"):
            _write_findings(FIXTURE / name)
    else:
        raise SystemExit(f"unknown fixture {which!r}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if sys.argv[1:2] != ["--write"]:
        raise SystemExit(__doc__)
    for which in sys.argv[2:] or ["batch", "synthetic"]:
        write_fixture(which)


# ---------------------------------------------------------------- the rules and templates as data

def test_every_rule_is_a_row_of_rules_csv_with_kind_and_scope():
    from ogi.audit.catalogue import catalogue
    from ogi.normalize.schema import rules

    rows = rules()
    assert {r["id"] for r in rows} >= {f"R{i}" for i in (1, *range(3, 12))}
    assert all(r["kind"] and r["scope"] in ("same_year", "previous_year") for r in rows)
    cat = catalogue()
    for r in rows:
        assert cat[r["id"]].wording_zh and cat[r["id"]].severity == next(
            x["severity"] for x in rows if x["id"] == r["id"])
    assert {r["id"] for r in rows if r["scope"] == "previous_year"} == {"R7", "R8"}


def test_cross_year_rules_are_equations_from_rules_csv():
    from ogi.normalize.rules import crossyear_equations, equations

    names = {eq.name for eq in crossyear_equations()}
    assert {"R7[total]", "R7[natural]", "R8[regulation]", "R8[normative]"} <= names
    r8 = next(eq for eq in crossyear_equations() if eq.name == "R8[normative]")
    assert r8.template == "2021" and "previous:t2.normative.in_force" in r8.rhs
    # the same-year solver never sees a cross-year equation
    assert not any(eq.rule in ("R7", "R8") for layout in ("2019", "2021", None) for eq in equations(layout))


def test_a_new_template_version_is_a_row_of_templates_csv(monkeypatch):
    """R10 follows data/templates.csv: with a 2025 version added, a 2025 report on 2021 tables is flagged."""
    import ogi.audit.model as model
    import ogi.audit.template as template
    from ogi.normalize import schema
    from test_audit import audit, spec_from_truth, truth

    now = schema.templates()
    added = (schema.Template(now[0].version, now[0].document, now[0].citation, now[0].first_year,
                             now[0].last_year, now[0].name_zh),
             schema.Template("2021", now[1].document, now[1].citation, 2021, 2024, now[1].name_zh),
             schema.Template("2025", "国办公开办函〔2025〕1号", "〔2025〕1号", 2025, None, "2025年格式（1号）"))
    t = truth(81, "2021", 2025)
    assert audit([spec_from_truth(t, "r1")]).empty
    for module in (schema, template, model):
        monkeypatch.setattr(module, "templates", lambda: added)
    found = audit([spec_from_truth(t, "r1")])
    assert list(found["check"]) == ["R10[format]"]
    assert "2025年格式（1号）" in found.iloc[0]["message"] and found.iloc[0]["expected"] == "2025"


def test_the_audit_suggestion_and_propose_repairs_are_one_engine():
    """A misprinted detail cell: the audit's suggestion is what normalize/repair proposes."""
    from ogi.normalize.repair import propose_repairs
    from test_audit import audit, spec_from_truth, truth

    t = truth(82, "2019", 2020)
    fid = "t3.withheld.process.total"
    right = t.values[fid] or 0
    t.values[fid] = right + 6
    found = audit([spec_from_truth(t, "r1")])
    printed = {f: v for f, v in t.values.items() if v is not None}
    assert set(found["suggestion"]) == {f"{fid} = {int(right)}"}
    assert propose_repairs(printed, "2019") == [(fid, float(right))]


# ---------------------------------------------------------------- the array screen

def test_the_screen_changes_no_finding_and_no_check_count(monkeypatch):
    """Every family run in Python on every report gives the same findings and checks as the screen's picks."""
    from ogi.audit import audit_reports, screen

    tables = _tables(FIXTURE / "synthetic")
    found, checks = audit_reports(*tables)
    everything = lambda *a, **k: (np.ones(len(a[1]) if a[0] is not None else 0, bool),  # noqa: E731
                                  np.zeros(len(a[1]), np.int64))
    monkeypatch.setattr(screen, "screen_arithmetic", lambda m, rows, lay: everything(m, rows))
    monkeypatch.setattr(screen, "screen_counts", lambda m, rows: np.ones(len(rows), bool))
    monkeypatch.setattr(screen, "screen_crossyear", lambda m, prev, a, b: everything(m, prev))
    monkeypatch.setattr(screen, "screen_statements", lambda m, ids, said: everything(m, ids))
    all_found, all_checks = audit_reports(*tables)
    assert findings_csv(all_found) == findings_csv(found)
    assert all_checks.equals(checks)
    assert (checks["checks_passed"] < checks["checks"]).sum() == found["report_id"].nunique()


def test_reports_without_values_rows_are_audited_from_their_field_columns():
    from ogi.audit import audit_reports
    from test_audit import dataset, nonzero_t4, spec_from_truth, truth

    t = truth(83, "2021", 2022)
    t.values = nonzero_t4(t.values)
    t.values["t4.review.total"] = 0
    reports, values, said = dataset([spec_from_truth(t, "r1")])
    for no_values in (values.iloc[0:0], None):
        found, checks = audit_reports(reports, no_values, said)
        assert list(found["check"]) == ["R5[review]"]
        assert found.iloc[0]["suggestion"] == "t4.review.total = 7"
        assert checks.iloc[0]["checks"] - checks.iloc[0]["checks_passed"] == 1
    found, checks = audit_reports(reports.iloc[0:0], values, None)
    assert found.empty and checks.empty
