"""What kind of question it is: a fact, a yes-or-no question, or how a story developed.

English and Spanish patterns. Not handled: Spanish yes-or-no questions that do not start with one
of the listed verbs ("¿Aprobó el pleno ...?"), and kinds in other languages (they count as facts).
"""

from __future__ import annotations

import re

from ..types import Kind

_TIMELINE = re.compile(
    r"\b(?:timeline|chronology|how did .{0,80}\b(?:develop|unfold|evolve|change)|what happened (?:between|since|after)|"
    r"sequence of events|step by step|cronolog[ií]a|c[oó]mo (?:se )?(?:ha )?(?:desarroll|evolucion)\w*|qu[eé] (?:ha )?pas(?:ó|ado) (?:entre|desde)|"
    r"paso a paso|evoluci[oó]n de)\b",
    re.I,
)
_YES_NO = re.compile(
    r"^\W*(?:does|do|did|is|was|were|are|has|have|had|can|could|will|would|should)\s|"
    r"^\W*(?:between|after|before|following|since)\s[^?]*,\s*(?:is|was|were|are|does|do|did|has|have|had)\s|"
    r"^\W*(?:es|fue|son|fueron|hay|hubo|ha|han)\s",
    re.I,
)
_ASKS_FOR = re.compile(r"\bhow (?:many|much)\b|\bcu[aá]nt[oa]s?\b", re.I)


def kind_of(question: str) -> Kind:
    """``timeline``, ``yesno`` or ``answer`` (a fact), in that order of precedence."""
    return "timeline" if is_timeline(question) else "yesno" if is_yes_no(question) else "answer"


def is_timeline(question: str) -> bool:
    """A question about how a story developed over time ("how did X develop", "¿qué pasó entre...?")."""
    return bool(_TIMELINE.search(question))


def is_yes_no(question: str) -> bool:
    """A question answered by yes or no ("Did X report ...?", "After ..., did Y ...?", "¿Hubo ...?").

    One that also asks for something ("Do they agree on how many ...?") is not.
    """
    question = question.strip()
    return bool(_YES_NO.search(question)) and not _ASKS_FOR.search(question)
