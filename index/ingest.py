"""Ingest: load -> clean -> de-duplicate -> chunk -> embed -> store, recorded in the manifest.

Crash safety: a write names the articles it changes in the manifest (`Manifest.begin_write`),
stores their new chunks under ids of their own beside the old version's, switches their
manifest rows in one transaction, then deletes the chunks of other versions. `repair` (run at
the start of every write, and on opening an archive no one is writing to) keeps, for each
article a killed write named, the chunks of the version its row records and deletes the rest:
a kill at any point leaves the old version or the new one, never neither, and no chunk without
a row. Unchanged articles (same content hash) are neither chunked nor embedded. One writer at a
time is the caller's to ensure (`rag.Archive` holds `index.lock.WriteLock`).

Exact copies (same normalised text) and near copies (MinHash and the same facts, `index.dedup`)
of an indexed article are recorded as its copies, not indexed; their outlets and urls are cited
beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .chunk import Chunker, content_hash, embedding_text
from .clean import clean
from .dedup import NearDuplicates, minhash, same_facts, signature_bytes, signature_from_bytes, text_hash
from .embed import Embedder
from .load import load
from .manifest import Entry, Manifest
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
    superseded: list[str] = field(default_factory=list)  # ids read twice with different content: the later one kept

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        n = len(self.superseded)
        later = f"; {n} id{'s' * (n != 1)} read twice with different content, the later record kept" if n else ""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"duplicates {self.duplicates}, removed {self.removed}, errors {len(self.errors)} "
            f"({self.chunks_added} chunks embedded){later}"
        )

    def to_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "duplicates": self.duplicates, "removed": self.removed, "chunks_added": self.chunks_added,
            "errors": [str(p) for p in self.errors], "copies": self.copies, "superseded": self.superseded,
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
    update file listed after the original) and the id is listed in ``superseded``; records with
    the same url under other ids are other articles (or copies when their text is the same).
    All sources are read (and cleaned, which needs every article of an outlet) before anything
    is embedded. ``on_removed`` receives each
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
            if item.id in latest and item.id not in report.superseded:
                report.superseded.append(item.id)
            latest[item.id] = item
    cleaned = clean(list(latest.values()))
    if on_removed:
        for c in cleaned:
            on_removed(c.article, c.removed)
    _index([c.article for c in cleaned], store, embedder, manifest, chunker, batch_size, report, on_article, progress)
    return report


@dataclass
class _Version:
    """An article's version to index: its hashes, MinHash signature and chunks."""

    article: Article
    digest: str
    text_hash: str
    signature: bytes
    chunks: list[Chunk]


def _version(article: Article, digest: str, thash: str, signature, chunker: Chunker, ingested: int,
             replacing: bool) -> _Version:
    """``article`` chunked; when ``replacing`` an earlier version, its chunk ids name this one,
    so that the earlier chunks stay until the new ones are complete."""
    # when ingested, beside when published; the row's hash, which tells this version's chunks from others'
    chunks = [replace(c, ingested_ts=ingested, content_hash=digest) for c in chunker.split(article)]
    if replacing:
        chunks = [replace(c, id=f"{c.id}~{digest[:12]}") for c in chunks]
    return _Version(article, digest, thash, signature_bytes(signature), chunks)


def _store(versions: Sequence[_Version], store: Store, embedder: Embedder) -> int:
    """Add the versions' chunks and their sentences to the store; returns how many."""
    chunks = [c for v in versions for c in v.chunks]
    if chunks:
        store.add(chunks, embedder.embed_documents([embedding_text(c) for c in chunks]), embed_sentences(chunks, embedder))
    return len(chunks)


def _put(manifest: Manifest, version: _Version) -> None:
    manifest.put(version.article, "indexed", version.digest, version.text_hash, len(version.chunks),
                 signature=version.signature)


def _settle(store: Store, manifest: Manifest, article_ids: Sequence[str]) -> None:
    """Delete the chunks of ``article_ids`` other than those of the version their row records, then
    forget that a write named them."""
    for article_id in article_ids:
        entry = manifest.get(article_id)
        if entry is not None and entry.state == "indexed":
            store.delete_article(article_id, keep=entry.content_hash)
        else:
            store.delete_article(article_id)
    manifest.end_write(article_ids)


