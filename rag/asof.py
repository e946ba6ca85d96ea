"""Answers "as of" a day: only what was published by the end of that day is read, and the
articles published later that speak to the question are named beside the answer, so the reader
knows the picture may have changed since.

Days are whole UTC days. A later article "speaks to the question" when its sentence closest to
the question is about as close as the best one the answer read (`LATER_MARGIN`); what it says is
not compared with the answer (that is for the reader, or for the disagreement rules).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Sequence

from index.types import Filters

from .cite import closest
from .types import Citation, Hit

LATER_MARGIN = 0.03  # a later passage this much less close to the question than the best one read still counts
LATER_MOST = 3


def day_end(day: datetime) -> datetime | None:
    """The first instant after ``day``'s UTC date: the exclusive bound of what was published by
    then; None after the last day a date can hold (nothing is later)."""
    try:
        utc = day.astimezone(timezone.utc) if day.tzinfo else day.replace(tzinfo=timezone.utc)
        return datetime.combine(utc.date(), time.min, tzinfo=timezone.utc) + timedelta(days=1)
    except OverflowError:
        return None


def published_by(day: datetime, filters: Filters | None = None) -> Filters:
    """``filters`` narrowed to what was published by the end of ``day``."""
    filters = filters or Filters()
    bound = day_end(day)
    until = min(filters.until, bound) if filters.until and bound else filters.until or bound
    return Filters(filters.since, until, filters.sources, filters.language)


def published_after(day: datetime, filters: Filters | None = None) -> Filters | None:
    """``filters``' outlets and language, for what was published after ``day``; None when no day is later."""
    filters = filters or Filters()
    bound = day_end(day)
    return Filters(since=bound, sources=filters.sources, language=filters.language) if bound else None


def later(read: Sequence[Hit], after: Sequence[Hit], margin: float = LATER_MARGIN, most: int = LATER_MOST) -> list[Citation]:
    """The passages of ``after`` (a search among later articles) whose best sentence is within
    ``margin`` of the best sentence of the passages ``read``; one per article, at most ``most``."""
    best = max((h.evidence[0][1] for h in read if h.evidence), default=None)
    if best is None:
        return []
    close = [h for h in after if h.evidence and h.evidence[0][1] >= best - margin]
    return closest(close, most)
