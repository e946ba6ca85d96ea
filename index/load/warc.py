"""WARC crawls (``.warc``, ``.warc.gz``), via warcio, read record by record, so of any size.

Each ``response`` record with status 200 and an HTML type is a page read like a saved one
(`index.load.html`), with the crawled url and the crawl time (``meta["crawled_at"]``, not a
publication date). Other records, redirects and errors are skipped. A corrupt or cut record ends the
reading with a `Problem`; the pages before it are kept. Not handled: ARC files, ``revisit`` records
(not resolved), pages other than HTML (PDF, feeds).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from ..types import Article, Problem
from . import html as html_page

SUFFIXES = frozenset({".warc", ".warc.gz"})


def read(path: Path, stream: BinaryIO) -> Iterator[Article | Problem]:
    """Each HTML page of an open crawl as an `Article` or a `Problem` (with the record's number)."""
    try:
        for number, record, html in _pages(stream):
            yield _article(path, number, record, html)
    except _CorruptRecord as e:
        cause = " ".join(f"{type(e.__cause__).__name__}: {e.__cause__}".split())[:120]
        yield Problem(str(path), e.number, f"record {e.number} is corrupt or cut ({cause}); "
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
    """The HTTP body of a ``response`` record with status 200 and an HTML type, else None."""
    http = record.http_headers
    if record.rec_type != "response" or http is None or http.get_statuscode() != "200":
        return None
    if "html" not in (http.get_header("Content-Type") or "").lower():
        return None
    return record.content_stream().read()


def _check_complete(record: Any) -> None:
    """Read the rest of the record; raise EOFError if the file ends in its headers or before its stated length."""
    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        raise EOFError("the record's headers are cut or lack Content-Length")
    while record.raw_stream.read(1 << 16):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise EOFError("the file ends inside this record")


def _article(path: Path, number: int, record: Any, html: bytes) -> Article | Problem:
    """The article of one page, its problem naming the record and url."""
    from trafilatura.utils import decode_file

    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    article = html_page.read(path, decode_file(html), number, url)
    if isinstance(article, Problem):
        return replace(article, reason=f"record {number} ({url}): {article.reason}")
    crawled = record.rec_headers.get_header("WARC-Date")
    return replace(article, meta={**article.meta, "crawled_at": crawled}) if crawled else article
