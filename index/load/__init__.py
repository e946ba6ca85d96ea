"""The one reader of sources: files, folders (searched recursively) and glob patterns -> `Article` records.

Each file goes to the module of its type: `jsonl` (FORMATS.md records), `text` (``.txt``/``.md``),
`html` (saved pages), `feed` (RSS/Atom: ``.rss``, ``.atom``, ``.xml``) and `warc` (crawls: ``.warc``,
``.warc.gz``); each maps its input to the record of `records`. JSONL files and crawls are streamed;
pages and feeds are read whole, once they pass the checks here (size limit, not empty, and for pages
not binary and UTF-8). Anything that cannot be used is yielded as a `Problem` naming the file and
line (entry or record for feeds and crawls); the rest is still read. Each reader isolates its records;
an unexpected error that still escapes one ends only that file, as a `Problem` with the error's type
and message (the articles read before it are kept). Publication dates outside `DateRange` (before
1800, or in the future) are not taken: the article is read undated and a `Problem` says so. An article
that states no language gets the detected one. Not handled: other file types (a `Problem` each), compressed files
other than ``.warc.gz``, encodings other than UTF-8 for pages (feeds and crawls state their own);
boilerplate left in the text is the cleaning stage's job (`index.clean`).
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from ..language import detect_language
from ..types import Article, Problem
from . import feed, html, jsonl, text, warc
from .records import MAX_PAGE_BYTES, DateRange, article_id, noted, parse_date, unexpected

__all__ = ["MAX_PAGE_BYTES", "SUFFIXES", "DateRange", "article_id", "load", "load_file", "parse_date", "suffix_of"]

SUFFIXES = jsonl.SUFFIXES | text.SUFFIXES | html.SUFFIXES | feed.SUFFIXES | warc.SUFFIXES
BINARY_SNIFF_BYTES = 8192  # a NUL byte in this many first bytes makes a page binary


def load(paths: Iterable[str | Path], dates: DateRange | None = None) -> Iterator[Article | Problem]:
    """Yield an `Article` for every readable record and a `Problem` for everything else.

    ``dates`` are the publication dates taken as such (by default: up to a day after the clock's now).
    """
    dates = dates or DateRange.from_clock()
    for path in paths:
        files, problem = _expand(str(path))
        if problem:
            yield problem
        for file in files:
            yield from load_file(file, dates)


def load_file(path: Path, dates: DateRange) -> Iterator[Article | Problem]:
    """Read one file; an article that states no language gets the detected one."""
    try:
        for item in _read_file(path, dates):
            if isinstance(item, Article) and not item.language:
                item = replace(item, language=detect_language(item.text))
            yield item
    except Exception as e:  # noqa: BLE001 (a reader's unforeseen failure ends this file only)
        yield Problem(str(path), None, f"cannot be read further ({unexpected(e)}); the articles before it were read, "
                                       "fix or remove the file")


def suffix_of(path: Path) -> str:
    """The lower-case file type, ``.warc.gz`` counted as one."""
    return ".warc.gz" if path.name.lower().endswith(".warc.gz") else path.suffix.lower()


def _expand(pattern: str) -> tuple[list[Path], Problem | None]:
    """The readable files a path, folder or glob names, or the `Problem` that it names nothing."""
    path = Path(pattern)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and suffix_of(p) in SUFFIXES), None
    if path.exists():
        return [path], None
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    if matches:
        return [p for p in matches if p.is_file() and suffix_of(p) in SUFFIXES], None
    return [], Problem(pattern, None, "no such file or directory; check the path")


def _read_file(path: Path, dates: DateRange) -> Iterator[Article | Problem]:
    """The records of one file, by its type."""
    suffix = suffix_of(path)
    if suffix not in SUFFIXES:
        yield Problem(str(path), None, f"unsupported file type '{suffix}'; use .jsonl, .txt, .md, .html, "
                                       ".rss/.atom/.xml feeds or .warc/.warc.gz crawls")
    elif suffix in jsonl.SUFFIXES:
        yield from _read_streamed(path, jsonl.read, dates)
    elif suffix in warc.SUFFIXES:
        yield from _read_streamed(path, warc.read, dates)
    else:
        yield from _read_page(path, suffix, dates)


def _read_streamed(path: Path, read: Callable[[Path, BinaryIO, DateRange], Iterator[Article | Problem]],
                   dates: DateRange) -> Iterator[Article | Problem]:
    """A JSONL file or crawl of any size, read by ``read`` from the open file."""
    try:
        stream = path.open("rb")
    except OSError as e:
        yield _unreadable(path, e)
        return
    with stream:
        yield from read(path, stream, dates)


def _read_page(path: Path, suffix: str, dates: DateRange) -> Iterator[Article | Problem]:
    """A text or HTML page or a feed, read whole."""
    data = _page_bytes(path)
    if isinstance(data, Problem):
        yield data
    elif suffix in feed.SUFFIXES:
        yield from feed.read(path, data, dates)
    elif isinstance(page := _decode(path, data), Problem):
        yield page
    else:
        yield from noted((html.read if suffix in html.SUFFIXES else text.read)(path, page, dates), str(path), None)


def _page_bytes(path: Path) -> bytes | Problem:
    """The bytes of a page or feed, unless it is too large, empty or unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            return Problem(str(path), None, f"{size / 1e6:.0f} MB is too large for one page or feed (limit "
                                            f"{MAX_PAGE_BYTES // 10**6} MB); split it or convert it to JSONL")
        if size == 0:
            return Problem(str(path), None, "empty file; remove it from the sources")
        return path.read_bytes()
    except OSError as e:
        return _unreadable(path, e)


def _decode(path: Path, data: bytes) -> str | Problem:
    """A page's text, unless it is binary or not UTF-8 (a byte-order mark is dropped)."""
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return Problem(str(path), None, "binary file, not text; remove it from the sources")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return Problem(str(path), None, f"not valid UTF-8 at byte {e.start}; re-save the file as UTF-8")


def _unreadable(path: Path, error: OSError) -> Problem:
    return Problem(str(path), None, f"cannot read file ({error.strerror}); check the path and its permissions")
