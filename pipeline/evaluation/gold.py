"""Compile, validate and load the gold set.

Authoring files (``seeds/gold/authoring/<id>.json``) give spans as strings; the build turns
them into character offsets. A span string is placed at every whole-word, case-sensitive
occurrence in the text, longest strings first, and never over a span already placed. A match
is whole-word when it does not start or end inside a run of letters or a run of digits
(``2025-05-21`` in ``2025-05-21Source`` counts; ``Russia`` in ``Russian`` does not). An entry
``{"text": ..., "occurrences": [i, ...]}`` keeps only those 0-based whole-word occurrences.
The build fails, naming the article, when a span string is not found or places nothing.

Compiled split files hold one JSON object per line (``id``, ``published``, ``text``,
``spans`` as ``{start, end, label}``, ``records``), sorted by id, written deterministically.

Command line (thin wrapper over :func:`build`, :func:`validate`, :func:`to_docbin`)::

    python -m pipeline.evaluation.gold build
    python -m pipeline.evaluation.gold validate
    python -m pipeline.evaluation.gold docbin train out/train.spacy
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from pipeline.labels import (
    AGREEMENT,
    AGREEMENT_TYPES,
    DATE,
    DATE_ROLES,
    GPE,
    GRANULARITIES,
    INSTITUTION,
    INSTITUTION_TYPES,
    LABELS,
    PERSON,
    TITLE,
)
from pipeline.tables import FACT_TABLES, SCHEMAS

LOGGER = logging.getLogger(__name__)

DEFAULT_GOLD_DIR: Path = Path(__file__).resolve().parents[2] / "seeds" / "gold"
AUTHORING_DIRNAME = "authoring"
SPLITS_FILENAME = "splits.json"
SPLITS: tuple[str, ...] = ("train", "dev", "test")

#: Record tables an authoring file may fill (every output table that holds article facts).
GOLD_TABLES: tuple[str, ...] = FACT_TABLES
#: Fields a record may carry that no output table has: a free-text remark for reviewers.
AUTHORING_ONLY_FIELDS: frozenset[str] = frozenset({"note"})
#: Top-level keys of an authoring file.
ARTICLE_KEYS: frozenset[str] = frozenset({"id", "published", "text", "spans", "records", "notes"})
SPAN_OBJECT_KEYS: frozenset[str] = frozenset({"text", "occurrences"})

_ISO_SHAPE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


class GoldError(ValueError):
    """An authoring file that cannot be compiled; the message names the article."""


@dataclass(frozen=True)
class GoldSpan:
    """One annotated mention: character offsets into the article text and its label."""

    start: int
    end: int
    label: str


@dataclass
class GoldArticle:
    """One compiled gold article."""

    id: str
    published: str | None
    text: str
    spans: list[GoldSpan] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def span_texts(self, label: str) -> set[str]:
        """The distinct texts of this article's spans with ``label``."""
        return {self.text[s.start : s.end] for s in self.spans if s.label == label}

    def to_json(self) -> dict[str, Any]:
        """The compiled-file object for this article."""
        return {
            "id": self.id,
            "published": self.published,
            "text": self.text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in self.spans],
            "records": self.records,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GoldArticle:
        """Read a compiled-file object."""
        return cls(
            id=data["id"],
            published=data["published"],
            text=data["text"],
            spans=[GoldSpan(s["start"], s["end"], s["label"]) for s in data["spans"]],
            records={name: list(rows) for name, rows in data["records"].items()},
        )


# --------------------------------------------------------------------------- paths and files


def authoring_dir(root: Path) -> Path:
    """Folder of the authoring files under a gold root."""
    return root / AUTHORING_DIRNAME


def split_path(split: str, root: Path) -> Path:
    """Compiled file of one split."""
    return root / f"{split}.jsonl"


