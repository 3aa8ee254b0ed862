"""The end of `ogi build` streams: written from the cache piece by piece, the files are those of the
in-memory path (`write_dataset(build(paths))`), whatever the piece size."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ogi.data import SAMPLES_DIR
from ogi.dataset import TABLES, frames, table_dtypes, text_dtype
from ogi.normalize.schema import fields, table_defs
from ogi.output import ID_COLUMNS, _header, write_dataset, write_dataset_chunks
from ogi.pipeline import (build, chunks, iter_sources, process, update_cache, BuildOptions, write_from_cache,
                          write_partitioned, write_partitioned_from_files)

SHEETS = [(t.sheet, f"{t.id}.") for t in table_defs().values()]

PARQUET = ("reports", "values", "statements")
CSV = ("reports", "values", "statements", "errors")
DUPLICATE = "zz-copy-of-gen-2019-basic.docx"  # sorts last: its original is in the first piece


@pytest.fixture(autouse=True)
def _pinned_version(fixed_pipeline_version):
    pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The samples, a copy of one of them (same content, later in the batch) and a file that fails."""
    folder = tmp_path_factory.mktemp("corpus")
    for sample in sorted(SAMPLES_DIR.glob("*.docx")):
        shutil.copy(sample, folder / sample.name)
    shutil.copy(SAMPLES_DIR / "gen-2019-basic.docx", folder / DUPLICATE)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("in-memory")
    write_dataset(build([str(corpus)]), out)
    return out


def streamed(corpus: Path, out: Path, chunk_size: int) -> dict:
    sources, _ = update_cache([str(corpus)], out, BuildOptions(jobs=0))
    return write_from_cache(sources, out, chunk_size=chunk_size)


def assert_same_files(out: Path, expected: Path) -> None:
    for name in PARQUET:
        assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), pd.read_parquet(expected / f"{name}.parquet"),
                           obj=name)
    for name in CSV:
        assert (out / f"{name}.csv").read_bytes() == (expected / f"{name}.csv").read_bytes(), name
    for sheet, frame in pd.read_excel(expected / "dataset.xlsx", sheet_name=None).items():
        assert_frame_equal(pd.read_excel(out / "dataset.xlsx", sheet_name=sheet), frame, obj=sheet)


@pytest.mark.parametrize("chunk_size", [2, 500])
def test_streamed_files_are_those_of_the_in_memory_path(corpus, reference, tmp_path, chunk_size):
    counts = streamed(corpus, tmp_path, chunk_size)
    assert counts == {"read": 6, "failed": 2, "values": int(pd.read_parquet(reference / "reports.parquet").n_values.sum())}
    assert_same_files(tmp_path, reference)
    errors = pd.read_csv(tmp_path / "errors.csv", encoding="utf-8-sig")
    dedupe = errors[errors["stage"] == "dedupe"]
    assert list(dedupe["source"].map(lambda s: Path(s).name)) == [DUPLICATE]   # across pieces
    assert (tmp_path / "errors.csv").read_bytes().count(b"\xef\xbb\xbf") == 1  # one BOM, one header
    assert (tmp_path / "values.csv").read_text(encoding="utf-8-sig").count("report_id,source,field") == 1


def test_pieces_of_two_cross_boundaries_and_hold_an_all_empty_text_column(corpus):
    """The conditions the test above must exercise with chunk_size=2, checked, not assumed."""
    pieces = list(chunks(((s, process(s)) for s in iter_sources([str(corpus)])), 2))
    assert len(pieces) >= 3
    text = [c for c, dtype in table_dtypes("reports").items() if dtype == "text"]
    assert any(piece.reports[c].isna().all() for piece in pieces for c in text)
    for piece in pieces:  # every piece has the contract's dtypes, empty columns included
        for name in TABLES:
            dtypes = table_dtypes(name)
            assert list(getattr(piece, name).columns) == list(dtypes)
            for col, dtype in dtypes.items():
                assert getattr(piece, name)[col].dtype == (text_dtype() if dtype == "text" else dtype), (name, col)


