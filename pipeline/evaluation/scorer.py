"""Score predicted spans and table rows against the gold set (pure Python, no spaCy).

Every function returns plain, JSON-serialisable dicts. Counts are summed over articles
(micro-averaging); ``p = tp / (tp + fp)``, ``r = tp / (tp + fn)``, ``f1`` their harmonic mean,
and any zero division gives 0.0 (``n_gold`` / ``n_pred`` say when a score rests on nothing).

Matching rules
==============

Spans (character offsets into the RAW gold text; the caller maps predicted offsets there):

- exact: a prediction is correct when a gold span has the same start, end and label.
- overlap: same label and at least one shared character; one-to-one, pairs taken greedily
  by the size of the overlap (largest first, then by position).
- unlabelled: exact start and end, label ignored (boundary quality alone).
- Identical predicted spans (same start, end, label) count once: a duplicate is neither a
  second hit nor a false positive.

Records (matched within one article only; one-to-one, each gold row and each predicted row
used at most once; among compatible pairs the greedy order prefers the pair agreeing on more
attributes, then gold order, then prediction order). A duplicated predicted row is a false
positive: every table holds one row per thing per article. Text values are compared
casefolded with whitespace collapsed; null equals null. Attribute accuracy is computed over
the matched pairs only (correct / matched pairs, null gold values included).

- officials: same person key of ``name`` (``normalize_person(name).person_id``, or the
  casefolded name when it is not parsed as a person). Attributes: title; organization
  (leading "the" dropped, then ``normalize_institution``); name_split (family_name and
  given_name both equal); country.
- places (cities, regions, countries in every table) are compared by their place key: the
  gazetteer's canonical name (``resolve_place``) when it knows the place, else the casefolded
  text, so the table's normalised "Russia" equals the gold's as-written "Russian Federation".
- institutions: same ``normalize_institution(name)`` (leading "the" dropped first).
  Attributes: type, city, country.
- delegations: when both rows have a leader, same person key of ``leader_name``; otherwise
  same (origin, destination) place keys. Attributes: size, start, end, origin, destination.
- agreements: same agreement_type and the party sets (each party through the institution
  key) share at least one party, or both are empty; larger party overlap is preferred.
  Attributes: parties (same set), signatories (same set of person keys), signed_date, place.
- sister_cities: same unordered pair of city place keys. Attribute: since.
- dates: same ``value`` (a multiset per article; a row without a value never matches).
  Attribute: role.
"""

from __future__ import annotations

from pipeline.tables import FACT_TABLES

import functools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.labels import LABELS

#: The tables that are scored, in report order.
SCORED_TABLES: tuple[str, ...] = FACT_TABLES

#: Span matching modes, in report order.
SPAN_MODES: tuple[str, ...] = ("exact", "overlap", "unlabelled")

MICRO = "micro"

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)

SPAN_RULES: dict[str, str] = {
    "offsets": "character offsets into the raw gold text",
    "exact": "same start, end and label",
    "overlap": "same label and at least one shared character; one-to-one, greedy by overlap size",
    "unlabelled": "same start and end, label ignored",
    "duplicates": "identical predicted spans count once",
}

RECORD_RULES: dict[str, str] = {
    "officials": "same person key of name (normalize_person(name).person_id, else the casefolded"
    " name); attributes title, organization (normalize_institution), name_split (family_name"
    " and given_name both equal), country",
    "institutions": "same normalize_institution(name) (leading 'the' dropped); attributes type,"
    " city, country",
    "delegations": "same leader person key when both rows have a leader, else same"
    " (origin, destination) place keys; attributes size, start, end, origin, destination",
    "agreements": "same agreement_type and party sets (institution keys) sharing at least one"
    " party or both empty; attributes parties, signatories, signed_date, place",
    "sister_cities": "same unordered pair of city place keys; attribute since",
    "dates": "same value (multiset per article; no value never matches); attribute role",
    "general": "within one article; one-to-one, greedy preferring pairs that agree on more"
    " attributes; duplicated predicted rows are false positives; text casefolded and"
    " whitespace-collapsed, null equals null; places by place key (the gazetteer's canonical"
    " name, else the text); attribute accuracy over matched pairs",
}

