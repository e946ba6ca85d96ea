"""What a fetched source holds: a feed's or a sitemap's entries, or one page's article.

Feeds are read by `index.load.feed` (each entry's own text, kept as the fallback when its page
cannot be fetched) and feedparser (the entries' ids and links); sitemaps (``<urlset>``) by lxml;
pages by `index.load.html`, so a fetched page comes out as a saved one would. A page's article
keeps its entry's id, so the page's version replaces the feed's text of it, and takes the
entry's title, outlet and date where the page states none. Not handled: sitemap indexes (a
`Problem`: list their sitemaps instead), feeds split over several pages, entries without links
(their feed text is all there is).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from index.load import DateRange, article_id
from index.load import feed as feed_reader
from index.load import html as html_reader
from index.load.records import noted
from index.types import Article, Problem

from .fetch import Fetched, check_url

Kind = Literal["feed", "sitemap", "page"]
SNIFF_BYTES = 2048  # where a feed's or sitemap's root element is looked for
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")
_SITEMAP_ROOTS = (b"<urlset", b"<sitemapindex")
_FINGERPRINT_KEYS = ("id", "link", "title", "published", "updated", "summary")


@dataclass(frozen=True)
class Entry:
    """One entry of a feed or sitemap: ``key`` names it in the state, ``link`` is its page."""

    key: str
    link: str
    fingerprint: str
    article_id: str
    fallback: Article | None = None  # the feed's own text of it


@dataclass(frozen=True)
class Listing:
    """A feed's or sitemap's entries, and what was wrong with it; ``readable`` False: nothing could be used."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()
    readable: bool = True


def kind_of(fetched: Fetched) -> Kind:
    """A sitemap or a feed by its root element, a feed by an XML content type, else a page."""
    start = fetched.body[:SNIFF_BYTES].lower()
    if b"<html" not in start:
        if any(root in start for root in _SITEMAP_ROOTS):
            return "sitemap"
        if any(root in start for root in _FEED_ROOTS) or ("xml" in fetched.content_type and "html" not in fetched.content_type):
            return "feed"
    return "page"


def feed_listing(url: str, body: bytes, dates: DateRange) -> Listing:
    """A feed's entries, each with its own text as the fallback article when it has text."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(body))
    problems, fallbacks, expected = [], {}, 1
    for item in feed_reader.read(Path("feed"), body, dates):
        if isinstance(item, Article):
            fallbacks[expected], expected = item, expected + 1
            continue
        problems.append(Problem(url, item.line, item.reason))
        if item.line is None and not parsed.get("version"):
            return Listing((), tuple(problems), readable=False)
        if item.line is not None and item.line == expected:  # the entry's own problem: no article of it
            expected += 1
    entries = []
    for number, raw in enumerate(parsed.entries, start=1):
        link = raw.get("link", "")
        fallback = fallbacks.get(number)
        if check_url(link):
            link = ""
        if not link and fallback is None:
            continue  # no text and no page: reported above
        key = raw.get("id") or link or f"entry {number}"
        basis = [str(raw.get(k, "")) for k in _FINGERPRINT_KEYS] + [c.get("value", "") for c in raw.get("content", [])]
        entries.append(Entry(key, link, fingerprint(basis), fallback.id if fallback else raw.get("id") or article_id("", link),
                             fallback))
    return Listing(tuple(entries), tuple(problems))


def sitemap_listing(url: str, body: bytes) -> Listing:
    """A sitemap's pages; ``lastmod`` is what tells a changed page (without it a page is fetched once)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        return Listing((), (Problem(url, None, f"not a readable sitemap ({e}); check the address"),), readable=False)
    if etree.QName(root).localname == "sitemapindex":
        return Listing((), (Problem(url, None, "a sitemap index, whose sitemaps are not followed; "
                                               "watch the sitemaps it lists instead"),), readable=False)
    entries = []
    for element in root.iterfind("{*}url"):
        link = (element.findtext("{*}loc") or "").strip()
        if link and not check_url(link):
            entries.append(Entry(link, link, fingerprint([link, (element.findtext("{*}lastmod") or "").strip()]),
                                 article_id("", link)))
    return Listing(tuple(entries))


def page_entry(url: str) -> Entry:
    """A page watched by its own URL."""
    return Entry(url, url, "", article_id("", url))


def page_articles(entry: Entry, fetched: Fetched, dates: DateRange) -> list[Article | Problem]:
    """The article of ``entry``'s fetched page (with the problems of its fields), or the `Problem` that it has none."""
    text = decoded(fetched)
    items = list(noted(html_reader.read(Path("page"), text, dates, url=entry.link), entry.link, None))
    out: list[Article | Problem] = []
    for item in items:
        if isinstance(item, Problem):
            out.append(Problem(entry.link, None, item.reason))
            continue
        fallback = entry.fallback
        out.append(replace(item, id=entry.article_id,
                           title=item.title or (fallback.title if fallback else ""),
                           source=item.source or (fallback.source if fallback else ""),
                           published_at=item.published_at or (fallback.published_at if fallback else None)))
    return out


def decoded(fetched: Fetched) -> str:
    """A page's text in the charset its server declared, else as trafilatura guesses it."""
    if fetched.charset:
        try:
            return fetched.body.decode(fetched.charset, errors="replace")
        except LookupError:
            pass
    from trafilatura.utils import decode_file

    return decode_file(fetched.body)


def fingerprint(parts: list[str]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:24]


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:24]
