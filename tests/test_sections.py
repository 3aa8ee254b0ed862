"""normalize.sections (the six headings) and normalize.narrative (numbers the text states).

Paragraphs come from the seed's text dump (tests/fixtures/audit/seed.txt: the
non-table lines of ../shared/seed/000_93984f495c0e3205.txt) and the text
layers of the corpus PDFs; sentences are the ones the truth notes quote.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ogi.normalize.narrative import sentences, statements
from ogi.normalize.sections import FOUND_COLUMN, PREAMBLE_COLUMN, SECTION_COLUMNS, heading_of, split_sections

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"


def lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


# ---------------------------------------------------------------- sections

def test_seed_sections_with_arabic_first_heading_and_subheading_trap():
    split = split_sections(lines("seed.txt"))
    assert split.found_numerals == "一二三四五六"
    assert split.headings["overview"] == "1、 总体情况"
    # "（一）主动公开政府信息情况" inside 一 is a sub-heading, not section 二
    assert split.headings["proactive"] == "二、主动公开政府信息情况"
    assert "（一）主动公开政府信息情况" in split.texts["overview"]
    assert "未接到要求公开政府信息的申请件" in split.texts["overview"]
    assert split.texts["other"] == "无"
    assert split.texts["problems"].startswith("（一）政务公开工作缺少一定的专业技术人才")
    assert "国办公开办函〔2021〕30号" in split.preamble


def test_split_is_the_reports_table_columns():
    split = split_sections(lines("seed.txt"))
    assert isinstance(split, dict)
    assert set(split) == {PREAMBLE_COLUMN, FOUND_COLUMN, *SECTION_COLUMNS.values()}
    assert split[FOUND_COLUMN] == "一二三四五六"
    assert split[SECTION_COLUMNS["other"]] == "无"


@pytest.mark.parametrize("name", ["hongze-district-2023.txt", "hongze-district-2024.txt", "huaian-city-2024.txt"])
def test_pdf_text_layers_have_six_sections(name):
    split = split_sections(lines(name))
    assert split.found_numerals == "一二三四五六"
    assert "信息处理费" in split.texts["other"].replace("\n", "")


@pytest.mark.parametrize("text,key", [
    ("一、总体情况", "overview"),
    ("一、總體情況", "overview"),
    ("一、总体概述", "overview"),
    ("1、 总体情况", "overview"),
    ("二、主动公开政府信息的情况", "proactive"),
    ("二、主动公开信息情况", "proactive"),
    ("三、收到和處理政府信息公開申請情況", "requests"),
    ("四、因政府信息公开工作被申请行政复议提起行政诉讼情况", "appeals"),
    ("四、政府信息公开行行政复议和行政诉讼情况", "appeals"),
    ("四、政府信息公开行政复议行政诉讼情况", "appeals"),
    ("五、政府信息公开工作存在的主要问题及改进情况", "problems"),
    ("六、其他需要报告的事项", "other"),
    ("六、 其他需要报告的事项：", "other"),
    ("第六部分 其他需要报告的事项", "other"),
])
def test_heading_variants(text, key):
    hit = heading_of(text)
    assert hit is not None and hit[0] == key


@pytest.mark.parametrize("text", ["（一）主动公开政府信息情况", "（2） 依申请公开情况", "一是加强宣传", "2021年，我中心未接到申请。",
                                  "1.属于国家秘密", "二、上年结转政府信息公开申请数量"])
def test_not_headings(text):
    assert heading_of(text) is None


def test_missing_and_out_of_order_sections():
    paras = ["一、总体情况", "正文。", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "五、存在的主要问题及改进情况", "问题。", "四、政府信息公开行政复议、行政诉讼情况"]
    split = split_sections(paras)
    assert split.found_numerals == "一二三五四"
    assert split.texts["other"] == "" and split.texts["problems"] == "问题。"


def test_numbered_heading_beats_a_bare_one():
    paras = ["一、总体情况", "主动公开政府信息情况", "正文。", "二、主动公开政府信息情况", "表格说明。"]
    split = split_sections(paras)
    assert split.headings["proactive"] == "二、主动公开政府信息情况"
    assert "主动公开政府信息情况\n正文。" == split.texts["overview"]


# ---------------------------------------------------------------- narrative

def said(text: str, section: str = "overview") -> list[dict]:
    return statements({section: text})


def by_field(found: list[dict]) -> dict[str, float]:
    return {s["field"]: s["number"] for s in found if s["field"]}


def test_huaian_application_sentence():
    text = ("2024 年，全市共受理政府信息公开申请 3119 件，答\n复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度\n"
            "答复），均在法定期限内予以答复。")
    assert by_field(said(text)) == {"t3.new.total": 3119, "t3.total.total": 3050, "t3.carried_over.total": 34,
                                    "t3.carried_forward.total": 103}


def test_huaian_review_and_litigation_breakdowns():
    text = ("政府信息公开行政复议 351 件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚未审结 37 件；"
            "政府信息公开行政诉讼 46 件，其中结果维持 25 件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件。")
    f = by_field(said(text))
    assert f["t4.review.total"] == 351 and f["t4.review.upheld"] == 72 and f["t4.review.pending"] == 37
    assert f["t4.suit_direct.total+t4.suit_after_review.total"] == 46
    assert f["t4.suit_direct.upheld+t4.suit_after_review.upheld"] == 25
    assert f["t4.suit_direct.other+t4.suit_after_review.other"] == 9


def test_regulations_yes_policy_documents_no():
    text = "2024 年，市政府网站主动公开各类政府信息 5500 余条，全年新增公开市政府规章 1 件、市政府及市政府办政策性文件 11 件。"
    found = said(text)
    assert by_field(found) == {"t2.regulation.issued": 1}
    approx = [s for s in found if s["number"] == 5500][0]
    assert approx["unit"] == "条" and approx["approx"] and approx["field"] == ""
    policy = [s for s in found if s["number"] == 11][0]
    assert policy["field"] == "" and policy["unit"] == "件"


def test_normative_documents():
    assert by_field(said("本年度制发行政规范性文件 3 件，废止 0 件。")) == {"t2.normative.issued": 3}
    assert by_field(said("全年共印发规章 2 件、规范性文件 4 件。")) == {"t2.regulation.issued": 2,
                                                                  "t2.normative.issued": 4}


def test_hongze_2024_says_17():
    text = "2024 年，区政府办代表区政府受理政府信息公开申请 17 件，均已在法定期限内予以答复。"
    assert by_field(said(text)) == {"t3.new.total": 17}


def test_seed_no_applications_means_zero():
    found = statements(split_sections(lines("seed.txt")))
    assert by_field(found) == {"t3.new.total": 0}
    zero = [s for s in found if s["field"]][0]
    assert zero["sentence"].endswith("我中心未接到要求公开政府信息的申请件。")
    # 主动公开信息492条 … 公共资源交易信息485条: counted, no field
    assert {s["number"] for s in found if s["unit"] == "条"} == {492, 2, 4, 1, 485}


def test_yuan_is_not_wan_yuan():
    found = said("全年收取政府信息公开信息处理费 0 元。", "other")
    assert [(s["number"], s["unit"], s["field"]) for s in found] == [(0, "元", "")]
    found = said("行政事业性收费 12.5 万元。")
    assert [(s["number"], s["unit"]) for s in found] == [(12.5, "万元")]


def test_first_number_is_never_taken_by_accident():
    # the 答复 pattern must not take 12 (公开 12 场) nor the 受理 pattern the later 30
    text = "召开新闻发布会 12 场，受理政府信息公开申请 30 件，办结 28 件。"
    assert by_field(said(text)) == {"t3.new.total": 30, "t3.total.total": 28}


def test_no_review_no_litigation():
    f = by_field(said("本年度未发生因政府信息公开引起的行政复议、行政诉讼。"))
    assert f == {"t4.review.total": 0, "t4.suit_direct.total+t4.suit_after_review.total": 0}
    # a sentence that counts something keeps its counts and takes no zero reading (conservative)
    f = by_field(said("全年未发生行政复议，政府信息公开行政诉讼 2 件。"))
    assert f == {"t4.suit_direct.total+t4.suit_after_review.total": 2}


def test_sentences_split_and_join_wrapped_lines():
    assert sentences("第一句。第二\n句；第三句") == ["第一句。", "第二句;", "第三句"]


def test_report_id_is_added_when_given():
    found = statements({"overview": "受理政府信息公开申请 5 件。"}, report_id="r1")
    assert found[0]["report_id"] == "r1"
