"""The canonical schema, read once from data/: fields, label variants and rules.

Nothing here knows a label or a field by heart: everything comes from the CSV
files, so the template can change by editing data, not code. Loading checks
the files against each other and names the file and line of a bad entry.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ogi.data import DATA_DIR

class SchemaError(ValueError):
    """A data file contradicts itself or another data file."""


@dataclass(frozen=True)
class Field:
    id: str
    table: str            # t2, t3, t4
    template: str         # 2019, 2021 or both: the layouts that print it
    row_paths: tuple[str, ...]
    col_paths: tuple[str, ...]
    unit: str
    type: str             # integer, signed_integer, decimal
    label_zh: str
    description: str
    sum_of: tuple[str, ...]   # printed parts of a derived field

    @property
    def row(self) -> str:
        return ".".join(self.id.split(".")[1:-1])

    @property
    def column(self) -> str:
        return self.id.split(".")[-1]

    def printed_in(self, template: str | None) -> bool:
        return template is not None and self.template in ("both", template)


@dataclass(frozen=True)
class Label:
    table: str            # heading (section headings), t2, t3, t4
    template: str
    canonical_path: str
    variant: str
    line: int             # line in labels.csv, for error messages


def _read_csv(name: str) -> list[tuple[int, dict]]:
    path = Path(DATA_DIR) / name
    with open(path, encoding="utf-8", newline="") as f:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(f))]


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(sep) if p.strip())


@lru_cache(maxsize=None)
def fields() -> dict[str, Field]:
    out: dict[str, Field] = {}
    for line, row in _read_csv("fields.csv"):
        if row["id"] in out:
            raise SchemaError(f"data/fields.csv line {line}: duplicate field id {row['id']}")
        out[row["id"]] = Field(
            id=row["id"], table=row["table"], template=row["template"],
            row_paths=_split(row["row_path"], "|") or ("",), col_paths=_split(row["col_path"], "|"),
            unit=row["unit"], type=row["type"], label_zh=row["label_zh"],
            description=row["description"], sum_of=_split(row["sum_of"], " "),
        )
    for f in out.values():
        for part in f.sum_of:
            if part not in out:
                raise SchemaError(f"data/fields.csv: {f.id} sums unknown field {part}")
    return out


@lru_cache(maxsize=None)
def labels() -> tuple[Label, ...]:
    out = []
    for line, row in _read_csv("labels.csv"):
        variant = row["variant"].replace("\\n", "\n")
        out.append(Label(row["table"], row["template_version"], row["canonical_path"], variant, line))
    return tuple(out)


@lru_cache(maxsize=None)
def rules() -> tuple[dict, ...]:
    return tuple(row for _, row in _read_csv("rules.csv"))


@dataclass(frozen=True)
class Template:
    version: str          # 2019, 2021: what template_t2 / template_t3 hold
    document: str         # the 文号 that set it (国办公开办函〔2021〕30号)
    citation: str         # the 文号 as reports cite it (〔2021〕30号)
    first_year: int       # the first report year it is for
    last_year: int | None # the last, None while it is current
    name_zh: str          # how a message names it

    def fits(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


@lru_cache(maxsize=None)
def templates() -> tuple[Template, ...]:
    """The template versions in order of first report year, from data/templates.csv."""
    out = []
    for line, row in _read_csv("templates.csv"):
        try:
            out.append(Template(row["version"], row["document"], row["citation"], int(row["first_year"]),
                                int(row["last_year"]) if row["last_year"] else None, row["name_zh"]))
        except ValueError as exc:
            raise SchemaError(f"data/templates.csv line {line}: {exc}") from exc
    return tuple(sorted(out, key=lambda t: t.first_year))


def template_for_year(year: int | None) -> Template | None:
    """The template a report of this year must use; None before the first one."""
    if year is None:
        return None
    return next((t for t in templates() if t.fits(year)), None)


@dataclass(frozen=True)
class TableDef:
    """One statistical table (data/tables.csv): the section it sits in, its Excel sheet, and the words
    that mark a page as holding it (for the paged readers)."""
    id: str                        # t2, t3, t4
    section: str                   # key in data/sections.csv
    sheet: str                     # its sheet in dataset.xlsx
    page_anchors: tuple[str, ...]
    lead_anchors: tuple[str, ...]


@lru_cache(maxsize=None)
def sections() -> tuple[dict, ...]:
    """data/sections.csv: the six sections in template order (key, numeral, keywords)."""
    return tuple(row for _, row in _read_csv("sections.csv"))


@lru_cache(maxsize=None)
def table_defs() -> dict[str, TableDef]:
    """data/tables.csv: t2/t3/t4 in template order."""
    return {row["table"]: TableDef(row["table"], row["section"], row["sheet"], _split(row["page_anchors"], "|"),
                                   _split(row["lead_anchors"], "|"))
            for _, row in _read_csv("tables.csv")}


@lru_cache(maxsize=None)
def table_headings() -> dict[str, str]:
    """t2/t3/t4 → the official heading of the section they sit in ("二、主动公开政府信息情况")."""
    numeral = {row["key"]: row["numeral"] for row in sections()}
    official = {lab.canonical_path[:1]: lab.canonical_path for lab in labels()
                if lab.table == "heading" and lab.canonical_path[1:2] == "、"}
    return {t.id: official[numeral[t.section]] for t in table_defs().values()}


@lru_cache(maxsize=None)
def table_titles() -> dict[str, str]:
    """t2/t3/t4 → their printed title ("表二 主动公开政府信息情况"), from the official section headings."""
    return {t: f"表{head[0]} {head[2:]}" for t, head in table_headings().items()}


def table_fields(table: str) -> list[Field]:
    return [f for f in fields().values() if f.table == table]


# Table 3's applicant columns and table 4's groups, in fields.csv order (the printed order).
T3_COLUMNS = tuple(dict.fromkeys(f.column for f in table_fields("t3")))
T4_GROUPS = tuple(dict.fromkeys(f.id.split(".")[1] for f in table_fields("t4")))
