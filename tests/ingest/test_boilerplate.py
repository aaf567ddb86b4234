"""Boilerplate lines of news pages are dropped; article lines are kept."""

from __future__ import annotations

import pytest

from pipeline.ingest.boilerplate import filter_lines, is_body_line, line_rule, strip_title_suffix
from pipeline.ingest.lines import split_lines


def _kept(raw: str) -> list[str]:
    return [line.text for line in filter_lines(list(split_lines(raw)))]


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Home>News Center>World", "breadcrumb_home"),
        ("Home > Regions > Heilongjiang", "breadcrumb_home"),
        ("News » Russia » Far East", "breadcrumb_chain"),
        ("Story Tools", "ui_label"),
        ("\u00a0 Go to Another Section \u00a0", "ui_label"),
        ("Leave a message", "ui_label"),
        ("Print this page", "ui_label"),
        ("Share on WeChat", "share_follow"),
        ("About UsContact Us", "nav_links"),
        ("Site Map | Feedback | RSS", "nav_links"),
        ("Investment | Culture & Tourism", "menu_bar"),
        ("Main / Press", "menu_bar"),
        ("I Agree", "consent_button"),
        ("Accept all cookies", "consent_button"),
        ("We use cookies to improve your experience. By using this site you accept our cookie policy.", "cookie_notice"),
        ("Our Privacy Statement & Terms of Use", "privacy_terms_link"),
        ("黑ICP备12345678号-1 互联网新闻信息服务许可证号:23120170001", "icp_licence"),
        ("京公网安备 11010502000001号", "icp_licence"),
        ("Illegal and harmful information can be reported to the hotline 12377", "illegal_info_report"),
        ("For any inquiries, please e-mail news@example.cn", "contact_inquiries"),
        ("Tel: +86-451-0000000", "contact_field"),
        ("Copyright © 2024 Harbin Daily. All rights reserved.", "copyright"),
        ("The mayors shake hands after the talks. (Photo/Harbin Daily)", "photo_credit_caption"),
        ("Students perform a folk dance in Harbin on June 4, 2024. (Xinhua/Wang Jianwei)", "agency_photo_credit"),
        ("HarbinNews Title", "site_title_placeholder"),
        ("Page 1 of 3", "pagination"),
        ("* * *", "symbols_only"),
    ],
)
def test_boilerplate_line_rule_matches(line: str, rule: str) -> None:
    assert line_rule(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        "Harbin and Khabarovsk signed a sister-city agreement in 1993.",
        "The two sides agreed to expand cooperation in education and culture.",
        "Delegation from Irkutsk visits Dalian",  # a headline, not boilerplate
        "Source: Harbin Municipal Foreign Affairs Office Editor: WANG Lei",  # names an official
        "Editor: Zhang San",
        "The delegation visited the Home of Veterans and the Contact Center of the city government.",
        "Top officials of both cities attended the ceremony.",
        "Sources said the agreement would be signed in May.",
        "He said the share of Russian students had doubled, according to the university.",
        "The privacy policy of the joint database was discussed at length by the working group.",
        "Chongqing Strengthens Int'l Ties with Voronezh, Russia | Sister Cities",  # headline with a section
        "Harbin / Khabarovsk: twin cities sign a new cooperation plan for the coming decade",
    ],
)
def test_boilerplate_keeps_article_lines(line: str) -> None:
    assert line_rule(line) is None


@pytest.mark.parametrize(
    ("line", "body"),
    [
        ("The delegation visited three schools in Changchun.", True),
        ("Why are more Russian students choosing Harbin?", True),
        ("Group photo", False),
        ("Signing ceremony of the cooperation agreement", False),
        ("A Walk in Harbin, A Taste of the North", False),
    ],
)
def test_boilerplate_body_line(line: str, body: bool) -> None:
    assert is_body_line(line) is body


PAGE = """Home>News Center>Regions

Dalian and Vladivostok Expand Port Cooperation
Updated: 2023-09-14 08:15

DALIAN -- Officials from Dalian and Vladivostok met on Wednesday to discuss cooperation between the two ports.

Both cities agreed to open a new container route next spring.
Story Tools
Port authorities of the two cities will also exchange staff for training.

Signing ceremony

Visitors at the port exhibition

\u00a0 Today's Top News \u00a0 Top Business News
Factory output rises in August
New rail link opens in the northeast
\u00a0 Related Stories \u00a0
Go to Another Section
Copyright 2023 Example Daily. All rights reserved.
"""


def test_boilerplate_page_keeps_only_the_article() -> None:
    assert _kept(PAGE) == [
        "Dalian and Vladivostok Expand Port Cooperation",
        "Updated: 2023-09-14 08:15",
        "DALIAN -- Officials from Dalian and Vladivostok met on Wednesday to discuss cooperation between the two ports.",
        "Both cities agreed to open a new container route next spring.",
        "Port authorities of the two cities will also exchange staff for training.",
    ]


FOOTER_PAGE = """SiteName Title

Novosibirsk Hosts Chinese Education Fair | Education

By LI HUA|Nov 2,2023

Novosibirsk hosted an education fair for Chinese universities on Thursday.

Twenty universities from Heilongjiang and Jilin presented their programmes to Russian students.

Students at the fair. (Photo/Novosibirsk City Hall)

Source: International Office of Novosibirsk City Hall

A City of Science, A Window to Siberia

Reporting illegal information: call 12377

辽ICP备00000000号-1

I Agree
Our Privacy Statement & Cookie Policy
By continuing to browse our site you agree to our use of cookies and our Terms of Use.
For any inquiries, please email info@example.com
About UsContact Us
Leaving a message
"""


def test_boilerplate_footer_and_captions_are_dropped() -> None:
    assert _kept(FOOTER_PAGE) == [
        "Novosibirsk Hosts Chinese Education Fair | Education",
        "By LI HUA|Nov 2,2023",
        "Novosibirsk hosted an education fair for Chinese universities on Thursday.",
        "Twenty universities from Heilongjiang and Jilin presented their programmes to Russian students.",
    ]


def test_boilerplate_related_heading_before_the_body_does_not_cut_the_page() -> None:
    raw = "Related Stories\nHarbin opens a Russian culture centre\nThe centre opened on Monday in the city."
    assert _kept(raw) == [
        "Harbin opens a Russian culture centre",
        "The centre opened on Monday in the city.",
    ]


def test_boilerplate_short_lines_inside_the_body_are_kept() -> None:
    raw = "The forum opened on Monday.\nEducation\nTen schools signed agreements on Tuesday."
    assert _kept(raw) == raw.split("\n")


def test_boilerplate_protected_lines_survive_line_rules() -> None:
    raw = "Home | News | 2024-05-01\nThe talks ended on Friday."
    lines = list(split_lines(raw))
    assert [line.text for line in filter_lines(lines)] == ["The talks ended on Friday."]
    kept = filter_lines(lines, protect=lambda text: "2024" in text)
    assert [line.text for line in kept] == raw.split("\n")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Harbin Strengthens Ties with Khabarovsk | Sister Cities", "Harbin Strengthens Ties with Khabarovsk"),
        ("Harbin Strengthens Ties with Khabarovsk", "Harbin Strengthens Ties with Khabarovsk"),
        ("Harbin Ties | News", "Harbin Ties | News"),  # too little would remain
    ],
)
def test_boilerplate_strip_title_suffix(title: str, expected: str) -> None:
    assert strip_title_suffix(title) == expected
