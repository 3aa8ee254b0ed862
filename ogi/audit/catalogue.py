"""Every audit rule: id, official wording in Chinese, severity.

The arithmetic rules (R1, R3, R4, R5) are data in data/rules.csv and come
from there; the others are checks on the dataset as a whole and are listed
here once, so messages, spreadsheets and the HTML page all show the same
wording. Severity: error = the report contradicts itself or the template's
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
    family: str


_OTHERS = [
    Rule("R6", "统计数应为非负整数（收费金额以万元计可为小数；本年增/减可为负数）", "error", "counts"),
    Rule("R7", "本年“二、上年结转政府信息公开申请数量”应等于上年“四、结转下年度继续办理”", "error", "crossyear"),
    Rule("R8", "现行有效件数应等于上年现行有效件数加本年制发件数减本年废止件数", "warning", "crossyear"),
    Rule("R9", "正文所述数字应与表格数据一致", "warning", "text"),
    Rule("R10", "应使用与报告年度相符的年度报告格式（2019、2020年度用国办公开办函〔2019〕60号格式，"
                "2021年度起用国办公开办函〔2021〕30号格式）", "warning", "template"),
    Rule("R11", "年度报告应包含六部分内容并按顺序排列，表格应以文字形式呈现", "warning", "structure"),
]


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for row in rules():
        out.setdefault(row["id"], Rule(row["id"], row["wording_zh"], row["severity"], "arithmetic"))
    for rule in _OTHERS:
        out[rule.id] = rule
    return out


def rule_order(rule_id: str) -> int:
    """R1 < R3 < … < R11 for sorting (string order would put R10 before R2)."""
    try:
        return int(rule_id.lstrip("R"))
    except ValueError:
        return 99
