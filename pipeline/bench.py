"""Benchmarks: pipeline speed beside stock en_core_web_sm, and a large generated dump.

``speed`` times the whole ``extract`` (read, clean, nlp, records, write) on a folder of
genre articles and stock ``en_core_web_sm`` ``nlp.pipe`` on the same cleaned texts; model
loading is outside both clocks. ``large`` writes tens of thousands of generated articles
to a JSONL file and runs ``python -m pipeline extract`` on it with each worker count,
sampling the memory of the whole process tree from /proc.

The articles are synthetic: templates of the genre (delegation visits, agreements,
sister-city ties) filled with invented people, real city names and random dates, drawn
from a seeded generator so every run benchmarks the same text. They exist to load the
pipeline, not to measure its accuracy.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Memory ceiling of the large-dump run (whole process tree), from the pipeline issue.
MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024
#: Ours / stock words per second must stay at or above this.
SPEED_RATIO_FLOOR = 0.8
#: Seconds between two memory samples of the process tree.
SAMPLE_INTERVAL = 0.2

# --- synthetic articles --------------------------------------------------------------------
# Fillers for the templates below. They are benchmark data (what the generated text says),
# not extraction rules, so they live with the generator rather than in patterns/.

RU_CITIES = ("Krasnoyarsk", "Novosibirsk", "Irkutsk", "Khabarovsk", "Vladivostok", "Kazan", "Yekaterinburg",
             "Omsk", "Tomsk", "Chita", "Blagoveshchensk", "Barnaul", "Samara", "Perm", "Ufa", "Tyumen",
             "Kemerovo", "Yakutsk", "Nizhny Novgorod", "Saint Petersburg")
CN_CITIES = ("Changchun", "Harbin", "Shenyang", "Dalian", "Qingdao", "Suzhou", "Hangzhou", "Wuhan", "Chengdu",
             "Urumqi", "Heihe", "Suifenhe", "Manzhouli", "Jilin", "Daqing", "Qiqihar", "Mudanjiang", "Nanjing",
             "Tianjin", "Hohhot")
RU_GIVEN_MALE = ("Ivan", "Sergei", "Alexei", "Dmitry", "Nikolai", "Andrei", "Pavel", "Mikhail", "Yuri", "Oleg",
                 "Viktor", "Roman", "Artem", "Boris", "Konstantin")
RU_GIVEN_FEMALE = ("Marina", "Olga", "Elena", "Tatiana", "Irina", "Natalia", "Svetlana", "Anna", "Yulia",
                   "Ekaterina", "Galina", "Vera", "Larisa", "Polina", "Ksenia")
RU_SURNAME_STEMS = ("Petr", "Smirn", "Kuznets", "Sokol", "Lebed", "Kozl", "Novik", "Moroz", "Volk", "Orl",
                    "Bel", "Zaits", "Pavl", "Semen", "Golub", "Vinograd", "Bogdan", "Gorin", "Lavr", "Melnik",
                    "Rudn", "Savel", "Tolst", "Zarub", "Krylov", "Dorokh", "Fedot", "Grachev", "Yermak", "Shirok")
RU_SURNAME_ENDINGS = ("ov", "in", "ev", "enkov", "itsyn")
CN_FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
             "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo")
CN_SYLLABLES = ("hai", "ying", "wei", "ming", "jian", "hua", "lei", "xin", "yu", "feng", "jun", "qiang", "tao",
                "yan", "bo", "dong", "hong", "jie", "ping", "lan", "mei", "zhi", "guang", "rong")
RU_TITLES = ("Director", "Deputy Director", "Head", "Deputy Head", "Rector", "Vice-Rector", "Mayor",
             "Deputy Mayor", "Chairman", "Principal")
CN_TITLES = ("Director", "Deputy Director", "Vice Mayor", "Mayor", "President", "Vice President",
             "Party Secretary", "Principal", "Dean", "Secretary-General")
RU_ORGS = ("Education Department of {city} City Government", "{city} State University",
           "{city} State Pedagogical University", "{city} Chamber of Commerce and Industry",
           "Administration of {city}", "{city} School No. {n}", "{city} Medical University",
           "Department of International Relations of {city}")
CN_ORGS = ("{city} Municipal Foreign Affairs Office", "{city} Education Bureau", "{city} Normal University",
           "{city} University of Technology", "{city} Foreign Language School", "{city} No. {n} Middle School",
           "{city} Vocational and Technical College", "{city} Municipal People's Government",
           "{city} Medical University")
FIELDS = ("education", "culture", "tourism", "trade", "science and technology", "sports", "healthcare",
          "youth exchanges", "agriculture", "logistics", "vocational training", "language teaching")
AGREEMENTS = ("cooperation agreement", "memorandum of understanding", "protocol of intentions",
              "agreement on friendly exchanges", "action plan")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen")

HEADLINES = (
    "{ru_city} Delegation Visits {cn_city} to Deepen {Field} Cooperation",
    "{cn_city} and {ru_city} Sign {Agreement} on {Field}",
    "{cn_org} Welcomes Guests from {ru_org}",
    "Sister Cities {cn_city} and {ru_city} Open a New Chapter in {Field}",
)
OPENINGS = (
    "From {month} {day} to {day2}, {ru_person}, {ru_title} of {ru_org}, led a {size}-member delegation "
    "on a visit to {cn_city}.",
    "On {month} {day}, {year}, a {size}-member delegation headed by {ru_title} {ru_person} of {ru_org} "
    "arrived in {cn_city} for a {days}-day working visit.",
    "A delegation from {ru_city} led by {ru_person}, {ru_title} of {ru_org}, visited {cn_city} "
    "on {month} {day}.",
)
BODY = (
    "{cn_person}, {cn_title} of {cn_org}, met with the delegation and briefed the guests on the city's "
    "achievements in {field}.",
    "The two sides signed {a_agreement} on cooperation in {field} and {field2}.",
    "{cn_city} and {ru_city} established sister city relations in {since}, and exchanges in {field} have "
    "grown steadily since then.",
    "The delegation also visited {cn_org2} and {cn_school}, where they observed classes and talked with "
    "teachers and students.",
    "During the talks, both sides agreed to expand exchanges in {field} and to hold a joint forum in "
    "{ru_city} next {month2}.",
    "{ru_person_short} said that {ru_org} values its partnership with {cn_org} and hopes to send more "
    "students to {cn_city}.",
    "{cn_title} {cn_person} noted that {field} cooperation between Chinese and Russian cities has become "
    "an important part of bilateral relations.",
    "More than {count} students from {ru_city} have studied in {cn_city} since {since}.",
)
CLOSINGS = (
    "Both sides expressed the hope of turning the results of the visit into concrete projects.",
    "The visit marked another important step in the friendship between the two cities.",
    "The delegation left {cn_city} on {month} {day2}.",
)
#: Page furniture around some articles, so the cleaning step has work to do.
FURNITURE_TOP = ("Home > News > International Exchanges", "Font size: A A A")
FURNITURE_BOTTOM = ("Share this article", "Copyright © {year} {cn_city} Municipal People's Government. "
                    "All rights reserved.", "Editor: {cn_person}")


def _ru_person(rng: random.Random) -> str:
    female = rng.random() < 0.5
    given = rng.choice(RU_GIVEN_FEMALE if female else RU_GIVEN_MALE)
    surname = rng.choice(RU_SURNAME_STEMS) + rng.choice(RU_SURNAME_ENDINGS)
    return f"{given} {surname}{'a' if female else ''}"


def _cn_person(rng: random.Random) -> str:
    given = rng.choice(CN_SYLLABLES) + rng.choice(CN_SYLLABLES)
    return f"{rng.choice(CN_FAMILY)} {given.capitalize()}"


def _slots(rng: random.Random) -> dict[str, Any]:
    """Random fillers for one article."""
    ru_city, cn_city = rng.choice(RU_CITIES), rng.choice(CN_CITIES)
    year = rng.randint(2012, 2025)
    day = rng.randint(1, 24)
    field_name, field2 = rng.sample(FIELDS, 2)
    agreement = rng.choice(AGREEMENTS)
    ru_person = _ru_person(rng)
    slots: dict[str, Any] = {
        "ru_city": ru_city, "cn_city": cn_city, "year": year, "day": day, "day2": day + rng.randint(1, 4),
        "days": rng.randint(2, 6), "month": rng.choice(MONTHS), "month2": rng.choice(MONTHS),
        "since": rng.randint(1990, year), "size": rng.choice(NUMBER_WORDS), "count": rng.randint(2, 40) * 10,
        "field": field_name, "field2": field2, "Field": field_name.title(), "agreement": agreement,
        "Agreement": agreement.title(),
        "a_agreement": f"{'an' if agreement[0] in 'aeiou' else 'a'} {agreement}", "ru_person": ru_person, "ru_person_short": ru_person.split()[-1],
        "cn_person": _cn_person(rng), "ru_title": rng.choice(RU_TITLES), "cn_title": rng.choice(CN_TITLES),
        "ru_org": rng.choice(RU_ORGS).format(city=ru_city, n=rng.randint(1, 60)),
    }
    cn_org, cn_org2 = rng.sample(CN_ORGS, 2)
    slots["cn_org"] = cn_org.format(city=cn_city, n=rng.randint(1, 60))
    slots["cn_org2"] = cn_org2.format(city=cn_city, n=rng.randint(1, 60))
    slots["cn_school"] = f"{cn_city} No. {rng.randint(1, 60)} High School"
    return slots


def generate_article(rng: random.Random, *, furniture: bool = True) -> dict[str, str]:
    """One synthetic article: {'title', 'published', 'text'} (text has the headline and dateline)."""
    slots = _slots(rng)
    published = f"{slots['year']}-{MONTHS.index(slots['month']) + 1:02d}-{min(slots['day2'] + 1, 28):02d}"
    title = rng.choice(HEADLINES).format(**slots)
    body = [rng.choice(OPENINGS), *rng.sample(BODY, rng.randint(3, 5)), rng.choice(CLOSINGS)]
    paragraphs = [" ".join(sentence.format(**slots) for sentence in body[:3]),
                  " ".join(sentence.format(**slots) for sentence in body[3:])]
    lines = [title, f"Updated : {published}  Source : {slots['cn_city']} Municipal Foreign Affairs Office",
             *paragraphs]
    if furniture:
        lines = [rng.choice(FURNITURE_TOP), *lines, *(line.format(**slots) for line in FURNITURE_BOTTOM)]
    return {"title": title, "published": published, "text": "\n".join(lines)}


def generate_articles(count: int, seed: int = 0, *, furniture: bool = True) -> Iterator[dict[str, str]]:
    """``count`` distinct synthetic articles, the same ones for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        article = generate_article(rng, furniture=furniture)
        if article["text"] in seen:  # the random slots make this rare; dedup would drop it
            continue
        seen.add(article["text"])
        yield article


def write_jsonl(path: Path, count: int, seed: int = 0) -> int:
    """Write ``count`` articles as JSONL records (id, title, published, text); return bytes written."""
    with path.open("w", encoding="utf8") as out:
        for number, article in enumerate(generate_articles(count, seed), start=1):
            out.write(json.dumps({"id": number, **article}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def write_text_files(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` articles as .txt files (the text only, as a scraped page would be)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, article in enumerate(generate_articles(count, seed)):
        path = folder / f"article_{number:06d}.txt"
        path.write_text(article["text"], encoding="utf8")
        paths.append(path)
    return paths
