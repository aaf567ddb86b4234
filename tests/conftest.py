"""Shared fixtures: the assembled pipeline, loaded once per test session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

from pipeline.ingest import Article, article_from_text


@pytest.fixture(scope="session")
def nlp() -> Language:
    from pipeline.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def extract_rows(nlp: Language) -> Callable[..., dict[str, list[dict]]]:
    """Run one text through cleaning and the pipeline; return every table's rows."""
    from pipeline.run import process_batch

    def run(text: str, published: str | None = None) -> dict[str, list[dict]]:
        article = article_from_text(text, "test.txt", published=published)
        assert isinstance(article, Article), article
        return process_batch(nlp, [article])

    return run
