"""article_from_text: the cleaning, checks and metadata every input format shares."""

from __future__ import annotations

import pickle

import pytest

from pipeline.ingest.article import MAX_ARTICLE_CHARS, article_from_text, article_id
from pipeline.ingest.models import Article, Reason, Reject
from pipeline.ingest.offsets import to_raw_offset
from pipeline.tables import to_table

# A page in the style of scraped Chinese city portals: site header, breadcrumb, headline,
# stamp, body with a photo caption, credit line, captions, promo links and a footer.
PORTAL_PAGE = """CityPortal Title

Home>News>Exchanges

Irkutsk Delegation Visits Dalian Schools | Exchanges

By ZHANG WEI|Sep 4,2023

Dalian \u2013 A delegation from Irkutsk led by Deputy Mayor Olga Ivanova visited three schools in Dalian on Monday.

The guests attended Russian language classes at Dalian No. 24 Middle School and met its principal, Liu Fang.

The delegation at Dalian No. 24 Middle School. (Photo/Dalian Foreign Affairs Office)

Both sides agreed to start a student exchange programme next year.

Source: Dalian Foreign Affairs Office Editor: WANG Jing

Campus tour

Discover Dalian, A Pearl of the North

Illegal and undesirable information can be reported by calling this telephone number: 12345

辽ICP备00000001号-1

I Agree
Our Privacy Statement & Cookie Policy
By continuing to browse our site you agree to our use of cookies and our Terms of Use.
For any inquiries, please email service@example.cn
About UsContact Us
Leaving a message
"""

EXPECTED_TEXT = "\n".join(
    [
        "Irkutsk Delegation Visits Dalian Schools | Exchanges",
        "By ZHANG WEI|Sep 4,2023",
        "Dalian \u2013 A delegation from Irkutsk led by Deputy Mayor Olga Ivanova visited three schools in Dalian on Monday.",
        "The guests attended Russian language classes at Dalian No. 24 Middle School and met its principal, Liu Fang.",
        "Both sides agreed to start a student exchange programme next year.",
    ]
)


def test_article_portal_page_is_cleaned() -> None:
    article = article_from_text(PORTAL_PAGE, "portal/page.txt")
    assert isinstance(article, Article)
    assert article.text == EXPECTED_TEXT
    assert article.title == "Irkutsk Delegation Visits Dalian Schools"
    assert article.published == "2023-09-04"
    assert article.published_span is not None
    assert article.text[article.published_span[0] : article.published_span[1]] == "Sep 4,2023"
    assert article.language == "en"
    assert article.raw_text == PORTAL_PAGE


def test_article_every_character_maps_back_to_raw() -> None:
    article = article_from_text(PORTAL_PAGE, "portal/page.txt")
    assert isinstance(article, Article)
    for index, char in enumerate(article.text):
        raw_index = to_raw_offset(article.segments, index)
        assert raw_index is not None
        assert article.raw_text[raw_index] == char


def test_article_given_metadata_wins() -> None:
    article = article_from_text(
        PORTAL_PAGE, "feed.jsonl", record=4, url="https://example.cn/a", title="Given", published="2023-09-05"
    )
    assert isinstance(article, Article)
    assert (article.title, article.published, article.url, article.record) == (
        "Given",
        "2023-09-05",
        "https://example.cn/a",
        4,
    )
    assert article.published_span is None  # the text's stamp says another day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason.EMPTY),
        (" \n\t\u00a0\n", Reason.EMPTY),
        ("\u200b\ufeff\n", Reason.EMPTY),
        ("Home>News>World\nStory Tools\nI Agree\n", Reason.NO_TEXT),
        ("Делегация Иркутска посетила школы Даляня и договорилась об обмене студентами.", Reason.NOT_ENGLISH),
    ],
)
def test_article_rejects(text: str, reason: Reason) -> None:
    reject = article_from_text(text, "in/x.txt")
    assert isinstance(reject, Reject)
    assert reject.reason == reason
    assert "in/x.txt" in reject.detail


def test_article_over_the_nlp_limit_is_too_large() -> None:
    sentence = "Harbin and Khabarovsk agreed to expand cooperation in trade. "
    text = sentence * (MAX_ARTICLE_CHARS // len(sentence) + 1)
    reject = article_from_text(text, "in/huge.txt", record=3)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.record) == (Reason.TOO_LARGE, 3)
    assert "in/huge.txt line 3" in reject.detail


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Harbin and Omsk met.", "Harbin and Omsk met.", True),
        ("Harbin and Omsk met.", "  harbin   AND omsk\nmet. ", True),
        ("Harbin and Omsk met.", "Harbin and Tomsk met.", False),
    ],
)
def test_article_id_ignores_whitespace_and_case(first: str, second: str, same: bool) -> None:
    assert (article_id(first) == article_id(second)) is same


def test_article_id_shape() -> None:
    value = article_id("Harbin and Omsk met.")
    assert value.startswith("a_") and len(value) == 18
    assert all(char in "0123456789abcdef" for char in value[2:])


def test_article_rows_fit_the_table_schemas() -> None:
    article = article_from_text(PORTAL_PAGE, "portal/page.jsonl", record=2)
    reject = article_from_text("", "portal/page.jsonl", record=3)
    assert isinstance(article, Article) and isinstance(reject, Reject)
    articles = to_table("articles", [article.to_row()])
    rejects = to_table("rejects", [reject.to_row()])
    assert articles.column("source").to_pylist() == ["portal/page.jsonl:2"]
    assert articles.column("n_chars").to_pylist() == [len(EXPECTED_TEXT)]
    assert rejects.column("reason").to_pylist() == ["empty"]


def test_article_and_reject_survive_pickling() -> None:
    """Worker processes receive articles and rejects pickled."""
    article = article_from_text(PORTAL_PAGE, "portal/page.txt")
    reject = article_from_text("", "portal/empty.txt")
    assert pickle.loads(pickle.dumps(article)) == article
    restored = pickle.loads(pickle.dumps(reject))
    assert restored == reject and restored.reason is Reason.EMPTY
