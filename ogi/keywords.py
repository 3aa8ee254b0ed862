"""What agencies say their problems are: keywords of section 五, per report and per region.

Section 五 (存在的主要问题及改进情况) is the one place a report names its own
weaknesses, so its vocabulary is a cheap, comparable theme signal. jieba's
TF-IDF does the work; two data files make it fit these reports:

- data/userdict.txt keeps domain terms whole (政务公开, 依申请公开, 政策解读 …),
  which jieba's general dictionary would cut into 政务 + 公开;
- data/stopwords.txt drops the boilerplate every report repeats (进一步, 加强,
  工作, 推进 …), which would otherwise top every list.

jieba is imported and its dictionary built only when keywords are asked for,
once per process, with its cache file in TMPDIR (never in the package).
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from functools import lru_cache
from typing import Sequence

import pandas as pd

from ogi.data import DATA_DIR

log = logging.getLogger(__name__)

KEYWORD_COLUMNS = ["report_id", "keyword", "weight"]
REGION_KEYWORD_COLUMNS = ["province", "year", "keyword", "weight", "n_reports"]
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
USERDICT_FILE = DATA_DIR / "userdict.txt"

_NAME_COLUMNS = ("agency", "province", "city", "county")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")


def problems_column() -> str:
    """The reports column holding section 五's text, as normalize.sections names it."""
    from ogi.normalize.sections import SECTION_COLUMNS
    return SECTION_COLUMNS["problems"]


def text_columns() -> list[str]:
    """Every reports column holding body text: for keywords over the whole report."""
    from ogi.normalize.sections import PREAMBLE_COLUMN, SECTION_COLUMNS
    return [PREAMBLE_COLUMN, *SECTION_COLUMNS.values()]


def _cache_dir() -> str:
    return os.environ.get("TMPDIR") or tempfile.gettempdir()


@lru_cache(maxsize=1)
def extractor():
    """jieba's TF-IDF extractor with ogi's dictionary and stop words; built once per process."""
    import jieba
    import jieba.analyse

    # jieba attaches a DEBUG stderr handler to its own logger at import; its
    # "Building prefix dict" chatter is not the user's business.
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = _cache_dir()
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = _cache_dir()
    tokenizer.load_userdict(str(USERDICT_FILE))
    tfidf = jieba.analyse.TFIDF()
    tfidf.tokenizer = _DictionaryOnly(tokenizer)
    tfidf.set_stop_words(str(STOPWORDS_FILE))
    log.info("jieba keyword extractor ready (user dictionary %s)", USERDICT_FILE.name)
    return tfidf


class _DictionaryOnly:
    """A jieba tokenizer with HMM new-word guessing off: on report prose it
    invents fragments (含上, 顺延到, 中所列) that would rank as rare terms."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer

    def cut(self, sentence, *args, **kwargs):
        return self._tokenizer.cut(sentence, HMM=False)


def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines() if w.strip())


def _is_keyword(word: str) -> bool:
    """A Chinese term without digits: drops years, counts and stray Latin."""
    return bool(_CJK.search(word)) and not _DIGIT.search(word)


def keywords_of(text: str, topk: int = 10, names: Sequence[str] = ()) -> list[tuple[str, float]]:
    """[(keyword, TF-IDF weight)] of one text, best first.

    `names` (the report's agency and places) are cut out first: a report
    names itself everywhere, which says nothing about its themes.
    """
    text = unicodedata.normalize("NFKC", text or "")
    for name in sorted({n for n in names if isinstance(n, str) and len(n) > 1}, key=len, reverse=True):
        text = text.replace(name, " ")
    text = text.strip()
    if not text:
        return []
    tags = extractor().extract_tags(text, topK=None, withWeight=True)
    return [(w, float(weight)) for w, weight in tags if _is_keyword(w)][:topk]


def keywords_for(report, topk: int = 10) -> list[tuple[str, float]]:
    """The keywords of one normalized report's section 五, as `report_keywords` gives them for its row.

    Called in the workers while they read, so jieba loads once per worker and the keywords table
    is written with the dataset instead of in a serial pass after it."""
    meta = report.meta
    names = [getattr(meta, name, None) for name in _NAME_COLUMNS]
    return keywords_of(report.sections.get(problems_column(), "") or "", topk, names=names)


def _texts(reports: pd.DataFrame, column: str | Sequence[str] | None) -> pd.Series:
    columns = [column or problems_column()] if column is None or isinstance(column, str) else list(column)
    present = [c for c in columns if c in reports]
    if not present:
        if not reports.empty:
            log.warning("no text column %s in reports; no keywords", ", ".join(columns))
        return pd.Series("", index=reports.index)
    return reports[present].fillna("").astype(str).agg("\n".join, axis=1)


def report_keywords(reports: pd.DataFrame, topk: int = 10,
                    column: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The top keywords of each report's section 五 (or of `column`, or a list of columns).

    One row per (report_id, keyword) with its TF-IDF weight, best first per
    report; reports without text have no rows. For the whole report pass
    `column=text_columns()`.
    """
    rows = []
    names = reports.reindex(columns=list(_NAME_COLUMNS)).astype(object).where(lambda d: d.notna(), None)
    for report_id, text, own in zip(reports["report_id"], _texts(reports, column), names.itertuples(index=False)):
        rows += [(report_id, word, weight) for word, weight in keywords_of(text, topk, names=own)]
    df = pd.DataFrame(rows, columns=KEYWORD_COLUMNS)
    return df.astype({"report_id": "string", "keyword": "string", "weight": "float64"})


def aggregate_keywords(reports: pd.DataFrame, keywords: pd.DataFrame, topk: int | None = 20) -> pd.DataFrame:
    """Keyword themes per province and year.

    weight = the keyword's mean weight over the group's reports that have
    keywords (a report without the keyword adds 0), so a term many agencies
    name outranks one agency's pet phrase; n_reports = reports naming it.
    The best `topk` per group are kept (all with topk=None).
    """
    meta = reports[["report_id", "province", "year"]].astype({"report_id": "string"})
    kw = keywords.merge(meta, on="report_id", how="inner")
    if kw.empty:
        return _typed_region(pd.DataFrame(columns=REGION_KEYWORD_COLUMNS))
    group = ["province", "year"]
    n_with_text = kw.groupby(group, dropna=False)["report_id"].nunique().rename("n_group")
    out = (kw.groupby(group + ["keyword"], dropna=False)
             .agg(weight=("weight", "sum"), n_reports=("report_id", "nunique"))
             .reset_index()
             .merge(n_with_text.reset_index(), on=group, how="left"))
    out["weight"] = out["weight"] / out["n_group"]
    out = out.sort_values(group + ["weight", "keyword"], ascending=[True, True, False, True],
                          na_position="last", ignore_index=True)
    if topk:
        out = out.groupby(group, dropna=False, sort=False).head(topk).reset_index(drop=True)
    return _typed_region(out[REGION_KEYWORD_COLUMNS])


def _typed_region(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({"province": "string", "year": "Int64", "keyword": "string", "weight": "float64",
                      "n_reports": "Int64"})
