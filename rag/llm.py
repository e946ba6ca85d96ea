"""Language models that stream an answer: one abstract method, `LLM.stream`.

`LlamaCppLLM` runs a GGUF file in-process with llama-cpp-python and offloads every layer
to the GPU when the build supports it; it can keep the evaluation of its prompts' fixed start
on disk (`PromptStates`) so that a new process does not read the system prompt again. Chat
messages use the OpenAI shape (``{"role": ..., "content": ...}``); tool calls and images are
not handled.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from index.errors import ModelError

from .types import Message


_MARK = "\x00"  # stands for a message's content while the chat template is applied (`LlamaCppLLM._prompt`)


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
    """A local GGUF model through llama-cpp-python (temperature 0, fixed seed).

    With ``prompt_cache`` (a folder), the evaluated fixed start of each prompt that has a system
    message (that message and the chat template's text up to the first user message's content)
    is saved there on first use and loaded by later processes instead of being read again.
    Prompts without a system message, and `choose`'s, are not saved.
    """

    def __init__(self, path: Path, n_ctx: int = 4096, n_threads: int | None = None, n_gpu_layers: int | None = None,
                 prompt_cache: Path | None = None):
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
        self._saved = PromptStates(prompt_cache, self._identity(Path(path))) if prompt_cache else None

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        tokens, stop = self._prompt(messages)
        cached = self._prefixes.prime(tokens)
        if self._saved is not None:
            cached = self._restore_start(messages, tokens, cached)
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

    def fixed_start(self, messages: Sequence[Message], tokens: Sequence[int]) -> list[int]:
        """The tokens of ``tokens`` (the prompt of ``messages``) that every prompt with the same
        system message starts with: those it shares with the prompt of that system message
        followed by an empty user message. Empty when there is no system message.

        Both are whole prompts tokenized as `stream` tokenizes them, so the start is exactly the
        real prompt's first tokens, whatever the tokenizer does where the question begins.
        """
        if not messages or messages[0].get("role") != "system":
            return []
        probe, _ = self._prompt([messages[0], {"role": "user", "content": ""}])
        return list(tokens[: self._llm.longest_token_prefix(probe, tokens)])

    def _restore_start(self, messages: Sequence[Message], tokens: Sequence[int], cached: int) -> int:
        """Have the context hold the prompt's fixed start, from disk when it was saved, else by
        reading it now and saving it; the number of prompt tokens that will not be read again.
        Nothing is done when the context already holds that start or it is short."""
        start = self.fixed_start(messages, tokens)
        if len(start) < self._prefixes.min_gain or cached >= len(start):
            return cached
        data = self._saved.read(start)
        if data is not None:
            try:
                restore(self._llm, Snapshot(tuple(start), data))
                return min(len(start), len(tokens) - 1)
            except RuntimeError:  # llama.cpp refused the data: read the start as if nothing was saved
                pass
        self._llm.reset()
        self._llm.eval(start)
        try:
            self._saved.write(start, snapshot(self._llm).data)
        except OSError:  # a read-only or full disk costs the next process the start again, nothing more
            pass
        return 0

    def _identity(self, path: Path) -> dict:
        """What a saved state depends on besides its tokens: the model file, the llama.cpp build
        and the context's settings. Thread counts are left out: they do not change the state."""
        import llama_cpp

        stat = path.stat()
        params = self._llm.context_params
        return {
            "model": [path.name, stat.st_size, stat.st_mtime_ns],
            "llama_cpp": [llama_cpp.__version__, llama_cpp.llama_print_system_info().decode("utf-8", "replace")],
            "context": {name: getattr(params, name) for name in CONTEXT_SETTINGS if hasattr(params, name)},
            "gpu_layers": self.gpu_layers,
        }

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
        # The template is applied to placeholders, so that only its own text is read for special
        # tokens: message contents (articles among them) are tokenized as plain text, and an
        # "<|im_start|>" or "[INST]" inside them stays a string of characters.
        marked = [{**m, "content": f"{_MARK}{i}{_MARK}"} if isinstance(m.get("content"), str) else m for i, m in enumerate(messages)]
        result = self._formatter(messages=marked)
        pieces = re.split(f"{_MARK}(\\d+){_MARK}", result.prompt)
        tokens: list[int] = []
        for k, piece in enumerate(pieces):
            text, special = (messages[int(piece)]["content"], False) if k % 2 else (piece, True)
            if text:
                tokens += self._llm.tokenize(text.encode("utf-8"), add_bos=not tokens and not result.added_special, special=special)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        """One of ``options``, enforced by a llama.cpp grammar."""
        import llama_cpp

        options = tuple(options)
        if options not in self._grammars:
            rule = " | ".join(json.dumps(o) for o in options)
            self._grammars[options] = llama_cpp.LlamaGrammar.from_string(f"root ::= {rule}", verbose=False)
        tokens, stop = self._prompt(messages)
        reply = self._llm.create_completion(
            tokens, temperature=0.0, top_k=1, max_tokens=16, seed=0, stop=stop, grammar=self._grammars[options]
        )
        text = (reply["choices"][0]["text"] or "").strip()
        return text if text in options else options[-1]


