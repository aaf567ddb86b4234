"""Start a new sentence after every line break.

Web articles put headlines, bylines, stamps and captions on lines of their own without a
final full stop; the statistical sentence recogniser would run them into the next sentence.
Sets ``Token.is_sent_start`` only (the senter keeps boundaries that are already set).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.labels import FACTORY_LINE_BREAKS


def mark_line_starts(doc: Doc) -> Doc:
    """Mark the first token after each whitespace token holding a newline as a sentence start."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


@Language.factory(FACTORY_LINE_BREAKS, default_config={}, assigns=["token.is_sent_start"])
def make_line_breaks(nlp: Language, name: str):
    return mark_line_starts
