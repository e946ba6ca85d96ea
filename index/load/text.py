"""Plain-text (``.txt``) and Markdown (``.md``) files: a file is one article.

Header lines at the top are optional (``Title:``, ``Source:``, ``Date:``, ``Published_at:``, ``URL:``,
``Language:``, ``Id:``); a short first line over a rule line (``—``, ``---``) is the outlet's masthead;
in Markdown, a ``#`` heading opening the body is the title. Without a stated date, a date written out
near the top ("14 June 2024, 08:15", "12 de junio de 2024, 10:42", "June 14, 2024") is taken, in UTC.
Without a title, the first sentence of the cleaned text is one. Not handled: several articles in one
file, front matter and other Markdown markup (kept as written), written dates in languages other than
English and Spanish or with a time zone.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from ..clean import clean_text
from ..language import MONTHS, split_sentences
from ..types import Article, Problem
from .records import DateRange, from_record

SUFFIXES = frozenset({".txt", ".md"})
TITLE_MAX_CHARS = 90  # a first sentence used as the title is cut at a word before this
DATE_SEARCH_LINES = 15  # a written date is looked for in the first lines only (bylines, datelines)

_HEADER = re.compile(r"^(title|source|date|published_at|url|language|id)\s*:\s*(.+)$", re.IGNORECASE)
_RULE = re.compile(r"^[\s\-—–―_=*]+$")
# "14 June 2024, 08:15", "12 de junio de 2024, 10:42", "June 14, 2024"; the month word is checked against MONTHS
_WRITTEN_DATE = re.compile(
    r"\b(?:(?P<d>\d{1,2})\s+(?:de\s+)?(?P<m>[a-záé]+)\.?\s+(?:de\s+)?(?P<y>\d{4})"
    r"|(?P<m2>[a-z]+)\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4}))(?:,?\s+(?:a las\s+)?(?P<H>\d{1,2}):(?P<M>\d{2}))?",
    re.IGNORECASE,
)


def read(path: Path, text: str, dates: DateRange) -> Article | Problem:
    """The article of a decoded text or Markdown file."""
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
        stated = _written_date(lines[:DATE_SEARCH_LINES])
        record["published_at"] = stated.isoformat() if stated else None
    article = from_record(record, str(path), None, dates)
    if isinstance(article, Article) and not article.title:  # menus and bylines are not titles
        article = replace(article, title=_first_sentence(clean_text(article.text)[0] or article.text))
    return article


def _written_date(lines: list[str]) -> datetime | None:
    """The first valid date written out in ``lines`` (a byline or dateline), in UTC."""
    for line in lines:
        for match in _WRITTEN_DATE.finditer(line):
            month = MONTHS.get((match.group("m") or match.group("m2")).lower())
            if not month:
                continue
            day, year = int(match.group("d") or match.group("d2")), int(match.group("y") or match.group("y2"))
            hour, minute = int(match.group("H") or 0), int(match.group("M") or 0)
            try:
                return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
            except ValueError:
                continue
    return None


def _first_sentence(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The first sentence (`index.language.split_sentences`), cut at a word if longer than ``limit``."""
    first = (split_sentences(text) or [""])[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"
