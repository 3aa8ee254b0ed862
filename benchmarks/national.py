"""National-scale report records, made straight into OUT/cache.sqlite as if the workers had read them.

    fill_cache(root, n=100_000)   # root/corpus/…/*.docx (empty placeholders) + root/out/cache.sqlite

Used by benchmarks/bench_national.py. A record is a normalized Report as the workers store it
(ogi/cache.py): tests/synthetic.py's numbers (every rule's defect among clean reports, three
linked years per agency), under agency names spread over China's real divisions (cpca's table)
at the four levels 省/市/县/乡, governments and departments. Each file in the corpus is an empty
placeholder whose size and mtime the cache row records, so `ogi build` finds every file cached
and runs only the phases after reading.

Numbers come from a pool of POOL distinct reports (whole agencies' year triples), reused under
other names: the dataset is as wide and as varied in shape as the real one, its numbers repeat.
"""
from __future__ import annotations

import csv
import hashlib
import os
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

POOL = 3_000                     # distinct synthetic reports (a multiple of 3: whole agencies)
FILES_PER_FOLDER = 1_000
COMMIT_EVERY = 5_000             # cache rows per transaction while filling
DEPARTMENTS = ("人民政府", "人民政府办公室", "发展和改革委员会", "教育局", "公安局", "民政局", "司法局", "财政局",
               "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
               "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局",
               "市场监督管理局", "统计局", "医疗保障局", "林业局", "信访局", "退役军人事务局", "城市管理局",
               "行政审批局", "数据资源管理局", "税务局")
TOWNS = ("城关", "新华", "东风", "太平", "永安", "长安", "和平", "兴隆", "三合", "红星", "新民", "青山", "白沙",
         "石桥", "清水", "龙泉", "双河", "高桥", "黄土", "金山")
TOWN_BODIES = ("镇人民政府", "乡人民政府", "街道办事处")


@dataclass(frozen=True)
class Region:
    province: str
    city: str | None
    county: str | None
    adcode: str


@lru_cache(maxsize=1)
def regions() -> dict[str, list[Region]]:
    """level → regions, from cpca's division table (the one ogi's normalizer places names with)."""
    import cpca

    path = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
    with open(path, encoding="utf-8") as f:
        names = {row["adcode"][:6]: row["name"] for row in csv.DictReader(f)}
    out: dict[str, list[Region]] = {"省": [], "市": [], "县": []}
    for code, name in sorted(names.items()):
        province = names.get(code[:2] + "0000")
        if province is None or code.endswith("0000"):
            if code.endswith("0000"):
                out["省"].append(Region(name, None, None, code))
            continue
        if code.endswith("00"):
            out["市"].append(Region(province, name, None, code))
        else:
            out["县"].append(Region(province, names.get(code[:4] + "00", "市辖区"), name, code))
    return out


@lru_cache(maxsize=1)
def _agencies() -> list[tuple[str, Region]]:
    """Every (name, region) this module makes, in a fixed shuffled order: no two alike."""
    places = regions()
    out = [(f"{r.county or r.city or r.province}{body}", r)
           for level in ("省", "市", "县") for r in places[level] for body in DEPARTMENTS]
    out += [(f"{r.county}{town}{TOWN_BODIES[i % len(TOWN_BODIES)]}", r)
            for r in places["县"] for i, town in enumerate(TOWNS)]
    random.Random(0).shuffle(out)
    return out


def agency(index: int) -> tuple[str, Region]:
    """The name and region of agency `index`: distinct for distinct indexes (up to ~150,000: 450,000 reports)."""
    return _agencies()[index]


# ---------------------------------------------------------------- a spec → the Report a worker stores

@lru_cache(maxsize=None)
def _text_parts(paragraphs: tuple[str, ...]):
    """(sections, statements, keywords) of a report's paragraphs: a few distinct texts, computed once."""
    from ogi.keywords import keywords_for
    from ogi.normalize.metadata import Metadata
    from ogi.normalize.narrative import statements
    from ogi.normalize.report import Report
    from ogi.normalize.sections import split_sections

    split = split_sections(list(paragraphs))
    sections, said = dict(split), statements(split)
    probe = Report("", "docx", "", Metadata(), {}, {}, sections=sections)
    return sections, said, keywords_for(probe)


