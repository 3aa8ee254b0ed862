"""Fast tests of the test-document generator itself (tests/generate.py)."""
import json
import random
import re

import docx
import pytest
from docx.oxml.ns import qn

from tests.generate import (AGENCIES, LAYOUTS, REPO, T3_APPLICANTS, T3_COLS, T4_GROUPS, T4_PARTS, field_ids,
                            make_corpus, random_truth, t3_result_rows, t3_row_plan, write_docx)

EXPECTED_CELLS = {"2021": (10, 175, 15), "2019": (22, 161, 15), "hybrid": (10, 161, 15)}
PLAIN = {"blanks": False, "dashes": False, "unit_suffix": False}
NUMBER = re.compile(r"^[+-]?[\d,.]+件?$")


def parse_raw(text: str):
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "").removesuffix("件")
    return float(text) if "." in text else int(text)


def check_arithmetic(truth):
    n = truth.number
    rows3 = [key for key, _ in t3_row_plan(truth.template["table3"])]
    for col in T3_COLS:                                                   # R1 and R4, per column
        assert n(f"t3.new.{col}") + n(f"t3.carried_over.{col}") == \
            n(f"t3.total.{col}") + n(f"t3.carried_forward.{col}")
        assert n(f"t3.total.{col}") == sum(n(f"t3.{row}.{col}") for row in t3_result_rows(truth.template["table3"]))
    for row in rows3:                                                     # R3, per row
        assert n(f"t3.{row}.total") == sum(n(f"t3.{row}.{col}") for col in T3_APPLICANTS)
    for group in T4_GROUPS:                                               # R5
        assert n(f"t4.{group}.total") == sum(n(f"t4.{group}.{part}") for part in T4_PARTS)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_truth_satisfies_the_template_arithmetic(layout):
    for seed in range(150):
        truth = random_truth(random.Random(seed), layout)
        check_arithmetic(truth)
        assert list(truth.values) == field_ids(layout)
        assert len(truth.values) == sum(EXPECTED_CELLS[layout])
        for fid, value in truth.values.items():
            kind, raw = truth.kinds[fid], truth.raw[fid]
            if kind == "number":
                assert parse_raw(raw) == value, (fid, raw, value)
                assert fid.endswith((".change", ".amount")) or 0 <= value <= 9999
            else:
                assert value is None and kind in ("blank", "dash") and (raw == "") == (kind == "blank")


def test_2021_truth_leaves_the_derived_other_row_to_the_pipeline():
    truth = random_truth(random.Random(1), "2021")
    assert not any(re.fullmatch(r"t3\.other\.[a-z_]+", fid) for fid in truth.values)
    assert "t3.other.misc.total" in truth.values
    for layout in ("2019", "hybrid"):
        ids = random_truth(random.Random(1), layout).values
        assert "t3.other.total" in ids and "t3.other.misc.total" not in ids


def test_signed_changes_and_decimals_occur():
    raws = [random_truth(random.Random(s), "2019").raw for s in range(60)]
    changes = [r[f] for r in raws for f in r if f.endswith(".change")]
    assert any(c.startswith("-") for c in changes) and any(c.startswith("+") for c in changes)
    fees = [random_truth(random.Random(s), "2021").values["t2.fee.amount"] for s in range(60)]
    assert any(isinstance(v, float) for v in fees)


def tables_by_report_part(path):
    """(table 2, [table-3 parts], table 4) as lists of rows of (tc, text); vMerge continuations kept."""
    body = docx.Document(str(path)).element.body
    tbls = body.findall(qn("w:tbl"))
    rows = [[[(tc, "\n".join("".join(t.text for t in p.iter(qn("w:t"))) for p in tc.findall(qn("w:p"))))
              for tc in tr.findall(qn("w:tc"))] for tr in tbl.findall(qn("w:tr"))] for tbl in tbls]
    return rows[0], rows[1:-1], rows[-1], tbls


def numbers_in(table_rows):
    return [text for row in table_rows for tc, text in row if NUMBER.match(text.replace("\n", ""))]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", range(6))
def test_every_value_cell_is_printed_once_in_reading_order(tmp_path, layout, seed):
    rng = random.Random(seed)
    truth = random_truth(rng, layout, variations=PLAIN)
    path = tmp_path / "r.docx"
    write_docx(truth, path, rng=rng, variations={"split_table3": seed % 2 == 0, "extra_col": seed == 1,
                                                 "extra_row": seed == 2})
    t2, t3_parts, t4, _ = tables_by_report_part(path)
    counts = (len(numbers_in(t2)), sum(len(numbers_in(p)) for p in t3_parts), len(numbers_in(t4)))
    assert counts == EXPECTED_CELLS[layout], truth.variations
    printed = numbers_in(t2) + [x for p in t3_parts for x in numbers_in(p)] + numbers_in(t4)
    assert printed == [truth.raw[f] for f in field_ids(layout)]


