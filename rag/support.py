"""Does a passage support a sentence? An entailment check with one abstract method.

`LexicalSupport` (fast, used on every answer) checks that the sentence's quantities (as values)
and names occur in the passage, side by side: these survive translation, so it works across
languages, but it cannot see a wrong verb or a negation. `LLMSupport` asks a chat model and constrains its reply to
``yes``/``no`` (a grammar with llama.cpp, the first word otherwise); the evaluation's citation
judge uses it. Both judge one claim against one premise text.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from index.language import MONTHS, SPEECH, WEEKDAYS, fold, kept_in_translation, question_language, split_sentences

from .anchors import acronyms, anchors, findable
from .llm import LLM
from .prompt import load_prompt
from .quantities import is_day, is_year, quantities, times


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
    """Supported when the claim's quantities are stated in the premise with the same values
    (`rag.quantities`: "12 million" is not "12 mil millones"), its clock times occur there, and
    at least half of its names do; and when each quantity stands beside what the claim ties it
    to: a sentence of the premise that holds it or its paragraph or a neighbouring sentence must hold
    one of the claim's names or other figures that the premise holds (headings are beside every sentence).

    A claim with no quantity, time or name (nothing to check across languages) counts as
    supported. What the figure counts ("40 houses" against "40 people") is not compared.
    """

    name = "lexical"

    def entails(self, premise: str, claim: str) -> bool:
        wanted = anchors(claim, sentence=True)
        figures = quantities(claim)
        clock = times(claim)
        language = question_language(claim)  # a name a translation changes ("Best Actress", "WSE") is not looked for
        short = acronyms(claim)
        names = {a for a in wanted if not a[0].isdigit() and a not in MONTHS and a not in WEEKDAYS  # dates are figures
                 and a not in short and kept_in_translation(a, language)}
        if not names and not figures and not clock:
            return True
        found = findable(premise)
        names = {fold(n) for n in names}
        if names and len(names & found) * 2 < len(names):
            return False
        if not clock <= times(premise):
            return False
        if not _spoken_by(claim, premise):
            return False
        if not figures:
            return True
        parts = _parts(premise)
        for figure in figures:
            dates = [f for f in figures if f is not figure and (is_year(f) or is_day(f, claim))]
            ties = {n for n in names if n in found} | {f.value for f in figures if f is not figure and f not in dates}
            years = {f.value for f in dates}
            if not any(_beside(parts, i, ties) and all(_beside(parts, i, {y}, date=True) for y in years)
                       for i, part in enumerate(parts) if any(figure.matches(q) for q in part.figures)):
                return False
        return True


def _spoken_by(claim: str, premise: str) -> bool:
    """Whether the names a claim has speaking ("X said", "según X") speak in the premise: each is
    next to a speech verb there (within six words after it, or, when none is, before it in its
    sentence: "Fermín Olalla, mayor of Valdeoscuro, said"). A minister named beside a spokesman's
    quote is not quoted. Claims without a speech verb pass."""
    speakers = _speakers(claim, before=4, after=4)
    if not speakers:
        return True
    speaking = set().union(set(), *(_speakers(s, after=6) for s in split_sentences(premise)))
    outlets = {w for heading in _HEADING.findall(premise) for w in anchors(heading)}  # an outlet speaks in its articles
    return speakers <= speaking | outlets


_HEADING = re.compile(r"^.*\(([^()\n]+)\)\s*$", re.M)


def _speakers(text: str, after: int, before: int | None = None) -> set[str]:
    """Names beside the speech verbs of ``text``: within ``after`` words after each, and within
    ``before`` words before it, or (``before`` None) anywhere before it when none follows."""
    out: set[str] = set()
    for m in SPEECH.finditer(text):
        if not m.group(0)[0].isalpha():
            continue
        head = text[:m.start()]
        following = anchors(" ".join(text[m.end():].split()[:after]))
        if m.group(0).lower() in ("según", "according to"):  # the source follows, up to a comma: "X ganaría, según Y"
            out |= anchors(" ".join(re.split(r"[,;.:]", text[m.end():], maxsplit=1)[0].split()[:after]))
        elif before is None:
            out |= following or anchors(head)
        else:
            words = head.split()
            out |= following | anchors(" ".join(words[-before:]), sentence=len(words) <= before)
    return {name for name in out if not name[0].isdigit()}


@dataclass(frozen=True)
class _Part:
    words: frozenset  # its anchors and lower-cased words
    figures: tuple  # its quantities
    paragraph: int  # which paragraph of the premise it is in; -1 for a heading (title, outlet, date): beside every sentence


def _parts(premise: str) -> list[_Part]:
    """The premise's sentences with their paragraphs; a passage's first line ``Title (Outlet, day)`` is a heading."""
    out = []
    for number, block in enumerate(re.split(r"\n\s*\n", premise)):
        lines = block.strip().split("\n", 1)
        if len(lines) == 2 and lines[0].rstrip().endswith(")"):
            out.append(_part(lines[0], -1))
            block = lines[1]
        out.extend(_part(s, number) for s in split_sentences(block))
    return out


def _part(text: str, paragraph: int) -> _Part:
    return _Part(frozenset({fold(a) for a in anchors(text)} | {fold(w) for w in re.findall(r"\w+", text)}), tuple(quantities(text)),
                 paragraph)


def _beside(parts: list[_Part], i: int, ties: set, date: bool = False) -> bool:
    """Whether sentence ``i``, its paragraph, its neighbours or a heading hold one of ``ties`` (names or values);
    true with no ties. A ``date`` must be in the sentence itself, the one before it in its paragraph, or a heading."""
    if not ties:
        return True
    if parts[i].paragraph == -1:  # a heading is beside the whole passage
        near = parts
    elif date:
        near = [p for j, p in enumerate(parts) if j == i or p.paragraph == -1 or (j == i - 1 and p.paragraph == parts[i].paragraph)]
    else:
        near = [p for j, p in enumerate(parts) if abs(j - i) <= 1 or p.paragraph in (-1, parts[i].paragraph)]
    return any(t in p.words if isinstance(t, str) else any(abs(q.value - t) < 1e-9 for q in p.figures) for p in near for t in ties)