def report(spec: dict, source: str, region: Region, name: str, year: int, values: dict | None = None):
    """The Report a worker would store for `spec` read from `source` (`values`: the spec's, made before)."""
    from ogi.normalize.metadata import Metadata
    from ogi.normalize.report import Report

    sections, said, keywords = _text_parts(tuple(spec["paragraphs"]))
    sha = hashlib.sha256(source.encode()).hexdigest()
    return Report(source=source, format="docx", sha256=sha,
                  meta=Metadata(name, year, region.province, region.city, region.county, region.adcode),
                  values=values if values is not None else spec_values(spec),
                  templates={"t2": spec["t2"], "t3": spec["t3"]},
                  n_pages=None, n_tables=3, tables_found=sorted({fid[:2] for fid in spec["values"]}),
                  sections=dict(sections), statements=[dict(s) for s in said], keywords=list(keywords))


def spec_values(spec: dict) -> dict:
    """The Values a reader gives for the spec's cells (as tests/test_audit.py's `dataset` lays them out)."""
    from test_audit import POSITIONS, T3_COLUMNS, TABLE_INDEX, _digits, _fmt

    from ogi.normalize.schema import fields
    from ogi.normalize.value import Origin, Value

    known, kinds, raws = fields(), spec.get("kinds", {}), spec.get("raw", {})
    out = {}
    for fid, v in spec["values"].items():
        kind, raw = kinds.get(fid) or ("number" if v is not None else "blank"), raws.get(fid, "")
        if v is not None and (kind in ("blank", "dash") or _digits(raw) != _digits(_fmt(v))):
            kind, raw = "number", _fmt(v)
        elif v is None and kind == "number":
            kind, raw = "blank", ""
        prov = spec.get("provenance", {}).get(fid, {})
        kind, origin = Value.parse_label(prov.get("kind", kind))
        row, col = POSITIONS[fid]
        out[fid] = Value(fid, v, raw, kind, origin, table=TABLE_INDEX[fid[:2]], row=row, col=col,
                         confidence=prov.get("confidence"), row_label=known[fid].row_paths[0].split("/")[-1],
                         col_label=known[fid].col_paths[0].split("/")[-1],
                         label_match=prov.get("label_match", "exact"))
    if spec["t3"] == "2021" and any(f.startswith("t3.") for f in spec["values"]):
        for col in T3_COLUMNS:   # the derived （六） row of a 2021 layout
            parts = [spec["values"].get(f"t3.other.{p}.{col}") or 0 for p in ("no_correction", "unpaid_fee", "misc")]
            fid = f"t3.other.{col}"
            out[fid] = Value(fid, sum(parts), "", "number", Origin.DERIVED, label_match="derived")
    return out


# ---------------------------------------------------------------- the corpus and its cache

def source_path(corpus: Path, i: int) -> str:
    return str(corpus / f"{i // FILES_PER_FOLDER:04d}" / f"{i:07d}.docx")


def fill_cache(root: Path, n: int, seed: int = 11, clean: float = 0.0) -> Path:
    """root/corpus with n placeholder files and root/out/cache.sqlite holding a Report for each (made once).

    `clean`: the share of agencies whose reports have no defect (tests/synthetic.py)."""
    from synthetic import synthetic_specs

    from ogi.cache import CACHE_NAME, Cache, Stat

    corpus, out = root / "corpus", root / "out"
    done = root / f".filled-{n}-clean{clean:g}"
    if done.exists():
        return out
    pool = synthetic_specs(min(POOL, n), seed=seed, clean=clean)
    pool_values = [spec_values(spec) for spec in pool]   # shared by the copies: they are only encoded
    with Cache(out / CACHE_NAME, fresh=True) as cache:
        cache.db.execute("BEGIN")
        for i in range(n):
            spec, values = pool[i % len(pool)], pool_values[i % len(pool)]
            name, region = agency(i // 3)
            source = source_path(corpus, i)
            if i % FILES_PER_FOLDER == 0:
                os.makedirs(os.path.dirname(source), exist_ok=True)
            open(source, "wb").close()
            cache.put(source, Stat.of(source), report(spec, source, region, name, spec["year"], values))
            if (i + 1) % COMMIT_EVERY == 0:
                cache.db.execute("COMMIT")
                cache.db.execute("BEGIN")
        cache.db.execute("COMMIT")
    done.write_text(str(n))
    return out
