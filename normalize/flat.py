"""Flattened text: a report body printed as one line (or a few), table cells glued together.

Crawlers and "copy text" often keep a page as one long line: labels and
numbers run together ("…申请数量230 000023二、上年结转…"). No grid survives,
so the text is cut by what is certain, the template: its section headings and
its row labels, in their printed order (data/labels.csv), and the digits
between two labels are split into the row's cells by the template's
arithmetic (normalize/digits.py). Spaces, dashes and unit suffixes the text
keeps are cell boundaries; a row printed with one space around every cell is
read whole, an empty cell being an empty piece between two spaces.

A blank cell glued between others leaves no trace. Tables 3 and 4 are split
on the reading that every cell prints something (crawler copies print their
zeros); a row with fewer digits than cells shows that blanks hide in the text,
and then none of that table's runs is split. Table 2 has no sums: its only
constraints are the column types of data/fields.csv (a count has no leading
zero, only 本年增/减 is signed, only an amount has decimals and a money unit),
and a run is split only when no other reading fits, blanks included ("000" for
three columns). Otherwise its cells are left missing, never guessed: they keep
the printed run (kind missing) and the warning lists the readings, as it lists
the splits a table-3/4 run's sums allow, so a person can pick one (R13 repeats
them in the audit).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .digits import PrintedRun, Readings, printed_run, row_splits, show_reading, split_runs, typed_readings
from .labels import index
from .rules import equations
from .schema import T3_COLUMNS, fields, labels
from .tables import Reading, _derive_sums, _template
from .value import Kind, Origin, Value
from .text import _PINYIN, _QUOTES, _T2S, label_key
from ogi.extract.printed import parse_value


@dataclass(frozen=True)
class FlatSettings:
    min_body_chars: int = 300        # a paragraph shorter than this is not a flattened page body
    max_gap: int = 160               # chars between two consecutive row labels of one table
    min_header_labels: int = 3       # column labels a table's header must print
    max_first_tries: int = 20        # occurrences of a table's first row label tried as its start
    readings_listed: int = 20        # readings (splits) a warning lists for a row it cannot read
    rest_checked: int = 40           # chars after a row's values that must hold no digit


SETTINGS = FlatSettings()
SECTION_NUMERALS = "一二三四五六"
VALUE_RUN = re.compile(r"(?:[\d\s,.．，—–\-+−/／]|无(?![\u4e00-\u9fff])|(?<=\d)(?:万元|元|件|条|个|项|次))+")
DASH_CHARS = "—–-/／无"
NUMBERING = re.compile(r"^[(]?([一二三四五六七八九十]{1,3}|\d{1,2})[)、.]")
NOTE = re.compile(r"^[(](?=[^()]*[\u4e00-\u9fff])[^()]{2,200}[)]")   # values are never in brackets
ORDINAL_NOTE = re.compile(r"^[(][一二三四五六七八九十]{1,3}[)]")


# --- the text, normalized once ------------------------------------------------------------

@dataclass
class _Text:
    """The body NFKC/simplified with whitespace kept, and a compact copy (no whitespace) to find labels in."""
    norm: str
    compact: str
    at: list[int]                    # compact index → norm index

    @classmethod
    def of(cls, text: str) -> "_Text":
        norm = _simplified(_PINYIN.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES)))  # 强(qiáng)制
        at = [i for i, c in enumerate(norm) if not c.isspace()]
        return cls(norm, "".join(norm[i] for i in at), at)

    def find(self, keys, start: int, end: int | None = None) -> tuple[int, int] | None:
        """The earliest (compact start, compact end) of any key in compact[start:end]; the longest key on ties."""
        best = None
        for key in keys:
            pos = self.compact.find(key, start, end if end is not None else len(self.compact))
            if pos >= 0 and (best is None or pos < best[0] or pos == best[0] and pos + len(key) > best[1]):
                best = (pos, pos + len(key))
        return best

    def raw(self, start: int, end: int) -> str:
        """The normalized text between two compact positions, with the whitespace around it."""
        if start > end:
            return ""
        a = self.at[start - 1] + 1 if start > 0 else 0
        b = self.at[end] if end < len(self.at) else len(self.norm)
        return self.norm[a:b]


CJK_RUN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]+")


@lru_cache(maxsize=None)
def _traditional() -> frozenset[str] | None:
    """Characters OpenCC's t2s would change, or start a phrase it would; None if its tables are not at hand."""
    _T2S.convert("")  # loads the dictionaries
    chain = getattr(_T2S, "_dict_chain_data", None)
    try:
        mappings = [entry[-1] for group in chain for entry in group]
    except TypeError:
        return None
    chars = {k for m in mappings for k, v in m.items() if len(k) == 1 and v != k}
    chars |= {k[0] for m in mappings for k, v in m.items() if len(k) > 1 and v != k and not set(k) & chars}
    return frozenset(chars)


