"""Language models that stream an answer: one abstract method, `LLM.stream`.

`LlamaCppLLM` runs a GGUF file in-process with llama-cpp-python and offloads every layer
to the GPU when the build supports it. Chat messages use the OpenAI shape
(``{"role": ..., "content": ...}``); tool calls and images are not handled.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator, Sequence

from index.errors import ModelError

Message = dict[str, str]


class LLM(ABC):
    """A chat model that yields the answer's text as it is generated."""

    name: str = "llm"

    @abstractmethod
    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        """Yield text pieces of the reply to ``messages`` (greedy, deterministic)."""

    def complete(self, messages: Sequence[Message], max_tokens: int = 512) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens))

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        """The option the reply starts with (case-insensitive), or the last option when none matches."""
        reply = self.complete(messages, max_tokens=8).strip().lower()
        return next((o for o in options if reply.startswith(o.lower())), options[-1])


class LlamaCppLLM(LLM):
    """A local GGUF model through llama-cpp-python (temperature 0, fixed seed)."""

    def __init__(self, path: Path, n_ctx: int = 4096, n_threads: int | None = None, n_gpu_layers: int | None = None):
        try:
            import llama_cpp
        except ImportError as e:
            raise ModelError("llama-cpp-python is not installed; run make demo or scripts/setup.sh") from e
        if n_gpu_layers is None:
            n_gpu_layers = -1 if llama_cpp.llama_supports_gpu_offload() else 0
        self.name = Path(path).name
        self.gpu_layers = n_gpu_layers
        self._grammars: dict[tuple[str, ...], object] = {}
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads or os.cpu_count(),
                n_gpu_layers=n_gpu_layers,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"cannot load model {path} ({e}); check that it is a GGUF file llama.cpp supports") from e

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        pieces = self._llm.create_chat_completion(
            messages=list(messages), stream=True, temperature=0.0, top_k=1, max_tokens=max_tokens, seed=0
        )
        for piece in pieces:
            text = piece["choices"][0]["delta"].get("content")
            if text:
                yield text

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        """One of ``options``, enforced by a llama.cpp grammar."""
        import llama_cpp

        options = tuple(options)
        if options not in self._grammars:
            rule = " | ".join(json.dumps(o) for o in options)
            self._grammars[options] = llama_cpp.LlamaGrammar.from_string(f"root ::= {rule}", verbose=False)
        reply = self._llm.create_chat_completion(
            messages=list(messages), temperature=0.0, top_k=1, max_tokens=16, seed=0, grammar=self._grammars[options]
        )
        text = (reply["choices"][0]["message"]["content"] or "").strip()
        return text if text in options else options[-1]

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))