def test_parquet_types_do_not_depend_on_the_piece(corpus, tmp_path):
    import pyarrow.parquet as pq

    streamed(corpus, tmp_path, 2)
    reference = tmp_path / "one-piece"
    write_dataset_chunks([frames([], [])], reference)   # nothing at all: the types come from the contract
    for name in PARQUET:
        assert pq.read_schema(tmp_path / f"{name}.parquet").equals(pq.read_schema(reference / f"{name}.parquet"))


def test_an_empty_dataset_has_headers_and_every_sheet(tmp_path):
    counts = write_dataset_chunks(iter(()), tmp_path)
    assert counts == {"read": 0, "failed": 0, "values": 0}
    assert (tmp_path / "errors.csv").read_text(encoding="utf-8-sig") == "source,stage,reason\n"
    assert list(pd.read_parquet(tmp_path / "values.parquet").columns) == list(table_dtypes("values"))
    assert list(pd.read_excel(tmp_path / "dataset.xlsx", sheet_name=None)) == \
        [s for s, _ in SHEETS] + ["报告 reports", "字段 fields"]


def test_workbook_has_the_sheets_and_headers_of_pandas_to_excel(reference, tmp_path):
    """The previous writer (pandas.ExcelWriter, whole frame) as the reference for the write-only one."""
    reports = pd.read_parquet(reference / "reports.parquet")
    field_defs = fields()
    expected = {}
    for sheet, prefix in SHEETS:
        ids = [f for f in field_defs if f.startswith(prefix) and reports[f].notna().any()]
        if ids:
            expected[sheet] = reports[ID_COLUMNS + ids].rename(columns={f: _header(field_defs[f]) for f in ids})
    expected["报告 reports"] = reports[[c for c in reports.columns if c not in field_defs]]
    old = tmp_path / "old.xlsx"
    with pd.ExcelWriter(old, engine="openpyxl") as xl:
        for sheet, frame in expected.items():
            frame.to_excel(xl, sheet_name=sheet, index=False)
    got = pd.read_excel(reference / "dataset.xlsx", sheet_name=None)
    assert list(got) == list(expected) + ["字段 fields"]
    for sheet in expected:
        assert_frame_equal(got[sheet], pd.read_excel(old, sheet_name=sheet), obj=sheet)


def test_too_many_reports_for_a_workbook_skip_it(corpus, tmp_path):
    (tmp_path / "dataset.xlsx").write_bytes(b"an older workbook")
    sources, _ = update_cache([str(corpus)], tmp_path, BuildOptions(jobs=0))
    from ogi.pipeline import cached_results

    counts = write_dataset_chunks(chunks(cached_results(sources, tmp_path), 2), tmp_path, excel_max_reports=5)
    assert counts["excel_skipped"] and not (tmp_path / "dataset.xlsx").exists()


def test_partitions_from_the_files_are_those_of_the_in_memory_dataset(corpus, tmp_path):
    dataset = build([str(corpus)])
    write_partitioned(dataset, tmp_path / "memory")
    write_dataset(dataset, tmp_path / "files")
    write_partitioned_from_files(tmp_path / "files", batch_rows=100)
    read = lambda folder: pd.read_parquet(folder / "values_by_year", dtype_backend="numpy_nullable")  # noqa: E731
    assert_frame_equal(read(tmp_path / "files"), read(tmp_path / "memory"))
    assert len(read(tmp_path / "files")) == len(dataset.values)


def test_research_tables_from_the_trimmed_input_are_those_of_the_whole_dataset(reference):
    from ogi.cli import _research_input
    from ogi.dataset import Dataset
    from ogi.research import research_frames

    whole = Dataset(*(pd.read_parquet(reference / f"{name}.parquet") for name in PARQUET), errors=None,
                    keywords=pd.read_parquet(reference / "keywords.parquet"))
    trimmed = _research_input(str(reference))
    assert len(trimmed.reports.columns) < len(whole.reports.columns) / 4
    for name, frame in research_frames(trimmed).items():
        assert_frame_equal(frame, research_frames(whole)[name], obj=name)


