"""Researcher-facing outputs: keywords, derived indicators, datapackage.json, the notebook."""
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from ogi.data import SAMPLES_DIR
from ogi.indicators import definitions, indicators, indicators_by_region
from ogi.keywords import aggregate_keywords, problems_column, report_keywords, stopwords

REPO = Path(__file__).resolve().parents[1]

# Section 五 as real reports write it (phrasing from county and city reports, 2021–2023).
PROBLEMS = {
    "a": ("（一）存在的主要问题。一是政务公开工作人员业务能力有待提升，对《条例》理解不够深入，依申请公开答复的"
          "规范性还需加强；二是政策解读形式较为单一，图解、视频等多元化解读较少，政务新媒体互动回应不够及时；"
          "三是基层政务公开标准化规范化建设进展不平衡，部分乡镇公开目录更新不及时。（二）改进措施。下一步，"
          "我局将进一步加强政务公开业务培训，规范依申请公开办理流程，提升答复质量；丰富政策解读形式，加强政府"
          "网站和政务新媒体建设；持续推进基层政务公开标准化规范化，动态更新公开目录。"),
    "b": ("2022年，我区政府信息公开工作取得了一定成效，但仍存在一些不足：主动公开的及时性和全面性有待提高，"
          "重点领域信息公开不够深入；依申请公开答复文书不够规范，个别答复超出法定期限。下一步，我们将持续"
          "加强政务公开队伍建设，严格依申请公开办理流程，建立答复文书合法性审查机制；不断推进重点领域信息"
          "公开，做好政策解读和回应关切工作。"),
    "c": ("存在问题：政府网站栏目更新不及时，政务公开专区建设不够完善，政策解读质量不高。改进措施：一是加强"
          "政府网站日常监管，确保信息公开平台内容及时更新；二是推进政务公开专区标准化建设；三是提升政策解读"
          "质量，推进依申请公开规范办理。"),
}