Row = Mapping[str, Any]
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Prediction:
    """One system's output for one gold article: raw-text spans and table rows."""

    article_id: str
    spans: list[Span] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class GoldLike(Protocol):
    """What the scorer needs from a gold article (``pipeline.evaluation.gold.GoldArticle``)."""

    id: str
    published: str | None
    text: str
    spans: Sequence[Any]
    records: Mapping[str, Sequence[Row]]


# ---------------------------------------------------------------------------------------
# Keys and value normalisation


def fold(value: Any) -> str | None:
    """Casefold and collapse whitespace; None for a missing or blank value."""
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def drop_leading_the(name: str) -> str:
    """Drop a leading English article ("the Harbin Institute" -> "Harbin Institute")."""
    stripped = name.strip()
    without = _LEADING_THE.sub("", stripped, count=1)
    return without or stripped


@functools.lru_cache(maxsize=65536)
def default_person_key(name: str) -> str | None:
    """``normalize_person(name).person_id``, or the casefolded name when it is not parsed."""
    if fold(name) is None:
        return None
    from pipeline.normalize.names import normalize_person  # noqa: PLC0415 (kept off import time)

    person = normalize_person(name)
    if person is not None and person.person_id:
        return person.person_id
    return fold(name)


@functools.lru_cache(maxsize=65536)
def default_institution_key(name: str) -> str | None:
    """Casefolded ``normalize_institution`` of the name with any leading "the" dropped."""
    if fold(name) is None:
        return None
    from pipeline.normalize.institutions import normalize_institution  # noqa: PLC0415

    return fold(normalize_institution(drop_leading_the(name)))


@functools.lru_cache(maxsize=65536)
def default_place_key(name: str) -> str | None:
    """The gazetteer's canonical name of a place, casefolded; else the casefolded text."""
    if fold(name) is None:
        return None
    from pipeline.normalize.places import resolve_place  # noqa: PLC0415

    place = resolve_place(name)
    return fold(place.name) if place is not None else fold(name)


@dataclass(frozen=True)
class MatchKeys:
    """The name-normalising functions matching uses (injectable so tests control them)."""

    person: Callable[[str], str | None] = default_person_key
    institution: Callable[[str], str | None] = default_institution_key
    place: Callable[[str], str | None] = default_place_key

    def person_of(self, name: Any) -> str | None:
        """Person key of a name value, None for a missing name."""
        return self.person(str(name)) if fold(name) is not None else None

    def institution_of(self, name: Any) -> str | None:
        """Institution key of a name value, None for a missing name."""
        return self.institution(str(name)) if fold(name) is not None else None

    def place_of(self, name: Any) -> str | None:
        """Place key of a place value, None for a missing place."""
        return self.place(str(name)) if fold(name) is not None else None


def _as_int(value: Any) -> int | None:
    """An integer attribute (delegation size), None when missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_list(value: Any) -> list[Any]:
    """A list attribute (parties, signatories), [] when missing."""
    if value is None or isinstance(value, str):
        return [] if value is None else [value]
    return list(value)


def _code(value: Any) -> str | None:
    """An ISO country code compared case-insensitively."""
    text = fold(value)
    return text.upper() if text else None


# ---------------------------------------------------------------------------------------
# Counting


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall, F1 and the counts they come from (0.0 on zero division)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "p": precision,
        "r": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "n_gold": tp + fn,
        "n_pred": tp + fp,
    }


@dataclass
class _Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, n_gold: int, n_pred: int, n_matched: int) -> None:
        self.tp += n_matched
        self.fp += n_pred - n_matched
        self.fn += n_gold - n_matched

    def metrics(self) -> dict[str, float | int]:
        return prf(self.tp, self.fp, self.fn)


def _greedy(candidates: Iterable[tuple[tuple[Any, ...], int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs from (sort key, gold index, pred index), best sort key first."""
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, gold_index, pred_index in sorted(candidates):
        if gold_index in used_gold or pred_index in used_pred:
            continue
        used_gold.add(gold_index)
        used_pred.add(pred_index)
        pairs.append((gold_index, pred_index))
    return pairs


# ---------------------------------------------------------------------------------------
# Spans


