"""tests/hooks/sitecustomize.py on PYTHONPATH: `env(**hooks)` is the environment for a CLI run with them."""
import os
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def env(base: dict | None = None, **hooks: str) -> dict:
    base = dict(os.environ if base is None else base)
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FOLDER), base.get("PYTHONPATH", "")]))
    return {**base, **hooks}
