"""Find input files and turn each into Articles or Rejects: the entry point of ingest.

``iter_inputs`` walks a folder recursively (or takes one file) in sorted order, so runs
are reproducible, and streams: one file is read at a time and JSONL line by line.
Hidden entries (names starting with '.') are skipped: they are editor, VCS and OS files,
not articles. Links to folders below the input path are not followed (a loop would never
end); the input path itself may be one, and links to files are followed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.ingest.article import article_from_text
from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.html import article_from_html_bytes
from pipeline.ingest.jsonl import iter_jsonl
from pipeline.ingest.models import Article, Reason, Reject

# Largest .txt/.html file read: the decoded text and its cleaned copy stay in memory
# together, and a real article page is well under 5 MB; 50 MB leaves room for inline
# scripts and images without letting a stray dump exhaust memory. JSONL files may be
# larger: they are read a line at a time, with the same limit per line.
MAX_FILE_BYTES = 50 * 1024 * 1024

TEXT_SUFFIXES = frozenset({".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def iter_inputs(path: Path) -> Iterator[Article | Reject]:
    """Articles and Rejects for every input under ``path``, in sorted path order.

    An article whose ``article_id`` was already yielded becomes a ``duplicate`` Reject
    naming the first copy; the ids seen so far are the only state kept.
    """
    first_seen: dict[str, str] = {}
    for file_path in iter_paths(Path(path)):
        for item in read_file(file_path):
            if isinstance(item, Article):
                first = first_seen.setdefault(item.article_id, item.source_label)
                if first != item.source_label:
                    yield Reject(
                        item.source, item.record, Reason.DUPLICATE,
                        f"{item.source_label} has the same text as {first} (article {item.article_id}); "
                        "the copy was skipped. Remove one of the two if this is unexpected.",
                    )
                    continue
            yield item


def iter_paths(path: Path) -> Iterator[Path]:
    """``path`` itself unless it is a folder; else every non-hidden entry below it, sorted."""
    if path.is_dir():
        yield from _walk(path)
    else:
        yield path


def _walk(folder: Path) -> Iterator[Path]:
    """Depth-first walk in name order; folders are entered where their name sorts."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        yield folder  # read_file reports the folder as unreadable
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        entry_path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry_path)
        else:
            yield entry_path


def read_file(path: Path) -> Iterator[Article | Reject]:
    """Articles and Rejects of one file, dispatched on its suffix."""
    source = str(path)
    problem = _check_path(path, source)
    if problem is not None:
        yield problem
        return
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            with path.open("rb") as handle:
                yield from iter_jsonl(handle, source)
            return
        reader = _WHOLE_FILE_READERS.get(suffix)
        if reader is None:
            yield Reject(
                source, None, Reason.UNSUPPORTED_TYPE,
                f"{source} has suffix {path.suffix or '(none)'!r}; only .txt/.text, .html/.htm and .jsonl/.ndjson "
                "files are read. Convert it or move it out of the input folder.",
            )
            return
        yield reader(_read_bytes(path), source)
    except OSError as err:
        yield _unreadable(source, err)


def _check_path(path: Path, source: str) -> Reject | None:
    """Why the path cannot be read as a file (missing, folder link, special file, too large), or None."""
    try:
        info = path.stat()
    except OSError as err:
        return _unreadable(source, err)
    if stat.S_ISDIR(info.st_mode):
        if path.is_symlink():
            detail = (
                f"{source} is a link to a folder; links inside the input folder are not followed "
                "(they can loop). Pass the linked folder itself."
            )
        else:
            detail = f"{source} is a folder whose entries cannot be listed; check its permissions."
        return Reject(source, None, Reason.UNREADABLE, detail)
    if not stat.S_ISREG(info.st_mode):
        return Reject(
            source, None, Reason.UNREADABLE,
            f"{source} is not a regular file (a pipe, socket or device); only files are read.",
        )
    is_jsonl = path.suffix.lower() in JSONL_SUFFIXES
    if info.st_size > MAX_FILE_BYTES and not is_jsonl:
        return Reject(
            source, None, Reason.TOO_LARGE,
            f"{source} is {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for one article; "
            "it is not read. Split it into single articles (or a .jsonl file, one article a line).",
        )
    return None


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, never more than the limit (a file may grow after stat)."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def _text_file(data: bytes, source: str) -> Article | Reject:
    """A .txt file: decode, then the shared plain-text cleaning."""
    if len(data) > MAX_FILE_BYTES:
        return Reject(source, None, Reason.TOO_LARGE, f"{source} grew over {MAX_FILE_BYTES:,} bytes while being read.")
    decoded = decode_bytes(data, source)
    if isinstance(decoded, Reject):
        return decoded
    return article_from_text(decoded, source)


def _html_file(data: bytes, source: str) -> Article | Reject:
    """An .html file: decode (declared charset honoured) and extract the article."""
    if len(data) > MAX_FILE_BYTES:
        return Reject(source, None, Reason.TOO_LARGE, f"{source} grew over {MAX_FILE_BYTES:,} bytes while being read.")
    return article_from_html_bytes(data, source)


_WHOLE_FILE_READERS: dict[str, Callable[[bytes, str], Article | Reject]] = {
    **{suffix: _text_file for suffix in TEXT_SUFFIXES},
    **{suffix: _html_file for suffix in HTML_SUFFIXES},
}


def _unreadable(source: str, err: OSError) -> Reject:
    """The Reject for an OS error, naming the cause."""
    if isinstance(err, FileNotFoundError):
        cause = "does not exist (or is a broken link)"
    elif isinstance(err, PermissionError):
        cause = "cannot be read: permission denied"
    elif isinstance(err, IsADirectoryError):
        cause = "is a folder, not a file"
    else:
        cause = f"cannot be read ({err.strerror or err})"
    return Reject(source, None, Reason.UNREADABLE, f"{source} {cause}; check the path and its permissions.")
