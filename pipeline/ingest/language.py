"""Which language an article is written in (lingua), so non-English articles can be rejected."""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# The languages the detector chooses among: the corpus is English news about China and
# Russia, so the alternatives that matter are Russian and Chinese, plus the other
# languages foreign-affairs sites publish in. A small set keeps the detector fast and
# avoids confusing English with a close relative (Scots, Afrikaans).
CANDIDATE_LANGUAGES: tuple[Language, ...] = (
    Language.ENGLISH,
    Language.RUSSIAN,
    Language.CHINESE,
    Language.FRENCH,
    Language.GERMAN,
    Language.SPANISH,
    Language.JAPANESE,
    Language.KOREAN,
    Language.ARABIC,
)

# Characters the detector reads: the start of an article settles its language, and
# lingua's time grows with the text.
SAMPLE_CHARS = 3000

# Below this many letters a Latin-script text is too short for statistics ('Harbin
# news' looks French to a detector): it counts as English.
SHORT_TEXT_LETTERS = 100

ENGLISH = "en"

_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """One detector for the process (building it loads models)."""
    return LanguageDetectorBuilder.from_languages(*CANDIDATE_LANGUAGES).with_low_accuracy_mode().build()


def detect_language(text: str) -> tuple[str, str]:
    """(ISO 639-1 code, English name) of the language ``text`` is written in.

    Short texts in Latin script are English; texts with no letters at all are English too
    (there is nothing to contradict it). Otherwise lingua decides on the first
    ``SAMPLE_CHARS`` characters; when it cannot, the text is taken as English.
    """
    sample = text[:SAMPLE_CHARS]
    letters = _LETTER.findall(sample)
    if not letters:
        return ENGLISH, "English"
    latin = len(_LATIN_LETTER.findall(sample))
    if len(letters) < SHORT_TEXT_LETTERS and latin * 2 >= len(letters):
        return ENGLISH, "English"
    language = detector().detect_language_of(sample)
    if language is None:
        return ENGLISH, "English"
    return language.iso_code_639_1.name.lower(), language.name.title()
