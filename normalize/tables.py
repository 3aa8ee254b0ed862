"""Grids → canonical values: find the three tables by content and map every cell.

Tables are recognised by the labels they print, not by their position, and a
table continued in a second grid (split by the author or by a page break) is
read as one. Table 3 and table 4 are header tables: each value column is
named by the header cells above it and each row by the label cells left of
the values. Table 2 is a sequence of blocks, each with its own header row, so
it is walked row by row. Every printed value keeps its raw text and position;
every label that names nothing is reported, never guessed.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ogi.extract.model import Cell, Table

from .digits import RUN_TOGETHER, RunRow, split_runs
from .labels import field_for, index, match_label, match_path
from .rules import equations, solve
from .schema import fields
from .text import label_key
from .value import EMPTY_KINDS, Kind, Origin, Value
from ogi.extract.printed import parse_value

log = logging.getLogger(__name__)

MIN_LABEL_HITS = 3        # distinct template labels a grid must print to count as a table
MIN_VALUE_CELLS = 3       # value-like cells that make a row a data row
HEADER_ROWS = 3           # a table's header is in its first rows (one to three)
# extract's Cell.origin → how the value was come by
CELL_ORIGIN = {"text": Origin.PRINTED, "ocr": Origin.OCR, "inferred": Origin.INFERRED}


@dataclass
class Reading:
    values: dict[str, Value] = field(default_factory=dict)
    unmapped: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    templates: dict[str, str | None] = field(default_factory=dict)
    tables_found: list[str] = field(default_factory=list)

    def add(self, value: Value) -> None:
        if value.origin is Origin.OCR and value.kind is Kind.TEXT:
            # words OCR'd where a number belongs are a seal's glyph or two rows run together: not a reading
            self.warnings.append(f"{value.field}: OCR read {value.raw!r} where a number belongs; left missing")
            value.kind = Kind.MISSING
        if value.field in self.values:
            first = self.values[value.field]
            self.warnings.append(f"{value.field} printed twice (table {first.table} row {first.row}, "
                                 f"table {value.table} row {value.row}); kept the first")
            return
        self.values[value.field] = value

    def unmapped_label(self, kind: str, table: Table, row: int, col: int | None, axis: str, text: str) -> None:
        self.unmapped.append({"table": kind, "table_index": table.index, "row": row, "col": col,
                              "axis": axis, "text": text, "page": table.page})


def read_tables(tables: list[Table]) -> Reading:
    reading = Reading()
    groups = _group_by_kind([_without_phantom_columns(t) for t in tables])
    for kind, reader in (("t2", _read_t2), ("t3", _read_t3), ("t4", _read_t4)):
        if groups.get(kind):
            reading.tables_found.append(kind)
            reader(groups[kind], reading)
    reading.templates = {"t2": _template(reading, "t2"), "t3": _template(reading, "t3")}
    _derive_sums(reading)
    return reading


# --- locating -------------------------------------------------------------

def classify(table: Table) -> str | None:
    """t2, t3 or t4 by the distinct template labels the grid prints, or None."""
    for stacked in (False, True):
        kind, best = max(_label_hits(table, stacked).items(), key=lambda kv: len(kv[1]))
        if len(best) >= MIN_LABEL_HITS:
            return kind
    return None


def _label_hits(table: Table, stacked: bool) -> dict[str, set[str]]:
    """Each table's template labels the grid prints; `stacked`: also the labels of a cell printing
    several one above the other (a one-row header printing each column's path)."""
    hits: dict[str, set[str]] = {"t2": set(), "t3": set(), "t4": set()}
    for cell in table.cells:
        if parse_value(cell.text).kind != "text":
            continue
        for kind in hits:
            found = match_label(kind, cell.text)
            if stacked and not found and cell.row < HEADER_ROWS and "\n" in cell.text:
                found = frozenset().union(*(match_label(kind, part) for part in _stacked_labels(kind, cell.text)))
            hits[kind].update(found)
    return hits


def _group_by_kind(tables: list[Table]) -> dict[str, list[Table]]:
    groups: dict[str, list[Table]] = {}
    for table in tables:
        kind = classify(table)
        if kind:
            groups.setdefault(kind, []).append(table)
    return groups


# --- grid helpers -----------------------------------------------------------

def _without_phantom_columns(table: Table) -> Table:
    """The table without its phantom grid columns. A .doc round trip through LibreOffice puts
    sliver columns between table 4's blocks: no printed cell is theirs alone, the header cells
    crossing them span their neighbours too, and the value row has an empty cell there (alone
    or spanning a neighbour). Dropping them moves no printed text (cells only get narrower)
    and lets the value row line up with its header. A printed cell always keeps a column."""
    printed = [c for c in table.cells if c.text.strip()]
    own = {c.col for c in printed if c.colspan == 1}
    crossed = {col for c in printed if c.colspan > 1 for col in c.cols}
    empty = {col for c in table.cells if not c.text.strip() for col in c.cols}
    phantom = (crossed & empty) - own
    for cell in printed:
        if set(cell.cols) <= phantom:
            phantom.discard(cell.col)         # its only columns: keep one
    if not phantom:
        return table
    keep = [c for c in range(table.n_cols) if c not in phantom]
    new_col = {c: i for i, c in enumerate(keep)}
    cells = []
    for cell in table.cells:
        cols = [c for c in cell.cols if c in new_col]
        if cols:                              # else: a sliver's own empty cell
            cells.append(replace(cell, col=new_col[cols[0]], colspan=len(cols)))
    return replace(table, cells=cells, n_cols=len(keep))


def _distinct(cells) -> list[Cell]:
    seen, out = set(), []
    for cell in cells:
        if cell is not None and id(cell) not in seen:
            seen.add(id(cell))
            out.append(cell)
    return out


def _is_value_like(cell: Cell | None) -> bool:
    return cell is not None and parse_value(cell.text).kind in ("number", "blank", "dash")


def _first_data_row(grid: list[list[Cell | None]], kind: str | None = None) -> int | None:
    """The first row of values. A header row with empty cells (table 4's review results not
    merged down into its last header row) looks like one: a row naming columns is not."""
    for r, row in enumerate(grid):
        cells = _distinct(row)
        if sum(_is_value_like(c) for c in cells) >= MIN_VALUE_CELLS and not _names_columns(kind, cells):
            return r
    return None


def _names_columns(kind: str | None, cells: list[Cell]) -> bool:
    """The row prints no number or dash and a label that can only name a column."""
    if kind is None or any(parse_value(c.text).kind in ("number", "dash") for c in cells):
        return False
    cols, rows = _label_paths(kind)
    return any((found := match_label(kind, c.text)) and found & cols and not found & rows
               for c in cells if parse_value(c.text).kind == "text")


@lru_cache(maxsize=None)
def _label_paths(kind: str) -> tuple[frozenset[str], frozenset[str]]:
    """Every canonical path (with its ancestors) naming a column, and every one naming a row."""
    def with_ancestors(paths):
        return frozenset(p for path in paths for p in
                         ["/".join(path.split("/")[:i + 1]) for i in range(path.count("/") + 1)])
    leaves = index(kind).leaves
    return with_ancestors(leaves["col"]), with_ancestors(leaves["row"])


def _value(fid: str, cell: Cell, table: Table, row_label: str, col_label: str, how: str) -> Value:
    parsed = parse_value(cell.text)
    return Value(fid, parsed.value, cell.text, parsed.kind, CELL_ORIGIN.get(cell.origin, Origin.PRINTED),
                 table.index, cell.row, cell.col, cell.page, cell.bbox, cell.confidence, row_label, col_label, how)


# --- tables 3 and 4: header tables -------------------------------------------

@dataclass
class _Columns:
    """Value columns of a header table, counted from the right edge so a
    continuation grid with fewer label columns lines up."""
    n_cols: int
    by_col: dict[int, tuple]        # col -> (candidate paths, printed label, how)

    def for_table(self, n_cols: int) -> dict[int, tuple]:
        shift = n_cols - self.n_cols
        return {c + shift: m for c, m in self.by_col.items() if c + shift >= 0}


def _header_columns(kind: str, grid, header_rows: int, n_cols: int) -> _Columns:
    by_col = {}
    for c in range(n_cols):
        printed = [cell.text for cell in _distinct(grid[r][c] for r in range(header_rows))]
        match = match_path(kind, "col", printed)
        if match is None and len(printed) >= 2:  # a header split over two rows: 商业 / 企业
            match = match_path(kind, "col", printed[:-2] + [printed[-2] + printed[-1]])
        if match is None or len(match.paths) > 1:   # two header rows in one cell: 行政复议 + 结果维持
            split = [part for text in printed for part in _stacked_labels(kind, text)]
            resplit = match_path(kind, "col", split) if split != printed else None
            if resplit is not None and (match is None or len(resplit.paths) < len(match.paths)):
                match = resplit
        if match is not None and len(match.paths) > 1:   # a group label not drawn over all its columns
            spread = match_path(kind, "col", _with_group_labels_spread(kind, grid, header_rows, c))
            if spread is not None and len(spread.paths) == 1:
                match = spread
        if match:
            by_col[c] = (match.paths, match.printed, match.how)
    return _Columns(n_cols, by_col)


def _with_group_labels_spread(kind: str, grid, header_rows: int, c: int) -> list[str]:
    """The column's header texts, an empty header cell taking the column label printed nearest
    to its left in the same row: a group cell whose borders were not drawn over all its columns
    (only row rules) is cut where its text ends, its other columns left under empty cells."""
    out = []
    for r in range(header_rows):
        cell = grid[r][c]
        if cell is None or not cell.text.strip():
            left = next((grid[r][k] for k in range(c - 1, -1, -1) if grid[r][k] is not None
                         and grid[r][k].text.strip()), None)
            cell = left if left is not None and match_label(kind, left.text) else cell
        if cell is not None and cell.text.strip() and cell.text not in out:
            out.append(cell.text)
    return out


def _in_template_order(kind: str, columns: _Columns, table: Table, reading: Reading,
                       last_header_row: list[Cell | None]) -> _Columns:
    """The header's columns, less those that break the template's column order. A header
    whose group labels span the wrong result columns (a converter moved a boundary) names
    columns out of order; unless its last row alone names every column in the template's
    order, such columns are left unread, with a warning, never read shifted."""
    position = _column_positions(kind)
    placed = [(c, position[m[0][0]]) for c, m in sorted(columns.by_col.items())
              if len(m[0]) == 1 and m[0][0] in position]
    bad = {c for i, (c, p) in enumerate(placed) for d, q in placed[i + 1:] if q <= p} | \
          {d for i, (c, p) in enumerate(placed) for d, q in placed[i + 1:] if q <= p}
    if not bad:
        return columns
    by_order = _by_label_order(kind, last_header_row)
    if by_order is not None:
        lost = len(position) - len(by_order)
        reading.warnings.append(f"{kind}: table {table.index}'s group labels span the wrong columns; its columns "
                                "are read by the order of the labels in the header's last row"
                                + (", the last column's label not printed" if lost else ""))
        return _Columns(columns.n_cols, by_order)
    reading.warnings.append(f"{kind}: table {table.index} names its columns out of the template's order "
                            f"(columns {sorted(bad)}); their values are left missing")
    return _Columns(columns.n_cols, {c: m for c, m in columns.by_col.items() if c not in bad})


def _by_label_order(kind: str, row: list[Cell | None]) -> dict[int, tuple] | None:
    """Value columns named by the header's last row alone, when its labels, left to right, are
    the template's columns in order (all, or all but the last: a converter that dropped a
    column from the header row but kept the group labels over it). A label naming no column
    (an empty sliver cell) is passed over; any other mismatch: None."""
    order = list(_column_positions(kind))
    out: dict[int, tuple] = {}
    for c, cell in enumerate(row):
        if cell is None or cell.col != c or not cell.text.strip():
            continue
        if len(out) == len(order) or order[len(out)] not in match_label(kind, cell.text):
            return None
        out[c] = ((order[len(out)],), cell.text, "exact")
    return out if len(out) >= len(order) - 1 else None


@lru_cache(maxsize=None)
def _column_positions(kind: str) -> dict[str, int]:
    """Each column path of a table → its place in the template (the order of data/fields.csv)."""
    out: dict[str, int] = {}
    for f in fields().values():
        if f.table == kind:
            for path in f.col_paths:
                out.setdefault(path, len(out))
    return out


@lru_cache(maxsize=65536)  # reports repeat the same header texts
def _stacked_labels(kind: str, text: str) -> tuple[str, ...]:
    """A header cell holding several of the template's labels one above the other (a page break
    inside the header band glued a header row's cell onto the one above; a one-row header
    printing each column's whole path, 行政诉讼 / 复议后起诉 / 结果维持): the labels, when
    exactly one way of cutting the text gives only labels; else the text as it is."""
    if match_label(kind, text):
        return (text,)
    cuts = _label_cuts(kind, "".join(text.split()))
    return tuple(cuts[0]) if len(cuts) == 1 else (text,)


def _label_cuts(kind: str, compact: str, limit: int = 2) -> list[list[str]]:
    """Up to `limit` ways of cutting `compact` into two or more labels of the table (each at least
    two characters), to tell one way from several."""
    found: list[list[str]] = []

    def cut(start: int, parts: list[str]) -> None:
        if len(found) >= limit:
            return
        if start == len(compact):
            if len(parts) >= 2:
                found.append(parts)
            return
        for end in range(start + 2, len(compact) + 1):
            if match_label(kind, compact[start:end]):
                cut(end, parts + [compact[start:end]])

    cut(0, [])
    return found


@dataclass
class _Pending:
    """A table row whose cells cannot be placed by position: left to the arithmetic."""
    kind: str
    table: Table
    row: int
    row_paths: tuple[str, ...]
    label: str
    cells: list[Cell]                # its value cells, left to right
    by_col: dict[int, tuple]         # the table's value columns

    @property
    def columns(self) -> list[int]:
        return sorted(self.by_col)

    def field_ids(self) -> list[str | None]:
        """The field of each value column (None where the labels name no single field)."""
        found = [field_for(self.kind, self.row_paths, self.by_col[c][0]) for c in self.columns]
        return [f[0] if len(f) == 1 else None for f in found]

    @property
    def run_together(self) -> bool:
        return any(c.origin == RUN_TOGETHER for c in self.cells)

    def inferred(self, fid: str, value: float, col: int | None, raw: str = "") -> Value:
        page = self.cells[0].page if self.cells else None
        col_label = self.by_col[col][1] if col is not None else ""
        return Value(fid, value, raw, Kind.NUMBER, Origin.INFERRED, self.table.index, self.row, col, page,
                     row_label=self.label, col_label=col_label, label_match="inferred")


def _read_header_tables(kind: str, parts: list[Table], reading: Reading) -> list[_Pending]:
    """Map the value cells of a header table (and its continuations); returns the
    rows whose cells could not be placed, for the arithmetic to resolve."""
    columns: _Columns | None = None
    uncertain = []
    for table in parts:
        grid = table.grid()
        start = _first_data_row(grid, kind)
        if start is None:
            continue
        if start > 0:
            columns = _in_template_order(kind, _header_columns(kind, grid, start, table.n_cols), table, reading,
                                         grid[start - 1])
        if columns is None or not columns.by_col:
            reading.warnings.append(f"{kind}: table {table.index} has no recognisable column headers")
            continue
        by_col = columns.for_table(table.n_cols)
        if not by_col:  # a continuation narrower than the header's first value column: nothing places
            reading.warnings.append(f"{kind}: table {table.index} has none of the header's value columns")
            continue
        value_row = _template_value_row(kind, table, start)
        for r in range(start, table.n_rows):
            short = _read_row(kind, table, grid, r, by_col, reading, keep_empty=r == value_row)
            if short:
                uncertain.append(short)
    return uncertain


def _template_value_row(kind: str, table: Table, start: int) -> int | None:
    """Table 4 prints exactly one value row under its header. When no row of the table holds
    anything, that row is an unfilled form's: its cells are read as blanks, not skipped as a spacer."""
    if kind != "t4" or any(c.text.strip() for c in table.cells if c.row >= start):
        return None
    return start


def _read_row(kind, table, grid, r, by_col, reading, keep_empty: bool = False):
    value_cols = sorted(by_col)
    first_value_col = value_cols[0]
    label_cells = _distinct(grid[r][c] for c in range(first_value_col))
    label_cells = [c for c in label_cells if c.col < first_value_col and c.col + c.colspan <= first_value_col]
    row_label = " / ".join(c.text for c in label_cells if c.text.strip())
    slots = [grid[r][c] for c in value_cols]
    value_cells = _distinct(slots)
    if not any(parse_value(c.text).kind in ("number", "text", "dash") for c in value_cells) and not row_label \
            and not keep_empty:
        return None  # an empty spacer row
    if kind == "t4":
        rows = ("",)
        how = "exact"
    else:
        match = match_path(kind, "row", [c.text for c in label_cells]) or _label_cut_by_borders(kind, label_cells)
        if match is None:
            if any(parse_value(c.text).kind == "number" for c in value_cells) or row_label:
                reading.unmapped_label(kind, table, r, None, "row", row_label)
            return None
        rows, how = match.paths, match.how
    pending = _Pending(kind, table, r, rows, row_label, value_cells, by_col)
    if pending.run_together:  # digits printed with no separator
        if kind == "t3":
            return pending  # split with the other rows, under the column rules
        _resolve_short_rows([pending], reading)  # table 4: its one row holds all its rules
        return None
    # a value cell under no header column (a damaged table: found by tests/test_fuzz.py) is placed
    # like a misplaced one, by the arithmetic, instead of failing the report with a KeyError
    misplaced = any(s is None for s in slots) or any(
        c.colspan > 1 and sum(col in by_col for col in c.cols) > 1 or c.col < first_value_col
        or c.col not in by_col for c in value_cells)
    if misplaced:
        return pending
    for cell in value_cells:
        col_paths, col_printed, col_how = by_col[cell.col]
        fids = field_for(kind, rows, col_paths)
        if len(fids) != 1:
            if parse_value(cell.text).kind != "blank":
                reading.unmapped_label(kind, table, r, cell.col, "cell", f"{row_label} × {col_printed}")
            continue
        label_how = "fuzzy" if "fuzzy" in (how, col_how) else "exact"
        reading.add(_value(fids[0], cell, table, row_label, col_printed, label_how))
    return None


def _label_cut_by_borders(kind: str, label_cells: list[Cell]):
    """One label printed across several cells (a border drawn through it where a page left its
    cell's sides undrawn: 四、结转 | 下年度继 | 续办理): the cells' text joined, when that is
    exactly one of the template's labels."""
    if len(label_cells) < 2:
        return None
    match = match_path(kind, "row", ["".join("".join(c.text.split()) for c in label_cells)])
    return match if match is not None and match.how == "exact" else None


def _read_t3(parts: list[Table], reading: Reading) -> None:
    uncertain = _read_header_tables("t3", parts, reading)
    if uncertain:
        _resolve_short_rows(uncertain, reading)


def _read_t4(parts: list[Table], reading: Reading) -> None:
    for pending in _read_header_tables("t4", parts, reading):
        reading.warnings.append(f"t4: row {pending.row} of table {pending.table.index} has cells that "
                                f"cannot be placed; left missing")
    _undo_sliver_shift(reading)
    _infer_lost_last(reading)


def _infer_lost_last(reading: Reading) -> None:
    """Table 4 read but for its last column, whose cell a converter dropped (its label not
    printed either): the value follows from that column's group sum when every other sum of
    the table holds as printed. A sum of 0 is left missing: the cell may have been blank."""
    t4 = list(_column_fields("t4"))
    lost = [f for f in t4 if f not in reading.values]
    if lost != t4[-1:] or not any(f.startswith("t4.") for f in reading.values):
        return
    counted = EMPTY_KINDS | {Kind.NUMBER}
    known = {f: (v.value or 0.0) for f, v in reading.values.items() if f in t4 and v.kind in counted}
    if len(known) != len(t4) - 1:
        return
    sums = [e for e in equations(None) if all(t.startswith("t4.") for t in e.terms)]
    closing = [e for e in sums if lost[0] in e.terms]
    rest = [e for e in sums if e not in closing]
    if len(closing) != 1 or any(abs(sum(known[f] for f in e.lhs) - sum(known[f] for f in e.rhs)) > 1e-9 for e in rest):
        return
    eq = closing[0]
    side, other = (eq.lhs, eq.rhs) if lost[0] in eq.lhs else (eq.rhs, eq.lhs)
    value = sum(known[f] for f in other) - sum(known[f] for f in side if f != lost[0])
    if value <= 0:
        return
    last = max((v for f, v in reading.values.items() if f in t4), key=lambda v: (v.table, v.row, v.col or 0))
    reading.values[lost[0]] = Value(lost[0], value, "", Kind.NUMBER, Origin.INFERRED, last.table, last.row, None,
                                    last.page, row_label=last.row_label, label_match="inferred")
    reading.warnings.append(f"t4: {lost[0]} not printed (its column lost in conversion); inferred from the "
                            "table's sums, which hold for every other group")


@lru_cache(maxsize=None)
def _column_fields(kind: str) -> tuple[str, ...]:
    """The table's fields in the template's column order (data/fields.csv)."""
    return tuple(f.id for f in fields().values() if f.table == kind)


def _undo_sliver_shift(reading: Reading) -> None:
    """Table 4's value row shifted by a sliver cell. A converter that drops a column from the
    header but not from the value row (.docx → .odt → .docx through LibreOffice) leaves the
    row one empty cell too many: every value after it sits one column right and the last is
    lost. Every group of the table sums to its total, so the arithmetic tells: when the row as
    printed breaks a sum and dropping exactly one empty cell makes every sum hold (the lost
    last value then follows from its own sum), the values are moved back and say so."""
    row = sorted((v for f, v in reading.values.items() if f.startswith("t4.") and v.origin is not Origin.DERIVED),
                 key=lambda v: (v.table, v.row, v.col if v.col is not None else -1))
    if len(row) < 2 or len({(v.table, v.row) for v in row}) != 1 or any(v.col is None for v in row):
        return
    fids = [v.field for v in row]
    sums = [e for e in equations(None) if all(t.startswith("t4.") for t in e.terms)]

    def holds(values: dict[str, float], eqs) -> bool:
        return all(abs(sum(values[f] for f in e.lhs) - sum(values[f] for f in e.rhs)) < 1e-9 for e in eqs)

    printed = {f: (v.value or 0.0) for f, v in zip(fids, row) if v.kind in ("number", "blank", "dash")}
    if len(printed) != len(fids) or holds(printed, [e for e in sums if set(e.terms) <= set(fids)]):
        return
    lost = fids[-1]
    readings = []
    for k, v in enumerate(row):
        if v.kind != "blank":
            continue
        moved = [w for j, w in enumerate(row) if j != k]
        values = {f: (w.value or 0.0) for f, w in zip(fids, moved)}
        closing = [e for e in sums if lost in e.terms]
        rest = [e for e in sums if e not in closing and set(e.terms) <= set(values)]
        if len(closing) != 1 or not holds(values, rest):
            continue
        eq = closing[0]
        side = eq.lhs if lost in eq.lhs else eq.rhs
        other = eq.rhs if side is eq.lhs else eq.lhs
        value = sum(values[f] for f in other) - sum(values[f] for f in side if f != lost)
        if value >= 0:
            readings.append((k, moved, value))
    if len(readings) > 1:      # several empty cells could be the extra one: what follows the first is unsure
        first = readings[0][0]
        for fid in fids[first:]:
            del reading.values[fid]
        reading.warnings.append("t4: the value row breaks the table's sums as if shifted by an empty cell, "
                                f"and more than one empty cell could be it; {', '.join(fids[first:])} left missing")
        return
    if not readings:
        return
    _, moved, value = readings[0]
    labels = {f: v.col_label for f, v in zip(fids, row)}
    for fid, w in zip(fids, moved):
        reading.values[fid] = replace(w, field=fid, col_label=labels[fid], label_match="inferred")
    last = row[-1]
    reading.values[lost] = Value(lost, value, "", Kind.NUMBER, Origin.INFERRED, last.table, last.row, None,
                                 last.page, row_label=last.row_label, col_label=labels[lost], label_match="inferred")
    reading.warnings.append("t4: the value row prints one empty cell more than the header has columns (a column "
                            "lost in conversion); its values were moved back by the table's sums, and "
                            f"{lost} inferred from them")


def _resolve_short_rows(uncertain: list[_Pending], reading: Reading) -> None:
    """Rows that print fewer value cells than there are columns (or merge value
    cells) cannot be placed by position. The table's own arithmetic may force
    their values; when it does, and the printed numbers agree, they are kept
    as inferred. Otherwise they stay missing, with a warning. Rows whose digits
    run together are split first (normalize/digits.py)."""
    runs = [p for p in uncertain if p.run_together]
    if runs:
        _split_run_rows(runs, reading)
    short = [p for p in uncertain if not p.run_together]
    if not short:
        return
    row_fields = [p.field_ids() for p in short]
    unknown = {f for fs in row_fields for f in fs if f}
    solved = solve(_known(reading), unknown, equations(_layout(set(reading.values) | unknown, "t3")))
    for pending, fids in zip(short, row_fields):
        printed = [parse_value(c.text).value for c in pending.cells]
        values = [solved.get(f) if f else None for f in fids]
        counts = f"prints {len(pending.cells)} cells for {len(fids)} columns"
        if None in values or not _is_subsequence(printed, values):
            reading.warnings.append(f"{pending.kind}: row '{pending.label}' {counts} and the table's "
                                    f"arithmetic does not place them; its values are left missing")
            continue
        reading.warnings.append(f"{pending.kind}: row '{pending.label}' {counts}; "
                                f"all {len(fids)} values inferred from the table's arithmetic")
        for fid, value in zip(fids, values):
            reading.add(pending.inferred(fid, value, None))


def _known(reading: Reading) -> dict[str, float]:
    """Printed values as the arithmetic counts them: blank and dash as 0."""
    return {f: (v.value or 0.0) for f, v in reading.values.items()
            if v.kind in EMPTY_KINDS or (v.kind is Kind.NUMBER and v.origin is Origin.PRINTED)}


def _split_run_rows(runs: list[_Pending], reading: Reading) -> None:
    """Place run-together digits with the template arithmetic; ambiguous ones stay missing."""
    specs, columns = [], []
    grids = {id(p.table): p.table.grid() for p in runs}  # once per table, not once per row
    for pending in runs:
        grid_row, seen = grids[id(pending.table)][pending.row], set()
        fids, cols, digits = [], [], ""
        for c, fid in zip(pending.columns, pending.field_ids()):
            cell = grid_row[c]
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            if cell.origin == RUN_TOGETHER:
                fids.append(fid)
                cols.append(c)
                digits += cell.text
            elif fid:
                reading.add(_value(fid, cell, pending.table, pending.label, pending.by_col[c][1], "exact"))
        specs.append(RunRow(fids, unicodedata.normalize("NFKC", digits).strip()))
        columns.append(cols)
    template = _layout(set(reading.values) | {f for s in specs for f in s.fids if f}, "t3")
    result = split_runs(specs, _known(reading), equations(template))
    for i, (pending, spec, cols) in enumerate(zip(runs, specs, columns)):
        for fid, c in zip(spec.fids, cols):
            if fid in result.values:
                reading.add(pending.inferred(fid, result.values[fid], c, raw=spec.digits))
        if i in result.unresolved:
            reading.warnings.append(f"{pending.kind}: row '{pending.label}' prints its digits run together "
                                    f"('{spec.digits}'): {result.unresolved[i]}; the values it cannot place "
                                    f"are left missing")


def _is_subsequence(printed: list, values: list) -> bool:
    it = iter(values)
    return all(any(p == v for v in it) for p in printed)


# --- table 2: blocks walked row by row ----------------------------------------

def _block_paths() -> frozenset[str]:
    idx = index("t2")
    leaves = idx.leaves["row"] | idx.leaves["col"]
    return frozenset(p.rsplit("/", 1)[0] for p in leaves if "/" in p)


def _read_t2(parts: list[Table], reading: Reading) -> None:
    blocks = _block_paths()
    block = ""
    headers: dict[int, Cell] = {}
    for table in parts:
        grid = table.grid()
        for r in range(table.n_rows):
            cells = _distinct(grid[r])
            texts = [c for c in cells if parse_value(c.text).kind == "text"]
            leading = []
            for cell in cells:
                if parse_value(cell.text).kind != "text":
                    break
                leading.append(cell)
            block_cells = [c for c in leading if match_label("t2", c.text) & blocks]
            if block_cells:
                block = block_cells[-1].text
                headers = {}
                leading = [c for c in leading if c not in block_cells]
            if not leading and not any(_is_value_like(c) and parse_value(c.text).kind != "blank" for c in cells):
                continue
            if _is_header_row(cells, texts):
                headers = {col: c for c in cells for col in c.cols}
                continue
            if not leading:
                if any(parse_value(c.text).kind in ("number", "dash") for c in cells):
                    reading.unmapped_label("t2", table, r, None, "row", "")
                continue
            _read_t2_row(table, r, block, leading[0], cells, headers, reading)


def _is_header_row(cells: list[Cell], texts: list[Cell]) -> bool:
    """A row naming columns: no numbers, and a column label after the first cell."""
    if any(parse_value(c.text).kind == "number" for c in cells):
        return False
    idx = index("t2")
    return any(match_label("t2", c.text) & idx.leaves["col"] for c in texts[1:]) or \
        any(label_key(c.text) == "信息内容" for c in texts[:1])


def _read_t2_row(table, r, block, label: Cell, cells, headers, reading) -> None:
    row = match_path("t2", "row", [block, label.text])
    value_cells = [c for c in cells if c.col > label.col and c is not label]
    if any(c.origin == RUN_TOGETHER for c in value_cells):
        # table 2 has no row sums to split digits by: one long number would be a wrong one
        reading.warnings.append(f"t2: row '{label.text}' prints its digits run together; left missing")
        return
    if row is None:
        if any(parse_value(c.text).kind == "number" for c in value_cells):
            reading.unmapped_label("t2", table, r, label.col, "row", label.text)
        return
    for cell in value_cells:
        header = headers.get(cell.col)
        col = match_path("t2", "col", [block, header.text]) if header else None
        fids = field_for("t2", row.paths, col.paths) if col else []
        if len(fids) != 1:
            if parse_value(cell.text).kind != "blank":
                reading.unmapped_label("t2", table, r, cell.col, "cell",
                                       f"{label.text} × {header.text if header else '(no header)'}")
            continue
        how = "fuzzy" if "fuzzy" in (row.how, col.how) else "exact"
        reading.add(_value(fids[0], cell, table, label.text, header.text, how))


# --- templates and derived values -----------------------------------------------

def _template(reading: Reading, table: str) -> str | None:
    """The layout of one table, from the fields it printed: 2019, 2021 or None."""
    return _layout({f for f, v in reading.values.items() if v.origin is not Origin.DERIVED}, table)


def _layout(field_ids: set[str], table: str) -> str | None:
    versions = {fields()[f].template for f in field_ids if f.startswith(table + ".")}
    versions.discard("both")
    if len(versions) == 1:
        return versions.pop()
    if len(versions) > 1:
        return "mixed"
    return None


def _derive_sums(reading: Reading) -> None:
    """Fields the layout does not print but defines as a sum (2021's （六）其他处理)."""
    for f in fields().values():
        if not f.sum_of or f.id in reading.values:
            continue
        parts = [reading.values.get(p) for p in f.sum_of]
        if all(p is None for p in parts):
            continue
        if any(p is None or p.value is None and p.kind not in EMPTY_KINDS for p in parts):
            reading.warnings.append(f"{f.id}: not derived, a part is missing or not a number")
            continue
        total = sum(p.value or 0.0 for p in parts)
        reading.values[f.id] = Value(f.id, total, "", Kind.NUMBER, Origin.DERIVED, label_match="derived",
                                     row_label=f.label_zh, col_label="")
