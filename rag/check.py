"""The last stage: from the model's reply to the `Answer`, with every cited sentence checked.

Markers are normalised (`rag.cite`), an answer without any gets them by attribution, and each
cited sentence is checked against its passages by a `Support` judge: one its passages do not
back is re-cited to passages that do, or listed as unsupported. An answer none of whose
sentences is backed is withdrawn: the archive does not answer the question. What a sentence
claims beyond its names and numbers (a verb, a negation, who said what) is the judge's to see;
the default lexical one does not.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from index.language import sentence_pieces

from .anchors import anchors
from .cite import attribute, citations, cited_in, claim_text, clean_markers, sentences, with_markers, without_markers
from .support import Support
from .types import Answer, Hit, Query, Reply

ABSTAIN = {
    "en": "The archive does not answer this question.",
    "es": "El archivo no responde a esta pregunta.",
    "fr": "Les archives ne répondent pas à cette question.",
    "de": "Das Archiv beantwortet diese Frage nicht.",
    "pt": "O arquivo não responde a esta pergunta.",
    "it": "L'archivio non risponde a questa domanda.",
}


def abstention(language: str) -> str:
    """"The archive does not answer this question", in ``language`` (English when not known)."""
    return ABSTAIN.get(language, ABSTAIN["en"])


def check(query: Query, hits: Sequence[Hit], reply: Reply, support: Support) -> Answer:
    """The `Answer` to ``query`` that ``reply`` gives, its citations checked against ``hits``.

    Timings and other outlets' copies of the cited articles are the caller's to add.
    """
    widened = query.filters != query.explicit and any(not query.filters.admits(h.chunk.source) for h in hits)
    if reply.declined:
        return Answer(query.question, abstention(query.language), abstained=True, hits=list(hits), searched=query.search,
                      usage=reply.usage, widened=widened)
    text, cited = clean_markers(reply.text, len(hits))
    if not cited:
        text, cited = clean_markers(attribute(text, hits), len(hits))
    checked, weak = verify(text, hits, support, given=f"{query.question}\n{query.search}")
    checked, cited = clean_markers(checked, len(hits))
    if weak and len(weak) == len(sentences(text)):  # nothing in the answer is backed by its passages
        return Answer(query.question, abstention(query.language), abstained=True, hits=list(hits), searched=query.search,
                      guess=text, usage=reply.usage, widened=widened)
    return Answer(query.question, checked, citations(cited, hits, checked, weak), hits=list(hits), unsupported=weak,
                  searched=query.search, usage=reply.usage, widened=widened)


def verify(text: str, hits: Sequence[Hit], support: Support, given: str = "") -> tuple[str, list[str]]:
    """Check each cited sentence against its passages, re-citing it when other passages back it.

    A sentence its cited passages do not support gets the fewest passages (up to three, most
    shared numbers and names first) that do; when none do, it keeps its markers and is listed
    as unsupported. Passages are judged whole, with their title, outlet and date; what the
    question (``given``) already states counts as known, so restating it needs no source.
    Uncited sentences are not judged. Returns the text with its markers and the unsupported sentences.
    """
    texts = [replace(hit, excerpt="").passage for hit in hits]
    shared = [anchors(t) for t in texts]

    def backed(numbers: Sequence[int], claim: str) -> bool:
        return support.entails("\n\n".join([*(texts[n - 1] for n in numbers), given]), claim)

    out: list[str] = []
    weak: list[str] = []
    for piece in sentence_pieces(_attach_markers(text)):
        cited = [n for n in cited_in(piece) if 1 <= n <= len(hits)]
        claim = claim_text(piece)
        if not cited or not claim or backed(cited, claim):
            out.append(piece)
            continue
        wanted = anchors(claim, sentence=True)
        order = sorted(range(1, len(hits) + 1), key=lambda n: -len(wanted & shared[n - 1]))
        chosen = next((order[:size] for size in (1, 2, 3) if backed(order[:size], claim)), None)
        chosen = chosen or next(([n] for n in order[1:] if backed([n], claim)), None)
        if chosen is None:
            weak.append(claim)
            out.append(piece)
            continue
        out.append(with_markers(without_markers(piece), "".join(f"[{n}]" for n in sorted(chosen))))
    return "".join(out), weak


def _attach_markers(text: str) -> str:
    """Move markers written after a full stop (``... plant. [1]``) in front of it."""
    return re.sub(r"([.!?])((?:\s*\[\d+\])+)(?=\s|$)", lambda m: f"{m.group(2)}{m.group(1)}", text)
