"""Stories: the archive's articles grouped by what they report and when, across outlets and languages.

An article's vector is the mean of its chunks' vectors (`Store.article_vectors`). Articles are
taken in publication order; each joins the story it is closest to, on average over the story's
articles (cosine of the vectors), when that is at least ``threshold`` and its day is within
``window_days`` of the story's first or last day; otherwise it starts a story of its own. A copy
(`index.dedup`) joins the story of the article it copies. Assignments are kept in
``stories.sqlite`` beside the manifest, keyed by article id and version, so that `StoryIndex.update`
assigns only the articles that arrived since it last ran; a removed article leaves its story, a
changed one leaves it and is assigned again, and a story without articles goes.

Not handled: an article that arrives after later ones is assigned against the stories as they
are, and stories never split or merge once formed (`StoryIndex.rebuild` groups everything again,
in date order, as a first build does); undated articles are grouped by their vectors alone. The
rule's numbers were set on the bundled sample with multilingual-e5-small (README, "Stories");
another embedder may need others.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from .manifest import Entry

THRESHOLD = 0.885  # mean cosine to a story's articles needed to join it (multilingual-e5-small)
WINDOW_DAYS = 14  # how far before a story's first day or after its last an article may join it

SCHEMA = """
CREATE TABLE IF NOT EXISTS members (
    article_id TEXT PRIMARY KEY,
    story INTEGER NOT NULL,
    version TEXT NOT NULL,       -- state, content hash, canonical and date the assignment was made for
    day TEXT NOT NULL,           -- YYYY-MM-DD, '' when undated
    vector BLOB                  -- float32 unit vector; NULL for a copy, which follows its original
);
CREATE INDEX IF NOT EXISTS members_by_story ON members(story);
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    total BLOB,                  -- the sum of its articles' vectors
    n INTEGER NOT NULL,          -- how many vectors are in the sum
    first TEXT NOT NULL,
    last TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rule (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# given article id -> content hash, the vectors of those versions: article id -> unit vector (like `Store.article_vectors`)
Vectors = Callable[[Mapping[str, str]], Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class Story:
    """Articles about one thing: ``label`` is its earliest article's title; ``article_ids`` are in
    date order (undated last); ``days`` counts its articles per publication day."""

    id: int
    label: str
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    languages: tuple[str, ...]
    first: str  # YYYY-MM-DD, "" when no article is dated
    last: str
    days: tuple[tuple[str, int], ...]

    @property
    def size(self) -> int:
        return len(self.article_ids)


def version(entry: Entry) -> str:
    """What an assignment depends on: a change in any of it assigns the article again."""
    return f"{entry.state}:{entry.content_hash}:{entry.canonical or ''}:{entry.published_at[:10]}"


def dated(entry: Entry) -> tuple[bool, str, str]:
    """Sort key: dated articles by day, then undated ones; ties by id."""
    return (not entry.published_at, entry.published_at, entry.id)


class StoryIndex:
    """The story of each article, in ``<archive>/stories.sqlite``.

    Several processes may update it at once: each update is one write transaction, and the
    second finds the work done.
    """

    def __init__(self, path: Path, threshold: float = THRESHOLD, window_days: int = WINDOW_DAYS):
        self.path = Path(path)
        self.threshold = threshold
        self.window_days = window_days
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    @property
    def rule(self) -> str:
        return f"{self.threshold:g}/{self.window_days}"

    def update(self, entries: Sequence[Entry], vectors: Vectors) -> int:
        """Bring the assignments up to date with ``entries`` (the manifest's indexed articles and
        copies; others are ignored); ``vectors`` gives the vectors of the articles to assign.
        Returns how many articles were assigned. An indexed article ``vectors`` has no vector for
        (its chunks are being written) is left for the next update."""
        current = {e.id: e for e in entries if e.state in ("indexed", "copy")}
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if dict(self.db.execute("SELECT key, value FROM rule")).get("rule") != self.rule:
                    self._clear()
                stored = dict(self.db.execute("SELECT article_id, version FROM members"))
                leaving = {i for i, was in stored.items() if i not in current or version(current[i]) != was}
                # a copy follows its original: when the original is assigned again, so is the copy
                leaving |= {i for i in stored if i in current and current[i].canonical in leaving}
                for article_id in leaving:
                    self._leave(article_id)
                stored = {i: v for i, v in stored.items() if i not in leaving}
                new = sorted((e for i, e in current.items() if i not in stored), key=dated)
                originals = [e for e in new if e.state == "indexed"]
                found = vectors({e.id: e.content_hash for e in originals}) if originals else {}
                assigned = 0
                for entry in originals:
                    if entry.id in found:
                        self._assign(entry, np.asarray(found[entry.id], dtype=np.float32))
                        assigned += 1
                for entry in (e for e in new if e.state == "copy"):
                    assigned += self._follow(entry)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return assigned

    def rebuild(self, entries: Sequence[Entry], vectors: Vectors) -> int:
        """Forget every assignment and group all articles again, in date order."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            self._clear()
            self.db.execute("COMMIT")
        return self.update(entries, vectors)

    def stories(self, entries: Sequence[Entry]) -> list[Story]:
        """Every story, newest last day first (then the largest), described from ``entries``."""
        by_id = {e.id: e for e in entries}
        groups: dict[int, list[Entry]] = {}
        for article_id, story in self.db.execute("SELECT article_id, story FROM members"):
            if article_id in by_id:
                groups.setdefault(story, []).append(by_id[article_id])
        out = [describe(story, members) for story, members in groups.items()]
        out.sort(key=lambda s: (s.last, s.size, -s.id), reverse=True)
        return out

    def members(self, story: int) -> list[str]:
        """The ids of a story's articles (none for an unknown story)."""
        if not -2**63 <= story < 2**63:  # not an id SQLite can hold
            return []
        return [r[0] for r in self.db.execute("SELECT article_id FROM members WHERE story = ?", (story,))]

    def story_of(self, article_id: str) -> int | None:
        row = self.db.execute("SELECT story FROM members WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def _clear(self) -> None:
        self.db.execute("DELETE FROM members")
        self.db.execute("DELETE FROM stories")
        self.db.execute("INSERT OR REPLACE INTO rule VALUES ('rule', ?)", (self.rule,))

    def _assign(self, entry: Entry, vector: np.ndarray) -> None:
        """Put an article in the closest story its day allows, or in a new one."""
        vector = vector / (float(np.linalg.norm(vector)) or 1.0)
        day = entry.published_at[:10]
        best, score = None, -1.0
        window = f"{self.window_days} days"
        rows = self.db.execute(  # the stories whose days the window reaches (all of them for an undated article)
            "SELECT id, total, n, first, last FROM stories WHERE n > 0 AND (? = '' OR first = '' OR "
            "(first <= date(?, '+' || ?) AND last >= date(?, '-' || ?)))", (day, day, window, day, window))
        for story, total, n, first, last in rows:
            if day and first and not near(day, first, last, self.window_days):
                continue
            similarity = float(np.frombuffer(total, dtype=np.float32) @ vector) / n
            if similarity > score:
                best, score = story, similarity
        if best is None or score < self.threshold:
            best = self.db.execute("INSERT INTO stories (total, n, first, last) VALUES (NULL, 0, '', '')").lastrowid
        self.db.execute("INSERT OR REPLACE INTO members VALUES (?,?,?,?,?)",
                        (entry.id, best, version(entry), day, vector.astype(np.float32).tobytes()))
        self._refresh(best)

    def _follow(self, entry: Entry) -> int:
        """Put a copy in its original's story; 0 when the original has none yet."""
        story = self.story_of(entry.canonical or "")
        if story is None:
            return 0
        self.db.execute("INSERT OR REPLACE INTO members VALUES (?,?,?,?,NULL)",
                        (entry.id, story, version(entry), entry.published_at[:10]))
        self._refresh(story)
        return 1

    def _leave(self, article_id: str) -> None:
        story = self.story_of(article_id)
        self.db.execute("DELETE FROM members WHERE article_id = ?", (article_id,))
        if story is not None:
            self._refresh(story)

    def _refresh(self, story: int) -> None:
        """Recompute a story's sum, count and days from its members; delete it when it has none."""
        rows = self.db.execute("SELECT day, vector FROM members WHERE story = ?", (story,)).fetchall()
        if not rows:
            self.db.execute("DELETE FROM stories WHERE id = ?", (story,))
            return
        vectors = [np.frombuffer(v, dtype=np.float32) for _, v in rows if v is not None]
        total = np.sum(vectors, axis=0).astype(np.float32).tobytes() if vectors else None
        days = sorted(d for d, _ in rows if d)
        self.db.execute("UPDATE stories SET total = ?, n = ?, first = ?, last = ? WHERE id = ?",
                        (total, len(vectors), days[0] if days else "", days[-1] if days else "", story))


def near(day: str, first: str, last: str, window_days: int) -> bool:
    """Whether ``day`` falls within ``window_days`` before ``first`` or after ``last`` (or between them)."""
    d = date.fromisoformat(day).toordinal()
    return date.fromisoformat(first).toordinal() - window_days <= d <= date.fromisoformat(last).toordinal() + window_days


def describe(story: int, members: Sequence[Entry]) -> Story:
    """A `Story` from its articles' manifest entries."""
    ordered = sorted(members, key=dated)
    days = [e.published_at[:10] for e in ordered if e.published_at]
    return Story(
        id=story,
        label=ordered[0].title or ordered[0].id,
        article_ids=tuple(e.id for e in ordered),
        outlets=tuple(sorted({e.source for e in ordered if e.source})),
        languages=tuple(sorted({e.language for e in ordered if e.language})),
        first=days[0] if days else "",
        last=days[-1] if days else "",
        days=tuple(sorted(Counter(days).items())),
    )