def _index(articles: Sequence[Article], store: Store, embedder: Embedder, manifest: Manifest, chunker: Chunker,
           batch_size: int, report: IngestReport, on_article=None, progress=None) -> None:
    stored = manifest.hashes()
    ingested = int(time.time())
    near: NearDuplicates | None = None  # read at the first new or changed article: unchanged ones never need it
    batch: list[_Version] = []

    def flush() -> None:
        if not batch:
            return
        ids = [v.article.id for v in batch]
        manifest.begin_write(ids)
        report.chunks_added += _store(batch, store, embedder)
        with manifest.transaction():
            for version in batch:
                _put(manifest, version)
        _settle(store, manifest, [i for i in ids if i in stored])  # an earlier version's chunks go
        manifest.end_write([i for i in ids if i not in stored])  # new articles have none
        batch.clear()

    def copied(article: Article, thash: str, signature) -> str | None:
        """The indexed (or batched) article that ``article`` copies, exactly or nearly, if any."""
        exact = manifest.by_text_hash(thash) or next((v.article.id for v in batch if v.text_hash == thash), None)
        if exact:
            return exact
        batched = {v.article.id: v.article.text for v in batch}
        for candidate in near.candidates(signature):
            if same_facts(article.text, batched.get(candidate) or store.article_text(candidate)):
                return candidate
        return None

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
        original = copied(article, thash, signature)
        if original and original != article.id:
            if any(v.article.id == original for v in batch):
                flush()  # index the original before recording its copy
            if previous is not None:  # an indexed article turned copy: its row first, then its chunks go
                manifest.begin_write([article.id])
                manifest.put(article, "copy", digest, thash, canonical=original)
                _settle(store, manifest, [article.id])
            else:
                manifest.put(article, "copy", digest, thash, canonical=original)
            report.duplicates += 1
            report.copies[article.id] = original
            continue
        if previous is not None:
            report.updated += 1
        else:
            report.added += 1
        near.add(article.id, signature)
        batch.append(_version(article, digest, thash, signature, chunker, ingested, replacing=previous is not None))
        if sum(len(v.chunks) for v in batch) >= batch_size:
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

    A removed article's oldest remaining copy (another outlet's version) is indexed in its place
    and its other copies become the copies of that one. The new original's chunks are stored
    first, then the rows change in one transaction, then the removed articles' chunks go: a kill
    leaves the archive as it was before the removal or as it is after.
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
    gone = set(ids)
    promoted: list[tuple[Entry, list[Entry]]] = []  # a copy taking its removed original's place, and the other copies
    for canonical, copies in manifest.copies(ids).items():
        survivors = [c for c in copies if c.id not in gone]
        if canonical in gone and survivors:
            promoted.append((survivors[0], survivors[1:]))
    manifest.begin_write(ids + [new.id for new, _ in promoted])
    chunker, ingested = chunker or Chunker(), int(time.time())
    versions = []
    for new, _ in promoted:
        article = new.article()
        versions.append(_version(article, new.content_hash, new.text_hash, minhash(article.text), chunker, ingested, True))
    report.chunks_added = _store(versions, store, embedder)
    with manifest.transaction():
        manifest.delete(ids)
        for version, (new, others) in zip(versions, promoted, strict=True):
            _put(manifest, version)
            for copy in others:
                manifest.put(copy.article(), "copy", copy.content_hash, copy.text_hash, canonical=new.id)
    _settle(store, manifest, ids + [new.id for new, _ in promoted])
    report.removed, report.added = len(ids), len(promoted)
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
    """Finish what a killed write left half done: the articles it named keep the chunks of the
    version their rows record, and lose the others (all of them without an indexed row); rows
    left ``pending`` by older versions go with their chunks. Returns the articles repaired."""
    pending = [e.id for e in manifest.entries("pending")]
    for article_id in pending:
        store.delete_article(article_id)
    manifest.delete(pending)
    named = manifest.writing()
    _settle(store, manifest, named)
    return len(pending) + len(named)


def needs_repair(manifest: Manifest) -> bool:
    """Whether a killed write left something for `repair` (a cheap check)."""
    return bool(manifest.writing() or manifest.entries("pending"))


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
