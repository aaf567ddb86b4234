"""Tests of pipeline.normalize.names: parsing, display, culture and stable person ids."""

from __future__ import annotations

import re

import pytest
from nameparser.config import CONSTANTS

from pipeline.normalize.names import PersonName, normalize_person, person_id

# text -> (display, family, given, patronymic, culture)
PARSES = [
    ("Zhao Haiying", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Haiying Zhao", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("ZHAO Haiying", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Zhao Hai-ying", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Zhao Hai Ying", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Director Zhao Haiying", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Deputy Director Lyu Dehui", ("Lyu Dehui", "Lyu", "Dehui", None, "chinese")),
    ("Ouyang Xiu", ("Ouyang Xiu", "Ouyang", "Xiu", None, "chinese")),
    ("Sima Qian", ("Sima Qian", "Sima", "Qian", None, "chinese")),
    ("President Xi Jinping", ("Xi Jinping", "Xi", "Jinping", None, "chinese")),
    ("Li Na", ("Li Na", "Li", "Na", None, "chinese")),
    ("Chzhan Vey", ("Chzhan Vey", "Chzhan", "Vey", None, "chinese")),
    ("Zhang", ("Zhang", "Zhang", None, None, "chinese")),
    ("Alexander Vyktorkin", ("Alexander Vyktorkin", "Vyktorkin", "Alexander", None, "russian")),
    ("Vyktorkin Alexander", ("Alexander Vyktorkin", "Vyktorkin", "Alexander", None, "russian")),
    ("Marina Akshonova", ("Marina Akshonova", "Akshonova", "Marina", None, "russian")),
    ("Akshonova Marina", ("Marina Akshonova", "Akshonova", "Marina", None, "russian")),
    ("Mikhail Degtyarev", ("Mikhail Degtyarev", "Degtyarev", "Mikhail", None, "russian")),
    ("Ivan Petrovich Sidorov", ("Ivan Sidorov", "Sidorov", "Ivan", "Petrovich", "russian")),
    ("Sidorov Ivan Petrovich", ("Ivan Sidorov", "Sidorov", "Ivan", "Petrovich", "russian")),
    ("Olga Nikolaevna Petrova", ("Olga Petrova", "Petrova", "Olga", "Nikolaevna", "russian")),
    ("Sidorov, Ivan", ("Ivan Sidorov", "Sidorov", "Ivan", None, "russian")),
    ("Yu.V. Skolubovich", ("Yu.V. Skolubovich", "Skolubovich", "Yu.", "V.", "russian")),
    ("Serdechkin Yu.V.", ("Yu.V. Serdechkin", "Serdechkin", "Yu.", "V.", "russian")),
    ("V.V. Degtyarev", ("V.V. Degtyarev", "Degtyarev", "V.", "V.", "russian")),
    ("I. P. Sidorov", ("I.P. Sidorov", "Sidorov", "I.", "P.", "russian")),
    ("Marina V. Akshonova", ("Marina Akshonova", "Akshonova", "Marina", "V.", "russian")),
    ("M. Men", ("M. Men", "Men", "M.", None, "other")),
    ("Ivanov", ("Ivanov", "Ivanov", None, None, "russian")),
    ("Prof. Ivanova", ("Ivanova", "Ivanova", None, None, "russian")),
    ("Mr. John Smith", ("John Smith", "Smith", "John", None, "other")),
    ("Mr John Smith", ("John Smith", "Smith", "John", None, "other")),
    ("Comrade Mao Zedong", ("Mao Zedong", "Mao", "Zedong", None, "chinese")),
    ("Professor Sergey Lavrov", ("Sergey Lavrov", "Lavrov", "Sergey", None, "russian")),
    ("John F. Kennedy", ("John F. Kennedy", "Kennedy", "John", None, "other")),
    ("Smith, John", ("John Smith", "Smith", "John", None, "other")),
    ("Ludwig van Beethoven", ("Ludwig van Beethoven", "van Beethoven", "Ludwig", None, "other")),
    ("Zhao Haiying's", ("Zhao Haiying", "Zhao", "Haiying", None, "chinese")),
    ("Marina Akshonova’s", ("Marina Akshonova", "Akshonova", "Marina", None, "russian")),
    ("  Dr.  Elena   Ivanova, ", ("Elena Ivanova", "Ivanova", "Elena", None, "russian")),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_names_parse_parts(text: str, expected: tuple[str, str | None, str | None, str | None, str]) -> None:
    parsed = normalize_person(text)
    assert parsed is not None
    assert (parsed.display, parsed.family, parsed.given, parsed.patronymic, parsed.culture) == expected


NOT_NAMES = [
    "",
    "   ",
    "2025",
    "Room 101",
    "the delegation",
    "said",
    "Marina",
    "Krasnoyarsk",
    "Mr.",
    "Changchun Education Bureau",
    "Krasnoyarsk No. 1 High School",
    "Zhao and Li",
    "Zhao@example.com",
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_names_reject_non_names(text: str) -> None:
    assert normalize_person(text) is None


SAME_PERSON = [
    ("Zhao Haiying", "Haiying Zhao"),
    ("Zhao Haiying", "Director Zhao Hai-ying"),
    ("Vyktorkin Alexander", "Alexander Vyktorkin"),
    ("Aleksandr Vyktorkin", "Alexander Vyktorkin"),
    ("Yury Petrov", "Yuri Petrov"),
    ("Sidorov Ivan Petrovich", "Ivan Petrovich Sidorov"),
    ("Serdechkin Yu.V.", "Yu. V. Serdechkin"),
    ("Lyu Dehui", "Lü Dehui"),
    ("Chzhan Wei", "Zhang Wei"),
    ("John Smith", "Mr. John F. Smith"),
]


@pytest.mark.parametrize(("first", "second"), SAME_PERSON)
def test_names_same_person_same_id(first: str, second: str) -> None:
    one, other = normalize_person(first), normalize_person(second)
    assert one is not None and other is not None
    assert one.person_id == other.person_id


DIFFERENT_PEOPLE = [
    ("Zhao Haiying", "Zhao Haiming"),
    ("Zhao Haiying", "Zhang Haiying"),
    ("Lu Dehui", "Lyu Dehui"),
    ("Ivan Petrovich Sidorov", "Ivan Pavlovich Sidorov"),
    ("Marina Akshonova", "Maria Akshonova"),
    ("Yu.V. Skolubovich", "Yu.A. Skolubovich"),
]


@pytest.mark.parametrize(("first", "second"), DIFFERENT_PEOPLE)
def test_names_different_people_different_ids(first: str, second: str) -> None:
    one, other = normalize_person(first), normalize_person(second)
    assert one is not None and other is not None
    assert one.person_id != other.person_id


def test_names_person_id_format_and_folding() -> None:
    folded = person_id("ZHAO", "Hai-ying", None)
    assert re.fullmatch(r"p_[0-9a-f]{16}", folded)
    assert folded == person_id("zhao", "haiying", None)
    assert person_id("Vyktorkin", "Aleksandr", None) == person_id("Vyktorkin", "Alexander", None)
    assert person_id("Sidorov", "Ivan", "Petrovich") != person_id("Sidorov", "Ivan", None)


def test_names_normalize_matches_person_id_of_its_parts() -> None:
    parsed = normalize_person("Sidorov Ivan Petrovich")
    assert isinstance(parsed, PersonName)
    assert parsed.person_id == person_id(parsed.family, parsed.given, parsed.patronymic)


def test_names_leave_nameparser_shared_constants_alone() -> None:
    titles_before = set(CONSTANTS.titles)
    prefixes_before = set(CONSTANTS.prefixes)
    for text in ("Dr. John Smith", "Governor Mikhail Degtyarev", "Ludwig van Beethoven"):
        normalize_person(text)
    assert set(CONSTANTS.titles) == titles_before
    assert set(CONSTANTS.prefixes) == prefixes_before


@pytest.mark.parametrize("bad", [None, 42, ["Zhao Haiying"]])
def test_names_bad_input_returns_none(bad: object) -> None:
    assert normalize_person(bad) is None  # type: ignore[arg-type]
