"""HTML pages: the main text and metadata are extracted, markup-only pages are rejected."""

from __future__ import annotations

import pytest

from pipeline.ingest.html import article_from_html, article_from_html_bytes, declared_charset
from pipeline.ingest.models import Article, Reason, Reject
from pipeline.ingest.offsets import to_raw_offset

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}">
<title>Harbin hosts Khabarovsk delegation - City News</title>
<meta property="og:url" content="https://news.example.org/2024/05/17/harbin-khabarovsk.html">
<script>window.dataLayer = [];</script><style>body {{ color: #333; }}</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/about">About Us</a></li></ul></nav>
<header><div class="logo">City News</div></header>
<article>
<h1>Harbin hosts Khabarovsk delegation</h1>
<p>Published: May 17, 2024</p>
<p>A delegation from Khabarovsk led by Deputy Mayor Ivan Petrov visited Harbin from May 14 to 16 to
discuss cooperation in education and trade between the two cities.</p>
<p>The two sides signed a memorandum of understanding on student exchanges between Harbin Institute of
Technology and Pacific National University ({chinese}). Officials said the agreement would expand ties.</p>
<p>Harbin and Khabarovsk established sister city relations in 1993.</p>
</article>
<aside><h3>Related Stories</h3><ul><li><a href="/a">Port traffic grows in Dalian</a></li></ul></aside>
<footer><p>Copyright 2024 City News. All rights reserved.</p><a href="/privacy">Privacy Policy</a></footer>
</body></html>"""

CHINESE_NAME = "太平洋国立大学"


def _page(charset: str = "utf-8") -> str:
    return PAGE.format(charset=charset, chinese=CHINESE_NAME)


def test_html_extracts_main_text_and_metadata() -> None:
    page = _page()
    article = article_from_html(page, "site/story.html")
    assert isinstance(article, Article)
    assert article.title == "Harbin hosts Khabarovsk delegation"
    assert article.url == "https://news.example.org/2024/05/17/harbin-khabarovsk.html"
    assert article.published == "2024-05-17"
    assert "Deputy Mayor Ivan Petrov visited Harbin" in article.text
    assert CHINESE_NAME in article.text
    for junk in ("About Us", "City News", "window.dataLayer", "color: #333", "Copyright", "Port traffic", "Privacy"):
        assert junk not in article.text
    assert article.raw_text == page
    assert article.segments == []  # extracted text cannot be mapped into the markup
    assert to_raw_offset(article.segments, 0) is None


def test_html_publication_span_points_at_the_stamp() -> None:
    article = article_from_html(_page(), "site/story.html")
    assert isinstance(article, Article)
    assert article.published_span is not None
    start, end = article.published_span
    assert article.text[start:end] == "May 17, 2024"


def test_html_event_date_in_the_body_is_not_the_publication_date() -> None:
    page = (
        "<html><head><title>Harbin and Omsk sign deal</title></head><body><article>"
        "<h1>Harbin and Omsk sign deal</h1><p>Harbin and Omsk signed an agreement on education. It was first "
        "discussed on May 3, 2021 in Omsk during a visit of the Harbin delegation, officials said on Monday.</p>"
        "<p>The two cities became sister cities in 1993 and have exchanged delegations every year since then.</p>"
        "</article></body></html>"
    )
    article = article_from_html(page, "site/deal.html")
    assert isinstance(article, Article)
    assert article.title == "Harbin and Omsk sign deal"
    assert article.published is None


def test_html_metadata_date_without_stamp_has_no_span() -> None:
    page = (
        '<html><head><meta property="article:published_time" content="2023-11-02T08:00:00+08:00">'
        "<title>Harbin and Omsk sign deal</title></head><body><article><h1>Harbin and Omsk sign deal</h1>"
        "<p>Harbin and Omsk signed an agreement on cooperation in education and trade on Wednesday, officials "
        "said. The two cities became sister cities in 1993 and exchange delegations every year.</p>"
        "</article></body></html>"
    )
    article = article_from_html(page, "site/deal.html")
    assert isinstance(article, Article)
    assert (article.published, article.published_span) == ("2023-11-02", None)


@pytest.mark.parametrize("charset", ["gbk", "gb2312", "utf-8"])
def test_html_bytes_honour_the_declared_charset(charset: str) -> None:
    page = _page(charset)
    encoding = "gbk" if charset == "gb2312" else charset
    article = article_from_html_bytes(page.encode(encoding), "site/story.html")
    assert isinstance(article, Article)
    assert CHINESE_NAME in article.text
    assert article.raw_text == page


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (
            "<html><head><script>var x = 1;</script><style>p { margin: 0 }</style></head>"
            "<body><script>document.write('hi')</script><style>.a { color: red }</style></body></html>",
            Reason.NO_TEXT,
        ),
        ("<html><head></head><body><div></div></body></html>", Reason.NO_TEXT),
        ("", Reason.EMPTY),
        ("  \n\t ", Reason.EMPTY),
    ],
)
def test_html_without_text_is_rejected(page: str, reason: Reason) -> None:
    reject = article_from_html(page, "site/empty.html")
    assert isinstance(reject, Reject)
    assert reject.reason == reason
    assert "site/empty.html" in reject.detail


def test_html_short_page_falls_back_to_plain_text() -> None:
    page = "<html><body><p>Harbin and Omsk signed a cooperation agreement on Monday.</p></body></html>"
    article = article_from_html(page, "site/short.html")
    assert isinstance(article, Article)
    assert article.text == "Harbin and Omsk signed a cooperation agreement on Monday."


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<meta charset="gbk">', "gbk"),
        (b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>", "windows-1251"),
        (b"<meta name='x'>", None),
    ],
)
def test_html_declared_charset(head: bytes, expected: str | None) -> None:
    assert declared_charset(b"<html><head>" + head + b"</head></html>") == expected
