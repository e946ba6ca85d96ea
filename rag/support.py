"""Does a passage support a sentence? An entailment check with one abstract method.

`LLMSupport` asks a chat model and constrains its reply to ``yes``/``no`` (a grammar with
llama.cpp, the first word otherwise). It judges one claim against one premise text; splitting
answers into claims and the ALCE bookkeeping live with their callers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

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
