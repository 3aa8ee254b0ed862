"""status and coverage tell the truth: decided from counts of cells, never from warning text."""
import tempfile
from pathlib import Path

import docx
import pandas as pd
from ogi.data import SAMPLES_DIR

from ogi.dataset import reports_frame
from ogi.pipeline import read_report
from tests.status_check import incomplete_but_complete

SAMPLE = SAMPLES_DIR / "gen-2021-basic.docx"


def _without_table(tmp_path, index: int):
    d = docx.Document(SAMPLE)
    table = d.tables[index]._element
    table.getparent().remove(table)
    path = tmp_path / f"no-table-{index}.docx"
    d.save(path)
    return read_report(str(path))


def test_a_report_read_whole_is_complete_with_full_coverage():
    report = read_report(str(SAMPLE))
    row = reports_frame([report]).iloc[0]
    assert report.status == "complete" and row["coverage"] == 1.0
    assert [row[f"cells_missing_{t}"] for t in ("t2", "t3", "t4")] == [0, 0, 0]
    assert [row[f"coverage_{t}"] for t in ("t2", "t3", "t4")] == [1.0, 1.0, 1.0]


def test_a_report_with_a_missing_table_is_never_complete(tmp_path):
    for index, table in ((0, "t2"), (1, "t3"), (2, "t4")):
        report = _without_table(tmp_path, index)
        row = reports_frame([report]).iloc[0]
        assert table not in report.tables_found
        assert report.status == "partial"
        assert row[f"coverage_{table}"] == 0.0 and row[f"cells_missing_{table}"] > 0
        assert 0 < row["coverage"] < 1
    assert row["cells_missing_t4"] == 15  # table 4 prints 15 cells, all unread


def test_status_is_decided_from_counts_not_from_warning_text():
    report = read_report(str(SAMPLE))
    report.warnings.append("t3: something left missing")  # a warning alone does not make cells unread
    assert report.status == "complete"
    del report.values["t3.new.natural"]  # an unread cell with no warning at all is still seen
    assert report.status == "partial"
    row = reports_frame([report]).iloc[0]
    assert row["cells_missing_t3"] == 1 and row["coverage"] < 1


def test_a_text_cell_is_not_a_cell_read():
    report = read_report(str(SAMPLE))
    report.values["t4.review.upheld"].kind = "text"
    assert report.status == "partial" and report.coverage_by_table["t4"].missing == 1


def test_the_output_check_catches_a_complete_report_with_unread_cells():
    # outside pytest's tmp folder: the suite-wide check walks that one and would (rightly) fail on these
    with tempfile.TemporaryDirectory() as folder:
        _check_catches(Path(folder))


def _check_catches(tmp_path):
    report = read_report(str(SAMPLE))
    frame = reports_frame([report])
    frame.to_csv(tmp_path / "reports.csv", index=False, encoding="utf-8-sig")
    assert incomplete_but_complete(tmp_path) == []
    frame.loc[0, "coverage"] = 0.95
    frame.to_csv(tmp_path / "reports.csv", index=False, encoding="utf-8-sig")
    assert len(incomplete_but_complete(tmp_path)) == 1
    pd.DataFrame({"source": ["x"], "status": ["complete"]}).to_csv(tmp_path / "reports.csv", index=False)
    assert incomplete_but_complete(tmp_path)  # a status without its coverage is not accepted either


def test_blank_template_empty_table4_value_row_reads_as_blank_cells():
    """The official 2021 template published unfilled: table 4's empty value row is the row the
    form prints, so its 15 cells are blanks (not a spacer row skipped): coverage 1, status blank."""
    import pytest

    from tests.producers import template_docx
    if template_docx() is None:
        pytest.skip("template-2021-blank.docx not in ../shared/corpus")
    report = read_report(str(template_docx()))
    t4 = {f: v for f, v in report.values.items() if f.startswith("t4.")}
    assert len(t4) == 15 and {v.kind for v in t4.values()} == {"blank"}
    assert report.coverage == 1.0 and report.status == "blank"


def test_a_form_with_one_value_is_complete_not_blank(tmp_path):
    import pytest

    from tests.producers import template_docx
    if template_docx() is None:
        pytest.skip("template-2021-blank.docx not in ../shared/corpus")
    d = docx.Document(str(template_docx()))
    d.tables[2].rows[3].cells[4].paragraphs[0].text = "0"
    path = tmp_path / "one-zero.docx"
    d.save(path)
    report = read_report(str(path))
    assert report.values["t4.review.total"].value == 0 and report.values["t4.review.upheld"].kind == "blank"
    assert report.status == "complete"
