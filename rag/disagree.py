"""Disagreements between passages: different figures for the same thing from different speakers
or outlets ("the union put turnout at 82 % [1], the operator at 57 % [2]"), found by rules.

A figure is a side when its sentence is among the closest to the question (`Hit.evidence`,
within ``DISPUTE_MARGIN`` of the best sentence of its language), in a passage that holds every
name the question gives, and states no revision (`rag.correct.names_revision`: a correction,
a first or final count). Two figures dispute when they count the same word, or share a unit
("%"), do not match, and either both are attributed to speakers that differ ("según el
sindicato", "the operator said"), published within ``DISPUTE_DAYS`` of each other, or neither
is and two outlets printed them the same day. Sentences that name different days (a count on
Wednesday, another on Thursday) do not dispute. Only a disagreement that one of the answer's
cited figures takes a side in is reported, and only when just one other value is given.

Not handled: a figure whose counted word differs between the sides (a synonym, "evacuees"
against "people"); a speaker named in another sentence than the figure ("Unión Valdemorana
quedaría segunda con 22 escaños" after the sentence that names the poll); figures of two things
counted with the same word in the close sentences (two parties' seats); a later article that
corrects an earlier one without a revision word; dates (only quantities are compared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from index.language import (ALL_ARTICLES, ALL_FUNCTION_WORDS, FIGURE_VERBS, SOURCE_BEFORE, SPEECH_VERBS,
                            THOUSANDS_SEPARATORS, fold)

from .anchors import anchors, findable
from .cite import sentences
from .correct import names_revision
from .quantities import Day, Quantity, counted, days, is_day, is_year, quantities, spoken
from .types import Disagreement, Hit, Side

DISPUTE_MARGIN = 0.05  # a side's sentence is this close to the best one of its language (similarity to the question)
DISPUTE_DAYS = 2  # attributed sides published this many days apart at most
SPEAKER_WORDS = 10  # a speaker is at most this many words long

# The sentence appended to an answer that gives one side: both sides, each with its passage's marker.
BOTH_SIDES = {
    "en": "The sources differ: {a} gives {va} {ma} and {b} gives {vb} {mb}.",
    "es": "Las fuentes no coinciden: {a} da {va} {ma} y {b}, {vb} {mb}.",
}

_VERBS = "|".join(sorted(SPEECH_VERBS + FIGURE_VERBS, key=len, reverse=True))
_BEFORE = "|".join(SOURCE_BEFORE)
_SOURCE_THEN = re.compile(rf"\b(?:{_BEFORE})\s+(?P<who>[^,.;:()«»“”\"]+)", re.I)  # "según el sindicato, ..."
_SUBJECT_SAYS = re.compile(rf"^(?P<who>[^,;:«»“”\"]+?)\s+(?:{_VERBS})\b", re.I)  # "The association says 2,400 ..."
_SAYS_AFTER = re.compile(rf"[,”»\"]\s*(?:{_VERBS})\s+(?P<who>[^,.;:]+)|,\s+(?P<subject>[^,;:]+?)\s+(?:{_VERBS})\b", re.I)


@dataclass(frozen=True)
class Statement:
    """A figure of a passage sentence, with what it counts and who gives it."""

    key: str  # the counted word or the unit
    quantity: Quantity
    passage: int
    sentence: str
    speaker: str  # "" when the sentence attributes the figure to no one
    outlet: str
    day: str
    named_days: tuple[Day, ...]  # the days its sentence names


def speaker(sentence: str) -> str:
    """Who ``sentence`` attributes its words to: "el sindicato Rail Workers Alliance" in "Según el
    sindicato Rail Workers Alliance, el 82 % ...", "The Association of Municipalities" in "The
    Association of Municipalities says about 2,400 ...", "the operator" in "..., the operator said".
    "" when none. Not handled: a speaker named in an earlier sentence, or by a pronoun."""
    for pattern in (_SOURCE_THEN, _SUBJECT_SAYS, _SAYS_AFTER):
        m = pattern.search(sentence)
        who = m and (m.groupdict().get("who") or m.groupdict().get("subject"))
        if who and _names_someone(who.strip()):
            return who.strip()
    return ""


def _names_someone(who: str) -> bool:
    """Whether ``who`` reads as a speaker: a few words without figures, starting with an article or a
    capital, not only function words ("justo la" in "33 escaños, justo la cifra" is none)."""
    words = who.split()
    if not words or len(words) > SPEAKER_WORDS or re.search(r"\d", who):
        return False
    if not (words[0][0].isupper() or words[0].lower() in ALL_ARTICLES):
        return False
    return any(w.lower().strip("()") not in ALL_FUNCTION_WORDS for w in words)


def same_speaker(a: str, b: str) -> bool:
    """Whether two speakers are one: the content words of one are all among the other's ("el CCEV"
    and "el Centro de Coordinación de Emergencias de Valdemora (CCEV)")."""
    def words(s: str) -> set[str]:
        return {w for w in re.findall(r"\w+", fold(s)) if w not in ALL_FUNCTION_WORDS}

    wa, wb = words(a), words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def statements(question: str, hits: Sequence[Hit], margin: float = DISPUTE_MARGIN) -> list[Statement]:
    """The figures that may be a side: in sentences close to the question, of passages holding its names."""
    best: dict[str, float] = {}
    for h in hits:
        for _, score in h.evidence:
            best[h.chunk.source.language] = max(score, best.get(h.chunk.source.language, score))
    names = anchors(question, sentence=True) - {a for a in anchors(question) if a[0].isdigit()}
    asked = {q.value for q in quantities(question)}
    out = []
    for n, h in enumerate(hits, start=1):
        found = findable(h.chunk.text)
        if not all(a in found or fold(a) in found for a in names):
            continue
        for sentence, score in h.evidence:
            if score < best[h.chunk.source.language] - margin:
                continue
            if names_revision(sentence):
                continue
            digits, figures = counted(sentence, h.chunk.source.language or None)
            for q, word in figures:
                key = word or q.unit
                if not key or q.value in asked or is_year(q) or is_day(q, digits):
                    continue
                out.append(Statement(key, q, n, sentence, speaker(sentence), h.chunk.source.outlet, h.chunk.source.day,
                                     tuple(days(sentence))))
    return out


def dispute(a: Statement, b: Statement) -> bool:
    """Whether ``a`` and ``b`` give rival figures for the same thing (see the module's rules)."""
    if a.key != b.key or a.quantity.matches(b.quantity) or b.quantity.matches(a.quantity):
        return False
    if a.named_days and b.named_days and not any(x.same(y) for x in a.named_days for y in b.named_days):
        return False  # counts of different days
    if a.speaker and b.speaker:
        return not same_speaker(a.speaker, b.speaker) and _within(a.day, b.day, DISPUTE_DAYS)
    if a.speaker or b.speaker:
        return False
    return a.outlet != b.outlet and bool(a.day) and a.day == b.day


def _within(a: str, b: str, most: int) -> bool:
    if not a or not b:
        return False
    return abs(date.fromisoformat(a) - date.fromisoformat(b)) <= timedelta(days=most)


def disagreements(text: str, question: str, hits: Sequence[Hit], margin: float = DISPUTE_MARGIN) -> list[Disagreement]:
    """The disagreements that a cited figure of ``text`` (an answer to ``question``) takes a side in:
    that figure's statement first, the one rival value second."""
    stated = statements(question, hits, margin)
    if not stated:
        return []
    figures = [q for claim, cited in sentences(text) if cited for q in quantities(claim)]
    out: list[Disagreement] = []
    seen: set[str] = set()
    for figure in figures:
        own = [s for s in stated if s.key not in seen and (not figure.unit or figure.unit == s.quantity.unit)
               and (figure.matches(s.quantity) or s.quantity.matches(figure))]
        for mine in own:
            rivals = [s for s in stated if dispute(mine, s)]
            values = {s.quantity.value for s in rivals}
            if len(values) != 1:
                continue
            other = rivals[0]
            seen.add(mine.key)
            out.append(Disagreement(mine.key, (_side(mine), _side(other))))
            break
    return out


def _side(s: Statement) -> Side:
    return Side(s.speaker or s.outlet, s.quantity.written, s.passage, s.outlet, s.day)


def state_sides(text: str, found: Sequence[Disagreement], hits: Sequence[Hit], language: str) -> str:
    """``text`` with a sentence (in ``language``, English when there is no template for it) giving
    both sides of each disagreement whose other side it does not state. Speakers from passages in
    another language are named by their proper names, else by their outlet."""
    template = BOTH_SIDES.get(language, BOTH_SIDES["en"])
    out = text
    stated = quantities(text, language)
    for d in found:
        a, b = d.sides[0], d.sides[1]
        rival = quantities(b.value)[:1]
        if rival and any(q.matches(rival[0]) or rival[0].matches(q) for q in stated):
            continue  # the answer already gives both
        out = out.rstrip() + " " + template.format(
            a=_label(a, hits, language), va=_value(a, hits, language), ma=f"[{a.passage}]",
            b=_label(b, hits, language), vb=_value(b, hits, language), mb=f"[{b.passage}]")
    return out


_NAME = re.compile(r"[A-ZÁÉÍÓÚÑ][\w’'-]*(?:\s+(?:(?:de|del|la|las|los|of|the)\s+)*[A-ZÁÉÍÓÚÑ][\w’'-]*)*")


def _label(side: Side, hits: Sequence[Hit], language: str) -> str:
    if hits[side.passage - 1].chunk.source.language in (language, ""):
        return side.speaker
    names = [_without_article(n) for n in _NAME.findall(side.speaker)]
    return max(names, key=len) if any(names) else side.outlet


def _without_article(name: str) -> str:
    """``name`` without the function words it starts with ("The Association" -> "Association")."""
    words = name.split()
    while words and words[0].lower() in ALL_FUNCTION_WORDS:
        words = words[1:]
    return " ".join(words)


def _value(side: Side, hits: Sequence[Hit], language: str) -> str:
    """The side's figure in ``language``: as written when its passage is in it; else with that
    language's thousands separator ("2,400" is "2.400" in Spanish, as the archive writes it)."""
    if hits[side.passage - 1].chunk.source.language in (language, ""):
        return side.value
    q = quantities(side.value)[0]
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", q.text):
        return f"{int(q.value):,}".replace(",", THOUSANDS_SEPARATORS.get(language, ",")) + q.suffix
    return spoken(q.value, language) + q.suffix
