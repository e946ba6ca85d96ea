"""Repairs that need the model: an answer written partly in another language is written again.

The request continues the conversation that produced the answer (its passages, question and
reply), so a model that keeps its context (llama.cpp here, a server with prompt caching) reads
only the request's own few tokens. The result is checked like any reply (`rag.check`).
"""

from __future__ import annotations

from typing import Sequence

from index.language import NAMES

from .llm import LLM
from .prompt import load_prompt
from .types import Message


def rewrite_in(llm: LLM, messages: Sequence[Message], reply: str, language: str, max_tokens: int = 256) -> str:
    """The model's ``reply`` to ``messages`` written again in ``language`` by the same model."""
    prompt = load_prompt("language")
    asked = prompt["user"].substitute(language=NAMES.get(language, language))
    return llm.complete([*messages, {"role": "assistant", "content": reply}, {"role": "user", "content": asked}],
                        max_tokens=max_tokens)