def _read_json_object(path: Path, expected: str) -> dict[str, Any]:
    """A JSON file whose top level is an object; errors name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise GoldError(f"{path.name}: invalid JSON: {error}") from error
    if not isinstance(data, dict):
        raise GoldError(f"{path.name}: top level {expected}")
    return data


def load_authoring(path: Path) -> dict[str, Any]:
    """Read one authoring file; a JSON error names the file."""
    return _read_json_object(path, "is not an object")


def authoring_ids(root: Path) -> list[str]:
    """Ids of every authoring file under ``root``, sorted."""
    folder = authoring_dir(root)
    return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []


def load_splits(root: Path) -> dict[str, list[str]]:
    """Read ``splits.json``: split name -> article ids."""
    path = root / SPLITS_FILENAME
    if not path.is_file():
        raise GoldError(f"{path} does not exist")
    data = _read_json_object(path, "must be an object of split -> ids")
    unknown = set(data) - set(SPLITS)
    if unknown:
        raise GoldError(f"{path.name}: unknown splits {sorted(unknown)}; expected {list(SPLITS)}")
    for split, ids in data.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise GoldError(f"{path.name}: {split!r} must be a list of article ids")
    return {split: list(data.get(split, [])) for split in SPLITS}


def dumps_article(article: GoldArticle) -> str:
    """One deterministic JSON line for a compiled article."""
    return json.dumps(article.to_json(), sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------- span compiler


def _char_class(char: str) -> str | None:
    """'L' for a letter, 'D' for a digit, None for anything that separates words."""
    if char.isalpha():
        return "L"
    if char.isdigit():
        return "D"
    return None


def _is_whole_word(text: str, start: int, end: int) -> bool:
    """True when text[start:end] neither starts nor ends inside a letter run or digit run."""
    if start > 0:
        before = _char_class(text[start - 1])
        if before is not None and before == _char_class(text[start]):
            return False
    if end < len(text):
        after = _char_class(text[end])
        if after is not None and after == _char_class(text[end - 1]):
            return False
    return True


def whole_word_occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Non-overlapping whole-word, case-sensitive occurrences of ``needle``, left to right."""
    found: list[tuple[int, int]] = []
    position = text.find(needle)
    while position != -1:
        end = position + len(needle)
        if _is_whole_word(text, position, end) and (not found or position >= found[-1][1]):
            found.append((position, end))
        position = text.find(needle, position + 1)
    return found


@dataclass(frozen=True)
class _SpanRequest:
    """One authored span entry: the string, its label, and which occurrences are meant."""

    text: str
    label: str
    occurrences: tuple[int, ...] | None
    order: int


def _span_requests(article_id: str, spans: Any) -> list[_SpanRequest]:
    """Parse the ``spans`` object of an authoring file."""
    if not isinstance(spans, dict):
        raise GoldError(f"{article_id}: 'spans' must be an object of label -> list")
    requests: list[_SpanRequest] = []
    for label, entries in spans.items():
        if label not in LABELS:
            raise GoldError(f"{article_id}: unknown label {label!r}; expected one of {list(LABELS)}")
        if not isinstance(entries, list):
            raise GoldError(f"{article_id}: spans[{label!r}] must be a list")
        for entry in entries:
            requests.append(_span_request(article_id, label, entry, len(requests)))
    return requests


def _span_request(article_id: str, label: str, entry: Any, order: int) -> _SpanRequest:
    """Parse one span entry: a string or {"text", "occurrences"}."""
    occurrences: tuple[int, ...] | None = None
    if isinstance(entry, dict):
        unknown = set(entry) - SPAN_OBJECT_KEYS
        if unknown or "text" not in entry:
            raise GoldError(f"{article_id}: {label} span {entry!r}: keys must be {sorted(SPAN_OBJECT_KEYS)}")
        raw = entry.get("occurrences")
        if raw is not None:
            if not isinstance(raw, list) or not raw or not all(isinstance(i, int) and i >= 0 for i in raw):
                raise GoldError(f"{article_id}: {label} span {entry['text']!r}: bad occurrences {raw!r}")
            occurrences = tuple(sorted(set(raw)))
        entry = entry["text"]
    if not isinstance(entry, str) or not entry.strip() or entry != entry.strip():
        raise GoldError(f"{article_id}: {label} span {entry!r} must be a non-empty string without outer spaces")
    return _SpanRequest(entry, label, occurrences, order)


