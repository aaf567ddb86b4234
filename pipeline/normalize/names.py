"""Normalize person names (Chinese, Russian, other) to a display form, parts and a stable id.

Decisions, in the order ``normalize_person`` applies them:

* Honorifics (``patterns/honorifics.csv``) are stripped from the front, with a trailing
  possessive ``'s`` and stray punctuation. Text with digits or symbols, an all-lowercase
  text and a lowercase word that is no name particle (``van``, ``de`` ...) are not names.
* Initials (``Yu.V. Skolubovich``, ``Serdechkin Yu.V.``, ``I. P. Sidorov``): the one full word is
  the family name, the first initial the given name and a second one the patronymic. The display
  puts the glued initials first: ``Yu.V. Skolubovich``. Two initials, or a Russian surname
  suffix, make it ``russian``; otherwise the initials stay together in ``given``.
* Chinese: the first word is a surname of ``patterns/chinese_surnames.csv`` (or one of its
  Wade-Giles / Russian-style spellings) and the rest is a one- or two-syllable given name
  (``patterns/chinese_syllables.csv``); or, westernised, the last word is the surname and the
  first is not. The display is always family first with the given name written as one word:
  ``Haiying Zhao`` -> ``Zhao Haiying``. Spellings stay as written in the display; the id folds
  them (``Chzhan`` -> ``Zhang``). ``Lyu``/``Lü``/``Lv`` fold together, ``Lu`` does not: it is
  another family name (陆/卢/鲁), not a spelling of 吕.
* Russian: order comes from ``patterns/russian_given_names.csv`` and the suffixes of
  ``patterns/russian_surname_suffixes.csv`` (``Vyktorkin Alexander`` -> given Alexander). The
  display is "Given Family" (``Ivan Sidorov``); a patronymic has its own field and is part of
  the id, so two Ivan Sidorovs with different patronymics never share one.
* Everything else goes to nameparser (with its own ``Constants``); the middle name stays in the
  display but not in the id, so ``John F. Smith`` and ``John Smith`` share an id.
* A text holding an institution keyword (``patterns/institution_types.csv``: ``Bureau``,
  ``School``...) is an institution, not a person.
* A single word is a family-only name when it is a Chinese surname marked ``single_ok`` or
  carries a strong Russian surname suffix (``Zhang``, ``Ivanov``); any other single word is None.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from nameparser import HumanName
from nameparser.config import Constants

from pipeline.normalize._common import POSSESSIVE_END, NormalizeDataError, fold_key, read_table, split_list
from pipeline.normalize.institutions import has_institution_keyword

CHINESE = "chinese"
RUSSIAN = "russian"
OTHER = "other"

#: Most tokens a person name may have after honorifics are gone; longer spans are phrases.
MAX_NAME_TOKENS = 5
#: Chinese given names have one or two syllables.
MAX_GIVEN_SYLLABLES = 2
#: A suffix counts only when this many letters stand before it ("Lev" is no "-ev" surname).
MIN_STEM_LETTERS = 3

# An initial is a capital, optionally with the second letter of a Russian digraph
# (Yu, Ya, Ye, Yo, Zh, Kh, Ch, Sh, Ts), and a dot; "Jr." and "St." are not initials.
_INITIAL = re.compile(r"[A-Z](?:[aeou]|h|s)?\.")
_LEADING_INITIALS = re.compile(r"^((?:[A-Z](?:[aeou]|h|s)?\.)+)(.*)$")
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[.'’-][^\W\d_]*)*\.?$")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ID_DROP = re.compile(r"[\W_]+")
_LONE_DOTS = re.compile(r"\s+\.+$")


@dataclass(frozen=True)
class PersonName:
    """One person's name, split into parts, with an id that is stable across articles."""

    display: str  # canonical display form
    family: str | None
    given: str | None
    patronymic: str | None
    culture: str  # "chinese" | "russian" | "other"
    person_id: str  # same person across articles -> same id; different people never share


@dataclass(frozen=True)
class _Suffix:
    text: str
    role: str  # "surname" | "patronymic"
    strong: bool


@dataclass(frozen=True)
class _NameTables:
    honorifics: frozenset[tuple[str, ...]]
    max_honorific_words: int
    chinese_surnames: dict[str, str]  # casefolded spelling (accents kept) -> canonical surname
    chinese_variant_spellings: frozenset[str]  # casefolded spellings that are not pinyin
    single_ok_surnames: frozenset[str]
    syllables: dict[str, re.Pattern[str]]  # system -> regex of a one- or two-syllable given name
    given_names: dict[str, str]  # folded name -> canonical spelling
    suffixes: tuple[_Suffix, ...]


