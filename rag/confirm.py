"""A last question to the model: does one of the passages answer exactly the question asked?

It is asked after the checks of `rag.check`, continuing the context that holds the passages and
the answer just given, so the model reads the question again (about 50 tokens), not the
passages. An answer it is unsure of (P("Yes") below `CONFIRM`) is withdrawn. This sees what the
rules cannot: a figure or a decision from a passage about a neighbouring subject (another phase
of a project, another office). It misses most near misses (another day, another role), and a
model that cannot tell how sure it is (`LLM.sure` gives None) is not asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .llm import LLM
from .prompt import load_prompt
from .types import Message

CONFIRM = 0.6  # on the sample set, right answers scored 0.67 and above, wrong ones from 0.40


def sureness(llm: LLM, messages: Sequence[Message], reply: str, question: str, prompts: Path | None = None) -> float | None:
    """How sure the model is that one of the passages of ``messages`` answers ``question``, having replied ``reply``."""
    prompt = load_prompt("confirm", str(prompts) if prompts else None)
    ask = {"role": "user", "content": prompt["user"].substitute(question=question)}
    return llm.sure([*messages, {"role": "assistant", "content": reply}, ask])