def compile_spans(article_id: str, text: str, spans: Any) -> list[GoldSpan]:
    """Turn authored span strings into offsets (see the module docstring for the rules)."""
    requests = _span_requests(article_id, spans)
    # Longest first so a longer name claims its words before a shorter string can.
    requests.sort(key=lambda r: (-len(r.text), LABELS.index(r.label), r.order))
    taken = bytearray(len(text))
    placed: list[GoldSpan] = []
    for request in requests:
        occurrences = whole_word_occurrences(text, request.text)
        if not occurrences:
            raise GoldError(f"{article_id}: {request.label} span {request.text!r} not found in the text")
        wanted = range(len(occurrences)) if request.occurrences is None else request.occurrences
        placed_here = 0
        for index in wanted:
            if index >= len(occurrences):
                raise GoldError(
                    f"{article_id}: {request.label} span {request.text!r}: occurrence {index} requested, "
                    f"only {len(occurrences)} found"
                )
            start, end = occurrences[index]
            if any(taken[start:end]):
                if request.occurrences is not None:
                    raise GoldError(
                        f"{article_id}: {request.label} span {request.text!r}: occurrence {index} "
                        f"overlaps a longer span"
                    )
                continue
            taken[start:end] = b"\x01" * (end - start)
            placed.append(GoldSpan(start, end, request.label))
            placed_here += 1
        if not placed_here:
            raise GoldError(
                f"{article_id}: {request.label} span {request.text!r}: every occurrence is inside a longer span"
            )
    return sorted(placed, key=lambda s: (s.start, s.end))


def compile_article(data: Mapping[str, Any]) -> GoldArticle:
    """Compile one authoring object into a :class:`GoldArticle` (records copied as authored)."""
    article_id = data.get("id")
    if not isinstance(article_id, str) or not article_id:
        raise GoldError(f"authoring object without a string 'id': keys {sorted(data)}")
    unknown = set(data) - ARTICLE_KEYS
    if unknown:
        raise GoldError(f"{article_id}: unknown keys {sorted(unknown)}")
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise GoldError(f"{article_id}: 'text' must be a non-empty string")
    published = data.get("published")
    if published is not None and not isinstance(published, str):
        raise GoldError(f"{article_id}: 'published' must be an ISO string or null")
    records = data.get("records") or {}
    if not isinstance(records, dict):
        raise GoldError(f"{article_id}: 'records' must be an object")
    unknown_tables = set(records) - set(GOLD_TABLES)
    if unknown_tables:
        raise GoldError(f"{article_id}: unknown record tables {sorted(unknown_tables)}; expected {list(GOLD_TABLES)}")
    return GoldArticle(
        id=article_id,
        published=published,
        text=text,
        spans=compile_spans(article_id, text, data.get("spans", {})),
        records={table: list(records.get(table) or []) for table in GOLD_TABLES},
    )


# --------------------------------------------------------------------------- validation


