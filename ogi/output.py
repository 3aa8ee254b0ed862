"""Dataset → files in OUT: Parquet for code, CSV and Excel for people.

Every file is written to a temporary name in OUT and renamed into place, so a
crash never leaves a half-written file behind. CSV files carry a BOM so Excel
opens the Chinese text correctly.

Two ways in, the same files out:
- `write_dataset(dataset, out)`: a Dataset held in memory (notebooks, tests);
- `write_dataset_chunks(pieces, out)`: Datasets of a few hundred reports each,
  appended one after the other (`ogi build`, via pipeline.write_from_cache),
  so memory does not grow with the batch. Each Parquet file's schema is fixed
  up front from the column contract (ogi/dataset.py), so a piece whose text
  column happens to be all empty cannot change its type.

dataset.xlsx is written by XlsxWriter in constant_memory mode (ogi/xlsx.py), row by
row from reports.parquet. Above EXCEL_MAX_REPORTS reports it is not written at all (and
an older one is removed): Excel stops at 1,048,576 rows and a workbook of
100,000 wide rows is too slow to open to be of use; reports.csv holds the same
data.
"""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from ogi.normalize.schema import fields, table_defs

from .dataset import TABLES, Dataset, table_dtypes, typed
from .files import atomic
from .sheetsafe import csv_safe
from .xlsx import Book, Style

ID_COLUMNS = ["report_id", "agency", "year", "province", "city", "county", "template_t2", "template_t3", "status"]
EXCEL_MAX_REPORTS = 50_000   # above this, no dataset.xlsx (see the module docstring)
EXCEL_BATCH_ROWS = 1_000     # reports.parquet rows read at a time for the workbook
BOLD = Style(bold=True)


