"""The sample batch read today equals what it read before the restructuring (tests/fixtures/golden,
written by the build of data/samples at the commit before the code moved under ogi.*).

Columns added since are allowed; every column the golden files hold must be equal, numbers as numbers
(so a change of dtype, such as exact integers instead of floats, is not a difference, a changed digit is).
"""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ogi.data import DATA_DIR

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
KEYS = {"reports": ["report_id"], "values": ["report_id", "field"], "statements": ["report_id", "sentence", "number"]}


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    repo = DATA_DIR.parent
    done = subprocess.run([sys.executable, "-m", "ogi.cli", "build", "data/samples", "-o", str(out), "-j", "1"],
                          cwd=repo, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _same(golden: pd.Series, now: pd.Series) -> pd.Series:
    g_num, n_num = pd.to_numeric(golden, errors="coerce"), pd.to_numeric(now, errors="coerce")
    numeric = g_num.notna() & n_num.notna()
    return (numeric & (g_num == n_num)) | (~numeric & (golden == now))


@pytest.mark.parametrize("table", sorted(KEYS))
def test_sample_batch_reads_as_before_the_restructuring(sample_build, table):
    golden, now = _read(GOLDEN / f"{table}.csv"), _read(sample_build / f"{table}.csv")
    missing = [c for c in golden.columns if c not in now.columns]
    assert missing == []
    keys = KEYS[table]
    golden, now = golden.sort_values(keys).reset_index(drop=True), now.sort_values(keys).reset_index(drop=True)
    assert len(golden) == len(now)
    for column in golden.columns:
        differs = ~_same(golden[column], now[column])
        assert not differs.any(), (column, golden.loc[differs, keys + [column]].head(3).to_dict("records"),
                                   now.loc[differs, [column]].head(3).to_dict("records"))
