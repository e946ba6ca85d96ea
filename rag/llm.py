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

from .types import Message


class LLM(ABC):
    """A chat model that yields the answer's text as it is generated."""

    name: str = "llm"
    _usage: dict[str, int] | None = None  # set by backends that can tell

    @property
    def usage(self) -> dict[str, int]:
        """The last reply's token counts when the model tells them, else empty: ``prompt_tokens``,
        ``cached_tokens`` (prompt tokens reused from an earlier prompt) and ``completion_tokens``."""
        return dict(self._usage or {})

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
        self._formatter = None
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
        self._prefixes = PrefixCache(self._llm)

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        tokens, stop = self._prompt(messages)
        cached = self._prefixes.prime(tokens)
        self._usage = {"prompt_tokens": len(tokens), "cached_tokens": cached, "completion_tokens": 0}
        pieces = self._llm.create_completion(
            tokens, stream=True, temperature=0.0, top_k=1, max_tokens=max_tokens, seed=0, stop=stop
        )
        for piece in pieces:
            choice = piece["choices"][0]
            self._usage["completion_tokens"] += choice["finish_reason"] is None
            text = choice["text"]
            if text:
                yield text
        self._prefixes.keep(tokens)

    def _prompt(self, messages: Sequence[Message]) -> tuple[list[int], list[str]]:
        """The model's chat template applied to ``messages``: prompt tokens and stop strings."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            meta = self._llm.metadata
            vocab = self._llm._model

            def token(key: str) -> str:
                tid = int(meta.get(key, -1))
                return vocab.token_get_text(tid) if tid >= 0 else ""

            if "tokenizer.chat_template" not in meta:
                raise ModelError(f"{self.name} has no chat template; use a chat (instruct) model")
            self._formatter = Jinja2ChatFormatter(
                meta["tokenizer.chat_template"], eos_token=token("tokenizer.ggml.eos_token_id"),
                bos_token=token("tokenizer.ggml.bos_token_id"),
            )
        result = self._formatter(messages=list(messages))
        tokens = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

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


class PrefixCache:
    """Keeps the evaluated prompt of each kind of prompt so that the next one of that kind
    reads only what differs: llama.cpp reuses the longest common prefix with the tokens in its
    context, and a snapshot brings that context back after a prompt of another kind (a
    citation check, a follow-up rewrite) replaced it.

    A kind is told by the prompt's first ``key_tokens`` tokens (the start of its system message).
    Snapshots hold the context's key-value cache only (a few MB per thousand tokens for a 1.5B
    model), at most ``size`` of them. Relies on llama-cpp-python's ``LlamaState``.
    """

    def __init__(self, llm, size: int = 3, key_tokens: int = 24, min_gain: int = 32):
        self.llm = llm
        self.size = size
        self.key_tokens = key_tokens
        self.min_gain = min_gain
        self.states: dict[tuple[int, ...], object] = {}

    def prime(self, tokens: Sequence[int]) -> int:
        """Load the snapshot that shares most with ``tokens`` when it beats the live context;
        the number of prompt tokens that will not be read again."""
        common = self.llm.longest_token_prefix
        live = common(self.llm.input_ids[: self.llm.n_tokens], tokens)
        state = self.states.get(tuple(tokens[: self.key_tokens]))
        if state is not None:
            saved = common(state.input_ids[: state.n_tokens], tokens)
            if saved >= live + self.min_gain:
                self.llm.load_state(state)
                live = saved
        return min(live, len(tokens) - 1) if live else 0

    def keep(self, tokens: Sequence[int]) -> None:
        """Snapshot the context after a reply to ``tokens``."""
        import ctypes

        import llama_cpp
        import numpy as np

        key = tuple(tokens[: self.key_tokens])
        llm = self.llm
        size = llama_cpp.llama_state_get_size(llm._ctx.ctx)
        buf = (ctypes.c_uint8 * int(size))()
        used = int(llama_cpp.llama_state_get_data(llm._ctx.ctx, buf, size))
        self.states.pop(key, None)
        self.states[key] = llama_cpp.LlamaState(
            input_ids=llm.input_ids.copy(), scores=np.zeros((1, llm.n_vocab()), dtype=np.single),
            n_tokens=llm.n_tokens, llama_state=ctypes.string_at(buf, used), llama_state_size=used, seed=llm._seed,
        )
        while len(self.states) > self.size:
            self.states.pop(next(iter(self.states)))


class OpenAILLM(LLM):
    """A model behind an OpenAI-compatible ``/v1/chat/completions`` (llama.cpp's server, vLLM).

    Streams by server-sent events at temperature 0 with a fixed seed (servers that ignore the
    seed may not be deterministic). ``model`` is sent as given; ``None`` lets a one-model server
    choose. Grammars are not sent, so `choose` reads the start of a short reply. Tool calls are
    not handled.
    """

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None, timeout: float = 600.0):
        import httpx

        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ModelError(f"bad --llm-url {base_url!r}; give one like http://127.0.0.1:8080/v1")
        self.model = model
        self.name = model or self.base_url
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        import httpx

        body = {
            "messages": list(messages), "stream": True, "temperature": 0.0, "top_p": 1.0, "seed": 0,
            "max_tokens": max_tokens, "stream_options": {"include_usage": True},
            **({"model": self.model} if self.model else {}),
        }
        self._usage = {}
        url = f"{self.base_url}/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code >= 400:
                    detail = response.read().decode("utf-8", "replace")[:200].replace("\n", " ")
                    raise ModelError(f"the model server at {url} answered {response.status_code}: {detail}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if event.get("usage"):
                        u = event["usage"]
                        cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
                        self._usage = {"prompt_tokens": u.get("prompt_tokens", 0), "cached_tokens": cached or 0,
                                       "completion_tokens": u.get("completion_tokens", 0)}
                    for choice in event.get("choices") or []:
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            yield text
        except httpx.HTTPError as e:
            raise ModelError(f"cannot reach the model server at {url} ({type(e).__name__}); is it running?") from e
