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
- arithmetic  R12 (a table-3 column left blank throughout)
- coverage    R13 (cells printed but not read)
triage decides each finding's cause (extraction or report) and the minimal
correction (normalize/repair.py); outputs writes the files. The rules
themselves (ids, wording, severity, equations, same/previous year) are rows
of data/rules.csv, the template versions rows of data/templates.csv.

screen.py evaluates the rules as array work for all reports of a batch (a
reports × fields matrix, rule coefficients, one join on agency key and year)
and only the reports a family fails on are looked at in Python, so the
findings are those of every family run on every report, at a fraction of
the cost. audit_reports also counts each report's checks run and passed
(`checks_passed`: "54 项校验通过"), written to OUT/checks.parquet/.csv.

audit_dir never holds the dataset: it audits whole agencies a chunk at a
time (chunks.py), keeps only the findings, and streams audit.xlsx/html from
them and a temp file of the flagged reports' tables. run_audit/write_audit
are the same rules and writers on in-memory tables.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ogi.normalize.schema import fields

from . import arithmetic, counts, coverage, crossyear, identity, screen, structure, template, text
from .catalogue import catalogue, rule_order
from .chunks import CHUNK_REPORTS, VALUES_UNUSED, Chunk, Table, plan, read_keys, system_memory_pool
from .model import FINDING_COLUMNS, Report, empty_findings
from .outputs import GridStore, report_meta, write_audit, write_files

log = logging.getLogger(__name__)

__all__ = ["run_audit", "audit_reports", "write_audit", "audit_dir", "FINDING_COLUMNS", "CHECK_COLUMNS",
           "catalogue"]

FAMILIES = (arithmetic, counts, crossyear, text, template, structure, coverage)


def _statements_by_report(statements: pd.DataFrame | None, reports: pd.DataFrame,
                          derive: bool | None = None) -> dict[str, list[dict]]:
    """report_id → its statements; derived from the reports' section texts when there is no table.

    `derive` is decided by the caller when `statements` is one chunk of a
    table: a chunk with no rows must not fall back to the texts.
    """
    if derive is None:
        derive = statements is None or not len(statements)
    out: dict[str, list[dict]] = {}
    if not derive:
        for r in statements.to_dict("records") if statements is not None else []:
            out.setdefault(str(r["report_id"]), []).append(r)
        return out
    # No statements table: derive them from the section texts the reports table holds.
    text_cols = [c for c in reports.columns if str(c).startswith("text_")]
    if text_cols:
        from ogi.normalize.narrative import statements as narrate
        for r in reports[["report_id"] + text_cols].to_dict("records"):
            texts = {c: r[c] for c in text_cols}
            out[str(r["report_id"])] = narrate(texts)
    return out


def _meta(reports: pd.DataFrame, exclude: set[str] | None = None) -> list[dict]:
    """The reports' metadata rows (not their field columns: cells come from `values`), first row per id."""
    known = fields()
    first = reports.drop_duplicates("report_id")
    if len(first) < len(reports):
        log.warning("%d report ids appear twice in reports; the first row is used", len(reports) - len(first))
    if exclude:
        first = first[~first["report_id"].astype(str).isin(exclude)]
    return first[[c for c in first.columns if c not in known]].to_dict("records")


