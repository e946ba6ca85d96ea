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
from collections import Counter
from typing import Sequence

import numpy as np

from .language import ALL_FUNCTION_WORDS, fold
from .store import Store
from .types import Chunk, Filters

_TOKEN = re.compile(r"\w\w+")
_FUNCTION_WORDS = frozenset(fold(w) for w in ALL_FUNCTION_WORDS)


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

    return frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_SPANISH))


def tokenize(text: str, stopwords: frozenset[str]) -> list[str]:
    return [t for t in _TOKEN.findall(fold(text)) if t not in stopwords]


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
        self.rows = {c.id: i for i, c in enumerate(self.chunks)}
        corpus = [tokenize(f"{c.source.title}\n{c.text}", self._stop) for c in self.chunks]
        self._documents = Counter(t for tokens in corpus for t in set(tokens))
        self._bm25 = bm25s.BM25()
        if self.chunks:
            self._bm25.index([tokens or ["\x00"] for tokens in corpus], show_progress=False)
        published = [c.source.published_ts for c in self.chunks]
        self.published = np.array([-1 if ts is None else ts for ts in published], dtype=np.int64)
        self.outlet = np.array([c.source.outlet for c in self.chunks], dtype=object)
        self.language = np.array([c.source.language for c in self.chunks], dtype=object)

    @classmethod
    def from_store(cls, store: Store) -> KeywordIndex:
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        for page, embeddings in store.chunks():
            chunks += page
            vectors.append(embeddings)
        return cls(chunks, np.concatenate(vectors) if vectors else None)

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """1.0 for chunks that pass ``filters`` (undated chunks fail any date filter), else 0.0;
        None when nothing is filtered. Dates are compared in the same whole seconds as `index.store.where`."""
        if not filters:
            return None
        since_ts, until_ts = filters.bounds()
        keep = np.ones(len(self.chunks), dtype=bool)
        if since_ts is not None:
            keep &= self.published >= since_ts
        if until_ts is not None:
            keep &= (self.published < until_ts) & (self.published >= 0)
        if filters.sources:
            keep &= np.isin(self.outlet, list(filters.sources))
        if filters.language:
            keep &= self.language == filters.language
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

    def coverage(self, query: str, chunk: Chunk) -> float:
        """The share of ``query``'s content words, weighted by their rarity (idf), that ``chunk`` holds: 0 to 1.

        A word the archive does not hold at all counts as rarest, so across languages, where only
        names and numbers match, this tells how little the words of a question can say.
        """
        wanted = set(tokenize(query, self._stop)) - _FUNCTION_WORDS
        if not wanted:
            return 0.0
        held = set(tokenize(f"{chunk.source.title}\n{chunk.text}", self._stop))
        n = len(self.chunks)
        idf = {t: np.log(1 + (n - self._documents[t] + 0.5) / (self._documents[t] + 0.5)) for t in wanted}
        return float(sum(idf[t] for t in wanted & held) / sum(idf.values()))

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks sharing words with ``query``, best first, with their BM25 scores."""
        tokens = tokenize(query, self._stop)
        if not self.chunks or not tokens:
            return []
        k = min(k, len(self.chunks))
        ids, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, weight_mask=mask)
        return [(self.chunks[i], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]
