"""The supervisor's workbench: identity columns, duplicates, decisions that last, notices, the page.

Reports are real .docx files written by tests/generate.py with known
numbers, read by `ogi build`; the page is driven in headless Chromium.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from generate import random_truth, write_docx  # noqa: E402

from ogi import review  # noqa: E402
from ogi.cli import main  # noqa: E402
from ogi.identity import agency_key, agency_level, agency_type  # noqa: E402

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _truth(seed: int, agency: str, year: int, layout: str = "2021"):
    t = random_truth(random.Random(seed), layout)
    t.agency, t.year = agency, year
    return t


def _zero_review_total(t) -> None:
    """行政复议: parts 10 + 1, 总计 printed 0 (the error the real 洪泽区 2023 report has)."""
    for part, n in zip(("upheld", "corrected", "other", "pending", "total"), (10, 1, 0, 0, 0)):
        fid = f"t4.review.{part}"
        t.values[fid], t.raw[fid], t.kinds[fid] = n, str(n), "number"


def _batch(src: Path) -> None:
    """clean, flagged (R5), a file that is no report, and one agency-year printed twice."""
    src.mkdir(parents=True, exist_ok=True)
    write_docx(_truth(1, "杭州市西湖区人民政府", 2022), src / "clean.docx", rng=random.Random(1))
    flagged = _truth(2, "淮安市洪泽区人民政府", 2023)
    _zero_review_total(flagged)
    write_docx(flagged, src / "flagged.docx", rng=random.Random(2))
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    twice = _truth(3, "广州市天河区卫生健康局", 2022)
    write_docx(twice, src / "twice-a.docx", rng=random.Random(3))
    write_docx(twice, src / "twice-b.docx", rng=random.Random(4))       # same numbers, other layout: other bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workbench")
    src, out = tmp / "src", tmp / "out"
    _batch(src)
    assert main(["build", str(src), "-o", str(out), "-j", "0", "-q"]) == 0
    return src, out


# ---------------------------------------------------------------- identity

def _meta(agency: str) -> dict:
    from ogi.normalize.metadata import region

    province, city, county, adcode = region(agency)
    return {"agency": agency, "province": province, "city": city, "county": county, "adcode": adcode}


def test_agency_key_pairs_a_name_change():
    assert agency_key(_meta("洪泽区人民政府")) == agency_key(_meta("淮安市洪泽区人民政府"))
    assert agency_key(_meta("洪泽区人民政府")) != agency_key(_meta("淮安市洪泽区农业农村局"))   # same adcode
    assert agency_key(_meta("洪泽区人民政府")) != agency_key(_meta("淮安市人民政府"))


@pytest.mark.parametrize("name,level,kind", [
    ("淮安市洪泽区人民政府", "县", "government"), ("淮安市人民政府", "市", "government"),
    ("江苏省教育厅", "省", "department"), ("淮安市洪泽区农业农村局", "县", "department"),
    ("洪泽区岔河镇人民政府", "乡", "government"), ("洪泽区高良涧街道办事处", "乡", "government"),
    ("淮安市第一人民医院", "市", "other")])
def test_agency_level_and_type(name, level, kind):
    assert (agency_level(_meta(name)), agency_type(_meta(name))) == (level, kind)


def test_reports_carry_identity_columns(built):
    _, out = built
    reports = pd.read_parquet(out / "reports.parquet")
    row = reports.set_index("agency").loc["淮安市洪泽区人民政府"]
    assert row["agency_key"] == "320813|人民政府" and row["agency_level"] == "县"
    assert row["agency_type"] == "government"


def test_duplicate_agency_year_is_a_finding_naming_both_files(built):
    _, out = built
    findings = pd.read_parquet(out / "findings.parquet")
    dup = findings[findings["rule"] == "R0"]
    assert len(dup) == 2 and set(dup["agency"]) == {"广州市天河区卫生健康局"}
    for message in dup["message"]:
        assert "twice-a.docx" in message and "twice-b.docx" in message
    assert set(dup["severity"]) == {"warning"}


def test_by_region_keeps_one_report_per_agency_year_and_level(built):
    _, out = built
    by_region = pd.read_parquet(out / "indicators_by_region.parquet")
    guangdong = by_region[(by_region["province"] == "广东省") & (by_region["indicator"] == "requests_per_agency")]
    assert guangdong["n_reports"].tolist() == [1]          # twice-a and twice-b are one agency-year
    assert "agency_level" in by_region.columns


# ---------------------------------------------------------------- decisions

def _fingerprint(out: Path, rule: str) -> str:
    findings = pd.read_parquet(out / "findings.parquet")
    return findings.loc[findings["rule"] == rule, "fingerprint"].iloc[0]


def test_review_is_carried_over_a_rerun(tmp_path, built):
    src, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    fp = _fingerprint(out, "R5")
    assert main(["review", str(out), fp, "--set", "dismiss", "--note", "已电话核实"]) == 0
    rows = review.read(out)
    assert rows[fp]["state"] == "驳回" and rows[fp]["note"] == "已电话核实"
    assert main(["build", str(src), "-o", str(out), "-j", "0", "-q", "--force"]) == 0    # audit rewritten
    findings = pd.read_parquet(out / "findings.parquet").set_index("fingerprint")
    assert findings.loc[fp, "review"] == "驳回" and findings.loc[fp, "review_note"] == "已电话核实"
    assert (findings.drop(fp)["review"] == "待审").all()
    html = (out / "audit.html").read_text(encoding="utf-8")
    assert f'"{fp}":["驳回","已电话核实"' in html


def test_a_decision_whose_finding_is_gone_is_resolved(tmp_path, built):
    src, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    fp = _fingerprint(out, "R5")
    main(["review", str(out), fp, "--set", "确认"])
    batch = tmp_path / "batch"
    shutil.copytree(src, batch)
    corrected = _truth(2, "淮安市洪泽区人民政府", 2023)              # the agency republished it corrected
    write_docx(corrected, batch / "flagged.docx", rng=random.Random(2))
    assert main(["build", str(batch), "-o", str(out), "-j", "0", "-q"]) == 0
    assert fp not in set(pd.read_parquet(out / "findings.parquet")["fingerprint"])
    lines = review.summary_lines(out)
    assert any(line.startswith("已解决 1 条") for line in lines) and any(fp in line for line in lines)
    payload = json.loads(review.page_payload(review.read(out), []))
    assert payload["resolved"][0][0] == "淮安市洪泽区人民政府"


def test_unknown_decision_or_dismissal_without_reason_is_refused(built, tmp_path):
    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    assert main(["review", str(out), _fingerprint(out, "R5"), "--set", "maybe"]) == 2
    assert main(["review", str(out), _fingerprint(out, "R5"), "--set", "驳回"]) == 2      # a dismissal says why
    assert not (out / "reviews.csv").exists()


def _exported(path: Path, rows: list[dict], encoding: str = "utf-8-sig") -> Path:
    """A file as the page's 导出决定 writes it (reviews.csv's columns), or as a spreadsheet saved it again."""
    import csv

    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.DictWriter(f, fieldnames=review.REVIEW_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in review.REVIEW_COLUMNS})
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_import_merges_exported_decisions_the_later_one_wins(tmp_path, built, capsys, encoding):
    import datetime as dt

    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    r5, r0 = _fingerprint(out, "R5"), _fingerprint(out, "R0")
    assert main(["review", str(out), r5, "--set", "驳回", "--note", "已电话核实"]) == 0
    later = (dt.datetime.now() + dt.timedelta(minutes=5)).isoformat(timespec="seconds")
    exported = _exported(tmp_path / "reviews-offline.csv", [
        {"fingerprint": r5, "state": "确认", "time": "2020-01-01T09:00:00"},          # older than the 驳回
        {"fingerprint": r0, "state": "已发送", "note": "已函告,\n见附件", "time": later},
        {"fingerprint": r0, "state": "确认", "time": "2020-01-01T09:00:00"},          # the file's own older row
        {"fingerprint": "00000000deadbeef", "state": "确认", "time": later}], encoding)
    capsys.readouterr()
    assert main(["review", str(out), "--import", str(exported)]) == 0
    said = capsys.readouterr().out
    assert "导入 1 条决定" in said and f"1 条未改（reviews.csv 中已有更晚的决定）：{r5}" in said
    assert "1 条不在本批问题中" in said and "00000000deadbeef" in said
    rows = review.read(out)
    assert rows[r5]["state"] == "驳回" and rows[r0]["state"] == "已发送" and rows[r0]["note"] == "已函告,\n见附件"
    assert rows[r0]["agency"] == "广州市天河区卫生健康局" and "00000000deadbeef" not in rows
    findings = pd.read_parquet(out / "findings.parquet").set_index("fingerprint")      # carried at once
    assert findings.loc[r0, "review"] == "已发送" and findings.loc[r5, "review"] == "驳回"
    assert f'"{r0}":["已发送","已函告,\\n见附件","{later}"]' in (out / "audit.html").read_text(encoding="utf-8")


def test_import_refuses_a_file_with_an_invalid_row_whole(tmp_path, built, capsys):
    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    exported = _exported(tmp_path / "reviews-offline.csv", [
        {"fingerprint": _fingerprint(out, "R5"), "state": "确认", "time": "2026-01-01T09:00:00"},
        {"fingerprint": _fingerprint(out, "R0"), "state": "驳回", "time": "2026-01-01T09:01:00"},
        {"fingerprint": _fingerprint(out, "R0"), "state": "maybe", "time": "2026-01-01T09:02:00"},
        {"fingerprint": _fingerprint(out, "R5"), "state": "确认", "time": "yesterday"}])
    assert main(["review", str(out), "--import", str(exported)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "驳回 without a note" in err and "line 4" in err and "maybe" in err
    assert "line 5" in err and "'yesterday' is not an ISO time" in err and "line 2" not in err
    assert not (out / "reviews.csv").exists()                          # nothing taken from such a file
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["review", str(out), "--import", str(tmp_path / "other.csv")]) == 2
    assert "not a reviews.csv" in capsys.readouterr().err


def test_decision_times_from_the_page_or_a_spreadsheet_that_saved_the_file_again():
    import datetime as dt

    assert review._time("2026-12-02T17:30:05") == "2026-12-02T17:30:05"
    assert review._time(" 2026/12/2 17:30 ") == "2026-12-02T17:30:00"
    assert review._time("2026/12/02 17:30:05") == "2026-12-02T17:30:05"
    aware = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.timezone.utc)
    assert review._time(aware.isoformat()) == aware.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")
    with pytest.raises(ValueError):
        review._time("yesterday")


def test_ogi_audit_keeps_the_decisions_of_out(tmp_path, built):
    """`ogi audit OUT` audits in a staging folder: it read the decisions there (none) and wrote every finding 待审."""
    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    fp = _fingerprint(out, "R5")
    assert main(["review", str(out), fp, "--set", "确认"]) == 0
    assert main(["audit", str(out)]) == 0
    assert pd.read_parquet(out / "findings.parquet").set_index("fingerprint").loc[fp, "review"] == "确认"
    assert f'"{fp}":["确认"' in (out / "audit.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- notices

def test_notice_docx_lists_the_agencys_findings_in_chinese(tmp_path, built):
    from docx import Document

    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    main(["review", str(out), _fingerprint(out, "R0"), "--set", "驳回", "--note", "两份为同一报告"])
    assert main(["notice", str(out)]) == 0
    notices = {p.name: p for p in (out / "notices").glob("*.docx")}
    assert "淮安市洪泽区人民政府-整改通知.docx" in notices
    assert "杭州市西湖区人民政府-整改通知.docx" not in notices                 # clean: nothing to send
    doc = Document(notices["淮安市洪泽区人民政府-整改通知.docx"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "整改通知" in text and "淮安市洪泽区人民政府：" in text
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0] == ["序号", "报告年度", "问题", "页码", "印为", "应为", "建议"]
    r5 = next(r for r in rows if "行政复议" in r[2])
    assert r5[1] == "2023年" and r5[4] == "0" and r5[5] == "11" and r5[3] == ""    # a .docx has no pages
    assert r5[6] == "表四 行政复议·总计 印为 0，各项之和为 11，应为 11"
    assert "t4." not in "".join(r[2] + r[6] for r in rows) and not r5[2].startswith("R5")
    # the dismissed duplicate-year finding is not sent to 天河区卫生健康局 (one of its two findings)
    guangzhou = Document(notices["广州市天河区卫生健康局-整改通知.docx"])
    assert len(guangzhou.tables[0].rows) == 2


def test_pages_name_where_this_report_printed_the_cells():
    from ogi.audit.page_data import pages

    cells = [{"report_id": "a", "field": "t4.review.total", "page": 4}, {"report_id": "a", "page": 3},
             {"report_id": "last-year", "page": 9}, {"report_id": "a", "page": None}]
    assert pages({"report_id": "a"}, cells) == "第3、4页"


def test_finding_words_name_the_other_report_and_no_field_ids():
    from ogi.audit.page_data import suggestion_words, words

    meta = {"0123456789abcdef": {"agency": "洪泽区人民政府", "year": 2023, "source": "/in/hongze-2023.pdf"}}
    said = words("R7 “自然人”列：2024年为 3，而2023年报告（0123456789abcdef）t3.carried_forward.natural 为 2。", meta)
    assert said.startswith("“自然人”列") and "洪泽区人民政府 2023年（hongze-2023.pdf）" in said
    assert "0123456789abcdef" not in said and "t3." not in said and "表三 四、结转下年度继续办理·自然人" in said
    assert words("本文件 0123456789abcdef.docx 与 /in/0123456789abcdef.pdf", meta) == \
        "本文件 0123456789abcdef.docx 与 /in/0123456789abcdef.pdf"          # a file named by its hash stays
    finding = {"report_id": "x", "suggestion": "t4.review.total = 11", "expected": "11"}
    cells = [{"report_id": "x", "field": "t4.review.total", "raw": "0", "kind": "number"}]
    assert suggestion_words(finding, cells) == "表四 行政复议·总计 印为 0，各项之和为 11，应为 11"


def test_cross_year_finding_names_last_years_report_not_its_id(tmp_path):
    from test_audit import _two_years, dataset

    from ogi.audit import run_audit, write_audit

    a1, a2 = _two_years(break_r7=True)
    a1["report_id"], a2["report_id"] = "0123456789abcdef", "fedcba9876543210"
    last, this = dataset([a1]), dataset([a2])
    found = run_audit(*this, previous=(last[0], last[1]))
    assert "R7" in set(found["rule"])
    write_audit(tmp_path, found, this[0], this[1], previous=last[0])
    html = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "洪泽区人民政府 2022年（0123456789abcdef.docx）" in html
    assert html.count("0123456789abcdef") == html.count("0123456789abcdef.docx")   # never the bare id
    listed = json.loads(html.split('<script id="reports" type="application/json">')[1].split("</script>")[0])
    assert [r[0] for r in listed] == ["fedcba9876543210"]                          # last year is not audited


# ---------------------------------------------------------------- the page in Chromium

@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("chromium missing")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1400,1600"):
        opts.add_argument(arg)
    downloads = tmp_path / "downloads"                # where the page's 导出决定 lands
    downloads.mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, test, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if test():
                return
        except Exception:  # an element replaced while it was read: try again
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def _overview(driver) -> list[tuple[str, str, str]]:
    from selenium.webdriver.common.by import By

    out = []
    for tr in driver.find_elements(By.CSS_SELECTOR, "tr.rep"):
        tds = tr.find_elements(By.TAG_NAME, "td")
        out.append((tds[0].text, tds[3].text, tds[5].text))
    return out


def _overview_cell(driver, agency: str, column: int) -> str:
    from selenium.webdriver.common.by import By

    for tr in driver.find_elements(By.CSS_SELECTOR, "tr.rep"):
        tds = tr.find_elements(By.TAG_NAME, "td")
        if tds[0].text == agency:
            return tds[column].text
    raise AssertionError(f"{agency} not in the overview")


@pytest.mark.slow
def test_page_triage_and_a_decision_that_lasts(tmp_path, built, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    src, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    server = review.make_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    try:
        browser.get(url)
        _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        rows = _overview(browser)
        names = sorted(r[0] for r in rows)
        assert names == ["broken.docx 未能读取", "广州市天河区卫生健康局", "广州市天河区卫生健康局",
                         "杭州市西湖区人民政府", "淮安市洪泽区人民政府"]      # clean, flagged, failed, both copies
        browser.save_screenshot(str(tmp_path / "overview.png"))
        browser.find_element(By.CSS_SELECTOR, 'th[data-k="year"]').click()          # sortable
        years = [r[1] for r in _overview(browser)]
        assert years == sorted(years, reverse=True) and years[0] == "2023"
        browser.find_element(By.CSS_SELECTOR, 'th[data-k="year"]').click()
        assert [r[1] for r in _overview(browser)] == sorted(years)

        browser.find_element(By.ID, "f-search").send_keys("西湖")
        _wait(browser, lambda: [r[0] for r in _overview(browser)] == ["杭州市西湖区人民政府"])
        browser.find_element(By.ID, "f-search").clear()
        browser.execute_script("document.getElementById('f-search').dispatchEvent(new Event('input'))")
        _wait(browser, lambda: len(_overview(browser)) == 5)

        Select(browser.find_element(By.ID, "f-province")).select_by_value("广东省")
        assert [r[0] for r in _overview(browser)] == ["广州市天河区卫生健康局"] * 2
        Select(browser.find_element(By.ID, "f-province")).select_by_value("")
        Select(browser.find_element(By.ID, "f-rule")).select_by_value("R0")
        assert [r[0] for r in _overview(browser)] == ["广州市天河区卫生健康局"] * 2
        Select(browser.find_element(By.ID, "f-rule")).select_by_value("")
        Select(browser.find_element(By.ID, "f-severity")).select_by_value("failed")
        assert [r[0] for r in _overview(browser)] == ["broken.docx 未能读取"]
        Select(browser.find_element(By.ID, "f-severity")).select_by_value("none")
        assert [r[0] for r in _overview(browser)] == ["杭州市西湖区人民政府"]
        Select(browser.find_element(By.ID, "f-severity")).select_by_value("error")
        assert [r[0] for r in _overview(browser)] == ["淮安市洪泽区人民政府"]

        browser.find_element(By.CSS_SELECTOR, "tr.rep").click()
        detail = browser.find_element(By.ID, "detail")
        assert "表四 行政复议·总计 印为 0，各项之和为 11，应为 11" in detail.text
        heads = [th.text for th in detail.find_elements(By.CSS_SELECTOR, 'table.grid[data-t="t4"] th')]
        assert {"行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"} <= set(heads)
        hits = detail.find_elements(By.CSS_SELECTOR, "td.v.hit-error")
        assert {td.text.split("→")[0] for td in hits} == {"10", "1", "0"}   # only the five cells of 行政复议
        assert len(hits) == 5
        checks = pd.read_csv(out / "checks.csv", dtype={"report_id": str}).set_index("report_id")
        rid = pd.read_parquet(out / "findings.parquet").set_index("rule").loc["R5", "report_id"]
        n, passed = checks.loc[rid, "checks"], checks.loc[rid, "checks_passed"]
        assert detail.find_element(By.CSS_SELECTOR, ".checks").text == f"{n} 项校验，{n - 1} 项通过，1 项未通过"
        assert passed == n - 1 and _overview_cell(browser, "淮安市洪泽区人民政府", 9) == f"{n - 1}/{n}"
        browser.save_screenshot(str(tmp_path / "report.png"))

        finding = detail.find_element(By.CSS_SELECTOR, ".finding.sev-error")
        finding.find_element(By.CSS_SELECTOR, "input.note").send_keys("已电话核实，报告无误")
        finding.find_element(By.CSS_SELECTOR, 'button[data-s="驳回"]').click()
        fp = _fingerprint(out, "R5")
        _wait(browser, lambda: review.read(out).get(fp, {}).get("state") == "驳回")
        assert review.read(out)[fp]["note"] == "已电话核实，报告无误"

        browser.refresh()                                                     # survives a reload
        _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        Select(browser.find_element(By.ID, "f-review")).select_by_value("驳回")
        _wait(browser, lambda: [r[0] for r in _overview(browser)] == ["淮安市洪泽区人民政府"])
        browser.find_element(By.CSS_SELECTOR, "tr.rep").click()
        assert "驳回" in browser.find_element(By.CSS_SELECTOR, "#detail .state").text
    finally:
        server.shutdown()
        server.server_close()

    assert main(["build", str(src), "-o", str(out), "-j", "0", "-q"]) == 0   # and a rerun (nothing re-read)
    findings = pd.read_parquet(out / "findings.parquet").set_index("fingerprint")
    assert findings.loc[fp, "review"] == "驳回"
    browser.get((out / "audit.html").as_uri())                                # the file itself, no server
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    Select(browser.find_element(By.ID, "f-review")).select_by_value("驳回")
    assert [r[0] for r in _overview(browser)] == ["淮安市洪泽区人民政府"]
    browser.find_element(By.CSS_SELECTOR, "tr.rep").click()
    assert "驳回" in browser.find_element(By.CSS_SELECTOR, "#detail .state").text
    browser.find_element(By.CSS_SELECTOR, '#detail .finding button[data-s="确认"]').click()
    command = browser.find_element(By.CSS_SELECTOR, "#detail .cmd").text        # offline: the command to run
    assert command == f"ogi review {out} {fp} --set 确认"
    browser.save_screenshot(str(tmp_path / "after-rerun.png"))
    _decide_offline_export_and_import(tmp_path, src, out, fp, browser)


def _decide_offline_export_and_import(tmp_path, src, out, fp, browser):
    """The page opened as a file keeps its decisions in the browser; 导出决定 → ogi review --import → ogi build."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    detail = browser.find_element(By.ID, "detail")
    assert detail.find_element(By.CSS_SELECTOR, ".state").text == "确认"          # later than the server's 驳回
    assert detail.find_element(By.CSS_SELECTOR, ".local").text == "未导入"
    Select(browser.find_element(By.ID, "f-review")).select_by_value("")
    Select(browser.find_element(By.ID, "f-rule")).select_by_value("R0")
    browser.find_element(By.CSS_SELECTOR, "tr.rep").click()
    twice = browser.find_element(By.CSS_SELECTOR, "#detail .finding.sev-warning")
    twice.find_element(By.CSS_SELECTOR, 'button[data-s="驳回"]').click()         # no reason: refused by the page
    assert browser.switch_to.alert.text == "驳回请在备注中写明理由"
    browser.switch_to.alert.accept()
    twice = browser.find_element(By.CSS_SELECTOR, "#detail .finding.sev-warning")
    twice.find_element(By.CSS_SELECTOR, "input.note").send_keys("两份内容相同, 以 twice-a 为准")
    twice.find_element(By.CSS_SELECTOR, 'button[data-s="驳回"]').click()
    assert browser.find_element(By.ID, "export").text == "导出决定（2）"
    browser.refresh()                                                        # kept in the browser over a reload
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert browser.find_element(By.ID, "export").text == "导出决定（2）"
    browser.save_screenshot(str(tmp_path / "offline-decisions.png"))
    browser.find_element(By.ID, "export").click()
    downloads = tmp_path / "downloads"
    _wait(browser, lambda: [p for p in downloads.glob("*.csv")] and not list(downloads.glob("*.crdownload")))
    exported = next(downloads.glob("*.csv"))
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(exported, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(rows.columns) == review.REVIEW_COLUMNS                       # exactly reviews.csv's format
    r0 = rows.set_index("rule").loc["R0"]
    assert r0["state"] == "驳回" and r0["note"] == "两份内容相同, 以 twice-a 为准"
    assert rows.set_index("fingerprint").loc[fp, "state"] == "确认"

    assert main(["review", str(out), "--import", str(exported)]) == 0
    recorded = review.read(out)
    assert recorded[fp]["state"] == "确认" and recorded[r0["fingerprint"]]["note"] == r0["note"]
    assert main(["build", str(src), "-o", str(out), "-j", "0", "-q"]) == 0
    findings = pd.read_parquet(out / "findings.parquet").set_index("fingerprint")
    assert findings.loc[fp, "review"] == "确认" and findings.loc[r0["fingerprint"], "review"] == "驳回"
    assert findings.loc[r0["fingerprint"], "review_note"] == r0["note"]

    browser.get((out / "audit.html").as_uri())                                # the rebuilt page: decisions in it
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert browser.find_element(By.ID, "export").text == "导出决定（0）"        # nothing left to export
    Select(browser.find_element(By.ID, "f-review")).select_by_value("确认")
    assert [r[0] for r in _overview(browser)] == ["淮安市洪泽区人民政府"]
    browser.find_element(By.CSS_SELECTOR, "tr.rep").click()
    assert "确认" in browser.find_element(By.CSS_SELECTOR, "#detail .state").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#detail .local")
    Select(browser.find_element(By.ID, "f-review")).select_by_value("驳回")
    assert [r[0] for r in _overview(browser)] == ["广州市天河区卫生健康局"]
    browser.save_screenshot(str(tmp_path / "after-import.png"))


def _carry_forward(t, n: int) -> None:
    """n more requests from natural persons, all carried forward: the year's arithmetic still holds."""
    for fid in ("t3.new.natural", "t3.new.total", "t3.carried_forward.natural", "t3.carried_forward.total"):
        v = t.values[fid] + n
        t.values[fid], t.raw[fid], t.kinds[fid] = v, str(v), "number"


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """洪泽区 2022 (under its short name) and 2023: last year carried 3 requests forward that this year
    does not carry over (R7 on 自然人 and 总计), and 2023 prints 行政复议 总计 0 (R5)."""
    tmp = tmp_path_factory.mktemp("two-years")
    src, out = tmp / "src", tmp / "out"
    src.mkdir()
    last, this = _truth(2, "洪泽区人民政府", 2022), _truth(2, "淮安市洪泽区人民政府", 2023)
    _carry_forward(last, 3)
    last.raw["t2.licensing.decisions"] += "件"             # the same number, printed with its unit
    _zero_review_total(this)
    write_docx(last, src / "hongze-2022.docx", rng=random.Random(5))
    write_docx(this, src / "hongze-2023.docx", rng=random.Random(2))
    assert main(["build", str(src), "-o", str(out), "-j", "0", "-q"]) == 0
    return out, last, this


@pytest.mark.slow
def test_page_year_over_year_side_by_side(tmp_path, two_years, browser):
    from selenium.webdriver.common.by import By

    out, last, this = two_years
    assert {"R5", "R7"} <= set(pd.read_parquet(out / "findings.parquet")["rule"])
    browser.get((out / "audit.html").as_uri())
    _wait(browser, lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "tr.rep") if "2023" in tr.text).click()
    detail = browser.find_element(By.ID, "detail")
    assert "历年对比（淮安市洪泽区人民政府，2 份报告）" in detail.text             # paired across the name change

    def cell(table: str, field: str, year: int):
        fi = _field_index(field)
        return detail.find_element(By.CSS_SELECTOR, f'table.yoy[data-t="{table}"] td[data-f="{fi}"][data-y="{year}"]')

    # table 3: each printed column a sub-column per year; what changed is yellow, what R7 names is framed red
    forward, over = cell("t3", "t3.carried_forward.natural", 2022), cell("t3", "t3.carried_over.natural", 2023)
    assert forward.text == str(last.values["t3.carried_forward.natural"]) and "ring-error" in forward.get_attribute("class")
    assert "ring-error" in over.get_attribute("class")
    new = cell("t3", "t3.new.natural", 2023)
    assert "chg" in new.get_attribute("class") and "chg" not in cell("t3", "t3.new.natural", 2022).get_attribute("class")
    same = cell("t3", "t3.granted.natural", 2023)
    assert "chg" not in same.get_attribute("class")
    assert cell("t2", "t2.licensing.decisions", 2022).text.endswith("件")
    assert "chg" not in cell("t2", "t2.licensing.decisions", 2023).get_attribute("class")     # 8,341件 = 8,341
    # table 4, one printed row: a row per year, 2023's 总计 0 framed
    total = cell("t4", "t4.review.total", 2023)
    assert total.text == "0" and "ring-error" in total.get_attribute("class")
    assert "ring-error" not in cell("t4", "t4.review.total", 2022).get_attribute("class")
    # key numbers: 新收申请 with the change from the year before
    keys = {tr.find_elements(By.TAG_NAME, "td")[0].text: [td.text for td in tr.find_elements(By.TAG_NAME, "td")[1:]]
            for tr in detail.find_elements(By.CSS_SELECTOR, "table.keys tr") if tr.find_elements(By.TAG_NAME, "td")}
    n22, n23 = last.values["t3.new.total"], this.values["t3.new.total"]
    assert keys["新收申请"] == [str(n22), f"{n23}\n-3"]
    assert set(keys) >= {"结转下年度", "行政复议", "公开率", "复议纠错率"}
    browser.execute_script("document.getElementById('yoy').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "year-over-year.png"))

    # the R7 finding: last year's cells in last year's column, beside this year's
    r7 = next(el for el in detail.find_elements(By.CSS_SELECTOR, ".finding") if "“自然人”列" in el.text)
    beside = r7.find_element(By.CSS_SELECTOR, "table.beside")
    heads = [th.text.split("\n")[0] for th in beside.find_elements(By.TAG_NAME, "th")]
    assert heads == ["单元格", "2022年", "2023年（本报告）"]
    rows = {tr.find_elements(By.TAG_NAME, "td")[0].text: tr.find_elements(By.TAG_NAME, "td")[1:]
            for tr in beside.find_elements(By.TAG_NAME, "tr")[1:]}
    fwd = rows["表三 四、结转下年度继续办理·自然人"]
    assert fwd[0].text == str(last.values["t3.carried_forward.natural"]) and "hit-error" in fwd[0].get_attribute("class")
    assert "hit-error" not in fwd[1].get_attribute("class")                       # shown, not named
    assert "hit-error" in rows["表三 二、上年结转政府信息公开申请数量·自然人"][1].get_attribute("class")
    r7.click()
    browser.save_screenshot(str(tmp_path / "r7-beside.png"))


def _field_index(fid: str) -> int:
    from ogi.audit.page_data import field_index

    return field_index()[fid]


def test_server_refuses_other_origins(tmp_path, built):
    import urllib.error
    import urllib.request

    _, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    server = review.make_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = json.dumps({"fingerprint": _fingerprint(out, "R5"), "state": "驳回", "note": "理由"}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/api/review", data=body,
                                     headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 403 and not (out / "reviews.csv").exists()
        req = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/api/review", data=body,
                                     headers={"Content-Type": "application/json"})
        assert json.loads(urllib.request.urlopen(req, timeout=5).read()) == {"ok": True}
        assert review.read(out)[_fingerprint(out, "R5")]["state"] == "驳回"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- ogi show

CORPUS = Path("/work/shared/corpus")


@pytest.mark.skipif(not (CORPUS / "hongze-district-2023.pdf").exists(), reason="corpus missing")
def test_show_in_chinese_aligned_with_pages_and_findings():
    from ogi.pipeline import process
    from ogi.show import render, width

    text = render(process(str(CORPUS / "hongze-district-2023.pdf")))
    lines = text.splitlines()
    assert "机构 洪泽区人民政府" in text and "表四 政府信息公开行政复议、行政诉讼情况（第4页）" in text
    t4 = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in
          ("行政复议", "未经复议直接起诉", "复议后起诉")}
    assert set(t4) == {"行政复议", "未经复议直接起诉", "复议后起诉"}                # groups from data/fields.csv
    assert t4["行政复议"].split()[1:] == ["10", "1", "0", "0", "0"]
    assert len({width(line) for line in t4.values()}) == 1                           # CJK-aligned columns
    t3 = [line for line in lines if line.startswith(("一、", "二、", "四、"))]
    assert len({width(line) for line in t3}) == 1
    below = text.index("审核：")
    checked = re.search(r"审核：3 条问题，(\d+) 项校验中 (\d+) 项通过", text)       # two R5 groups, R10
    assert checked and int(checked[2]) == int(checked[1]) - 3 > 0
    assert below > text.index("表四") and "建议：表四 行政复议·总计 印为 0，各项之和为 11，应为 11" in text[below:]
    assert "t4.review" not in text and "（第4页）" in text[below:]


def test_failed_file_reason_in_chinese_on_the_page_with_the_exact_reason_kept():
    """The overview listed unreadable files as 'read：damaged or truncated PDF (…)', English to a supervisor."""
    from ogi.audit.page_data import error_row

    row = error_row({"source": "/batch/县政府.pdf", "stage": "read", "reason": "damaged or truncated PDF (no xref)"})
    assert row[15] == "读取失败：PDF 文件损坏或不完整（damaged or truncated PDF (no xref)）"
    assert row[1] == "县政府.pdf" and row[9] == "failed"


def test_failure_without_a_chinese_row_is_shown_whole():
    from ogi.audit.failures import failure_words

    assert failure_words("read", "a reason no row knows") == "读取失败：a reason no row knows"
    assert failure_words("timeout", "stopped after the 60 s time limit") == \
        "超时：超过处理时限，已停止（stopped after the 60 s time limit）"
    assert failure_words("novel-stage", "x") == "novel-stage：x"
