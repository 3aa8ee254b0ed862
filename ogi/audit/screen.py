"""The rules as array work: every report at once, Python only for the reports a rule fails on.

The values of a batch become a reports × fields matrix (numbers, blanks and
dashes as 0, the way the template counts them) with masks of what was read
and what was printed as text. Each same-year equation of data/rules.csv is a
row of coefficients (+1 left, −1 right), so one matrix product gives every
residual of every report of a layout; the cross-year equations (R7, R8) are
the same product over the pairs (report, the agency's report of the year
before) found by one join on agency key and year. R6 is a mask over the
cells, R9 a lookup per statement.

The screen only decides which reports each family must look at, and counts
the checks of the reports that pass. The findings themselves (messages,
triage, minimal corrections) are still made by the families' own code, on
Report objects whose cells are built from `values` only for those reports:
so the findings are the same as running every family on every report.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ogi.normalize.rules import PREVIOUS, Equation, crossyear_equations, equations, field_of
from ogi.normalize.schema import fields

from . import identity
from ogi.normalize.value import Value

from .model import Report, _clean, _int, _template, fmt
from .text import _approx

TOLERANCE = 1e-9                         # as normalize.repair: a residual below this holds
NOT_CHECKED_BY_R6 = ("derived", "missing", "blank", "dash")


@dataclass
class Matrix:
    """Every report's cells as arrays: row = report (current, then earlier), column = field."""
    ids: list[str]
    row: dict[str, int]
    fields: list[str]
    col: dict[str, int]
    number: np.ndarray                   # as the arithmetic counts it: blank, dash, missing → 0
    has: np.ndarray                      # a cell (any kind) was given
    present: np.ndarray                  # … and it is not a `missing` placeholder
    text: np.ndarray                     # printed as words
    r6: np.ndarray                       # R6 would report it
    kept: np.ndarray                     # per report: index of its first `values` row per field (−1: none)
    fallback: np.ndarray                 # reports with no `values` rows: cells from the wide columns
    tables: list[frozenset[str]] = field(default_factory=list)


def _kind_column(kinds: pd.Series) -> np.ndarray:
    """The values table's kind label of each row: an empty one reads as `number` (the first row of a field wins)."""
    kind = kinds.to_numpy(dtype=object, na_value=None)
    return np.array([str(k) if k is not None and k == k and str(k) else "number" for k in kind], dtype=object)


def _r6_problem(types: np.ndarray, value: np.ndarray) -> np.ndarray:
    """R6's test of a printed number, per cell (counts.py _problem)."""
    with np.errstate(invalid="ignore"):
        fraction = value != np.floor(value)
        signed = types == "signed_integer"
        return np.where(signed, fraction, (value < 0) | ((types == "integer") & fraction))


