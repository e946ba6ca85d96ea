"""Saved HTML pages (``.html``, ``.htm``; also the pages of WARC crawls): one page is one article.

The page is parsed once with lxml; trafilatura finds the main text, headline, outlet, url, language,
author and date in that tree; the time and offset the page states in machine-readable form (meta tag,
JSON-LD, ``<time>``) are read back here, since trafilatura often keeps only the day. A page nested
deeper than `MAX_HTML_DEPTH` elements is a `Problem` (the parser drops what lies deeper). Not handled:
index or listing pages (a `Problem` when no article text is found), several articles on one page,
comments, tables, text drawn by scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..types import Article, Problem
from .records import DateRange, from_record, parse_date

SUFFIXES = frozenset({".html", ".htm"})
MAX_HTML_DEPTH = 200  # elements inside each other; libxml2 drops everything below depth 256
_DATE_PARAMS = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def read(path: Path, html: str, dates: DateRange, number: int | None = None, url: str = "") -> Article | Problem:
    """The article of a decoded page; ``number`` is its record in a crawl.

    ``url`` (where the page was fetched from) overrides the page's canonical link.
    """
    import trafilatura

    tree = _tree(html)
    if tree is None:
        return Problem(str(path), number, "no HTML found in the page; save the article page itself")
    if (depth := _depth(tree)) > MAX_HTML_DEPTH:
        return Problem(str(path), number, f"elements nested at least {depth} deep, over the limit of {MAX_HTML_DEPTH}; "
                                          "the page is broken or hostile, save it again from the site")
    stated = _stated_timestamp(tree)
    doc = trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False, include_tables=False,
                                      date_extraction_params=_DATE_PARAMS)
    if doc is None or not (doc.text or "").strip():
        return Problem(str(path), number, "no article text found in the page; save the article page itself, not an index page")
    lines = doc.text.strip().splitlines()
    if doc.title and lines and lines[0].strip() == doc.title.strip():
        lines = lines[1:]
    record = {"text": "\n".join(lines), "title": doc.title, "source": doc.sitename, "url": url or doc.url, "language": doc.language}
    if stated and (not doc.date or stated.startswith(doc.date[:10])):
        record["published_at"] = stated
    elif doc.date:
        record["published_at"] = doc.date
    if doc.author:
        record["author"] = doc.author
    return from_record(record, str(path), number, dates)


def _tree(html: str) -> Any | None:
    """The lxml tree of a page; None when it holds no markup at all."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except (ValueError, etree.ParserError):
        return None


def _depth(tree: Any) -> int:
    """How deep elements are nested in ``tree`` (walked without recursion)."""
    from lxml import etree

    deepest = level = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        level += 1 if event == "start" else -1
        deepest = max(deepest, level)
    return deepest


def _stated_timestamp(tree: Any) -> str | None:
    """The first full publication time (with ``T``) a page states in a meta tag, JSON-LD or ``<time>``, as ISO-8601."""
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
    """The ``datePublished`` values of a JSON-LD block (an object, a list or an ``@graph``); none if it is anything else."""
    try:
        data = json.loads(script)
    except (json.JSONDecodeError, RecursionError):
        return []
    if isinstance(data, dict):
        data = data.get("@graph", [data])
    items = data if isinstance(data, list) else []
    return [item["datePublished"] for item in items if isinstance(item, dict) and isinstance(item.get("datePublished"), str)]
