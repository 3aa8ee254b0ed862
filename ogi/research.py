"""The researcher-facing extras of an OUT folder: indicators, keywords, data dictionary.

Called after the dataset itself is written (ogi build), because
datapackage.json describes every CSV present, the dataset's included.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from .dataset import TABLES, Dataset
from .identity import one_per_agency_year
from .output import write_frame

log = logging.getLogger(__name__)


def research_frames(dataset: Dataset, min_denominator: int | None = None) -> dict:
    """name → DataFrame for indicators, indicators_by_region, keywords, keywords_by_region."""
    from .indicators import indicators, indicators_by_region
    from .keywords import aggregate_keywords

    per_report = indicators(dataset.reports, min_denominator, values=dataset.values)
    keywords = dataset.keywords       # computed by the workers as they read (ogi/work.py)
    return {
        "indicators": per_report,
        "indicators_by_region": indicators_by_region(dataset.reports, min_denominator, per_report=per_report),
        "keywords": keywords,
        # one report per agency-year: a report read twice would count its keywords twice
        "keywords_by_region": aggregate_keywords(one_per_agency_year(dataset.reports), keywords),
    }


def write_research_outputs(out_dir: str | os.PathLike, dataset: Dataset, *, min_denominator: int | None = None
                           ) -> Path:
    """Write OUT/indicators*, OUT/keywords* (.parquet and .csv) and OUT/datapackage.json.

    Returns the datapackage.json path. `min_denominator` overrides the
    small-number threshold of data/indicators.csv (30). The keywords table is the dataset's own
    (ogi/keywords.py keywords_for, 10 per report); write_frame rewrites it beside the others.
    """
    from .datapackage import write_datapackage

    out = Path(out_dir)
    for name, frame in research_frames(dataset, min_denominator).items():
        if name in TABLES:
            continue            # written with the dataset
        write_frame(frame, out, name)
        log.info("wrote %s (%d rows)", name, len(frame))
    return write_datapackage(out)
