"""The article record of FORMATS.md (a dict, as a JSONL line holds it) -> `Article`: the data contract in one place.

The JSONL, text and HTML readers (and so WARC) map their input to this record and let `from_record` check
it: ``text`` is a non-empty string no longer than `MAX_TEXT_CHARS`, ``id``/``title``/``url``/``source``/
``language`` are strings (a number is taken as its text), ``published_at`` is ISO-8601 within `DateRange`,
no string holds a lone surrogate (an escape such as ``\\ud800`` that is not Unicode), and any other field is
kept in `Article.meta`. Not handled here: reading files, detecting the language (`index.load.load_file`),
dates written in words (`index.load.text`) and feed entries, which `index.load.feed` turns into articles
itself (their dates are RFC 822 as often as ISO-8601) and checks with `DateRange` too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..types import Article, Problem

KNOWN_FIELDS = frozenset({"id", "title", "text", "url", "source", "published_at", "language"})
STRING_FIELDS = ("id", "title", "url", "source", "language")
MAX_PAGE_BYTES = 50 * 10**6  # one text/HTML page or feed, or a crawled page once decompressed; JSONL and WARC files are streamed
MAX_TEXT_CHARS = 500_000  # one article's body, ten times a long read; its chunks stay within one Chroma batch
EARLIEST_DATE = datetime(1800, 1, 1, tzinfo=timezone.utc)  # no news archive is older
FUTURE_SLACK = timedelta(days=1)  # a publication date this far after the clock is still taken (time zones, clocks)
DATE_PROBLEM = "date_problem"  # meta key: why the stated date is not the publication date
FIELD_PROBLEMS = "field_problems"  # meta key: fields of another type than stated, taken as their text
STATED_DATE = "stated_published_at"  # meta key: the stated date that was not used, as written
UNEXPECTED_CHARS = 160  # an unexpected error's type and message are cut to this in a problem line


@dataclass(frozen=True)
class DateRange:
    """The publication dates taken as such: from `EARLIEST_DATE` to a day after ``now``."""

    now: datetime

    @classmethod
    def from_clock(cls) -> DateRange:
        return cls(datetime.now(timezone.utc))

    def problem(self, when: datetime) -> str | None:
        """Why ``when`` cannot be a publication date, or None when it can."""
        if when < EARLIEST_DATE:
            return f"is before {EARLIEST_DATE.year}"
        if when > self.now + FUTURE_SLACK:
            return f"is in the future (after {(self.now + FUTURE_SLACK).date().isoformat()})"
        return None


def from_record(record: dict, path: str, number: int | None, dates: DateRange) -> Article | Problem:
    """The `Article` a record describes, or the `Problem` that makes it unusable (no body text, wrong type, too long).

    A ``published_at`` that cannot be parsed or is outside ``dates`` keeps the article undated: why is in
    ``meta["date_problem"]`` and the value as written in ``meta["stated_published_at"]``; a number in a string
    field is taken as its text, noted in ``meta["field_problems"]`` (`noted` reports both).
    """
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        stated = "missing or empty" if body is None or isinstance(body, str) else f"a JSON {_json_type(body)}, not a string"
        return Problem(path, number, f"field 'text' is {stated}; every article needs its body text as a string")
    if len(body) > MAX_TEXT_CHARS:
        return Problem(path, number, f"field 'text' has {len(body):,} characters, over the limit of {MAX_TEXT_CHARS:,} "
                                     "for one article; split it into articles")
    for name in ("text", *STRING_FIELDS):
        if isinstance(record.get(name), (dict, list)):
            return Problem(path, number, f"field '{name}' is a JSON {_json_type(record[name])}, not a string; fix the record")
    if (bad := _surrogate_field(record)) is not None:
        return Problem(path, number, f"field '{bad}' holds a lone surrogate escape (such as \\ud800), which is not text; "
                                     "fix or remove the escape")
    fields = {name: _string(record.get(name)) for name in STRING_FIELDS}
    meta = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    retyped = [f"field '{name}' is a JSON {_json_type(record[name])}, taken as the text {fields[name]!r}; write it as a string"
               for name in STRING_FIELDS if record.get(name) is not None and not isinstance(record[name], str)]
    if retyped:
        meta[FIELD_PROBLEMS] = retyped
    published, raw_date = None, record.get("published_at")
    if raw_date:
        published, reason = _published(raw_date, dates)
        if reason:
            meta[DATE_PROBLEM], meta[STATED_DATE] = reason, raw_date if isinstance(raw_date, str) else str(raw_date)
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


def checked_date(when: datetime | None, dates: DateRange) -> tuple[datetime | None, str | None]:
    """``when`` if it can be a publication date, else None and the one-line reason (field ``published_at``)."""
    reason = dates.problem(when) if when is not None else None
    if reason is None:
        return when, None
    return None, (f"field 'published_at': {when.isoformat()} {reason}, so it is not taken as the publication date "
                  f"(kept as meta '{STATED_DATE}', the article is ingested undated); fix the date in the source")


def noted(item: Article | Problem, path: str, number: int | None) -> Iterator[Article | Problem]:
    """``item``, and for an article read in spite of a field (a date not used, a number taken as text), the `Problem`
    of each such field (the article is still ingested)."""
    yield item
    if isinstance(item, Article):
        for reason in [*item.meta.get(FIELD_PROBLEMS, ()), *filter(None, [item.meta.get(DATE_PROBLEM)])]:
            yield Problem(path, number, reason)


def unexpected(error: BaseException) -> str:
    """An unexpected error as one short line: its type and message."""
    return " ".join(f"{type(error).__name__}: {error}".split())[:UNEXPECTED_CHARS]


def article_id(text: str, url: str = "") -> str:
    """A stable id: from the url when there is one, else from the normalised text."""
    basis = url.strip() or " ".join(text.lower().split())
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def parse_date(value: str) -> datetime:
    """Parse an ISO-8601 date or datetime; naive values are taken as UTC."""
    value = value.strip()
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _published(raw: object, dates: DateRange) -> tuple[datetime | None, str | None]:
    """The publication time of a stated ``published_at``, or None and why it is not one."""
    if not isinstance(raw, str):
        return None, (f"field 'published_at' is a JSON {_json_type(raw)}, not an ISO-8601 string such as 2024-06-17 "
                      "(article kept without a date)")
    try:
        when = parse_date(raw)
    except ValueError:
        return None, (f"field 'published_at': cannot parse {raw!r}; use ISO-8601 such as 2024-06-17 "
                      "or 2024-06-17T09:30:00+02:00 (article kept without a date)")
    return checked_date(when, dates)


def _surrogate_field(record: dict) -> str | None:
    """The first field holding a lone surrogate (at any depth), which cannot be written as UTF-8."""
    for name, value in record.items():
        try:
            (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)).encode("utf-8")
        except UnicodeEncodeError:
            return str(name)
    return None


def _json_type(value: object) -> str:
    names = {dict: "object", list: "list", bool: "boolean", int: "number", float: "number", str: "string"}
    return names.get(type(value), type(value).__name__)


def _string(value: object) -> str:
    """A field's value as stripped text; None, "" and other empty values become ""."""
    if value is not None and not isinstance(value, str):
        value = str(value)
    return (value or "").strip()