@pytest.mark.parametrize("seed", range(12))
def test_merged_cells_are_real_merges(tmp_path, seed):
    rng = random.Random(seed)
    truth = random_truth(rng, LAYOUTS[seed % 3])
    path = tmp_path / "r.docx"
    write_docx(truth, path, rng=rng)
    t2, t3_parts, t4, tbls = tables_by_report_part(path)
    for tbl in tbls:
        grid = len(tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol")))
        for tr in tbl.findall(qn("w:tr")):
            spans = [tc.grid_span for tc in tr.findall(qn("w:tc"))]
            assert tr.grid_before + sum(spans) + tr.grid_after == grid    # every row covers the grid exactly
    for table in [t2, *t3_parts, t4]:
        for row in table:
            for (_tc, text), (_, right) in zip(row, row[1:]):
                is_label = re.search(r"[\u4e00-\u9fff]{2}", text)
                assert not (is_label and text == right), text                     # no duplicated labels
            for tc, text in row:
                if tc.vMerge == "continue":
                    assert text == ""
    header = t3_parts[0][0]
    assert [tc.grid_span for tc, _ in header][:2] == [3, 7]                # (+1 cell with extra_col)
    assert header[0][0].vMerge == "restart"
    assert [tc.grid_span for tc, _ in t4[0]][:2] == [5, 10]
    result_rows = [row for part in t3_parts for row in part if row and row[0][0].vMerge == "continue"]
    assert len(result_rows) > 10                                           # 三、本年度办理结果 spans the result rows


def test_variations_are_recorded_and_can_be_forced(tmp_path):
    rng = random.Random(3)
    truth = random_truth(rng, "2021", variations={"dashes": True, "blanks": False})
    write_docx(truth, tmp_path / "r.docx", rng=rng, variations={"traditional": True, "numbering_dunhao": True},
               long_text=True, landscape_tables=False)
    v = truth.variations
    assert v["traditional"] and v["numbering_dunhao"] and v["long_text"] and not v["landscape_tables"]
    assert v["dashes"] and not v["blanks"] and "linebreak_style" in v
    text = "".join(t.text or "" for t in docx.Document(str(tmp_path / "r.docx")).element.body.iter(qn("w:t")))
    assert "申請人情況" in text and "1、" in text


def test_make_corpus_writes_truth_beside_each_report(tmp_path):
    out = make_corpus(tmp_path, 3, seed=7)
    assert len(out) == 3
    for path, truth in out:
        data = json.loads(path.with_name(path.stem + ".truth.json").read_text(encoding="utf-8"))
        assert data["file"] == path.name and data["agency"] == truth.agency
        assert set(data) >= {"file", "agency", "year", "template", "values", "blank", "province", "city",
                             "county", "adcode", "variations"}
        docx.Document(str(path))


def test_agency_regions_are_what_cpca_returns():
    cpca = pytest.importorskip("cpca")
    df = cpca.transform([a.name for a in AGENCIES])
    for agency, (_, row) in zip(AGENCIES, df.iterrows()):
        got = [None if isinstance(x, float) else x for x in (row["省"], row["市"], row["区"], row["adcode"])]
        assert got == [agency.province, agency.city, agency.county, agency.adcode], agency.name


def test_samples_have_truth_beside_them():
    samples = sorted((REPO / "data" / "samples").glob("*.docx"))
    if not samples:
        pytest.skip("no samples yet")
    for path in samples:
        assert path.stat().st_size < 60_000
        assert path.with_name(path.stem + ".truth.json").exists()
        docx.Document(str(path))


def test_seed_sample_keeps_the_short_rows_of_table_3():
    path = REPO / "data" / "samples" / "shanggao-2021-seed.docx"
    if not path.exists():
        pytest.skip("samples not built")
    tbl = docx.Document(str(path)).element.body.findall(qn("w:tbl"))[1]
    rows = tbl.findall(qn("w:tr"))[3:]
    assert [tr.grid_after for tr in rows] == [0, 0] + [2] * 21
    for tr in rows[2:]:
        values = [tc for tc in tr.findall(qn("w:tc")) if "".join(t.text for t in tc.iter(qn("w:t"))).isdigit()]
        assert len(values) == 5



def test_generator_draws_label_variants_under_the_table_names_of_labels_csv():
    """labels.csv names its tables t2/t3/t4: a generator still asking for "table3" drew no variant at all,
    and every generated report printed only official labels."""
    from tests.generate import Labeler, table3_header

    class AlwaysVariant:            # every label that has a variant prints its last one
        def random(self):
            return 0.0

        def choice(self, pool):
            return pool[-1]

    lab = Labeler(AlwaysVariant(), {"label_variants": True, "linebreaks": False, "numbering_dunhao": False,
                                    "traditional": False, "unverified_typos": False})
    printed = [cell.text for row in table3_header(lab, "2021", brackets=False) for cell in row.cells if cell.text]
    official = {"申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"}
    assert any(text not in official for text in printed[1:]), printed
