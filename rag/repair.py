"""Repairs that need the model: a sentence written partly in another language is translated.

Each such sentence is sent alone, without the passages and with the words to translate named, so
the request is a few dozen tokens; its citation markers are put back after it. The repaired
answer is checked like any reply (`rag.check`). Not handled: a model that cannot translate (its
reply then fails the check again and the caller keeps the first answer), and words that
`index.language.foreign_words` does not find (misspellings, a foreign word order).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from index.language import NAMES, common_words, foreign_words, sentence_pieces

from .cite import cited_in, claim_text, with_markers
from .llm import LLM
from .prompt import load_prompt
from .quantities import quantities


# A few words of another language: those words alone; if some are left, the sentence reworded, then
# translated whole. A sentence mostly in another language (a headline copied as it is): translated whole.
FEW_WORDS = ("language", "language-reword", "language-sentence")
MOSTLY = ("language-sentence", "language-reword")
MOSTLY_SHARE = 0.5  # of a sentence's lower-case words of three letters or more (`index.language.common_words`)


def translate(llm: LLM, sentence: str, language: str, words: Sequence[str], other: str, prompt: str = FEW_WORDS[0],
              max_tokens: int = 160) -> str:
    """``sentence`` with ``words`` of the ``other`` language put into ``language``, by ``llm``: one line.
    Named words are what a small model translates; asked to translate a sentence that is mostly in
    ``language`` already, it sends it back unchanged."""
    template = load_prompt(prompt)
    values = {"language": NAMES.get(language, language), "other": NAMES.get(other, other), "sentence": sentence,
              "words": ", ".join(dict.fromkeys(words))}
    messages = [{"role": "system", "content": template["system"].substitute(values)},
                {"role": "user", "content": template["user"].substitute(values)}]
    reply = llm.complete(messages, max_tokens=max_tokens).strip()
    return reply.splitlines()[0].strip() if reply else ""


def retranslate(llm: LLM, text: str, foreign: Sequence[str], language: str, others: Iterable[str]) -> str:
    """``text`` with the words of ``others``' languages (`index.language.foreign_words`) in each
    sentence listed in ``foreign`` (without markers) translated into ``language``, markers kept.
    The sentence is asked for with those words alone translated (the whole of it, when they are
    most of its words), then, while some are left, reworded and translated whole; of the replies
    that add no figure and keep half its length, the one that leaves fewest is taken."""
    others = list(others)

    def left(sentence: str) -> list[tuple[str, str]]:
        return [(o, w) for o in others for w in foreign_words(sentence, language, o)]

    out = []
    for piece in sentence_pieces(text):
        claim = claim_text(piece)
        words = left(claim) if claim in foreign else []
        if not words:
            out.append(piece)
            continue
        other = words[0][0]
        prompts = MOSTLY if len(words) >= MOSTLY_SHARE * len(common_words(claim)) else FEW_WORDS
        best, fewest = "", len(words)
        for prompt in prompts:
            translated = translate(llm, claim, language, [w for o, w in words if o == other], other, prompt)
            remaining = len(left(translated)) if translated else fewest
            if translated and _keeps(claim, translated) and remaining < fewest:
                best, fewest = translated, remaining
            if best and not fewest:
                break
        if best:
            trailing = piece[len(piece.rstrip()):]
            markers = "".join(f"[{n}]" for n in dict.fromkeys(cited_in(piece)))
            piece = (with_markers(best, markers) if markers else best) + trailing
        out.append(piece)
    return "".join(out)


def _keeps(sentence: str, translated: str) -> bool:
    """Whether ``translated`` states no figure that ``sentence`` does not, and keeps at least half of its length in words."""
    stated = quantities(sentence)
    return (all(any(q.matches(s) or s.matches(q) for s in stated) for q in quantities(translated))
            and 2 * len(translated.split()) >= len(sentence.split()))
