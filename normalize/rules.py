"""The template's arithmetic (勾稽关系) as linear equations over field ids.

data/rules.csv writes each rule once, with placeholders ({col}, {row},
{group}); this module expands them for a report's table-3 layout and offers
two uses of the same equations: checking printed values (the audit) and
solving for values the document does not give unambiguously (short rows,
run-together digits, OCR repairs). One place for each rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .schema import T3_COLUMNS, T4_GROUPS, fields, rules


PREVIOUS = "previous:"     # a term read from the same agency's report of the year before


@dataclass(frozen=True)
class Equation:
    rule: str                 # R1, R3, R4, R5; R7, R8 across years
    scope: str                # the column, row or group it is expanded for
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    severity: str
    wording_zh: str
    template: str = "both"    # the layout of its table it needs (both years' for a cross-year rule)

    @property
    def terms(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    @property
    def name(self) -> str:
        return f"{self.rule}[{self.scope}]"

    @property
    def table(self) -> str:
        return field_of(self.terms[0]).split(".")[0]


def field_of(term: str) -> str:
    """The field id of a term (without its `previous:` prefix)."""
    return term[len(PREVIOUS):] if term.startswith(PREVIOUS) else term


def _t3_rows(template_t3: str | None) -> list[str]:
    """Table-3 rows of a layout; with the layout unknown, the rows both layouts print."""
    rows: list[str] = []
    for f in fields().values():
        printed = f.printed_in(template_t3) if template_t3 else f.template == "both"
        if f.table == "t3" and printed and f.row not in rows:
            rows.append(f.row)
    return rows


def _domain(for_each: str, template_t3: str | None) -> tuple[str, list[str]]:
    """The placeholder and the items a rule is expanded for: `col`, `row`, `group` or `name=a|b`."""
    if "=" in for_each:
        name, items = for_each.split("=", 1)
        return name, list(_split(items, "|"))
    if for_each == "col":
        return "col", list(T3_COLUMNS)
    if for_each == "row":
        return "row", _t3_rows(template_t3)
    if for_each == "group":
        return "group", list(T4_GROUPS)
    raise ValueError(f"data/rules.csv: unknown for_each {for_each!r}")


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(sep) if t.strip())


def _side(text: str) -> tuple[str, ...]:
    return _split(text, "+")


def _expand(rule: dict, template_t3: str | None) -> list[Equation]:
    name, domain = _domain(rule["for_each"], template_t3)
    lhs, rhs = rule["equation"].split("=")
    out = []
    for item in domain:
        def expand(side: str, item: str = item) -> tuple[str, ...]:
            return _side(side.replace("{" + name + "}", item))
        out.append(Equation(rule["id"], item, expand(lhs), expand(rhs), rule["severity"], rule["wording_zh"],
                            rule["template"]))
    return out


def equations(template_t3: str | None) -> list[Equation]:
    """Every same-year equation that applies to a report whose table 3 has this layout.

    Table-4 rules apply whatever the layout. With the table-3 layout unknown
    (its （六） rows not read), only the rules both layouts share apply, over
    the rows both print: R4 needs to know which （六） rows to sum.
    """
    out: list[Equation] = []
    for rule in rules():
        if rule["kind"] != "equation" or rule["scope"] != "same_year":
            continue
        uses_t3 = "t3." in rule["equation"]
        if uses_t3 and rule["template"] not in ("both", template_t3):
            continue
        out.extend(_expand(rule, template_t3))
    return out


def crossyear_equations() -> list[Equation]:
    """The equations between a report and the same agency's report of the year before (R7, R8).

    Terms of last year's report carry the `previous:` prefix; `template` is
    the layout both years' table must have (checked by the caller).
    """
    return [eq for rule in rules() if rule["kind"] == "equation" and rule["scope"] == "previous_year"
            for eq in _expand(rule, None)]


def residual(eq: Equation, values: Mapping[str, float | None]) -> float:
    """lhs − rhs with missing terms counted as 0 (the template's convention for blanks)."""
    get = lambda f: values.get(f) or 0  # noqa: E731
    return sum(get(f) for f in eq.lhs) - sum(get(f) for f in eq.rhs)


def solve(known: Mapping[str, float], unknown: set[str], eqs: list[Equation]) -> dict[str, float]:
    """Values of `unknown` fields forced by the equations, given `known` ones.

    Counts are non-negative, so an equation whose remaining unknowns all sit on
    one side with nothing left to share forces them all to 0; an equation with
    one unknown left forces it. Repeats until nothing changes. Returns only
    what is forced; anything still open stays out.
    """
    solved: dict[str, float] = {}
    pending = set(unknown)
    changed = True
    while changed and pending:
        changed = False
        for eq in eqs:
            if not pending.intersection(eq.terms):
                continue
            values = {**known, **solved}
            open_lhs = [f for f in eq.lhs if f in pending]
            open_rhs = [f for f in eq.rhs if f in pending]
            rest = residual(eq, {f: v for f, v in values.items() if f not in pending})
            if len(open_lhs) + len(open_rhs) == 1:
                field = (open_lhs or open_rhs)[0]
                value = -rest if open_lhs else rest
                if value < 0 or value != int(value):
                    continue  # the equation cannot hold; leave it to the audit
                solved[field] = value
            elif rest == 0 and not (open_lhs and open_rhs):
                for field in open_lhs + open_rhs:
                    solved[field] = 0
            else:
                continue
            pending -= set(solved)
            changed = True
    return solved


