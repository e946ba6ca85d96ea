"""Keyword search over an archive's chunks: BM25 from `bm25s`, built in memory from the store.

Tokens are lower-cased words without accents, minus English and Spanish stopwords, with no
stemming: names, numbers and rare words carry across languages, inflections do not. The index
is rebuilt from the store when the store changes (see `rag.retrieve.Retriever`); it is not
saved to disk.

Built from a store, it also keeps the chunks' vectors, so that a filtered dense search is an
exact scan of the chunks the filters keep (`nearest`) rather than a filtered HNSW query, which
slows down as the archive grows (docs/PERFORMANCE.md). That costs 4 bytes per dimension per chunk
of memory (150 MB at 100k chunks of 384 dimensions).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np

from .store import Store
from .types import Chunk

_TOKEN = re.compile(r"\w\w+")


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

    return frozenset(_fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_SPANISH))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def tokenize(text: str, stopwords: frozenset[str]) -> list[str]:
    return [t for t in _TOKEN.findall(_fold(text)) if t not in stopwords]


class KeywordIndex:
    """BM25 over chunk texts (with their titles), plus metadata arrays for filtering."""

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None):
        import bm25s

        self.chunks = list(chunks)
        self.vectors = None
        if vectors is not None and len(vectors):
            vectors = np.asarray(vectors, dtype=np.float32)
            self.vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self._stop = _stopwords()
        corpus = [tokenize(f"{c.meta.get('title', '')}\n{c.text}", self._stop) for c in self.chunks]
        self._bm25 = bm25s.BM25()
        if self.chunks:
            self._bm25.index([tokens or ["\x00"] for tokens in corpus], show_progress=False)
        self.published = np.array([int(c.meta.get("published_ts", -1)) for c in self.chunks], dtype=np.int64)
        self.source = np.array([c.meta.get("source", "") for c in self.chunks], dtype=object)
        self.language = np.array([c.meta.get("language", "") for c in self.chunks], dtype=object)

    @classmethod
    def from_store(cls, store: Store, page: int = 5000) -> "KeywordIndex":
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        total = store.count()
        for offset in range(0, total, page):
            got = store.collection.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                chunks.append(Chunk(cid, meta["article_id"], text, int(meta.get("position", 0)), dict(meta)))
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        return cls(chunks, np.concatenate(vectors) if vectors else None)

    def mask(self, since_ts: int | None = None, until_ts: int | None = None, sources: Sequence[str] = (),
             language: str | None = None) -> np.ndarray | None:
        """1.0 for chunks that pass the filters (undated chunks fail any date filter), else 0.0."""
        if since_ts is None and until_ts is None and not sources and not language:
            return None
        keep = np.ones(len(self.chunks), dtype=bool)
        if since_ts is not None:
            keep &= self.published >= since_ts
        if until_ts is not None:
            keep &= (self.published < until_ts) & (self.published >= 0)
        if sources:
            keep &= np.isin(self.source, list(sources))
        if language:
            keep &= self.language == language
        return keep.astype(np.float32)

    def nearest(self, embedding: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks (among those ``mask`` keeps) nearest to ``embedding``, with their cosine
        similarity, best first: an exact scan. Needs the vectors (`from_store`)."""
        if self.vectors is None:
            raise ValueError("this keyword index holds no vectors: build it with KeywordIndex.from_store")
        rows = np.flatnonzero(mask) if mask is not None else np.arange(len(self.chunks))
        if not len(rows):
            return []
        query = np.asarray(embedding, dtype=np.float32)
        scores = self.vectors[rows] @ (query / max(float(np.linalg.norm(query)), 1e-12))
        k = min(k, len(rows))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.chunks[rows[i]], float(scores[i])) for i in best]

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks sharing words with ``query``, best first, with their BM25 scores."""
        tokens = tokenize(query, self._stop)
        if not self.chunks or not tokens:
            return []
        k = min(k, len(self.chunks))
        ids, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, weight_mask=mask)
        return [(self.chunks[i], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]
