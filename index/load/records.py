"""The article record of FORMATS.md (a dict, as a JSONL line holds it) -> `Article`: the data contract in one place.

The JSONL, text and HTML readers (and so WARC) map their input to this record and let `from_record` check
it: ``text`` is required, ``id``/``title``/``url``/``source``/``language`` are strings, ``published_at``
is ISO-8601, and any other field is kept in `Article.meta`. Not handled here: reading files, detecting
the language (`index.load.load_file`), dates written in words (`index.load.text`) and feed entries,
which `index.load.feed` turns into articles itself (their dates are RFC 822 as often as ISO-8601).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from ..types import Article, Problem

KNOWN_FIELDS = frozenset({"id", "title", "text", "url", "source", "published_at", "language"})


def from_record(record: dict, path: str, number: int | None) -> Article | Problem:
    """The `Article` a record describes, or the `Problem` of a record without body text.

    An unparseable ``published_at`` keeps the article undated and says why in ``meta["date_problem"]``.
    """
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        return Problem(path, number, "field 'text' is missing or empty; every article needs its body text")
    fields = {name: _string(record.get(name)) for name in ("id", "title", "url", "source", "language")}
    meta = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    published = None
    raw_date = record.get("published_at")
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


def article_id(text: str, url: str = "") -> str:
    """A stable id: from the url when there is one, else from the normalised text."""
    basis = url.strip() or " ".join(text.lower().split())
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def parse_date(value: str) -> datetime:
    """Parse an ISO-8601 date or datetime; naive values are taken as UTC."""
    value = value.strip()
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _string(value: object) -> str:
    """A field's value as stripped text; None, "" and other empty values become ""."""
    if value is not None and not isinstance(value, str):
        value = str(value)
    return (value or "").strip()
