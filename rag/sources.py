"""Whether outlets confirm a report independently: one text run by several outlets is one source.

A question that asks whether independent outlets confirm or report something, naming both
independence and outlets or sources ("¿Confirman dos medios independientes que 43 buques
esperaban ...?", "Did two papers report it separately?"), is answered from the archive's copy
records (ingest folds an outlet's copy of another's text into the first one) when the only
article among the passages that states the question's figures and names is one story that other
outlets ran as the same text: "No: Diario del Sur and La Voz del Valle ran the same text, so they
are one source, not independent confirmation [1]." When two stories of different outlets state
them, the model's answer stands. Not handled: outlets that rewrote one agency story in their own
words (ingest keeps those as separate articles), and an agency named only in a dateline ("(AIN)").
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from index.language import CONJUNCTIONS, INDEPENDENCE_WORDS, OUTLET_WORDS, fold

from .anchors import anchors, findable
from .quantities import quantities
from .types import Hit

ONE_SOURCE = {
    "en": "No: {outlets} ran the same text, so they are one source, not independent confirmation [{n}].",
    "es": "No: {outlets} publicaron el mismo texto, así que son una sola fuente, no una confirmación independiente [{n}].",
}


def asks_independence(question: str) -> bool:
    """Whether ``question`` asks if outlets confirm or report something independently of each other:
    it names independence and outlets or sources (`INDEPENDENCE_WORDS`, `OUTLET_WORDS`)."""
    words = " ".join(re.findall(r"\w+", fold(question)))
    return all(any(re.search(rf"\b{fold(w)}\b", words) for w in kind) for kind in (INDEPENDENCE_WORDS, OUTLET_WORDS))


def one_source(question: str, language: str, hits: Sequence[Hit], copies: Mapping[str, Sequence[str]]) -> str | None:
    """The answer that the outlets ``question`` asks about ran one text, citing the passage that
    states what it asks; None when the question does not ask that (`asks_independence`), no passage
    states all its figures and names, or another outlet's own article states them too.

    ``copies`` maps an article id to the outlets that ran copies of it (the archive's records)."""
    if not asks_independence(question):
        return None
    numbers = {q.value for q in quantities(question) if q.start >= 0}  # in digits: not "two outlets"
    names = {a for a in anchors(question, sentence=True) if not a[0].isdigit()}
    stating: dict[str, int] = {}  # article id -> the first passage number that states it
    outlets: dict[str, str] = {}
    for n, hit in enumerate(hits, start=1):
        found = findable(hit.chunk.text)
        if numbers <= {q.value for q in quantities(hit.chunk.text)} and all(a in found or fold(a) in found for a in names):
            stating.setdefault(hit.chunk.article_id, n)
            outlets[hit.chunk.article_id] = hit.chunk.source.outlet
    if len(stating) != 1:
        return None
    [(article, n)] = stating.items()
    others = [o for o in dict.fromkeys(copies.get(article, ())) if o and o != outlets[article]]
    if not others:
        return None
    template = ONE_SOURCE.get(language, ONE_SOURCE["en"])
    return template.format(outlets=_listed([outlets[article], *others], language), n=n)


def _listed(names: Sequence[str], language: str) -> str:
    conjunction = CONJUNCTIONS.get(language, CONJUNCTIONS["en"])[0]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