# Pipelines ask about the same names over and over; results are immutable, so cache them.
CACHE_SIZE = 65536

@lru_cache(maxsize=1)
def _tables() -> _NameTables:
    honorifics = {
        tuple(row["honorific"].casefold().split())
        for row in read_table("honorifics.csv", ["honorific"], required=["honorific"])
    }
    surnames: dict[str, str] = {}
    variants: set[str] = set()
    single_ok: set[str] = set()
    surname_rows = read_table(
        "chinese_surnames.csv", ["surname", "variants", "single_ok"], required=["surname", "single_ok"]
    )
    canonical_keys = {row["surname"].casefold() for row in surname_rows}
    for row in surname_rows:
        canonical = row["surname"]
        if row["single_ok"] not in {"yes", "no"}:
            raise NormalizeDataError(f"chinese_surnames.csv: single_ok of {canonical!r} must be yes/no")
        surnames[canonical.casefold()] = canonical
        if row["single_ok"] == "yes":
            single_ok.add(canonical.casefold())
        for variant in split_list(row["variants"]):
            key = variant.casefold()
            if key in canonical_keys or surnames.get(key, canonical) != canonical:
                # A spelling that is itself another family name would merge two families.
                raise NormalizeDataError(f"chinese_surnames.csv: variant {variant!r} is also a surname")
            surnames[key] = canonical
            variants.add(key)
            if row["single_ok"] == "yes":
                single_ok.add(key)
    return _NameTables(
        honorifics=frozenset(honorifics),
        max_honorific_words=max(len(words) for words in honorifics),
        chinese_surnames=surnames,
        chinese_variant_spellings=frozenset(variants),
        single_ok_surnames=frozenset(single_ok),
        syllables=_syllable_patterns(),
        given_names=_given_names(),
        suffixes=_suffixes(),
    )


def _syllable_patterns() -> dict[str, re.Pattern[str]]:
    parts: dict[str, dict[str, list[str]]] = {}
    for row in read_table("chinese_syllables.csv", ["system", "part", "text"], required=["system", "part", "text"]):
        if row["part"] not in {"initial", "final", "standalone"}:
            raise NormalizeDataError(f"chinese_syllables.csv: unknown part {row['part']!r}")
        parts.setdefault(row["system"], {}).setdefault(row["part"], []).append(fold_key(row["text"]))
    patterns: dict[str, re.Pattern[str]] = {}
    for system, by_part in parts.items():

        def alternation(items: list[str]) -> str:
            # Longest first so the regex tries "zh" before "z".
            return "|".join(re.escape(item) for item in sorted(set(items), key=lambda x: (-len(x), x)))

        syllable = (
            f"(?:(?:{alternation(by_part.get('initial', []))})(?:{alternation(by_part.get('final', []))})"
            f"|(?:{alternation(by_part.get('standalone', []))}))"
        )
        # A given-name piece is whole syllables; all pieces together are at most two of them.
        patterns[system] = re.compile(f"{syllable}{{1,{MAX_GIVEN_SYLLABLES}}}")
    return patterns


def _given_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for row in read_table("russian_given_names.csv", ["name", "canonical"], required=["name", "canonical"]):
        names[fold_key(row["name"])] = row["canonical"]
        names.setdefault(fold_key(row["canonical"]), row["canonical"])
    return names


def _suffixes() -> tuple[_Suffix, ...]:
    suffixes: list[_Suffix] = []
    for row in read_table(
        "russian_surname_suffixes.csv", ["suffix", "role", "strength"], required=["suffix", "role", "strength"]
    ):
        if row["role"] not in {"surname", "patronymic"} or row["strength"] not in {"strong", "weak"}:
            raise NormalizeDataError(f"russian_surname_suffixes.csv: bad row {row}")
        suffixes.append(_Suffix(row["suffix"].casefold(), row["role"], row["strength"] == "strong"))
    # Longest first: "-ovich" must be seen before "-ich".
    return tuple(sorted(suffixes, key=lambda suffix: -len(suffix.text)))


@lru_cache(maxsize=1)
def _nameparser_constants() -> Constants:
    # Our own instance: the shared nameparser.config.CONSTANTS must never change under others.
    return Constants()


# --------------------------------------------------------------------------- token tests


def _is_initial(token: str) -> bool:
    return _INITIAL.fullmatch(token) is not None