def _simplified(text: str) -> str:
    """Traditional → simplified, run by run of Chinese characters: the whole page through OpenCC
    costs more than the reading itself, and nearly every run is simplified already."""
    changing = _traditional()

    def convert(match):
        run = match.group(0)
        if changing is not None and changing.isdisjoint(run):
            return run
        out = _T2S.convert(run)
        return out if len(out) == len(run) else run  # positions must stay aligned
    return CJK_RUN.sub(convert, text)


# --- the template's labels ----------------------------------------------------------------

@lru_cache(maxsize=None)
def _keys(table: str, path: str) -> tuple[str, ...]:
    """Search keys of one canonical label path: its official leaf and every recorded variant."""
    keys = {label_key(path.split("/")[-1])}
    for lab in labels():
        if lab.table == table and lab.canonical_path == path:
            keys.add(label_key(lab.variant))
    return tuple(sorted((k for k in keys if k), key=len, reverse=True))


@lru_cache(maxsize=None)
def _heading_keys(numbered: bool = True) -> dict[str, tuple[str, ...]]:
    """Numeral → the section heading as it may be printed: numbered, or (numbered=False) without its numeral."""
    out: dict[str, set[str]] = {}
    for lab in labels():
        if lab.table != "heading" or lab.canonical_path[:1] not in SECTION_NUMERALS:
            continue
        numeral = lab.canonical_path[0]
        variant = label_key(lab.variant)
        out.setdefault(numeral, set()).add(numeral + "、" + variant if numbered else variant)
    return {n: tuple(sorted(k, key=len, reverse=True)) for n, k in out.items()}


def _t3_rows(layout: str) -> list[str]:
    rows = []
    for f in fields().values():
        if f.table == "t3" and f.printed_in(layout) and f.row_paths[0] not in rows:
            rows.append(f.row_paths[0])
    return rows


def _t3_fields(row: str) -> list[str | None]:
    """The fields of a table-3 row, in column order (the columns named as t3.new's are)."""
    return [index("t3").by_pair.get((row, fields()[f"t3.new.{c}"].col_paths[0])) for c in T3_COLUMNS]


# --- the reading ------------------------------------------------------------------------------

@dataclass
class FlatReading:
    reading: Reading
    paragraphs: list[str]            # the body cut at its section headings, tables left out
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)   # table → compact span


def is_flat(paragraphs: list[str]) -> bool:
    return any(len(p) >= SETTINGS.min_body_chars for p in paragraphs)


def read_flat(paragraphs: list[str]) -> FlatReading:
    """The three tables and the section paragraphs of a flattened body."""
    text = _Text.of("\n".join(paragraphs))
    heads = _headings(text)
    reading = Reading()
    spans: dict[str, tuple[int, int]] = {}
    bounds = _table_bounds(heads, len(text.compact))
    pos = 0
    for table, reader in (("t2", _read_t2), ("t3", _read_t3), ("t4", _read_t4)):
        start, end = bounds[table]
        span = reader(text, max(pos, start), end, reading)
        if span:
            # the table's header and notes go with it: from its section heading when there is one
            spans[table] = (start if start > 0 else span[0], span[1])
            pos = span[1]
    for value in reading.values.values():  # no grid: the column is named by the template
        cols = fields()[value.field].col_paths
        value.col_label = value.col_label or (cols[0].split("/")[-1] if cols else "")
        value.row_label = "" if value.row_label == value.field[:2] else value.row_label  # table 4 has no row label
    reading.templates = {"t2": _template(reading, "t2"), "t3": _template(reading, "t3")}
    _derive_sums(reading)
    return FlatReading(reading, _section_paragraphs(text, heads, spans), spans)