class PrefixCache:
    """Keeps the evaluated prompt of each kind of prompt so that the next one of that kind
    reads only what differs: llama.cpp reuses the longest common prefix with the tokens in its
    context, and a snapshot brings that context back after a prompt of another kind (a
    citation check, a follow-up rewrite) replaced it.

    A kind is told by the prompt's first ``key_tokens`` tokens (the start of its system message).
    Snapshots hold the context's state (its key-value cache: a few MB per thousand tokens for a
    1.5B model), at most ``size`` of them.
    """

    def __init__(self, llm, size: int = 3, key_tokens: int = 24, min_gain: int = 32):
        self.llm = llm
        self.size = size
        self.key_tokens = key_tokens
        self.min_gain = min_gain
        self.states: dict[tuple[int, ...], Snapshot] = {}

    def prime(self, tokens: Sequence[int]) -> int:
        """Load the snapshot that shares most with ``tokens`` when it beats the live context;
        the number of prompt tokens that will not be read again."""
        common = self.llm.longest_token_prefix
        live = common(self.llm.input_ids[: self.llm.n_tokens], tokens)
        snapshot = self.states.get(tuple(tokens[: self.key_tokens]))
        if snapshot is not None:
            saved = common(snapshot.tokens, tokens)
            if saved >= live + self.min_gain:
                restore(self.llm, snapshot)
                live = saved
        return min(live, len(tokens) - 1) if live else 0

    def keep(self, tokens: Sequence[int]) -> None:
        """Snapshot the context after a reply to ``tokens``."""
        key = tuple(tokens[: self.key_tokens])
        self.states.pop(key, None)
        self.states[key] = snapshot(self.llm)
        while len(self.states) > self.size:
            self.states.pop(next(iter(self.states)))


# llama.cpp context settings a saved state depends on (the fields of `llama_context_params` that
# shape the key-value cache or the numbers in it)
CONTEXT_SETTINGS = (
    "n_ctx", "n_batch", "n_ubatch", "n_seq_max", "rope_scaling_type", "pooling_type", "attention_type",
    "flash_attn_type", "rope_freq_base", "rope_freq_scale", "yarn_ext_factor", "yarn_attn_factor",
    "yarn_beta_fast", "yarn_beta_slow", "yarn_orig_ctx", "type_k", "type_v", "embeddings", "offload_kqv",
    "op_offload", "swa_full", "kv_unified",
)


@dataclass(frozen=True)
class Snapshot:
    """A llama.cpp context: the tokens it holds and its state as llama.cpp serializes it
    (key-value cache and last logits)."""

    tokens: tuple[int, ...]
    data: bytes


def snapshot(llm) -> Snapshot:
    """The state of ``llm``'s context (a llama-cpp-python ``Llama``)."""
    import ctypes

    import llama_cpp

    size = llama_cpp.llama_state_get_size(llm._ctx.ctx)
    buf = (ctypes.c_uint8 * int(size))()
    used = int(llama_cpp.llama_state_get_data(llm._ctx.ctx, buf, size))
    return Snapshot(tuple(int(t) for t in llm.input_ids[: llm.n_tokens]), ctypes.string_at(buf, used))


def restore(llm, snapshot: Snapshot) -> None:
    """Put ``snapshot`` back in ``llm``'s context; `RuntimeError` (and an emptied context) when
    llama.cpp refuses it. What ``Llama.load_state`` does, without its pass over the logits array
    (hundreds of MB that hold nothing with ``logits_all`` off, and take a fresh process 0.3 s)."""
    import ctypes

    import llama_cpp

    buf = (ctypes.c_uint8 * len(snapshot.data)).from_buffer_copy(snapshot.data)
    if llama_cpp.llama_state_set_data(llm._ctx.ctx, buf, len(snapshot.data)) != len(snapshot.data):
        llm.reset()
        raise RuntimeError("llama.cpp refused the saved state")
    llm.input_ids[: len(snapshot.tokens)] = snapshot.tokens
    llm.n_tokens = len(snapshot.tokens)
    llm._requires_eval = True  # the logits were restored, not decoded: decode again before sampling


class PromptStates:
    """Evaluated prompt starts in a folder, so that a new process need not read them again.

    One file per (``identity``, tokens): ``identity`` names what the state depends on besides the
    tokens (model file, llama.cpp build, context settings), and the file is named by the sha256
    of both. A file is an uncompressed ``.npz`` holding its key, the tokens and the state's bytes;
    its CRCs catch a damaged file. Writes go to a temporary file renamed into place, so a reader
    sees a whole file or none; a file that cannot be read, or whose key differs, reads as missing
    and the next write replaces it. Files are never pruned: each holds a few MB (the key-value
    cache of a system prompt) and a new model or build adds new ones.
    """

    def __init__(self, folder: Path, identity: Mapping[str, object]):
        self.folder = Path(folder)
        self.identity = identity

    def _key(self, tokens: Sequence[int]) -> str:
        return json.dumps({"identity": self.identity, "tokens": [int(t) for t in tokens]}, sort_keys=True)

    def path(self, tokens: Sequence[int]) -> Path:
        return self.folder / f"{hashlib.sha256(self._key(tokens).encode()).hexdigest()[:32]}.npz"

    def read(self, tokens: Sequence[int]) -> bytes | None:
        """The state saved after ``tokens``; None when there is none, or none whole and matching."""
        import numpy as np

        try:
            with np.load(self.path(tokens), allow_pickle=False) as saved:
                if str(saved["key"]) != self._key(tokens) or saved["tokens"].tolist() != list(tokens):
                    return None
                return saved["state"].tobytes()
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
            return None

    def write(self, tokens: Sequence[int], data: bytes) -> Path:
        """Save ``data``, the state after ``tokens``; `OSError` when the folder cannot take it."""
        import numpy as np

        target = self.path(tokens)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{target.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, key=np.array(self._key(tokens)), tokens=np.asarray(tokens, dtype=np.int32),
                         state=np.frombuffer(data, dtype=np.uint8))
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target


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
