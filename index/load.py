"""Read sources into `Article` records: JSONL (FORMATS.md), ``.txt``/``.md`` files, HTML pages,
RSS/Atom feeds (``.rss``, ``.atom``, ``.xml``) and WARC crawls (``.warc``, ``.warc.gz``).

Paths may be files, directories (searched recursively) or glob patterns. Anything that
cannot be used is yielded as a `Problem` naming the file and line (entry or record for feeds
and crawls); the rest is still read. Articles that state no language get a detected one.
ARC files and WARC ``revisit`` records are not read; boilerplate left inside the text is the
cleaning stage's job.
"""

from __future__ import annotations

import email.utils
import glob
import hashlib
import io
import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from .types import Article, Problem

FEED_SUFFIXES = {".rss", ".atom", ".xml"}
WARC_SUFFIXES = {".warc", ".warc.gz"}
SUFFIXES = {".jsonl", ".txt", ".md", ".html", ".htm"} | FEED_SUFFIXES | WARC_SUFFIXES
KNOWN_FIELDS = {"id", "title", "text", "url", "source", "published_at", "language"}
MIN_LETTERS_FOR_LANGUAGE = 20
_HEADER = re.compile(r"^(title|source|date|published_at|url|language|id)\s*:\s*(.+)$", re.I)
MAX_PAGE_BYTES = 50 * 10**6  # one text/HTML page or feed; JSONL and WARC files are streamed, any size
_RULE = re.compile(r"^[\s\-—–―_=*]+$")
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr",
           "section", "article", "figure", "figcaption", "header", "footer", "hr")


def load(paths: Iterable[str | Path]) -> Iterator[Article | Problem]:
    """Yield an `Article` for every readable record and a `Problem` for everything else."""
    for path in paths:
        files, problem = _expand(str(path))
        if problem:
            yield problem
        for file in files:
            yield from load_file(file)


def load_file(path: Path) -> Iterator[Article | Problem]:
    """Read one file; an article that states no language gets the detected one."""
    for item in _read_file(path):
        if isinstance(item, Article) and not item.language:
            item = replace(item, language=detect_language(item.text))
        yield item


def detect_language(text: str) -> str:
    """ISO 639-1 code of the most likely language of ``text`` (offline, py3langid's bundled model).

    Returns "" for texts with fewer than `MIN_LETTERS_FOR_LANGUAGE` letters, too short to tell.
    """
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS_FOR_LANGUAGE:
        return ""
    import py3langid

    return py3langid.classify(text)[0]


def suffix_of(path: Path) -> str:
    """The lower-case file type, ``.warc.gz`` counted as one."""
    return ".warc.gz" if path.name.lower().endswith(".warc.gz") else path.suffix.lower()


def _read_file(path: Path) -> Iterator[Article | Problem]:
    suffix = suffix_of(path)
    if suffix not in SUFFIXES:
        yield Problem(str(path), None, f"unsupported file type '{suffix}'; use .jsonl, .txt, .md, .html, "
                                       ".rss/.atom/.xml feeds or .warc/.warc.gz crawls")
        return
    if suffix in WARC_SUFFIXES:
        yield from _read_warc(path)
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(path)
        return
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            yield Problem(str(path), None, f"{size / 1e6:.0f} MB is too large for one page or feed (limit "
                                           f"{MAX_PAGE_BYTES // 10**6} MB); split it or convert it to JSONL")
            return
        if size == 0:
            yield Problem(str(path), None, "empty file; remove it from the sources")
            return
        data = path.read_bytes()
    except OSError as e:
        yield Problem(str(path), None, f"cannot read file ({e.strerror}); check the path and its permissions")
        return
    if suffix in FEED_SUFFIXES:
        yield from _read_feed(path, data)
        return
    if b"\x00" in data[:8192]:
        yield Problem(str(path), None, "binary file, not text; remove it from the sources")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        yield Problem(str(path), None, f"not valid UTF-8 at byte {e.start}; re-save the file as UTF-8")
        return
    if suffix in (".html", ".htm"):
        yield _read_html(path, text)
    else:
        yield from _read_text(path, text)


