"""Citation recall and precision as ALCE defines them (Gao et al. 2023).

Recall: the share of an answer's sentences whose cited passages, joined, entail the sentence
(a sentence without a citation counts as unsupported). Precision: the share of citations
that are needed; in a supported sentence with several citations, a citation is not needed
when it does not entail the sentence alone and the others still do without it. The judge is
any `rag.support.Support`; an abstention has no sentences and is not scored.
"""

from __future__ import annotations

from typing import Sequence

from rag.cite import sentences
from rag.support import Support


def alce(answer: str, passages: Sequence[str], judge: Support) -> dict:
    """``{"recall", "precision", "sentences": [{"sentence", "cited", "supported"}]}`` for one answer."""
    supported = precise = n_citations = 0
    details = []
    claims = sentences(answer)
    for claim, cited in claims:
        valid = bool(cited) and all(1 <= n <= len(passages) for n in cited)

        def entailed(numbers: Sequence[int], claim: str = claim) -> bool:
            return judge.entails("\n\n".join(passages[n - 1] for n in numbers), claim)

        ok = valid and entailed(cited)
        supported += ok
        n_citations += len(cited)
        if ok and len(cited) > 1:
            precise += sum(entailed([n]) or not entailed([m for m in cited if m != n]) for n in cited)
        else:
            precise += ok
        details.append({"sentence": claim, "cited": cited, "supported": ok})
    return {
        "recall": supported / len(claims) if claims else 0.0,
        "precision": precise / n_citations if n_citations else 0.0,
        "sentences": details,
    }
