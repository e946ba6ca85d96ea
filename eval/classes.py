"""What is wrong with an answer, by rules a reader would apply at once: the classes counted in a report.

- ``wrong number``: an answerable question, answered wrongly with figures, none of them the gold one's;
- ``wrong subject``: a who/which/where question answered wrongly with a name (another person, place, organisation);
- ``no entity``: the answer lacks what the question asks for (a figure for "how many", a name for "who");
- ``wrong language``: a sentence written partly in the passages' language instead of the question's;
- ``uncited``: a sentence of the answer without a citation marker;
- ``withdrawn``: an answerable question that abstained;
- ``answered unanswerable``: a question with no gold answer that did not abstain.

The rules read the answer and its passages, not its meaning: a right figure in a wrong sentence,
or a wrong claim with no figure or name, is not caught here (accuracy and the citation judge see more).
"""

from __future__ import annotations

from index.language import foreign_words
from rag import Answer
from rag.check import delivers
from rag.cite import sentences
from rag.quantities import quantities
from rag.understand.expects import expects

from . import metrics

CLASSES = ("wrong number", "wrong subject", "no entity", "wrong language", "uncited", "withdrawn", "answered unanswerable")


def classify(answer: Answer, question: str, language: str, gold: list[str]) -> list[str]:
    """The classes (`CLASSES`) that ``answer`` to ``question`` (in ``language``) falls into."""
    if answer.abstained:
        return ["withdrawn"] if gold else []
    if not gold:
        return ["answered unanswerable"]
    out = []
    correct = metrics.contains_answer(answer.text, gold)
    asked = expects(question)
    figures = quantities(answer.text, language)
    if not correct and figures and any(quantities(g, language) for g in gold):
        wanted = [q for g in gold for q in quantities(g, language)]
        if not any(f.matches(w) or w.matches(f) for f in figures for w in wanted):
            out.append("wrong number")
    has_type = delivers(asked, answer.text, question, answer.hits) if asked else True
    if not correct and asked in ("person", "place", "name") and has_type:
        out.append("wrong subject")
    if not has_type:
        out.append("no entity")
    others = {h.chunk.source.language for h in answer.hits} - {language, ""}
    if any(foreign_words(claim, language, other) for claim, _ in sentences(answer.text) for other in others):
        out.append("wrong language")
    if any(not cited for _, cited in sentences(answer.text)):
        out.append("uncited")
    return out
