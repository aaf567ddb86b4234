"""Agreements: types, merging, and sentences end to end."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import spacy
from spacy.tokens import Doc

import pipeline.extensions  # noqa: F401  (registers Doc._.dates)
from pipeline.components.agreements import agreement_type, merge_agreements
from pipeline.components.events import read_event_rules

RULES = read_event_rules()


@pytest.mark.parametrize(
    ("phrase", "kind"),
    [
        ("cooperation agreement", "cooperation_agreement"),
        ("friendly cooperation agreement", "cooperation_agreement"),
        ("memorandum of understanding", "memorandum_of_understanding"),
        ("MoU", "memorandum_of_understanding"),
        ("protocol of intentions", "protocol_of_intentions"),
        ("sister city agreement", "sister_city_agreement"),
        ("agreement on establishing sister-city relations", "sister_city_agreement"),
        ("action plan", "action_plan"),
        ("plan of joint events", "action_plan"),
        ("roadmap", "other"),
        ("investment agreement", "other"),
        ("supply contract", "other"),
        ("treaty", "other"),
        ("letter of intent on establishing sister-city relations", "protocol_of_intentions"),
        ("agreement on establishing friendly relations", "sister_city_agreement"),
        ("memorandum on further developing friendly relations", "memorandum_of_understanding"),
    ],
)
def test_agreements_agreement_type(phrase: str, kind: str) -> None:
    assert agreement_type(phrase, RULES["agreement_types"]) == kind, phrase


def _agreement(**fields: object) -> dict:
    base = {"agreement_text": "agreement", "agreement_type": "cooperation_agreement", "bare": False, "title": None,
            "parties": [], "party_rank": 4, "signatories": [], "date_start_char": None, "date_end_char": None,
            "date_stated": False, "place": None, "place_stated": False, "start_char": 0, "end_char": 10}
    return {**base, **fields}


def _doc_with_dates(*dates: tuple[int, str]) -> Doc:
    """A doc whose dates table holds (start_char, value) rows: what merge_agreements reads."""
    doc = spacy.blank("en")("x " * 60)
    doc._.dates = [{"start_char": start, "value": value} for start, value in dates]
    return doc


def test_agreements_merge_agreements_prefers_grounded_parties() -> None:
    first = _agreement(parties=["Harbin"], party_rank=2)
    second = _agreement(parties=["A University", "B Institute"], party_rank=0, date_start_char=40, date_stated=True)
    merged = merge_agreements([first, second], _doc_with_dates((40, "2024-05-01")))
    assert len(merged) == 1
    assert merged[0]["parties"] == ["A University", "B Institute"]
    assert merged[0]["date_start_char"] == 40


def test_agreements_merge_agreements_keeps_two_agreements_of_one_type_apart() -> None:
    first = _agreement(parties=["Harbin Normal University", "Irkutsk State University"], party_rank=1)
    second = _agreement(parties=["Heihe University", "Amur State University"], party_rank=1)
    assert len(merge_agreements([first, second], _doc_with_dates())) == 2


def test_agreements_merge_agreements_same_place_is_the_same_party() -> None:
    headline = _agreement(parties=["Yakutia", "Liaoning"], party_rank=1)
    body = _agreement(parties=["Government of the Republic of Sakha (Yakutia)", "People's Government of Liaoning Province"],
                      party_rank=1)
    merged = merge_agreements([headline, body], _doc_with_dates())
    assert len(merged) == 1
    assert merged[0]["parties"] == body["parties"]  # named bodies beat bare places


def test_agreements_merge_agreements_vaguer_date_does_not_replace_a_day() -> None:
    first = _agreement(parties=["A College", "B College"], party_rank=1, date_start_char=10)
    later = _agreement(parties=["A College"], party_rank=1, date_start_char=50, date_stated=True)
    merged = merge_agreements([first, later], _doc_with_dates((10, "2026-01-16"), (50, "2026")))
    assert merged[0]["date_start_char"] == 10


AGREEMENT_CASES = [
    (
        # A gerund in the topic still names the kind.
        "On Thursday, Li Wei and Ivan Petrov signed an agreement on establishing friendly relations between "
        "Heilongjiang Province and Amur Oblast.",
        {"agreement_type": "sister_city_agreement", "signed_date": "2024-04-25"},
    ),
    (
        # A date after the institution is not part of its name.
        "Rector of Amur State University Andrei Volkov visited Heihe University on 12 April and signed a "
        "cooperation agreement with Heihe University.",
        {"agreement_type": "cooperation_agreement", "signed_date": "2024-04-12"},
    ),
    (
        "On 18 April 2024, Harbin Normal University and Irkutsk State University signed a memorandum of "
        "understanding on joint teacher training.",
        {"agreement_type": "memorandum_of_understanding", "signed_date": "2024-04-18",
         "parties": ["Harbin Normal University", "Irkutsk State University"]},
    ),
    (
        "A cooperation agreement between Suifenhe Vocational College and Ussuriysk Technical College was "
        "signed in Suifenhe on May 20, 2022.",
        {"agreement_type": "cooperation_agreement", "signed_date": "2022-05-20", "place": "Suifenhe",
         "parties": ["Suifenhe Vocational College", "Ussuriysk Technical College"]},
    ),
    (
        "The two cities signed a protocol of intentions on establishing sister-city relations in 2019.",
        {"agreement_type": "protocol_of_intentions", "signed_date": "2019"},
    ),
    (
        "The city of Suifenhe in China's Heilongjiang Province and the town of Pogranichny in Russia's "
        "Primorsky Krai signed a sister city agreement on 3 March 2024.",
        {"agreement_type": "sister_city_agreement", "parties": ["Suifenhe", "Pogranichny"]},
    ),
    (
        "Novosibirsk-based machine maker Sibtekhmash JSC and China's Dalian Haiyun Equipment Co., Ltd. signed a "
        "supply contract on Tuesday.",
        {"agreement_type": "other", "parties": ["Sibtekhmash JSC", "Dalian Haiyun Equipment Co., Ltd."]},
    ),
    (
        "An agreement on the establishment of sister-city relations between Suifenhe and Pogranichny was "
        "signed on 5 March 2024.",
        {"agreement_type": "sister_city_agreement", "parties": ["Suifenhe", "Pogranichny"], "signed_date": "2024-03-05"},
    ),
    (
        "An agreement on academic exchanges was signed between Tomsk Polytechnic University and Harbin "
        "Engineering University. Rector Dmitry Sednev and President Yao Yu signed the document.",
        {"parties": ["Tomsk Polytechnic University", "Harbin Engineering University"],
         "signatories": ["Dmitry Sednev", "Yao Yu"]},
    ),
    (
        "Following the talks, Deputy Governor of Amur Oblast Sergei Orlov and Vice Governor of Heilongjiang "
        "Province Li Wei signed an action plan between the two regions on 2 April 2024.",
        {"agreement_type": "action_plan", "parties": ["Amur Oblast", "Heilongjiang Province"],
         "signatories": ["Sergei Orlov", "Li Wei"], "signed_date": "2024-04-02"},
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), AGREEMENT_CASES)
def test_agreements_agreement_sentences(extract_rows: Callable, text: str, expected: dict) -> None:
    rows = extract_rows(text, published="2024-05-01")["agreements"]
    assert len(rows) == 1, (text, rows)
    got = {key: rows[0][key] for key in expected}
    assert got == expected, text


@pytest.mark.slow
def test_agreements_one_verb_two_agreements(extract_rows: Callable) -> None:
    text = ("Students signed 23 bilateral agreements at the forum; Tomsk Polytechnic University itself concluded "
            "a memorandum of understanding with Harbin Engineering University and an agreement on double degrees "
            "with Qiqihar University.")
    rows = extract_rows(text, published="2024-05-01")["agreements"]
    got = {(row["agreement_type"], frozenset(row["parties"])) for row in rows}
    assert got == {
        ("memorandum_of_understanding", frozenset({"Tomsk Polytechnic University", "Harbin Engineering University"})),
        ("cooperation_agreement", frozenset({"Tomsk Polytechnic University", "Qiqihar University"})),
    }


@pytest.mark.slow
def test_agreements_document_signed_by_completes_the_agreement(extract_rows: Callable) -> None:
    text = ("On 12 May 2024, Heihe University and Amur State University signed a memorandum of understanding. "
            "The document was signed in Blagoveshchensk by Wang Lei and Andrei Sokolov.")
    rows = extract_rows(text, published="2024-05-20")["agreements"]
    assert len(rows) == 1, rows
    assert rows[0]["signatories"] == ["Wang Lei", "Andrei Sokolov"]
    assert rows[0]["place"] == "Blagoveshchensk"
    assert rows[0]["signed_date"] == "2024-05-12"


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "The two universities plan to sign a cooperation agreement next year.",
        "Officials said a memorandum of understanding will be signed in the autumn.",
        "The sides discussed a possible agreement on student exchanges.",
        "The two sides agreed to work toward signing a cooperation agreement between Heilongjiang Province and "
        "Amur Oblast.",
        # Batches with nobody named.
        "Dozens of cooperation agreements were signed last year.",
        "Harbin enterprises signed supply contracts worth 2 billion yuan.",
    ],
)
def test_agreements_plans_and_unnamed_batches_are_not_records(extract_rows: Callable, text: str) -> None:
    assert extract_rows(text, published="2024-05-01")["agreements"] == [], text


def test_agreements_merge_agreements_bare_mention_joins_the_last_agreement() -> None:
    named = _agreement(agreement_type="sister_city_agreement", party_rank=3, date_start_char=10)
    bare = _agreement(bare=True, parties=["Yichun", "Obluchye"], party_rank=1, signatories=["Song Wenbo"])
    merged = merge_agreements([named, bare], _doc_with_dates((10, "2019-07-04")))
    assert len(merged) == 1
    assert merged[0]["agreement_type"] == "sister_city_agreement"
    assert merged[0]["parties"] == ["Yichun", "Obluchye"]
    assert merged[0]["signatories"] == ["Song Wenbo"]
