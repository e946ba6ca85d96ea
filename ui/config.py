"""Settings read at the edge (command-line flags and ``NEWSRAG_*`` variables) into one object,
and the dates and filters that flags and forms give."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from index.types import Filters

# Importing `index` or `rag` loads Chroma and the text libraries: the command line's parser
# uses this module, so they are imported where a Config or filters are made, not here.


def default_archive_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "newsrag" / "archive"


def default_prompt_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsrag" / "prompt-state"


def default_models_dir() -> Path:
    from rag.models import default_models_dir

    return default_models_dir()


HISTORY_TURNS = 6  # earlier messages (three questions and answers) a follow-up is read with, in the browser and the API


@dataclass
class Config:
    archive: Path = field(default_factory=default_archive_dir)
    model: str = "default"
    embedder: str | None = None  # None: the one the archive was built with
    models_dir: Path = field(default_factory=default_models_dir)
    top_k: int = 4
    keyword_weight: float | None = None  # None: the retriever's default; 0: embeddings alone
    ranking: str = "default"  # "dense" (passage vectors alone) or "keyword" (BM25 alone), for comparison runs
    question_filters: bool = True  # read dates and outlets named in questions as filters
    excerpt_tokens: int | None = None  # None: the archive's default; 0: whole passages
    prompts_dir: Path | None = None  # answer prompt files used instead of the package's
    prompt_cache: Path | None = field(default_factory=default_prompt_cache)  # prompts' evaluated starts; None (off): not kept
    chroma_url: str | None = None  # a Chroma server instead of the archive folder's own store
    llm_url: str | None = None  # an OpenAI-compatible server instead of the local model
    embed_url: str | None = None  # OpenAI-compatible embedding servers (comma-separated) instead of the in-process embedder
    host: str = "127.0.0.1"
    port: int = 7860  # the browser app's
    api_port: int = 8000  # `newsrag api`'s
    api_token: str | None = field(default=None, repr=False)  # required as a bearer token on the HTTP API when set
    auth: str | None = field(default=None, repr=False)  # USER:PASS the browser app asks for (and the API beside it accepts)
    insecure_public: bool = False  # serve an address other than loopback with no password or token
    allowed_hosts: str | None = None  # Host header names the API accepts, comma-separated; None: loopback's on loopback
    mcp_port: int = 8765  # `newsrag mcp --http`'s
    mcp_token: str | None = field(default=None, repr=False)  # required as a bearer token by `newsrag mcp --http` when set
    allow_ingest: bool = False  # let MCP clients ingest files and folders the server can read
    debug: bool = False

    @classmethod
    def load(cls, env: Mapping[str, str] = os.environ, **flags) -> Config:
        """Defaults, then ``NEWSRAG_<FIELD>`` variables, then flags that were given (not None)."""
        values = {}
        for f in fields(cls):
            raw = flags.get(f.name)
            if raw is None:
                raw = env.get(f"NEWSRAG_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.name == "prompt_cache" and str(raw).lower() in ("0", "false", "no", "off", "none"):
                raw = None
            elif f.name in ("archive", "models_dir", "prompts_dir", "prompt_cache"):
                raw = Path(raw).expanduser()
            elif f.name in ("top_k", "port", "api_port", "mcp_port", "excerpt_tokens"):
                raw = int(raw)
            elif f.name == "keyword_weight":
                raw = float(raw)
            elif f.name in ("debug", "question_filters", "insecure_public", "allow_ingest"):
                raw = str(raw).lower() not in ("0", "false", "no", "off", "")
            values[f.name] = raw
        return cls(**values)


def day(value: str) -> datetime:
    """An ISO date such as ``2024-06-17`` as midnight UTC; `ValueError` when it is not one."""
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def day_filters(since: datetime | None = None, until: datetime | None = None, sources: Sequence[str] = (),
                language: str | None = None) -> Filters | None:
    """Filters from whole days, as flags and forms give them (``until`` includes its day); None when empty."""
    from index.types import Filters

    return Filters(since=since, until=until + timedelta(days=1) if until else None, sources=tuple(sources),
                   language=language or None) or None