def _reports(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({"year": "Int64"})


@pytest.fixture(scope="module")
def problem_reports():
    return _reports([
        {"report_id": "a", "agency": "某县司法局", "province": "江西省", "year": 2021, problems_column(): PROBLEMS["a"]},
        {"report_id": "b", "agency": "某区人民政府", "province": "江西省", "year": 2021, problems_column(): PROBLEMS["b"]},
        {"report_id": "c", "agency": "某市交通运输局", "province": "广东省", "year": 2022, problems_column(): PROBLEMS["c"]},
        {"report_id": "d", "agency": "无正文", "province": "广东省", "year": 2022, problems_column(): ""},
    ])


# ---------------------------------------------------------------- keywords

def test_keywords_name_domain_terms_whole_and_drop_boilerplate(problem_reports):
    kw = report_keywords(problem_reports, topk=10)
    assert list(kw.columns) == ["report_id", "keyword", "weight"]
    words = set(kw["keyword"])
    assert {"政务公开", "依申请公开", "政策解读"} <= words
    assert not words & stopwords()
    assert not words & {"政务", "申请", "解读", "进一步", "加强", "工作", "推进", "2022"}
    for _, group in kw.groupby("report_id"):
        assert len(group) <= 10 and group["weight"].is_monotonic_decreasing
    assert set(kw["report_id"]) == {"a", "b", "c"}          # the report without text has no keywords


def test_keywords_leave_out_the_reports_own_name():
    reports = _reports([{"report_id": "x", "agency": "上高县人民政府", "province": "江西省", "year": 2021,
                         "city": "宜春市", "county": "上高县", problems_column(): "上高县政务公开工作仍有不足，上高县将加强政策解读。"}])
    words = set(report_keywords(reports)["keyword"])
    assert "政务公开" in words and not any("上高" in w for w in words)


def test_keyword_themes_per_province_and_year(problem_reports):
    kw = report_keywords(problem_reports, topk=10)
    themes = aggregate_keywords(problem_reports, kw)
    assert list(themes.columns) == ["province", "year", "keyword", "weight", "n_reports"]
    jiangxi = themes[(themes["province"] == "江西省") & (themes["year"] == 2021)].set_index("keyword")
    both = set(kw.loc[kw.report_id == "a", "keyword"]) & set(kw.loc[kw.report_id == "b", "keyword"])
    assert "依申请公开" in both and jiangxi.loc["依申请公开", "n_reports"] == 2
    expected = kw.loc[kw.keyword == "依申请公开"].set_index("report_id")["weight"][["a", "b"]].sum() / 2
    assert jiangxi.loc["依申请公开", "weight"] == pytest.approx(expected)
    guangdong = themes[themes["province"] == "广东省"]
    assert guangdong["n_reports"].max() == 1                 # the empty report neither counts nor dilutes


def test_keywords_of_an_explicit_column():
    reports = _reports([{"report_id": "x", "agency": "", "province": "", "year": 2021, "notes": PROBLEMS["c"]}])
    assert "政府网站" in set(report_keywords(reports, column="notes")["keyword"])


# ---------------------------------------------------------------- indicators

def _one(frame: pd.DataFrame, report_id: str, indicator: str) -> pd.Series:
    row = frame[(frame["report_id"] == report_id) & (frame["indicator"] == indicator)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture(scope="module")
def counts():
    withheld = {f"t3.withheld.{k}.total": 1 for k in ("state_secret", "law_prohibited", "security", "third_party",
                                                      "internal", "process", "enforcement", "inquiry")}
    base = {"agency": "甲", "province": "江西省", "year": 2021}
    return _reports([
        {"report_id": "r30", **base, "t3.new.total": 28, "t3.granted.total": 15, "t3.partial.total": 3,
         "t3.total.total": 30, **withheld, "t4.review.corrected": 3, "t4.review.total": 40,
         "t4.suit_direct.corrected": 1, "t4.suit_direct.total": 20,
         "t4.suit_after_review.corrected": 2, "t4.suit_after_review.total": 10},
        {"report_id": "r29", **base, "t3.new.total": 29, "t3.granted.total": 20, "t3.total.total": 29,
         "t4.review.corrected": 0, "t4.review.total": 12},
        {"report_id": "none", **base},
    ])


def test_rates_on_hand_computed_cases(counts):
    rates = indicators(counts)
    assert list(rates.columns) == ["report_id", "agency", "province", "year", "indicator", "value", "numerator",
                                   "denominator", "note"]
    assert _one(rates, "r30", "granted_rate")["value"] == pytest.approx(15 / 30)
    assert _one(rates, "r30", "partial_rate")["value"] == pytest.approx(3 / 30)
    withheld = _one(rates, "r30", "withheld_rate")
    assert (withheld["numerator"], withheld["denominator"], withheld["value"]) == (8, 30, pytest.approx(8 / 30))
    assert _one(rates, "r30", "review_corrected_rate")["value"] == pytest.approx(3 / 40)
    suit = _one(rates, "r30", "suit_corrected_rate")
    assert (suit["numerator"], suit["denominator"], suit["value"]) == (3, 30, pytest.approx(0.1))
    assert _one(rates, "r30", "requests_per_agency")["value"] == 28


def test_small_denominators_give_no_rate_and_say_why(counts):
    rates = indicators(counts)
    granted = _one(rates, "r29", "granted_rate")
    assert pd.isna(granted["value"]) and granted["note"] == "denominator 29 < 30"
    assert _one(rates, "r30", "granted_rate")["note"] == ""
    assert _one(rates, "r29", "review_corrected_rate")["note"] == "denominator 12 < 30"
    assert _one(rates, "none", "granted_rate")["note"] == "denominator missing"
    assert _one(rates, "none", "requests_per_agency")["note"] == "numerator missing"
    lowered = indicators(counts, min_denominator=10)
    assert _one(lowered, "r29", "granted_rate")["value"] == pytest.approx(20 / 29)
    assert _one(lowered, "r29", "review_corrected_rate")["value"] == 0
    assert _one(lowered, "r29", "withheld_rate")["note"] == "numerator missing"   # no withheld rows at all


def test_dash_cells_count_as_zero_only_with_values(counts):
    dashes = pd.DataFrame({"report_id": "r29", "field": [f"t3.withheld.{k}.total" for k in (
        "state_secret", "law_prohibited", "security", "third_party", "internal", "process", "enforcement", "inquiry")],
        "kind": "dash"})
    rates = indicators(counts, min_denominator=0, values=dashes)
    withheld = _one(rates, "r29", "withheld_rate")
    assert withheld["value"] == 0 and withheld["note"] == "dash/blank cells counted as 0: 8"
    assert _one(rates, "r29", "partial_rate")["note"] == "numerator missing"   # not printed ≠ printed as a dash


def test_regions_pool_counts_under_the_same_guard():
    base = {"province": "江西省", "year": 2021}
    reports = _reports([
        {"report_id": "p", "agency": "甲", **base, "t3.granted.total": 10, "t3.total.total": 20, "t3.new.total": 20},
        {"report_id": "q", "agency": "乙", **base, "t3.granted.total": 5, "t3.total.total": 20, "t3.new.total": 40},
        {"report_id": "s", "agency": "丙", "province": "广东省", "year": 2021, "t3.granted.total": 1,
         "t3.total.total": 9},
    ])
    region = indicators_by_region(reports).set_index(["province", "indicator"])
    pooled = region.loc[("江西省", "granted_rate")]
    assert pooled["value"] == pytest.approx(15 / 40) and pooled["n_reports"] == 2
    assert pd.isna(pooled["median"])                         # each agency alone is below the guard
    assert region.loc[("广东省", "granted_rate"), "note"] == "denominator 9 < 30"
    per_agency = region.loc[("江西省", "requests_per_agency")]
    assert (per_agency["value"], per_agency["median"], per_agency["numerator"]) == (30, 30, 60)


def test_indicator_definitions_name_real_fields():
    defs = definitions()
    assert {"granted_rate", "withheld_rate", "review_corrected_rate", "suit_corrected_rate"} <= set(defs)
    assert all(d.definition and d.name_zh for d in defs.values())


# ---------------------------------------------------------------- data package and notebook

FINDING_COLUMNS = ["report_id", "source", "agency", "year", "rule", "severity", "cause", "message", "cells",
                   "expected", "actual", "suggestion", "check"]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    """The samples built into OUT with every research output, plus a findings file as the audit writes it."""
    from ogi.output import write_dataset, write_frame
    from ogi.pipeline import build
    from ogi.research import write_research_outputs

    out = tmp_path_factory.mktemp("out")
    dataset = build([SAMPLES_DIR])
    assert len(dataset.reports) > 0
    write_dataset(dataset, out)
    first = dataset.reports.iloc[0]
    write_frame(pd.DataFrame([[first["report_id"], first["source"], first["agency"], first["year"], "R1", "error",
                               "report", "总计不等于各项之和", "t3.new.total", "12", "11", "核对表三", "R1[total]"]],
                             columns=FINDING_COLUMNS), out, "findings")
    write_research_outputs(out, dataset)
    return out


def test_datapackage_describes_and_validates_every_output_csv(out_dir):
    from frictionless import Package

    descriptor = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    described = {r["path"] for r in descriptor["resources"]}
    assert described == {p.name for p in out_dir.glob("*.csv")}
    for resource in descriptor["resources"]:
        undocumented = [f["name"] for f in resource["schema"]["fields"] if f.get("description") == "(undocumented)"]
        assert not undocumented, f"{resource['path']}: document {undocumented} in data/columns.csv"
    reports = next(r for r in descriptor["resources"] if r["name"] == "reports")
    field = next(f for f in reports["schema"]["fields"] if f["name"] == "t3.new.total")
    assert field["type"] == "integer" and "本年新收" in field["title"] and field["unit"] == "件"
    report = Package(str(out_dir / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]


def test_datapackage_catches_a_bad_value(out_dir, tmp_path):
    from frictionless import Package

    from ogi.datapackage import write_datapackage

    pd.DataFrame({"report_id": ["x"], "keyword": ["政务公开"], "weight": ["heavy"]}).to_csv(
        tmp_path / "keywords.csv", index=False, encoding="utf-8-sig")
    write_datapackage(tmp_path)
    assert not Package(str(tmp_path / "datapackage.json")).validate().valid


def test_notebook_runs_clean(out_dir, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        "store the notebook without outputs"
    env = {"OGI_NOTEBOOK_INPUT": str(SAMPLES_DIR), "OGI_NOTEBOOK_OUT": str(out_dir), "MPLBACKEND": "Agg"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)                      # the kernel inherits the environment
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "1 findings" in text                 # the audit branch ran on the findings file
