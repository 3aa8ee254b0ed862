"""The shape of the code: installed packages that cannot collide with a user's files."""
import subprocess
import sys
from pathlib import Path

from ogi.data import SAMPLES_DIR


def test_import_and_build_from_a_folder_holding_data_extract_normalize_py(tmp_path):
    """A researcher's folder with data.py, extract.py and normalize.py must not shadow ogi's own
    packages (they are installed as ogi.data, ogi.extract, ogi.normalize)."""
    for name in ("data", "extract", "normalize"):
        (tmp_path / f"{name}.py").write_text("raise ImportError('the user\\'s own module was imported')\n")
    sample = sorted(SAMPLES_DIR.glob("gen-2021-basic.docx"))[0]
    script = (
        "import ogi\n"
        f"reports, values = ogi.build_dataset([{str(sample)!r}])\n"
        "print(len(reports), len(values))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    n_reports, n_values = map(int, done.stdout.split())
    assert n_reports == 1 and n_values > 100


def test_only_ogi_is_a_top_level_package():
    """setup.cfg maps the repository's folders under ogi.*; no other top-level name is installed."""
    text = (Path(__file__).resolve().parents[1] / "setup.cfg").read_text()
    packages = text.split("packages =", 1)[1].split("include_package_data", 1)[0].split()
    assert packages and all(p == "ogi" or p.startswith("ogi.") for p in packages)