def span_tuple(span: Any) -> Span:
    """(start, end, label) from a tuple/list or an object with start, end and label."""
    if isinstance(span, (tuple, list)):
        start, end, label = span
    else:
        start, end, label = span.start, span.end, span.label
    return int(start), int(end), str(label)


def match_spans_exact(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Index pairs of gold and predicted spans with identical start, end and label."""
    gold_index = {span: index for index, span in enumerate(gold)}
    return [(gold_index[span], index) for index, span in enumerate(pred) if span in gold_index]


def match_spans_overlap(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """One-to-one pairs of same-label spans sharing characters, largest overlap first."""
    candidates = []
    for gi, (g_start, g_end, g_label) in enumerate(gold):
        for pi, (p_start, p_end, p_label) in enumerate(pred):
            overlap = min(g_end, p_end) - max(g_start, p_start)
            if p_label == g_label and overlap > 0:
                candidates.append(((-overlap, g_start, p_start, gi, pi), gi, pi))
    return _greedy(candidates)


def _unique(spans: Iterable[Span]) -> list[Span]:
    """Distinct spans in a stable (sorted) order."""
    return sorted(set(spans))


def _span_labels(seen: set[str]) -> list[str]:
    """The product labels first (report order), then any other label seen, sorted."""
    return list(LABELS) + sorted(seen - set(LABELS))


@dataclass
class _SpanScorer:
    """Accumulates span counts over articles for every mode and label."""

    tallies: dict[str, dict[str, _Tally]] = field(
        default_factory=lambda: {mode: {} for mode in SPAN_MODES}
    )
    labels_seen: set[str] = field(default_factory=set)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def _tally(self, mode: str, label: str) -> _Tally:
        return self.tallies[mode].setdefault(label, _Tally())

    def add(self, article_id: str, text: str, gold: Sequence[Span], pred: Sequence[Span]) -> None:
        gold, pred = _unique(gold), _unique(pred)
        self.labels_seen.update(label for _, _, label in (*gold, *pred))
        for label in {label for _, _, label in (*gold, *pred)}:
            gold_l = [span for span in gold if span[2] == label]
            pred_l = [span for span in pred if span[2] == label]
            exact = match_spans_exact(gold_l, pred_l)
            self._tally("exact", label).add(len(gold_l), len(pred_l), len(exact))
            overlap = match_spans_overlap(gold_l, pred_l)
            self._tally("overlap", label).add(len(gold_l), len(pred_l), len(overlap))
            self._record_errors(article_id, text, gold_l, pred_l, exact, overlap)
        gold_b = _unique((start, end, "") for start, end, _ in gold)
        pred_b = _unique((start, end, "") for start, end, _ in pred)
        boundary = match_spans_exact(gold_b, pred_b)
        self._tally("unlabelled", MICRO).add(len(gold_b), len(pred_b), len(boundary))

    def _record_errors(
        self,
        article_id: str,
        text: str,
        gold: Sequence[Span],
        pred: Sequence[Span],
        exact: list[tuple[int, int]],
        overlap: list[tuple[int, int]],
    ) -> None:
        """Keep every non-exact gold/pred span, marking those that overlap a partner."""
        exact_gold = {gi for gi, _ in exact}
        exact_pred = {pi for _, pi in exact}
        overlap_gold = {gi: pi for gi, pi in overlap}
        overlap_pred = {pi: gi for gi, pi in overlap}
        for gi, span in enumerate(gold):
            if gi in exact_gold:
                continue
            partner = pred[overlap_gold[gi]] if gi in overlap_gold else None
            kind = "fn" if partner is None else "boundary"
            self.errors.append(_span_error(article_id, text, kind, gold=span, pred=partner))
        for pi, span in enumerate(pred):
            if pi not in exact_pred and pi not in overlap_pred:
                self.errors.append(_span_error(article_id, text, "fp", gold=None, pred=span))

    def metrics(self) -> dict[str, dict[str, dict[str, float | int]]]:
        labels = _span_labels(self.labels_seen)
        result: dict[str, dict[str, dict[str, float | int]]] = {}
        for mode in ("exact", "overlap"):
            per_label = {label: self._tally(mode, label).metrics() for label in labels}
            totals = [self._tally(mode, label) for label in labels]
            per_label[MICRO] = prf(
                sum(t.tp for t in totals), sum(t.fp for t in totals), sum(t.fn for t in totals)
            )
            result[mode] = per_label
        result["unlabelled"] = {MICRO: self._tally("unlabelled", MICRO).metrics()}
        return result


def _span_error(
    article_id: str, text: str, kind: str, *, gold: Span | None, pred: Span | None
) -> dict[str, Any]:
    """A JSON-ready description of one span error, with the text it covers."""

    def describe(span: Span | None) -> dict[str, Any] | None:
        if span is None:
            return None
        start, end, label = span
        return {"start": start, "end": end, "label": label, "text": text[start:end]}

    return {"article_id": article_id, "error": kind, "gold": describe(gold), "pred": describe(pred)}


def score_spans(
    gold: Sequence[Any], pred: Sequence[Any], *, text: str = "", article_id: str = ""
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Span metrics for one article (gold spans as GoldSpan-like objects or tuples)."""
    scorer = _SpanScorer()
    scorer.add(article_id, text, [span_tuple(s) for s in gold], [span_tuple(s) for s in pred])
    return scorer.metrics()


# ---------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class TableRule:
    """How the rows of one table are matched and which attributes are compared.

    ``compatible(keys, gold, pred)`` returns None when the rows cannot be the same thing,
    else a number that is larger for a better pair (before attribute agreement).
    """

    table: str
    rule: str
    compatible: Callable[[MatchKeys, Row, Row], float | None]
    attributes: Mapping[str, Callable[[MatchKeys, Row], Hashable]]


def _same(
    key: Callable[[MatchKeys, Row], Hashable],
) -> Callable[[MatchKeys, Row, Row], float | None]:
    """Compatibility by equality of a key that must not be None."""

    def compatible(keys: MatchKeys, gold: Row, pred: Row) -> float | None:
        gold_key = key(keys, gold)
        return 0.0 if gold_key is not None and gold_key == key(keys, pred) else None

    return compatible


def _field(
    name: str, convert: Callable[[Any], Hashable] = fold
) -> Callable[[MatchKeys, Row], Hashable]:
    """Attribute getter: one column through a value normaliser."""
    return lambda keys, row: convert(row.get(name))


def _place(name: str) -> Callable[[MatchKeys, Row], Hashable]:
    """Attribute getter: one place column through the place key."""
    return lambda keys, row: keys.place_of(row.get(name))


def _official_key(keys: MatchKeys, row: Row) -> Hashable:
    return keys.person_of(row.get("name"))


def _organization(keys: MatchKeys, row: Row) -> Hashable:
    return keys.institution_of(row.get("organization"))


def _name_split(keys: MatchKeys, row: Row) -> Hashable:
    return fold(row.get("family_name")), fold(row.get("given_name"))


def _institution_key(keys: MatchKeys, row: Row) -> Hashable:
    return keys.institution_of(row.get("name"))


def _delegation_compatible(keys: MatchKeys, gold: Row, pred: Row) -> float | None:
    gold_leader = keys.person_of(gold.get("leader_name"))
    pred_leader = keys.person_of(pred.get("leader_name"))
    if gold_leader is not None and pred_leader is not None:
        return 0.0 if gold_leader == pred_leader else None
    gold_route = keys.place_of(gold.get("origin")), keys.place_of(gold.get("destination"))
    pred_route = keys.place_of(pred.get("origin")), keys.place_of(pred.get("destination"))
    return 0.0 if gold_route == pred_route else None


def _parties(keys: MatchKeys, row: Row) -> frozenset[str]:
    found = (keys.institution_of(party) for party in _as_list(row.get("parties")))
    return frozenset(key for key in found if key is not None)


def _signatories(keys: MatchKeys, row: Row) -> frozenset[str]:
    found = (keys.person_of(name) for name in _as_list(row.get("signatories")))
    return frozenset(key for key in found if key is not None)


def _agreement_compatible(keys: MatchKeys, gold: Row, pred: Row) -> float | None:
    if fold(gold.get("agreement_type")) != fold(pred.get("agreement_type")):
        return None
    gold_parties, pred_parties = _parties(keys, gold), _parties(keys, pred)
    shared = len(gold_parties & pred_parties)
    if shared or (not gold_parties and not pred_parties):
        return float(shared)
    return None


def _city_pair(keys: MatchKeys, row: Row) -> Hashable:
    city_a, city_b = keys.place_of(row.get("city_a")), keys.place_of(row.get("city_b"))
    return frozenset((city_a, city_b)) if city_a and city_b else None


def _date_value(keys: MatchKeys, row: Row) -> Hashable:
    value = row.get("value")
    if value is None:
        return None
    return str(value).strip() or None


TABLE_RULES: dict[str, TableRule] = {
    "officials": TableRule(
        "officials",
        RECORD_RULES["officials"],
        _same(_official_key),
        {
            "title": _field("title"),
            "organization": _organization,
            "name_split": _name_split,
            "country": _field("country", _code),
        },
    ),
    "institutions": TableRule(
        "institutions",
        RECORD_RULES["institutions"],
        _same(_institution_key),
        {
            "type": _field("type"),
            "city": _place("city"),
            "country": _field("country", _code),
        },
    ),
    "delegations": TableRule(
        "delegations",
        RECORD_RULES["delegations"],
        _delegation_compatible,
        {
            "size": _field("size", _as_int),
            "start": _field("start"),
            "end": _field("end"),
            "origin": _place("origin"),
            "destination": _place("destination"),
        },
    ),
    "agreements": TableRule(
        "agreements",
        RECORD_RULES["agreements"],
        _agreement_compatible,
        {
            "parties": _parties,
            "signatories": _signatories,
            "signed_date": _field("signed_date"),
            "place": _place("place"),
        },
    ),
    "sister_cities": TableRule(
        "sister_cities",
        RECORD_RULES["sister_cities"],
        _same(_city_pair),
        {"since": _field("since")},
    ),
    "dates": TableRule(
        "dates",
        RECORD_RULES["dates"],
        _same(_date_value),
        {"role": _field("role")},
    ),
}


def match_records(
    rule: TableRule, gold: Sequence[Row], pred: Sequence[Row], keys: MatchKeys | None = None
) -> list[tuple[int, int]]:
    """One-to-one (gold index, pred index) pairs of matching rows of one article."""
    keys = keys or MatchKeys()
    gold_attrs = [_attribute_values(rule, keys, row) for row in gold]
    pred_attrs = [_attribute_values(rule, keys, row) for row in pred]
    candidates = []
    for gi, gold_row in enumerate(gold):
        for pi, pred_row in enumerate(pred):
            affinity = rule.compatible(keys, gold_row, pred_row)
            if affinity is None:
                continue
            agreeing = sum(gold_attrs[gi][a] == pred_attrs[pi][a] for a in rule.attributes)
            candidates.append(((-affinity, -agreeing, gi, pi), gi, pi))
    return _greedy(candidates)


def _attribute_values(rule: TableRule, keys: MatchKeys, row: Row) -> dict[str, Hashable]:
    return {name: get(keys, row) for name, get in rule.attributes.items()}


@dataclass
class _RecordScorer:
    """Accumulates record counts and attribute agreement for one table over articles."""

    rule: TableRule
    keys: MatchKeys
    tally: _Tally = field(default_factory=_Tally)
    correct: dict[str, int] = field(default_factory=dict)
    compared: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, article_id: str, gold: Sequence[Row], pred: Sequence[Row]) -> None:
        pairs = match_records(self.rule, gold, pred, self.keys)
        self.tally.add(len(gold), len(pred), len(pairs))
        self.compared += len(pairs)
        for gi, pi in pairs:
            gold_values = _attribute_values(self.rule, self.keys, gold[gi])
            pred_values = _attribute_values(self.rule, self.keys, pred[pi])
            wrong = [a for a in self.rule.attributes if gold_values[a] != pred_values[a]]
            for name in self.rule.attributes:
                self.correct[name] = self.correct.get(name, 0) + (name not in wrong)
            if wrong:
                self.errors.append(
                    _record_error(article_id, "attributes", gold[gi], pred[pi], wrong)
                )
        matched_gold = {gi for gi, _ in pairs}
        matched_pred = {pi for _, pi in pairs}
        for gi, row in enumerate(gold):
            if gi not in matched_gold:
                self.errors.append(_record_error(article_id, "fn", row, None))
        for pi, row in enumerate(pred):
            if pi not in matched_pred:
                self.errors.append(_record_error(article_id, "fp", None, row))

    def metrics(self) -> dict[str, Any]:
        result: dict[str, Any] = dict(self.tally.metrics())
        result["attributes"] = {
            name: (self.correct.get(name, 0) / self.compared if self.compared else 0.0)
            for name in self.rule.attributes
        }
        result["attribute_counts"] = {
            name: {"correct": self.correct.get(name, 0), "n": self.compared}
            for name in self.rule.attributes
        }
        return result


