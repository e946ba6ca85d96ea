"""Pieces the benchmarks share: running a measurement in its own process, and newsrag's
embedder seen as a LlamaIndex embedding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(module: str, *args, label: str) -> dict:
    """``python -m module --child ARGS`` in a new process (so its peak RSS is its own); the JSON
    object on the last line of its output. Exits naming ``label`` when the child fails."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--child", *map(str, args)], cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if out.returncode:
        raise SystemExit(f"bench: {label} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def llamaindex_embedding(embedder):
    """``embedder`` as a LlamaIndex ``BaseEmbedding`` (passages and questions embedded as newsrag does)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    class Wrapped(BaseEmbedding):
        def _get_text_embeddings(self, texts):
            return embedder.embed_documents(texts).tolist()

        def _get_text_embedding(self, text):
            return self._get_text_embeddings([text])[0]

        def _get_query_embedding(self, query):
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

    return Wrapped(model_name=getattr(embedder, "name", "embedder"), embed_batch_size=64)


def stop(proc: subprocess.Popen) -> None:
    """End a server process: asked to stop, killed after 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
