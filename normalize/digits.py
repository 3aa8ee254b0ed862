"""Run-together digits: split "713000074" into a row's columns with the template arithmetic.

Crawler text often prints a table row's value cells with no separator, so a
row of seven counts arrives as one digit run. Each cell of these tables is a
count of 1–4 digits (a leading zero only for "0" itself), and the template's
equations (R3 per row, R1/R4 per column, R5 per group) tie the cells
together. The split is found in two steps:

1. each row's candidate splits are enumerated, pruned by the equations that
   lie inside the row (R3, R5) as soon as their terms are placed;
2. rows are combined under the equations across rows (R1, R4) by
   backtracking, pruned with the interval each unplaced row can still
   contribute to each equation.

A value is returned only when every consistent combination agrees on it;
when several fit, the field is left out (never pick one), and the caller says
so in a warning.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Mapping

from .rules import Equation

log = logging.getLogger(__name__)

RUN_TOGETHER = "run-together"   # Cell.origin of digits printed with no separator (extract/text.py)
MIN_DIGITS, MAX_DIGITS = 1, 4
MAX_SOLUTIONS = 64          # more consistent combinations than this: the run is ambiguous anyway
MAX_NODES = 200_000         # search budget, far above what real tables need


@dataclass
class RunRow:
    fids: list[str | None]  # the fields of the columns the run covers, left to right
    digits: str
    # positions in `digits` where a cell must end (a space or a dash printed there) and where
    # none may (inside a thousands-grouped 1,234): flattened text keeps some boundaries
    breaks: frozenset[int] = frozenset()
    joins: frozenset[int] = frozenset()


# A number (thousands groups, decimals, a unit) or a dash, as flattened text prints a cell
TOKEN = re.compile(r"(?P<num>\d[\d,，]*(?:[.．]\d+)?)(?P<unit>万元|元|件|条|个|项|次)?|(?P<dash>——|—|–|-|/|／|无)")
THOUSANDS = re.compile(r"^\d{1,3}(?:[,，]\d{3})+$")


@dataclass
class PrintedRun:
    """The value text printed after one row label, as digits and the cell boundaries it keeps."""
    raw: str
    digits: str = ""
    breaks: set[int] = field(default_factory=set)    # a cell ends here
    joins: set[int] = field(default_factory=set)     # a cell does not end here (inside 1,234)
    dashes: dict[int, str] = field(default_factory=dict)   # digit position → the dash printed there
    bad: str = ""                                    # why the text cannot be cells

    @property
    def n_tokens(self) -> int:
        return len(self.breaks)

    def row(self, fids: list[str | None]) -> RunRow:
        return RunRow(fids, self.digits, frozenset(self.breaks), frozenset(self.joins))


def printed_run(raw: str) -> PrintedRun:
    """Digits and boundaries of a row's value text: a space, a dash or a unit ends a cell, a
    thousands group holds one; a dash counts as a 0 digit."""
    cells = PrintedRun(raw)
    for token in re.split(r"\s+", raw.strip()):
        pos = 0
        while pos < len(token):
            m = TOKEN.match(token, pos)
            if not m:
                cells.bad = f"'{token}' is not a number"
                return cells
            pos = m.end()
            if m.group("dash"):
                cells.dashes[len(cells.digits)] = m.group("dash")
                cells.digits += "0"
            else:
                number = m.group("num")
                if re.search(r"[.．]", number):
                    cells.bad = f"'{number}' is not a count"
                    return cells
                if re.search(r"[,，]", number):
                    if not THOUSANDS.match(number):
                        cells.bad = f"'{number}' is not a number"
                        return cells
                    cells.joins.update(_inside_groups(len(cells.digits), number))
                cells.digits += re.sub(r"[,，]", "", number)
            cells.breaks.add(len(cells.digits))
            if m.group("dash") and len(cells.digits) > 1:
                cells.breaks.add(len(cells.digits) - 1)
    return cells


def _inside_groups(offset: int, number: str) -> set[int]:
    """Positions inside a thousands-grouped number, where no cell may end."""
    digits = re.sub(r"[,，]", "", number)
    return set(range(offset + 1, offset + len(digits)))


@dataclass
class SplitResult:
    values: dict[str, float] = field(default_factory=dict)  # fields every consistent split agrees on
    unresolved: dict[int, str] = field(default_factory=dict)  # row index -> plain reason
    readings: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)  # row index -> every split that fits


def split_runs(rows: list[RunRow], known: Mapping[str, float], eqs: list[Equation]) -> SplitResult:
    """Values of the run rows' fields that the digits and the equations force."""
    result = SplitResult()
    run_fields = {f for row in rows for f in row.fids if f}
    usable = [eq for eq in eqs if _usable(eq, run_fields, known)]
    candidates = []
    for i, row in enumerate(rows):
        local = [eq for eq in usable if set(eq.terms) <= set(row.fids) | set(known)]
        options = row_splits(row, local, known) if row.digits.isdigit() else []
        if not options:
            result.unresolved[i] = "no split of its digits into cells of 1–4 digits fits the table's rules"
        candidates.append(options)
    live = [i for i, options in enumerate(candidates) if options]
    solutions, complete = _combine([rows[i] for i in live], [candidates[i] for i in live], usable, known)
    if not solutions:
        for i in live:
            result.unresolved.setdefault(i, "no combination of the rows' splits satisfies the table's rules")
        return result
    for pos, i in enumerate(live):
        seen = {s[pos] for s in solutions}
        if not complete and len(candidates[i]) > 1:
            result.unresolved[i] = "too many splits fit; not searched to the end"
            continue
        for j, fid in enumerate(rows[i].fids):
            values = {split[j] for split in seen}
            if fid and len(values) == 1:
                result.values[fid] = float(values.pop())
        if len(seen) > 1:
            result.unresolved[i] = f"{len(seen)} different splits fit the table's rules"
            result.readings[i] = sorted(seen)
    return result


