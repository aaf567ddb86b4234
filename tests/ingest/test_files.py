"""iter_inputs: files of every kind become Articles or Rejects, in a stable order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.ingest import files
from pipeline.ingest.files import iter_inputs
from pipeline.ingest.models import Article, Reason, Reject
from pipeline.ingest.offsets import to_raw_offset

ENGLISH_PAGE = (
    "Harbin Welcomes Students from Tomsk\n"
    "Updated: 2024-06-10 09:00\n"
    "A group of thirty students from Tomsk State University arrived in Harbin on Sunday for a summer "
    "programme in Chinese language and culture.\n"
    "Officials of Harbin Institute of Technology said the programme would run for four weeks and "
    "include visits to local schools and companies.\n"
)
ENGLISH_WITH_CHINESE = ENGLISH_PAGE + "The programme is run by the university's international office (国际合作处).\n"
ENGLISH_WITH_CYRILLIC = ENGLISH_PAGE + "The group is led by Professor Anna Smirnova (Анна Смирнова).\n"
RUSSIAN_PAGE = (
    "Студенты из Томска приехали в Харбин\n"
    "Группа из тридцати студентов Томского государственного университета прибыла в Харбин в воскресенье "
    "для участия в летней программе по изучению китайского языка и культуры.\n"
)
CHINESE_PAGE = "托木斯克学生抵达哈尔滨\n托木斯克国立大学的三十名学生周日抵达哈尔滨，参加为期四周的中国语言文化暑期项目。\n"
SCRIPT_ONLY_HTML = "<html><head><script>var a = 1;</script><style>b {}</style></head><body><script></script></body></html>"
BOILERPLATE_ONLY = "Home>News>World\nStory Tools\nAbout UsContact Us\nCopyright 2024 Example News\n"


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _only(path: Path) -> Article | Reject:
    (item,) = list(iter_inputs(path))
    return item


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", Reason.EMPTY),
        ("blank.txt", b"  \n\t\r\n \n", Reason.EMPTY),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(48), Reason.BINARY),
        ("broken.txt", ENGLISH_PAGE.encode() + "naïve café".encode() * 3 + b"\xc3\x28\xa0\xa1", Reason.UNDECODABLE),
        ("russian.txt", RUSSIAN_PAGE.encode("cp1251"), Reason.NOT_ENGLISH),
        ("russian_utf8.txt", RUSSIAN_PAGE, Reason.NOT_ENGLISH),
        ("chinese.txt", CHINESE_PAGE, Reason.NOT_ENGLISH),
        ("notes.md", ENGLISH_PAGE, Reason.UNSUPPORTED_TYPE),
        ("no_suffix", ENGLISH_PAGE, Reason.UNSUPPORTED_TYPE),
        ("shell.htm", SCRIPT_ONLY_HTML, Reason.NO_TEXT),
        ("chrome.txt", BOILERPLATE_ONLY, Reason.NO_TEXT),
    ],
)
def test_files_reject_reason(tmp_path: Path, name: str, data: bytes | str, reason: Reason) -> None:
    path = _write(tmp_path, name, data)
    reject = _only(path)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.source, reject.record) == (reason, str(path), None)
    assert str(path) in reject.detail


@pytest.mark.parametrize(
    ("language_name", "data"),
    [("Russian", RUSSIAN_PAGE.encode("cp1251")), ("Chinese", CHINESE_PAGE.encode("utf-8"))],
)
def test_files_not_english_names_the_language(tmp_path: Path, language_name: str, data: bytes) -> None:
    reject = _only(_write(tmp_path, "page.txt", data))
    assert isinstance(reject, Reject)
    assert language_name in reject.detail


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("gbk.txt", ENGLISH_WITH_CHINESE, "gbk"),
        ("cyrillic_names.txt", ENGLISH_WITH_CYRILLIC, "cp1251"),
        ("utf16.txt", ENGLISH_PAGE, "utf-16"),
        ("utf8_bom.TXT", ENGLISH_PAGE, "utf-8-sig"),
        ("windows.text", ENGLISH_PAGE.replace("\n", "\r\n"), "utf-8"),
    ],
)
def test_files_decode_to_the_original_text(tmp_path: Path, name: str, text: str, encoding: str) -> None:
    article = _only(_write(tmp_path, name, text.encode(encoding)))
    assert isinstance(article, Article)
    assert article.raw_text == text
    assert article.text == text.replace("\r\n", "\n").strip()
    assert article.title == "Harbin Welcomes Students from Tomsk"
    assert article.published == "2024-06-10"


def test_files_twenty_megabyte_article_is_too_large(tmp_path: Path) -> None:
    paragraph = ENGLISH_PAGE.split("\n")[2] + "\n"
    path = _write(tmp_path, "dump.txt", paragraph * (20_000_000 // len(paragraph)))
    assert path.stat().st_size > 19_000_000
    reject = _only(path)
    assert isinstance(reject, Reject)
    assert reject.reason == Reason.TOO_LARGE
    assert "1,000,000" in reject.detail and "split" in reject.detail


def test_files_over_the_byte_limit_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)

    def fail(_path: Path) -> bytes:
        raise AssertionError("an oversized file must not be read")

    monkeypatch.setattr(files, "_read_bytes", fail)
    reject = _only(_write(tmp_path, "big.html", ENGLISH_PAGE))
    assert isinstance(reject, Reject)
    assert reject.reason == Reason.TOO_LARGE


def test_files_one_long_line_without_sentence_breaks_is_kept(tmp_path: Path) -> None:
    phrase = "cooperation between Harbin and Khabarovsk in trade and education continues to grow and "
    line = (phrase * (200_000 // len(phrase) + 1))[:200_000]
    article = _only(_write(tmp_path, "long.txt", line))
    assert isinstance(article, Article)
    assert len(article.text) == len(line.rstrip())


def test_files_control_and_zero_width_characters_removed_offsets_map(tmp_path: Path) -> None:
    raw = ENGLISH_PAGE.replace("Harbin", "Har\u200bbin").replace("students", "stu\x07dents\ufeff")
    article = _only(_write(tmp_path, "dirty.txt", raw))
    assert isinstance(article, Article)
    assert article.text == ENGLISH_PAGE.strip()
    for index, char in enumerate(article.text):
        raw_index = to_raw_offset(article.segments, index)
        assert raw_index is not None and article.raw_text[raw_index] == char


def test_files_same_article_twice_is_one_article_and_one_duplicate(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", ENGLISH_PAGE)
    _write(tmp_path, "b/copy.txt", "\n\n" + ENGLISH_PAGE.replace("\n", "\r\n") + "\n")  # same text, other layout
    _write(tmp_path, "c.jsonl", json.dumps({"text": ENGLISH_PAGE}) + "\n")
    items = list(iter_inputs(tmp_path))
    assert [type(item).__name__ for item in items] == ["Article", "Reject", "Reject"]
    first = str(tmp_path / "a.txt")
    assert all(item.reason == Reason.DUPLICATE and first in item.detail for item in items[1:])
    assert items[2].record == 1


@pytest.mark.parametrize("kind", ["broken_link", "missing"])
def test_files_unreadable_path(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "gone.txt"
    if kind == "broken_link":
        path.symlink_to(tmp_path / "nowhere.txt")
    reject = _only(path)
    assert isinstance(reject, Reject)
    assert reject.reason == Reason.UNREADABLE
    assert "does not exist" in reject.detail


def test_files_broken_link_inside_a_folder(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", ENGLISH_PAGE)
    (tmp_path / "b.txt").symlink_to(tmp_path / "nowhere.txt")
    items = list(iter_inputs(tmp_path))
    assert [getattr(item, "reason", "article") for item in items] == ["article", Reason.UNREADABLE]


def test_files_permission_denied(tmp_path: Path) -> None:
    path = _write(tmp_path, "locked.txt", ENGLISH_PAGE)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user (root) can read files without read permission")
        reject = _only(path)
        assert isinstance(reject, Reject)
        assert reject.reason == Reason.UNREADABLE
        assert "permission" in reject.detail
    finally:
        path.chmod(0o644)


def test_files_read_error_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "_read_bytes", refuse)
    reject = _only(_write(tmp_path, "locked.txt", ENGLISH_PAGE))
    assert isinstance(reject, Reject)
    assert reject.reason == Reason.UNREADABLE
    assert "permission denied" in reject.detail


def test_files_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    _write(tmp_path, "real/a.txt", ENGLISH_PAGE)
    (tmp_path / "z_link").symlink_to(tmp_path / "real", target_is_directory=True)
    items = list(iter_inputs(tmp_path))
    assert [getattr(item, "reason", "article") for item in items] == ["article", Reason.UNREADABLE]


def test_files_input_path_may_be_a_link_to_a_folder(tmp_path: Path) -> None:
    _write(tmp_path, "real/a.txt", ENGLISH_PAGE)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    article = _only(link)
    assert isinstance(article, Article)
    assert article.source == str(link / "a.txt")


def test_files_empty_folder_yields_nothing(tmp_path: Path) -> None:
    assert list(iter_inputs(tmp_path)) == []


def test_files_order_is_sorted_and_ids_are_stable(tmp_path: Path) -> None:
    bodies = {
        "b/2.txt": ENGLISH_PAGE.replace("Tomsk", "Omsk"),
        "a.txt": ENGLISH_PAGE,
        "b/1.jsonl": '{"text": "Harbin and Irkutsk signed a tourism agreement on Monday."}\n',
        "c.html": "<html><body><p>Harbin and Chita opened a trade office on Friday.</p></body></html>",
        ".hidden.txt": ENGLISH_PAGE.replace("Tomsk", "Kazan"),
        ".git/x.txt": ENGLISH_PAGE.replace("Tomsk", "Perm"),
    }
    for name, text in bodies.items():
        _write(tmp_path, name, text)
    first = [(item.source_label, item.article_id) for item in iter_inputs(tmp_path) if isinstance(item, Article)]
    second = [(item.source_label, item.article_id) for item in iter_inputs(tmp_path) if isinstance(item, Article)]
    assert first == second
    assert [label for label, _id in first] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b/1.jsonl") + ":1",
        str(tmp_path / "b/2.txt"),
        str(tmp_path / "c.html"),
    ]
    assert len({article_id for _label, article_id in first}) == 4


def test_files_a_single_file_path_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "story.txt", ENGLISH_PAGE)
    article = _only(path)
    assert isinstance(article, Article)
    assert article.source == str(path)
