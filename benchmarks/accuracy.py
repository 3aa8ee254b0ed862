"""The robustness matrix: generated reports through other producers, cells right per producer.

Every report tests/generate.py makes (its layouts in turn) is written as .docx and then made
into what agencies publish: LibreOffice's PDF, .doc and .odt; the web page (tests/render_html.py)
printed to PDF by headless Chromium at A4 and Letter and two zoom levels, so page breaks fall in
many rows, header rows included; and the official 2021 template filled by python-docx, through
the same producers. The real reports in ../shared/corpus are rows too. Each file is read by
ogi.pipeline.read_report and compared with its truth: cells right, wrong, missing.

    python benchmarks/accuracy.py [-n REPORTS] [--out docs/accuracy.md]

Writes a Markdown table (docs/accuracy.md by default) and prints it.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ogi.pipeline import read_report  # noqa: E402
from tests import flatten, generate as g, producers  # noqa: E402

PRINTS = [("A4", 1.0), ("A4", 0.8), ("Letter", 1.0), ("Letter", 0.8)]
# Producers whose files ogi does not read whole yet (cells missing, never wrong), and why.
KNOWN_GAPS = {
    "(template web page)": "LibreOffice's web page of the template leaves some cell borders undrawn. Where a rule "
                           "stops inside a merged cell the missing border is implied; a row whose value cells have "
                           "no border at all, and label rows whose rules a page break or a thick rule offsets, are "
                           "left missing (and a short row's arithmetic may infer 0 where a merged cell hid a blank)",
    "rules between rows": "tables drawn by CSS with rules between rows only: columns come from where the rules "
                          "break; a table whose header band a page break cuts is left missing (not handled yet)",
    "frame only": "tables drawn with only an outer frame: not read yet (missing, with a warning)",
    "odt (sliver)": "LibreOffice's .odt of a table with a sliver column drops table 4's last column from its last "
                    "header row and value row and spans the group labels one column off: the columns are read by "
                    "the last header row's order and the lost 总计 inferred from its group's sum, except when that "
                    "sum is 0 (the cell may have been blank): then left missing. Or it keeps the header whole and "
                    "gives the value row one empty cell too many: the table's sums move the values back when only "
                    "one empty cell can be the extra one; a row whose sums hold for several (blanks and 0s) is left "
                    "missing from the first of them",
    "pingtan-2019-crawler": "flattened text: table 2 has no sums, and rows glued with nothing between cells "
                            "('898989' for three columns) have more than one reading: left missing, with a warning",
    "flattened text (one_line": "table 2 rows glued with nothing between cells can have more than one reading "
                                "(no sums to decide): left missing, with a warning",
    "flattened text (long_lines": "as one_line: each section on one line, cells glued",
}


def known_gap(name: str) -> str | None:
    return next((why for key, why in KNOWN_GAPS.items() if key in name), None)


def score(path: Path, truth: dict) -> tuple[int, int, int]:
    """(right, wrong, missing) cells of `path` against its truth; an unreadable file: all missing."""
    try:
        report = read_report(path)
    except Exception:  # a producer that made an unreadable file counts as every cell missing
        return 0, 0, len(truth["values"])
    right = wrong = missing = 0
    for fid, value in truth["values"].items():
        if fid not in report.values or report.values[fid].missing:  # a missing cell may keep its row's run
            missing += 1
        elif report.values[fid].value == value:
            right += 1
        else:
            wrong += 1
    return right, wrong, missing


def make_reports(n: int, seed: int, work: Path) -> list[tuple[str, Path, Path, dict]]:
    """(source kind, .docx, .html, truth): n generated reports (their web page with table 4's
    header in each real variant in turn), n with a sliver grid column in table 4, n filled
    into the official template."""
    rng = random.Random(seed)
    out = []
    variants = list(producers.T4_HEADERS)
    for i in range(n):
        layout = g.LAYOUTS[i % len(g.LAYOUTS)]
        truth = g.random_truth(rng, layout)
        docx = work / f"gen{i:03d}.docx"
        g.write_docx(truth, docx, rng=random.Random(rng.random()))
        html = producers.write_html_t4_variant(truth, work / f"gen{i:03d}.html", variants[i % len(variants)],
                                               rng=random.Random(rng.random()))
        out.append(("generated", docx, html, truth.to_json(docx.name)))
        for rules in producers.RULES_CSS:   # the page with its tables drawn by CSS rules, not the grid
            producers.write_html_rules(truth, work / f"gen{i:03d}-{rules}.html", rules, rng=random.Random(i))
        for style in flatten.STYLES:   # the page's text, whitespace between cells removed (or single spaces)
            flatten.write_flattened(truth, work / f"gen{i:03d}-{style}.txt", rng=random.Random(i), style=style)
    for i in range(n):
        truth = g.random_truth(rng, g.LAYOUTS[i % len(g.LAYOUTS)])
        docx = producers.write_docx_t4_sliver(truth, work / f"sliver{i:03d}.docx", ("own", "spanned")[i % 2],
                                              rng=random.Random(rng.random()))
        out.append(("sliver", docx, None, truth.to_json(docx.name)))
    if producers.template_docx() is not None:
        for i in range(n):
            truth = g.random_truth(rng, "2021")
            docx = work / f"tpl{i:03d}.docx"
            producers.fill_template(truth, docx)
            out.append(("template", docx, None, truth.to_json(docx.name)))
    return out


def produce(reports, work: Path) -> dict[str, list[tuple[Path, dict]]]:
    """producer name → [(file, truth)]."""
    files: dict[str, list[tuple[Path, dict]]] = defaultdict(list)
    docs = [r[1] for r in reports]
    for kind, docx, html, truth in reports:
        files[f"docx ({kind})"].append((docx, truth))
        if html is not None:
            files[f"web page ({kind}, table 4 header variants)"].append((html, truth))
    if producers.soffice():
        for target in ("pdf", "doc", "odt", "html"):
            for (kind, _, _, truth), made in zip(reports, producers.convert(docs, target, work / target)):
                name = f"LibreOffice .docx → {target} ({kind})"
                if target == "html":
                    if kind != "template":
                        continue
                    name = "LibreOffice .docx → html (template web page)"
                files[name].append((made, truth))
    for kind, docx, _, truth in reports:
        for style in flatten.STYLES if kind == "generated" else ():
            files[f"flattened text ({style})"].append((docx.with_name(f"{docx.stem}-{style}.txt"), truth))
    if producers.have_chromium():
        (work / "print").mkdir()
        with producers.chromium_printer() as print_pdf:
            for rules, name in (("horizontal", "rules between rows"), ("frame", "frame only")):
                for kind, docx, _, truth in reports:
                    if kind == "generated":
                        pdf = print_pdf(docx.with_name(f"{docx.stem}-{rules}.html"),
                                        work / "print" / f"{docx.stem}-{rules}.pdf")
                        files[f"Chromium print A4 100% (generated, {name})"].append((pdf, truth))
            for paper, zoom in PRINTS:
                for kind, docx, html, truth in reports:
                    if html is None:          # template reports: their LibreOffice web page
                        html = work / "html" / f"{docx.stem}.html"
                        if kind != "template" or not html.exists():
                            continue
                        kind = "template web page"
                    pdf = print_pdf(html, work / "print" / f"{docx.stem}-{paper}-{zoom}.pdf", paper, zoom)
                    files[f"Chromium print {paper} {int(zoom * 100)}% ({kind})"].append((pdf, truth))
    return files


def corpus_rows() -> list[tuple[str, Path, dict]]:
    corpus = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus")
                   if p.exists()), None)
    if corpus is None:
        return []
    rows = []
    for truth_path in sorted(corpus.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        source = corpus / truth["file"] if "file" in truth else None
        if source is not None and source.exists():
            rows.append((f"corpus: {source.name}", source, truth))
    return rows


def matrix(n: int, seed: int) -> list[tuple[str, int, int, int, int]]:
    """(producer, files, right, wrong, missing) rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ogi-accuracy-") as tmp:
        work = Path(tmp)
        reports = make_reports(n, seed, work)
        for name, made in produce(reports, work).items():
            totals = [score(path, truth) for path, truth in made]
            rows.append((name, len(made), *(sum(t[k] for t in totals) for k in range(3))))
    for name, path, truth in corpus_rows():
        rows.append((name, 1, *score(path, truth)))
    return rows


