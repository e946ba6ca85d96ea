"""Understanding a question once, before searching: its language and kind, a follow-up made
standalone, what it asks for (a number, a date, a name), the dates and outlets it names read as
filters, and every outlet it names (`Query`).

A date window in a question names when things happened; reports of them come out later, so
the window's end is moved by `report_lag`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Sequence

from index.language import question_language
from index.types import Filters

from ..llm import LLM
from ..types import Message, Query
from .filters import read_filters
from .followup import standalone
from .expects import expects
from .kind import kind_of
from .outlets import named
from .times import later

__all__ = ["report_lag", "understand"]


def understand(
    question: str,
    as_of: datetime | date,
    outlets: Sequence[str] = (),
    history: Sequence[Message] = (),
    filters: Filters | None = None,
    llm: LLM | None = None,
    read_dates_and_outlets: bool = True,
) -> Query:
    """The `Query` for ``question``, asked on ``as_of`` of an archive holding ``outlets``.

    ``filters`` (given by the user) win over those read from the question, field by field. With
    ``history``, ``llm`` rewrites the question into one that stands alone before it is searched;
    language and kind are those of the question as asked. ``read_dates_and_outlets`` False
    searches the question as it is, with the user's filters alone (for comparison runs).
    """
    standing = standalone(question, history, llm) if history and llm is not None else question
    search, read = read_filters(standing, as_of, outlets) if read_dates_and_outlets else (standing, Filters())
    if read.until:
        read = replace(read, until=later(read.until, report_lag(read)))
    return Query(
        question=question, language=question_language(question), kind=kind_of(question), search=search, standalone=standing,
        filters=read.merge(filters) if filters else read, explicit=filters or Filters(), outlets=named(standing, outlets) if read_dates_and_outlets else (),
        history=tuple(history), expects=expects(question) or expects(standing),
    )


def report_lag(window: Filters) -> timedelta:
    """How long after a window articles about it still count: as long as the window, between 2 and 31 days."""
    length = window.until - window.since if window.since and window.until else timedelta(days=31)
    return min(timedelta(days=31), max(timedelta(days=2), length))
