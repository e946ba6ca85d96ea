"""Does a passage support a sentence? An entailment check with one abstract method.

`LexicalSupport` (fast, used on every answer) checks that the sentence's numbers and names
occur in the passage: these survive translation, so it works across languages, but it cannot
see a wrong verb or a negation. `LLMSupport` asks a chat model and constrains its reply to
``yes``/``no`` (a grammar with llama.cpp, the first word otherwise); the evaluation's citation
judge uses it. Both judge one claim against one premise text.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

from .anchors import anchors
from .llm import LLM
from .prompt import load_prompt


class Support(ABC):
    """An entailment judge."""

    @abstractmethod
    def entails(self, premise: str, claim: str) -> bool:
        """True when ``premise`` states what ``claim`` says."""


class LLMSupport(Support):
    """Entailment judged by a local LLM whose reply is constrained to yes or no."""

    def __init__(self, llm: LLM):
        self.llm = llm
        self.name = f"llm:{llm.name}"

    def entails(self, premise: str, claim: str) -> bool:
        prompt = load_prompt("support")
        values = {"passage": premise.strip(), "claim": claim.strip()}
        messages = [
            {"role": "system", "content": prompt["system"].substitute(values)},
            {"role": "user", "content": prompt["user"].substitute(values)},
        ]
        return self.llm.choose(messages, ("yes", "no")) == "yes"


class LexicalSupport(Support):
    """Supported when every number of the claim, and at least half of its names, occur in the premise.

    A claim with neither (nothing to check across languages) counts as supported.
    """

    name = "lexical"

    def entails(self, premise: str, claim: str) -> bool:
        wanted = anchors(claim, sentence=True)
        if not wanted:
            return True
        found = anchors(premise) | set(re.findall(r"\w+", premise.lower()))  # a name may start a sentence in the claim only
        numbers = {a for a in wanted if a[0].isdigit()}
        names = wanted - numbers
        return numbers <= found and (not names or len(names & found) * 2 >= len(names))
