"""Generation: the model's reply streamed as it comes, holding back the start of a "no answer".

The model is asked to reply ``NO_ANSWER`` when its passages do not answer; until its output can
no longer become that reply, nothing is passed on, so a reader never sees a half-written
``NO_AN``. The reply is not otherwise changed here: markers and claims are `rag.check`'s.
"""

from __future__ import annotations

import time
from typing import Generator, Sequence

from .llm import LLM
from .prompt import NO_ANSWER
from .types import Message, Reply


def generate(llm: LLM, messages: Sequence[Message]) -> Generator[str, None, Reply]:
    """Yield the reply's text as it is generated; return the whole `Reply` (``reply = yield from generate(...)``).

    A reply that starts with ``NO_ANSWER`` is cut there and nothing of it is yielded.
    """
    text, first, held = "", None, True
    for piece in llm.stream(messages):
        first = first or time.perf_counter()
        text += piece
        if held:
            head = text.strip()
            if NO_ANSWER.startswith(head):
                continue
            if head.startswith(NO_ANSWER):
                break
            held = False
            yield text
        else:
            yield piece
    declined = not text.strip() or text.strip().startswith(NO_ANSWER)
    return Reply(text, declined, first, llm.usage if text else {})
