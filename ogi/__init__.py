"""ogi: China's open-government-information annual reports as a clean, audited dataset.

    import ogi
    report = ogi.read_report("report.docx")            # one report: meta, values, warnings
    reports, values = ogi.build_dataset(["reports/"])   # two pandas DataFrames
"""
__version__ = "0.1.0"
__all__ = ["read_report", "build", "build_dataset", "__version__"]


def __getattr__(name):
    # Lazy, so `ogi --help` does not pay for pandas and the readers.
    if name in ("read_report", "build", "build_dataset"):
        from . import pipeline
        return getattr(pipeline, name)
    raise AttributeError(f"module 'ogi' has no attribute {name!r}")
