"""The template arithmetic as equations, and the solver that places values by it."""
from ogi.normalize.rules import equations, residual, solve
from ogi.normalize.schema import T3_COLUMNS


def test_each_layout_gets_its_own_result_sum():
    r4_2019 = next(e for e in equations("2019") if e.rule == "R4" and e.scope == "total")
    r4_2021 = next(e for e in equations("2021") if e.rule == "R4" and e.scope == "total")
    assert "t3.other.total" in r4_2019.lhs and "t3.other.misc.total" not in r4_2019.lhs
    assert "t3.other.misc.total" in r4_2021.lhs and "t3.other.total" not in r4_2021.lhs
    assert len(r4_2019.lhs) == 19 and len(r4_2021.lhs) == 21


def test_unknown_layout_keeps_the_rules_both_layouts_share():
    rules = {(e.rule, e.scope) for e in equations(None)}
    assert {("R1", c) for c in T3_COLUMNS} <= rules
    assert ("R3", "new") in rules and ("R3", "other") not in rules and ("R3", "other.misc") not in rules
    assert not any(rule == "R4" for rule, _ in rules)
    assert {("R5", g) for g in ("review", "suit_direct", "suit_after_review")} <= rules


def test_residual_counts_missing_as_zero():
    eq = next(e for e in equations("2021") if e.rule == "R5" and e.scope == "review")
    assert residual(eq, {"t4.review.upheld": 10, "t4.review.corrected": 1, "t4.review.total": 0}) == 11


def test_solver_forces_zeros_and_single_unknowns_but_never_guesses():
    eqs = [e for e in equations("2019") if e.rule in ("R1", "R5")]
    known = {f"t3.new.{c}": 0 for c in T3_COLUMNS} | {f"t3.carried_over.{c}": 0 for c in T3_COLUMNS}
    known |= {"t4.review.upheld": 3, "t4.review.corrected": 1, "t4.review.other": 0}
    unknown = {f"t3.total.{c}" for c in T3_COLUMNS} | {f"t3.carried_forward.{c}" for c in T3_COLUMNS}
    unknown |= {"t4.review.pending", "t4.review.total"}
    solved = solve(known, unknown, eqs)
    assert all(solved[f"t3.total.{c}"] == 0 and solved[f"t3.carried_forward.{c}"] == 0 for c in T3_COLUMNS)
    assert "t4.review.pending" not in solved and "t4.review.total" not in solved  # two unknowns, one equation
    solved = solve(known | {"t4.review.pending": 2}, {"t4.review.total"}, eqs)
    assert solved["t4.review.total"] == 6