def _suffix_role(token: str, *, strong_only: bool) -> str | None:
    """``"surname"``/``"patronymic"`` when the token ends with a suffix of the table, else None."""
    folded = fold_key(token)
    for suffix in _tables().suffixes:
        if strong_only and not suffix.strong:
            continue
        if folded.endswith(suffix.text) and len(folded) - len(suffix.text) >= MIN_STEM_LETTERS:
            return suffix.role
    return None


def _has_surname_suffix(token: str, *, strong_only: bool = False) -> bool:
    return _suffix_role(token, strong_only=strong_only) == "surname"


def _is_patronymic(token: str) -> bool:
    return _is_initial(token) or _suffix_role(token, strong_only=False) == "patronymic"


def _is_given_name(token: str) -> bool:
    return fold_key(token) in _tables().given_names


def _chinese_surname(token: str) -> str | None:
    """The canonical surname a token spells, or None; ``Lü`` is looked up before accents fold."""
    surnames = _tables().chinese_surnames
    return surnames.get(token.casefold()) or surnames.get(fold_key(token))


def _is_chinese_given(tokens: list[str], *, allow_palladius: bool) -> bool:
    """Whether the tokens spell a one- or two-syllable Chinese given name."""
    if not tokens or any(_is_initial(token) or _is_given_name(token) for token in tokens):
        return False
    pieces = [piece for token in tokens for piece in re.split(r"[-‐]", token) if piece]
    text = fold_key("".join(pieces)).replace("'", "")
    if not text.isalpha():
        return False
    systems = ["pinyin", "palladius"] if allow_palladius else ["pinyin"]
    for system in systems:
        given_name = _tables().syllables.get(system)
        if given_name is None:
            continue
        if given_name.fullmatch(text) and all(
            given_name.fullmatch(fold_key(piece).replace("'", "")) for piece in pieces
        ):
            return True
    return False


# --------------------------------------------------------------------------- cleaning


def _clean_text(text: str) -> str:
    cleaned = _PARENTHESES.sub(" ", text.replace("’", "'"))
    cleaned = " ".join(cleaned.split()).strip(" \"'“”«»,;:!?")
    cleaned = POSSESSIVE_END.sub("", cleaned).rstrip(" ,;:!?")
    cleaned = _LONE_DOTS.sub("", cleaned)
    # A final dot belongs to an initial ("Yu.V.") or a suffix ("Jr."); after a word it is punctuation.
    if cleaned.endswith(".") and len(cleaned.split()[-1].split(".")[-2]) > 2:
        cleaned = cleaned[:-1]
    return cleaned


def _split_tokens(text: str) -> list[str]:
    """Whitespace tokens, with glued initials pulled apart: ``I.P.Sidorov`` -> ``I.``, ``P.``, ``Sidorov``."""
    tokens: list[str] = []
    for raw in text.replace(",", " , ").split():
        match = _LEADING_INITIALS.match(raw)
        if match is None:
            tokens.append(raw)
            continue
        tokens.extend(_INITIAL.findall(match.group(1)))
        if match.group(2):
            tokens.append(match.group(2))
    return tokens


def _strip_leading(tokens: list[str], titles: frozenset[tuple[str, ...]], widest: int) -> list[str]:
    """Drop leading words (one to ``widest`` at a time) while they are in ``titles``."""
    changed = True
    while changed and tokens:
        changed = False
        for width in range(min(widest, len(tokens)), 0, -1):
            words = tuple(token.casefold().rstrip(".") for token in tokens[:width])
            if words in titles:
                tokens = tokens[width:]
                changed = True
                break
    return tokens


def _strip_honorifics(tokens: list[str]) -> list[str]:
    return _strip_leading(tokens, _tables().honorifics, _tables().max_honorific_words)


@lru_cache(maxsize=1)
def _job_titles() -> frozenset[tuple[str, ...]]:
    return frozenset((title,) for title in _nameparser_constants().titles)


def _strip_job_titles(tokens: list[str]) -> list[str]:
    """Drop leading job titles nameparser knows (``Deputy Director``, ``Governor``)."""
    return _strip_leading(tokens, _job_titles(), 1)


def _looks_like_name(tokens: list[str]) -> bool:
    """Every token is a capitalised word, an initial, a name particle or a comma."""
    particles = _nameparser_constants().prefixes
    words = [token for token in tokens if token != ","]
    if not words or len(words) > MAX_NAME_TOKENS:
        return False
    for token in words:
        if not _NAME_CHARS.match(token):
            return False
        if token[0].isupper() or _is_initial(token):
            continue
        if token.casefold() in particles:
            continue
        return False
    return any(token[0].isupper() for token in words)


