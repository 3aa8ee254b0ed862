"""Issue 9: the bad-input zoo (tests/zoo.py) in ONE `ogi build` batch.

Every zoo file gives exactly one plain line in errors.csv (or is read as the
odd-but-valid report it is), the batch goes on, and the good samples' dataset
is identical to a run without the zoo (the good files keep their paths).

The batch runs the real CLI as a subprocess with two workers, a time limit
and a memory limit, with OCR made unavailable (a sitecustomize that blocks
rapidocr/onnxruntime imports, in the CLI and its workers). Files that try to
read outside the input point at a FIFO beside the zoo: opening it would
block, so a leak shows up as a timeout line instead of the expected one.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ogi.sheetsafe import display_path
from tests.zoo import CANARY, make_zoo

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
TIMEOUT_S = 30        # per document; no zoo case needs it: caps stop them first
MAX_MEMORY_MB = 3000  # per worker (RLIMIT_AS); the backstop for what no cap sees

NO_OCR = '''\
import sys
class _BlockOCR:
    """The zoo's "OCR not installed": rapidocr and onnxruntime cannot be imported."""
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rapidocr", "onnxruntime"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by tests/test_zoo.py)", name=name)
        return None
sys.meta_path.insert(0, _BlockOCR())
'''


def _ogi_build(paths: list[Path], out: Path, env: dict) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ogi.cli", "build", *map(str, paths), "-o", str(out), "-j", "2",
               "--timeout", str(TIMEOUT_S), "--max-memory", str(MAX_MEMORY_MB), "-q"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def zoo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo")
    good = root / "good"
    good.mkdir()
    for sample in sorted(SAMPLES.glob("*.docx")):
        shutil.copyfile(sample, good / sample.name)
    cases = make_zoo(root / "zoo", canary_fifo=True)
    hook = root / "no-ocr"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_OCR)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook), str(REPO), os.environ.get("PYTHONPATH", "")]))
    alone = _ogi_build([good], root / "out-good", env)
    assert alone.returncode == 0, alone.stderr[-3000:]
    mixed = _ogi_build([good, root / "zoo"], root / "out-mixed", env)
    assert mixed.returncode == 0, mixed.stderr[-3000:]
    return {"root": root, "cases": cases, "good": good, "zoo": root / "zoo", "alone": root / "out-good",
            "mixed": root / "out-mixed", "stdout": mixed.stdout}


def test_zoo_is_big_enough(zoo_run):
    assert len(zoo_run["cases"]) >= 30


def test_every_bad_file_gives_one_clear_line(zoo_run):
    errors = pd.read_csv(zoo_run["mixed"] / "errors.csv", keep_default_na=False)
    by_source = errors.groupby("source")
    problems = []
    for case in zoo_run["cases"]:
        source = display_path(str(zoo_run["zoo"] / case.name))
        rows = errors[errors.source == source]
        if case.expect != "error":
            if len(rows):
                problems.append(f"{case.name} ({case.kind}): expected {case.expect}, got {rows.to_dict('records')}")
            continue
        if len(rows) != 1:
            problems.append(f"{case.name} ({case.kind}): {len(rows)} lines in errors.csv")
            continue
        stage, reason = rows.iloc[0]["stage"], rows.iloc[0]["reason"]
        if not re.fullmatch(case.stage, stage) or not re.search(case.reason, reason, re.I):
            problems.append(f"{case.name} ({case.kind}): got {stage}: {reason!r}; "
                            f"expected {case.stage}: /{case.reason}/")
        if "\n" in reason or reason.startswith("unexpected") or len(reason) > 300:
            problems.append(f"{case.name}: not one plain line: {reason!r}")
    known = {display_path(str(zoo_run["zoo"] / c.name)) for c in zoo_run["cases"]}
    for source, rows in by_source:
        if source not in known:
            problems.append(f"unexpected error line for {source}: {rows.to_dict('records')}")
    assert not problems, "\n".join(problems)


def test_odd_but_valid_files_are_read(zoo_run):
    reports = pd.read_parquet(zoo_run["mixed"] / "reports.parquet")
    values = pd.read_parquet(zoo_run["mixed"] / "values.parquet")
    for case in zoo_run["cases"]:
        source = display_path(str(zoo_run["zoo"] / case.name))
        if case.expect == "report":
            assert source in set(reports.source), f"{case.name} ({case.kind}) was not read"
            assert (values.source == source).sum() >= 100, f"{case.name}: too few values"
        elif case.expect == "absent":
            assert source not in set(reports.source)


def test_good_files_dataset_unchanged(zoo_run):
    good = str(zoo_run["good"])
    for name in ("reports", "values", "statements"):
        alone = pd.read_parquet(zoo_run["alone"] / f"{name}.parquet")
        mixed = pd.read_parquet(zoo_run["mixed"] / f"{name}.parquet")
        mixed = mixed[mixed.source.str.startswith(good + os.sep)]
        assert len(alone) > 0
        pd.testing.assert_frame_equal(alone.reset_index(drop=True), mixed.reset_index(drop=True),
                                      obj=f"{name}.parquet of the good files")


def test_trust_cases_give_exactly_the_printed_numbers(zoo_run):
    """Hidden, moved-from, superscript and decoy digits never join a number; a 23-digit count is
    missing (with a warning) rather than rounded; a GBK file name is read as its text."""
    reports = pd.read_parquet(zoo_run["mixed"] / "reports.parquet").set_index("source")
    checked = 0
    for case in zoo_run["cases"]:
        if case.truth is None:
            continue
        row = reports.loc[display_path(str(zoo_run["zoo"] / case.name))]
        expected = {f: v for f, v in case.truth.values.items() if case.truth.kinds[f] == "number"}
        got = {f: (None if pd.isna(row[f]) else row[f]) for f in expected}
        assert got == expected, case.name
        checked += 1
    assert checked == 5


def test_no_formula_reaches_a_workbook(zoo_run):
    from openpyxl import load_workbook

    for book in zoo_run["mixed"].glob("*.xlsx"):
        for ws in load_workbook(book):
            for row in ws.iter_rows():
                assert not any(c.data_type == "f" for c in row), (book.name, ws.title)


def test_nothing_outside_the_input_was_read(zoo_run):
    """No /etc/passwd line, no canary in any output (the canary is a FIFO: opening it would have
    turned its case into a timeout, checked above)."""
    for path in zoo_run["mixed"].iterdir():
        if path.suffix in (".csv", ".parquet", ".xlsx", ".json"):
            data = path.read_bytes()
            assert b"root:x:0:0" not in data, path
            assert CANARY.encode() not in data, path
    assert not any(zoo_run["root"].glob("**/passwd")), "a file named like the XXE target was written"


def test_file_deleted_after_listing(tmp_path, monkeypatch):
    """iter_sources lists the file, then it is removed before a worker reads it: one 'read' line."""
    from ogi import pipeline

    shutil.copyfile(SAMPLES / "gen-2021-basic.docx", tmp_path / "a.docx")
    shutil.copyfile(SAMPLES / "gen-2019-basic.docx", tmp_path / "b.docx")
    listed = pipeline.iter_sources

    def list_then_delete(paths, **options):
        sources = list(listed(paths, **options))
        os.remove(tmp_path / "b.docx")
        return iter(sources)

    monkeypatch.setattr(pipeline, "iter_sources", list_then_delete)
    dataset, _ = pipeline.build_incremental([tmp_path], tmp_path / "out",
                                            pipeline.BuildOptions(jobs=1, timeout=60))
    assert list(dataset.reports.source) == [str(tmp_path / "a.docx")]
    assert dataset.errors.to_dict("records") == [
        {"source": str(tmp_path / "b.docx"), "stage": "read", "reason": "cannot read file: No such file or directory"}]


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading (FIFOs and dangling "
                    "links are in the zoo instead)")
    from ogi.pipeline import process

    path = tmp_path / "locked.docx"
    shutil.copyfile(SAMPLES / "gen-2021-basic.docx", path)
    path.chmod(0)
    result = process(str(path))
    assert result.stage == "read" and "Permission denied" in result.reason


def test_every_zoo_failure_has_chinese_words_for_the_supervisors_page(zoo_run):
    """Each reason the readers gave for the zoo's bad files matches a row of data/failures.csv."""
    from ogi.audit.failures import failure_words

    errors = pd.read_csv(zoo_run["mixed"] / "errors.csv", keep_default_na=False)
    assert len(errors) > 5
    untranslated = [f"{stage}: {reason}" for stage, reason in zip(errors.stage, errors.reason)
                    if failure_words(stage, reason).endswith(f"：{reason}")]
    assert not untranslated, "\n".join(untranslated)
