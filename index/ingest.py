"""Ingest: load -> chunk -> embed -> store, skipping articles whose content is unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .chunk import Chunker, content_hash, embedding_text
from .embed import Embedder
from .load import load
from .store import Store
from .types import Article, Chunk, Problem


@dataclass
class IngestReport:
    """What one ingest did. ``errors`` name the file and line of every unusable input."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    removed: int = 0
    chunks_added: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"duplicates {self.duplicates}, removed {self.removed}, errors {len(self.errors)} "
            f"({self.chunks_added} chunks embedded)"
        )

    def to_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "duplicates": self.duplicates, "removed": self.removed, "chunks_added": self.chunks_added,
            "errors": [str(p) for p in self.errors],
        }


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    embedder: Embedder,
    chunker: Chunker | None = None,
    batch_size: int = 64,
    on_article: Callable[[Article], None] | None = None,
) -> IngestReport:
    """Add new and changed articles from ``paths`` to ``store``; unchanged ones cost nothing.

    When one run meets the same id with different content, the version read last wins (an
    update file listed after the original). All sources are read before anything is embedded.
    """
    chunker = chunker or Chunker()
    report = IngestReport()
    latest: dict[str, tuple[Article, str]] = {}
    for item in load(paths):
        if isinstance(item, Problem):
            report.errors.append(item)
            continue
        digest = content_hash(item)
        if item.id in latest and latest[item.id][1] == digest:
            report.duplicates += 1
            continue
        latest[item.id] = (item, digest)

    stored = store.content_hashes()
    pending: list[Chunk] = []

    def flush() -> None:
        if pending:
            store.add(pending, embedder.embed_documents([embedding_text(c) for c in pending]))
            report.chunks_added += len(pending)
            pending.clear()

    for article, digest in latest.values():
        previous = stored.get(article.id)
        if previous == digest:
            report.unchanged += 1
            continue
        if previous is not None:
            flush()
            store.delete_article(article.id)
            report.updated += 1
        else:
            report.added += 1
        pending.extend(chunker.split(article))
        if len(pending) >= batch_size:
            flush()
        if on_article:
            on_article(article)
    flush()
    return report
