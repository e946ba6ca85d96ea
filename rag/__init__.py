"""newsrag's answering side and public Python API."""

from index.errors import ArchiveError, InputError, ModelError, NewsragError
from index.ingest import IngestReport
from index.types import Article, Chunk

from .archive import Archive, sample_files
from .llm import LLM, LlamaCppLLM, OpenAILLM
from .types import Answer, Citation, Hit

__all__ = [
    "Answer",
    "Archive",
    "ArchiveError",
    "Article",
    "Chunk",
    "Citation",
    "Hit",
    "IngestReport",
    "InputError",
    "LLM",
    "LlamaCppLLM",
    "ModelError",
    "NewsragError",
    "OpenAILLM",
    "sample_files",
]