def _headings(text: _Text) -> list[tuple[str, int, int]]:
    """(numeral, compact start, compact end) of the six headings found in order. A heading printed
    without its numeral is looked for only between the headings found before and after it: such
    words are common in prose."""
    found, pos = {}, 0
    for numeral, keys in _heading_keys().items():
        hit = text.find(keys, pos)
        if hit:
            found[numeral] = hit
            pos = hit[1]
    for k, numeral in enumerate(SECTION_NUMERALS):
        if numeral in found:
            continue
        before = [found[n][1] for n in SECTION_NUMERALS[:k] if n in found]
        after = [found[n][0] for n in SECTION_NUMERALS[k + 1:] if n in found]
        if before and after:
            hit = text.find(_heading_keys(numbered=False).get(numeral, ()), max(before), min(after))
            if hit:
                found[numeral] = hit
    return [(n, *found[n]) for n in SECTION_NUMERALS if n in found]


def _table_bounds(heads, size: int) -> dict[str, tuple[int, int]]:
    """Where each table may be: from its section heading to the next heading (the whole text if not found)."""
    starts = {n: (s, e) for n, s, e in heads}
    out = {}
    for table, numeral in (("t2", "二"), ("t3", "三"), ("t4", "四")):
        start = starts[numeral][1] if numeral in starts else 0
        order = SECTION_NUMERALS.index(numeral)
        later = [s for n, s, _ in heads if SECTION_NUMERALS.index(n) > order and s >= start]
        out[table] = (start, min(later) if later else size)
    return out


def _section_paragraphs(text: _Text, heads, spans) -> list[str]:
    """Headings as paragraphs of their own, body text between them, table text left out."""
    cuts = sorted(spans.values())
    out, pos = [], 0
    marks = [(s, e, True) for _, s, e in heads] + [(s, e, False) for s, e in cuts]
    for start, end, is_heading in sorted(marks):
        if start < pos:
            continue
        before = text.raw(pos, start).strip()
        if before:
            out.append(before)
        if is_heading:
            out.append(text.raw(start, end).strip())
        pos = end
    rest = text.raw(pos, len(text.compact)).strip()
    if rest:
        out.append(rest)
    return out


# --- cells of one row: the value text after a label -------------------------------------------

def _after_label(text: _Text, end: int) -> int:
    """Skip a label's trailing note: （区分处理的，只计这一情形，不计其他情形）."""
    rest = text.compact[end:end + 210]
    if ORDINAL_NOTE.match(rest):
        return end
    note = NOTE.match(rest)
    return end + note.end() if note else end


@lru_cache(maxsize=None)
def _numbering_tail(path: str):
    """The numbering printed before a label ("2." of 2.其他法律…, "（四）" of （四）无法提供), as it may end a gap."""
    leaf = unicodedata.normalize("NFKC", path.split("/")[-1])
    match = NUMBERING.match(leaf)
    if not match:
        return None
    return re.compile(r"[(]?" + re.escape(match.group(1)) + r"[)、.][ \t]*$")


def _value_text(text: _Text, start: int, end: int, next_path: str | None = None) -> tuple[str, str]:
    """(value text, what follows it) between two labels: the numbering of the next label left out."""
    raw = text.raw(start, end)
    tail = _numbering_tail(next_path) if next_path else None
    numbering = tail.search(raw) if tail else None
    if numbering:
        raw = raw[:numbering.start()]
    match = VALUE_RUN.match(raw)
    value = match.group(0) if match else ""
    rest = raw[len(value):]
    if re.search(r"\d", rest[:SETTINGS.rest_checked]):
        return None, rest  # a digit among label text: the cut between labels is not understood
    return value, rest


# --- tables 3 and 4: split with the arithmetic --------------------------------------------------

