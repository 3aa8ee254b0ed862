"""Reading a dataset folder a few hundred reports at a time, for `audit_dir`.

The audit's memory grows with the reports it holds, so `audit_dir` never
holds the dataset: it walks reports.parquet in chunks of whole agencies
(every year of one identity key in the same chunk, so R7/R8 find last year's
report beside this year's) and reads only those reports' rows of
values/statements, and of the previous dataset's reports/values.

Rows are found through a report_id → row-group index built from the
report_id column alone; a chunk decodes only the row groups holding its
reports, one at a time, keeping just its rows. `ogi build` writes the tables
in report order, and chunks follow the order in which agencies first appear,
so in practice each row group is decoded about once per table (an agency's
years far apart in the file cost one more row group each).
"""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .identity import agency_key

# Reports per chunk. Measured on the bench corpus (audit_dir in its own process, peak RSS):
# 200 → 285 / 396 / 554 MB at 500 / 2,000 / 8,000 reports; 500 → 388 / 496 / 590 MB; the
# same speed. (Before chunking: 409 / 1,220 MB at 500 / 2,000.) What still grows is the
# findings (~2 per report) and what is made of them: xlsx comments, the page's index.
CHUNK_REPORTS = 200

# Decoded row groups a table keeps for the next chunks (least recently used dropped first).
DECODED_BYTES = 32 * 1024 * 1024

# values columns neither the audit's cells nor grids read: the source path and the cell boxes.
VALUES_UNUSED = ("source", "x0", "y0", "x1", "y1")

# What identity.agency_key reads: enough to plan the chunks without the wide table.
_KEY_COLUMNS = ("report_id", "agency", "adcode", "province", "city", "county")


class Table:
    """One parquet table of a dataset, read by report_id."""

    def __init__(self, path: Path):
        self.file = pq.ParquetFile(path)
        self.schema = self.file.schema_arrow
        self.groups: dict[str, list[int]] = {}
        self.decoded: OrderedDict[tuple, pa.Table] = OrderedDict()     # row groups kept, least recent first
        for g in range(self.file.num_row_groups):
            ids = self.file.read_row_group(g, columns=["report_id"]).column(0)
            for rid in pc.unique(ids).to_pylist():
                self.groups.setdefault(str(rid), []).append(g)

    def _row_group(self, g: int, columns: list[str]):
        """Row group g, decoded once while it fits the cache: an agency's reports spread over the
        file (a batch in name order, several years) made every chunk decode every row group again."""
        key = (g, tuple(columns))
        if key in self.decoded:
            self.decoded.move_to_end(key)
            return self.decoded[key]
        part = self.file.read_row_group(g, columns=columns)
        self.decoded[key] = part
        while len(self.decoded) > 1 and sum(t.nbytes for t in self.decoded.values()) > DECODED_BYTES:
            self.decoded.popitem(last=False)
        return part

    @property
    def num_rows(self) -> int:
        return self.file.metadata.num_rows

    def read(self, ids, skip: tuple[str, ...] = ()) -> pd.DataFrame:
        """The rows of these reports, in file order (so 'first row wins' rules still hold).

        `skip`: columns nobody downstream reads (decoding them is most of a read's memory).
        """
        ids = [str(i) for i in ids]
        wanted = pa.array(ids, type=self.schema.field("report_id").type)
        columns = [c for c in self.schema.names if c not in skip]
        parts = []
        for g in sorted({g for rid in ids for g in self.groups.get(rid, ())}):
            part = self._row_group(g, columns)
            parts.append(part.filter(pc.is_in(part["report_id"], value_set=wanted)))
        table = pa.concat_tables(parts) if parts else self.schema.empty_table().select(columns)
        del parts
        df = table.to_pandas()
        return df


def read_keys(path: Path) -> pd.DataFrame:
    """report_id and agency key of every row of a reports.parquet, in file order."""
    names = pq.ParquetFile(path).schema_arrow.names
    df = pq.read_table(path, columns=[c for c in _KEY_COLUMNS if c in names]).to_pandas()
    keys = [agency_key(m) for m in df.to_dict("records")]
    return pd.DataFrame({"report_id": df["report_id"].astype(str).to_numpy(), "key": keys})


@dataclass
class Chunk:
    current: list[str] = field(default_factory=list)     # report ids to audit
    previous: list[str] = field(default_factory=list)    # report ids of the earlier dataset, same keys


def plan(current: pd.DataFrame, previous: pd.DataFrame | None = None,
         size: int = CHUNK_REPORTS) -> list[Chunk]:
    """Chunks of about `size` reports, whole agency keys each, keys in order of first appearance.

    A report_id counts once, under its first row (the audit keeps the
    first row too). A key with more than `size` reports still makes one
    chunk: splitting it would separate years R7/R8 compare. An earlier report whose id is also in the current
    dataset is left out: run_audit never pairs with it either.
    """
    current = current.drop_duplicates("report_id")
    by_key: dict[str, Chunk] = {}
    for rid, key in zip(current["report_id"], current["key"]):
        by_key.setdefault(key, Chunk()).current.append(rid)
    if previous is not None:
        ids = set(current["report_id"])
        previous = previous.drop_duplicates("report_id")
        for rid, key in zip(previous["report_id"], previous["key"]):
            if key in by_key and rid not in ids:     # other agencies are never compared with
                by_key[key].previous.append(rid)
    out: list[Chunk] = []
    for group in by_key.values():
        if not out or len(out[-1].current) + len(out[-1].previous) >= size:
            out.append(Chunk())
        out[-1].current.extend(group.current)
        out[-1].previous.extend(group.previous)
    return out


@contextmanager
def system_memory_pool():
    """Arrow allocates from the system allocator meanwhile.

    Arrow's default (mimalloc) keeps the pages of every row group decoded
    for reuse: measured at 2,000 reports in chunks of 200, RSS crept from
    270 to 480 MB with it and stayed at 265 MB with malloc. Buffers remember
    their pool, so switching back afterwards is safe.
    """
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)
