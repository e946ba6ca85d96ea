"""Read sources into `Article` records: JSONL (FORMATS.md), ``.txt``/``.md`` files and HTML pages.

Paths may be files, directories (searched recursively) or glob patterns. Anything that
cannot be used is yielded as a `Problem` naming the file and line; the rest is still read.
Feeds and WARC crawls are not handled here yet; boilerplate left inside the text is the
cleaning stage's job.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from .types import Article, Problem

SUFFIXES = {".jsonl", ".txt", ".md", ".html", ".htm"}
KNOWN_FIELDS = {"id", "title", "text", "url", "source", "published_at", "language"}
_HEADER = re.compile(r"^(title|source|date|published_at|url|language|id)\s*:\s*(.+)$", re.I)
_RULE = re.compile(r"^[\s\-—–―_=*]+$")


def load(paths: Iterable[str | Path]) -> Iterator[Article | Problem]:
    """Yield an `Article` for every readable record and a `Problem` for everything else."""
    for path in paths:
        files, problem = _expand(str(path))
        if problem:
            yield problem
        for file in files:
            yield from load_file(file)


def load_file(path: Path) -> Iterator[Article | Problem]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield Problem(str(path), None, f"unsupported file type '{suffix}'; use .jsonl, .txt, .md or .html")
        return
    try:
        data = path.read_bytes()
    except OSError as e:
        yield Problem(str(path), None, f"cannot read file ({e.strerror}); check the path and its permissions")
        return
    if b"\x00" in data[:8192]:
        yield Problem(str(path), None, "binary file, not text; remove it from the sources")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        yield Problem(str(path), None, f"not valid UTF-8 at byte {e.start}; re-save the file as UTF-8")
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(path, text)
    elif suffix in (".html", ".htm"):
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
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES), None
    if path.exists():
        return [path], None
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    if matches:
        return [p for p in matches if p.is_file() and p.suffix.lower() in SUFFIXES], None
    return [], Problem(pattern, None, "no such file or directory; check the path")


def _read_jsonl(path: Path, text: str) -> Iterator[Article | Problem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            yield Problem(str(path), number, f"invalid JSON ({e.msg} at column {e.colno}); fix or delete the line")
            continue
        if not isinstance(record, dict):
            yield Problem(str(path), number, "expected a JSON object with at least a 'text' field")
            continue
        yield _from_record(record, str(path), number)


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
    article = _from_record(record, str(path), None)
    if isinstance(article, Article) and not article.title:
        article = replace(article, title=_first_sentence(article.text))
    yield article


def _first_sentence(text: str, limit: int = 90) -> str:
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].splitlines()[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"


def _read_html(path: Path, html: str) -> Article | Problem:
    """Main text, headline, outlet, date, url and language of a saved page, via trafilatura."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False,
        date_extraction_params={"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"},
    )
    if doc is None or not (doc.text or "").strip():
        return Problem(str(path), None, "no article text found in the page; save the article page itself, not an index page")
    lines = doc.text.strip().splitlines()
    if doc.title and lines and lines[0].strip() == doc.title.strip():
        lines = lines[1:]
    record = {"text": "\n".join(lines), "title": doc.title, "source": doc.sitename, "url": doc.url, "language": doc.language}
    stated = _stated_timestamp(html)
    if stated and (not doc.date or stated.startswith(doc.date[:10])):
        record["published_at"] = stated
    elif doc.date:
        record["published_at"] = doc.date
    if doc.author:
        record["author"] = doc.author
    return _from_record(record, str(path), None)


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
