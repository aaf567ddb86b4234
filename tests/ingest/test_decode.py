"""Bytes -> str: encodings are recognised, binary and damaged bytes are rejected with a reason."""

from __future__ import annotations

import pytest

from pipeline.ingest.decode import decode_bytes, signatures
from pipeline.ingest.models import Reason, Reject

ENGLISH = (
    "Officials from Harbin and Khabarovsk met on Tuesday to discuss cooperation between the two "
    "sister cities in education, culture and trade. "
)
ENGLISH_WITH_CHINESE = ENGLISH + "The Harbin Municipal Foreign Affairs Office (哈尔滨市外事办公室) hosted the talks. " + ENGLISH
RUSSIAN = (
    "Делегация Красноярска посетила Чанчунь. Стороны обсудили сотрудничество в области образования "
    "и культуры между городами-побратимами. "
) * 2
ENGLISH_WITH_CYRILLIC = ENGLISH + "Mayor Ivan Petrov (Иван Петров) welcomed the guests from Harbin. " + ENGLISH


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (ENGLISH, "utf-8"),
        (ENGLISH_WITH_CHINESE, "utf-8"),
        (ENGLISH_WITH_CHINESE, "utf-8-sig"),  # UTF-8 with BOM
        (ENGLISH, "utf-16"),  # BOM + native order
        (ENGLISH_WITH_CHINESE, "utf-16"),
        (ENGLISH, "utf-32"),
        (ENGLISH, "utf-16-le"),  # no BOM: NUL bytes reveal it
        (ENGLISH_WITH_CHINESE, "gbk"),
        (ENGLISH + "The office (国际合作处) hosted them.", "gbk"),  # few Chinese bytes: GBK beats EUC-KR
        (ENGLISH_WITH_CHINESE, "gb18030"),
        (RUSSIAN, "cp1251"),
        (ENGLISH_WITH_CYRILLIC, "cp1251"),
        (RUSSIAN, "koi8_r"),
        (ENGLISH + "Café owners in Montréal. " + ENGLISH, "cp1252"),
    ],
)
def test_decode_recognises_encoding(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding), "page.txt") == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), Reason.BINARY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", Reason.BINARY),
        (b"PK\x03\x04\x14\x00\x06\x00", Reason.BINARY),
        (b"\x1f\x8b\x08\x00" + bytes(32), Reason.BINARY),
        (b"text\x00\x01\x02\x03 with NULs and controls\x00\xff\x00" * 20, Reason.BINARY),
        ("Café naïve résumé — “quoted”. ".encode() * 3 + b"\xff\xc3\x28 end", Reason.UNDECODABLE),
        (bytes(range(0x80, 0x100)) * 4, Reason.UNDECODABLE),
        (b"\xff\xfe" + "odd".encode("utf-16-le") + b"\x00\xd8", Reason.UNDECODABLE),  # lone surrogate
    ],
)
def test_decode_rejects_non_text(data: bytes, reason: Reason) -> None:
    result = decode_bytes(data, "in/file.txt", record=7)
    assert isinstance(result, Reject)
    assert (result.reason, result.source, result.record) == (reason, "in/file.txt", 7)
    assert "in/file.txt" in result.detail


def test_decode_stray_nul_bytes_do_not_make_text_binary() -> None:
    assert decode_bytes((ENGLISH * 3 + "\x00").encode(), "page.txt") == ENGLISH * 3 + "\x00"


def test_decode_uses_declared_charset_when_utf8_fails() -> None:
    text = "Новости Харбина"  # too short for detection on its own
    assert decode_bytes(text.encode("koi8_r"), "page.html", declared="koi8-r") == text


def test_decode_ignores_unknown_declared_charset() -> None:
    assert decode_bytes(RUSSIAN.encode("cp1251"), "page.html", declared="no-such-charset") == RUSSIAN


def test_decode_signature_file_puts_byte_order_marks_first_longest_first() -> None:
    loaded = signatures()
    boms = [sig for sig in loaded if sig.encoding]
    assert loaded[: len(boms)] == tuple(boms)
    assert [len(sig.magic) for sig in boms] == sorted((len(sig.magic) for sig in boms), reverse=True)