def test_files_written_while_reading_are_those_written_after_it_whatever_the_arrival_order(corpus, reference,
                                                                                             tmp_path):
    """ogi/overlap.py: results committed in reverse order still give the files in source order."""
    from ogi.cache import CACHE_NAME, Cache, Stat
    from ogi.overlap import OverlappedWriter

    sources = list(iter_sources([str(corpus)]))
    writer = OverlappedWriter(tmp_path)
    writer.start(sources, sources)
    with Cache(tmp_path / CACHE_NAME) as cache:
        for source in reversed(sources):
            cache.put(source, Stat.of(source), process(source))
            writer.arrived(source)
    writer.finish()
    assert_same_files(writer.folder, reference)


def test_a_stopped_overlapped_writer_leaves_no_staging_folder(corpus, tmp_path):
    from ogi.overlap import OverlappedWriter

    sources = list(iter_sources([str(corpus)]))
    writer = OverlappedWriter(tmp_path)
    writer.start(sources, sources)          # nothing ever arrives: the thread waits for the first source
    writer.discard()
    assert not writer.folder.exists()


def test_overlapped_writer_failing_on_its_imports_reraises_instead_of_returning_no_counts(corpus, tmp_path,
                                                                                          monkeypatch):
    """A missing writer library (xlsxwriter not installed) killed the thread before its try: finish()
    returned None and the build crashed later on a TypeError that named nothing."""
    import builtins

    from ogi.overlap import OverlappedWriter

    real_import = builtins.__import__

    def no_output_module(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "output" and level == 1:
            raise ModuleNotFoundError("No module named 'xlsxwriter'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_output_module)
    sources = list(iter_sources([str(corpus)]))
    writer = OverlappedWriter(tmp_path)
    writer.start(sources, [])
    with pytest.raises(ModuleNotFoundError, match="xlsxwriter"):
        writer.finish()


def test_partition_writer_keeps_a_bounded_buffer_and_writes_what_pyarrows_dataset_writer_wrote(corpus, tmp_path,
                                                                                                monkeypatch):
    """pyarrow's dataset writer held every partition's rows to the end (1.5 GB at 100,000 reports);
    ogi's writer flushes the largest partition past PARTITION_BUFFER_ROWS. Same folders, same rows in
    the same order, however small the buffer."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    from ogi import pipeline

    write_dataset(build([str(corpus)]), tmp_path)
    monkeypatch.setattr(pipeline, "PARTITION_BUFFER_ROWS", 30)
    ours = pipeline.write_partitioned_from_files(tmp_path, batch_rows=100)
    keys = pipeline._partition_keys(pd.read_parquet(tmp_path / "reports.parquet", columns=list(pipeline.PARTITION_KEYS)))
    tables = [pipeline._keyed(b.to_pandas(), keys) for b in pq.ParquetFile(tmp_path / "values.parquet").iter_batches(100)]
    theirs = tmp_path / "pyarrow"
    pads.write_dataset([b for t in tables for b in t.to_batches()], theirs, schema=pipeline._partitioned_schema(),
                       format="parquet", partitioning=["year", "province"], partitioning_flavor="hive",
                       basename_template="part-{i}.parquet", preserve_order=True)
    files = lambda folder: sorted(p.relative_to(folder) for p in folder.rglob("*.parquet"))  # noqa: E731
    assert files(ours) == files(theirs) and len(files(ours)) > 1
    read = lambda folder: pd.read_parquet(folder, dtype_backend="numpy_nullable")  # noqa: E731
    assert_frame_equal(read(ours), read(theirs))
    assert max(pq.ParquetFile(ours / f).num_row_groups for f in files(ours)) > 1   # flushed more than once
