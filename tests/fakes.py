"""Deterministic stand-ins that implement the real `Embedder` and `LLM` interfaces."""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Iterator, Sequence

import numpy as np

from index.embed import Embedder
from rag.llm import LLM
from rag.support import Support
from rag.types import Message


class FakeEmbedder(Embedder):
    """Hashed bag of lowercase words: texts sharing words get similar unit vectors."""

    name = "fake-bow"

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.calls = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


class FakeLLM(LLM):
    """Replies with a scripted text, streamed in small pieces; records the messages it got.

    ``replies`` (when set) are used one per call before falling back to ``reply``. With a
    ``gate``, each reply waits for it to be set (a minute at most) before its first piece, as a
    model reading its prompt would.
    """

    name = "fake-llm"

    def __init__(self, reply: str = "Answer [1].", replies: Sequence[str] = (), gate: threading.Event | None = None):
        self.reply = reply
        self.replies = list(replies)
        self.gate = gate
        self.calls: list[list[Message]] = []

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        self.calls.append(list(messages))
        if self.gate is not None:
            self.gate.wait(60)
        text = self.replies.pop(0) if self.replies else self.reply
        for i in range(0, len(text), 4):
            yield text[i : i + 4]


class FakeSupport(Support):
    """Entailed when every word of four or more letters in the claim occurs in the premise."""

    name = "fake-support"

    def entails(self, premise: str, claim: str) -> bool:
        words = set(re.findall(r"\w+", premise.lower()))
        return all(w in words for w in re.findall(r"\w{4,}", claim.lower()))
