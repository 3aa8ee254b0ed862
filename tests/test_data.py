"""The data files agree with each other: every label, rule term, indicator and phrasing names a real field."""
import csv
import re
from collections import Counter

from ogi.data import DATA_DIR
from ogi.normalize.labels import index
from ogi.normalize.rules import equations
from ogi.normalize.schema import fields, labels

FIELD_ID = re.compile(r"t[234]\.[a-z_]+(?:\.[a-z_]+)*")


def _rows(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_rule_term_is_a_field_in_both_layouts():
    for layout in ("2019", "2021", None):
        for eq in equations(layout):
            assert set(eq.terms) <= set(fields()), eq.name


def test_every_table_label_path_is_a_field_path_or_an_ancestor_of_one():
    known = set()
    for f in fields().values():
        for path in f.row_paths + f.col_paths:
            parts = path.split("/")
            known.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    for lab in labels():
        if lab.table in ("t2", "t3", "t4") and not lab.canonical_path.startswith("UNMAPPED"):
            if lab.canonical_path.startswith("（本列数据") or lab.canonical_path.endswith("/信息内容"):
                continue  # the 勾稽 note and table 2's 信息内容: headers over the labels, not fields
            assert lab.canonical_path in known, f"data/labels.csv line {lab.line}: {lab.canonical_path}"


def test_no_label_is_split_by_the_path_separator():
    # a "/" inside a label (本年增/减) would cut it in two: such labels use a full-width ／
    for f in fields().values():
        for path in f.row_paths + f.col_paths:
            assert all(len(part) > 1 for part in path.split("/") if path), (f.id, path)


def test_no_duplicate_label_rows():
    counts = Counter((lab.table, lab.template, lab.canonical_path, lab.variant) for lab in labels())
    assert [k for k, n in counts.items() if n > 1] == []


def test_every_field_of_tables_2_to_4_can_be_reached_from_a_label():
    for table in ("t2", "t3", "t4"):
        reachable = set(index(table).by_pair.values())
        derived = {f.id for f in fields().values() if f.sum_of}
        assert {f.id for f in fields().values() if f.table == table} - reachable - derived == set()


def test_indicators_and_narrative_name_real_fields():
    names = set(fields())
    for row in _rows("indicators.csv"):
        for term in FIELD_ID.findall(row["numerator"] + " " + row["denominator"]):
            assert term in names, (row["id"], term)
    for row in _rows("narrative.csv"):
        for term in FIELD_ID.findall(row["field"]):
            assert term in names or any(f.startswith(term + ".") for f in names), (row["pattern"], term)
