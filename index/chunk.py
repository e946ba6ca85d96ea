"""Split articles into sentence-aware, token-budgeted passages with overlap.

Uses llama-index's `SentenceSplitter`. Token counts come from a light word/punctuation
tokenizer, close enough to the embedder's sub-word count for budgeting; it does not know
the embedder's exact vocabulary.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable, Sequence

from .types import Article, Chunk

_TOKEN = re.compile(r"\w+|[^\w\s]")


def approx_tokens(text: str) -> list[str]:
    """Words and punctuation marks: a tokenizer-free stand-in for sub-word tokens."""
    return _TOKEN.findall(text)


def content_hash(article: Article) -> str:
    """Hash of everything about an article that ends up in the index."""
    date = article.published_at.isoformat() if article.published_at else ""
    basis = "\x1f".join([article.title, article.source, article.url, date, article.language, article.text])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


class Chunker:
    """Article -> list of `Chunk`, each carrying the article's citation metadata."""

    def __init__(
        self,
        chunk_tokens: int = 160,
        overlap_tokens: int = 24,
        tokenizer: Callable[[str], Sequence] = approx_tokens,
    ):
        from llama_index.core.node_parser import SentenceSplitter

        self.splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            tokenizer=tokenizer,
            paragraph_separator="\n\n",
        )

    def split(self, article: Article) -> list[Chunk]:
        meta = article_meta(article)
        pieces = [p.strip() for p in self.splitter.split_text(article.text) if p.strip()]
        return [
            Chunk(id=f"{article.id}#{i}", article_id=article.id, text=piece, position=i, meta={**meta, "position": i})
            for i, piece in enumerate(pieces)
        ]


def article_meta(article: Article) -> dict:
    """Chroma-ready metadata (str/int only): dates as ISO text and as epoch seconds for ranges."""
    meta = {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "language": article.language,
        "content_hash": content_hash(article),
    }
    if article.published_at:
        meta["published_at"] = article.published_at.isoformat()
        meta["published_ts"] = int(article.published_at.timestamp())
    return meta


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the passage headed by its title, outlet and date."""
    head = " · ".join(x for x in (chunk.meta.get("title"), chunk.meta.get("source"), chunk.meta.get("published_at", "")[:10]) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text
