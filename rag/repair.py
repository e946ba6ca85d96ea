"""Repairs that need the model: a sentence written partly in another language is translated.

Each such sentence is sent alone, without the passages, so the request is a few dozen tokens;
its citation markers are put back after it. The repaired answer is checked like any reply
(`rag.check`). Not handled: a model that cannot translate (its reply then fails the check again
and the caller keeps the first answer).
"""

from __future__ import annotations

from typing import Sequence

from index.language import NAMES, sentence_pieces

from .cite import cited_in, claim_text, with_markers
from .llm import LLM
from .prompt import load_prompt


def translate(llm: LLM, sentence: str, language: str, max_tokens: int = 160) -> str:
    """``sentence`` in ``language``, by ``llm``: one line."""
    prompt = load_prompt("language")
    values = {"language": NAMES.get(language, language), "sentence": sentence}
    messages = [{"role": "system", "content": prompt["system"].substitute(values)},
                {"role": "user", "content": prompt["user"].substitute(values)}]
    reply = llm.complete(messages, max_tokens=max_tokens).strip()
    return reply.splitlines()[0].strip() if reply else ""


def retranslate(llm: LLM, text: str, foreign: Sequence[str], language: str) -> str:
    """``text`` with each sentence listed in ``foreign`` (without markers) translated into ``language``, markers kept."""
    out = []
    for piece in sentence_pieces(text):
        claim = claim_text(piece)
        if claim and claim in foreign:
            translated = translate(llm, claim, language)
            if translated:
                trailing = piece[len(piece.rstrip()):]
                markers = "".join(f"[{n}]" for n in dict.fromkeys(cited_in(piece)))
                piece = (with_markers(translated, markers) if markers else translated) + trailing
        out.append(piece)
    return "".join(out)
