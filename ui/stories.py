"""The Archive tab's stories and counts as the browser shows them: stories and a story's timeline
as Markdown (through `ui.markup`, titles and outlets being untrusted text), coverage over time and
the counts by month and outlet as pandas tables for Gradio's plots.

Not handled: more than `CHARTED` stories in the coverage chart (the others are listed, not drawn),
undated articles in any chart (they have no day to be drawn on).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from rag import Archive, Story

from .markup import escape, link

CHARTED = 8  # stories drawn in the coverage chart, the largest of those listed
LABEL_CHARS = 48  # a story's label in a chart legend or the story menu


def short(label: str, limit: int = LABEL_CHARS) -> str:
    """``label`` on one line, cut at ``limit`` characters with an ellipsis."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def dates(story: Story) -> str:
    return (story.first if story.first == story.last else f"{story.first} – {story.last}") or "undated"


def stories_markdown(stories: Sequence[Story], alone: int = 0) -> str:
    """The stories as a Markdown table: dates, articles, outlets, languages, label; ``alone``
    counts the articles left out for being a story of their own."""
    if not stories:
        return "_No story has several articles yet._"
    rows = [f"| {escape(dates(s))} | {s.size} | {escape(', '.join(s.outlets) or '?')} | {escape(', '.join(s.languages) or '?')} "
            f"| {escape(s.label)} |" for s in stories]
    note = f"\n\n_{alone} other article{'s' * (alone != 1)} stand{'s' * (alone == 1)} alone._" if alone else ""
    heading = f"**{len(stories)} stor{'ies' if len(stories) != 1 else 'y'}** of several articles"
    return f"{heading}\n\n| dates | articles | outlets | languages | story |\n|---|---|---|---|---|\n" + "\n".join(rows) + note


def story_choices(stories: Sequence[Story]) -> list[tuple[str, int]]:
    """The story menu's entries: (what it shows, the story's id)."""
    return [(f"{short(s.label)} ({dates(s)}, {s.size})", s.id) for s in stories]


def timeline_markdown(archive: Archive, story_id: int | None) -> str:
    """A story's articles in date order, as a Markdown table: date, outlet, title (linked), language."""
    if story_id is None:
        return "_Choose a story to see its articles in date order._"
    articles = archive.story(int(story_id))
    if not articles:
        return "_This story is no longer in the archive; refresh the list._"
    rows = [f"| {escape(a['published_at'] or 'undated')} | {escape(a['source'] or '?')} | {link(a['title'] or a['id'], a['url'])} "
            f"| {escape(a['language'] or '?')} |" for a in articles]
    return "| date | outlet | title | language |\n|---|---|---|---|\n" + "\n".join(rows)


def coverage_frame(stories: Sequence[Story], charted: int = CHARTED) -> pd.DataFrame:
    """How the largest ``charted`` stories grew: for each day one of them has articles, how many
    it has had by then. Columns day (datetime), articles, story."""
    largest = sorted(stories, key=lambda s: (-s.size, s.first))[:charted]
    rows = []
    for s in largest:
        total = 0
        for day, count in s.days:
            total += count
            rows.append((day, total, short(s.label, 40)))
    frame = pd.DataFrame(rows, columns=["day", "articles", "story"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.sort_values("day", ignore_index=True)


def counts_frame(counts: dict[str, int], column: str) -> pd.DataFrame:
    """``counts`` (a name -> articles mapping of `Archive.overview`) as columns ``column`` and articles."""
    return pd.DataFrame(list(counts.items()), columns=[column, "articles"])
