"""Write the sample reports in data/samples/ (each with its `*.truth.json` beside it).

    python tools/make_samples.py

- five generated reports (tests/generate.py, fixed seeds): 2021, 2019, hybrid, a split table 3,
  traditional characters;
- shanggao-2021-seed.docx: the seed report (../shared/seed/000_93984f495c0e3205.txt) rebuilt as .docx,
  cell for cell.  Its table 3 rows 三（一）–四 print only 5 value cells: they keep exactly 5 cells and
  mark the 2 missing grid columns with w:gridAfter="2" (which columns are missing is unknown; the
  parser must resolve it from the table's arithmetic).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml import parse_xml  # noqa: E402
from docx.oxml.ns import nsdecls  # noqa: E402

from tests.generate import (T2_WIDTHS, T3_WIDTHS, T4_WIDTHS, Cell, Row, TableSpec, add_table,  # noqa: E402
                            new_document, random_truth, write_docx, write_truth)

OUT = REPO / "data" / "samples"
SEED = REPO.parent / "shared" / "seed" / "000_93984f495c0e3205"

# name, layout, seed, forced layout variations (content variations stay random but seeded)
GENERATED = [
    ("gen-2021-basic", "2021", 11, {"split_table3": False, "traditional": False, "long_text": False,
                                    "landscape_tables": False, "linebreaks": True}),
    ("gen-2019-basic", "2019", 12, {"split_table3": False, "traditional": False, "long_text": False,
                                    "landscape_tables": False}),
    ("gen-hybrid", "hybrid", 13, {"split_table3": False, "traditional": False, "long_text": False,
                                  "landscape_tables": False, "label_variants": True}),
    ("gen-2021-split-table3", "2021", 14, {"split_table3": True, "split_gap": "paragraph", "traditional": False,
                                           "long_text": False, "landscape_tables": False}),
    ("gen-2021-traditional", "2021", 15, {"traditional": True, "split_table3": False, "long_text": False,
                                          "landscape_tables": False, "numbering_dunhao": True}),
]


def make_generated() -> None:
    for name, layout, seed, forced in GENERATED:
        rng = random.Random(seed)
        truth = random_truth(rng, layout)
        path = OUT / f"{name}.docx"
        write_docx(truth, path, rng=rng, variations=forced)
        write_truth(truth, path)


# ---------------------------------------------------------------- the seed dump

def read_dump(path: Path) -> list:
    """Blocks of the dump: ("p", text) or ("table", [[cell text, ...], ...]).

    One cell per tab-indented line; an empty line ends a row (the row after the last one ends the
    table); a tab-only line is an empty (vertically merged) cell; an untabbed line right after a cell
    continues that cell as a second paragraph."""
    blocks, rows, row = [], None, None
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:
        if line.startswith("\t"):
            rows = rows if rows is not None else []
            row = row if row is not None else []
            row.append(line[1:])
        elif rows is not None and row:
            if line == "":
                rows.append(row)
                row = None
            else:
                row[-1] += "\n" + line
        elif rows is not None and line == "" and row is None:
            blocks.append(("table", rows))
            rows = None
        else:
            blocks.append(("p", line))
    return blocks


def seed_table2(rows: list) -> TableSpec:
    """2021 table 2: block titles span 4 columns; single-value rows span 3."""
    out = []
    for cells in rows:
        if len(cells) == 1:
            out.append(Row([Cell(cells[0], span=4)]))
        elif len(cells) == 2:
            out.append(Row([Cell(cells[0]), Cell(cells[1], span=3)]))
        else:
            out.append(Row([Cell(text) for text in cells]))
    return TableSpec(list(T2_WIDTHS), out)


def seed_table3(rows: list) -> TableSpec:
    """Header rows as in the 2021 template; data rows with 7 or (from 三（一） on) only 5 value cells."""
    note, applicants = rows[0]
    _, natural, org, total = rows[1]
    subheads = rows[2][2:7]
    out = [
        Row([Cell(note, span=3, vmerge="restart"), Cell(applicants, span=7)]),
        Row([Cell(span=3, vmerge="continue"), Cell(natural, vmerge="restart"), Cell(org, span=5),
             Cell(total, vmerge="restart")]),
        Row([Cell(span=3, vmerge="continue"), Cell(vmerge="continue")] + [Cell(t) for t in subheads] +
            [Cell(vmerge="continue")]),
    ]
    for cells in rows[3:]:
        labels, values = _split_labels(cells)
        label_cells = _seed_label_cells(labels)
        value_cells = [Cell(v) for v in values]
        out.append(Row(label_cells + value_cells, grid_after=7 - len(values)))
    return TableSpec(list(T3_WIDTHS), out)


def _split_labels(cells: list) -> tuple[list, list]:
    n_labels = next(i for i, text in enumerate(cells) if text.isdigit() and i > 0)
    return cells[:n_labels], cells[n_labels:]


def _seed_label_cells(labels: list) -> list:
    """1 label: spans the 3 label columns; 2: 三、 (merged) + a label spanning 2; 3: one per column.
    A non-empty label in column 0/1 starts a vertical merge, an empty one continues it."""
    if len(labels) == 1:
        return [Cell(labels[0], span=3)]
    cells = [Cell(text, vmerge="restart") if text else Cell(vmerge="continue") for text in labels[:-1]]
    return cells + [Cell(labels[-1], span=3 - len(cells), align="left" if len(labels) == 3 else "center")]


def seed_table4(rows: list) -> TableSpec:
    (review, suit), row1, row2, values = rows
    return TableSpec(list(T4_WIDTHS), [
        Row([Cell(review, span=5), Cell(suit, span=10)]),
        Row([Cell(t, vmerge="restart") for t in row1[:5]] + [Cell(row1[5], span=5), Cell(row1[6], span=5)]),
        Row([Cell(vmerge="continue") for _ in range(5)] + [Cell(t) for t in row2[5:]]),
        Row([Cell(v) for v in values]),
    ])


HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、", "1、 ")


def make_seed_docx(target: Path) -> None:
    doc = new_document()
    blocks = read_dump(SEED.with_suffix(".txt"))
    builders = iter((seed_table2, seed_table3, seed_table4))
    for index, (kind, content) in enumerate(blocks):
        if kind == "table":
            add_table(doc, next(builders)(content), linebreak_style="paragraph")
            continue
        p = doc.add_paragraph()
        text = content
        if text.startswith("[bookmark: _GoBack]"):           # a real bookmark, as Word writes it
            text = text.removeprefix("[bookmark: _GoBack]")
            p._p.append(parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="0" w:name="_GoBack"/>'))
            p._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="0"/>'))
        if text:
            run = p.add_run(text)
            run.bold = index < 2 or text.startswith(HEADINGS)
        if index < 2:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.save(str(target))


def make_seed() -> None:
    target = OUT / "shanggao-2021-seed.docx"
    make_seed_docx(target)
    truth = json.loads(SEED.with_suffix(".truth.json").read_text(encoding="utf-8"))
    truth["file"] = target.name
    target.with_name(target.stem + ".truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_generated()
    make_seed()
    for path in sorted(OUT.glob("*.docx")):
        print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
