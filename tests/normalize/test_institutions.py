"""Tests of pipeline.normalize.institutions: cleaning, canonical keys, ids, types, clustering."""

from __future__ import annotations

import re

import pytest

from pipeline.labels import INSTITUTION_TYPES
from pipeline.normalize.institutions import (
    bracketed_aliases,
    clean_institution_name,
    cluster_mentions,
    cluster_variants,
    has_institution_keyword,
    institution_id,
    institution_type,
    is_acronym_of,
    is_company_name,
    is_short_form_of,
    name_initials,
    normalize_institution,
)

CLEANED = [
    ("the Changchun Education Bureau", "Changchun Education Bureau"),
    ("The Changchun Education Bureau.", "Changchun Education Bureau"),
    ("our school", "school"),
    ("Changchun Foreign Language School's", "Changchun Foreign Language School"),
    ("  Siberian   Federal  University ,", "Siberian Federal University"),
    ("Harbin Trade Co.,Ltd.", "Harbin Trade Co., Ltd."),
    ('Special Economic Zone "Lipetsk"', 'Special Economic Zone "Lipetsk"'),
    ('the "Harbin No. 3 School"', "Harbin No. 3 School"),
    ('"Lipetsk Technopark', "Lipetsk Technopark"),
    ("“Krasnoyarsk No. 1 High School”", "Krasnoyarsk No. 1 High School"),
    ("(Jilin University", "Jilin University"),
    ("The", "The"),
]


@pytest.mark.parametrize(("name", "expected"), CLEANED)
def test_institutions_clean_name(name: str, expected: str) -> None:
    assert clean_institution_name(name) == expected


SAME_KEY = [
    ("Changchun Foreign Languages School", "Changchun Foreign Language School"),
    ("the Changchun Foreign Language School", "CHANGCHUN FOREIGN LANGUAGE SCHOOL"),
    ("Krasnoyarsk No. 1 High School", "Krasnoyarsk No.1 High School"),
    ("Krasnoyarsk No. 1 High School", "Krasnoyarsk No 1 High School"),
    ("Krasnoyarsk No. 1 High School", "Krasnoyarsk #1 High School"),
    ("Culture & Art Center", "Culture and Art Centre"),
    ("Int'l Trade Company", "International Trade Company"),
    ("Harbin Trade Co., Ltd.", "Harbin Trade Company Limited"),
    ("Krasnoyarsk State Univ.", "Krasnoyarsk State University"),
    ("St. Petersburg State University", "Saint Petersburg State University"),
    ("Sino-Russian Friendship Association", "Sino Russian Friendship Association"),
    ("Université de Moscou", "Universite de Moscou"),
    ("People's Government of Jilin Province", "Peoples Government of Jilin Province"),
]


@pytest.mark.parametrize(("first", "second"), SAME_KEY)
def test_institutions_variants_share_key_and_id(first: str, second: str) -> None:
    assert normalize_institution(first) == normalize_institution(second)
    assert institution_id(first) == institution_id(second)


DIFFERENT_KEY = [
    ("Krasnoyarsk No. 1 High School", "Krasnoyarsk No. 17 High School"),
    ("Changchun Foreign Language School", "Jilin Foreign Language School"),
    ("Jilin University", "Jilin Normal University"),
]


@pytest.mark.parametrize(("first", "second"), DIFFERENT_KEY)
def test_institutions_different_institutions_differ(first: str, second: str) -> None:
    assert normalize_institution(first) != normalize_institution(second)
    assert institution_id(first) != institution_id(second)


def test_institutions_key_and_id_shape() -> None:
    assert normalize_institution("The Krasnoyarsk No.1 High School") == "krasnoyarsk no 1 high school"
    assert re.fullmatch(r"i_[0-9a-f]{16}", institution_id("Jilin University"))