def _display_case(token: str) -> str:
    """Title-case a word written in capitals (``ZHAO`` -> ``Zhao``); leave others as written."""
    if len(token) > 1 and token.isupper() and not _is_initial(token):
        return "-".join(piece.capitalize() for piece in token.split("-"))
    return token


# --------------------------------------------------------------------------- cultures

#: The country a Chinese or Russian name places its bearer in when the text does not say.
CULTURE_COUNTRIES = {"chinese": "CN", "russian": "RU"}



def _make(family: str | None, given: str | None, patronymic: str | None, culture: str, display: str) -> PersonName:
    return PersonName(
        display=" ".join(display.split()),
        family=family,
        given=given,
        patronymic=patronymic,
        culture=culture,
        person_id=person_id(family, given, patronymic),
    )


def _chinese_given_display(tokens: list[str]) -> str:
    joined = "".join(piece for token in tokens for piece in re.split(r"[-‐\s]", token))
    return joined[:1].upper() + joined[1:].lower()


def _chinese(tokens: list[str]) -> PersonName | None:
    if len(tokens) < 2 or len(tokens) > 1 + MAX_GIVEN_SYLLABLES:
        return None
    first, last = tokens[0], tokens[-1]
    first_surname = _chinese_surname(first)
    is_variant = first.casefold() in _tables().chinese_variant_spellings
    if first_surname and _is_chinese_given(tokens[1:], allow_palladius=is_variant):
        family, given_tokens = first, tokens[1:]
    elif (
        _chinese_surname(last)
        and not first_surname
        and _is_chinese_given(tokens[:-1], allow_palladius=False)
    ):
        family, given_tokens = last, tokens[:-1]
    else:
        return None
    family = _display_case(family)
    given = _chinese_given_display([_display_case(token) for token in given_tokens])
    return _make(family, given, None, CHINESE, f"{family} {given}")


def _initials(tokens: list[str]) -> PersonName | None:
    words = [token for token in tokens if not _is_initial(token)]
    initials = [token for token in tokens if _is_initial(token)]
    if len(words) != 1 or not initials:
        return None
    # Initials stand together on one side of the family name: "Yu.V. X" or "X Yu.V.".
    if tokens[0] != words[0] and tokens[-1] != words[0]:
        return None
    family = _display_case(words[0])
    # "-ovich" is a patronymic ending but also a surname one (Skolubovich, Abramovich).
    russian = len(initials) == 2 or _suffix_role(family, strong_only=False) is not None
    if russian:
        given, patronymic = initials[0], (initials[1] if len(initials) > 1 else None)
        return _make(family, given, patronymic, RUSSIAN, f"{''.join(initials)} {family}")
    given = "".join(initials)
    return _make(family, given, None, OTHER, f"{given} {family}")


def _russian_order(tokens: list[str]) -> tuple[str, str, str | None] | None:
    """(family, given, patronymic) of a two- or three-word Russian name, or None if not Russian."""
    if len(tokens) == 2:
        first, second = tokens
        if _is_given_name(first) and not (_is_given_name(second) and _has_surname_suffix(first)):
            return second, first, None
        if _is_given_name(second):
            return first, second, None
        if _has_surname_suffix(second, strong_only=True) and not _has_surname_suffix(first, strong_only=True):
            return second, first, None
        if _has_surname_suffix(first, strong_only=True) and not _has_surname_suffix(second, strong_only=True):
            return first, second, None
        return None
    if len(tokens) == 3:
        first, middle, last = tokens
        if _is_given_name(first) and _is_patronymic(middle):
            return last, first, middle
        if _is_given_name(middle) and _is_patronymic(last):
            return first, middle, last
        if _is_patronymic(middle) and not _is_patronymic(last):
            return last, first, middle
        if _is_patronymic(last) and not _is_patronymic(middle) and (
            _has_surname_suffix(first) or not _is_initial(last)
        ):
            return first, middle, last
    return None


def _russian(tokens: list[str]) -> PersonName | None:
    order = _russian_order(tokens)
    if order is None:
        return None
    family_word, given_word, patronymic_word = order
    evidence = (
        _is_given_name(given_word)
        or _has_surname_suffix(family_word)
        or (patronymic_word is not None and not _is_initial(patronymic_word))
    )
    if not evidence:  # "John F. Kennedy" has the shape but nothing Russian
        return None
    family, given = _display_case(family_word), _display_case(given_word)
    patronymic = _display_case(patronymic_word) if patronymic_word else None
    # The display is "Given Family": the patronymic has its own column.
    display = " ".join(part for part in (given, family) if part)
    return _make(family, given, patronymic, RUSSIAN, display)


