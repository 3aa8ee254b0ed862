"""The project's data: canonical fields, label variants, rules and sample reports.

Everything the pipeline knows about the report template lives here as CSV, so
adding a label variant or a field is a one-line data change.
"""
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
SAMPLES_DIR = DATA_DIR / "samples"
