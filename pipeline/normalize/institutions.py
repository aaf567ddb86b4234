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
* ``is_acronym_of`` and ``is_short_form_of`` tell when one name of an article is another's
  abbreviation (``ZSTU`` / ``Zeya State Technical University``) or short form (``Qingdao Haitong``
  / ``Qingdao Haitong Rail Equipment Co., Ltd.``; ``Education Department`` / ``Education
  Department of Rostov-on-Don``): fuzzy scores cannot see those.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from pipeline.labels import INSTITUTION_TYPES
from pipeline.normalize._common import POSSESSIVE_END, NormalizeDataError, fold_key, read_table

#: Type of a name with no keyword of the table.
DEFAULT_TYPE = "other"

_SPACES = re.compile(r"\s+")
_COMMA_GLUED = re.compile(r",(?=[^\s\d])")
_EDGE_QUOTES = "\"'“”‘’«»"
_TRAILING_PUNCT = " .,;:!?-–—"
# Company-form abbreviations whose final dot is part of the name.
_ABBREVIATION_END = re.compile(r"\b(?:Ltd|Co|Inc|Corp|Bhd|Pte|LLC|Ltda)\.$")
_DOT_BEFORE_WORD = re.compile(r"\.(?=\w)")
_NO_GLUED_NUMBER = re.compile(r"\bno(?=\d)")
_SPLIT_SYMBOLS = re.compile(r"([&#/+])")
_TOKEN_EDGE = ",;:!?\"()[]{}“”‘’«»"
_NUMBER = re.compile(r"\d+")
_ACRONYM = re.compile(r"^[A-Z]{2,8}$")
_QUOTED_TAIL = re.compile(r"\s*[\"“«][^\"“”«»]+[\"”»]?\s*$")
_NAME_WORDS = re.compile(r"[\s\-‐‑–—/]+")
#: Shortest acronym matched against a name's initials: two letters ("HU") are too easily
#: something else.
MIN_ACRONYM_LENGTH = 3
#: Words after a short form that make the longer name a unit of a place or body ("Education
#: Department" / "... of Rostov-on-Don"), not another institution.
_QUALIFIER_WORDS = frozenset({"of", "in"})
#: Types whose short forms drop a trailing "of <place>"; "Heilongjiang University" and
#: "Heilongjiang University of Chinese Medicine" are two universities.
_QUALIFIED_TYPES = frozenset({"government", "other"})


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
    legal_forms: frozenset[str] = frozenset()


# Pipelines ask about the same names over and over; results are immutable, so cache them.
CACHE_SIZE = 65536

@lru_cache(maxsize=1)
def _tables() -> _InstitutionTables:
    drops: set[str] = set()
    folds: dict[str, str] = {}
    legal_forms: set[str] = set()
    for row in read_table("institution_variants.csv", ["kind", "text", "replacement"], required=["kind", "text"]):
        if row["kind"] == "drop_leading":
            drops.add(row["text"].casefold())
        elif row["kind"] == "fold" and row["replacement"]:
            folds[fold_key(row["text"])] = fold_key(row["replacement"])
        elif row["kind"] == "legal_form" and not row["replacement"]:
            legal_forms.add(row["text"])
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
    # Legal forms are compared with folded keys, so "Co." and "Ltd" meet "company" and "limited".
    legal = frozenset(_key_of(form, tables) for form in legal_forms)
    return _InstitutionTables(frozenset(drops), folds, tuple(keywords.values()), legal)


def _strip_stray_quotes(text: str) -> str:
    """Drop quotes at the edges unless they close a quoted part of the name
    ('Special Economic Zone "Lipetsk"' keeps both of its quotes)."""
    while len(text) > 1 and text[0] in _EDGE_QUOTES and text[-1] in _EDGE_QUOTES and not _balanced_inside(text[1:-1]):
        text = text[1:-1].strip()  # a name quoted whole: '"Harbin School"'
    while text and text[0] in _EDGE_QUOTES and not _balanced_inside(text[1:]):
        text = text[1:].strip()
    while text and text[-1] in _EDGE_QUOTES and not _balanced_inside(text[:-1]):
        text = text[:-1].strip()
    return text


def _balanced_inside(text: str) -> bool:
    """Whether the text holds an opening quote that the dropped edge quote would close."""
    return sum(text.count(q) for q in "\"“”«»") % 2 == 1


def is_short_form(text: str) -> bool:
    """Whether a word is an institution's short form: two to eight letters, two or more of
    them capitals ("HIT", "ZabGU", "AmSU")."""
    return text.isalpha() and 2 <= len(text) <= 8 and sum(c.isupper() for c in text) >= 2


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
        text = _strip_stray_quotes(text.strip())
        text = POSSESSIVE_END.sub("", text)
        kept_dot = _ABBREVIATION_END.search(text)  # "Co., Ltd." keeps the dot of its abbreviation
        text = text.rstrip(_TRAILING_PUNCT) + ("." if kept_dot else "")
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
    """Cached: see ``_normalize_institution``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _normalize_institution(name) if isinstance(name, str) else _normalize_institution.__wrapped__(name)


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_institution(name: str) -> str:
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
    """Cached: see ``_institution_type``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _institution_type(name) if isinstance(name, str) else _institution_type.__wrapped__(name)


@lru_cache(maxsize=CACHE_SIZE)
def _institution_type(name: str) -> str:
    """One of ``pipeline.labels.INSTITUTION_TYPES``, from the keyword table; ``other`` if none."""
    hits = _keyword_hits(normalize_institution(name).split())
    if not hits:
        return DEFAULT_TYPE
    _, _, best = max(hits, key=lambda hit: (hit[0], hit[1]))
    return best.type


