"""Retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank.

Both rankings honour the same filters (dates, outlets, language). The keyword ranking counts
half as much as the dense one: word matches help when question and articles share a language
and are mostly noise across languages (docs/RESULTS.md); weighting it by each chunk's language
instead favoured articles in the question's language, which is worse for cross-lingual use.
At most ``per_article`` chunks of one article are kept so that several articles can speak.
No second-stage reranker: the one that installs offline is English-only and made
English-to-Spanish ranking worse.

Under filters the dense ranking is an exact scan of the chunks they keep, over the vectors
the keyword index holds in memory: Chroma's filtered query slows down as the archive grows.
The keyword index is rebuilt when the store's chunk count changes; a change that keeps the
count (an update of the same length) needs `refresh`.
"""

from __future__ import annotations

from typing import Sequence

from index.embed import Embedder
from index.keyword import KeywordIndex
from index.store import Store
from index.types import Chunk, Filters

from .types import Hit, Query

RRF_K = 60
KEYWORD_WEIGHT = 0.5  # the keyword ranking's weight against the dense one's 1
TIMELINE_PASSAGES = 6  # a story's development needs more dates than a fact needs passages


class Retriever:
    """Ranks an archive's chunks for a question; ``keyword_weight`` 0 turns the keyword ranking off."""

    def __init__(self, store: Store, embedder: Embedder, top_k: int = 4, candidates: int = 30, per_article: int = 3,
                 keyword_weight: float = KEYWORD_WEIGHT):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.candidates = candidates
        self.per_article = per_article
        self.keyword_weight = keyword_weight
        self._keyword: KeywordIndex | None = None
        self._keyword_count = -1

    def refresh(self) -> None:
        """Forget the keyword index (after the archive changed)."""
        self._keyword = None

    def keyword_index(self) -> KeywordIndex:
        count = self.store.count()
        if self._keyword is None or count != self._keyword_count:
            self._keyword, self._keyword_count = KeywordIndex.from_store(self.store), count
        return self._keyword

    def retrieve(self, query: Query, top_k: int | None = None) -> list[Hit]:
        """The passages for an understood question.

        A timeline takes more passages, one per article, oldest first. When the filters read
        from the question match nothing, the search runs within the explicit ones alone.
        """
        timeline = query.kind == "timeline"
        k, per_article = (max(top_k or self.top_k, TIMELINE_PASSAGES), 1) if timeline else (top_k, None)
        hits = self.search(query.search, k, query.filters, per_article)
        if not hits and query.filters != query.explicit:
            hits = self.search(query.search, k, query.explicit, per_article)
        if timeline:
            hits = [Hit(h.chunk, h.score, i) for i, h in enumerate(sorted(hits, key=_published), start=1)]
        return hits

    def search(self, text: str, top_k: int | None = None, filters: Filters | None = None,
               per_article: int | None = None) -> list[Hit]:
        """The ``top_k`` chunks for ``text`` within ``filters``: both rankings fused."""
        top_k = top_k or self.top_k
        n = max(self.candidates, top_k * 3)
        embedding = self.embedder.embed_query(text)
        keyword = self.keyword_index() if self.keyword_weight > 0 else None
        mask = keyword.mask(filters) if keyword is not None else None
        if mask is not None and keyword.vectors is not None:  # an exact scan of what the filters keep
            dense = keyword.nearest(embedding, n, mask)
        else:
            dense = self.store.query(embedding, n, filters)
        rankings, weights = [dense], [1.0]
        if keyword is not None:
            rankings.append(keyword.search(text, n, mask))
            weights.append(self.keyword_weight)
        return fuse(rankings, top_k, per_article or self.per_article, weights)


def fuse(rankings: Sequence[Sequence[tuple[Chunk, float]]], k: int, per_article: int, weights: Sequence[float] | None = None) -> list[Hit]:
    """Reciprocal rank fusion of (chunk, score) rankings, at most ``per_article`` chunks per article."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk, _) in enumerate(ranking, start=1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (RRF_K + rank)
            chunks[chunk.id] = chunk
    out: list[Hit] = []
    taken: dict[str, int] = {}
    for cid in sorted(scores, key=lambda c: -scores[c]):
        article = chunks[cid].article_id
        if taken.get(article, 0) >= per_article:
            continue
        taken[article] = taken.get(article, 0) + 1
        out.append(Hit(chunks[cid], scores[cid], len(out) + 1))
        if len(out) == k:
            break
    return out


def _published(hit: Hit) -> int:
    return hit.chunk.source.published_ts or 0