def _usable(eq: Equation, run_fields: set[str], known: Mapping[str, float]) -> bool:
    """An equation helps only if it touches a run and all its other terms are known."""
    terms = set(eq.terms)
    return bool(terms & run_fields) and terms <= run_fields | set(known)


def splits(digits: str, n: int, max_digits: int = MAX_DIGITS) -> list[tuple[int, ...]]:
    """Every split of `digits` into n counts of 1–max_digits digits (no leading zeros)."""
    out: list[tuple[int, ...]] = []
    _split_into(_Cuts(digits, frozenset(), frozenset(), max_digits), 0, n, (), out, None)
    return out


@dataclass(frozen=True)
class _Cuts:
    """A digit run and the boundaries it keeps."""
    digits: str
    breaks: frozenset[int]
    joins: frozenset[int]
    max_digits: int = MAX_DIGITS

    def widths(self, pos: int):
        """The cell widths allowed at `pos`: not across a kept break, not ending inside a group."""
        for width in range(MIN_DIGITS, self.max_digits + 1):
            end = pos + width
            if end > len(self.digits) or (width > 1 and self.digits[pos] == "0"):
                return
            if end not in self.joins:
                yield width
            if end in self.breaks:
                return


def row_splits(row: RunRow, local: list[Equation], known: Mapping[str, float]) -> list[tuple[int, ...]]:
    """Splits of one row that satisfy the equations lying inside it."""
    positions = {f: j for j, f in enumerate(row.fids) if f}
    checks: dict[int, list] = {}
    for eq in local:  # check each equation once its last term in this row is placed
        last = max(positions[f] for f in eq.terms if f in positions)
        coeffs = [(positions.get(f), known.get(f, 0.0), 1 if f in eq.lhs else -1) for f in eq.terms]
        checks.setdefault(last, []).append(coeffs)
    out: list[tuple[int, ...]] = []
    _split_into(_Cuts(row.digits, row.breaks, row.joins), 0, len(row.fids), (), out, checks)
    return out


def _split_into(cuts: _Cuts, pos: int, n: int, done: tuple, out: list, checks) -> None:
    rest = len(cuts.digits) - pos
    if n == 0:
        if not rest:
            out.append(done)
        return
    if not MIN_DIGITS * n <= rest <= cuts.max_digits * n:
        return
    for width in cuts.widths(pos):
        placed = done + (int(cuts.digits[pos:pos + width]),)
        if checks and not _holds(checks.get(len(placed) - 1, ()), placed):
            continue
        _split_into(cuts, pos + width, n - 1, placed, out, checks)


def _holds(coeff_lists, placed: tuple) -> bool:
    for coeffs in coeff_lists:
        total = sum(sign * (placed[pos] if pos is not None else value) for pos, value, sign in coeffs)
        if total != 0:
            return False
    return True