def article_id(text: str, url: str = "") -> str:
    """A stable id: from the url when there is one, else from the normalised text."""
    basis = url.strip() or " ".join(text.lower().split())
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def parse_date(value: str) -> datetime:
    """Parse an ISO-8601 date or datetime; naive values are taken as UTC."""
    value = value.strip()
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _expand(pattern: str) -> tuple[list[Path], Problem | None]:
    path = Path(pattern)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and suffix_of(p) in SUFFIXES), None
    if path.exists():
        return [path], None
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    if matches:
        return [p for p in matches if p.is_file() and suffix_of(p) in SUFFIXES], None
    return [], Problem(pattern, None, "no such file or directory; check the path")


def _read_jsonl(path: Path) -> Iterator[Article | Problem]:
    """Read line by line (any size); a line that is not UTF-8 or not JSON is reported alone."""
    try:
        f = path.open("rb")
    except OSError as e:
        yield Problem(str(path), None, f"cannot read file ({e.strerror}); check the path and its permissions")
        return
    with f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as e:
                yield Problem(str(path), number, f"not valid UTF-8 at byte {e.start} of the line; re-save the file as UTF-8")
                continue
            if b"\x00" in raw:
                yield Problem(str(path), number, "binary data, not a JSON line; remove it from the sources")
                continue
            yield _jsonl_record(path, number, line)


def _jsonl_record(path: Path, number: int, line: str) -> Article | Problem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        return Problem(str(path), number, f"invalid JSON ({e.msg} at column {e.colno}); fix or delete the line")
    if not isinstance(record, dict):
        return Problem(str(path), number, "expected a JSON object with at least a 'text' field")
    return _from_record(record, str(path), number)