def _record_error(
    article_id: str, kind: str, gold: Row | None, pred: Row | None, wrong: Sequence[str] = ()
) -> dict[str, Any]:
    """A JSON-ready description of one record error (fn, fp or wrong attributes)."""
    error: dict[str, Any] = {"article_id": article_id, "error": kind}
    if wrong:
        error["attributes"] = list(wrong)
    error["gold"] = _jsonable(gold)
    error["pred"] = _jsonable(pred)
    return error


def _jsonable(value: Any) -> Any:
    """A JSON-safe copy of a row value (tuples/sets become lists, unknown types strings)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if hasattr(value, "tolist"):  # numpy arrays / scalars coming from pandas or pyarrow
        return _jsonable(value.tolist())
    return str(value)


def score_records(
    table: str, gold: Sequence[Row], pred: Sequence[Row], *, keys: MatchKeys | None = None
) -> dict[str, Any]:
    """Record metrics of one table for one article."""
    scorer = _RecordScorer(TABLE_RULES[table], keys or MatchKeys())
    scorer.add("", gold, pred)
    return scorer.metrics()


# ---------------------------------------------------------------------------------------
# Whole split


def matching_rules() -> dict[str, Any]:
    """The matching rules, as stored next to the numbers they produced."""
    return {"spans": dict(SPAN_RULES), "records": dict(RECORD_RULES)}


def score(
    golds: Sequence[GoldLike],
    predictions: Sequence[Prediction],
    *,
    keys: MatchKeys | None = None,
    with_errors: bool = False,
) -> dict[str, Any]:
    """Span and record metrics of one system on a list of gold articles.

    A gold article without a prediction counts as predicting nothing. A prediction for an
    article that is not in the gold list, or two predictions for one article, is a caller
    error (ValueError): silently dropping either would inflate the numbers.
    """
    keys = keys or MatchKeys()
    by_id = _predictions_by_id(golds, predictions)
    spans = _SpanScorer()
    records = {table: _RecordScorer(TABLE_RULES[table], keys) for table in SCORED_TABLES}
    for gold in golds:
        prediction = by_id.get(gold.id, Prediction(gold.id))
        spans.add(
            gold.id,
            gold.text,
            [span_tuple(span) for span in gold.spans],
            [span_tuple(span) for span in prediction.spans],
        )
        for table, scorer in records.items():
            scorer.add(
                gold.id,
                list(gold.records.get(table) or []),
                list(prediction.records.get(table) or []),
            )
    result: dict[str, Any] = {
        "n_articles": len(golds),
        "n_predicted_articles": sum(1 for gold in golds if gold.id in by_id),
        "spans": spans.metrics(),
        "records": {table: scorer.metrics() for table, scorer in records.items()},
        "matching_rules": matching_rules(),
    }
    if with_errors:
        result["errors"] = {
            "spans": spans.errors,
            **{table: scorer.errors for table, scorer in records.items()},
        }
    return result


def _predictions_by_id(
    golds: Sequence[GoldLike], predictions: Sequence[Prediction]
) -> dict[str, Prediction]:
    gold_ids = [gold.id for gold in golds]
    if len(set(gold_ids)) != len(gold_ids):
        raise ValueError("gold articles have duplicate ids")
    by_id: dict[str, Prediction] = {}
    for prediction in predictions:
        if prediction.article_id in by_id:
            raise ValueError(f"two predictions for article {prediction.article_id!r}")
        by_id[prediction.article_id] = prediction
    unknown = sorted(set(by_id) - set(gold_ids))
    if unknown:
        raise ValueError(f"predictions for articles not in the gold list: {unknown[:5]}")
    return by_id
