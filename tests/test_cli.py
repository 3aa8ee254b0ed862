"""The command line wires every stage: build → dataset, audit, research tables; audit reruns alone."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ogi.data import SAMPLES_DIR

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "audit"


def _ogi(*args):
    return subprocess.run([sys.executable, "-m", "ogi.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, check=True)


def test_build_writes_every_output_and_the_summary_counts_findings(tmp_path):
    out = tmp_path / "out"
    proc = _ogi("build", SAMPLES_DIR, "-o", out, "-j", "1")
    assert "read 6, failed 0, findings " in proc.stdout
    for name in ("reports.parquet", "values.parquet", "statements.parquet", "errors.csv", "dataset.xlsx",
                 "findings.parquet", "findings.csv", "audit.xlsx", "audit.html", "indicators.parquet",
                 "keywords.parquet", "datapackage.json"):
        assert (out / name).exists(), name
    findings = pd.read_parquet(out / "findings.parquet")
    # the two hybrid samples (2021 table 2 + 2019 （六）) are flagged R10; no arithmetic finding on clean reports
    assert set(findings.loc[findings["rule"] == "R10", "agency"]) == {"上高县行政服务中心管委会", "广州市天河区卫生健康局"}
    assert not findings["rule"].isin(["R1", "R3", "R4", "R5"]).any()
    package = json.loads((out / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} >= {"reports", "values", "findings"}
    assert "上高县行政服务中心管委会" in (out / "audit.html").read_text(encoding="utf-8")


def _truth(agency, year, seed):
    import random

    from tests.generate import random_truth

    truth = random_truth(random.Random(seed), "2021")
    truth.agency, truth.year = agency, year
    return truth


def test_audit_reruns_on_an_existing_dataset_with_last_year(tmp_path):
    from tests.generate import write_docx

    last = _truth("杭州市西湖区人民政府", 2022, seed=1)
    broken, seed = [], 1
    while not broken:  # a later year whose carry-over does not chain from last year's (deterministic seeds)
        seed += 1
        this = _truth("杭州市西湖区人民政府", 2023, seed=seed)
        broken = [c for c in ("natural", "total")
                  if this.number(f"t3.carried_over.{c}") != last.number(f"t3.carried_forward.{c}")]
    for folder, truth in (("in0", last), ("in1", this)):
        (tmp_path / folder).mkdir()
        write_docx(truth, tmp_path / folder / "r.docx")
    this_year, last_year = tmp_path / "y1", tmp_path / "y0"
    _ogi("build", tmp_path / "in1", "-o", this_year, "-j", "0")
    _ogi("build", tmp_path / "in0", "-o", last_year, "-j", "0")
    alone = pd.read_parquet(this_year / "findings.parquet")
    assert "R7" not in set(alone["rule"])  # one year alone: nothing to compare with
    proc = _ogi("audit", this_year, "--previous", last_year)
    assert proc.stdout.startswith("findings ")
    with_last_year = pd.read_parquet(this_year / "findings.parquet")
    r7 = with_last_year[with_last_year["rule"] == "R7"]
    assert len(r7) >= len(broken) and set(r7["year"]) == {2023}
