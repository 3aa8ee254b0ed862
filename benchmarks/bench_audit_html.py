"""audit.html at scale: size of the page and its load time in headless Chromium.

    python benchmarks/bench_audit_html.py [--n 10000] [--dir /tmp/ogi-bench-html]

A synthetic dataset of N reports (tests/generate.py's random numbers, in the
dataset contract of tests/test_audit.py: half the agencies with two years,
one report in five with table 4's 行政复议 total printed 0, one agency-year in
a hundred read twice) is written to DIR as reports/values parquet, audited
with `audit_dir` (the path `ogi build` takes), and the page is opened in
headless Chromium from the file. Measured: audit_dir time, audit.html size,
time to interactive (the page's script done: overview drawn, filters
filled; performance.now() at that moment, i.e. from navigation start), the
time to open one report's details (first open parses the cells block), to
apply a filter and to search.

Measured (2 cores shared with other work, load average 9–12; --n 10000, 21,020 findings): audit.html
19.1 MB; interactive 1,188 ms in the bench run, and over six reloads alternated with the page as it was
before 历年对比 and the checks column (same procedure, same dataset): 485–724 ms, median 629, against
442–797, median 668, for the page before (19.0 MB): no difference beyond the noise. A report opened in
163–542 ms (median 211; before, 184); the search for an agency with six reports and its opening with
their 历年对比 in 269 ms; a filter 108 ms, a search 247 ms. audit_dir took 272 s under that load.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

PROVINCES = [("江苏省", "32"), ("浙江省", "33"), ("广东省", "44"), ("江西省", "36"), ("山东省", "37"),
             ("河南省", "41"), ("四川省", "51"), ("湖北省", "42"), ("福建省", "35"), ("安徽省", "34")]
KINDS = ["人民政府", "教育局", "民政局", "财政局", "卫生健康局", "农业农村局", "自然资源局", "生态环境局"]
TWO_YEARS = "江苏省第1市第1县人民政府"        # agency 0: two years (and, at 10,000, agency 3,200 has its name)


def synthetic(n: int, seed: int = 1):
    from test_audit import dataset, spec_from_truth, truth

    rng = random.Random(seed)
    specs = []
    i = 0
    while len(specs) < n:
        province, code = PROVINCES[i % len(PROVINCES)]
        city, county = f"第{i // 40 % 20 + 1}市", f"第{i % 40 + 1}县"
        kind = KINDS[i // 400 % len(KINDS)]
        adcode = f"{code}{i // 40 % 20 + 1:02d}{i % 40 + 1:02d}"
        for year in (2022, 2023)[: 2 if i % 2 == 0 else 1]:
            t = truth(rng.randrange(10 ** 6), "2021", year)
            if rng.random() < 0.2:                     # 行政复议 total printed 0 over non-zero parts
                for part, v in zip(("upheld", "corrected", "other", "pending", "total"), (4, 2, 1, 0, 0)):
                    t.values[f"t4.review.{part}"] = v
            spec = spec_from_truth(t, f"{len(specs):016x}", agency=f"{province}{city}{county}{kind}",
                                   province=province, city=city, county=county, adcode=adcode)
            specs.append(spec)
            if rng.random() < 0.01 and len(specs) < n:  # the same agency-year read twice
                specs.append({**spec, "report_id": f"{len(specs):016x}"})
        i += 1
    return dataset(specs[:n])


def measure_page(page: Path, shots: Path) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    profile = tempfile.mkdtemp(prefix="chromium-")
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1400,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    out = {}
    try:
        driver.set_page_load_timeout(120)
        t0 = time.perf_counter()
        driver.get(page.as_uri())
        while driver.execute_script("return window.ogiReadyMs") is None:
            time.sleep(0.02)
        out["wall_until_interactive_s"] = time.perf_counter() - t0
        out["interactive_ms"] = driver.execute_script("return window.ogiReadyMs")
        driver.save_screenshot(str(shots / "bench-overview.png"))

        def timed(action, done) -> float:
            start = driver.execute_script("return performance.now()")
            action()
            while not done():
                time.sleep(0.01)
            return driver.execute_script("return performance.now()") - start

        out["open_report_ms"] = timed(lambda: driver.find_element(By.CSS_SELECTOR, "tr.rep").click(),
                                      lambda: driver.find_element(By.ID, "detail").is_displayed())
        driver.save_screenshot(str(shots / "bench-report.png"))
        out["filter_ms"] = timed(lambda: Select(driver.find_element(By.ID, "f-severity")).select_by_value("error"),
                                 lambda: "显示" in driver.find_element(By.ID, "stats").text)
        out["search_ms"] = timed(lambda: driver.find_element(By.ID, "f-search").send_keys("江苏省第3市"),
                                 lambda: True)
        time.sleep(0.3)
        out["shown_after_search"] = driver.find_element(By.ID, "stats").text
        # an agency with several years: its details draw the 历年对比 tables from each year's cells block
        Select(driver.find_element(By.ID, "f-severity")).select_by_value("")
        driver.find_element(By.ID, "f-search").clear()
        driver.find_element(By.ID, "f-search").send_keys(TWO_YEARS)
        time.sleep(0.5)
        driver.find_element(By.CSS_SELECTOR, ".close").click()
        out["open_with_years_ms"] = timed(lambda: driver.find_element(By.CSS_SELECTOR, "tr.rep").click(),
                                          lambda: driver.find_elements(By.ID, "yoy"))
        out["years_side_by_side"] = driver.find_element(By.ID, "yoy").text
        driver.execute_script("document.getElementById('yoy').scrollIntoView()")
        driver.save_screenshot(str(shots / "bench-years.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--dir", default="/tmp/ogi-bench-html")
    args = ap.parse_args()
    folder = Path(args.dir)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    t = time.perf_counter()
    reports, values, _ = synthetic(args.n)
    reports.to_parquet(folder / "reports.parquet", index=False)
    values.to_parquet(folder / "values.parquet", index=False, row_group_size=50000)
    print(f"dataset: {len(reports)} reports, {len(values)} values in {time.perf_counter() - t:.1f}s")
    del reports, values

    from ogi.audit import audit_dir

    t = time.perf_counter()
    findings = audit_dir(folder)
    print(f"audit_dir: {len(findings)} findings in {time.perf_counter() - t:.1f}s")
    page = folder / "audit.html"
    print(f"audit.html: {page.stat().st_size / 1e6:.1f} MB")
    for key, value in measure_page(page, folder).items():
        print(f"{key}: {value:.0f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
