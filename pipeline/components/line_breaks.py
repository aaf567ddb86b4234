"""Start a new sentence after every line break; never break "No. 5".

Web articles put headlines, bylines, stamps and captions on lines of their own without a
final full stop; the statistical sentence recogniser would run them into the next sentence.
Sets ``Token.is_sent_start`` only (the senter keeps boundaries that are already set).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.labels import FACTORY_LINE_BREAKS


# Abbreviations after which a number continues the name ("Secondary School No. 5"): the
# sentence recogniser would otherwise end a sentence at the full stop.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nr", "num"})


def mark_line_starts(doc: Doc) -> Doc:
    """Mark the first token after each newline as a sentence start, and "No. 5" as one sentence."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
        elif (token.text == "." and token.i > 0 and doc[token.i - 1].lower_ in _NUMBER_ABBREVIATIONS
              and doc[token.i + 1].like_num):
            doc[token.i + 1].is_sent_start = False
    return doc


@Language.factory(FACTORY_LINE_BREAKS, default_config={}, assigns=["token.is_sent_start"])
def make_line_breaks(nlp: Language, name: str):
    return mark_line_starts