def build_matrix(meta: list[dict], values: pd.DataFrame | None, wide: pd.DataFrame) -> Matrix:
    """The matrix of these reports (`meta` in order; `wide` their reports rows for the fallback)."""
    known = fields()
    names = list(known)
    col = {f: i for i, f in enumerate(names)}
    ids = [str(m["report_id"]) for m in meta]
    row = {rid: i for i, rid in enumerate(ids)}
    n, width = len(ids), len(names)
    number = np.zeros((n, width))
    has = np.zeros((n, width), bool)
    present = np.zeros((n, width), bool)
    text = np.zeros((n, width), bool)
    r6 = np.zeros((n, width), bool)
    kept = np.full((n, width), -1, np.int64)
    derived = np.zeros((n, width), bool)
    types = np.array([known[f].type for f in names], dtype=object)
    if values is not None and len(values):
        rcode = pd.Index(ids).get_indexer(values["report_id"].astype(str)).astype(np.int64)     # −1: not ours
        fcode = pd.Index(names).get_indexer(values["field"].astype(str)).astype(np.int64)
        ok = np.flatnonzero((rcode >= 0) & (fcode >= 0))
        _, first = np.unique(rcode[ok] * width + fcode[ok], return_index=True)   # first row per cell
        idx = ok[first]
        r, f = rcode[idx], fcode[idx]
        value = values["value"].to_numpy(dtype=float, na_value=np.nan)[idx]
        kind = _kind_column(values["kind"].iloc[idx])
        raw = values["raw"].iloc[idx].to_numpy(dtype=object, na_value=None)
        blank_raw = np.array([v is None or v != v or not str(v).strip() for v in raw], bool)
        null = np.isnan(value)
        number[r, f] = np.where(null, 0.0, value)
        has[r, f] = True
        present[r, f] = kind != "missing"
        text[r, f] = kind == "text"
        derived[r, f] = kind == "derived"
        checked = ~np.isin(kind, NOT_CHECKED_BY_R6)
        problem = np.where(null, (kind == "text") | ~blank_raw, _r6_problem(types[f], np.where(null, 0, value)))
        r6[r, f] = checked & problem
        kept[r, f] = idx
    fallback = ~has.any(axis=1)
    if fallback.any():
        _fill_from_wide(wide, ids, fallback, names, types, number, has, present, r6)
    tables = _tables_read(has & ~derived, names)
    return Matrix(ids, row, names, col, number, has, present, text, r6, kept, fallback, tables)


def _fill_from_wide(wide, ids, fallback, names, types, number, has, present, r6) -> None:
    """Reports without `values` rows: numbers from the field columns, no provenance (the first row per id)."""
    first = wide.drop_duplicates("report_id")
    first = first.set_index(first["report_id"].astype(str))
    for i in np.flatnonzero(fallback):
        rid = ids[i]
        if rid not in first.index:
            continue
        for j, fid in enumerate(names):
            v = _clean(first.at[rid, fid]) if fid in first.columns else None
            if v is None:
                continue
            number[i, j], has[i, j], present[i, j] = float(v), True, True
            r6[i, j] = bool(_r6_problem(np.array([types[j]], dtype=object), np.array([float(v)]))[0])


def _tables_read(printed: np.ndarray, names: list[str]) -> list[frozenset[str]]:
    """Per report, the tables with a cell that is not derived (Report.has_table)."""
    table_of = np.array([f.split(".")[0] for f in names], dtype=object)
    hits = [printed[:, table_of == t].any(axis=1) for t in ("t2", "t3", "t4")]
    return [frozenset(t for t, hit in zip(("t2", "t3", "t4"), per) if hit) for per in zip(*hits)]


# ---------------------------------------------------------------- the screens

@dataclass
class Screen:
    """Per current report: which families must run in Python, and the checks of those that need not."""
    run: dict[str, np.ndarray]           # family name → bool per current report
    passed: np.ndarray                   # checks counted here (for families not run) per current report
    prev: np.ndarray                     # matrix row of last year's report, −1 if none


def _coefficients(eqs: list[Equation], col: dict[str, int], width: int) -> tuple[np.ndarray, np.ndarray]:
    coef = np.zeros((len(eqs), width))
    used = np.zeros((len(eqs), width), bool)
    for i, eq in enumerate(eqs):
        for t in eq.lhs:
            coef[i, col[t]] += 1
            used[i, col[t]] = True
        for t in eq.rhs:
            coef[i, col[t]] -= 1
            used[i, col[t]] = True
    return coef, used