def write_frame(df: pd.DataFrame, out: Path, name: str) -> None:
    with atomic(out / f"{name}.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    with atomic(out / f"{name}.csv") as tmp:
        csv_safe(df).to_csv(tmp, index=False, encoding="utf-8-sig")


def write_dataset(dataset: Dataset, out: str | os.PathLike) -> dict:
    """The whole Dataset, held in memory, to OUT: the streaming writer given it as one piece."""
    return write_dataset_chunks([dataset], out)


# ---------------------------------------------------------------- streaming: piece by piece

def write_dataset_chunks(pieces: Iterable[Dataset], out: str | os.PathLike,
                         excel_max_reports: int = EXCEL_MAX_REPORTS) -> dict:
    """Datasets of a few reports each, in order → the same files as `write_dataset` of them all.

    A report whose data a writer still rejects (text Arrow cannot encode …) is left out and
    listed in errors.csv (stage "write"): one file never stops the batch.
    Returns {"read", "failed", "values"} and, when the workbook was left out, "excel_skipped": True.
    """
    out = Path(out)
    counts = {"read": 0, "failed": 0, "values": 0}
    with ExitStack() as stack:  # every file renamed into place only once all pieces are written
        writers = {name: stack.enter_context(_table_writer(out, name, parquet=name != "errors")) for name in TABLES}
        for piece in pieces:
            for part in _writable_parts(piece, writers):
                for name, encoded in part.items():
                    writers[name].write(encoded)
                counts["read"] += part["reports"].rows
                counts["failed"] += part["errors"].rows
                counts["values"] += _values_read(part["reports"])
    if counts["read"] > excel_max_reports:
        (out / "dataset.xlsx").unlink(missing_ok=True)  # an older, smaller workbook would mislead
        counts["excel_skipped"] = True
    else:
        with atomic(out / "dataset.xlsx") as tmp:
            write_excel_from_parquet(out / "reports.parquet", tmp)
    return counts


def _writable_parts(piece: Dataset, writers: dict) -> Iterator[dict]:
    """The piece encoded for every writer; if a writer rejects it, report by report, each rejected
    report turned into an errors line (the whole piece is encoded before anything is written)."""
    try:
        yield {name: writers[name].encode(getattr(piece, name)) for name in TABLES}
        return
    except Exception:  # noqa: BLE001 - whatever the writer refused, find the report it came from
        pass
    rejected = []
    for rid, source in zip(piece.reports["report_id"], piece.reports["source"]):
        alone = Dataset(*(_rows_of(getattr(piece, name), rid) for name in ("reports", "values", "statements")),
                        errors=piece.errors.iloc[0:0], keywords=_rows_of(piece.keywords, rid))
        try:
            yield {name: writers[name].encode(getattr(alone, name)) for name in TABLES}
        except Exception as exc:  # noqa: BLE001
            rejected.append([_safe_text(source), "write", f"the dataset writer rejected this file's data "
                             f"({exc.__class__.__name__}: {_safe_text(str(exc))[:200]})"])
    errors = pd.concat([piece.errors, pd.DataFrame(rejected, columns=piece.errors.columns)], ignore_index=True)
    errors = typed(errors.map(lambda v: _safe_text(v) if isinstance(v, str) else v), table_dtypes("errors"))
    empty = {name: writers[name].encode(getattr(piece, name).iloc[0:0]) for name in TABLES if name != "errors"}
    yield {**empty, "errors": writers["errors"].encode(errors)}


def _values_read(reports: "_Encoded") -> int:
    """Cells read (reports' n_values): the values table also holds unread cells with their printed run."""
    import pyarrow.compute as pc

    return int(pc.sum(reports.table.column("n_values")).as_py() or 0)


def _rows_of(frame: pd.DataFrame, report_id: str) -> pd.DataFrame:
    return frame[frame["report_id"] == report_id]


def _safe_text(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Encoded:
    """A piece of one table ready to append: CSV text and an Arrow table."""

    def __init__(self, csv: str, table, rows: int):
        self.csv, self.table, self.rows = csv, table, rows


class _TableWriter:
    def __init__(self, csv, parquet_writer, schema):
        self.csv, self.parquet_writer, self.schema = csv, parquet_writer, schema
        self.first = True

    def encode(self, piece: pd.DataFrame) -> _Encoded:
        import pyarrow as pa

        table = pa.Table.from_pandas(piece, schema=self.schema, preserve_index=False) if self.parquet_writer else None
        text = csv_safe(piece).to_csv(index=False, header=self.first)
        text.encode("utf-8")  # what the file write would refuse, refused here, before anything is written
        return _Encoded(text, table, len(piece))

    def write(self, encoded: _Encoded) -> None:
        self.csv.write(encoded.csv)
        self.first = False
        if self.parquet_writer is not None:
            self.parquet_writer.write_table(encoded.table)


@contextmanager
def _table_writer(out: Path, name: str, parquet: bool = True) -> Iterator[_TableWriter]:
    """A writer appending pieces of table `name` to OUT/name.csv (and .parquet); header and BOM once."""
    import pyarrow.parquet as pq

    schema = arrow_schema(table_dtypes(name))
    with ExitStack() as stack:
        csv_tmp = stack.enter_context(atomic(out / f"{name}.csv"))
        # newline="" and utf-8-sig as pandas' own to_csv(path): "\n" lines, the BOM at the first write only
        csv = stack.enter_context(open(csv_tmp, "w", encoding="utf-8-sig", newline=""))
        parquet_writer = None
        if parquet:
            parquet_tmp = stack.enter_context(atomic(out / f"{name}.parquet"))
            # entered after atomic: closed (footer written) before the file is renamed into place
            parquet_writer = stack.enter_context(pq.ParquetWriter(parquet_tmp, schema))
        writer = _TableWriter(csv, parquet_writer, schema)
        yield writer
        if writer.first:  # no piece at all: an empty table still has its header
            writer.write(writer.encode(typed(pd.DataFrame(columns=list(schema.names)), table_dtypes(name))))


def arrow_schema(dtypes: dict[str, str]):
    """The Arrow schema of a table of the contract, with pandas' metadata so read_parquet restores the dtypes."""
    import pyarrow as pa

    empty = typed(pd.DataFrame({col: pd.Series([], dtype=object) for col in dtypes}), dtypes)
    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    for i, f in enumerate(schema):
        if pa.types.is_null(f.type):  # pandas 2 keeps text as object, which has no Arrow type when empty
            schema = schema.set(i, f.with_type(pa.string()))
    return schema


# ---------------------------------------------------------------- dataset.xlsx

def write_excel_from_parquet(reports_parquet: Path, path: Path) -> None:
    """dataset.xlsx from OUT/reports.parquet, read a few columns and rows at a time: one sheet per
    table, Chinese headers, one row per report; a sheet explaining every field."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(reports_parquet)

    def batches(columns: list[str]) -> Iterator[pd.DataFrame]:
        for batch in source.iter_batches(EXCEL_BATCH_ROWS, columns=columns):
            yield batch.to_pandas()

    _write_workbook(path, list(source.schema_arrow.names), source.metadata.num_rows, batches)


def _write_workbook(path: Path, columns: list[str], n_reports: int,
                    batches: Callable[[list[str]], Iterator[pd.DataFrame]]) -> None:
    """The workbook from `batches(columns)`, which yields the reports table's rows in pieces."""
    field_defs = fields()
    filled = _filled_columns([f for f in field_defs if f in columns], batches)
    with Book(path) as book:  # rows go to disk as they are written
        for table in table_defs().values():
            sheet, prefix = table.sheet, f"{table.id}."
            ids = [f for f in field_defs if f.startswith(prefix) and f in filled]
            if not ids and n_reports:
                continue
            headers = ID_COLUMNS + [_header(field_defs[f]) for f in ids]
            _append_sheet(book, sheet, headers, (1, 3), _rows(batches(ID_COLUMNS + ids)))
        meta = [c for c in columns if c not in field_defs]
        _append_sheet(book, "报告 reports", meta, (1, 1), _rows(batches(meta)))
        about = ([f.id, f.label_zh, f.unit, f.type, f.template, f.description] for f in field_defs.values())
        _append_sheet(book, "字段 fields", ["field", "label_zh", "unit", "type", "template", "description"], None,
                      about)


def _filled_columns(columns: list[str], batches) -> set[str]:
    """The columns with at least one value: a table's sheet is left out when it has none."""
    filled: set[str] = set()
    for frame in batches(columns):
        filled.update(frame.columns[frame.notna().any().to_numpy()])
    return filled


def _append_sheet(book: Book, title: str, headers: list[str], freeze: tuple[int, int] | None,
                  rows: Iterable[list]) -> None:
    sheet = book.sheet(title)
    if freeze:
        sheet.freeze(*freeze)  # header row, and the id columns of the table sheets
    sheet.append(headers, BOLD)
    sheet.append_rows(rows)  # report text as string cells, never formulas


def _rows(frames: Iterable[pd.DataFrame]) -> Iterator[list]:
    """Plain Python values, a missing one as None (an empty cell)."""
    for frame in frames:
        cells = frame.astype(object).where(frame.notna(), None)
        yield from (list(row) for row in cells.itertuples(index=False, name=None))


def _header(f) -> str:
    parts = f.label_zh.split(" · ")
    label = " · ".join(p for p in parts if not p.startswith("第二十条") and p != "三、本年度办理结果")
    return f"{label}（{f.unit}）" if f.unit else label
