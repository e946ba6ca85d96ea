"""The archive's manifest: one SQLite row per article, the record ingest and removal trust.

Each row holds the article's content hash, citation fields, ingest time, MinHash signature
and, for a near or exact copy, the canonical article it was folded into. The chunks of an
indexed article are those of its row's content hash: a write names the articles it changes in
the ``writes`` table before touching the store (`begin_write`), switches their rows in one
transaction once the new chunks are stored, and forgets them when the chunks of other versions
are deleted (`end_write`); whatever a killed write left is then told apart by the rows alone.
Rows in the ``pending`` state come from archives of older versions, whose killed ingests left
them. One writer at a time is the archive's write lock (`index.lock`), not this module's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from .types import Article

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,            -- pending | indexed | copy
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    canonical TEXT,                 -- for a copy: the article it duplicates
    title TEXT, source TEXT, url TEXT, published_at TEXT, language TEXT,
    ingested_at TEXT NOT NULL,
    chunks INTEGER NOT NULL DEFAULT 0,
    signature BLOB,
    text TEXT                       -- kept for copies only, so one can replace a removed original
);
CREATE INDEX IF NOT EXISTS by_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS by_canonical ON articles(canonical);
CREATE INDEX IF NOT EXISTS by_url ON articles(url);
CREATE INDEX IF NOT EXISTS by_source ON articles(source);
CREATE TABLE IF NOT EXISTS writes (
    id TEXT PRIMARY KEY             -- an article whose chunks a write under way is changing
);
"""


@dataclass(frozen=True)
class Entry:
    id: str
    state: str
    content_hash: str
    text_hash: str
    canonical: str | None
    title: str
    source: str
    url: str
    published_at: str
    language: str
    ingested_at: str
    chunks: int
    signature: bytes | None = None
    text: str | None = None

    def article(self) -> Article:
        """The copy as an `Article` again (for copies, whose text is kept)."""
        published = datetime.fromisoformat(self.published_at) if self.published_at else None
        return Article(self.id, self.text or "", self.title, self.url, self.source, published, self.language)


class Manifest:
    """Article rows in ``<archive>/manifest.sqlite``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def get(self, article_id: str) -> Entry | None:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return Entry(*row) if row else None

    def entries(self, state: str | None = None) -> list[Entry]:
        if state:
            rows = self.db.execute("SELECT * FROM articles WHERE state = ?", (state,))
        else:
            rows = self.db.execute("SELECT * FROM articles")
        return [Entry(*row) for row in rows]

    def hashes(self) -> dict[str, str]:
        """article id -> content hash, for indexed articles and copies."""
        return dict(self.db.execute("SELECT id, content_hash FROM articles WHERE state != 'pending'"))

    def by_text_hash(self, text_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE text_hash = ? AND state = 'indexed' LIMIT 1", (text_hash,)
        ).fetchone()
        return row[0] if row else None

    def signatures(self) -> Iterable[tuple[str, bytes]]:
        return self.db.execute("SELECT id, signature FROM articles WHERE state = 'indexed' AND signature IS NOT NULL")

    def copies(self, article_ids: Iterable[str]) -> dict[str, list[Entry]]:
        """canonical id -> its copies (other outlets and urls of the same story), oldest first."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT * FROM articles WHERE state = 'copy' AND canonical IN ({marks}) ORDER BY ingested_at, id", ids
        )
        out: dict[str, list[Entry]] = {}
        for row in rows:
            entry = Entry(*row)
            out.setdefault(entry.canonical or "", []).append(entry)
        return out

    def put(self, article: Article, state: str, content_hash: str, text_hash: str, chunks: int = 0,
            canonical: str | None = None, signature: bytes | None = None) -> None:
        published = article.published_at.isoformat() if article.published_at else ""
        self.db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.id, state, content_hash, text_hash, canonical, article.title, article.source, article.url,
             published, article.language, now(), chunks, signature, article.text if state == "copy" else None),
        )

    def set_state(self, article_ids: Iterable[str], state: str) -> None:
        self.db.executemany("UPDATE articles SET state = ? WHERE id = ?", [(state, i) for i in article_ids])

    def delete(self, article_ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in article_ids])

    def begin_write(self, article_ids: Iterable[str]) -> None:
        """Name the articles whose chunks are about to change, before the store is touched."""
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO writes VALUES (?)", [(i,) for i in article_ids])
        self.db.execute("COMMIT")

    def end_write(self, article_ids: Iterable[str]) -> None:
        """The articles' chunks are those of their rows again."""
        self.db.execute("BEGIN")
        self.db.executemany("DELETE FROM writes WHERE id = ?", [(i,) for i in article_ids])
        self.db.execute("COMMIT")

    def writing(self) -> list[str]:
        """The articles a write named and did not finish (it was killed)."""
        return [r[0] for r in self.db.execute("SELECT id FROM writes ORDER BY id")]

    def find(self, key: str) -> list[str]:
        """Article ids whose id or url is ``key``."""
        return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE id = ? OR url = ?", (key, key))]

    def outlets(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM articles WHERE source != '' ORDER BY source")]

    def newest(self) -> str | None:
        """The latest publication date (ISO text) among indexed articles."""
        row = self.db.execute("SELECT max(published_at) FROM articles WHERE state = 'indexed' AND published_at != ''").fetchone()
        return row[0] if row else None

    def ids_from(self, source: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE source = ?", (source,))]

    def transaction(self):
        """``with manifest.transaction():`` groups writes into one commit."""
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN")
        return self

    def __exit__(self, kind, value, tb):
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def entry_dict(entry: Entry) -> dict:
    return {"id": entry.id, "source": entry.source, "url": entry.url, "published_at": entry.published_at[:10], "title": entry.title}