def _other(tokens: list[str]) -> PersonName | None:
    parsed = HumanName(" ".join(tokens).replace(" , ", ", "), constants=_nameparser_constants())
    first, last = parsed.first.strip(), parsed.last.strip()
    if not first or not last:
        return None
    parts = [parsed.first, parsed.middle, parsed.last, parsed.suffix]
    display = " ".join(_display_case(word) for part in parts for word in part.split())
    return _make(_display_case(last), _display_case(first), None, OTHER, display)


def _single(token: str) -> PersonName | None:
    family = _display_case(token)
    if token.casefold() in _tables().single_ok_surnames or fold_key(token) in _tables().single_ok_surnames:
        return _make(family, None, None, CHINESE, family)
    if _has_surname_suffix(token, strong_only=True):
        return _make(family, None, None, RUSSIAN, family)
    return None


def _family_first_by_comma(tokens: list[str]) -> list[str] | None:
    """``Sidorov, Ivan Petrovich`` -> ``Ivan Petrovich Sidorov``; None when no such comma."""
    if tokens.count(",") != 1:
        return None
    cut = tokens.index(",")
    family, rest = tokens[:cut], tokens[cut + 1 :]
    suffixes = _nameparser_constants().suffix_acronyms | _nameparser_constants().suffix_not_acronyms
    if len(family) != 1 or not rest or any(token.casefold().rstrip(".") in suffixes for token in rest):
        return None
    return rest + family


# --------------------------------------------------------------------------- public API


def normalize_person(text: str) -> PersonName | None:
    """Cached: see ``_normalize_person``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _normalize_person(text) if isinstance(text, str) else _normalize_person.__wrapped__(text)


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_person(text: str) -> PersonName | None:
    """Parse a person name; None when the text is not one (empty, digits, lowercase words...).

    Leading honorifics always go; leading job titles (``Director``, ``Governor``) go when what
    is left still parses, so ``Director Zhao Haiying`` is Zhao Haiying.
    """
    if not isinstance(text, str):
        return None
    cleaned = _clean_text(text)
    if not cleaned:
        return None
    tokens = _strip_honorifics(_split_tokens(cleaned))
    if not _looks_like_name(tokens) or has_institution_keyword(" ".join(tokens)):
        return None
    untitled = _strip_job_titles(tokens)
    if untitled and untitled != tokens:
        parsed = _parse_tokens(untitled)
        if parsed is not None:
            return parsed
    return _parse_tokens(tokens)


def _parse_tokens(tokens: list[str]) -> PersonName | None:
    reordered = _family_first_by_comma(tokens)
    if reordered is not None:
        tokens = reordered
        # The comma told us the family name, so only the family-first Chinese order is right.
        chinese = _chinese(tokens[-1:] + tokens[:-1])
        if chinese is not None:
            return chinese
    elif "," in tokens:
        return _other(tokens)
    if len(tokens) == 1:
        return None if _is_initial(tokens[0]) else _single(tokens[0])
    parsers = (_initials, _chinese, _russian, _other)
    if not any(_is_initial(token) for token in tokens):
        parsers = (_chinese, _russian, _other)
    for parse in parsers:
        result = parse(tokens)
        if result is not None:
            return result
    return None


def _fold_part(part: str | None) -> str:
    return _ID_DROP.sub("", fold_key(part)) if part else ""


def person_id(family: str | None, given: str | None, patronymic: str | None) -> str:
    """``p_`` + 16 hex of sha1 over folded ``family|given|patronymic``.

    Folding: case, accents, spaces, hyphens and dots (``Hai-ying`` == ``Haiying``), Chinese
    surname spellings (``Chzhan`` == ``Zhang``) and Russian given-name spellings
    (``Aleksandr`` == ``Alexander``). Word order never matters because the parts are named.
    """
    family_key = _fold_part(_chinese_surname(family) or family) if family else ""
    given_key = ""
    if given:
        given_key = _fold_part(_tables().given_names.get(fold_key(given), given))
    key = f"{family_key}|{given_key}|{_fold_part(patronymic)}"
    return "p_" + hashlib.sha1(key.encode("utf8")).hexdigest()[:16]
