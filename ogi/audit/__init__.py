"""The audit (issue 6): check every report of a dataset against the template's rules.

    findings = run_audit(reports, values, statements, previous=(reports_last_year, values_last_year))
    write_audit(out_dir, findings, reports, values)      # findings.parquet/csv, audit.xlsx, audit.html
    audit_dir("OUT", previous_dir="OUT_2023")             # both, from a dataset folder (`ogi audit`)

It reads only the dataset (the reports / values / statements tables) and
data/. One module per rule family:
- arithmetic  R1 R3 R4 R5 (data/rules.csv via normalize.rules)
- counts      R6
- crossyear   R7 R8 (identity pairs an agency's reports across years)
- text        R9 (the statements table, normalize/narrative.py)
- template    R10
- structure   R11
triage decides each finding's cause (extraction or report) and the minimal
correction; outputs writes the files.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from . import arithmetic, counts, crossyear, identity, structure, template, text
from .catalogue import catalogue, rule_order
from .model import FINDING_COLUMNS, build_reports, empty_findings
from .outputs import write_audit

log = logging.getLogger(__name__)

__all__ = ["run_audit", "write_audit", "audit_dir", "FINDING_COLUMNS", "catalogue"]

FAMILIES = (arithmetic, counts, crossyear, text, template, structure)


def _statements_by_report(statements: pd.DataFrame | None, reports: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if statements is not None and len(statements):
        for r in statements.to_dict("records"):
            out.setdefault(str(r["report_id"]), []).append(r)
        return out
    # No statements table: derive them from the section texts the reports table holds.
    text_cols = [c for c in reports.columns if str(c).startswith("text_")]
    if text_cols:
        from normalize.narrative import statements as narrate
        for r in reports[["report_id"] + text_cols].to_dict("records"):
            texts = {c: r[c] for c in text_cols}
            out[str(r["report_id"])] = narrate(texts)
    return out


def run_audit(reports: pd.DataFrame, values: pd.DataFrame, statements: pd.DataFrame | None = None,
              previous: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """All findings of the reports in (reports, values), one row per finding (FINDING_COLUMNS).

    `previous` is an earlier dataset's (reports, values): its reports are only
    compared with (R7/R8), never audited themselves. A dataset that holds
    several years of an agency pairs them by itself.
    """
    current = build_reports(reports, values)
    earlier = build_reports(*previous) if previous is not None else {}
    pool = {**earlier, **current}
    by_key = identity.index(list(current.values()) + [r for k, r in earlier.items() if k not in current])
    said = _statements_by_report(statements, reports)
    rows = []
    for rep in current.values():
        prev = identity.previous_year(rep, by_key)
        for family in FAMILIES:
            try:
                found = family.check(rep, prev=prev, others=pool, statements=said.get(rep.id, []))
            except Exception:  # one broken report must not hide every other finding
                log.exception("%s: %s failed", rep.id, family.__name__)
                continue
            rows.extend(f.row() for f in found)
    if not rows:
        return empty_findings()
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    severity = {"error": 0, "warning": 1, "info": 2}
    df = df.assign(_r=df["rule"].map(rule_order), _s=df["severity"].map(severity))
    df = df.sort_values(["agency", "year", "report_id", "_r", "_s", "check"], kind="stable")
    log.info("audit: %d findings in %d reports", len(df), df["report_id"].nunique())
    return df.drop(columns=["_r", "_s"]).reset_index(drop=True)


def _read(folder: Path, name: str, required: bool = True) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    if required:
        raise FileNotFoundError(f"{path} not found: run `ogi build` first")
    return None


def audit_dir(out_dir, previous_dir=None) -> pd.DataFrame:
    """Audit the dataset in OUT (reports/values/statements.parquet) and write the audit files there."""
    out = Path(out_dir)
    reports, values = _read(out, "reports"), _read(out, "values")
    statements = _read(out, "statements", required=False)
    previous = None
    if previous_dir is not None:
        prev = Path(previous_dir)
        previous = (_read(prev, "reports"), _read(prev, "values"))
    findings = run_audit(reports, values, statements, previous)
    write_audit(out, findings, reports, values)
    return findings