def _align(text: _Text, rows: list[str], table: str, start: int, end: int):
    """Each row label's compact span, in order; the first row's occurrence that chains the most rows."""
    best: list = []
    pos = start
    for _ in range(SETTINGS.max_first_tries):
        first = text.find(_keys(table, rows[0]), pos, end)
        if first is None:
            break
        found = [first]
        last = _after_label(text, first[1])
        for row in rows[1:]:
            hit = text.find(_keys(table, row), last, min(end, last + SETTINGS.max_gap))
            found.append(hit)
            if hit:
                last = _after_label(text, hit[1])
        if sum(h is not None for h in found) > sum(h is not None for h in best):
            best = found
        if all(found):
            break
        pos = first[1]
    return best


def _read_t3(text: _Text, start: int, end: int, reading: Reading):
    choices = []
    for layout in ("2021", "2019"):
        rows = _t3_rows(layout)
        found = _align(text, rows, "t3", start, end)
        choices.append((sum(h is not None for h in found), layout, rows, found))
    n, layout, rows, found = max(choices, key=lambda c: (c[0], -len(c[2])))
    if n < SETTINGS.min_header_labels or not _header_ok(text, "t3", start, found[0][0]):
        return None
    reading.tables_found.append("t3")
    specs = []
    hits = [(row, hit) for row, hit in zip(rows, found) if hit]
    for k, (row, hit) in enumerate(hits):
        value_start = _after_label(text, hit[1])
        value_end = hits[k + 1][1][0] if k + 1 < len(hits) else min(end, value_start + SETTINGS.max_gap)
        raw, rest = _value_text(text, value_start, value_end, hits[k + 1][0] if k + 1 < len(hits) else None)
        fids = _t3_fields(row)
        cells = printed_run(raw) if raw is not None else PrintedRun(rest, bad=f"digits among the text '{rest[:20]}'")
        specs.append((row, fids, cells))
    for row, hit in zip(rows, found):
        if hit is None:
            reading.warnings.append(f"t3: row '{row.split('/')[-1]}' not found in the flattened text; "
                                    f"its values are left missing")
    _split("t3", specs, layout, reading)
    last = hits[-1][1][1] if hits else start
    return found[0][0], _after_values(text, last, end)


def _header_ok(text: _Text, table: str, start: int, end: int) -> bool:
    cols = {c for f in fields().values() if f.table == table for c in f.col_paths}
    found = sum(text.find(_keys(table, c), start, end) is not None for c in cols)
    return found >= SETTINGS.min_header_labels


def _after_values(text: _Text, label_end: int, end: int) -> int:
    """The compact end of the value text that follows a label."""
    start = _after_label(text, label_end)
    raw, _ = _value_text(text, start, min(end, start + SETTINGS.max_gap))
    return start + len(re.sub(r"\s", "", raw or ""))


def _read_t4(text: _Text, start: int, end: int, reading: Reading):
    """Table 4: its header labels, then one row of 15 cells."""
    window = text.compact[start:end]
    first_digit = re.search(r"\d", window)
    if first_digit is None or not _header_ok(text, "t4", start, start + first_digit.start()):
        return None
    value_start = start + first_digit.start()
    while value_start > start and text.compact[value_start - 1] in DASH_CHARS:  # a first cell printed as a dash
        value_start -= 1
    raw, rest = _value_text(text, value_start, min(end, value_start + SETTINGS.max_gap))
    reading.tables_found.append("t4")
    fids = [f.id for f in fields().values() if f.table == "t4"]
    cells = printed_run(raw) if raw is not None else PrintedRun(rest, bad=f"digits among the text '{rest[:20]}'")
    _split("t4", [("", fids, cells)], None, reading)
    raw = raw or ""
    header = text.find(_keys("t4", "行政复议"), start, value_start)
    return (header[0] if header else start), value_start + len(re.sub(r"\s", "", raw))


