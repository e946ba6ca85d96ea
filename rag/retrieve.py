"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank.

Both rankings honour the same filters (dates, outlets, language). The keyword ranking counts
half as much as the dense one: word matches help when question and articles share a language
and are mostly noise across languages (docs/RESULTS.md); weighting it by each chunk's language
instead favoured articles in the question's language, which is worse for cross-lingual use.
At most ``per_article`` chunks of one article are kept so that several articles can speak.
A reranker can be passed in; none is used by default (the one that installs offline is
English-only and made English-to-Spanish ranking worse).

Under filters the dense ranking is an exact scan of the chunks they keep, over the vectors
the keyword index holds in memory: Chroma's filtered query slows down as the archive grows.
The keyword index is rebuilt when the store's chunk count changes; a change that keeps the
count (an update of the same length) needs `refresh`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from index.embed import Embedder
from index.keyword import KeywordIndex
from index.store import Store

from .types import Hit

if TYPE_CHECKING:
    from .filters import Filters

RRF_K = 60
Reranker = Callable[[str, list[Hit]], list[Hit]]


class Retriever:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        top_k: int = 4,
        candidates: int = 30,
        per_article: int = 3,
        hybrid: bool = True,
        keyword_weight: float = 0.5,
        reranker: Reranker | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.candidates = candidates
        self.per_article = per_article
        self.hybrid = hybrid
        self.keyword_weight = keyword_weight
        self.reranker = reranker
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

    def retrieve(
        self, question: str, top_k: int | None = None, filters: "Filters | None" = None, per_article: int | None = None
    ) -> list[Hit]:
        top_k = top_k or self.top_k
        n = max(self.candidates, top_k * 3)
        embedding = self.embedder.embed_query(question)
        keyword = self.keyword_index() if self.hybrid else None
        mask = None
        if keyword is not None and filters:
            since_ts, until_ts = filters.bounds()  # the same seconds as the Chroma `where`
            mask = keyword.mask(since_ts=since_ts, until_ts=until_ts, sources=filters.sources, language=filters.language)
        if mask is not None and keyword.vectors is not None:  # an exact scan of what the filters keep
            dense = keyword.nearest(embedding, n, mask)
        else:
            dense = self.store.query(embedding, n, where=filters.where() if filters else None)
        rankings = [dense]
        if keyword is not None:
            rankings.append(keyword.search(question, n, mask))
        weights = [1.0, self.keyword_weight][: len(rankings)]
        hits = fuse(rankings, top_k if self.reranker is None else n, per_article or self.per_article, weights)
        if self.reranker is not None:
            hits = self.reranker(question, hits)[:top_k]
        return [Hit(h.chunk, h.score, rank) for rank, h in enumerate(hits, start=1)]


def fuse(rankings: Sequence[Sequence[tuple]], k: int, per_article: int, weights: Sequence | None = None) -> list[Hit]:
    """Reciprocal rank fusion of (chunk, score) rankings, at most ``per_article`` chunks per article.

    A ranking's weight is a number or a function of the chunk.
    """
    scores: dict[str, float] = {}
    chunks = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk, _) in enumerate(ranking, start=1):
            w = weight(chunk) if callable(weight) else weight
            scores[chunk.id] = scores.get(chunk.id, 0.0) + w / (RRF_K + rank)
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
