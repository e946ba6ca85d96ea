"""Packing retrieved passages into the prompt, which is where an answer's time goes on a CPU:
llama.cpp reads every prompt token before it writes the first word.

`fit` keeps the leading passages that fit in a token budget; `condense` keeps, within a budget,
only the sentences of each passage that are closest to the question; `keep` lets a follow-up
continue the previous turn's prompt, which the model has already read. Token counts are
estimated from characters (about 3.5 per token), not counted with the model's tokenizer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from index.embed import Embedder
from index.language import split_sentences

from .types import Hit, Turn

CHARS_PER_TOKEN = 3.5
GAP = " … "


def tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN)


def fit(hits: list[Hit], budget: int) -> list[Hit]:
    """The leading hits whose passages fit in ``budget`` tokens; at least one."""
    out, used = [], 0
    for hit in hits:
        cost = tokens(hit.passage)
        if out and used + cost > budget:
            break
        out.append(hit)
        used += cost
    return out


def condense(question: str, hits: Sequence[Hit], embedder: Embedder, budget: int) -> list[Hit]:
    """``hits`` with ``excerpt`` set to the passage sentences closest to ``question``.

    Sentences are scored by the cosine similarity of the embedder's question and passage
    vectors, so the choice works across languages (retrieval's scores, `Hit.evidence`, when it
    has them for every sentence). Every passage keeps its best sentence; the
    best of the others are added while the whole stays within ``budget`` tokens. Kept sentences
    stay in their order, joined by " … " where sentences were left out. Hits the budget cannot
    reach keep their best sentence only; a passage that is one sentence is left whole.
    """
    split = [split_sentences(h.chunk.text) for h in hits]
    flat = [(i, j, s) for i, parts in enumerate(split) for j, s in enumerate(parts)]
    if not flat:
        return list(hits)
    known = [dict(h.evidence) for h in hits]  # retrieval's scores, when it had the sentences' vectors
    if all(s in known[i] for i, _, s in flat):
        scores = np.asarray([known[i][s] for i, _, s in flat])
    else:
        vectors = embedder.embed_documents([s for _, _, s in flat])
        scores = np.asarray(vectors) @ np.asarray(embedder.embed_query(question))
    order = sorted(range(len(flat)), key=lambda k: -scores[k])
    keep: set[tuple[int, int]] = set()
    used = sum(tokens(replace(h, excerpt=" ").passage) for h in hits)  # titles, outlets, dates
    for k in order:  # the best sentence of each passage first
        i, j, s = flat[k]
        if all(ii != i for ii, _ in keep):
            keep.add((i, j))
            used += tokens(s)
    for k in order:
        i, j, s = flat[k]
        if (i, j) not in keep and used + tokens(s) <= budget:
            keep.add((i, j))
            used += tokens(s)
    out = []
    for i, hit in enumerate(hits):
        chosen = [j for j in range(len(split[i])) if (i, j) in keep]
        if len(chosen) == len(split[i]):
            out.append(hit)
            continue
        text, last = "", None
        for j in chosen:
            text += (GAP if last is not None and j != last + 1 else " " if last is not None else "") + split[i][j]
            last = j
        if chosen and chosen[0] > 0:
            text = GAP.lstrip() + text
        if chosen and chosen[-1] < len(split[i]) - 1:
            text += GAP.rstrip()
        out.append(replace(hit, excerpt=text))
    return out


def keep(turn: Turn, hits: Sequence[Hit], budget: int) -> list[Hit] | None:
    """The passages ``hits`` adds to ``turn``'s when a follow-up continues it: those not among the
    turn's, in their order. None when the follow-up should be read afresh: none of ``hits`` was
    in the turn (another topic), or the turn's messages and the new passages would exceed
    ``budget`` tokens. The turn's passages keep their numbers; the new ones follow."""
    seen = {h.chunk.id for h in turn.hits}
    if not any(h.chunk.id in seen for h in hits):
        return None
    new = [h for h in hits if h.chunk.id not in seen]
    used = sum(tokens(m.get("content") or "") for m in turn.messages) + sum(tokens(h.passage) for h in new)
    return new if used <= budget else None
