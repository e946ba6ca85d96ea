"""The chat messages for an answer, built from the prompt files in ``rag/prompts`` (package data).

Passages are numbered from 1 under their heading (title, outlet, day) and presented as quoted
material: chat-template tokens inside an article are defused so that it cannot open a turn of its own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Sequence

from index.language import NAMES

from .types import Hit, Message, Query, Turn

NO_ANSWER = "NO_ANSWER"


@lru_cache(maxsize=None)
def load_prompt(name: str, folder: str | None = None) -> dict[str, Template]:
    """A prompt file split into its ``### role`` sections: ``folder``'s ``name.txt`` when it has one
    (a newsroom's own wording), else the package's."""
    own = Path(folder) / f"{name}.txt" if folder else None
    if own is not None and own.is_file():
        text = own.read_text(encoding="utf-8")
    else:
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


_SPECIAL = re.compile(r"<\|[^|>]{0,40}\|>|^#{3}\s*(?=system|user|assistant)", re.I | re.M)
_MARKER = re.compile(r"\[(\d+)\]")


def format_passage(n: int, hit: Hit) -> str:
    """``[n] title (outlet, date)`` and the text, with chat-template tokens defused (an article
    cannot open a system or user turn of its own, even through a model server that reads them)
    and bracketed numbers written ``(n)``: only the prompt's own passage headings and the
    citations the model writes look like ``[n]``, so an article cannot forge a passage."""
    text = _SPECIAL.sub(lambda m: m.group(0).replace("|", "¦").replace("#", "＃"), hit.passage)
    return f"[{n}] " + _MARKER.sub(r"(\1)", text)


def build_messages(query: Query, hits: Sequence[Hit], prompts: Path | None = None) -> list[Message]:
    """The chat for an answer to ``query`` from ``hits``: the prompt file of its kind (from ``prompts``
    when that folder has one), its history, its question."""
    prompt = load_prompt(query.kind, str(prompts) if prompts else None)
    passages = "\n\n".join(format_passage(i, hit) for i, hit in enumerate(hits, start=1))
    values = {"language": NAMES.get(query.language, query.language), "passages": passages, "question": query.question}
    return [
        {"role": "system", "content": prompt["system"].substitute(values)},
        *query.history,
        {"role": "user", "content": prompt["user"].substitute(values)},
    ]


def follow_up_messages(turn: Turn, query: Query, new: Sequence[Hit], prompts: Path | None = None) -> list[Message]:
    """The chat for a follow-up that continues ``turn``: its messages and reply as they were, then
    the passages it did not have (``new``, numbered after its own) and the question; the model
    reads only these. The wording is ``followup.txt``'s (``more`` with new passages, ``same`` without)."""
    prompt = load_prompt("followup", str(prompts) if prompts else None)
    passages = "\n\n".join(format_passage(i, hit) for i, hit in enumerate(new, start=len(turn.hits) + 1))
    values = {"language": NAMES.get(query.language, query.language), "passages": passages, "question": query.question}
    return [*turn.messages, {"role": "user", "content": prompt["more" if new else "same"].substitute(values)}]
