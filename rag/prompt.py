"""Build the chat messages for an answer from the prompt file in ``rag/prompts``."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Sequence

from .llm import Message
from .query import NAMES
from .types import Hit

NO_ANSWER = "NO_ANSWER"


@lru_cache(maxsize=None)
def load_prompt(name: str) -> dict[str, Template]:
    """A prompt file split into its ``### role`` sections."""
    text = resources.files("rag").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    role = None
    for line in text.splitlines():
        if line.startswith("### "):
            role = line[4:].strip()
            sections[role] = []
        elif role:
            sections[role].append(line)
    return {role: Template("\n".join(lines).strip()) for role, lines in sections.items()}


def passage_text(hit: Hit) -> str:
    """A retrieved chunk (or its excerpt) under its title, outlet and date."""
    meta = hit.chunk.meta
    about = ", ".join(x for x in (meta.get("source"), (meta.get("published_at") or "")[:10]) if x)
    head = (meta.get("title") or "Untitled") + (f" ({about})" if about else "")
    return f"{head}\n{hit.excerpt or hit.chunk.text}"


_SPECIAL = re.compile(r"<\|[^|>]{0,40}\|>|^#{3}\s*(?=system|user|assistant)", re.I | re.M)


def format_passage(n: int, hit: Hit) -> str:
    """``[n] title (outlet, date)`` and the text, with chat-template tokens defused: an article
    cannot open a system or user turn of its own."""
    return f"[{n}] " + _SPECIAL.sub(lambda m: m.group(0).replace("|", "¦").replace("#", "＃"), passage_text(hit))


def build_messages(
    question: str, hits: Sequence[Hit], language: str, history: Sequence[Message] = (), kind: str = "answer"
) -> list[Message]:
    """The chat for an answer; ``kind`` names the prompt file (``answer`` or ``timeline``)."""
    prompt = load_prompt(kind)
    passages = "\n\n".join(format_passage(i, hit) for i, hit in enumerate(hits, start=1))
    values = {"language": NAMES.get(language, language), "passages": passages, "question": question}
    return [
        {"role": "system", "content": prompt["system"].substitute(values)},
        *history,
        {"role": "user", "content": prompt["user"].substitute(values)},
    ]
