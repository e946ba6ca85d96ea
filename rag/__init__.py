"""newsrag's answering side and public Python API."""

from index.errors import ArchiveError, InputError, ModelError, NewsragError
from index.ingest import IngestReport
from index.stories import Story
from index.types import Article, Chunk, Filters, Source

from .archive import Archive, Chat, sample_files
from .llm import LLM, LlamaCppLLM, OpenAILLM
from .types import Answer, Citation, Hit, Query, Reading, Turn

__all__ = [
    "Answer",
    "Archive",
    "ArchiveError",
    "Article",
    "Chat",
    "Chunk",
    "Citation",
    "Filters",
    "Hit",
    "IngestReport",
    "InputError",
    "LLM",
    "LlamaCppLLM",
    "ModelError",
    "NewsragError",
    "OpenAILLM",
    "Query",
    "Reading",
    "Source",
    "Story",
    "Turn",
    "sample_files",
]
