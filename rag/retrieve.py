"""Dense retrieval: embed the question and take the nearest chunks from the store.

Keyword search, fusion, filters and per-article diversity are not handled yet.
"""

from __future__ import annotations

from index.embed import Embedder
from index.store import Store

from .types import Hit


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, top_k: int = 4):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k

    def retrieve(self, question: str, top_k: int | None = None) -> list[Hit]:
        vector = self.embedder.embed_query(question)
        found = self.store.query(vector, top_k or self.top_k)
        return [Hit(chunk=chunk, score=score, rank=i) for i, (chunk, score) in enumerate(found, start=1)]
