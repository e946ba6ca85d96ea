"""Sentence vectors: each chunk's sentences embedded under the chunk's heading, kept in SQLite beside the archive.

Retrieval ranks a chunk by its sentence closest to the question (`rag.retrieve`), which finds the
one sentence that answers better than the vector of a whole passage does, across languages too,
and tells later stages which sentences answer. Vectors are stored as float16 (half the space; the
cosine changes in the fourth decimal) and read back for the few chunks a question's candidates
name, so they cost disk, not memory. Not handled: sharing one file between machines (a Chroma
server's archive keeps this file in its folder, like the manifest).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .language import sentence_spans
from .types import Chunk

if TYPE_CHECKING:
    from .embed import Embedder

SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    chunk_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    spans TEXT NOT NULL,      -- "start:end,start:end": each sentence's characters in the chunk text
    vectors BLOB NOT NULL     -- float16, one row per sentence
);
CREATE INDEX IF NOT EXISTS sentences_by_article ON sentences(article_id);
"""


@dataclass(frozen=True)
class Sentences:
    """A chunk's sentences (character spans in its text) and their unit vectors, one row each."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray

    def texts(self, chunk_text: str) -> list[str]:
        return [chunk_text[a:b] for a, b in self.spans]


def split(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The spans of a chunk's sentences; a chunk without one counts as one sentence."""
    return tuple(sentence_spans(chunk.text)) or ((0, len(chunk.text)),)


def embedding_texts(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[str]:
    """What gets embedded for each sentence: the sentence under its chunk's heading, so that one
    that names no subject ("It opens in May.") still belongs to its story."""
    from .chunk import heading

    head = heading(chunk)
    return [f"{head}\n{chunk.text[a:b]}" if head else chunk.text[a:b] for a, b in spans]


def embed(chunks: Sequence[Chunk], embedder: Embedder) -> list[Sentences]:
    """The `Sentences` of each chunk, embedded in one batch."""
    spans = [split(c) for c in chunks]
    texts = [t for c, s in zip(chunks, spans, strict=True) for t in embedding_texts(c, s)]
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32) if texts else np.zeros((0, 0), np.float32)
    out, at = [], 0
    for s in spans:
        out.append(Sentences(s, vectors[at:at + len(s)]))
        at += len(s)
    return out


class SentenceStore:
    """Sentence vectors by chunk, in ``<archive>/sentences.sqlite``."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(Path(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def add(self, chunks: Sequence[Chunk], sentences: Sequence[Sentences]) -> None:
        rows = [(c.id, c.article_id, ",".join(f"{a}:{b}" for a, b in s.spans), np.asarray(s.vectors, dtype=np.float16).tobytes())
                for c, s in zip(chunks, sentences, strict=True)]
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR REPLACE INTO sentences VALUES (?,?,?,?)", rows)
        self.db.execute("COMMIT")

    def get(self, chunk_ids: Iterable[str]) -> dict[str, Sentences]:
        """The sentences of those of ``chunk_ids`` that have them."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, Sentences] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self.db.execute(f"SELECT chunk_id, spans, vectors FROM sentences WHERE chunk_id IN ({','.join('?' * len(part))})", part)
            for chunk_id, spans, blob in rows:
                pairs = tuple(tuple(int(x) for x in s.split(":")) for s in spans.split(","))
                vectors = np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(len(pairs), -1)
                out[chunk_id] = Sentences(pairs, vectors)
        return out

    def delete_article(self, article_id: str) -> None:
        self.db.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))

    def delete(self, chunk_ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM sentences WHERE chunk_id = ?", [(i,) for i in chunk_ids])

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM sentences")}

    def count(self) -> int:
        """The number of chunks with sentence vectors."""
        return self.db.execute("SELECT count(*) FROM sentences").fetchone()[0]

    def close(self) -> None:
        self.db.close()