def _check(reports: pd.DataFrame, values: pd.DataFrame | None, said: dict[str, list[dict]],
           earlier: tuple[pd.DataFrame, pd.DataFrame] | None = None,
           checks: list[dict] | None = None) -> tuple[list[dict], dict[str, Report]]:
    """Finding rows of the reports in (reports, values), unsorted, and the Report of each.

    `earlier` (reports, values) are only compared with. The array screen
    (screen.py) decides which families run in Python on which report; the
    others' checks are counted by it. `checks` gets one row per report: how
    many checks ran on it and how many passed.
    """
    meta = _meta(reports)
    n = len(meta)
    ids = [str(x["report_id"]) for x in meta]
    wide = reports
    if earlier is not None:
        meta += _meta(earlier[0], exclude=set(ids))
        extra = {str(x["report_id"]) for x in meta[n:]}
        values = pd.concat([values, earlier[1][earlier[1]["report_id"].astype(str).isin(extra)]], ignore_index=True)
        wide = pd.concat([reports, earlier[0]], ignore_index=True)
    m = screen.build_matrix(meta, values, wide)
    rows = np.arange(n)
    lay2, lay3 = screen.layouts(meta, "template_t2"), screen.layouts(meta, "template_t3")
    arith, arith_n = screen.screen_arithmetic(m, rows, lay3[:n])
    r6 = screen.screen_counts(m, rows)
    prev = screen.previous_rows(m, meta, n)
    cross, cross_n = screen.screen_crossyear(m, prev, lay2, lay3)
    stated, stated_n = screen.screen_statements(m, ids, said)
    layout = np.array([template.shows_layout(x, t2, t3) for x, t2, t3 in zip(meta, lay2, lay3)], bool)[:n] \
        if n else np.zeros(0, bool)
    source = screen.CellSource(m, values)
    reps = screen.reports_of(meta, m, source)
    need = arith | r6 | cross | stated | layout
    source.preload([ids[i] for i in np.flatnonzero(need)] + [m.ids[p] for p in prev[cross] if p >= 0])
    out = []
    twice = identity.groups([reps[rid] for rid in ids])     # R0: an agency-year read more than once
    for i, rid in enumerate(ids):
        rep = reps[rid]
        out.extend(f.row() for f in identity.duplicates(rep, twice))
        last = reps[m.ids[prev[i]]] if prev[i] >= 0 else None
        run = {arithmetic: arith[i], counts: r6[i], crossyear: cross[i], text: stated[i]}
        found = []
        for family in FAMILIES:
            if not run.get(family, True):
                continue
            try:
                found.extend(family.check(rep, prev=last, others=reps, statements=said.get(rid, [])))
            except Exception:  # one broken report must not hide every other finding
                log.exception("%s: %s failed", rid, family.__name__)
        out.extend(f.row() for f in found)
        if checks is not None:
            counted = ((0 if arith[i] else arith_n[i]) + (0 if r6[i] else 1) + (0 if cross[i] else cross_n[i])
                       + (0 if stated[i] else stated_n[i]))
            checks.append(_checks_row(rep, found, int(counted)))
    return out, {rid: reps[rid] for rid in ids}


CHECK_COLUMNS = ["report_id", "checks", "checks_passed"]


def _checks_row(rep: Report, found, passed_on_screen: int = 0) -> dict:
    """A check is a rule instance (R3[granted], R9[t3.new.total], R6 for all cells …); a finding fails it.

    `passed_on_screen`: the checks of the families the screen found nothing for (not run in Python).
    """
    checked = set(rep.checked)
    failed = {f.check if f.check in checked else f.rule for f in found}
    return {"report_id": rep.id, "checks": len(checked) + passed_on_screen,
            "checks_passed": len(checked - failed) + passed_on_screen}


def _checks_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    return df.astype({"report_id": str, "checks": "int64", "checks_passed": "int64"})


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_findings()
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    return df


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """The findings' one order: agency, year, report, rule, severity (stable within a report)."""
    if not len(df):
        return empty_findings()
    severity = {"error": 0, "warning": 1, "info": 2}
    df = df.assign(_r=df["rule"].map(rule_order), _s=df["severity"].map(severity))
    df = df.sort_values(["agency", "year", "report_id", "_r", "_s", "check"], kind="stable")
    log.info("audit: %d findings in %d reports", len(df), df["report_id"].nunique())
    return df.drop(columns=["_r", "_s"]).reset_index(drop=True)


def audit_reports(reports: pd.DataFrame, values: pd.DataFrame, statements: pd.DataFrame | None = None,
                  previous: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, checks): run_audit's findings and, per report, `checks` run and `checks_passed`."""
    checks: list[dict] = []
    rows, _ = _check(reports, values, _statements_by_report(statements, reports), previous, checks)
    return _sorted(_frame(rows)), _checks_frame(checks)