def has_institution_keyword(name: str) -> bool:
    """Cached: see ``_has_institution_keyword``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _has_institution_keyword(name) if isinstance(name, str) else _has_institution_keyword.__wrapped__(name)


@lru_cache(maxsize=CACHE_SIZE)
def _has_institution_keyword(name: str) -> bool:
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


def name_initials(name: str) -> str:
    """The capital initials of a name's capitalised words: ``Shaanxi Institute of Foreign
    Languages and Trade`` -> ``SIFLT``; ``Chinese People's Association for Friendship with
    Foreign Countries`` -> ``CPAFFC``. Hyphenated parts count as words."""
    words = _NAME_WORDS.split(clean_institution_name(name))
    return "".join(word[0] for word in words if word[:1].isupper())


def is_acronym_of(short: str, full: str) -> bool:
    """Whether ``short`` is written in capitals and spells the initials of ``full`` (``ZSTU``)."""
    acronym = clean_institution_name(short)
    if not _ACRONYM.match(acronym) or len(acronym) < MIN_ACRONYM_LENGTH:
        return False
    return acronym == name_initials(full) and acronym != clean_institution_name(full)


def is_company_name(name: str) -> bool:
    """Whether the name ends in a legal form (``Co., Ltd.``, ``JSC``, ``LLC``)."""
    words = normalize_institution(name).split()
    return bool(words) and words[-1] in _tables().legal_forms


def is_short_form_of(short: str, full: str) -> bool:
    """Whether ``short`` is ``full`` without its tail, as articles write on a second mention.

    Two cases, both requiring the short key to be the first words (at least two) of the full one:

    - a company name without its legal form and product words: ``Qingdao Haitong`` of
      ``Qingdao Haitong Rail Equipment Co., Ltd.``, ``Sibirskie Vagony`` of ``Sibirskie Vagony
      JSC`` (the full name ends in a legal form, the short one has no institution word);
    - a body without the place or parent it belongs to: ``Education Department`` of
      ``Education Department of Rostov-on-Don`` (the tail starts with "of"/"in" and the short
      name is a government body or an office; universities are never shortened this way);
    - a name without its quoted proper name: ``International Children's Camp`` of
      ``International Children's Camp "Friendship"``.
    """
    unquoted = _QUOTED_TAIL.sub("", full)
    if unquoted != full and normalize_institution(unquoted) == normalize_institution(short):
        return True
    short_words = normalize_institution(short).split()
    full_words = normalize_institution(full).split()
    if len(short_words) < 2 or len(short_words) >= len(full_words) or full_words[: len(short_words)] != short_words:
        return False
    if is_company_name(full) and not has_institution_keyword(short):
        return True
    return full_words[len(short_words)] in _QUALIFIER_WORDS and institution_type(short) in _QUALIFIED_TYPES


def cluster_mentions(names: Sequence[str], aliases: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Map each name of one article to the name that represents the institution it names.

    ``cluster_variants`` first; then an abbreviation or a short form joins the cluster of the
    first name (in ``names`` order) it abbreviates (``is_acronym_of``, ``is_short_form_of``), and
    each ``aliases`` pair ``(name, alternative)`` (two names the text gives for one body,
    ``Chongqing Third People's Hospital (Chongqing China-Russia Friendship Hospital)``) joins its
    two clusters. The representative is the longest name of the joined cluster, the fullest
    form as written, never an alternative name unless the cluster has nothing else.
    """
    variant_key = cluster_variants(names)
    ordered = list(dict.fromkeys(name for name in names if name in variant_key))
    parent = {key: key for key in variant_key.values()}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(first: str, second: str) -> None:
        a, b = root(variant_key[first]), root(variant_key[second])
        if a != b:
            parent[max(a, b)] = min(a, b)

    for short in ordered:
        full = next((other for other in ordered if other != short
                     and (is_acronym_of(short, other) or is_short_form_of(short, other))), None)
        if full is not None:
            join(short, full)
    alternatives: set[str] = set()
    for name, alternative in aliases:
        if name in variant_key and alternative in variant_key and name != alternative:
            join(name, alternative)
            alternatives.add(alternative)
    representative: dict[str, str] = {}
    for name in sorted(ordered, key=lambda n: (n in alternatives, -len(n), n)):
        representative.setdefault(root(variant_key[name]), name)
    return {name: representative[root(key)] for name, key in variant_key.items()}


_OPEN_BRACKET = re.compile(r"^\s*[(\[]\s*$")
_CLOSE_BRACKET = re.compile(r"^\s*[)\]]")


def bracketed_aliases(text: str, mentions: Sequence[tuple[str, int, int]]) -> list[tuple[str, str]]:
    """``(name, alternative)`` for each mention written in brackets right after another.

    ``mentions`` are ``(name, start, end)`` character ranges of ``text`` in text order;
    ``Voronezh Eighth Hospital (Russia-China Friendship Hospital)`` gives one pair. An
    abbreviation in brackets is paired too; it would join its name anyway.
    """
    pairs: list[tuple[str, str]] = []
    for (name, _, end), (alternative, start, alt_end) in zip(mentions, mentions[1:]):
        if start > end and _OPEN_BRACKET.match(text[end:start]) and _CLOSE_BRACKET.match(text[alt_end:alt_end + 3]):
            pairs.append((name, alternative))
    return pairs