def _from_record(record: dict, path: str, number: int | None) -> Article | Problem:
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        return Problem(path, number, "field 'text' is missing or empty; every article needs its body text")
    fields = {}
    for name in ("id", "title", "url", "source", "language"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            value = str(value)
        fields[name] = (value or "").strip()
    published = None
    raw_date = record.get("published_at")
    meta = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    if raw_date:
        try:
            published = parse_date(str(raw_date))
        except ValueError:
            meta["date_problem"] = (
                f"field 'published_at': cannot parse {raw_date!r}; use ISO-8601 such as 2024-06-17 "
                "or 2024-06-17T09:30:00+02:00 (article kept without a date)"
            )
    return Article(
        id=fields["id"] or article_id(body, fields["url"]),
        text=body.strip(),
        title=fields["title"],
        url=fields["url"],
        source=fields["source"],
        published_at=published,
        language=fields["language"].lower(),
        meta=meta,
    )


def _read_text(path: Path, text: str) -> Iterator[Article | Problem]:
    """A text file is one article; ``Title:``/``Source:``/``Date:``/``URL:`` header lines are optional.

    A short first line followed by a rule line (``—``, ``---``) is read as the outlet's masthead.
    """
    lines = text.strip().splitlines()
    record: dict = {}
    while lines and (match := _HEADER.match(lines[0].strip())):
        key = match.group(1).lower()
        record[{"date": "published_at"}.get(key, key)] = match.group(2).strip()
        lines.pop(0)
    if len(lines) > 2 and len(lines[0].strip()) <= 40 and _RULE.match(lines[1]) and "source" not in record:
        record["source"] = lines[0].strip()
        lines = lines[2:]
    record["text"] = "\n".join(lines).strip()
    if path.suffix.lower() == ".md" and lines and lines[0].startswith("#") and "title" not in record:
        record["title"] = lines[0].lstrip("#").strip()
        record["text"] = "\n".join(lines[1:]).strip()
    if "published_at" not in record:
        stated = _written_date(lines[:15])
        record["published_at"] = stated.isoformat() if stated else None
    article = _from_record(record, str(path), None)
    if isinstance(article, Article) and not article.title:
        from .clean import clean_text  # menus and bylines are not titles

        article = replace(article, title=_first_sentence(clean_text(article.text)[0] or article.text))
    yield article


_MONTHS = {
    name: n for n, names in enumerate([
        ("january", "jan", "enero"), ("february", "feb", "febrero"), ("march", "mar", "marzo"), ("april", "apr", "abril"),
        ("may", "mayo"), ("june", "jun", "junio"), ("july", "jul", "julio"), ("august", "aug", "agosto"),
        ("september", "sep", "sept", "septiembre", "setiembre"), ("october", "oct", "octubre"),
        ("november", "nov", "noviembre"), ("december", "dec", "diciembre"),
    ], start=1) for name in names
}
# "14 June 2024, 08:15", "12 de junio de 2024, 10:42", "June 14, 2024"
_WRITTEN_DATE = re.compile(
    r"\b(?:(?P<d>\d{1,2})\s+(?:de\s+)?(?P<m>[a-záé]+)\.?\s+(?:de\s+)?(?P<y>\d{4})"
    r"|(?P<m2>[a-z]+)\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4}))(?:,?\s+(?:a las\s+)?(?P<H>\d{1,2}):(?P<M>\d{2}))?",
    re.I,
)


def _written_date(lines: list[str]) -> datetime | None:
    """A date written out in a byline or dateline near the top of a page (UTC when no zone is given)."""
    for line in lines:
        for match in _WRITTEN_DATE.finditer(line):
            month = _MONTHS.get((match.group("m") or match.group("m2")).lower())
            if not month:
                continue
            day, year = int(match.group("d") or match.group("d2")), int(match.group("y") or match.group("y2"))
            try:
                return datetime(year, month, day, int(match.group("H") or 0), int(match.group("M") or 0), tzinfo=timezone.utc)
            except ValueError:
                continue
    return None


def _first_sentence(text: str, limit: int = 90) -> str:
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].splitlines()[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"


def _read_html(path: Path, html: str, number: int | None = None, url: str = "") -> Article | Problem:
    """Main text, headline, outlet, date and url of a saved page, via trafilatura.

    ``url`` (where the page was fetched from) overrides the page's canonical link.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False,
        date_extraction_params={"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"},
    )
    if doc is None or not (doc.text or "").strip():
        return Problem(str(path), number, "no article text found in the page; save the article page itself, not an index page")
    lines = doc.text.strip().splitlines()
    if doc.title and lines and lines[0].strip() == doc.title.strip():
        lines = lines[1:]
    record = {"text": "\n".join(lines), "title": doc.title, "source": doc.sitename, "url": url or doc.url, "language": doc.language}
    stated = _stated_timestamp(html)
    if stated and (not doc.date or stated.startswith(doc.date[:10])):
        record["published_at"] = stated
    elif doc.date:
        record["published_at"] = doc.date
    if doc.author:
        record["author"] = doc.author
    return _from_record(record, str(path), number)


def _stated_timestamp(html: str) -> str | None:
    """The publication time a page states in machine-readable form (meta tag, JSON-LD, ``<time>``).

    trafilatura finds the right day but often drops the time and offset, which matter for
    ordering same-day reports; this reads them back.
    """
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    candidates = tree.xpath("//meta[@property='article:published_time' or @itemprop='datePublished']/@content")
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else data.get("@graph", [data]):
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                candidates.append(item["datePublished"])
    candidates += tree.xpath("//article//time/@datetime | //time[@pubdate]/@datetime | //time/@datetime")
    for value in candidates:
        if "T" in value:
            try:
                return parse_date(value).isoformat()
            except ValueError:
                continue
    return None


def _read_feed(path: Path, data: bytes) -> Iterator[Article | Problem]:
    """Each entry of an RSS or Atom feed, via feedparser; enclosures and comment feeds are not read."""
    import feedparser

    feed = feedparser.parse(io.BytesIO(data))
    error = feed.get("bozo_exception") if feed.bozo else None
    if isinstance(error, feedparser.ThingsNobodyCaresAboutButMe):
        error = None
    if not feed.get("version"):
        reason = f"not a readable feed ({error})" if error else "not an RSS or Atom feed"
        yield Problem(str(path), None, f"{reason}; .rss/.atom/.xml files must hold a complete feed, remove it from the sources")
        return
    if error:
        yield Problem(str(path), None, f"feed is not well-formed XML ({error}); entries were read leniently, re-download the feed")
    source = _plain(feed.feed, "title")
    for number, entry in enumerate(feed.entries, start=1):
        yield _feed_article(path, number, entry, source)


def _feed_article(path: Path, number: int, entry: dict, source: str) -> Article | Problem:
    texts = [_html_text(c.get("value", ""), c.get("type", "")) for c in entry.get("content", [])]
    text = next((t for t in texts if t), "") or _html_text(entry.get("summary", ""), entry.get("summary_detail", {}).get("type", ""))
    if not text:
        return Problem(str(path), number, f"entry {number} has no text (no content or summary); "
                                          "use the full-text feed or save the article pages instead")
    url = entry.get("link", "").strip()
    published = _entry_date(entry)
    meta = {"author": entry["author"]} if entry.get("author") else {}
    return Article(
        id=entry.get("id", "").strip() or article_id(text, url), text=text, title=_plain(entry, "title"),
        url=url, source=source, published_at=published, meta=meta,
    )


def _plain(element: dict, key: str) -> str:
    """A feed element's one-line text (a title), markup removed when the feed marks it as HTML."""
    return " ".join(_html_text(element.get(key, ""), element.get(f"{key}_detail", {}).get("type", "")).split())


def _entry_date(entry: dict) -> datetime | None:
    """Publication (else update) time of a feed entry, keeping the offset the feed states.

    Falls back to feedparser's parse of other date formats, which is in UTC.
    """
    for key in ("published", "updated"):
        stated = entry.get(key, "")
        for parse in (parse_date, email.utils.parsedate_to_datetime):
            try:
                when = parse(stated)
            except (ValueError, TypeError):
                continue
            return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        if entry.get(f"{key}_parsed"):
            return datetime(*entry[f"{key}_parsed"][:6], tzinfo=timezone.utc)
    return None


def _html_text(content: str, content_type: str = "text/html") -> str:
    """Plain text of an HTML fragment, a paragraph per block element (``<br>`` starts a line).

    Scripts and styles are dropped; images, tables' cell layout and links' targets are not kept.
    """
    if not content.strip():
        return ""
    if "html" in content_type:
        from lxml import etree, html as lxml_html

        root = lxml_html.fragment_fromstring(content, create_parent="div")
        etree.strip_elements(root, "script", "style", "noscript", etree.Comment, with_tail=False)
        for element in root.iter(*_BLOCKS):
            element.text, element.tail = "\n\n" + (element.text or ""), "\n\n" + (element.tail or "")
        for element in root.iter("br"):
            element.tail = "\n" + (element.tail or "")
        content = root.text_content()
    lines = (" ".join(line.split()) for line in content.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _read_warc(path: Path) -> Iterator[Article | Problem]:
    """The HTML pages of a WARC crawl (``response`` records with status 200), via warcio.

    Other records, redirects and errors are skipped; ``revisit`` records are not resolved.
    A corrupt or cut record ends the reading with a `Problem`; the pages before it are kept.
    """
    try:
        stream = path.open("rb")
    except OSError as e:
        yield Problem(str(path), None, f"cannot read file ({e.strerror}); check the path and its permissions")
        return
    try:
        with stream:
            for number, record, html in _warc_pages(stream):
                yield _warc_article(path, number, record, html)
    except _CorruptRecord as e:
        cause = " ".join(f"{type(e.__cause__).__name__}: {e.__cause__}".split())[:120]
        yield Problem(str(path), e.number, f"record {e.number} is corrupt or cut ({cause}); "
                                           "re-download the crawl (the pages before it were read)")


class _CorruptRecord(Exception):
    """A WARC record that cannot be read; the cause is chained."""

    def __init__(self, number: int):
        super().__init__(f"record {number}")
        self.number = number


def _warc_pages(stream: BinaryIO) -> Iterator[tuple[int, Any, bytes]]:
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


def _html_body(record) -> bytes | None:
    """The HTTP body of a ``response`` record with status 200 and an HTML type, else None."""
    http = record.http_headers
    if record.rec_type != "response" or http is None or http.get_statuscode() != "200":
        return None
    if "html" not in (http.get_header("Content-Type") or "").lower():
        return None
    return record.content_stream().read()


def _check_complete(record) -> None:
    """Read the rest of the record; raise EOFError if the file ends in its headers or before its stated length."""
    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        raise EOFError("the record's headers are cut or lack Content-Length")
    while record.raw_stream.read(1 << 16):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise EOFError("the file ends inside this record")


def _warc_article(path: Path, number: int, record, html: bytes) -> Article | Problem:
    from trafilatura.utils import decode_file

    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    article = _read_html(path, decode_file(html), number, url)
    if isinstance(article, Problem):
        return replace(article, reason=f"record {number} ({url}): {article.reason}")
    crawled = record.rec_headers.get_header("WARC-Date")
    return replace(article, meta={**article.meta, "crawled_at": crawled}) if crawled else article