def screen_arithmetic(m: Matrix, current: np.ndarray, layouts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(fails, evaluated): an equation of the report's layout fails; how many were evaluated."""
    fails = np.zeros(len(current), bool)
    count = np.zeros(len(current), np.int64)
    by_layout: dict[str | None, list[int]] = {}
    for i, layout in enumerate(layouts):
        by_layout.setdefault(layout, []).append(i)
    for layout, members in by_layout.items():
        eqs = equations(layout)
        if not eqs:
            continue
        coef, used = _coefficients(eqs, m.col, len(m.fields))
        rows = current[members]
        residual = m.number[rows] @ coef.T
        read = (m.present[rows].astype(np.int64) @ used.T.astype(np.int64)) > 0
        words = (m.text[rows].astype(np.int64) @ used.T.astype(np.int64)) > 0
        evaluated = read & ~words
        fails[members] = (evaluated & (np.abs(residual) > TOLERANCE)).any(axis=1)
        count[members] = evaluated.sum(axis=1)
    return fails, count


def previous_rows(m: Matrix, meta: list[dict], n_current: int) -> np.ndarray:
    """Matrix row of each current report's previous-year report: one join on (agency key, year)."""
    keys = pd.DataFrame({"key": [identity.agency_key(x) for x in meta],
                         "year": pd.array([_int(x.get("year")) for x in meta], dtype="Int64"),
                         "row": np.arange(len(meta))})
    index = keys.dropna(subset=["year"]).drop_duplicates(["key", "year"])     # the first report wins
    want = keys.iloc[:n_current].assign(year=keys["year"].iloc[:n_current] - 1)
    joined = want.merge(index, on=["key", "year"], how="left", suffixes=("", "_prev"), sort=False)
    prev = joined["row_prev"].to_numpy(dtype=float, na_value=np.nan)
    out = np.where(np.isnan(prev), -1, prev).astype(np.int64)
    same = (out >= 0) & (np.array(m.ids)[np.maximum(out, 0)] == np.array(m.ids[:n_current]))
    out[same] = -1
    return out


def screen_crossyear(m: Matrix, prev: np.ndarray, layouts_t2: list, layouts_t3: list) -> tuple[np.ndarray, np.ndarray]:
    n = len(prev)
    fails = np.zeros(n, bool)
    count = np.zeros(n, np.int64)
    pairs = np.flatnonzero(prev >= 0)
    if not len(pairs):
        return fails, count
    this, last = pairs, prev[pairs]
    layout = {"t2": layouts_t2, "t3": layouts_t3}
    for eq in crossyear_equations():
        if eq.template == "both" or eq.table not in layout:
            applies = np.ones(len(pairs), bool)
        else:
            lay = layout[eq.table]
            applies = np.array([lay[a] == eq.template and lay[b] == eq.template for a, b in zip(this, last)], bool)
        ok = applies.copy()
        diff = np.zeros(len(pairs))
        for sign, side in ((1, eq.lhs), (-1, eq.rhs)):
            for term in side:
                rows = last if term.startswith(PREVIOUS) else this
                j = m.col[field_of(term)]
                ok &= m.present[rows, j] & ~m.text[rows, j]
                diff += sign * m.number[rows, j]
        count[pairs] += ok
        fails[pairs] |= ok & (diff != 0)
    return fails, count


def screen_counts(m: Matrix, current: np.ndarray) -> np.ndarray:
    return m.r6[current].any(axis=1)


def screen_statements(m: Matrix, ids: list[str], said: dict[str, list[dict]]) -> tuple[np.ndarray, np.ndarray]:
    """R9 per statement: the stated number against the cell or sum of cells it restates."""
    fails = np.zeros(len(ids), bool)
    count = np.zeros(len(ids), np.int64)
    for i, rid in enumerate(ids):
        r = m.row[rid]
        seen, compared = set(), set()
        for st in said.get(rid, ()):
            fid = str(st.get("field") or "")
            number = st.get("number")
            if not fid or number is None or (isinstance(number, float) and math.isnan(number)):
                continue
            if _approx(st) or (fid, float(number)) in seen:
                continue
            seen.add((fid, float(number)))
            cols = [m.col.get(f) for f in fid.split("+")]
            if any(j is None or not m.present[r, j] or m.text[r, j] for j in cols):
                continue
            compared.add(fid)
            if sum(m.number[r, j] for j in cols) != float(number):
                fails[i] = True
        count[i] = len(compared)
    return fails, count


# ---------------------------------------------------------------- cells for the reports that need them

class CellSource:
    """Builds Report.cells from `values` rows, for the reports a family will look at."""

    def __init__(self, m: Matrix, values: pd.DataFrame | None):
        self.m = m
        self.values = values
        self.loaded: dict[str, dict[str, Value]] = {}

    def preload(self, ids) -> None:
        """Converts the rows of these reports at once (one pass over the columns, not one per report)."""
        ids = [rid for rid in ids if rid not in self.loaded]
        if not ids:
            return
        rows = [self.m.row[rid] for rid in ids]
        idx = self.m.kept[rows]
        picked = np.sort(idx[idx >= 0])
        by_report: dict[str, dict[str, Value]] = {rid: {} for rid in ids}
        if self.values is not None and len(picked):
            for cell in cells_of(self.values.iloc[picked]):
                by_report[cell.report_id][cell.field] = cell
        for rid in ids:
            self.loaded[rid] = self._ordered(rid, by_report[rid])

    def _ordered(self, rid: str, cells: dict[str, Value]) -> dict[str, Value]:
        """Cells in the order of the report's `values` rows (the first row per id), or the fallback's."""
        r = self.m.row[rid]
        if self.m.fallback[r]:
            numbers = self.m.number[r]
            return {f: Value(f, float(numbers[j]), fmt(float(numbers[j])), report_id=rid, label_match="")
                    for j, f in enumerate(self.m.fields) if self.m.has[r, j]}
        order = sorted(cells, key=lambda f: self.m.kept[r, self.m.col[f]])
        return {f: cells[f] for f in order}

    def __call__(self, report: Report) -> dict[str, Value]:
        if report.id not in self.loaded:
            self.preload([report.id])
        return self.loaded.pop(report.id)


def _column(df: pd.DataFrame, name: str) -> list:
    """A values column as Python objects, missing as None (absent columns too)."""
    if name not in df.columns:
        return [None] * len(df)
    col = df[name]
    if pd.api.types.is_numeric_dtype(col):
        return [None if v != v else v for v in col.to_numpy(dtype=float, na_value=np.nan).tolist()]
    return [None if v is None or (isinstance(v, float) and v != v) else v
            for v in col.to_numpy(dtype=object, na_value=None).tolist()]


def _ints(df: pd.DataFrame, name: str) -> list:
    return [None if v is None else int(v) for v in _column(df, name)]


def cells_of(rows: pd.DataFrame) -> list[Value]:
    """Cells of `values` rows, column by column (one list per column, not a dict per row)."""
    text = lambda name: ["" if v is None else str(v) for v in _column(rows, name)]  # noqa: E731
    kinds = [Value.parse_label(str(v) if v is not None and str(v) else None) for v in _column(rows, "kind")]
    return [Value(f, None if v is None else float(v), raw, kind, origin, t, row, col, page, None,
                  None if conf is None else float(conf), rl, cl, lm, report_id=r)
            for f, r, v, raw, (kind, origin), t, row, col, page, rl, cl, conf, lm in zip(
                [str(v) for v in _column(rows, "field")], [str(v) for v in _column(rows, "report_id")],
                _column(rows, "value"), text("raw"), kinds, _ints(rows, "table"), _ints(rows, "row"),
                _ints(rows, "col"), _ints(rows, "page"), text("row_label"), text("col_label"),
                _column(rows, "confidence"), text("label_match"))]


def reports_of(meta: list[dict], m: Matrix, source: CellSource) -> dict[str, Report]:
    return {str(x["report_id"]): Report(str(x["report_id"]), x, loader=source, tables=m.tables[i])
            for i, x in enumerate(meta)}


def layouts(meta: list[dict], column: str) -> list[str | None]:
    cache: dict = {}
    out = []
    for x in meta:
        v = x.get(column)
        key = v if isinstance(v, str) or v is None else repr(v)
        if key not in cache:
            cache[key] = _template(v)
        out.append(cache[key])
    return out
