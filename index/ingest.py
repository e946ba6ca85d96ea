"""Ingest: load -> clean -> de-duplicate -> chunk -> embed -> store, recorded in the manifest.

Crash safety: an article's manifest row is committed as ``pending`` before its chunks are
written and becomes ``indexed`` after, so `repair` (run at the start of every ingest and
removal) can delete whatever a killed run left half done; running the same ingest again then
re-adds it. Unchanged articles (same content hash) are neither chunked nor embedded.

Exact copies (same normalised text) and near copies (MinHash, `index.dedup`) of an indexed
article are recorded as its copies, not indexed; their outlets and urls are cited beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .chunk import Chunker, content_hash, embedding_text
from .clean import clean
from .dedup import NearDuplicates, minhash, signature_bytes, signature_from_bytes, text_hash
from .embed import Embedder
from .load import load
from .manifest import Manifest
from .sentences import embed as embed_sentences
from .store import Store
from .types import Article, Chunk, Problem


@dataclass
class IngestReport:
    """What one ingest (or removal) did. ``errors`` name the file and line of every unusable input."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    removed: int = 0
    chunks_added: int = 0
    errors: list[Problem] = field(default_factory=list)
    copies: dict[str, str] = field(default_factory=dict)  # copy id -> the article it duplicates

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
            "errors": [str(p) for p in self.errors], "copies": self.copies,
        }


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    embedder: Embedder,
    manifest: Manifest,
    chunker: Chunker | None = None,
    batch_size: int = 64,
    on_article: Callable[[Article], None] | None = None,
    on_removed: Callable[[Article, list[str]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Add new and changed articles from ``paths``; unchanged ones cost nothing.

    When one run meets the same id with different content, the version read last wins (an
    update file listed after the original). All sources are read (and cleaned, which needs
    every article of an outlet) before anything is embedded. ``on_removed`` receives each
    article with the boilerplate lines cleaning took out of it, ``on_article`` each article
    indexed, and ``progress`` the number of articles handled so far and in all, after each one.
    """
    chunker = chunker or Chunker()
    report = IngestReport()
    repair(store, manifest)
    fill_sentences(store, embedder)
    latest: dict[str, Article] = {}
    for item in load(paths):
        if isinstance(item, Problem):
            report.errors.append(item)
        elif item.id in latest and content_hash(latest[item.id]) == content_hash(item):
            report.duplicates += 1
        else:
            latest[item.id] = item
    cleaned = clean(list(latest.values()))
    if on_removed:
        for c in cleaned:
            on_removed(c.article, c.removed)
    _index([c.article for c in cleaned], store, embedder, manifest, chunker, batch_size, report, on_article, progress)
    return report


def _index(articles: Sequence[Article], store: Store, embedder: Embedder, manifest: Manifest, chunker: Chunker,
           batch_size: int, report: IngestReport, on_article=None, progress=None) -> None:
    stored = manifest.hashes()
    ingested = int(time.time())
    near: NearDuplicates | None = None  # read at the first new or changed article: unchanged ones never need it
    batch: list[tuple[Article, str, str, bytes, list[Chunk]]] = []

    def flush() -> None:
        if not batch:
            return
        with manifest.transaction():
            for article, digest, thash, signature, chunks in batch:
                manifest.put(article, "pending", digest, thash, len(chunks), signature=signature)
        for article, *_ in batch:
            if article.id in stored:
                store.delete_article(article.id)  # an earlier version's chunks
        chunks = [c for *_, cs in batch for c in cs]
        if chunks:
            store.add(chunks, embedder.embed_documents([embedding_text(c) for c in chunks]), embed_sentences(chunks, embedder))
        manifest.set_state([a.id for a, *_ in batch], "indexed")
        report.chunks_added += len(chunks)
        batch.clear()

    for article in _counted(articles, progress):
        digest = content_hash(article)
        previous = stored.get(article.id)
        if previous == digest:
            report.unchanged += 1
            continue
        thash, signature = text_hash(article.text), minhash(article.text)
        if near is None:
            near = _near_index(manifest)
        near.remove(article.id)  # its own earlier version is not a copy of it
        original = manifest.by_text_hash(thash) or near.find(signature)
        original = original or next((a.id for a, _, h, _, _ in batch if h == thash), None)
        if original and original != article.id:
            if any(a.id == original for a, *_ in batch):
                flush()  # index the original before recording its copy
            if previous is not None:
                store.delete_article(article.id)
            manifest.put(article, "copy", digest, thash, canonical=original)
            report.duplicates += 1
            report.copies[article.id] = original
            continue
        if previous is not None:
            report.updated += 1
        else:
            report.added += 1
        near.add(article.id, signature)
        chunks = [replace(c, ingested_ts=ingested) for c in chunker.split(article)]  # when ingested, beside when published
        batch.append((article, digest, thash, signature_bytes(signature), chunks))
        if sum(len(b[-1]) for b in batch) >= batch_size:
            flush()
        if on_article:
            on_article(article)
    flush()


def _near_index(manifest: Manifest) -> NearDuplicates:
    """The near-duplicate index of the articles in the manifest."""
    near = NearDuplicates()
    for article_id, signature in manifest.signatures():
        near.add(article_id, signature_from_bytes(signature))
    return near


def _counted(articles: Sequence[Article], progress: Callable[[int, int], None] | None) -> Iterator[Article]:
    """``articles``, telling ``progress`` how many were handled after each one."""
    for done, article in enumerate(articles, start=1):
        yield article
        if progress:
            progress(done, len(articles))


def remove(keys: Sequence[str], store: Store, embedder: Embedder, manifest: Manifest, source: str | None = None,
           chunker: Chunker | None = None) -> IngestReport:
    """Delete articles by id or url, or every article of ``source``.

    A removed article's oldest remaining copy (another outlet's version) is indexed in its place.
    """
    report = IngestReport()
    repair(store, manifest)
    ids = [i for key in keys for i in manifest.find(key)] + (manifest.ids_from(source) if source else [])
    ids = list(dict.fromkeys(ids))
    for key in keys:
        if not manifest.find(key):
            report.errors.append(Problem(key, None, "no article with this id or url; the browser's Archive tab and "
                                                    "GET /v1/articles list them"))
    if not ids:
        return report
    manifest.set_state(ids, "pending")
    gone = set(ids)
    promote = []
    for canonical, copies in manifest.copies(ids).items():
        survivors = [c for c in copies if c.id not in gone]
        if canonical in gone and survivors:
            promote.append(survivors[0].article())
            for copy in survivors[1:]:
                manifest.put(copy.article(), "copy", copy.content_hash, copy.text_hash, canonical=survivors[0].id)
    for article_id in ids:
        store.delete_article(article_id)
    manifest.delete(ids + [a.id for a in promote])
    report.removed = len(ids)
    if promote:
        _index(promote, store, embedder, manifest, chunker or Chunker(), 64, report)
    return report


def fill_sentences(store: Store, embedder: Embedder, batch: int = 256) -> int:
    """Embed the sentences of the store's chunks that have none (archives built before sentence
    vectors existed); returns how many chunks got them."""
    if store.sentences is None or store.sentences.count() >= store.count():
        return 0
    have, done = store.sentences.chunk_ids(), 0
    for page, _ in store.chunks():
        missing = [c for c in page if c.id not in have]
        for start in range(0, len(missing), batch):
            part = missing[start:start + batch]
            store.sentences.add(part, embed_sentences(part, embedder))
            done += len(part)
    return done


def repair(store: Store, manifest: Manifest) -> int:
    """Undo what an interrupted ingest or removal left half done; returns the articles repaired."""
    pending = [e.id for e in manifest.entries("pending")]
    for article_id in pending:
        store.delete_article(article_id)
    manifest.delete(pending)
    return len(pending)


def adopt(store: Store, manifest: Manifest) -> int:
    """Fill an empty manifest from an archive indexed before manifests existed."""
    if manifest.entries() or not store.count():
        return 0
    articles = store.articles()
    with manifest.transaction():
        for article_id, (chunk, count) in articles.items():
            s = chunk.source
            article = Article(article_id, "", s.title, s.url, s.outlet, s.published_at, s.language)
            manifest.put(article, "indexed", chunk.content_hash, "", count)
    return len(articles)
