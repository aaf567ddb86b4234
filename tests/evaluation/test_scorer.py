"""Tests for pipeline.evaluation.scorer (hand-made gold and predictions, no spaCy)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipeline.evaluation import scorer
from pipeline.evaluation.gold import GoldArticle, GoldSpan
from pipeline.evaluation.scorer import (
    MICRO,
    SCORED_TABLES,
    MatchKeys,
    Prediction,
    drop_leading_the,
    fold,
    match_spans_overlap,
    score,
    score_records,
    score_spans,
)

# Test-controlled keys: the normalisers of other modules are tested in their own files.
KEYS = MatchKeys(person=fold, institution=lambda name: fold(drop_leading_the(name)))

TEXT = "Ivan Petrov of Harbin University visited Moscow on 15 June 2017 with a delegation."


def _gold(
    spans: list[tuple[int, int, str]] | None = None,
    records: dict[str, list[dict[str, Any]]] | None = None,
    article_id: str = "a1",
) -> GoldArticle:
    return GoldArticle(
        id=article_id,
        published="2017-06-20",
        text=TEXT,
        spans=[GoldSpan(*span) for span in spans or []],
        records=records or {},
    )


def _counts(metrics: dict[str, Any]) -> tuple[int, int, int]:
    return metrics["tp"], metrics["fp"], metrics["fn"]


# ---------------------------------------------------------------------------------------
# Value normalisation


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  Deputy\n  HEAD ", "deputy head"), ("", None), ("   ", None), (None, None), (12, "12")],
)
def test_scorer_fold(value: Any, expected: str | None) -> None:
    assert fold(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("the Harbin University", "Harbin University"),
        ("The\tHarbin University", "Harbin University"),
        ("Theatre Academy", "Theatre Academy"),
        ("the", "the"),
    ],
)
def test_scorer_drop_leading_the(name: str, expected: str) -> None:
    assert drop_leading_the(name) == expected


# ---------------------------------------------------------------------------------------
# prf


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "expected"),
    [
        (2, 0, 0, (1.0, 1.0, 1.0)),
        (1, 1, 0, (0.5, 1.0, 2 / 3)),
        (1, 0, 3, (1.0, 0.25, 0.4)),
        (0, 2, 2, (0.0, 0.0, 0.0)),
        (0, 0, 0, (0.0, 0.0, 0.0)),
        (0, 0, 4, (0.0, 0.0, 0.0)),
        (0, 3, 0, (0.0, 0.0, 0.0)),
    ],
)
def test_scorer_prf_values_and_zero_division(
    tp: int, fp: int, fn: int, expected: tuple[float, float, float]
) -> None:
    metrics = scorer.prf(tp, fp, fn)
    assert (metrics["p"], metrics["r"], metrics["f1"]) == pytest.approx(expected)
    assert (metrics["n_gold"], metrics["n_pred"]) == (tp + fn, tp + fp)


# ---------------------------------------------------------------------------------------
# Spans

P, G, I, D = "PERSON", "GPE", "INSTITUTION", "DATE"

SPAN_CASES = [
    # name, gold, pred, mode, label, (tp, fp, fn)
    ("perfect exact", [(0, 11, P)], [(0, 11, P)], "exact", P, (1, 0, 0)),
    ("perfect overlap", [(0, 11, P)], [(0, 11, P)], "overlap", P, (1, 0, 0)),
    ("nothing predicted", [(0, 11, P)], [], "exact", P, (0, 0, 1)),
    ("nothing in gold", [], [(0, 11, P)], "exact", P, (0, 1, 0)),
    ("partial is wrong exactly", [(15, 32, I)], [(15, 21, I)], "exact", I, (0, 1, 1)),
    ("partial is right by overlap", [(15, 32, I)], [(15, 21, I)], "overlap", I, (1, 0, 0)),
    ("partial is wrong unlabelled", [(15, 32, I)], [(15, 21, I)], "unlabelled", MICRO, (0, 1, 1)),
    ("touching is no overlap", [(15, 21, I)], [(21, 32, I)], "overlap", I, (0, 1, 1)),
    ("label confusion: gold label missed", [(41, 47, G)], [(41, 47, P)], "exact", G, (0, 0, 1)),
    ("label confusion: wrong label fp", [(41, 47, G)], [(41, 47, P)], "exact", P, (0, 1, 0)),
    ("label confusion: overlap too", [(41, 47, G)], [(41, 47, P)], "overlap", G, (0, 0, 1)),
    ("label confusion: boundaries right", [(41, 47, G)], [(41, 47, P)], "unlabelled", MICRO, (1, 0, 0)),
    ("duplicate predictions once", [(0, 11, P)], [(0, 11, P), (0, 11, P)], "exact", P, (1, 0, 0)),
    ("duplicate overlap once", [(0, 11, P)], [(0, 4, P), (0, 4, P)], "overlap", P, (1, 0, 0)),
    ("overlap one-to-one", [(0, 11, P)], [(0, 4, P), (5, 11, P)], "overlap", P, (1, 1, 0)),
    ("two gold one pred", [(0, 4, P), (5, 11, P)], [(0, 11, P)], "overlap", P, (1, 0, 1)),
    ("micro sums labels", [(0, 11, P), (41, 47, G)], [(0, 11, P), (51, 63, D)], "exact", MICRO, (1, 1, 1)),
    ("micro overlap", [(0, 11, P), (41, 47, G)], [(0, 4, P), (41, 45, G)], "overlap", MICRO, (2, 0, 0)),
    ("unknown predicted label counted", [], [(0, 11, "ORG")], "exact", MICRO, (0, 1, 0)),
    ("empty everything", [], [], "exact", MICRO, (0, 0, 0)),
]


@pytest.mark.parametrize(
    ("gold", "pred", "mode", "label", "expected"),
    [case[1:] for case in SPAN_CASES],
    ids=[case[0] for case in SPAN_CASES],
)
def test_scorer_span_counts(
    gold: list[tuple[int, int, str]],
    pred: list[tuple[int, int, str]],
    mode: str,
    label: str,
    expected: tuple[int, int, int],
) -> None:
    metrics = score_spans(gold, pred, text=TEXT)
    assert _counts(metrics[mode][label]) == expected


def test_scorer_spans_report_every_product_label_and_extra_labels() -> None:
    metrics = score_spans([(0, 11, P)], [(0, 11, "ORG")])
    assert set(metrics["exact"]) == {*scorer.LABELS, "ORG", MICRO}
    assert metrics["exact"]["AGREEMENT"] == scorer.prf(0, 0, 0)
    assert set(metrics["unlabelled"]) == {MICRO}


def test_scorer_span_overlap_prefers_largest_overlap() -> None:
    gold = [(0, 10, G), (10, 30, G)]
    # Pred 0 overlaps gold 0 by 5 and gold 1 by 20; pred 1 overlaps gold 0 by 4 only.
    # Pairing by position (gold 0 with the first pred) would leave gold 1 unmatched.
    pred = [(5, 30, G), (6, 10, G)]
    assert sorted(match_spans_overlap(gold, pred)) == [(0, 1), (1, 0)]


def test_scorer_spans_accept_gold_span_objects_and_tuples_alike() -> None:
    as_objects = score_spans([GoldSpan(0, 11, P)], [(0, 11, P)])
    as_tuples = score_spans([(0, 11, P)], [(0, 11, P)])
    assert as_objects == as_tuples


def test_scorer_score_sums_spans_over_articles() -> None:
    golds = [_gold([(0, 11, P)], article_id="a1"), _gold([(41, 47, G)], article_id="a2")]
    # The same offsets in another article are not a match: matching is per article.
    predictions = [Prediction("a1", [(0, 11, P), (41, 47, G)]), Prediction("a2", [(0, 11, P)])]
    metrics = score(golds, predictions, keys=KEYS)
    assert _counts(metrics["spans"]["exact"][P]) == (1, 1, 0)
    assert _counts(metrics["spans"]["exact"][G]) == (0, 1, 1)
    assert _counts(metrics["spans"]["exact"][MICRO]) == (1, 2, 1)


def test_scorer_score_counts_a_missing_prediction_as_empty() -> None:
    golds = [_gold([(0, 11, P)], {"dates": [{"value": "2017-06-15", "role": "event"}]})]
    metrics = score(golds, [], keys=KEYS)
    assert _counts(metrics["spans"]["exact"][MICRO]) == (0, 0, 1)
    assert _counts(metrics["records"]["dates"]) == (0, 0, 1)
    assert metrics["n_articles"] == 1
    assert metrics["n_predicted_articles"] == 0


@pytest.mark.parametrize(
    ("golds", "predictions", "message"),
    [
        ([_gold(article_id="a1")], [Prediction("zz")], "not in the gold list"),
        ([_gold(article_id="a1")], [Prediction("a1"), Prediction("a1")], "two predictions"),
        ([_gold(article_id="a1"), _gold(article_id="a1")], [], "duplicate ids"),
    ],
)
def test_scorer_score_rejects_misaligned_predictions(
    golds: list[GoldArticle], predictions: list[Prediction], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score(golds, predictions, keys=KEYS)


def test_scorer_span_errors_describe_misses_boundaries_and_false_positives() -> None:
    golds = [_gold([(0, 11, P), (15, 32, I)])]
    predictions = [Prediction("a1", [(15, 21, I), (41, 47, G)])]
    errors = score(golds, predictions, keys=KEYS, with_errors=True)["errors"]["spans"]
    by_kind = {error["error"]: error for error in errors}
    assert set(by_kind) == {"fn", "boundary", "fp"}
    assert by_kind["fn"]["gold"]["text"] == "Ivan Petrov"
    assert by_kind["boundary"]["pred"]["text"] == "Harbin"
    assert by_kind["fp"]["pred"]["text"] == "Moscow"


# ---------------------------------------------------------------------------------------
# Records

RECORD_CASES = [
    # name, table, gold rows, pred rows, (tp, fp, fn)
    ("officials perfect", "officials", [{"name": "Ivan Petrov"}], [{"name": "Ivan Petrov"}], (1, 0, 0)),
    ("officials case and spaces", "officials", [{"name": "Ivan Petrov"}], [{"name": "ivan  PETROV"}], (1, 0, 0)),
    ("officials other person", "officials", [{"name": "Ivan Petrov"}], [{"name": "Wang Lei"}], (0, 1, 1)),
    ("officials none predicted", "officials", [{"name": "Ivan Petrov"}], [], (0, 0, 1)),
    ("officials duplicate row is fp", "officials", [{"name": "Ivan Petrov"}],
     [{"name": "Ivan Petrov"}, {"name": "Ivan Petrov"}], (1, 1, 0)),
    ("officials missing name never matches", "officials", [{"name": None}], [{"name": None}], (0, 1, 1)),
    ("institutions leading the", "institutions", [{"name": "Harbin University"}],
     [{"name": "the Harbin University"}], (1, 0, 0)),
    ("institutions different", "institutions", [{"name": "Harbin University"}],
     [{"name": "Harbin Institute"}], (0, 1, 1)),
    ("delegations same leader, other route", "delegations",
     [{"leader_name": "Ivan Petrov", "origin": "Moscow", "destination": "Harbin"}],
     [{"leader_name": "ivan petrov", "origin": "Russia", "destination": None}], (1, 0, 0)),
    ("delegations different leader, same route", "delegations",
     [{"leader_name": "Ivan Petrov", "origin": "Moscow", "destination": "Harbin"}],
     [{"leader_name": "Wang Lei", "origin": "Moscow", "destination": "Harbin"}], (0, 1, 1)),
    ("delegations one leader missing, same route", "delegations",
     [{"leader_name": "Ivan Petrov", "origin": "Moscow", "destination": "Harbin"}],
     [{"leader_name": None, "origin": "moscow", "destination": "HARBIN"}], (1, 0, 0)),
    ("delegations no leaders, other route", "delegations",
     [{"leader_name": None, "origin": "Moscow", "destination": "Harbin"}],
     [{"leader_name": None, "origin": "Harbin", "destination": "Moscow"}], (0, 1, 1)),
    ("delegations no leaders, route by place key", "delegations",
     [{"leader_name": None, "origin": "Russian Federation", "destination": "Harbin"}],
     [{"leader_name": None, "origin": "Russia", "destination": "harbin"}], (1, 0, 0)),
    ("agreements shared party", "agreements",
     [{"agreement_type": "cooperation_agreement", "parties": ["Harbin University", "Moscow School"]}],
     [{"agreement_type": "cooperation_agreement", "parties": ["the Harbin University"]}], (1, 0, 0)),
    ("agreements other type", "agreements",
     [{"agreement_type": "cooperation_agreement", "parties": ["Harbin University"]}],
     [{"agreement_type": "memorandum_of_understanding", "parties": ["Harbin University"]}], (0, 1, 1)),
    ("agreements disjoint parties", "agreements",
     [{"agreement_type": "action_plan", "parties": ["Harbin University"]}],
     [{"agreement_type": "action_plan", "parties": ["Moscow School"]}], (0, 1, 1)),
    ("agreements both without parties", "agreements",
     [{"agreement_type": "action_plan", "parties": []}],
     [{"agreement_type": "action_plan", "parties": []}], (1, 0, 0)),
    ("agreements parties on one side only", "agreements",
     [{"agreement_type": "action_plan", "parties": ["Harbin University"]}],
     [{"agreement_type": "action_plan", "parties": []}], (0, 1, 1)),
    ("sister cities unordered", "sister_cities", [{"city_a": "Harbin", "city_b": "Khabarovsk"}],
     [{"city_a": "khabarovsk", "city_b": "Harbin"}], (1, 0, 0)),
    ("sister cities by place key", "sister_cities", [{"city_a": "Harbin", "city_b": "Khabarovsk"}],
     [{"city_a": "Khabarovsk", "city_b": "Harbin City"}], (1, 0, 0)),
    ("sister cities other pair", "sister_cities", [{"city_a": "Harbin", "city_b": "Khabarovsk"}],
     [{"city_a": "Harbin", "city_b": "Moscow"}], (0, 1, 1)),
    ("dates multiset", "dates", [{"value": "2017-06-15"}, {"value": "2017-06-15"}],
     [{"value": "2017-06-15"}, {"value": "2017-06-15"}, {"value": "2017-06-15"}], (2, 1, 0)),
    ("dates other value", "dates", [{"value": "2017-06-15"}], [{"value": "2017-06"}], (0, 1, 1)),
    ("dates without value never match", "dates", [{"value": None}], [{"value": None}], (0, 1, 1)),
    ("no rows at all", "dates", [], [], (0, 0, 0)),
]


@pytest.mark.parametrize(
    ("table", "gold", "pred", "expected"),
    [case[1:] for case in RECORD_CASES],
    ids=[case[0] for case in RECORD_CASES],
)
def test_scorer_record_matching(
    table: str, gold: list[dict[str, Any]], pred: list[dict[str, Any]], expected: tuple[int, int, int]
) -> None:
    assert _counts(score_records(table, gold, pred, keys=KEYS)) == expected


ATTRIBUTE_CASES = [
    # name, table, gold row, pred row, attribute, expected accuracy
    ("title equal ignoring case", "officials", {"name": "A B", "title": "Deputy Head"},
     {"name": "A B", "title": "deputy  head"}, "title", 1.0),
    ("title missing", "officials", {"name": "A B", "title": "Rector"}, {"name": "A B"}, "title", 0.0),
    ("title null equals null", "officials", {"name": "A B", "title": None},
     {"name": "A B", "title": None}, "title", 1.0),
    ("organization without the", "officials", {"name": "A B", "organization": "Harbin University"},
     {"name": "A B", "organization": "The Harbin University"}, "organization", 1.0),
    ("name split both equal", "officials", {"name": "A B", "family_name": "B", "given_name": "A"},
     {"name": "A B", "family_name": "B", "given_name": "A"}, "name_split", 1.0),
    ("name split swapped", "officials", {"name": "A B", "family_name": "B", "given_name": "A"},
     {"name": "A B", "family_name": "A", "given_name": "B"}, "name_split", 0.0),
    ("institution type", "institutions", {"name": "X", "type": "university"},
     {"name": "X", "type": "other"}, "type", 0.0),
    ("institution country case", "institutions", {"name": "X", "country": "CN"},
     {"name": "X", "country": "cn"}, "country", 1.0),
    ("delegation size", "delegations", {"leader_name": "A B", "size": 12},
     {"leader_name": "A B", "size": 12}, "size", 1.0),
    ("delegation end", "delegations", {"leader_name": "A B", "end": "2017-06-17"},
     {"leader_name": "A B", "end": "2017-06-16"}, "end", 0.0),
    ("agreement parties as a set", "agreements",
     {"agreement_type": "other", "parties": ["X", "Y"]},
     {"agreement_type": "other", "parties": ["Y", "the X"]}, "parties", 1.0),
    ("agreement signatories", "agreements",
     {"agreement_type": "other", "parties": [], "signatories": ["A B"]},
     {"agreement_type": "other", "parties": [], "signatories": []}, "signatories", 0.0),
    ("sister cities since", "sister_cities", {"city_a": "X", "city_b": "Y", "since": "1993-06"},
     {"city_a": "Y", "city_b": "X", "since": "1993"}, "since", 0.0),
    ("date role", "dates", {"value": "2017", "role": "publication"},
     {"value": "2017", "role": "event"}, "role", 0.0),
]


@pytest.mark.parametrize(
    ("table", "gold", "pred", "attribute", "expected"),
    [case[1:] for case in ATTRIBUTE_CASES],
    ids=[case[0] for case in ATTRIBUTE_CASES],
)
def test_scorer_attribute_accuracy(
    table: str, gold: dict[str, Any], pred: dict[str, Any], attribute: str, expected: float
) -> None:
    metrics = score_records(table, [gold], [pred], keys=KEYS)
    assert metrics["tp"] == 1
    assert metrics["attributes"][attribute] == expected
    assert metrics["attribute_counts"][attribute] == {"correct": int(expected), "n": 1}


def test_scorer_attribute_accuracy_is_zero_without_matches() -> None:
    metrics = score_records("officials", [{"name": "A B"}], [{"name": "C D"}], keys=KEYS)
    assert metrics["attributes"] == dict.fromkeys(("title", "organization", "name_split", "country"), 0.0)
    assert all(counts["n"] == 0 for counts in metrics["attribute_counts"].values())


def test_scorer_record_matching_prefers_pairs_that_agree_more() -> None:
    gold = [{"value": "2017", "role": "publication"}, {"value": "2017", "role": "event"}]
    pred = [{"value": "2017", "role": "event"}, {"value": "2017", "role": "publication"}]
    assert score_records("dates", gold, pred, keys=KEYS)["attributes"]["role"] == 1.0


def test_scorer_agreement_matching_prefers_larger_party_overlap() -> None:
    gold = [
        {"agreement_type": "other", "parties": ["X", "Y"], "place": "one"},
        {"agreement_type": "other", "parties": ["X"], "place": "two"},
    ]
    pred = [
        {"agreement_type": "other", "parties": ["X"], "place": "two"},
        {"agreement_type": "other", "parties": ["X", "Y"], "place": "one"},
    ]
    metrics = score_records("agreements", gold, pred, keys=KEYS)
    assert _counts(metrics) == (2, 0, 0)
    assert metrics["attributes"]["place"] == 1.0


def test_scorer_records_are_matched_within_one_article() -> None:
    golds = [
        _gold(records={"officials": [{"name": "Ivan Petrov"}]}, article_id="a1"),
        _gold(records={"officials": []}, article_id="a2"),
    ]
    predictions = [Prediction("a1"), Prediction("a2", records={"officials": [{"name": "Ivan Petrov"}]})]
    metrics = score(golds, predictions, keys=KEYS)
    assert _counts(metrics["records"]["officials"]) == (0, 1, 1)


def test_scorer_record_errors_list_fn_fp_and_wrong_attributes() -> None:
    golds = [_gold(records={"institutions": [
        {"name": "Harbin University", "type": "university"},
        {"name": "Moscow School", "type": "school"},
    ]})]
    predictions = [Prediction("a1", records={"institutions": [
        {"name": "Harbin University", "type": "other"},
        {"name": "Moscow", "type": "other"},
    ]})]
    errors = score(golds, predictions, keys=KEYS, with_errors=True)["errors"]["institutions"]
    assert sorted(error["error"] for error in errors) == ["attributes", "fn", "fp"]
    wrong = next(error for error in errors if error["error"] == "attributes")
    assert wrong["attributes"] == ["type"]


def test_scorer_score_is_json_serialisable_and_carries_its_rules() -> None:
    golds = [_gold([(0, 11, P)], {"agreements": [{"agreement_type": "other", "parties": ["X"]}]})]
    predictions = [Prediction("a1", [(0, 11, P)], {"agreements": [{"agreement_type": "other", "parties": ("X",)}]})]
    metrics = score(golds, predictions, keys=KEYS, with_errors=True)
    assert json.loads(json.dumps(metrics))["records"]["agreements"]["tp"] == 1
    assert set(metrics["records"]) == set(SCORED_TABLES)
    assert set(SCORED_TABLES) < set(metrics["matching_rules"]["records"])
    for table in SCORED_TABLES:
        assert f"- {table}:" in (scorer.__doc__ or "")


# ---------------------------------------------------------------------------------------
# Default keys (through the normalisers; skipped until those modules exist)


def test_scorer_default_person_key_falls_back_to_the_folded_name(monkeypatch: pytest.MonkeyPatch) -> None:
    names = pytest.importorskip("pipeline.normalize.names")
    monkeypatch.setattr(names, "normalize_person", lambda text: None)
    scorer.default_person_key.cache_clear()
    try:
        assert scorer.default_person_key("Ivan   PETROV") == "ivan petrov"
    finally:
        scorer.default_person_key.cache_clear()


def test_scorer_default_person_key_uses_the_person_id(monkeypatch: pytest.MonkeyPatch) -> None:
    names = pytest.importorskip("pipeline.normalize.names")

    class Person:
        person_id = "pid-1"

    monkeypatch.setattr(names, "normalize_person", lambda text: Person())
    scorer.default_person_key.cache_clear()
    try:
        assert scorer.default_person_key("Petrov Ivan") == "pid-1"
        assert scorer.default_person_key("  ") is None
    finally:
        scorer.default_person_key.cache_clear()


def test_scorer_default_institution_key_drops_the_article(monkeypatch: pytest.MonkeyPatch) -> None:
    institutions = pytest.importorskip("pipeline.normalize.institutions")
    seen: list[str] = []

    def normalize(name: str) -> str:
        seen.append(name)
        return name.upper()

    monkeypatch.setattr(institutions, "normalize_institution", normalize)
    scorer.default_institution_key.cache_clear()
    try:
        assert scorer.default_institution_key("the Harbin  University") == "harbin university"
        assert seen == ["Harbin  University"]
    finally:
        scorer.default_institution_key.cache_clear()


# ---------------------------------------------------------------------------------------
# Baseline (loads the stock model)


@pytest.mark.slow
def test_scorer_baseline_predicts_raw_spans_and_name_rows() -> None:
    pytest.importorskip("pipeline.normalize.dates")
    from pipeline.evaluation.baseline import predict_baseline

    text = (
        "Mayor Sergei Sobyanin of Moscow met Wang Lei of Peking University on 15 June 2017. "
        "Sergei Sobyanin said Moscow and Beijing will sign an agreement."
    )
    article = GoldArticle(id="b1", published="2017-06-20", text=text)
    (prediction,) = predict_baseline([article])
    assert prediction.article_id == "b1"
    assert prediction.spans
    labels = {label for _, _, label in prediction.spans}
    assert labels <= set(scorer.LABELS)
    for start, end, _ in prediction.spans:
        assert 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
    gpe_texts = {text[s:e] for s, e, label in prediction.spans if label == "GPE"}
    assert "Moscow" in gpe_texts
    person_texts = [text[s:e] for s, e, label in prediction.spans if label == "PERSON"]
    official_names = [row["name"] for row in prediction.records["officials"]]
    assert sorted(official_names) == sorted(set(person_texts))
    assert all(row["title"] is None for row in prediction.records["officials"])
    assert all(row["type"] == "other" for row in prediction.records["institutions"])
    assert all(row["role"] == "event" and row["value"] for row in prediction.records["dates"])
    assert "2017-06-15" in {row["value"] for row in prediction.records["dates"]}
    assert set(prediction.records) == {"officials", "institutions", "dates"}
