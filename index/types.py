"""Records passed between the stages: articles, where a passage comes from, passages, filters, problems."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any

UTC = timezone.utc


@dataclass(frozen=True)
class Article:
    """One news article, as read from a source file (see FORMATS.md)."""

    id: str
    text: str
    title: str = ""
    url: str = ""
    source: str = ""
    published_at: datetime | None = None
    language: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """Where a passage comes from, as a citation shows it: headline, outlet, link, publication time, language."""

    title: str = ""
    outlet: str = ""
    url: str = ""
    published_at: datetime | None = None
    language: str = ""

    @classmethod
    def of(cls, article: Article) -> Source:
        return cls(article.title, article.source, article.url, article.published_at, article.language)

    @property
    def day(self) -> str:
        """The publication day as the outlet dated it (``2024-06-17``); "" when undated."""
        return self.published_at.isoformat()[:10] if self.published_at else ""

    @property
    def published_ts(self) -> int | None:
        """The publication time in whole epoch seconds, for date ranges."""
        return int(self.published_at.timestamp()) if self.published_at else None

    @property
    def about(self) -> str:
        return about(self.outlet, self.day)

    @property
    def heading(self) -> str:
        return heading(self.title, self.outlet, self.day)


def about(outlet: str, day: str) -> str:
    """Outlet and day, as shown beside a title: ``El País, 2024-06-17``."""
    return ", ".join(x for x in (outlet, day) if x)


def heading(title: str, outlet: str, day: str) -> str:
    """``Title (Outlet, 2024-06-17)``: how a passage is introduced to the model and the reader."""
    shown = about(outlet, day)
    return (title or "Untitled") + (f" ({shown})" if shown else "")


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: the unit that is embedded, retrieved and cited.

    ``text`` is the passage as it appears in the article; ``source`` is the article's title,
    outlet, date and url, so that a chunk can be cited on its own.
    """

    id: str
    article_id: str
    text: str
    position: int
    source: Source = Source()
    content_hash: str = ""  # of the whole article (`index.chunk.content_hash`)
    ingested_ts: int | None = None  # when the article was ingested, in epoch seconds


@dataclass(frozen=True)
class Filters:
    """Which articles a search may return; an empty ``Filters`` restricts nothing."""

    since: datetime | None = None  # inclusive, timezone-aware (UTC)
    until: datetime | None = None  # exclusive, timezone-aware (UTC)
    sources: tuple[str, ...] = ()  # outlet names, exactly as stored in the archive
    language: str | None = None  # ISO 639-1 of the articles wanted

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _to_utc(self.since))
        object.__setattr__(self, "until", _to_utc(self.until))
        object.__setattr__(self, "sources", tuple(self.sources))

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources or self.language)

    def bounds(self) -> tuple[int | None, int | None]:
        """``since`` and ``until`` as whole epoch seconds (rounded up), None when unset."""
        return tuple(None if t is None else math.ceil(t.timestamp()) for t in (self.since, self.until))

    def admits(self, source: Source) -> bool:
        """Whether a passage from ``source`` passes these filters (an undated one fails any date filter),
        in the same whole seconds as `index.store.where`."""
        since_ts, until_ts = self.bounds()
        published = source.published_ts
        if (since_ts is not None or until_ts is not None) and published is None:
            return False
        return ((since_ts is None or published >= since_ts) and (until_ts is None or published < until_ts)
                and (not self.sources or source.outlet in self.sources) and (not self.language or source.language == self.language))

    def merge(self, other: Filters) -> Filters:
        """These filters with each field that ``other`` sets taken from ``other``.

        Explicit filters win over understood ones: ``understood.merge(explicit)``. Fields are
        merged one by one, so an explicit ``since`` keeps an understood ``until``.
        """
        return Filters(
            since=other.since if other.since is not None else self.since,
            until=other.until if other.until is not None else self.until,
            sources=other.sources or self.sources,
            language=other.language or self.language,
        )


def _to_utc(value: datetime | date | None) -> datetime | None:
    """``value`` in UTC; a naive datetime or a bare date is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Problem:
    """Something in the input that could not be used: where it is and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"
