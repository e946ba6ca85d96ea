"""Retrieval: the passages whose best sentence is closest to the question, with keyword matches
counting as much as the question's words can match.

Candidates are the chunks nearest to the question (dense, over whole-passage vectors) and those
sharing its words (BM25). Each is ranked by its sentence closest to the question (`index.sentences`:
sentences embedded under their passage's heading), which finds the sentence that answers better
than a whole passage's vector does, across languages too; the sentences, best first, are the
hit's `evidence`. The keyword ranking is fused by reciprocal rank with a weight scaled by how
much of the question's words (by rarity) its best matches hold: English words rarely occur
in Spanish text, so across languages only names and numbers count, while within one language
the keywords help (docs/RESULTS.md). At most ``per_article`` chunks of one article are kept.

Filters read from the question keep what they name first without losing the answer: a question
is searched within them and, when it names outlets besides those it reads as filters ("after the
report by The Age, did TechCrunch ..."), within each of those too; when a passage outside them
answers better (its best sentence is closer to the question by more than `WIDEN_MARGIN`), as for
a date that is an event's rather than a publication's, the search is widened to the whole
archive and its ranking added; when they keep fewer passages than asked for, the whole archive's
best fill the rest, after them. A question that names outlets but reads no filter is also searched
within each of them. The rankings are added up. The user's own filters are hard. No second-stage cross-encoder: the one that installs offline is English-only and made
English-to-Spanish ranking worse (docs/RESULTS.md). Chunks without sentence vectors (archives
built before them, until their next ingest) are ranked by their whole-passage similarity.

In an archive of several languages, similarity favours the question's own: an English question
over English and Spanish reports gets English passages about the topic before the Spanish one
that answers. So when the passages taken are all in fewer languages than the archive holds, the
last one gives way to the best passage in the others (within the same filters): the sample
set's evidence reached the model for 0.84 of its questions instead of 0.67 (docs/RESULTS.md).
A question filtered to one language, and a timeline, keep what they found.

Under filters the dense candidates come from an exact scan of the chunks they keep, over the
vectors the keyword index holds in memory: Chroma's filtered query slows down as the archive
grows. With `KeywordFiles` the keyword index is saved beside the archive and memory-mapped by the
next process; a write to the store inside `updating` (in any process) brings it up to date, and
the saved state's change tells the others to read it again. A change by another program is seen
when the index is next opened (a new process, or after `refresh`). Without saved files, the index
is built from the store on the first question and again when the store's chunk count changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterable, Iterator, Literal, NamedTuple, Sequence

import numpy as np

from index.embed import Embedder
from index.keyword import KeywordFiles, KeywordIndex
from index.store import Store
from index.types import Chunk, Filters

from .types import Hit, Query

RRF_K = 60
KEYWORD_WEIGHT = 0.5  # the keyword ranking's weight, times the share of the question's words the best candidates hold
KEYWORD_DEPTH = 5  # how many of the best keyword matches tell how much of the question its words can match
TIMELINE_PASSAGES = 6  # a story's development needs more dates than a fact needs passages
WIDEN_MARGIN = 0.02  # how much closer a sentence outside the question's filters must be to widen the search
Ranking = Literal["default", "dense", "keyword"]


class Retriever:
    """Ranks an archive's chunks for a question.

    ``ranking`` ``dense`` uses whole-passage vectors alone and ``keyword`` BM25 alone (both for
    comparison); ``keyword_weight`` 0 turns the keyword side of the default off. ``keyword_files``
    keeps the keyword index saved (`index.keyword.KeywordFiles`); None builds it in memory.
    """

    def __init__(self, store: Store, embedder: Embedder, top_k: int = 4, candidates: int = 30, per_article: int = 3,
                 keyword_weight: float = KEYWORD_WEIGHT, ranking: Ranking = "default",
                 keyword_files: KeywordFiles | None = None):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.candidates = candidates
        self.per_article = per_article
        self.keyword_weight = keyword_weight
        self.ranking = ranking
        self.keyword_files = keyword_files
        self._keyword: KeywordIndex | None = None
        self._keyword_count = -1
        self._keyword_stamp: tuple | None = None
        self._opening = threading.RLock()  # a question and `prefetch` do not open the keyword index twice

    def prefetch(self) -> list[threading.Thread]:
        """Read what a first question needs in two background threads, the keyword index and Chroma's
        vector index (which its first query loads), so that it overlaps with what comes before the
        search: understanding the question, embedding it, loading a model. A question asked
        meanwhile waits only for what it needs. An error is left for the question to meet."""
        def quietly(read):
            def run() -> None:
                try:
                    read()
                except Exception:  # the question that follows reports it
                    pass
            return run

        reads = [self.keyword_index] + ([self.store.warm] if self.ranking != "keyword" else [])
        threads = [threading.Thread(target=quietly(read), daemon=True, name="newsrag-prefetch") for read in reads]
        for thread in threads:
            thread.start()
        return threads

    def refresh(self) -> None:
        """Forget the keyword index (after the archive changed): the next question reads it again."""
        self._keyword = None

    def keyword_index(self) -> KeywordIndex:
        """The keyword index, read again when the saved one changed (a stat of its state file) or,
        without saved files, when the store's chunk count did (a Chroma call, 10-20 ms at 100k chunks)."""
        files = self.keyword_files
        with self._opening:
            if files is not None:
                if self._keyword is None or files.stamp() != self._keyword_stamp:
                    self._keep(files.open(self.store, self._keyword))
            elif self._keyword is None or self.store.count() != self._keyword_count:
                self._keep(KeywordIndex.from_store(self.store))
            return self._keyword

    def _keep(self, index: KeywordIndex) -> None:
        self._keyword, self._keyword_count = index, index.n
        self._keyword_stamp = self.keyword_files.stamp() if self.keyword_files else None

    @contextmanager
    def updating(self) -> Iterator[None]:
        """Around a write to the store (an ingest, a removal): the saved keyword index follows the
        articles written (`KeywordFiles.updating`); without saved files it is built at the next question."""
        if self.keyword_files is None:
            self.refresh()
            try:
                yield
            finally:
                self.refresh()
            return
        with self._opening:  # an index being opened by `prefetch` is the one brought up to date
            held = self._keyword
        with self.keyword_files.updating(self.store, held) as updated:
            yield
        with self._opening:
            self._keep(updated[0])

    def retrieve(self, query: Query, top_k: int | None = None, per_article: int | None = None) -> list[Hit]:
        """The passages for an understood question, at most ``per_article`` of one article (default: the retriever's).

        Searched within the user's filters, and also within the filters read from the question
        and within each outlet it names (see the module's docstring). A timeline takes more
        passages, one per article, oldest first.
        """
        timeline = query.kind == "timeline"
        k, per_article = (max(top_k or self.top_k, TIMELINE_PASSAGES), 1) if timeline else (top_k, per_article)
        read = query.filters != query.explicit
        within = query.filters
        named = [o for o in query.outlets if not query.explicit.sources and (not read or within.sources and o not in within.sources)]
        scopes = [within, *(within.merge(Filters(sources=(outlet,))) for outlet in named)]
        widen = (query.explicit, query.standalone or query.search) if read else None
        embedding = None if self.ranking == "keyword" else self.embedder.embed_query(query.search)
        hits = self._search(query.search, scopes, k, per_article, widen, embedding)
        if not timeline and not within.language:
            hits = self._other_languages(query.search, scopes, hits, k or self.top_k, embedding)
        if timeline:
            hits = [Hit(h.chunk, h.score, i, evidence=h.evidence) for i, h in enumerate(sorted(hits, key=_published), start=1)]
        return hits

    def _other_languages(self, text: str, scopes: Sequence[Filters], hits: list[Hit], k: int,
                         embedding: np.ndarray | None) -> list[Hit]:
        """``hits`` with the last one replaced by the best passage in a language of the archive
        they do not hold (see the module's docstring); as they are when they hold every language."""
        missing = self.keyword_index().languages() - {h.chunk.source.language for h in hits}
        if not missing or len(hits) < k or k < 2:
            return hits
        other = self._search(text, [s.merge(Filters(language=lang)) for s in scopes for lang in sorted(missing)], 1, None,
                             embedding=embedding)
        if not other:
            return hits
        return [*hits[:k - 1], Hit(other[0].chunk, other[0].score, k, evidence=other[0].evidence)]

    def search(self, text: str, top_k: int | None = None, filters: Filters | None = None,
               per_article: int | None = None) -> list[Hit]:
        """The ``top_k`` chunks for ``text`` within ``filters``."""
        return self._search(text, [filters or Filters()], top_k, per_article)

    def _search(self, text: str, scopes: Sequence[Filters], top_k: int | None, per_article: int | None,
                widen: tuple[Filters, str] | None = None, embedding: np.ndarray | None = None) -> list[Hit]:
        """The rankings of ``text`` within each of ``scopes``, added up; and, when ``widen`` is given
        as (filters, text), its ranking too when its best passage beats theirs by `WIDEN_MARGIN`
        (or they keep nothing). A widened search looks for the question with its dates and outlets:
        there they are part of what is asked. ``embedding`` is ``text``'s, when already known."""
        top_k = top_k or self.top_k
        n = max(self.candidates, top_k * 3)
        embed = (lambda t: None) if self.ranking == "keyword" else self.embedder.embed_query
        embedding = embed(text) if embedding is None else embedding
        sentences: dict = {}
        ranked = [self._rank(text, embedding, scope, n, sentences) for scope in scopes]
        wide = None
        if widen is not None:
            scope, asked = widen
            asked_embedding = embedding if asked == text else embed(asked)
            wide = self._rank(asked, asked_embedding, scope, n, sentences)
            if wide.best > self._inside_best(ranked, asked_embedding, sentences) + WIDEN_MARGIN:
                ranked.append(wide)
        per_article = per_article or self.per_article
        hits = _fuse(ranked, top_k, per_article)
        if wide is not None and len(hits) < top_k:  # the filters keep too little: the wider search fills the rest
            hits = fill(hits, _fuse([wide], top_k, per_article), top_k, per_article)
        return [Hit(h.chunk, h.score, h.rank, evidence=_evidence(h.chunk, sentences.get(h.chunk.id), embedding)) for h in hits]

    def _inside_best(self, ranked: Sequence[_Ranked], embedding: np.ndarray | None, sentences: dict) -> float:
        """The best similarity to ``embedding`` among the candidates of ``ranked``, as the widened search measures it."""
        candidates = list({c.id: c for r in ranked for c in r.candidates}.values())
        if embedding is None or not candidates:
            return max((r.best for r in ranked), default=float("-inf"))
        return max(self._best_sentences(candidates, embedding, sentences, self.keyword_index()).values())

    def _rank(self, text: str, embedding: np.ndarray | None, scope: Filters, n: int, sentences: dict) -> _Ranked:
        """The rankings of ``text`` within ``scope`` and their weights; ``sentences`` collects the candidates'."""
        keyword = self.keyword_index()
        mask = keyword.mask(scope)
        found = keyword.search(text, n, mask) if self.ranking != "dense" and self.keyword_weight > 0 else []
        words = [c for c, _ in found]
        if self.ranking == "keyword":
            return _Ranked([words], [1.0], float(found[0][1]) if found else float("-inf"), words)
        dense = self._dense(keyword, embedding, n, mask, scope)
        if self.ranking == "dense":
            chunks = [c for c, _ in dense]
            return _Ranked([chunks], [1.0], dense[0][1] if dense else float("-inf"), chunks)
        candidates = list({c.id: c for c in [*(c for c, _ in dense), *words]}.values())
        missing = [c.id for c in candidates if c.id not in sentences]
        if self.store.sentences is not None and missing:
            sentences.update(self.store.sentences.get(missing))
        best = self._best_sentences(candidates, embedding, sentences, keyword)
        by_sentence = sorted(candidates, key=lambda c: -best[c.id])
        if not words:
            return _Ranked([by_sentence], [1.0], best[by_sentence[0].id] if by_sentence else float("-inf"), by_sentence)
        held = max(keyword.coverage(text, c) for c in words[:KEYWORD_DEPTH])
        return _Ranked([by_sentence, words], [1.0, self.keyword_weight * held], best[by_sentence[0].id], by_sentence)

    def _dense(self, keyword: KeywordIndex, embedding: np.ndarray, n: int, mask: np.ndarray | None,
               scope: Filters) -> list[tuple[Chunk, float]]:
        """The ``n`` chunks whose whole-passage vectors are nearest to ``embedding`` within ``scope``."""
        if mask is not None and keyword.vectors is not None:  # an exact scan of what the filters keep
            return keyword.nearest(embedding, n, mask)
        return self.store.query(embedding, n, scope)

    @staticmethod
    def _best_sentences(candidates: Sequence[Chunk], embedding: np.ndarray, sentences: dict, keyword: KeywordIndex) -> dict[str, float]:
        """Each candidate's best sentence similarity; its whole-passage similarity when it has no sentence vectors."""
        best = {}
        query = np.asarray(embedding, dtype=np.float32)
        for chunk in candidates:
            found = sentences.get(chunk.id)
            if found is not None and len(found.vectors):
                best[chunk.id] = float((found.vectors @ query).max())
            elif keyword.vectors is not None and chunk.id in keyword.rows:
                best[chunk.id] = float(keyword.vectors[keyword.rows[chunk.id]] @ query)
            else:
                best[chunk.id] = -1.0
        return best


