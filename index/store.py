"""The archive's vector store: one Chroma collection of chunks with citation metadata.

Embeddings are computed by our `Embedder` and handed to Chroma; the collection also gets
an explicit embedding function so Chroma never falls back to its downloading default.
Telemetry is off. Ingest bookkeeping beyond per-article content hashes is not kept here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.config import Settings

from .embed import Embedder
from .errors import ArchiveError
from .types import Chunk

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


class Store:
    """Chunks in a Chroma collection, tagged with the embedder that made their vectors."""

    def __init__(self, client, embedder: Embedder, collection: str = COLLECTION):
        self.embedder = embedder
        self.collection = client.get_or_create_collection(
            collection,
            embedding_function=ChromaEmbeddingFunction(embedder),
            metadata={"hnsw:space": "cosine", "embedder": embedder.name},
        )
        built_with = (self.collection.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise ArchiveError(
                f"this archive was built with embedder {built_with!r}, not {embedder.name!r}; "
                f"pass --embedder {built_with} or ingest into a new --archive folder"
            )

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if not chunks:
            return
        self.collection.upsert(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
            embeddings=np.asarray(embeddings, dtype=np.float32),
            metadatas=[c.meta for c in chunks],
        )

    def content_hashes(self) -> dict[str, str]:
        """article id -> content hash, for every article in the store."""
        got = self.collection.get(include=["metadatas"])
        return {m["article_id"]: m.get("content_hash", "") for m in got["metadatas"] or []}

    def article_text(self, article_id: str) -> str:
        """An article's passages joined in order (overlaps repeat)."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        parts = sorted(zip(got["metadatas"], got["documents"], strict=True), key=lambda p: int(p[0].get("position", 0)))
        return "\n".join(text for _, text in parts)

    def delete_article(self, article_id: str) -> None:
        self.collection.delete(where={"article_id": article_id})

    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks with their cosine similarity, best first."""
        if self.count() == 0:
            return []
        got = self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for cid, text, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True):
            chunk = Chunk(id=cid, article_id=meta["article_id"], text=text, position=int(meta.get("position", 0)), meta=dict(meta))
            out.append((chunk, 1.0 - float(dist)))
        return out

    def count(self) -> int:
        return self.collection.count()

    def stats(self) -> dict[str, Any]:
        """Chunk and article counts, and articles per outlet and language."""
        metas = self.collection.get(include=["metadatas"])["metadatas"] or []
        articles = {m["article_id"]: m for m in metas}
        return {
            "chunks": len(metas),
            "articles": len(articles),
            "sources": dict(Counter(m.get("source") or "?" for m in articles.values()).most_common()),
            "languages": dict(Counter(m.get("language") or "?" for m in articles.values()).most_common()),
        }
