"""Turning sources into a searchable archive: load, clean, de-duplicate, chunk, embed, store."""

from .chunk import Chunker
from .embed import E5Embedder, Embedder, SentenceTransformerEmbedder, load_embedder
from .ingest import IngestReport, ingest
from .load import load
from .store import Store
from .types import Article, Chunk, Filters, Problem, Source

__all__ = [
    "Article",
    "Chunk",
    "Chunker",
    "E5Embedder",
    "Embedder",
    "Filters",
    "IngestReport",
    "Problem",
    "SentenceTransformerEmbedder",
    "Source",
    "Store",
    "ingest",
    "load",
    "load_embedder",
]
