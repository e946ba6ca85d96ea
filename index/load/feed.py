"""RSS and Atom feeds (``.rss``, ``.atom``, ``.xml``), via feedparser: each entry is one article.

An entry's text is its full content, else its summary, as plain text (a paragraph per HTML block);
its date is the publication time, else the update time, with the offset the feed states. A feed that is
not well-formed, or not in the encoding it declares, is read leniently and reported. An entry without
text, or one that cannot be read for any other reason, is a `Problem` of its own (with the type and
message of an unexpected error), and the other entries are still read; each entry goes through
`records.from_record`, which checks its fields and its date. Not handled: enclosures (audio, video),
comment feeds, following the entries' links to their pages, feeds larger than one page's limit
(`index.load.MAX_PAGE_BYTES`).
"""

from __future__ import annotations

import email.utils
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from ..types import Article, Problem
from .records import DateRange, from_record, noted, parse_date, unexpected

SUFFIXES = frozenset({".rss", ".atom", ".xml"})
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr",
           "section", "article", "figure", "figcaption", "header", "footer", "hr")


def read(path: Path, data: bytes, dates: DateRange) -> Iterator[Article | Problem]:
    """Each entry of a feed's bytes as an `Article` or a `Problem` (with the entry's number)."""
    import feedparser

    feed = feedparser.parse(io.BytesIO(data))
    error = feed.get("bozo_exception") if feed.bozo else None
    if isinstance(error, feedparser.CharacterEncodingOverride):  # bytes invalid in the encoding the feed declares
        yield Problem(str(path), None, f"feed is not valid text in its declared encoding ({error}); its entries were "
                                       "read that way, re-download the feed or re-save it in the encoding it declares")
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
        try:
            article = _entry_article(path, number, entry, source, dates)
        except Exception as e:  # noqa: BLE001 (feedparser hands over whatever the feed held: one entry must not stop the others)
            article = Problem(str(path), number, f"entry {number} cannot be read ({unexpected(e)}); fix or remove the entry")
        yield from noted(article, str(path), number)


def _entry_article(path: Path, number: int, entry: dict, source: str, dates: DateRange) -> Article | Problem:
    texts = [_html_text(c.get("value", ""), c.get("type", "")) for c in entry.get("content", [])]
    text = next((t for t in texts if t), "") or _html_text(entry.get("summary", ""), entry.get("summary_detail", {}).get("type", ""))
    if not text:
        return Problem(str(path), number, f"entry {number} has no text (no content or summary); "
                                          "use the full-text feed or save the article pages instead")
    published = _entry_date(entry)
    record = {"id": entry.get("id", ""), "text": text, "title": _plain(entry, "title"), "url": entry.get("link", ""),
              "source": source, "published_at": published.isoformat() if published else None}
    if entry.get("author"):
        record["author"] = entry["author"]
    return from_record(record, str(path), number, dates)


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
        from lxml import etree
        from lxml import html as lxml_html

        root = lxml_html.fragment_fromstring(content, create_parent="div")
        etree.strip_elements(root, "script", "style", "noscript", etree.Comment, with_tail=False)
        for element in root.iter(*_BLOCKS):
            element.text, element.tail = "\n\n" + (element.text or ""), "\n\n" + (element.tail or "")
        for element in root.iter("br"):
            element.tail = "\n" + (element.tail or "")
        content = root.text_content()
    lines = (" ".join(line.split()) for line in content.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