TYPES = [
    ("Changchun Foreign Language School", "school"),
    ("Krasnoyarsk No. 1 High School", "school"),
    ("Gymnasium No. 3", "school"),
    ("Lyceum No. 7", "school"),
    ("Sunshine Kindergarten", "school"),
    ("Affiliated High School of Northeast Normal University", "school"),
    ("Jilin University", "university"),
    ("Krasnoyarsk State Univ.", "university"),
    ("School of Foreign Languages, Jilin University", "university"),
    ("Harbin Institute of Technology", "university"),
    ("University Hospital", "hospital"),
    ("Jilin University First Hospital", "hospital"),
    ("Krasnoyarsk Regional Clinic", "hospital"),
    ("Changchun Vocational College", "college"),
    ("Moscow State Dance Academy", "university"),
    ("Russian Academy of Sciences", "other"),
    ("Changchun Education Bureau", "government"),
    ("Changchun Municipal Foreign Affairs Office", "government"),
    ("Krasnoyarsk City Government", "government"),
    ("State Duma", "government"),
    ("Consulate General of Russia in Shenyang", "government"),
    ("Sino-Russian Friendship Association", "association"),
    ("Chamber of Commerce and Industry", "association"),
    ("Harbin Electric Group", "company"),
    ("Harbin Trade Co., Ltd.", "company"),
    ("Bank of China", "company"),
    ("Xinhua News Agency", "media"),
    ("China Daily", "media"),
    ("Jilin Radio and Television University", "university"),
    ("Changchun Cultural Centre", "other"),
    ("Lianhuashan Yuying", "other"),
]


@pytest.mark.parametrize(("name", "expected"), TYPES)
def test_institutions_type_from_keywords(name: str, expected: str) -> None:
    assert institution_type(name) == expected
    assert institution_type(name) in INSTITUTION_TYPES


@pytest.mark.parametrize(("name", "expected"), [("Changchun Education Bureau", True), ("Zhao Haiying", False)])
def test_institutions_has_keyword(name: str, expected: bool) -> None:
    assert has_institution_keyword(name) is expected


def test_institutions_cluster_merges_variants_and_keeps_guards() -> None:
    names = [
        "Changchun Foreign Languages School",
        "the Changchun Foreign Language School",
        "Changchun Foreign Languge School",
        "Jilin Foreign Language School",
        "Krasnoyarsk No. 1 High School",
        "Krasnoyarsk No. 17 High School",
        "Krasnoyarsk No.1 High School",
        "Siberian Federal University",
    ]
    clusters = cluster_variants(names)
    assert set(clusters) == set(names)
    changchun = {clusters[name] for name in names[:3]}
    assert len(changchun) == 1
    # Representative: the longest key, then the lexicographically first.
    assert changchun == {"changchun foreign language school"}
    assert clusters["Jilin Foreign Language School"] == "jilin foreign language school"
    assert clusters["Krasnoyarsk No. 1 High School"] == clusters["Krasnoyarsk No.1 High School"]
    assert clusters["Krasnoyarsk No. 1 High School"] != clusters["Krasnoyarsk No. 17 High School"]
    assert clusters["Siberian Federal University"] == "siberian federal university"


def test_institutions_cluster_is_order_independent() -> None:
    names = ["Harbin Institute of Technology", "Harbin Institue of Technology", "Harbin Normal University", "x"]
    assert cluster_variants(names) == cluster_variants(list(reversed(names)))


def test_institutions_cluster_threshold_controls_merging() -> None:
    names = ["Krasnoyarsk Pedagogical University", "Krasnoyarsk Pedagogic University"]
    assert len(set(cluster_variants(names, threshold=90.0).values())) == 1
    assert len(set(cluster_variants(names, threshold=99.0).values())) == 2


def test_institutions_cluster_handles_empty_and_blank() -> None:
    assert cluster_variants([]) == {}
    assert cluster_variants(["", "the"]) == {"": "", "the": "the"}


