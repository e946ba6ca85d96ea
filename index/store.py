"""The archive's vector store: one Chroma collection of chunks with citation metadata.

Embeddings are computed by our `Embedder` and handed to Chroma; the collection also gets
an explicit embedding function so Chroma never falls back to its downloading default.
Telemetry is off. Chunks go in and come out as `Chunk` records: the conversion to and from
Chroma's metadata is written here only. Ingest bookkeeping is the manifest's (`index.manifest`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.config import Settings

from .embed import Embedder
from .errors import ArchiveError
from .sentences import Sentences, SentenceStore
from .types import Chunk, Filters, Source

COLLECTION = "chunks"


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Lets Chroma embed with our `Embedder`, so it never falls back to its downloading default."""

    def __init__(self, embedder: Embedder | None, embedder_name: str = ""):
        self.embedder = embedder
        self.embedder_name = embedder.name if embedder else embedder_name

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (Chroma's name)
        return list(self._require().embed_documents(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        return [self._require().embed_query(text) for text in input]

    def _require(self) -> Embedder:
        if self.embedder is None:
            raise ArchiveError(f"this collection embeds with {self.embedder_name!r}; open it with newsrag's Archive.open")
        return self.embedder

    @staticmethod
    def name() -> str:
        return "newsrag"

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        # Chroma rebuilds the function whenever it reads the collection's settings: loading a
        # model here would cost seconds (or a network lookup), so it stays a named placeholder.
        return ChromaEmbeddingFunction(None, config.get("embedder", ""))

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine"]


def persistent_client(path: Path):
    """Chroma embedded in this process, its files in ``path``."""
    return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


def http_client(url: str):
    """A Chroma server (``chroma run --path DIR --port P``) at ``url``, e.g. ``http://127.0.0.1:8000``.

    Authentication headers and tenants other than the default are not handled.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArchiveError(f"bad --chroma-url {url!r}; give one like http://127.0.0.1:8000")
    port = parts.port or (443 if parts.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(
            host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=Settings(anonymized_telemetry=False)
        )
        client.heartbeat()
    except Exception as e:  # chromadb raises plain Exception and httpx errors alike
        raise ArchiveError(
            f"cannot reach a Chroma server at {url} ({type(e).__name__}); start one with: chroma run --path DIR --port {port}"
        ) from e
    return client


def _sqlite_path(client) -> Path | None:
    """The ``chroma.sqlite3`` of an embedded persistent client; None for any other client."""
    try:
        settings = client.get_settings()
    except Exception:  # not a Chroma client of ours (a test's stand-in)
        return None
    if not settings.is_persistent or settings.chroma_api_impl != "chromadb.api.rust.RustBindingsAPI":
        return None
    return (Path(settings.persist_directory) / "chroma.sqlite3").resolve()


class Store:
    """Chunks in a Chroma collection, tagged with the embedder that made their vectors, and
    (when given a `SentenceStore`) the vectors of their sentences."""

    def __init__(self, client, embedder: Embedder, collection: str = COLLECTION, sentences: SentenceStore | None = None):
        self.embedder = embedder
        self.sentences = sentences
        self.max_batch = max(1, int(client.get_max_batch_size()))
        self._recordings: list[set[str]] = []
        self._sqlite = _sqlite_path(client)
        self.collection = client.get_or_create_collection(
            collection,
            embedding_function=ChromaEmbeddingFunction(embedder),
            metadata={"hnsw:space": "cosine", "embedder": embedder.name},
        )
        built_with = (self.collection.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise ArchiveError(
                f"this archive was built with embedder {built_with!r}, not {embedder.describe()}; "
                f"{embedder.mismatch_fix(built_with)}"
            )

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray, sentences: Sequence[Sentences] = ()) -> None:
        """Add or replace ``chunks`` with their vectors and, when given, their sentences' vectors."""
        if not chunks:
            return
        for seen in self._recordings:
            seen.update(c.article_id for c in chunks)
        vectors = np.asarray(embeddings, dtype=np.float32)
        step = self.max_batch
        for i in range(0, len(chunks), step):  # Chroma refuses a batch over its client's maximum
            part = chunks[i : i + step]
            self.collection.upsert(
                ids=[c.id for c in part], documents=[c.text for c in part], embeddings=vectors[i : i + step],
                metadatas=[to_metadata(c) for c in part],
            )
        if sentences and self.sentences is not None:
            self.sentences.add(chunks, sentences)

    def article_text(self, article_id: str) -> str:
        """An article's passages joined in order (overlaps repeat)."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        parts = sorted(zip(got["metadatas"], got["documents"], strict=True), key=lambda p: int(p[0].get("position", 0)))
        return "\n".join(text for _, text in parts)

    def delete_article(self, article_id: str, keep: str | None = None) -> None:
        """Delete an article's chunks, or with ``keep`` those of its versions whose content hash is not ``keep``."""
        for seen in self._recordings:
            seen.add(article_id)
        if keep is None:
            self.collection.delete(where={"article_id": article_id})
            if self.sentences is not None:
                self.sentences.delete_article(article_id)
            return
        got = self.collection.get(where={"article_id": article_id}, include=["metadatas"])
        stale = [cid for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=True) if meta.get("content_hash") != keep]
        if stale:  # sentences first: a kill in between leaves stale chunks, which the next call finds again
            if self.sentences is not None:
                self.sentences.delete(stale)
            self.collection.delete(ids=stale)

    def warm(self) -> None:
        """Have Chroma load its vector index (its first query reads it from disk), with a query for one of its own vectors."""
        got = self.collection.get(limit=1, include=["embeddings"])
        if got["embeddings"] is not None and len(got["embeddings"]):
            self.collection.query(query_embeddings=[np.asarray(got["embeddings"][0], dtype=np.float32)], n_results=1, include=[])

    def query(self, embedding: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks within ``filters``, with their cosine similarity, best first."""
        if self.count() == 0:
            return []
        got = self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=k,
            where=where(filters) if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        # a chunk another process deleted can linger in this client's vector index, without its record
        return [(from_metadata(cid, text, meta), 1.0 - float(dist)) for cid, text, meta, dist in rows if meta is not None]

    def chunks(self, page: int = 5000) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        """Every chunk with its vector, a page at a time."""
        for offset in range(0, self.count(), page):
            got = self.collection.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
            rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            yield [from_metadata(cid, text, meta) for cid, text, meta in rows], np.asarray(got["embeddings"], dtype=np.float32)

    def article_vectors(self, versions: Mapping[str, str], page: int = 200) -> dict[str, np.ndarray]:
        """article id -> the unit mean of the vectors of its chunks whose content hash is
        ``versions[id]``; an article without such chunks is left out."""
        sums: dict[str, np.ndarray] = {}
        ids = list(versions)
        for start in range(0, len(ids), page):
            part = ids[start:start + page]
            got = self.collection.get(where={"article_id": {"$in": part}}, include=["metadatas", "embeddings"])
            for meta, vector in zip(got["metadatas"] or [], got["embeddings"] if got["embeddings"] is not None else [], strict=True):
                article_id = meta["article_id"]
                if meta.get("content_hash", "") == versions[article_id]:
                    sums[article_id] = sums.get(article_id, 0) + np.asarray(vector, dtype=np.float32)
        return {i: v / (float(np.linalg.norm(v)) or 1.0) for i, v in sums.items()}

    def ids(self) -> list[str]:
        """The ids of all chunks: every one read from Chroma (0.2-0.4 s at 100k chunks, 4.7 s and
        2.3 GB of RSS at 1M); `version` tells more cheaply whether the chunks changed."""
        return list(self.collection.get(include=[])["ids"])

    def version(self) -> str | None:
        """A marker of the collection's chunks that changes whenever any is added, updated or deleted,
        by this process or another: the collection's id, the sequence number of the last write
        Chroma applied to it (from its ``chroma.sqlite3``, read-only, one indexed row) and its
        chunk count. None when it cannot be read: a client that is not embedded and persistent
        (in memory, a server over HTTP), a collection never written to, files not as Chroma 1.x
        lays them out. Take it before reading the chunks it is to describe."""
        if self._sqlite is None:
            return None
        collection = str(self.collection.id)
        try:
            db = sqlite3.connect(f"{self._sqlite.as_uri()}?mode=ro", uri=True)
            try:
                rows = db.execute(
                    "SELECT m.seq_id FROM segments s JOIN max_seq_id m ON m.segment_id = s.id"
                    " WHERE s.collection = ? AND s.scope = 'METADATA'", (collection,),
                ).fetchall()
            finally:
                db.close()
        except sqlite3.Error:
            return None
        if len(rows) != 1 or not isinstance(rows[0][0], int):
            return None
        return f"{collection}:{rows[0][0]}:{self.count()}"

    def get(self, ids: Sequence[str], page: int = 1000) -> tuple[list[Chunk], np.ndarray]:
        """The chunks ``ids`` names that the store holds, with their vectors (in the store's order)."""
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        for start in range(0, len(ids), page):
            got = self.collection.get(ids=list(ids[start:start + page]), include=["documents", "metadatas", "embeddings"])
            rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            chunks += [from_metadata(cid, text, meta) for cid, text, meta in rows]
            if len(got["ids"]):
                vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        return chunks, np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32)

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The ids of the articles whose chunks this store adds or deletes while the block runs
        (from the moment each write starts, so a write that fails half-way is counted)."""
        seen: set[str] = set()
        self._recordings.append(seen)
        try:
            yield seen
        finally:
            self._recordings.remove(seen)

    def articles(self) -> dict[str, tuple[Chunk, int]]:
        """article id -> (its first chunk found, its number of chunks), from the chunks' metadata."""
        found: dict[str, tuple[Chunk, int]] = {}
        got = self.collection.get(include=["metadatas"])
        for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            chunk = from_metadata(cid, "", meta)
            first, count = found.get(chunk.article_id, (chunk, 0))
            found[chunk.article_id] = (first, count + 1)
        return found

    def count(self) -> int:
        return self.collection.count()

    def stats(self) -> dict[str, Any]:
        """Chunk and article counts, and articles per outlet and language."""
        articles = self.articles()
        sources = [first.source for first, _ in articles.values()]
        return {
            "chunks": sum(count for _, count in articles.values()),
            "articles": len(articles),
            "sources": dict(Counter(s.outlet or "?" for s in sources).most_common()),
            "languages": dict(Counter(s.language or "?" for s in sources).most_common()),
        }


def to_metadata(chunk: Chunk) -> dict[str, str | int]:
    """A chunk's Chroma metadata (str and int only): dates as ISO text and as epoch seconds for ranges."""
    source = chunk.source
    meta: dict[str, str | int] = {
        "article_id": chunk.article_id, "title": source.title, "source": source.outlet, "url": source.url,
        "language": source.language, "content_hash": chunk.content_hash,
    }
    if source.published_at:
        meta["published_at"] = source.published_at.isoformat()
        meta["published_ts"] = source.published_ts
    meta["position"] = chunk.position
    if chunk.ingested_ts is not None:
        meta["ingested_ts"] = chunk.ingested_ts
    return meta


def from_metadata(chunk_id: str, text: str, meta: dict) -> Chunk:
    """The `Chunk` that `to_metadata` stored (missing fields empty, as in archives of older versions)."""
    published = meta.get("published_at")
    source = Source(meta.get("title", ""), meta.get("source", ""), meta.get("url", ""),
                    datetime.fromisoformat(published) if published else None, meta.get("language", ""))
    return Chunk(chunk_id, meta["article_id"], text, int(meta.get("position", 0)), source, meta.get("content_hash", ""),
                 meta.get("ingested_ts"))


def where(filters: Filters) -> dict | None:
    """Chroma's ``where`` for ``filters`` over the chunks' metadata; None when they restrict nothing."""
    conditions: list[dict] = []
    since_ts, until_ts = filters.bounds()
    if since_ts is not None:
        conditions.append({"published_ts": {"$gte": since_ts}})
    if until_ts is not None:
        conditions.append({"published_ts": {"$lt": until_ts}})
    if len(filters.sources) == 1:
        conditions.append({"source": filters.sources[0]})
    elif filters.sources:
        conditions.append({"source": {"$in": list(filters.sources)}})
    if filters.language:
        conditions.append({"language": filters.language})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