def _is_iso_date(value: str) -> bool:
    """True for an ISO date at day, month or year precision that exists in the calendar."""
    if not _ISO_SHAPE.fullmatch(value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        datetime.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def is_iso_value(value: str) -> bool:
    """True for an ISO date, or a range 'START/END' of two same-precision ISO dates in order."""
    if "/" not in value:
        return _is_iso_date(value)
    start, _, end = value.partition("/")
    return _is_iso_date(start) and _is_iso_date(end) and len(start) == len(end) and start <= end


def _is_country(value: str) -> bool:
    """True for an upper-case ISO 3166-1 alpha-2 code."""
    return len(value) == 2 and value.isupper() and pycountry.countries.get(alpha_2=value) is not None


def _name_tokens(name: str) -> list[str]:
    """Lower-cased whitespace tokens of a person name."""
    return [token.casefold() for token in name.split()]


Check = Callable[[GoldArticle, Any], str | None]


def _optional_str(check: Check) -> Check:
    """Wrap a check so null passes and non-strings fail."""

    def wrapped(article: GoldArticle, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            return f"must be a string or null, got {value!r}"
        return check(article, value)

    return wrapped


def _required(check: Check) -> Check:
    """Wrap a check so null fails."""

    def wrapped(article: GoldArticle, value: Any) -> str | None:
        if value is None:
            return "is required"
        return check(article, value)

    return wrapped


def _span_of(*labels: str) -> Check:
    """Value must be the text of a span with one of ``labels``."""

    def check(article: GoldArticle, value: str) -> str | None:
        if any(value in article.span_texts(label) for label in labels):
            return None
        return f"{value!r} is not the text of a {'/'.join(labels)} span"

    return _optional_str(check)


def _person_name(article: GoldArticle, value: str) -> str | None:
    """A canonical person name: every word of it is a word of some PERSON span."""
    span_words = {word for span in article.span_texts(PERSON) for word in _name_tokens(span)}
    missing = [word for word in value.split() if word.casefold() not in span_words]
    if missing:
        return f"{value!r}: words {missing} appear in no PERSON span"
    return None


def _in_text(article: GoldArticle, value: str) -> str | None:
    """Value must be written somewhere in the article."""
    return None if value in article.text else f"{value!r} does not occur in the text"


def _any_str(article: GoldArticle, value: str) -> str | None:
    """Any string passes (free-text fields such as given names)."""
    return None


def _iso(article: GoldArticle, value: str) -> str | None:
    """Value must be an ISO date or range."""
    return None if is_iso_value(value) else f"{value!r} is not an ISO date or range"


def _one_of(allowed: Sequence[str]) -> Check:
    """Value must be one of ``allowed`` (a vocabulary from pipeline.labels)."""

    def check(article: GoldArticle, value: str) -> str | None:
        return None if value in allowed else f"{value!r} is not one of {list(allowed)}"

    return _optional_str(check)


def _country(article: GoldArticle, value: str) -> str | None:
    """Value must be an ISO 3166-1 alpha-2 code."""
    return None if _is_country(value) else f"{value!r} is not an ISO 3166-1 alpha-2 code"


def _size(article: GoldArticle, value: Any) -> str | None:
    """A delegation size: a positive integer or null."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return None
    return f"must be a positive integer or null, got {value!r}"


def _list_of(check: Check) -> Check:
    """Value must be a list (null means empty) whose items all pass ``check``."""

    def wrapped(article: GoldArticle, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, list):
            return f"must be a list, got {value!r}"
        problems = [p for item in value if (p := _required(check)(article, item))]
        return "; ".join(problems) or None

    return wrapped


_PERSON = _optional_str(_person_name)
_TEXT = _optional_str(_in_text)
_ISO = _optional_str(_iso)
_COUNTRY = _optional_str(_country)
_STR = _optional_str(_any_str)

#: Per table: field -> check. Fields not listed but present in the table schema pass unchecked.
FIELD_CHECKS: dict[str, dict[str, Check]] = {
    "officials": {
        "name": _required(_PERSON),
        "family_name": _STR,
        "given_name": _STR,
        "patronymic": _STR,
        "title": _span_of(TITLE),
        # A post can belong to a body or straight to a city/region ("Governor of Primorsky Krai").
        "organization": _span_of(INSTITUTION, GPE),
        "country": _COUNTRY,
    },
    "institutions": {
        "name": _required(_span_of(INSTITUTION)),
        "type": _required(_one_of(INSTITUTION_TYPES)),
        "city": _STR,
        "country": _COUNTRY,
    },
    "delegations": {
        "leader_name": _PERSON,
        "leader_title": _span_of(TITLE),
        "origin": _TEXT,
        "origin_country": _COUNTRY,
        "destination": _TEXT,
        "destination_country": _COUNTRY,
        "size": _size,
        "start": _ISO,
        "end": _ISO,
        "institutions_visited": _list_of(_span_of(INSTITUTION)),
    },
    "agreements": {
        "agreement_type": _required(_one_of(AGREEMENT_TYPES)),
        "title": _span_of(AGREEMENT),
        "parties": _list_of(_TEXT),
        "signatories": _list_of(_PERSON),
        "signed_date": _ISO,
        "place": _TEXT,
    },
    "sister_cities": {
        "city_a": _required(_TEXT),
        "country_a": _COUNTRY,
        "city_b": _required(_TEXT),
        "country_b": _COUNTRY,
        "since": _ISO,
    },
    "dates": {
        "text": _required(_span_of(DATE)),
        "value": _ISO,
        "start": _ISO,
        "end": _ISO,
        "granularity": _one_of(GRANULARITIES),
        "role": _required(_one_of(DATE_ROLES)),
    },
}


def allowed_fields(table: str) -> frozenset[str]:
    """Record fields an authoring file may use for ``table``."""
    return frozenset(SCHEMAS[table].names) | AUTHORING_ONLY_FIELDS


def _record_problems(article: GoldArticle) -> list[str]:
    """Problems with the records of one compiled article."""
    problems: list[str] = []
    for table in GOLD_TABLES:
        allowed = allowed_fields(table)
        for index, record in enumerate(article.records[table]):
            where = f"{article.id}: {table}[{index}]"
            if not isinstance(record, dict):
                problems.append(f"{where}: record must be an object")
                continue
            for name in sorted(set(record) - allowed):
                problems.append(f"{where}: unknown field {name!r}")
            for name, check in FIELD_CHECKS[table].items():
                problem = check(article, record.get(name))
                if problem:
                    problems.append(f"{where}.{name}: {problem}")
            if table == "officials" and isinstance(record.get("family_name"), str):
                if record["family_name"].casefold() not in str(record.get("name", "")).casefold():
                    problems.append(f"{where}.family_name: {record['family_name']!r} is not part of the name")
    return problems


def _date_coverage_problems(article: GoldArticle) -> list[str]:
    """Every DATE span needs a dates record; a publication record must agree with 'published'."""
    problems: list[str] = []
    dated = {r.get("text") for r in article.records["dates"] if isinstance(r, dict)}
    for text in sorted(article.span_texts(DATE) - dated):
        problems.append(f"{article.id}: DATE span {text!r} has no dates record")
    for record in article.records["dates"]:
        if isinstance(record, dict) and record.get("role") == "publication":
            if article.published is not None and record.get("value") != article.published:
                problems.append(
                    f"{article.id}: publication date record {record.get('value')!r} "
                    f"differs from published {article.published!r}"
                )
    return problems


def _span_problems(article: GoldArticle) -> list[str]:
    """Offsets inside the text, labels known, no overlaps."""
    problems: list[str] = []
    previous_end = 0
    for span in article.spans:
        if span.label not in LABELS:
            problems.append(f"{article.id}: span {span} has unknown label")
        if not 0 <= span.start < span.end <= len(article.text):
            problems.append(f"{article.id}: span {span} lies outside the text")
        if span.start < previous_end:
            problems.append(f"{article.id}: span {span} overlaps the previous span")
        previous_end = max(previous_end, span.end)
    return problems


def validate_compiled(article: GoldArticle) -> list[str]:
    """Problems with one compiled article (empty when it is valid)."""
    problems = _span_problems(article)
    if article.published is not None and not _is_iso_date(article.published):
        problems.append(f"{article.id}: published {article.published!r} is not an ISO date")
    return problems + _record_problems(article) + _date_coverage_problems(article)


def validate_article(data: Mapping[str, Any]) -> list[str]:
    """Problems with one authoring object, compile errors included (empty when it is valid)."""
    try:
        article = compile_article(data)
    except GoldError as error:
        return [str(error)]
    return validate_compiled(article)


# --------------------------------------------------------------------------- build and load


def _compile_file(root: Path, article_id: str) -> GoldArticle:
    """Compile the authoring file of ``article_id``; its id must match the file name."""
    path = authoring_dir(root) / f"{article_id}.json"
    data = load_authoring(path)
    if data.get("id") != article_id:
        raise GoldError(f"{path.name}: 'id' is {data.get('id')!r}, expected {article_id!r}")
    return compile_article(data)


def compile_split(split: str, root: Path, *, warn_missing: bool = True) -> list[GoldArticle]:
    """Compile the articles of one split, sorted by id; ids without an authoring file are skipped."""
    articles: list[GoldArticle] = []
    for article_id in sorted(load_splits(root)[split]):
        if not (authoring_dir(root) / f"{article_id}.json").is_file():
            # Authors add files over time; validate() reports the gap, build keeps going.
            if warn_missing:
                LOGGER.warning("split %s lists %s but there is no authoring file yet", split, article_id)
            continue
        articles.append(_compile_file(root, article_id))
    return articles


def render_split(articles: Iterable[GoldArticle]) -> str:
    """The exact content of a compiled split file."""
    return "".join(dumps_article(article) + "\n" for article in articles)


def build(root: Path = DEFAULT_GOLD_DIR) -> dict[str, int]:
    """Compile every split to ``<root>/<split>.jsonl``; returns split -> number of articles."""
    rendered = {split: compile_split(split, root) for split in SPLITS}
    # Write only after every split compiled, so a failure leaves the old files intact.
    for split, articles in rendered.items():
        split_path(split, root).write_text(render_split(articles), encoding="utf-8")
    return {split: len(articles) for split, articles in rendered.items()}


def _split_problems(root: Path) -> list[str]:
    """Every authoring file in exactly one split, every split id backed by a file."""
    try:
        splits = load_splits(root)
    except GoldError as error:
        return [str(error)]
    problems: list[str] = []
    seen: dict[str, str] = {}
    for split, ids in splits.items():
        for article_id in ids:
            if article_id in seen:
                problems.append(f"{article_id}: listed in both {seen[article_id]} and {split}")
            seen[article_id] = split
    existing = set(authoring_ids(root))
    for article_id in sorted(existing - set(seen)):
        problems.append(f"{article_id}: authoring file is in no split")
    for article_id in sorted(set(seen) - existing):
        problems.append(f"{article_id}: listed in {seen[article_id]} but there is no authoring file")
    return problems


def _staleness_problems(root: Path) -> list[str]:
    """Compiled files must equal a fresh build."""
    problems: list[str] = []
    for split in SPLITS:
        try:
            expected = render_split(compile_split(split, root, warn_missing=False))
        except GoldError:
            continue  # already reported per article
        path = split_path(split, root)
        if not path.is_file() or path.read_text(encoding="utf-8") != expected:
            problems.append(f"{path.name} is missing or out of date: run `python -m pipeline.evaluation.gold build`")
    return problems


def validate(root: Path = DEFAULT_GOLD_DIR) -> list[str]:
    """Every problem in the gold set under ``root`` (empty when it is valid)."""
    problems: list[str] = []
    for article_id in authoring_ids(root):
        try:
            article = _compile_file(root, article_id)
        except GoldError as error:
            problems.append(str(error))
            continue
        problems.extend(validate_compiled(article))
    problems.extend(_split_problems(root))
    if (root / SPLITS_FILENAME).is_file():
        problems.extend(_staleness_problems(root))
    return problems


def load_split(split: str, root: Path = DEFAULT_GOLD_DIR) -> list[GoldArticle]:
    """Read a compiled split file."""
    if split not in SPLITS:
        raise GoldError(f"unknown split {split!r}; expected one of {list(SPLITS)}")
    path = split_path(split, root)
    if not path.is_file():
        raise GoldError(f"{path} does not exist: run `python -m pipeline.evaluation.gold build`")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [GoldArticle.from_json(json.loads(line)) for line in lines if line.strip()]


# --------------------------------------------------------------------------- spaCy


def to_docbin(split: str, path: Path, root: Path = DEFAULT_GOLD_DIR) -> int:
    """Write one split as a spaCy DocBin (entities only); returns the number of docs."""
    import spacy  # heavy; only this function needs it
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    nlp = spacy.blank("en")
    doc_bin = DocBin(store_user_data=True)
    for article in load_split(split, root):
        doc = nlp.make_doc(article.text)
        entities = [doc.char_span(s.start, s.end, label=s.label, alignment_mode="expand") for s in article.spans]
        # Expanding to token edges can make two spans share a token; keep the longer one.
        doc.ents = filter_spans([e for e in entities if e is not None])
        doc.user_data["gold_id"] = article.id
        doc_bin.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc_bin.to_disk(path)
    return len(doc_bin)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry: build | validate | docbin SPLIT OUT."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation.gold", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_GOLD_DIR, help="gold folder (default: seeds/gold)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="compile authoring files into the split files")
    commands.add_parser("validate", help="report every problem in the gold set")
    docbin = commands.add_parser("docbin", help="write a split as a spaCy DocBin")
    docbin.add_argument("split", choices=SPLITS)
    docbin.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        if args.command == "build":
            counts = build(args.root)
            print(" ".join(f"{split}={count}" for split, count in counts.items()))
        elif args.command == "validate":
            problems = validate(args.root)
            for problem in problems:
                print(problem)
            print(f"{len(problems)} problem(s)")
            return 1 if problems else 0
        else:
            print(f"{to_docbin(args.split, args.out, args.root)} docs -> {args.out}")
    except GoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