def _combine(rows: list[RunRow], candidates: list[list[tuple]], eqs: list[Equation],
             known: Mapping[str, float]) -> tuple[list[tuple], bool]:
    """All combinations of row splits satisfying the equations across rows (up to a cap).

    Returns (solutions, complete); solutions are tuples with one split per row.
    """
    order = sorted(range(len(rows)), key=lambda i: len(candidates[i]))
    cross = [eq for eq in eqs if len({i for i, row in enumerate(rows) for f in row.fids if f in eq.terms}) > 1]
    # each row's contribution (signed sum of its cells) to each cross-row equation, per candidate
    contrib = [[[_contribution(eq, rows[i].fids, split) for eq in cross] for split in candidates[i]]
               for i in range(len(rows))]
    constant = [sum((1 if f in eq.lhs else -1) * known.get(f, 0.0) for f in eq.terms
                    if not any(f in row.fids for row in rows)) for eq in cross]
    low = [[min(c[e] for c in contrib[i]) for e in range(len(cross))] for i in range(len(rows))]
    high = [[max(c[e] for c in contrib[i]) for e in range(len(cross))] for i in range(len(rows))]
    rem_low = [sum(low[i][e] for i in range(len(rows))) for e in range(len(cross))]
    rem_high = [sum(high[i][e] for i in range(len(rows))) for e in range(len(cross))]
    acc = list(constant)
    chosen: list[int | None] = [None] * len(rows)
    solutions: list[tuple] = []
    budget = [MAX_NODES]

    def feasible() -> bool:
        return all(acc[e] + rem_low[e] <= 0 <= acc[e] + rem_high[e] for e in range(len(cross)))

    def visit(depth: int) -> bool:
        if depth == len(order):
            solutions.append(tuple(candidates[i][chosen[i]] for i in range(len(rows))))
            return len(solutions) < MAX_SOLUTIONS
        i = order[depth]
        for e in range(len(cross)):
            rem_low[e] -= low[i][e]
            rem_high[e] -= high[i][e]
        go_on = True
        for k, c in enumerate(contrib[i]):
            budget[0] -= 1
            if budget[0] <= 0:
                go_on = False
                break
            for e in range(len(cross)):
                acc[e] += c[e]
            if feasible():
                chosen[i] = k
                go_on = visit(depth + 1)
            for e in range(len(cross)):
                acc[e] -= c[e]
            if not go_on:
                break
        for e in range(len(cross)):
            rem_low[e] += low[i][e]
            rem_high[e] += high[i][e]
        return go_on

    complete = visit(0) if feasible() else True
    return solutions, complete and budget[0] > 0


def _contribution(eq: Equation, fids: list, split: tuple) -> float:
    return sum((1 if f in eq.lhs else -1) * v for f, v in zip(fids, split) if f in eq.terms)


# --- table 2: no arithmetic, only the column types ---------------------------------------------

_INT = r"(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)"
_COUNT_UNIT = r"(?:件|条|个|项|次)?"
# what one cell may print, by the field's type (data/fields.csv): counts never start with 0 unless
# they are 0; only 本年增/减 carries a sign; only amounts carry decimals and a money unit
CELL_PATTERNS = {
    "integer": re.compile(_INT + _COUNT_UNIT),
    "signed_integer": re.compile(r"[+\-−]?" + _INT + _COUNT_UNIT),   # − (U+2212) survives NFKC
    "decimal": re.compile(_INT + r"(?:\.\d+)?(?:万元|元)?"),
}
DASH_CELL = re.compile(r"——|—|–|-|/|／|无")
MAX_LISTED = 100              # readings enumerated to list (warnings show fewer); all are counted


@dataclass(frozen=True)
class Readings:
    """The ways printed tokens fill a row's columns, a blank cell being one that printed nothing."""
    total: int                                   # how many readings fit
    full: int                                    # of them, readings where every cell printed something
    listed: list[tuple[str | None, ...]]         # readings with every cell printed first, then the others

    @property
    def unique(self) -> tuple[str | None, ...] | None:
        return self.listed[0] if self.total == 1 else None


def show_reading(reading: tuple[str | None, ...]) -> str:
    """89/89/89; a blank cell as 空."""
    return "/".join("空" if piece is None else piece for piece in reading)


def typed_readings(tokens: list[str], types: list[str]) -> Readings:
    """Every way whitespace-separated tokens make a row's cells, in column order.

    A cell never crosses whitespace; a token may hold several cells glued together;
    any cell may be blank (a blank leaves no trace in flattened text). Each piece must
    be what its column's type can print (data/fields.csv), or a dash. Table 2 has no
    sums, so these are all the constraints there are: a row is read only when exactly
    one reading fits.
    """
    patterns = [CELL_PATTERNS.get(t, CELL_PATTERNS["integer"]) for t in types]
    tokens = [t for t in tokens if t]

    @lru_cache(maxsize=None)
    def moves(t: int, p: int, col: int, blanks: bool) -> tuple:
        """(piece, next state) for one column: blank, or a piece of the current token."""
        out = [(None, (t, p))] if blanks else []
        if t < len(tokens):
            token = tokens[t]
            for end in range(p + 1, len(token) + 1):
                piece = token[p:end]
                if patterns[col].fullmatch(piece) or DASH_CELL.fullmatch(piece):
                    out.append((piece, (t + 1, 0) if end == len(token) else (t, end)))
        return tuple(out)

    @lru_cache(maxsize=None)
    def count(t: int, p: int, col: int, blanks: bool) -> int:
        if col == len(types):
            return int(t == len(tokens))
        return sum(count(*at, col + 1, blanks) for _, at in moves(t, p, col, blanks))

    def walk(t: int, p: int, col: int, done: tuple, blanks: bool):
        if col == len(types):
            if t == len(tokens):
                yield done
            return
        for piece, at in moves(t, p, col, blanks):
            if count(*at, col + 1, blanks):
                yield from walk(*at, col + 1, done + (piece,), blanks)

    full = list(islice(walk(0, 0, 0, (), False), MAX_LISTED))
    others = islice((r for r in walk(0, 0, 0, (), True) if None in r), MAX_LISTED)
    return Readings(count(0, 0, 0, True), count(0, 0, 0, False), full + list(others))
