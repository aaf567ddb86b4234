"""Bytes -> str: byte order marks, binary formats, UTF-8 and legacy encodings.

Order of checks, and why:
1. a byte order mark names its encoding outright (UTF-8/16/32);
2. known binary signatures (images, archives, PDF) are rejected before any guessing;
3. many NUL bytes without a BOM mean UTF-16/32 or binary: only those encodings are tried;
4. strict UTF-8, the encoding of nearly all current pages;
5. bytes that are *mostly* valid UTF-8 are damaged UTF-8, not a legacy encoding: guessing
   one would turn every accented letter into mojibake, so they are rejected;
6. a declared charset (HTML ``<meta charset>``), then charset-normalizer restricted to the
   encodings this corpus can contain.
Only the charset is decoded here; character clean-up happens in ``lines`` so that
cleaned text can still be mapped back to this decoded ``raw_text``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import CharsetMatch, from_bytes

from pipeline.ingest.models import Reason, Reject
from pipeline.ingest.ruledata import PATTERNS_DIR, KindSpec, PatternFileError, load_rules

SIGNATURES_FILE = PATTERNS_DIR / "ingest_file_signatures.jsonl"

SIGNATURE_KINDS = {
    "bom": KindSpec(required={"hex": str, "encoding": str}, optional={}),
    "binary": KindSpec(required={"hex": str}, optional={"offset": int}),
}

# Legacy encodings a China/Russia news corpus realistically holds. Restricting
# charset-normalizer to them stops it from choosing look-alike code pages (it picks
# cp1125 over cp1251 for English with a few Cyrillic names).
LEGACY_ENCODINGS: tuple[str, ...] = (
    "gb18030",  # superset of GBK and GB2312 (mainland Chinese sites)
    "big5",  # Taiwan/Hong Kong Chinese
    "cp1251",  # Windows Cyrillic (Russian sites)
    "koi8_r",  # older Russian sites and mail archives
    "iso8859_5",  # ISO Cyrillic
    "cp866",  # DOS Cyrillic
    "cp1252",  # Windows Western European (English pages saved on Windows)
    "latin_1",  # ISO Western European
    "shift_jis",  # Japanese
    "euc_jp",  # Japanese
    "euc_kr",  # Korean
)

# Without a BOM, many NUL bytes mean UTF-16/32 text or binary data.
WIDE_ENCODINGS: tuple[str, ...] = ("utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be")
# A few stray NULs (scraper artefacts) do not make a text binary: up to this share of the
# sniffed bytes the file is decoded as usual and the NULs are removed with other controls.
STRAY_NUL_SHARE = 0.01

# Bytes examined for NULs and signatures: enough to see a header, cheap on 50 MB files.
SNIFF_BYTES = 64 * 1024



@dataclass(frozen=True)
class Signature:
    """A byte pattern at a fixed offset; ``encoding`` is set for byte order marks."""

    id: str
    magic: bytes
    offset: int
    encoding: str | None
    note: str


@lru_cache(maxsize=1)
def signatures() -> tuple[Signature, ...]:
    """BOMs and binary signatures from the rule file, BOMs longest first."""
    loaded: list[Signature] = []
    for rule in load_rules(SIGNATURES_FILE, SIGNATURE_KINDS):
        try:
            magic = bytes.fromhex(rule.fields["hex"])
        except ValueError as err:
            raise PatternFileError(f"{rule.where}: 'hex' is not hexadecimal ({err})") from err
        encoding = rule.fields.get("encoding")
        if encoding is not None:
            try:
                codecs.lookup(encoding)  # unknown codec names fail at load time, not per file
            except LookupError as err:
                raise PatternFileError(f"{rule.where}: unknown encoding {encoding!r}") from err
        loaded.append(Signature(rule.id, magic, rule.fields.get("offset", 0), encoding, rule.fields["note"]))
    return tuple(sorted(loaded, key=lambda sig: (sig.encoding is None, -len(sig.magic))))


def decode_bytes(data: bytes, source: str, *, record: int | None = None, declared: str | None = None) -> str | Reject:
    """Decode ``data`` to text, or say why it is not text (Reject ``binary``/``undecodable``)."""
    head = data[:SNIFF_BYTES]
    for sig in signatures():
        if head[sig.offset : sig.offset + len(sig.magic)] != sig.magic:
            continue
        if sig.encoding is not None:
            return _decode_with_bom(data[len(sig.magic) :], sig, source, record)
        return Reject(
            source, record, Reason.BINARY,
            f"{source} is not text but a binary file ({sig.note}); convert it to .txt, .html or .jsonl first.",
        )
    if head.count(0) > len(head) * STRAY_NUL_SHARE:
        return _decode_wide(data, source, record)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        damaged = _damaged_utf8(data, err, source, record)
    if damaged is not None:
        return damaged
    if declared:
        text = _try_declared(data, declared)
        if text is not None:
            return text
    match = _best_legacy_match(data)
    if match is None:
        return Reject(
            source, record, Reason.UNDECODABLE,
            f"{source} is neither UTF-8 nor a recognisable legacy encoding ({', '.join(LEGACY_ENCODINGS)}); "
            "re-save it as UTF-8.",
        )
    return str(match)


def _best_legacy_match(data: bytes) -> CharsetMatch | None:
    """charset-normalizer's best legacy match; exact ties go to the earlier LEGACY_ENCODINGS entry.

    With few non-ASCII bytes (English with a few Chinese names) several encodings decode
    without any oddity; ties are frequent, and for this corpus Chinese is likelier than Korean.
    """
    matches = list(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        return None
    preference = {codecs.lookup(name).name: rank for rank, name in enumerate(LEGACY_ENCODINGS)}

    def rank(match: CharsetMatch) -> tuple[float, float, int]:
        order = preference.get(codecs.lookup(match.encoding).name, len(preference))
        return (round(match.chaos, 3), -round(match.coherence, 3), order)

    return min(matches, key=rank)


def _decode_with_bom(body: bytes, sig: Signature, source: str, record: int | None) -> str | Reject:
    """Strict decoding in the encoding the byte order mark names."""
    assert sig.encoding is not None
    try:
        return body.decode(sig.encoding)
    except UnicodeDecodeError as err:
        return Reject(
            source, record, Reason.UNDECODABLE,
            f"{source} starts with a {sig.encoding} byte order mark but byte {err.start + len(sig.magic)} "
            f"is invalid in {sig.encoding}; the file is damaged or mislabelled. Re-save it as UTF-8.",
        )


def _decode_wide(data: bytes, source: str, record: int | None) -> str | Reject:
    """NUL bytes and no BOM: UTF-16/32 without a mark, or binary data."""
    match = from_bytes(data, cp_isolation=list(WIDE_ENCODINGS)).best()
    if match is None:
        return Reject(
            source, record, Reason.BINARY,
            f"{source} contains NUL bytes and is not UTF-16/32 text, so it is binary data; "
            "pass text, HTML or JSONL files only.",
        )
    return str(match)


def _damaged_utf8(data: bytes, error: UnicodeDecodeError, source: str, record: int | None) -> Reject | None:
    """An ``undecodable`` Reject when ``data`` is UTF-8 with some invalid bytes, else None.

    Valid multi-byte sequences outnumbering the invalid ones mean the file *is* UTF-8
    (legacy encodings rarely form valid UTF-8 sequences by chance).
    """
    lenient = data.decode("utf-8", errors="replace")
    n_replaced = lenient.count("\ufffd")
    n_invalid = n_replaced - data.count("\ufffd".encode("utf-8"))  # minus U+FFFD written in the file
    n_valid = len(lenient) - len(lenient.encode("ascii", errors="ignore")) - n_replaced
    if n_valid <= n_invalid:
        return None
    return Reject(
        source, record, Reason.UNDECODABLE,
        f"{source} is UTF-8 with {n_invalid} invalid byte sequence(s), the first at byte {error.start}; "
        "the file is damaged (truncated or mixed encodings). Repair it or re-save it as UTF-8.",
    )


def _try_declared(data: bytes, declared: str) -> str | None:
    """Strictly decode with a declared charset; None if unknown or it does not fit."""
    try:
        return data.decode(declared)
    except (LookupError, UnicodeDecodeError):
        return None
