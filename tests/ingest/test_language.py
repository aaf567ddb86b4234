"""Language detection: English passes, other languages are named."""

from __future__ import annotations

import pytest

from pipeline.ingest.language import detect_language

ENGLISH = (
    "The mayor of Harbin met a delegation from Novosibirsk on Monday. The two cities agreed to expand "
    "exchanges between their universities and to open a joint research centre next year."
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (ENGLISH, "en"),
        (ENGLISH + " The office (哈尔滨市外事办公室) hosted the meeting. " + ENGLISH, "en"),
        (ENGLISH + " Mayor Ivan Petrov (Иван Петров) spoke. " + ENGLISH, "en"),
        ("Делегация Красноярска посетила Чанчунь. Стороны обсудили сотрудничество в области образования и культуры.", "ru"),
        ("哈尔滨市人民政府外事办公室与俄罗斯代表团举行会谈，双方就教育合作交换了意见。", "zh"),
        (
            "Le maire de Harbin a rencontré lundi une délégation de Novossibirsk. Les deux villes ont convenu "
            "de développer les échanges entre leurs universités.",
            "fr",
        ),
        ("Group photo", "en"),  # too short for statistics, Latin script
        ("Vladimir Putin, Xi Jinping", "en"),
        ("Новости", "ru"),  # short, but clearly another script
        ("哈尔滨新闻", "zh"),
        ("2024-05-17 12:00", "en"),  # no letters at all
    ],
)
def test_language_detect(text: str, code: str) -> None:
    assert detect_language(text)[0] == code


def test_language_names_the_language() -> None:
    assert detect_language("Делегация Красноярска посетила Чанчунь в мае этого года.") == ("ru", "Russian")
