"""Every audit rule: id, official wording in Chinese, severity, from data/rules.csv.

One row per rule there (the arithmetic rules may have one row per layout; the
first gives the wording), so messages, spreadsheets and the HTML page all
show the same wording. `kind` names the family of checks that runs it.
Severity: error = the report contradicts itself or the template's
arithmetic; warning = likely wrong, may be legitimate (mergers, narrower text
scope, template choice); info = worth a look, not a defect.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ogi.normalize.schema import rules

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    id: str
    wording_zh: str
    severity: str
    family: str           # kind in data/rules.csv: equation, counts, text, template, structure …
    scope: str = "same_year"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for row in rules():
        if row["severity"] not in SEVERITIES:
            raise ValueError(f"data/rules.csv: {row['id']} has unknown severity {row['severity']!r}")
        out.setdefault(row["id"], Rule(row["id"], row["wording_zh"], row["severity"], row["kind"], row["scope"]))
    return out


def rule_order(rule_id: str) -> int:
    """R1 < R3 < … < R11 for sorting (string order would put R10 before R2)."""
    try:
        return int(rule_id.lstrip("R"))
    except ValueError:
        return 99
