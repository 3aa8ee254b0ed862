"""A synthetic audit batch with known defects: every rule's failure, and clean reports between them.

    reports, values, statements = synthetic_dataset(n=120, seed=5)

Agencies publish three consecutive years each (so R7/R8 pair them); each
report gets one defect (or none) from DEFECTS in turn, on numbers that
satisfy the template arithmetic before the defect (tests/generate.py
random_truth). Used by the audit's byte-identity fixture (tests/test_engine.py)
and by benchmarks/bench_audit.py.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_audit import (HEADINGS, T3_COLUMNS, _rebalance, dataset, nonzero_t4, paragraphs,  # noqa: E402
                        spec_from_truth, truth)

REGIONS = [
    dict(province="江苏省", city="淮安市", county="洪泽区", adcode="320813"),
    dict(province="浙江省", city="杭州市", county="余杭区", adcode="330110"),
    dict(province="广东省", city="广州市", county="天河区", adcode="440106"),
    dict(province="四川省", city="成都市", county="龙泉驿区", adcode="510112"),
]
BODIES = ["人民政府", "财政局", "民政局", "农业农村局", "司法局", "卫生健康局"]

DEFECTS = ("clean", "arith", "r1", "t4_total_zero", "t4_part", "dash", "r6", "r9", "sections", "no_t4", "suspect",
           "short_row", "blank_total_column", "citation", "r8", "r7", "wrong_format", "clean")


def _v(values: dict, fid: str) -> float:
    return values.get(fid) or 0


def _inject(defect: str, t, spec_over: dict, rng: random.Random) -> None:
    v = t.values
    if defect == "arith":
        fid = rng.choice([f for f in v if f.startswith("t3.") and not f.startswith("t3.other.")])
        v[fid] = _v(v, fid) + rng.randint(1, 9)
    elif defect == "r1":
        v["t3.new.commercial"] = _v(v, "t3.new.commercial") + 4
    elif defect == "t4_total_zero":
        t.values = v = nonzero_t4(v)
        v["t4.review.total"] = 0
    elif defect == "t4_part":
        t.values = v = nonzero_t4(v)
        v["t4.review.upheld"] = 5
    elif defect == "dash":
        t.values = v = nonzero_t4(v)
        v["t4.review.other"] = None
        t.kinds["t4.review.other"], t.raw["t4.review.other"] = "dash", "—"
    elif defect == "r6":
        v["t2.licensing.decisions"] = -3
        v["t2.penalty.decisions"] = 2.5
        v["t2.coercion.decisions"] = None
        t.kinds["t2.coercion.decisions"], t.raw["t2.coercion.decisions"] = "text", "详见附件"
    elif defect == "r9":
        n = int(_v(v, "t3.new.total"))
        granted = int(_v(v, "t3.granted.total") + _v(v, "t3.partial.total"))
        spec_over["paragraphs"] = paragraphs(extra={"一、总体情况": [
            f"本年度共受理政府信息公开申请{n + 5}件，答复{int(_v(v, 't3.total.total'))}件。",
            f"其中予以公开及部分公开{granted + 3}件，因本机关不掌握等原因无法提供{granted}件。",
            f"政府信息公开行政复议{int(_v(v, 't4.review.total')) + 1}件。"]})
    elif defect == "sections":
        spec_over["paragraphs"] = paragraphs([h for h in HEADINGS if not h.startswith("五")])
    elif defect == "no_t4":
        spec_over["values"] = {k: x for k, x in v.items() if not k.startswith("t4.")}
        spec_over["paragraphs"] = paragraphs(extra={"六、其他需要报告的事项": ["无。"]})
    elif defect == "suspect":
        t.values = v = nonzero_t4(v)
        v["t4.review.total"] = 0
        prov = rng.choice([{"kind": "inferred"}, {"kind": "ocr", "confidence": 0.6}, {"label_match": "fuzzy"}])
        spec_over["provenance"] = {"t4.review.upheld": prov}
    elif defect == "short_row":
        v["t3.granted.total"] = _v(v, "t3.granted.total") + 1
        spec_over["values"] = {k: x for k, x in v.items() if k != "t3.granted.research"}
    elif defect == "blank_total_column":     # a 2019 report printing 总计 blank in every detail row
        for fid in list(v):
            if fid.startswith("t3.") and fid.endswith(".total") and fid not in (
                    "t3.new.total", "t3.carried_over.total", "t3.total.total", "t3.carried_forward.total"):
                v[fid] = None
                t.kinds[fid], t.raw[fid] = "blank", ""
    elif defect == "citation":
        paras = paragraphs()
        paras.insert(1, "本报告依据国办公开办函〔2019〕60号要求编制。")
        spec_over["paragraphs"] = paras
    elif defect == "r8":
        v["t2.normative.in_force"] = _v(v, "t2.normative.in_force") + 5
    elif defect == "r7":
        v["t3.carried_over.natural"] = _v(v, "t3.carried_over.natural") + 2
        v["t3.carried_over.total"] = _v(v, "t3.carried_over.total") + 2
        v["t3.carried_forward.natural"] = _v(v, "t3.carried_forward.natural") + 2
        v["t3.carried_forward.total"] = _v(v, "t3.carried_forward.total") + 2
    elif defect == "wrong_format":
        t.year = 2020 if t.year >= 2021 else 2022


def _link(prev, t) -> None:
    """This year's 上年结转 = last year's 结转下年度 and 现行有效 carried on, arithmetic restored."""
    for col in T3_COLUMNS:
        t.values[f"t3.carried_over.{col}"] = prev.values.get(f"t3.carried_forward.{col}") or 0
    _rebalance(t.values)
    if t.template["table2"] == "2021" and prev.template["table2"] == "2021":
        for row in ("regulation", "normative"):
            t.values[f"t2.{row}.repealed"] = 0
            t.values[f"t2.{row}.in_force"] = _v(prev.values, f"t2.{row}.in_force") + _v(t.values, f"t2.{row}.issued")


def synthetic_specs(n: int, seed: int = 5, clean: float = 0.0) -> list[dict]:
    """`clean`: the share of agencies whose reports have no defect (and a layout that fits the year)."""
    rng = random.Random(seed)
    pick = random.Random(seed + 1)
    spotless = set()
    specs, prev = [], None
    for i in range(n):
        agency, year_index = divmod(i, 3)
        if year_index == 0 and clean and pick.random() < clean:
            spotless.add(agency)
        layout = ("2021", "2021", "2019", "hybrid")[agency % 4]
        if agency in spotless:
            layout = "2021"
        years = (2019, 2020, 2021) if layout == "2019" else (2021, 2022, 2023)
        t = truth(seed * 100_000 + i, layout, years[year_index])
        if year_index and prev is not None and layout != "2019":
            _link(prev, t)
        prev = t
        region = REGIONS[agency % len(REGIONS)]
        name = region["county"] + BODIES[(agency // len(REGIONS)) % len(BODIES)]
        if agency >= len(REGIONS) * len(BODIES):      # one name per agency: R7/R8 pair its own years only
            name = f"{name}{agency // (len(REGIONS) * len(BODIES))}"
        over: dict = {}
        defect = "clean" if agency in spotless else DEFECTS[i % len(DEFECTS)]
        _inject(defect, t, over, rng)
        specs.append(spec_from_truth(t, f"s{seed}-{i:06d}", agency=name, **region, **over))
    return specs


def _coverage(reports, specs) -> None:
    """The coverage columns of `reports` (issue 12): a cell left out of a spec's values was not read."""
    from ogi.normalize.schema import fields

    for table in ("t2", "t3", "t4"):
        printed = {f.id for f in fields().values() if f.table == table and not f.sum_of}
        missing = []
        for spec in specs:
            layout = spec["t2"] if table == "t2" else spec["t3"] if table == "t3" else "both"
            want = {f for f in printed if fields()[f].template in ("both", layout)}
            missing.append(len(want - set(spec["values"])) if want & set(spec["values"]) else len(want))
        reports[f"cells_missing_{table}"] = missing
        counts = [len({f for f in printed if fields()[f].template in ("both", s["t2"] if table == "t2" else s["t3"]
                                                                       if table == "t3" else "both")})
                  for s in specs]
        reports[f"coverage_{table}"] = [1 - m / c for m, c in zip(missing, counts)]
    cols = [f"coverage_{t}" for t in ("t2", "t3", "t4")]
    reports["coverage"] = reports[cols].mean(axis=1)


def synthetic_dataset(n: int, seed: int = 5, clean: float = 0.0):
    """(reports, values, statements) of `n` synthetic reports in the dataset contract, with coverage columns."""
    specs = synthetic_specs(n, seed, clean)
    reports, values, statements = dataset(specs)
    _coverage(reports, specs)
    return reports, values, statements
