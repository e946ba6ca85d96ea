"""Checks that need the model: what a figure counts in a sentence in another language.

`rag.check` ties an answer's count to the noun the question counts by words, within one language.
When only a passage in another language states the figure ("unos 40 agricultores" for "How many
tractors ...?"), the model is asked, with that sentence alone (a few dozen tokens), whether the
figure counts the noun; the figure is named in digits even where the sentence writes it in words
("6" for "seis buques"). Not handled: a model that says yes to anything (it then withdraws nothing).
"""

from __future__ import annotations

from typing import Sequence

from .llm import LLM
from .prompt import load_prompt


def counts(llm: LLM, sentence: str, figure: str, noun: str) -> bool:
    """Whether ``figure`` in ``sentence`` counts ``noun``, by ``llm``'s yes or no."""
    prompt = load_prompt("counts")
    values = {"sentence": sentence.strip(), "figure": figure, "noun": noun}
    messages = [{"role": "system", "content": prompt["system"].substitute(values)},
                {"role": "user", "content": prompt["user"].substitute(values)}]
    return llm.choose(messages, ("yes", "no")) == "yes"


def counted_by_any(llm: LLM, stated: Sequence[tuple[str, str, str]]) -> bool:
    """Whether one of the ``(sentence, figure, noun)`` of `rag.check.counted_across` counts its noun."""
    return any(counts(llm, *s) for s in stated)
