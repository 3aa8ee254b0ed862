"""Word reports end to end: generated reports, the real seed, samples, bad input, outputs."""
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest

from ogi.data import SAMPLES_DIR
from ogi.dataset import REPORT_COLUMNS, VALUE_COLUMNS
from ogi.pipeline import build_dataset, read_report
from tests.generate import make_corpus, random_truth, write_docx

ROOT = Path(__file__).resolve().parent.parent


def _assert_matches_truth(path, truth: dict):
    report = read_report(str(path))
    wrong = {f: (v, report.values[f].value if f in report.values else "missing")
             for f, v in truth["values"].items()
             if f not in report.values or report.values[f].value != v}
    assert not wrong, f"{path.name} {truth.get('variations')}: {wrong}"
    printed = {f for f, v in report.values.items() if v.label not in ("derived",)}
    assert printed == set(truth["values"]), printed ^ set(truth["values"])
    assert report.meta.agency == truth["agency"] and report.meta.year == truth["year"]
    assert report.templates == {"t2": truth["template"]["table2"], "t3": truth["template"]["table3"]}
    return report


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"), 60, seed=2024)


def test_generated_reports_come_out_exactly(corpus):
    for path, truth in corpus:
        report = _assert_matches_truth(path, json.loads(path.with_suffix(".truth.json").read_text()))
        assert report.status == "complete", report.warnings
        assert (report.meta.province, report.meta.adcode) == (truth.province, truth.adcode)
        for v in report.values.values():
            kind = truth.kinds.get(v.field, "derived" if v.label == "derived" else None)
            assert v.label == kind, (path.name, v.field, v.label, kind)
            if v.label != "derived":
                assert v.raw == truth.raw[v.field]  # the printed text, untouched


@pytest.mark.parametrize("layout", ["2019", "2021", "hybrid"])
@pytest.mark.parametrize("flag", ["title_split", "linebreaks", "label_variants", "unverified_typos", "traditional",
                                  "numbering_dunhao", "split_table3", "extra_row", "extra_col", "note_brackets"])
def test_every_variation_alone(tmp_path, layout, flag):
    rng = random.Random(hash((layout, flag)) % 1000)
    truth = random_truth(rng, layout, variations={"blanks": True, "dashes": True, "thousands": True,
                                                  "fullwidth": True, "unit_suffix": True})
    path = tmp_path / f"{layout}-{flag}.docx"
    others = {f: False for f in ("title_split", "linebreaks", "label_variants", "unverified_typos", "traditional",
                                 "numbering_dunhao", "split_table3", "extra_row", "extra_col", "note_brackets")}
    truth = write_docx(truth, path, variations={**others, flag: True}, rng=rng)
    _assert_matches_truth(path, truth.to_json(path.name))


def test_2021_reports_get_the_derived_other_row(corpus):
    path, truth = next((p, t) for p, t in corpus if t.template["table3"] == "2021")
    report = read_report(str(path))
    for col in ("natural", "total"):
        parts = [truth.values[f"t3.other.{r}.{col}"] or 0 for r in ("no_correction", "unpaid_fee", "misc")]
        derived = report.values[f"t3.other.{col}"]
        assert (derived.value, derived.label) == (sum(parts), "derived")


def test_seed_rebuilt_as_docx_equals_its_truth():
    path = SAMPLES_DIR / "shanggao-2021-seed.docx"
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    report = _assert_matches_truth(path, truth)
    assert len(truth["values"]) == 186
    assert report.meta.province == "江西省"
    # rows 三（一）..四 print 5 cells in 7 columns: placed by the arithmetic, never by position
    granted = report.values["t3.granted.total"]
    assert granted.label == "inferred" and granted.raw == ""
    assert any("inferred from the table's arithmetic" in w for w in report.warnings)


def test_short_row_that_arithmetic_cannot_place_is_left_missing(tmp_path):
    src = SAMPLES_DIR / "shanggao-2021-seed.docx"
    d = docx.Document(src)
    table3 = d.tables[1]
    table3.rows[3].cells[3].text = "4"   # 一、本年新收 自然人 = 4: the result rows no longer sum to 0
    table3.rows[3].cells[9].text = "4"   # ... and its 合计
    path = tmp_path / "seed-changed.docx"
    d.save(path)
    report = read_report(str(path))
    assert "t3.granted.natural" not in report.values
    assert report.values["t3.new.natural"].value == 4
    assert any("left missing" in w for w in report.warnings)
    assert report.status == "partial"


