"""Split articles into sentence-aware, token-budgeted passages with overlap.

Uses llama-index's `SentenceSplitter`. Token counts come from a light word/punctuation
tokenizer, close enough to the embedder's sub-word count for budgeting; it does not know
the embedder's exact vocabulary. A word counts as one token per `MAX_TOKEN_CHARS` letters and
each CJK character (ideograph, kana, hangul syllable) as one, so that a text without spaces or a
run of letters of any length is split like any other and no chunk holds more than
``chunk_tokens * MAX_TOKEN_CHARS`` characters. Not handled: scripts written without spaces other
than CJK (Thai, Khmer...) are counted by `MAX_TOKEN_CHARS` letters, not by their words.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from typing import Callable, Sequence

from .types import Article, Chunk, Source

MAX_TOKEN_CHARS = 24  # a longer word (a URL, a hash, an unbroken run) counts as a token per this many letters
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]{{1,{MAX_TOKEN_CHARS}}}|[^\w\s]")


def approx_tokens(text: str) -> list[str]:
    """Words (cut every `MAX_TOKEN_CHARS` letters), CJK characters and punctuation marks: a tokenizer-free
    stand-in for sub-word tokens."""
    return _TOKEN.findall(text)


def content_hash(article: Article) -> str:
    """Hash of everything about an article that ends up in the index."""
    date = article.published_at.isoformat() if article.published_at else ""
    basis = "\x1f".join([article.title, article.source, article.url, date, article.language, article.text])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


class Chunker:
    """Article -> list of `Chunk`, each carrying where it comes from (`Source`)."""

    def __init__(
        self,
        chunk_tokens: int = 160,
        overlap_tokens: int = 24,
        tokenizer: Callable[[str], Sequence] = approx_tokens,
    ):
        self.chunk_tokens, self.overlap_tokens, self.tokenizer = chunk_tokens, overlap_tokens, tokenizer

    @cached_property
    def splitter(self):
        """llama-index's splitter, imported at the first split (an ingest of unchanged files splits nothing)."""
        from llama_index.core.node_parser import SentenceSplitter

        return SentenceSplitter(
            chunk_size=self.chunk_tokens,
            chunk_overlap=self.overlap_tokens,
            tokenizer=self.tokenizer,
            paragraph_separator="\n\n",
        )

    def split(self, article: Article) -> list[Chunk]:
        source, digest = Source.of(article), content_hash(article)
        pieces = [p.strip() for p in self.splitter.split_text(article.text) if p.strip()]
        return [Chunk(f"{article.id}#{i}", article.id, piece, i, source, digest) for i, piece in enumerate(pieces)]


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the passage under its `heading`."""
    head = heading(chunk)
    return f"{head}\n{chunk.text}" if head else chunk.text


def heading(chunk: Chunk) -> str:
    """``Title · Outlet · 2024-06-17``: what is embedded above a passage and its sentences.

    It is part of the index: changing it means embedding every archive again.
    """
    return " · ".join(x for x in (chunk.source.title, chunk.source.outlet, chunk.source.day) if x)
