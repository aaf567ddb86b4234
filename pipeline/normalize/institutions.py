"""Normalize institution names: a clean display form, a canonical key, an id, a type, clusters.

* ``clean_institution_name`` keeps the text readable (case kept) and only trims it.
* ``normalize_institution`` builds the key that spelling variants share: casefolded,
  accent-folded, word folds from ``patterns/institution_variants.csv`` (``Languages`` ->
  ``language``, ``Univ.`` -> ``university``, ``&`` -> ``and``), ``No.1``/``No. 1``/``No 1``/``#1``
  -> ``no 1``, apostrophes dropped (``People's`` -> ``peoples``), hyphens and slashes as spaces.
* ``institution_type`` looks the keywords of ``patterns/institution_types.csv`` up in the key;
  the highest ``priority`` wins (``University Hospital`` is a hospital because the table says
  hospital > university) and on a tie the later keyword, the English head noun, wins.
* ``cluster_variants`` merges fuzzy variants, but never across different numbers or a different
  first word (``Changchun ... School`` vs ``Jilin ... School``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from pipeline.labels import INSTITUTION_TYPES
from pipeline.normalize._common import NormalizeDataError, fold_key, read_table

#: Type of a name with no keyword of the table.
DEFAULT_TYPE = "other"

_SPACES = re.compile(r"\s+")
_COMMA_GLUED = re.compile(r",(?=[^\s\d])")
_EDGE_QUOTES = "\"'“”‘’«»"
_TRAILING_PUNCT = " .,;:!?-–—"
_POSSESSIVE_END = re.compile(r"(?:'s|’s|s'|s’)$")
_DOT_BEFORE_WORD = re.compile(r"\.(?=\w)")
_NO_GLUED_NUMBER = re.compile(r"\bno(?=\d)")
_SPLIT_SYMBOLS = re.compile(r"([&#/+])")
_TOKEN_EDGE = ",;:!?\"()[]{}“”‘’«»"
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class _Keyword:
    words: tuple[str, ...]
    type: str
    priority: int


@dataclass(frozen=True)
class _InstitutionTables:
    leading_drops: frozenset[str]
    folds: dict[str, str]
    keywords: tuple[_Keyword, ...]


@lru_cache(maxsize=1)
def _tables() -> _InstitutionTables:
    drops: set[str] = set()
    folds: dict[str, str] = {}
    for row in read_table("institution_variants.csv", ["kind", "text", "replacement"], required=["kind", "text"]):
        if row["kind"] == "drop_leading":
            drops.add(row["text"].casefold())
        elif row["kind"] == "fold" and row["replacement"]:
            folds[fold_key(row["text"])] = fold_key(row["replacement"])
        else:
            raise NormalizeDataError(f"institution_variants.csv: bad row {row}")
    tables = _InstitutionTables(frozenset(drops), folds, ())
    keywords: dict[tuple[str, ...], _Keyword] = {}
    for row in read_table(
        "institution_types.csv", ["keyword", "type", "priority"], required=["keyword", "type", "priority"]
    ):
        if row["type"] not in INSTITUTION_TYPES:
            raise NormalizeDataError(f"institution_types.csv: unknown type {row['type']!r}")
        if not row["priority"].isdigit():
            raise NormalizeDataError(f"institution_types.csv: priority {row['priority']!r} is not a number")
        # Keywords go through the same folds as names, so "Centre" in a name meets "center" here.
        words = tuple(_key_of(row["keyword"], tables).split())
        keyword = _Keyword(words, row["type"], int(row["priority"]))
        if words in keywords and keywords[words] != keyword:
            raise NormalizeDataError(f"institution_types.csv: {row['keyword']!r} is listed twice")
        keywords[words] = keyword
    return _InstitutionTables(frozenset(drops), folds, tuple(keywords.values()))


def clean_institution_name(name: str) -> str:
    """Trim a name for display: leading ``the``/``our``, a possessive end, edge punctuation.

    Also collapses spaces and adds the missing space after a comma (``Co.,Ltd`` -> ``Co., Ltd``).
    """
    if not isinstance(name, str):
        return ""
    text = _SPACES.sub(" ", _COMMA_GLUED.sub(", ", name)).strip()
    drops = _tables().leading_drops
    previous = None
    while text != previous:
        previous = text
        text = text.strip().strip(_EDGE_QUOTES).strip()
        text = _POSSESSIVE_END.sub("", text).rstrip(_TRAILING_PUNCT)
        first, _, rest = text.partition(" ")
        if rest and first.casefold() in drops:
            text = rest
        if text.endswith(")") and "(" not in text:
            text = text[:-1]
        if text.startswith("(") and ")" not in text:
            text = text[1:]
    return text.strip()


def _fold_token(token: str, folds: dict[str, str]) -> str:
    token = token.strip(_TOKEN_EDGE)
    if token in folds:  # forms with their dot or apostrophe: "no.", "int'l", "co."
        return folds[token]
    bare = token.replace("'", "").replace(".", "")
    return folds.get(bare, bare)


def _key_of(cleaned: str, tables: _InstitutionTables) -> str:
    text = fold_key(cleaned).replace("’", "'").replace("‘", "'")
    text = _DOT_BEFORE_WORD.sub(". ", text)
    text = _NO_GLUED_NUMBER.sub("no ", text)
    text = _SPLIT_SYMBOLS.sub(r" \1 ", text)
    words = [_fold_token(token, tables.folds) for token in text.split()]
    return " ".join(" ".join(words).replace("-", " ").replace("/", " ").replace("+", " ").split())


def normalize_institution(name: str) -> str:
    """The canonical key that spelling variants of one institution share (see module doc)."""
    return _key_of(clean_institution_name(name), _tables())


def institution_id(name: str) -> str:
    """``i_`` + 16 hex of the sha1 of the canonical key."""
    return "i_" + hashlib.sha1(normalize_institution(name).encode("utf8")).hexdigest()[:16]


def _keyword_hits(words: Sequence[str]) -> list[tuple[int, int, _Keyword]]:
    """(priority, end position, keyword) of every keyword occurrence in ``words``."""
    hits: list[tuple[int, int, _Keyword]] = []
    for keyword in _tables().keywords:
        width = len(keyword.words)
        for start in range(len(words) - width + 1):
            if tuple(words[start : start + width]) == keyword.words:
                hits.append((keyword.priority, start + width, keyword))
    return hits


def institution_type(name: str) -> str:
    """One of ``pipeline.labels.INSTITUTION_TYPES``, from the keyword table; ``other`` if none."""
    hits = _keyword_hits(normalize_institution(name).split())
    if not hits:
        return DEFAULT_TYPE
    _, _, best = max(hits, key=lambda hit: (hit[0], hit[1]))
    return best.type


def has_institution_keyword(name: str) -> bool:
    """Whether any keyword of the type table occurs in the name (``... Bureau``, ``... School``)."""
    return bool(_keyword_hits(normalize_institution(name).split()))


def _may_merge(first: str, second: str) -> bool:
    """Guards fuzzy scores cannot see: another number or another first word is another place."""
    if _NUMBER.findall(first) != _NUMBER.findall(second):
        return False
    return first.split()[:1] == second.split()[:1]


def cluster_variants(names: Sequence[str], threshold: float = 92.0) -> dict[str, str]:
    """Map each name to the canonical key representing its cluster of fuzzy variants.

    Keys are compared with rapidfuzz ``token_sort_ratio``; pairs at or above ``threshold`` join
    (transitively) unless ``_may_merge`` forbids it. The representative is the longest key, then
    the lexicographically first. The result does not depend on the input order.
    """
    key_of_name = {name: normalize_institution(name) for name in sorted(set(names))}
    keys = sorted({key for key in key_of_name.values() if key})
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for index, key in enumerate(keys):
        later = keys[index + 1 :]
        if not later:
            break
        for other, _score, _ in process.extract(
            key, later, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None
        ):
            if _may_merge(key, other):
                parent[root(other)] = root(key)
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(root(key), []).append(key)
    representative = {
        key: min(group, key=lambda member: (-len(member), member)) for group in members.values() for key in group
    }
    return {name: representative.get(key, key) for name, key in key_of_name.items()}
