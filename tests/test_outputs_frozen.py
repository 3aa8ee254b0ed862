"""Every file `ogi build` writes is the same as before the writers were rewritten for speed.

A mixed batch (the .docx samples, the shared corpus' PDFs and crawler text, generated web
pages, a duplicate and an unreadable file) is built, and each output file is reduced to a
canonical text: CSV, JSON and audit.html as written (the input folder's path replaced), Parquet
as its schema, dtypes and rows, each workbook as every sheet's cells (value, type, fill colour,
bold, comment), frozen pane and filter. tests/fixtures/outputs/digests.json holds the sha256 of
each canonical text, written from the code before the change; a difference names the file.

    python tests/test_outputs_frozen.py --write     # after a deliberate change of the outputs
    python tests/test_outputs_frozen.py --dump DIR  # the canonical texts, to diff two versions
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE = HERE / "fixtures" / "outputs" / "digests.json"
CORPUS = Path("/work/shared/corpus")
SKIPPED = {"cache.sqlite", "manifest.json", ".ogi-build.lock"}
ROOT_MARK = "<INPUT>"


def _inputs(folder: Path) -> Path:
    """The mixed batch: Word, PDF, crawler text, web pages, a duplicate, an unreadable file."""
    sys.path.insert(0, str(REPO))
    from tests import generate as g
    from tests.render_html import write_html

    folder.mkdir(parents=True)
    for f in sorted((REPO / "data" / "samples").glob("*.docx")):
        shutil.copy(f, folder)
    for pattern in ("*.pdf", "*.txt"):
        for f in sorted(CORPUS.glob(pattern)):
            shutil.copy(f, folder)
    rng = random.Random(15)
    for i, layout in enumerate(("2021", "2019")):
        write_html(g.random_truth(rng, layout), folder / f"web-{i}.html", rng=rng)
    shutil.copy(folder / "gen-2021-basic.docx", folder / "gen-2021-basic-copy.docx")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return folder


def build(into: Path) -> tuple[Path, Path]:
    """(input folder, OUT) of the mixed batch built by the ogi this interpreter imports."""
    folder = _inputs(into / "in")
    out = into / "out"
    subprocess.run([sys.executable, "-m", "ogi.cli", "build", str(folder), "-o", str(out), "-q", "-j", "1"],
                   check=True, capture_output=True)
    return folder, out


def _parquet(path: Path) -> str:
    import pyarrow.parquet as pq

    df = pd.read_parquet(path)
    schema = pq.read_schema(path).to_string(show_schema_metadata=False)
    return f"{schema}\n{df.dtypes.to_string()}\n{df.to_csv(index=False, lineterminator=chr(10))}"


def _workbook(path: Path) -> str:
    from openpyxl import load_workbook

    lines = []
    for ws in load_workbook(path).worksheets:
        lines.append(f"## {ws.title} freeze={ws.freeze_panes} filter={ws.auto_filter.ref}")
        for row in ws.iter_rows():
            for c in row:
                fill = c.fill.fgColor.rgb[-6:] if c.fill.fill_type else None   # the colour, not its alpha byte
                if c.value is None and not fill:
                    continue
                comment = (c.comment.text, c.comment.author) if c.comment else None
                lines.append(repr((c.coordinate, c.value, type(c.value).__name__, fill, bool(c.font.b),
                                   bool(c.alignment.wrap_text), comment)))
    return "\n".join(lines)


def canonical(out: Path, root: Path) -> dict[str, str]:
    """file name → its canonical text (see the module docstring)."""
    texts = {}
    for path in sorted(out.iterdir()):
        if path.name in SKIPPED or path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix == ".parquet":
            text = _parquet(path)
        elif path.suffix == ".xlsx":
            text = _workbook(path)
        else:
            text = path.read_bytes().decode("utf-8")
        texts[path.name] = text.replace(str(root), ROOT_MARK)
    return texts


def digests(texts: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in texts.items()}


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs the shared corpus")
def test_every_output_file_is_the_one_written_before_the_speed_rewrite(tmp_path):
    root, out = build(tmp_path)
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    got = digests(canonical(out, root))
    assert sorted(got) == sorted(expected)
    changed = [name for name in expected if got[name] != expected[name]]
    assert not changed, f"changed outputs: {changed} (python tests/test_outputs_frozen.py --dump DIR to diff)"


def _main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root, out = build(Path(tmp))
        texts = canonical(out, root)
        if sys.argv[1] == "--write":
            FIXTURE.parent.mkdir(parents=True, exist_ok=True)
            FIXTURE.write_text(json.dumps(digests(texts), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        else:
            target = Path(sys.argv[2])
            target.mkdir(parents=True, exist_ok=True)
            for name, text in texts.items():
                (target / f"{name}.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _main()