def run_audit(reports: pd.DataFrame, values: pd.DataFrame, statements: pd.DataFrame | None = None,
              previous: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """All findings of the reports in (reports, values), one row per finding (FINDING_COLUMNS).

    `previous` is an earlier dataset's (reports, values): its reports are only
    compared with (R7/R8), never audited themselves. A dataset that holds
    several years of an agency pairs them by itself.
    """
    return audit_reports(reports, values, statements, previous)[0]


def _path(folder: Path, name: str, required: bool = True) -> Path | None:
    path = folder / f"{name}.parquet"
    if path.exists():
        return path
    if required:
        raise FileNotFoundError(f"{path} not found: run `ogi build` first")
    return None


def audit_dir(out_dir, previous_dir=None, chunk_size: int = CHUNK_REPORTS, reviews_dir=None) -> pd.DataFrame:
    """Audit the dataset in OUT (reports/values/statements.parquet) and write the audit files there.

    Chunk by chunk (see chunks.py): memory follows `chunk_size`, not the
    dataset. Only the findings (about two per report) are held whole; each
    flagged report's tables go to a temporary file for audit.xlsx/html. The decisions of
    `reviews_dir`/reviews.csv (default: OUT's own) are carried into the findings.
    """
    with system_memory_pool():
        return _audit_chunks(Path(out_dir), previous_dir, chunk_size, reviews_dir)


@dataclass
class _Tables:
    """A dataset folder's tables, read chunk by chunk (and the earlier dataset's, for R7/R8)."""
    reports: Table
    values: Table
    statements: Table | None
    prev_reports: Table | None = None
    prev_values: Table | None = None

    @property
    def derive(self) -> bool:
        """No statements table (or an empty one): run_audit derives them from the section texts."""
        return self.statements is None or self.statements.num_rows == 0


def _audit_chunk(tables: _Tables, chunk: Chunk, store: GridStore, meta: dict[str, dict],
                 checks: list[dict]) -> pd.DataFrame:
    """The chunk's findings (unsorted); its flagged reports' tables and meta kept for the files."""
    rep_df, val_df = tables.reports.read(chunk.current), tables.values.read(chunk.current, VALUES_UNUSED)
    earlier = None
    if tables.prev_reports is not None and chunk.previous:
        earlier = (tables.prev_reports.read(chunk.previous), tables.prev_values.read(chunk.previous, VALUES_UNUSED))
    statements = None if tables.derive else tables.statements.read(chunk.current)
    said = _statements_by_report(statements, rep_df, tables.derive)
    rows, current = _check(rep_df, val_df, said, earlier, checks)
    found = _frame(rows)
    flagged = set(found["report_id"].astype(str)) & set(current)
    store.add(val_df, flagged)     # every report's cells for the page; the flagged ones' grids for audit.xlsx
    meta.update({rid: report_meta(rep.meta) for rid, rep in current.items()})
    # last year's reports, so a cross-year finding can name them (not listed as audited)
    for row in earlier[0].to_dict("records") if earlier is not None else []:
        meta.setdefault(str(row["report_id"]), {**report_meta(row), "previous": True})
    return found


def _audit_chunks(out: Path, previous_dir, chunk_size: int, reviews_dir=None) -> pd.DataFrame:
    statements = _path(out, "statements", required=False)
    tables = _Tables(Table(_path(out, "reports")), Table(_path(out, "values")),
                     Table(statements) if statements is not None else None)
    prev_keys = None
    if previous_dir is not None:
        prev = Path(previous_dir)
        tables.prev_reports, tables.prev_values = Table(_path(prev, "reports")), Table(_path(prev, "values"))
        prev_keys = read_keys(_path(prev, "reports"))
    chunks = plan(read_keys(_path(out, "reports")), prev_keys, chunk_size)
    del prev_keys
    frames, meta, checks = [], {}, []
    with GridStore(out) as store:
        for i, chunk in enumerate(chunks):
            found = _audit_chunk(tables, chunk, store, meta, checks)
            log.debug("audit: chunk %d/%d, %d reports, %d findings", i + 1, len(chunks), len(chunk.current),
                      len(found))
            if len(found):
                frames.append(found)
        findings = _sorted(pd.concat(frames, ignore_index=True) if frames else empty_findings())
        write_files(out, findings, meta, store.grids, sum(len(c.current) for c in chunks), store.cells,
                    reviews_dir=reviews_dir, checks=_checks_frame(checks))
    return findings