def markdown(rows, n: int, seed: int, seconds: float) -> str:
    gaps = [f"- {key}: {why}" for key, why in KNOWN_GAPS.items()]
    lines = ["# Accuracy by producer", "",
             f"Written by `python benchmarks/accuracy.py -n {n} --seed {seed}` ({seconds:.0f} s). Each generated "
             "report (tests/generate.py, layouts 2021, 2019 and hybrid in turn) and each report filled into the "
             "official 2021 template by python-docx goes through every producer; a cell is right when the value "
             "read equals the truth, wrong when it differs, missing when no value was read.", "",
             "Reports: *generated* (tests/generate.py; their web page with table 4's header in one of its real "
             "variants: three rows, groups repeated, review results not merged down, two rows, one row, results split "
             "over lines; and their web page with the tables drawn by CSS with rules between rows only, or only "
             "an outer frame), *sliver* (table 4 with an "
             "empty 1-pt grid column between its blocks), *template* (the official 2021 template filled by "
             "python-docx). Known gaps (cells missing, none wrong):", "", *gaps, "",
             "| producer | files | cells | right | wrong | missing |", "|---|---:|---:|---:|---:|---:|"]
    for name, files, right, wrong, missing in rows:
        lines.append(f"| {name} | {files} | {right + wrong + missing} | {right} | {wrong} | {missing} |")
    return "\n".join(lines + ["", *scan_section()]) + "\n"


SCANS = ROOT / "docs" / "accuracy-scans.md"


def scan_section() -> list[str]:
    """Scans as a section of this page: the totals of the matrix benchmarks/accuracy_scans.py wrote
    into docs/accuracy-scans.md (its conditions and causes are there)."""
    lines = ["## Scans", ""]
    text = SCANS.read_text(encoding="utf-8") if SCANS.exists() else ""
    table = text.split("<!-- accuracy_scans:begin -->")[-1].split("<!-- accuracy_scans:end -->")[0]
    conditions = [row.split("|")[1:-1] for row in table.splitlines()
                  if row.startswith("| ") and not row.startswith(("| condition", "| **"))]
    if not conditions:
        return lines + ["Not measured yet: `python benchmarks/accuracy_scans.py --write docs/accuracy-scans.md`."]
    cells, right, wrong, unflagged = (sum(int(c[i]) for c in conditions) for i in (1, 2, 3, 4))
    met = sum(float(c[6]) >= 99.5 for c in conditions)
    return lines + [
        f"Degraded scans of generated reports (dpi × colour × blur × JPEG × rotation × seal × lighting, sampled "
        f"pairwise; `benchmarks/accuracy_scans.py`): {met} of {len(conditions)} conditions at ≥ 99.5 % of cells "
        f"right; {right} of {cells} cells right ({100 * right / cells:.1f} %), {wrong} wrong of which {unflagged} "
        "unflagged. Each condition, its figure and its cause: [accuracy-scans.md](accuracy-scans.md)."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=6, help="generated reports (and as many template reports)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "accuracy.md")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = matrix(args.n, args.seed)
    text = markdown(rows, args.n, args.seed, time.perf_counter() - start)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