def test_samples_all_match_their_truth():
    for path in sorted(SAMPLES_DIR.glob("*.docx")):
        _assert_matches_truth(path, json.loads(path.with_suffix(".truth.json").read_text()))


def _bad_inputs(folder: Path) -> dict[str, str]:
    (folder / "empty.docx").write_bytes(b"")
    (folder / "not-a-zip.docx").write_bytes(b"this is not a zip file at all, just some bytes \x00\x01\x02")
    with zipfile.ZipFile(folder / "zip-not-word.docx", "w") as z:
        z.writestr("hello.txt", "hi")
    d = docx.Document()
    d.add_paragraph("会议通知")
    d.add_table(rows=2, cols=2).cell(0, 0).text = "姓名"
    d.save(folder / "no-tables.docx")
    return {"empty.docx": "read", "not-a-zip.docx": "read", "zip-not-word.docx": "read", "no-tables.docx": "normalize"}


def test_bad_input_gives_one_error_line_each_and_the_batch_goes_on(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for sample in ("gen-2021-basic.docx", "gen-2019-basic.docx"):
        (batch / sample).write_bytes((SAMPLES_DIR / sample).read_bytes())
    expected = _bad_inputs(batch)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "ogi.cli", "build", str(batch), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    errors = pd.read_csv(out / "errors.csv")
    assert sorted(Path(s).name for s in errors["source"]) == sorted(expected)
    for _, err in errors.iterrows():
        assert err["stage"] == expected[Path(err["source"]).name]
        assert err["reason"] and "\n" not in err["reason"]
    reports = pd.read_parquet(out / "reports.parquet")
    assert sorted(Path(s).name for s in reports["source"]) == ["gen-2019-basic.docx", "gen-2021-basic.docx"]
    good, _ = build_dataset([batch / "gen-2021-basic.docx", batch / "gen-2019-basic.docx"])
    pd.testing.assert_frame_equal(
        reports.sort_values("source").reset_index(drop=True)[REPORT_COLUMNS[2:]],
        good.sort_values("source").reset_index(drop=True)[REPORT_COLUMNS[2:]], check_dtype=False)


def test_nothing_readable_exits_non_zero(tmp_path):
    _bad_inputs(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "ogi.cli", "build", str(tmp_path), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0
    assert "empty.docx" in proc.stderr


def test_outputs_have_the_contract_columns(tmp_path):
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "ogi.cli", "build", str(SAMPLES_DIR), "-o", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    values = pd.read_parquet(out / "values.parquet")
    reports = pd.read_parquet(out / "reports.parquet")
    assert list(values.columns[:12]) == VALUE_COLUMNS[:12]
    assert list(reports.columns[:len(REPORT_COLUMNS)]) == REPORT_COLUMNS
    assert reports.columns[len(REPORT_COLUMNS)] == "t2.regulation.issued"
    assert len(reports) == 6 and set(reports["status"]) == {"complete"}
    csv_values = pd.read_csv(out / "values.csv", encoding="utf-8-sig")
    assert len(csv_values) == len(values)
    seed = reports[reports["source"].str.endswith("shanggao-2021-seed.docx")].iloc[0]
    assert seed["t2.licensing.decisions"] == 222 and seed["agency"] == "上高县行政服务中心管委会"
    sheets = pd.read_excel(out / "dataset.xlsx", sheet_name=None)
    assert {"表二 主动公开", "表三 依申请公开", "表四 复议诉讼"} <= set(sheets)
    t2 = sheets["表二 主动公开"]
    assert "行政许可 · 本年处理决定数量（件）" in t2.columns
    assert t2.loc[t2["agency"] == "上高县行政服务中心管委会", "行政许可 · 本年处理决定数量（件）"].iloc[0] == 222


def test_show_prints_the_tables_as_read():
    proc = subprocess.run([sys.executable, "-m", "ogi.cli", "show", str(SAMPLES_DIR / "shanggao-2021-seed.docx")],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert "上高县行政服务中心管委会" in proc.stdout and "222" in proc.stdout
    assert "inferred" in proc.stdout  # the warning about the short rows
