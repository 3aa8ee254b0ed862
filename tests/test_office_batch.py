"""A batch's .doc/.rtf/.odt files are converted with one LibreOffice start, ahead of the workers."""
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ogi.data import SAMPLES_DIR
from ogi.extract import office

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(office.find_soffice() is None, reason="LibreOffice not installed")]


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    profile = tmp_path_factory.mktemp("lo-profile")  # outside the batch folder
    samples = ["gen-2021-basic.docx", "gen-2019-basic.docx", "gen-hybrid.docx"]
    for name, target in zip(samples, ("doc", "rtf", "odt")):
        out = folder / target
        out.mkdir()
        src = out / name
        shutil.copy(SAMPLES_DIR / name, src)
        subprocess.run([office.find_soffice(), "--headless", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", target, "--outdir", str(out), str(src)],
                       check=True, capture_output=True, env={"HOME": str(profile), "PATH": "/usr/bin:/bin"})
        src.unlink()
    return folder


def test_batch_converts_once_and_reads_like_the_originals(legacy_files, tmp_path, monkeypatch):
    calls = []
    real = office.convert_batch
    monkeypatch.setattr(office, "convert_batch", lambda paths, out_dir, timeout=None: (
        calls.append(list(paths)), real(paths, out_dir, timeout))[1])
    from ogi.pipeline import BuildOptions, build_incremental, build_dataset

    dataset, stats = build_incremental([legacy_files], tmp_path / "out", BuildOptions(jobs=0))
    assert len(calls) == 1 and len(calls[0]) == 3  # one LibreOffice start for the three files
    assert sorted(dataset.reports["format"]) == ["doc", "odt", "rtf"]
    originals, _ = build_dataset([SAMPLES_DIR / n for n in ("gen-2021-basic.docx", "gen-2019-basic.docx",
                                                            "gen-hybrid.docx")])
    fields = [c for c in originals.columns if c.startswith(("t2.", "t3.", "t4."))]
    got = dataset.reports.set_index("agency")[fields].sort_index()
    want = originals.set_index("agency")[fields].sort_index()
    pd.testing.assert_frame_equal(got, want)
