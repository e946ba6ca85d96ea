"""Records passed between the indexing stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
class Chunk:
    """A passage of an article: the unit that is embedded, retrieved and cited.

    ``text`` is the passage as it appears in the article; ``meta`` carries the
    article's title, outlet, date and url so that a chunk can be cited on its own.
    """

    id: str
    article_id: str
    text: str
    position: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """Something in the input that could not be used: where it is and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"