class _Ranked(NamedTuple):
    """The rankings of one scope, their fusion weights, the best candidate's similarity, and the candidates."""

    rankings: list[list[Chunk]]
    weights: list[float]
    best: float
    candidates: list[Chunk]


def _fuse(ranked: Sequence[_Ranked], k: int, per_article: int) -> list[Hit]:
    """The rankings of ``ranked``, fused with their weights."""
    rankings = [[(c, 0.0) for c in r] for scope in ranked for r in scope.rankings]
    return fuse(rankings, k, per_article, [w for scope in ranked for w in scope.weights])


def fill(hits: Sequence[Hit], more: Sequence[Hit], k: int, per_article: int) -> list[Hit]:
    """``hits``, then those of ``more`` they do not hold, up to ``k`` in all and ``per_article`` chunks an article."""
    held = {h.chunk.id for h in hits}
    return _take([*hits, *(h for h in more if h.chunk.id not in held)], k, per_article)


def _take(ranked: Iterable[Hit], k: int, per_article: int) -> list[Hit]:
    """The first ``k`` of ``ranked`` with at most ``per_article`` chunks of one article, numbered from 1."""
    out: list[Hit] = []
    taken: Counter[str] = Counter()
    for hit in ranked:
        if len(out) == k:
            break
        if taken[hit.chunk.article_id] >= per_article:
            continue
        taken[hit.chunk.article_id] += 1
        out.append(Hit(hit.chunk, hit.score, len(out) + 1))
    return out


def _evidence(chunk: Chunk, sentences, embedding: np.ndarray | None) -> tuple[tuple[str, float], ...]:
    """The chunk's sentences with their similarity to the question, best first; () without sentence vectors."""
    if sentences is None or embedding is None:
        return ()
    scores = sentences.vectors @ np.asarray(embedding, dtype=np.float32)
    texts = sentences.texts(chunk.text)
    return tuple((texts[i], round(float(scores[i]), 4)) for i in np.argsort(-scores, kind="stable"))


def fuse(rankings: Sequence[Sequence[tuple[Chunk, float]]], k: int, per_article: int, weights: Sequence[float] | None = None) -> list[Hit]:
    """Reciprocal rank fusion of (chunk, score) rankings, at most ``per_article`` chunks per article."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk, _) in enumerate(ranking, start=1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (RRF_K + rank)
            chunks[chunk.id] = chunk
    ranked = sorted((c for c in scores if scores[c] > 0), key=lambda c: -scores[c])
    return _take((Hit(chunks[c], scores[c], 0) for c in ranked), k, per_article)


def _published(hit: Hit) -> int:
    return hit.chunk.source.published_ts or 0