def _split(table: str, specs, layout: str | None, reading: Reading) -> None:
    """Rows printing one token per cell are read as printed; the other rows' digits are placed
    with the template arithmetic (the printed rows' values known); what stays ambiguous is left
    missing."""
    runs, kept, known = [], [], {}
    eqs = equations(layout if table == "t3" else None)
    for row, fids, cells in specs:
        label = row.split("/")[-1] or table
        spaced = _spaced_cells(cells.raw, fids, eqs)
        if spaced is not None:  # single spaces between cells, an empty cell between two of them
            for fid, piece in zip(fids, spaced):
                if fid:
                    value = _spaced_value(fid, piece, label)
                    reading.add(value)
                    known[fid] = value.value or 0.0
        elif cells.bad:
            reading.warnings.append(f"{table}: row '{label}': {cells.bad}; its values are left missing")
        elif not cells.digits:  # a blank row, or a label found out of place: not told apart here
            reading.warnings.append(f"{table}: row '{label}' prints nothing after its label; left missing")
        elif cells.n_tokens == len(fids):  # every cell printed between boundaries
            for fid, (a, b) in zip(fids, _token_spans(cells)):
                if fid:
                    reading.add(_cell_value(fid, float(cells.digits[a:b]), cells, a, b, label))
                    known[fid] = float(cells.digits[a:b])
        else:
            runs.append(cells.row(fids))
            kept.append((label, fids, cells))
    if not runs:
        return
    if any(not row_splits(run, [], {}) for run in runs):
        # a row too short for its cells: blank cells hide in this text, and a split the equations
        # accept may have put digits where a blank was
        reading.warnings.append(f"{table}: a row prints fewer digits than it has cells (blank cells leave no "
                                f"trace in flattened text); its runs of digits are not split, their values "
                                f"are left missing")
        return
    result = split_runs(runs, known, eqs)
    for i, (label, fids, cells) in enumerate(kept):
        placed = [result.values.get(f) if f else None for f in fids]
        if None not in placed:
            for fid, value, (a, b) in zip(fids, placed, _spans(placed)):
                reading.add(_cell_value(fid, value, cells, a, b, label))
            continue
        for fid, value in zip(fids, placed):  # the cells every fitting split agrees on
            if fid and value is not None and not cells.dashes:  # a dash must not come out as 0
                reading.add(Value(fid, value, cells.digits, Kind.NUMBER, Origin.INFERRED, row_label=label,
                                   label_match="inferred"))
        splits = result.readings.get(i, [])
        cap = SETTINGS.readings_listed
        listed = "、".join("/".join(map(str, s)) for s in splits[:cap])
        listed += f"、… ({len(splits) - cap} more)" if len(splits) > cap else ""
        reading.warnings.append(f"{table}: row '{label}' prints its digits run together "
                                f"('{cells.raw.strip()}'): {result.unresolved.get(i, 'not placed')}"
                                f"{': ' + listed if listed else ''}; the values it cannot place are left missing")
        if splits:  # the run stays beside its holes, for a person to read (ogi/audit/coverage.py)
            _keep_run(fids, cells.raw.strip(), label, reading)


def _keep_run(fids: list[str | None], printed: str, label: str, reading: Reading) -> None:
    """Missing cells that keep the run their row printed and their place in the row."""
    for col, fid in enumerate(fids):
        if fid and fid not in reading.values:
            reading.add(Value(fid, None, printed, Kind.MISSING, row_label=label, col=col, label_match="ambiguous"))


def _spaced_cells(raw: str, fids: list, eqs) -> list[str] | None:
    """The cells of a row printed with one space between cells, when it has empty ones ("5  0 0 0 0 5"):
    exactly one piece per column, each empty or one count, and the row's own equations hold."""
    pieces = _spaced_pieces(raw, len(fids))
    if pieces is None or "" not in pieces:
        return None
    values = {}
    for fid, piece in zip(fids, pieces):
        if piece:
            one = printed_run(piece)
            if one.bad or one.n_tokens != 1 or (len(one.digits) > 1 and one.digits[0] == "0"):
                return None
            values[fid] = 0.0 if one.dashes else float(one.digits)
        else:
            values[fid] = 0.0
    local = [eq for eq in eqs if set(eq.terms) <= set(values)]
    if not local or any(sum(values[f] for f in eq.lhs) != sum(values[f] for f in eq.rhs) for eq in local):
        return None
    return pieces


