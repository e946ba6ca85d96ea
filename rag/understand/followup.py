"""Follow-up questions ("And by how many votes?") rewritten by the model into questions that stand alone."""

from __future__ import annotations

import re
from typing import Sequence

from ..llm import LLM
from ..prompt import load_prompt
from ..types import Message


def standalone(question: str, history: Sequence[Message], llm: LLM, max_chars: int = 400) -> str:
    """Rewrite a follow-up into a question that stands alone.

    The model sees the last two exchanges; answers are cut to ``max_chars``. When its reply is
    unusable (empty, several lines, much longer than a question, or not a rewrite: it must keep
    a word of the question and add one from the conversation), the previous question and this
    one are joined instead, which still gives retrieval the missing subject.
    """
    turns = list(history)[-4:]
    if not turns:
        return question
    lines = []
    for turn in turns:
        text = re.sub(r"\s*\[\d+\]", "", turn["content"]).strip()
        who = "User" if turn["role"] == "user" else "Assistant"
        lines.append(f"{who}: {text[:max_chars]}")
    prompt = load_prompt("rewrite")
    values = {"history": "\n".join(lines), "question": question}
    reply = llm.complete(
        [{"role": "system", "content": prompt["system"].substitute(values)},
         {"role": "user", "content": prompt["user"].substitute(values)}],
        max_tokens=80,
    ).strip().strip('"').strip()
    if reply and "\n" not in reply and len(reply) <= 3 * len(question) + 150 and _keeps(question, turns, reply):
        return reply
    previous = next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")
    return f"{previous} {question}".strip()


def _keeps(question: str, turns: Sequence[Message], reply: str) -> bool:
    """A rewrite keeps a word of the question and brings in a word of the conversation."""
    def words(text: str) -> set[str]:
        return set(re.findall(r"\w{4,}", text.lower()))

    asked, said, new = words(question), words(" ".join(t["content"] for t in turns)), words(reply)
    return bool(new & asked) and bool((new & said) - asked)
