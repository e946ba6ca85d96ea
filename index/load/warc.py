"""WARC crawls (``.warc``, ``.warc.gz``), via warcio, read record by record, so of any size.

Each ``response`` record with status 200 and an HTML type is a page read like a saved one
(`index.load.html`), with the crawled url and the crawl time (``meta["crawled_at"]``, not a
publication date). Other records, redirects and errors are skipped. A page body is decompressed (HTTP
``Content-Encoding``) only up to `MAX_PAGE_BYTES`: a larger one, a compression bomb among them, is a
`Problem` for its record, as is a page whose Content-Type says UTF-8 when it is not, or one that fails
for any other reason (with the type and message of the unexpected error); the other records are still
read. Records are read through in blocks, so memory stays bounded whatever their size (by what one
16 KB compressed block inflates to in warcio: some 50 MB at worst); the time to inflate a huge record
is not bounded. A corrupt or cut record ends the reading with a `Problem`; the pages before it are
kept. Not handled: ARC files, ``revisit`` records (not resolved), pages other than HTML (PDF, feeds).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from ..types import Article, Problem
from . import html as html_page
from .records import MAX_PAGE_BYTES, DateRange, noted, unexpected

SUFFIXES = frozenset({".warc", ".warc.gz"})


def read(path: Path, stream: BinaryIO, dates: DateRange) -> Iterator[Article | Problem]:
    """Each HTML page of an open crawl as an `Article` or a `Problem` (with the record's number)."""
    try:
        for number, record, html in _pages(stream):
            yield from noted(_checked_article(path, number, record, html, dates), str(path), number)
    except _CorruptRecord as e:
        yield Problem(str(path), e.number, f"record {e.number} is corrupt or cut ({unexpected(e.__cause__)}); "
                                           "re-download the crawl (the pages before it were read)")


class _CorruptRecord(Exception):
    """A WARC record that cannot be read; the cause is chained."""

    def __init__(self, number: int):
        super().__init__(f"record {number}")
        self.number = number


def _pages(stream: BinaryIO) -> Iterator[tuple[int, Any, bytes]]:
    """(record number, record, HTML body) of each page; raises `_CorruptRecord` at the first damaged record."""
    from warcio.archiveiterator import ArchiveIterator

    number, end = 1, 0
    try:
        records = ArchiveIterator(stream)
        for number, record in enumerate(records, start=1):
            html = _html_body(record)
            _check_complete(record)
            end = records.get_record_offset() + records.get_record_length()
            if html is not None:
                yield number, record, html
            number += 1  # a failure from here on is in the next record
        stream.seek(end)
        if stream.read(1 << 16).strip():  # warcio ends quietly on a record whose headers are cut
            raise EOFError("the file ends inside this record")
    except Exception as e:  # warcio raises many kinds (ValueError, AttributeError, zlib.error...) on damaged input
        raise _CorruptRecord(number) from e


def _html_body(record: Any) -> bytes | None:
    """The HTTP body of a ``response`` record with status 200 and an HTML type, else None; at most one byte over the limit."""
    http = record.http_headers
    if record.rec_type != "response" or http is None or http.get_statuscode() != "200":
        return None
    if "html" not in (http.get_header("Content-Type") or "").lower():
        return None
    return record.content_stream().read(MAX_PAGE_BYTES + 1)  # one byte more tells a page over the limit


def _check_complete(record: Any) -> None:
    """Read the rest of the record; raise EOFError if the file ends in its headers or before its stated length."""
    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        raise EOFError("the record's headers are cut or lack Content-Length")
    while record.raw_stream.read(1 << 16):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise EOFError("the file ends inside this record")


def _checked_article(path: Path, number: int, record: Any, html: bytes, dates: DateRange) -> Article | Problem:
    """The article of one page, or the problem naming the record and url, whatever goes wrong in it."""
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if len(html) > MAX_PAGE_BYTES:
        return Problem(str(path), number, f"record {number} ({url}): page is over {MAX_PAGE_BYTES // 10**6} MB once "
                                          "decompressed; it is not read (remove it from the crawl if it is a real page)")
    try:
        return _article(path, number, url, record, html, dates)
    except Exception as e:  # noqa: BLE001 (one page, whatever it holds, must not stop the crawl)
        return Problem(str(path), number, f"record {number} ({url}): page cannot be read ({unexpected(e)}); "
                                          "remove the record or report the page")


def _article(path: Path, number: int, url: str, record: Any, html: bytes, dates: DateRange) -> Article | Problem:
    """The article of one page, its problem naming the record and url."""
    from trafilatura.utils import decode_file

    content_type = (record.http_headers.get_header("Content-Type") or "").lower().replace(" ", "")
    if "charset=utf-8" in content_type:
        try:
            page = html.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return Problem(str(path), number, f"record {number} ({url}): page is not valid UTF-8 (as its Content-Type "
                                              f"states) at byte {e.start}; re-crawl the page")
    else:
        page = decode_file(html)  # the charset the page states, else a guess
    article = html_page.read(path, page, dates, number, url)
    if isinstance(article, Problem):
        return replace(article, reason=f"record {number} ({url}): {article.reason}")
    crawled = record.rec_headers.get_header("WARC-Date")
    return replace(article, meta={**article.meta, "crawled_at": crawled}) if crawled else article