@pytest.mark.parametrize("bad", [None, 7])
def test_institutions_bad_input_gives_empty_key(bad: object) -> None:
    assert normalize_institution(bad) == ""  # type: ignore[arg-type]
    assert institution_type(bad) == "other"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Harbin Institute of Foreign Languages and Trade", "HIFLT"),
        ("Chinese People's Association for Friendship with Foreign Countries", "CPAFFC"),
        ("Amur State Pedagogical University", "ASPU"),
        ("Sino-Russian Institute", "SRI"),
        ("the Blagoveshchensk Medical College", "BMC"),
    ],
)
def test_institutions_name_initials(name: str, expected: str) -> None:
    assert name_initials(name) == expected


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        ("ASPU", "Amur State Pedagogical University", True),
        ("HIFLT", "Harbin Institute of Foreign Languages and Trade", True),
        ("ASU", "Amur State Pedagogical University", False),
        ("HU", "Heihe University", False),  # two letters are too easily something else
        ("Aspu", "Amur State Pedagogical University", False),  # not written in capitals
        ("TASS", "TASS", False),
    ],
)
def test_institutions_is_acronym_of(short: str, full: str, expected: bool) -> None:
    assert is_acronym_of(short, full) is expected


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        ("Heihe Lianda", "Heihe Lianda Auto Parts Co., Ltd.", True),
        ("Amur Vagony", "Amur Vagony JSC", True),
        ("Culture Department", "Culture Department of Amur Oblast", True),
        ("Russian Centre", "Russian Centre in Harbin", True),
        ('Youth Camp', 'Youth Camp "Ocean"', True),
        # universities with a tail are other universities
        ("Heihe University", "Heihe University of Chinese Medicine", False),
        # a company's product words without its first words, or one word only
        ("Auto Parts", "Heihe Lianda Auto Parts Co., Ltd.", False),
        ("Heihe", "Heihe Lianda Auto Parts Co., Ltd.", False),
        # a short name with an institution word is its own company
        ("Heihe Lianda Group", "Heihe Lianda Group Auto Parts Co., Ltd.", False),
    ],
)
def test_institutions_is_short_form_of(short: str, full: str, expected: bool) -> None:
    assert is_short_form_of(short, full) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Heihe Lianda Auto Parts Co., Ltd.", True), ("Amur Vagony JSC", True), ("Heihe University", False), ("", False)],
)
def test_institutions_is_company_name(name: str, expected: bool) -> None:
    assert is_company_name(name) is expected


def test_institutions_cluster_mentions_joins_abbreviations_short_forms_and_aliases() -> None:
    names = [
        "Amur State Pedagogical University",
        "ASPU",
        "Heihe Lianda Auto Parts Co., Ltd.",
        "Heihe Lianda",
        "Heihe First People's Hospital",
        "Heihe China-Russia Friendship Hospital",
        "Heihe University",
    ]
    aliases = [("Heihe First People's Hospital", "Heihe China-Russia Friendship Hospital")]
    clusters = cluster_mentions(names, aliases)
    assert clusters["ASPU"] == clusters["Amur State Pedagogical University"] == "Amur State Pedagogical University"
    assert clusters["Heihe Lianda"] == "Heihe Lianda Auto Parts Co., Ltd."
    # the name before the brackets represents, even when the alternative is longer
    assert clusters["Heihe China-Russia Friendship Hospital"] == "Heihe First People's Hospital"
    assert clusters["Heihe University"] == "Heihe University"
    assert cluster_mentions(list(reversed(names)), aliases) == clusters


def test_institutions_cluster_mentions_keeps_variant_merging() -> None:
    clusters = cluster_mentions(["Changchun Foreign Languages School", "Changchun Foreign Language School"])
    assert len(set(clusters.values())) == 1
    assert cluster_mentions([]) == {}


def test_institutions_bracketed_aliases() -> None:
    text = "Heihe First Hospital (Heihe Friendship Hospital) and Amur University (AU) met Zeya College."
    mentions = []
    for name in ("Heihe First Hospital", "Heihe Friendship Hospital", "Amur University", "AU", "Zeya College"):
        start = text.index(name)
        mentions.append((name, start, start + len(name)))
    assert bracketed_aliases(text, mentions) == [
        ("Heihe First Hospital", "Heihe Friendship Hospital"), ("Amur University", "AU"),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Russian Railways", "company"), ('Special Economic Zone "Lipetsk"', "company"),
     ("International Children's Camp", "other")],
)
def test_institutions_type_of_new_keywords(name: str, expected: str) -> None:
    assert institution_type(name) == expected
