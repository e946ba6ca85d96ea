"""Saved HTML pages (``.html``, ``.htm``; also the pages of WARC crawls): one page is one article.

trafilatura finds the main text, headline, outlet, url, language, author and date; the time and
offset the page states in machine-readable form (meta tag, JSON-LD, ``<time>``) are read back here,
since trafilatura often keeps only the day. Not handled: index or listing pages (a `Problem` when no
article text is found), several articles on one page, comments, tables, text drawn by scripts.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..types import Article, Problem
from .records import from_record, parse_date

SUFFIXES = frozenset({".html", ".htm"})
_DATE_PARAMS = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def read(path: Path, html: str, number: int | None = None, url: str = "") -> Article | Problem:
    """The article of a decoded page; ``number`` is its record in a crawl.

    ``url`` (where the page was fetched from) overrides the page's canonical link.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False,
                                      date_extraction_params=_DATE_PARAMS)
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
    return from_record(record, str(path), number)


def _stated_timestamp(html: str) -> str | None:
    """The first full publication time (with ``T``) a page states in a meta tag, JSON-LD or ``<time>``, as ISO-8601."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    candidates = tree.xpath("//meta[@property='article:published_time' or @itemprop='datePublished']/@content")
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        candidates += _json_ld_dates(script)
    candidates += tree.xpath("//article//time/@datetime | //time[@pubdate]/@datetime | //time/@datetime")
    for value in candidates:
        if "T" in value:
            try:
                return parse_date(value).isoformat()
            except ValueError:
                continue
    return None


def _json_ld_dates(script: str) -> list[str]:
    """The ``datePublished`` values of a JSON-LD block (an object, a list or an ``@graph``); none if it is not JSON."""
    try:
        data = json.loads(script)
    except json.JSONDecodeError:
        return []
    items = data if isinstance(data, list) else data.get("@graph", [data])
    return [item["datePublished"] for item in items if isinstance(item, dict) and isinstance(item.get("datePublished"), str)]
