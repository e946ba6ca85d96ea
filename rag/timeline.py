"""Timeline answers laid out: one line per event, in date order, an event that several passages
report on one line citing them all, and passages numbered from [1] in the order the lines cite them.

A line's date is the ISO day it starts with ("2024-05-13: ..."), as the timeline prompt asks, when
a passage it cites gives that day (its publication day, or the day and month in its text); else,
and for a line without one, it is the publication day of the first passage it cites. Two lines are the same
event when they give the same day and share at least half of their names and figures
(`rag.anchors`); the longer wording is kept. A line of several sentences keeps its first: one
event, one sentence, its markers after it. Not handled: an event dated by a month or a year
only, and the same event given two different days by two outlets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from index.language import split_sentences

from .anchors import anchors
from .cite import claim_text, cited_in
from .quantities import days
from .types import Hit

SAME_EVENT = 0.5  # two lines of one day are one event when this share of the shorter one's names and figures is shared

_LEAD_DAY = re.compile(r"^\s*(?:[-*•]\s*)?\**(\d{4}-\d{2}-\d{2})\**\s*[:.\-–—]?\s*")


def undated(line: str) -> str:
    """``line`` without the day it starts with ("2024-05-13: The strike began" -> "The strike began")."""
    return _LEAD_DAY.sub("", line, count=1)


@dataclass(frozen=True)
class Event:
    day: str  # ISO day, "" when neither the line nor its passages give one
    text: str  # without its day and markers
    cited: tuple[int, ...]


def events(text: str, hits: Sequence[Hit]) -> list[Event]:
    """The lines of a timeline reply as events, in the order written."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cited = tuple(n for n in dict.fromkeys(cited_in(line)) if 1 <= n <= len(hits))
        m = _LEAD_DAY.match(line)
        published = next((hits[n - 1].chunk.source.day for n in cited if hits[n - 1].chunk.source.day), "")
        day = m.group(1) if m and _dated(m.group(1), [hits[n - 1] for n in cited]) else published
        body = claim_text(line[m.end():] if m else line).strip(" -*•")
        body = (split_sentences(body) or [body])[0]
        if body:
            out.append(Event(day, body, cited))
    return out


def _dated(day: str, cited: Sequence[Hit]) -> bool:
    """Whether a cited passage gives ``day``: as its publication day, or by day and month in its text."""
    if not cited:
        return True
    if any(h.chunk.source.day == day for h in cited):
        return True
    month, date = int(day[5:7]), int(day[8:10])
    return any(d.date == (date, month) for h in cited for d in days(h.chunk.text))


def same_event(a: Event, b: Event) -> bool:
    if not a.day or a.day != b.day:
        return False
    wa, wb = anchors(a.text, sentence=True), anchors(b.text, sentence=True)
    shorter = min(len(wa), len(wb))
    return bool(shorter) and len(wa & wb) >= SAME_EVENT * shorter


def lay_out(text: str, hits: Sequence[Hit]) -> tuple[str, list[Hit]]:
    """``text`` as dated lines in date order (the same event once, citing every passage that reports
    it), and the passages renumbered so that the lines cite [1], [2], ... in order; passages no
    line cites follow in their old order. A reply with fewer than two dated lines is left as it is."""
    found = events(text, hits)
    if sum(1 for e in found if e.day) < 2:
        return text, list(hits)
    merged: list[Event] = []
    for e in sorted(found, key=lambda e: e.day or "9999"):  # stable: lines of one day keep their order
        twin = next((i for i, m in enumerate(merged) if same_event(m, e)), None)
        if twin is None:
            merged.append(e)
            continue
        m = merged[twin]
        body = e.text if len(e.text) > len(m.text) else m.text
        merged[twin] = Event(m.day, body, tuple(dict.fromkeys(m.cited + e.cited)))
    order = list(dict.fromkeys(n for e in merged for n in e.cited))
    order += [n for n in range(1, len(hits) + 1) if n not in order]
    new = {old: i for i, old in enumerate(order, start=1)}
    lines = []
    for e in merged:
        markers = "".join(f"[{new[n]}]" for n in sorted(e.cited, key=new.get))
        body = e.text.rstrip().rstrip(".")
        lines.append(f"{e.day + ': ' if e.day else ''}{body}{' ' + markers if markers else ''}.")
    return "\n".join(lines), [hits[n - 1] for n in order]


def from_passages(hits: Sequence[Hit]) -> str:
    """A timeline drawn from the passages themselves, for when the model wrote none: under each
    dated passage's publication day, its sentence closest to the question (`Hit.evidence`), cited.
    "" with fewer than two such passages. The sentences are the articles' own, in their language:
    one in another language than the question's is the caller's to translate (`rag.repair`)."""
    lines = [f"{h.chunk.source.day}: {h.evidence[0][0].strip().rstrip('.')} [{n}]."
             for n, h in enumerate(hits, start=1) if h.chunk.source.day and h.evidence]
    return "\n".join(lines) if len(lines) >= 2 else ""
