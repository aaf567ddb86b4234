"""Delegations and sister-city ties: pure helpers and sentences end to end."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.components.events import merge_delegations, parse_size, read_event_rules

RULES = read_event_rules()
NUMBER_WORDS = {row["word"]: int(row["value"]) for row in RULES["number_words"]}


@pytest.mark.parametrize(
    ("phrase", "size"),
    [
        ("five-member delegation", 5),
        ("educational delegation of 19 members", 19),
        ("a 12-strong delegation", 12),
        ("delegation of twenty teachers", 20),
        ("delegation", None),
        ("business delegation", None),
    ],
)
def test_events_parse_size(phrase: str, size: int | None) -> None:
    assert parse_size(phrase, NUMBER_WORDS) == size, phrase


def _delegation(**fields: object) -> dict:
    base = {"leader": None, "leader_start": None, "leader_end": None, "origin": None, "destination": None,
            "size": None, "date_start_char": None, "date_end_char": None, "institutions_visited": [],
            "start_char": 0, "end_char": 10}
    return {**base, **fields}


def test_events_merge_delegations_fills_gaps_from_later_sentences() -> None:
    merged = merge_delegations([_delegation(leader="Ivan Orlov", size=7), _delegation(destination="Harbin")], [["Harbin Zoo"]])
    assert len(merged) == 1
    assert (merged[0]["leader"], merged[0]["size"], merged[0]["destination"]) == ("Ivan Orlov", 7, "Harbin")
    assert merged[0]["institutions_visited"] == ["Harbin Zoo"]


def test_events_merge_delegations_keeps_two_leaders_apart() -> None:
    merged = merge_delegations([_delegation(leader="Ivan Orlov"), _delegation(leader="Li Ming")], [])
    assert [m["leader"] for m in merged] == ["Ivan Orlov", "Li Ming"]


# --- sentences through the whole pipeline -----------------------------------------------------

pytestmark_slow = pytest.mark.slow

DELEGATION_CASES = [
    (
        "A delegation of 12 members led by Sergei Volkov, Deputy Governor of Amur Oblast, visited Heihe "
        "from 3 to 5 June 2023.",
        {"leader_name": "Sergei Volkov", "size": 12, "destination": "Heihe", "start": "2023-06-03", "end": "2023-06-05"},
    ),
    (
        "From September 9 to 11, Wang Jun, Vice Mayor of Harbin, led an eight-member government delegation "
        "to Khabarovsk.",
        {"leader_name": "Wang Jun", "size": 8, "destination": "Khabarovsk", "origin": "Harbin"},
    ),
    (
        "A business delegation from Irkutsk arrived in Dalian on 15 June 2017 for a three-day visit.",
        {"origin": "Irkutsk", "destination": "Dalian", "start": "2017-06-15"},
    ),
    (
        "On 4 March 2023, a five-member delegation from Amur Regional Hospital in Blagoveshchensk paid a visit "
        "to Harbin Medical University.",
        {"origin": "Blagoveshchensk", "destination": "Harbin", "size": 5, "start": "2023-03-04"},
    ),
    (
        "A delegation from northeast China's Jilin Province wrapped up a three-day visit to Moscow on Friday.",
        {"origin": "Jilin Province", "destination": "Moscow", "start": "2024-01-03", "end": "2024-01-05"},
    ),
    (
        "On 8 January, a 12-member delegation from Jixi headed by Mayor Zhao Ming arrived in Ussuriysk.",
        {"leader_name": "Zhao Ming", "start": "2024-01-08", "end": None},
    ),
    (
        "On 8 January, a delegation from Jixi arrived in Ussuriysk for a four-day visit.",
        {"origin": "Jixi", "start": "2024-01-08", "end": "2024-01-11"},
    ),
    (
        "On 8 January, a delegation from Jixi arrived in Ussuriysk. The delegation will stay in Ussuriysk "
        "until 10 January.",
        {"start": "2024-01-08", "end": "2024-01-10"},
    ),
    (
        "A Chinese business delegation of more than 40 people from Heilongjiang Province arrived in "
        "Blagoveshchensk on Monday.",
        {"origin": "Heilongjiang Province", "destination": "Blagoveshchensk", "size": 40, "start": "2024-01-08"},
    ),
    (
        "A delegation of Harbin headed by Vice Mayor Li Qiang visited Khabarovsk. The delegation, consisting "
        "of 15 people, toured the Pacific National University.",
        {"leader_name": "Li Qiang", "size": 15},
    ),
    (
        "During his visit to Harbin on January 8, Governor of Amur Oblast Vasily Orlov met with students.",
        {"leader_name": "Vasily Orlov", "origin": "Amur Oblast", "destination": "Harbin", "start": "2024-01-08"},
    ),
    (
        # The university names no city: the Russian name places the rector abroad in Changchun.
        "Rector of Far Eastern Federal University Boris Korobets visited Changchun on January 8.",
        {"leader_name": "Boris Korobets", "origin": None, "destination": "Changchun", "start": "2024-01-08"},
    ),
    (
        "Mayor of Vladivostok Oleg Petrov wrapped up a four-day visit to Dalian on Friday.",
        {"leader_name": "Oleg Petrov", "origin": "Vladivostok", "destination": "Dalian",
         "start": "2024-01-02", "end": "2024-01-05"},
    ),
    (
        "Twelve pupils and two teachers of Harbin No. 9 Middle School returned from a week-long exchange trip "
        "to Khabarovsk. The group, led by vice principal Li Na, stayed with host families.",
        {"leader_name": "Li Na", "origin": "Harbin", "destination": "Khabarovsk", "size": 14},
    ),
    # Visits told without the word delegation: the party's home and the place abroad.
    (
        "Journalists from Russian regional media are on a week-long press tour of Heilongjiang Province. "
        "The group of nine reporters, headed by Irina Volkova, editor-in-chief of Amurskaya Pravda, visited "
        "Heilongjiang Daily on Monday.",
        {"leader_name": "Irina Volkova", "destination": "Heilongjiang Province", "destination_country": "CN"},
    ),
    (
        "The Rector of Novosibirsk State University and two vice-rectors visited Harbin Engineering University "
        "on 9 January.",
        {"leader_name": None, "origin": "Novosibirsk", "destination": "Harbin", "start": "2024-01-09"},
    ),
    (
        # Told by the hosts: the host's city is the destination.
        "From January 3 to 5, Harbin hosted a group of officials from Khabarovsk Krai led by Deputy Chairman "
        "of the Government of Khabarovsk Krai Pavel Orlov.",
        {"leader_name": "Pavel Orlov", "origin": "Khabarovsk Krai", "destination": "Harbin",
         "start": "2024-01-03", "end": "2024-01-05"},
    ),
    (
        "On Monday, Vice Mayor of Harbin Zhang Wei met with guests from Ulan-Ude headed by First Deputy Mayor "
        "of Ulan-Ude Bair Dashiyev.",
        {"leader_name": "Bair Dashiyev", "origin": "Ulan-Ude", "destination": "Harbin"},
    ),
    (
        # No travel verb: the party is the subject and the clause puts it abroad.
        "From 3 to 9 January, eleven nurses of the Jixi People's Hospital underwent training at the regional "
        "hospital in Ussuriysk.",
        {"origin": "Jixi", "destination": "Ussuriysk", "start": "2024-01-03", "end": "2024-01-09"},
    ),
    (
        "Twenty-three pupils and three teachers from Harbin No. 3 Middle School spent a week in Khabarovsk.",
        {"origin": "Harbin", "destination": "Khabarovsk", "size": 26},
    ),
    (
        # Told by the way home.
        "A team of Pacific National University returned to Khabarovsk on Sunday from Harbin, where it took "
        "part in a student ski race.",
        {"origin": "Khabarovsk", "destination": "Harbin", "end": "2024-01-07"},
    ),
    (
        "The youth football team of Sports School No. 5 returned home on Wednesday from China, where it played "
        "in a friendly tournament in Jiamusi.",
        {"origin": None, "destination": "Jiamusi", "destination_country": "CN"},
    ),
    (
        "The Omsk group of 23 people worked in Harbin from January 3 to 7. It was headed by Yulia Ivanova, "
        "director of the Omsk Export Centre.",
        {"leader_name": "Yulia Ivanova", "origin": "Omsk", "destination": "Harbin", "start": "2024-01-03"},
    ),
    (
        "Seven artists from Shanghai came to St. Petersburg for the opening of the exhibition on Monday.",
        {"origin": "Shanghai", "destination": "Saint Petersburg", "size": 7},
    ),
    (
        "Petrov's delegation, 36 people including regional ministers, toured Jilin University in Changchun. "
        "Governor of Primorsky Krai Sergei Petrov met students.",
        {"leader_name": "Sergei Petrov", "size": 36, "destination": "Changchun"},
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), DELEGATION_CASES)
def test_events_delegation_sentences(extract_rows: Callable, text: str, expected: dict) -> None:
    rows = extract_rows(text, published="2024-01-10")["delegations"]
    assert len(rows) == 1, (text, rows)
    got = {key: rows[0][key] for key in expected}
    assert got == expected, text


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "The two cities have kept in touch since 2012, when the first group of students from Hegang arrived in "
        "Birobidzhan.",
        "The group of companies reported higher sales after its chairman visited Moscow.",
        # An official's trip inside one country is no cross-border visit.
        "Mayor of Harbin Zhang Qingwei paid a visit to Dalian on Tuesday.",
        "President of Jilin University Zhang Xi visited Changchun Normal University on Tuesday.",
        # An invitation is no visit yet.
        "Mayor of Heihe Zhang Dongli invited a delegation of Blagoveshchensk to visit Heihe in June.",
        "Li Ming thanked the hosts and invited a group of Khabarovsk doctors to an internship in Harbin.",
        # People from one country in another, but in two clauses, or in the history of the ties.
        "Representatives of Harbin Normal University presented scholarships, and graduates shared stories of "
        "their student years in Moscow.",
        "Contacts began in 2015, when entrepreneurs from Kostroma first visited Changsha.",
        # People from one country at home.
        "Students from Harbin visited the Harbin Museum on Tuesday.",
        # A habit, statistics, a meeting with an official of the other side.
        "Students from Blagoveshchensk often study in Heihe.",
        "Last year, 300 students from Heilongjiang studied at universities in Amur Oblast.",
        "More than 2,000 visitors from China came to the Amur stand at the fair in Blagoveshchensk.",
        "On Monday, Governor of Amur Oblast Vasily Orlov met with Vice Governor of Heilongjiang Province Li Yu.",
    ],
)
def test_events_sentences_without_a_reported_visit(extract_rows: Callable, text: str) -> None:
    assert extract_rows(text, published="2024-05-01")["delegations"] == [], text


SISTER_CASES = [
    ("Harbin and Khabarovsk became sister cities in 1993.", ("Harbin", "Khabarovsk", "1993")),
    ("On 11 December 2015, Heihe established sister-city relations with Blagoveshchensk.",
     ("Heihe", "Blagoveshchensk", "2015-12-11")),
    ("Irkutsk, a sister city of Shenyang since 1992, hosted the forum.", ("Irkutsk", "Shenyang", "1992")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), SISTER_CASES)
def test_events_sister_city_sentences(extract_rows: Callable, text: str, expected: tuple) -> None:
    rows = extract_rows(text, published="2024-05-01")["sister_cities"]
    assert len(rows) == 1, (text, rows)
    row = rows[0]
    assert {row["city_a"], row["city_b"]} == set(expected[:2]), text
    assert row["since"] == expected[2], text
    assert {row["country_a"], row["country_b"]} == {"CN", "RU"}


SISTER_LIST_CASES = [
    # A list around one city: each partner with its own year, or none.
    ("Irkutsk's sister cities are Shenyang (China, 1992), Eugene (USA, 1990) and Kanazawa (Japan, since 1967).",
     {("Irkutsk", "Shenyang", "1992"), ("Irkutsk", "Eugene", "1990"), ("Irkutsk", "Kanazawa", "1967")}),
    ("Besides Harbin, Khabarovsk has sister ties with Niigata (1965), Portland (1988) and Victoria (1990).",
     {("Khabarovsk", "Niigata", "1965"), ("Khabarovsk", "Portland", "1988"), ("Khabarovsk", "Victoria", "1990")}),
    ("Kazan is a twin city of Hangzhou, Qingdao and Istanbul.",
     {("Kazan", "Hangzhou", None), ("Kazan", "Qingdao", None), ("Kazan", "Istanbul", None)}),
    ("Heihe and Blagoveshchensk are twin cities. The city also has twin-city agreements with Sanya (2016) and "
     "Dalian (2018).",
     {("Heihe", "Blagoveshchensk", None), ("Heihe", "Sanya", "2016"), ("Heihe", "Dalian", "2018")}),
    # "the two sister cities": the visit's two cities.
    ("A delegation from Heihe visited Blagoveshchensk on Monday. Pupils of the two sister cities sang together.",
     {("Heihe", "Blagoveshchensk", None)}),
    # Not a list: a city named after another one ("after Suifenhe") is no partner of the first.
    ("Jixi is the second Chinese sister city of Ussuriysk after Suifenhe.", {("Jixi", "Ussuriysk", None)}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), SISTER_LIST_CASES)
def test_events_sister_city_lists(extract_rows: Callable, text: str, expected: set) -> None:
    rows = extract_rows(text, published="2024-05-01")["sister_cities"]
    assert {(row["city_a"], row["city_b"], row["since"]) for row in rows} == expected, text


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "At present, 66 pairs of sister cities have been established between China and Russia.",
        "Chinese and Russian sister cities held a video conference.",
    ],
)
def test_events_sister_cities_need_two_named_cities(extract_rows: Callable, text: str) -> None:
    assert extract_rows(text, published="2024-05-01")["sister_cities"] == [], text