def _spaced_pieces(raw: str, n: int) -> list[str] | None:
    """n pieces of a value text printed with exactly one space around every cell, empty ones included."""
    if "\n" in raw or not raw.startswith(" ") or not raw.endswith(" ") or len(raw) < 2:
        return None
    pieces = raw[1:-1].split(" ")  # the spaces after the label and before the next one are no cells
    if len(pieces) != n or any(p and parse_value(p).kind not in ("number", "dash") for p in pieces):
        return None
    return pieces


def _spaced_value(fid: str, piece: str, label: str) -> Value:
    if not piece:
        return Value(fid, None, "", "blank", row_label=label)
    parsed = parse_value(piece)
    return Value(fid, parsed.value, piece, parsed.kind, row_label=label)


def _token_spans(cells: PrintedRun) -> list[tuple[int, int]]:
    ends = sorted(cells.breaks)
    return list(zip([0] + ends[:-1], ends))


def _spans(values: list[float]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for v in values:
        width = len(str(int(v)))
        out.append((pos, pos + width))
        pos += width
    return out


def _cell_value(fid: str, value: float, cells: PrintedRun, a: int, b: int, label: str) -> Value:
    """A cell printed between boundaries reads as printed; one cut out of a run is inferred."""
    if a in cells.dashes and b == a + 1:
        return Value(fid, None, cells.dashes[a], Kind.DASH, row_label=label, label_match="exact")
    whole = (a == 0 or a in cells.breaks) and b in cells.breaks
    digits = cells.digits[a:b]
    if whole:
        return Value(fid, value, digits, Kind.NUMBER, row_label=label, label_match="exact")
    return Value(fid, value, digits, Kind.NUMBER, Origin.INFERRED, row_label=label, label_match="inferred")


# --- table 2: blocks, each with its own header --------------------------------------------------

def _t2_layout_blocks(layout: str) -> dict[str, dict]:
    """block path → {rows: [row paths], cols: [column label path alternatives]} of one layout."""
    blocks: dict[str, dict] = {}
    for f in fields().values():
        if f.table != "t2" or not f.printed_in(layout):
            continue
        block = f.row_paths[0].split("/")[0]
        entry = blocks.setdefault(block, {"rows": [], "cols": []})
        if f.row_paths[0] not in entry["rows"]:
            entry["rows"].append(f.row_paths[0])
        if f.col_paths not in entry["cols"]:
            entry["cols"].append(f.col_paths)
    return blocks


def _read_t2(text: _Text, start: int, end: int, reading: Reading):
    best = None
    for layout in ("2021", "2019"):
        found = _t2_blocks(text, layout, start, end)
        score = sum(len(b["cols"]) + len(b["rows"]) for b in found)
        if found and (best is None or score > best[0]):
            best = (score, layout, found)
    if best is None or best[0] < SETTINGS.min_header_labels:
        return None
    _, layout, found = best
    reading.tables_found.append("t2")
    rows = []
    for block in found:
        for k, (row, hit) in enumerate(block["rows"]):
            value_start = _after_label(text, hit[1])
            following = block["rows"][k + 1] if k + 1 < len(block["rows"]) else None
            value_end = following[1][0] if following else block["end"]
            raw, rest = _value_text(text, value_start, value_end, following[0] if following else None)
            fids = [_t2_field(row, cols) for cols, _ in block["cols"]]
            if raw is None:
                reading.warnings.append(f"t2: row '{row.split('/')[-1]}': digits among the text '{rest[:20]}'; "
                                        f"its values are left missing")
                continue
            heads = [_printed_header(text, cols, span) for cols, span in block["cols"]]
            rows.append((row.split("/")[-1], fids, raw, heads))
    # every row one space between cells: an empty cell shows as an empty piece between two spaces
    spaced = all(_spaced_pieces(raw, len(fids)) is not None for _, fids, raw, _ in rows)
    for label, fids, raw, heads in rows:
        if spaced:
            for fid, piece in zip(fids, _spaced_pieces(raw, len(fids))):
                if fid:
                    reading.add(_spaced_value(fid, piece, label))
        else:
            _read_t2_row(label, fids, raw, reading)
        for fid, head in zip(fids, heads):  # the column as this layout prints it (处理决定数量 in 2019)
            if fid in reading.values and not reading.values[fid].col_label:
                reading.values[fid].col_label = head
    last = found[-1]
    return found[0]["start"], _after_values(text, last["rows"][-1][1][1], end) if last["rows"] else last["start"]


def _printed_header(text: _Text, cols: tuple[str, ...], span: tuple[int, int]) -> str:
    """The label of the column alternative the text printed at span."""
    printed = text.compact[span[0]:span[1]]
    return next((c.split("/")[-1] for c in cols if printed in _keys("t2", c)), cols[0].split("/")[-1])


def _t2_field(row: str, cols: tuple[str, ...]) -> str | None:
    found = {index("t2").by_pair.get((row, c)) for c in cols} - {None}
    return found.pop() if len(found) == 1 else None


def _t2_blocks(text: _Text, layout: str, start: int, end: int) -> list[dict]:
    """The blocks of one layout found, in printed order: their label, header columns and rows (compact spans)."""
    located = []
    for block, parts in _t2_layout_blocks(layout).items():
        hit = text.find(_keys("t2", block), start, end)
        if hit:
            located.append((hit, block, parts))
    located.sort(key=lambda b: b[0])
    out = []
    for k, (hit, _block, parts) in enumerate(located):
        block_end = located[k + 1][0][0] if k + 1 < len(located) else min(end, hit[1] + 4 * SETTINGS.max_gap)
        rows = []
        for row in parts["rows"]:
            found = text.find(_keys("t2", row), hit[1], block_end)
            if found:
                rows.append((row, found))
        rows.sort(key=lambda r: r[1][0])
        header_end = rows[0][1][0] if rows else block_end
        cols = [(col, text.find([k for c in col for k in _keys("t2", c)], hit[1], header_end))
                for col in parts["cols"]]
        if any(c is None for _, c in cols) or not rows:
            continue
        merged: dict[tuple, tuple] = {}  # one printed header, whichever field's label alternatives found it
        for col, span in cols:
            merged[span] = merged.get(span, ()) + tuple(col)
        cols = sorted(((paths, span) for span, paths in merged.items()), key=lambda c: c[1][0])
        out.append({"start": hit[0], "end": block_end, "cols": cols, "rows": rows})
    return out


def _read_t2_row(label: str, fids: list[str | None], raw: str, reading: Reading) -> None:
    """A table-2 row: read only where the printed tokens and the column types leave exactly one reading."""
    tokens = raw.split()
    if not tokens:  # a blank row, or a label found out of place: not told apart here
        reading.warnings.append(f"t2: row '{label}' prints nothing after its label; left missing")
        return
    types = [fields()[f].type if f else "integer" for f in fids]
    found = typed_readings(tokens, types)
    if found.unique is None:
        reading.warnings.append(f"t2: row '{label}' prints '{raw.strip()}' for {len(fids)} columns: "
                                f"{describe_readings(found)}; its values are left missing")
        _keep_run(fids, raw.strip(), label, reading)
        return
    whole = len(tokens) == len(fids)  # one token per cell: read as printed, not cut out of a run
    for fid, piece in zip(fids, found.unique):
        if fid:
            reading.add(_t2_value(fid, piece, whole, label))


def describe_readings(found: Readings, cap: int | None = None) -> str:
    """'28 readings fit (10 with every cell printed): 8/9/8989、…' for a warning or a finding."""
    cap = SETTINGS.readings_listed if cap is None else cap
    if not found.total:
        return "no reading fits the column types"
    shown = "、".join(show_reading(r) for r in found.listed[:cap])
    more = f"、… ({found.total - cap} more)" if found.total > cap else ""
    return (f"{found.total} readings fit ({found.full} with every cell printed; table 2 has no sums, "
            f"a blank cell leaves no trace): {shown}{more}")


def _t2_value(fid: str, piece: str | None, whole: bool, label: str) -> Value:
    if piece is None:
        return Value(fid, None, "", Kind.BLANK, row_label=label)
    parsed = parse_value(piece)
    if parsed.kind == "dash" or whole:
        return Value(fid, parsed.value, piece, parsed.kind, row_label=label)
    return Value(fid, parsed.value, piece, Kind.NUMBER, Origin.INFERRED, row_label=label, label_match="inferred")
