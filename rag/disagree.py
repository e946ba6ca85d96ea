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

A sentence that attributes its figure to no one takes the speaker of the nearest earlier sentence
of its paragraph that gives a figure of the same thing ("Según la encuesta de Sondea Valle, ASV
ganaría con 25 escaños. UV quedaría segunda con 22 escaños."). Two figures are of the same
subject only when their sentences name the same of the question's names: a poll's seats for the
party asked about, not for the others beside it. An answer that gives no figure at all, while
a passage it cites holds one dispute, is told that one. The other side of a figure the answer gives
may come from a passage ranked just after those the model read (`further_side`): that passage is
then appended to the answer's and cited; the answer's own side always comes from a passage it read.

Not handled: a figure whose counted word differs between the sides (a synonym, "evacuees"
against "people"); a speaker named by a pronoun or in another paragraph; a subject named by a
pronoun or an abbreviation the question does not use; a later article that corrects an earlier
one without a revision word; dates (only quantities are compared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import combinations
from typing import Callable, Sequence

from index.language import (ALL_ARTICLES, ALL_FUNCTION_WORDS, FIGURE_VERBS, SOURCE_BEFORE, SPEECH_VERBS,
                            THOUSANDS_SEPARATORS, fold, split_sentences)

from .anchors import anchors, findable
from .cite import sentences
from .correct import names_revision
from .quantities import Day, Quantity, counted, days, is_day, is_year, quantities, spoken
from .types import Disagreement, Hit, Side

DISPUTE_MARGIN = 0.05  # a side's sentence is this close to the best one of its language (similarity to the question)
DISPUTE_DAYS = 7  # attributed sides published this many days apart at most (a week of polls)
SPEAKER_WORDS = 10  # a speaker is at most this many words long
FURTHER_PASSAGES = 4  # how many passages ranked after those read are searched for a figure's other side

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
    named: frozenset[str] = frozenset()  # the question's names its sentence holds


def speaker(sentence: str) -> str:
    """Who ``sentence`` attributes its words to: "el sindicato Rail Workers Alliance" in "Según el
    sindicato Rail Workers Alliance, el 82 % ...", "The Association of Municipalities" in "The
    Association of Municipalities says about 2,400 ...", "the operator" in "..., the operator said".
    "" when none. Not handled: a speaker named in an earlier sentence, or by a pronoun."""
    for pattern in (_SOURCE_THEN, _SUBJECT_SAYS, _SAYS_AFTER):
        m = pattern.search(sentence)
        who = m and (m.groupdict().get("who") or m.groupdict().get("subject"))
        who = who and _to_last_name(who.strip())
        if who and _names_someone(who):
            return who
    return ""


def _to_last_name(who: str) -> str:
    """``who`` up to the end of its last run of names: "la encuesta de Sondea Valle para La Voz del
    Valle" of "... La Voz del Valle publicada este jueves 11 de abril". A phrase without a capital
    is kept whole ("the operator")."""
    words = who.split()
    named = [i for i, w in enumerate(words) if w[:1].isupper()]
    if not named:
        return who
    end = named[0]
    for i in range(named[0], len(words)):
        if words[i][:1].isupper():
            end = i
        elif words[i].lower() not in ALL_FUNCTION_WORDS:
            break
    return " ".join(words[:end + 1])


def _carried(sentence: str, text: str, key: str, language: str | None) -> str:
    """The speaker of the nearest sentence before ``sentence`` in its paragraph of ``text`` that
    gives a figure counting ``key``, when ``sentence`` names none itself; else ""."""
    for paragraph in text.split("\n\n"):
        if sentence not in paragraph:
            continue
        before = split_sentences(paragraph[:paragraph.index(sentence)])
        for earlier in reversed(before):
            if any((word or q.unit) == key for q, word in counted(earlier, language)[1]):
                return speaker(earlier)
        return ""
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
            language = h.chunk.source.language or None
            digits, figures = counted(sentence, language)
            own = speaker(sentence)
            held = findable(sentence)
            named = frozenset(a for a in names if a in held or fold(a) in held)
            for q, word in figures:
                key = word or q.unit
                if not key or q.value in asked or is_year(q) or is_day(q, digits):
                    continue
                who = own or _carried(sentence, h.chunk.text, key, language)
                out.append(Statement(key, q, n, sentence, who, h.chunk.source.outlet, h.chunk.source.day,
                                     tuple(days(sentence)), named))
    return out


def dispute(a: Statement, b: Statement) -> bool:
    """Whether ``a`` and ``b`` give rival figures for the same thing (see the module's rules)."""
    if a.key != b.key or a.quantity.matches(b.quantity) or b.quantity.matches(a.quantity):
        return False
    if a.named != b.named:
        return False  # figures of different subjects (two parties' seats)
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


def disagreements(text: str, question: str, hits: Sequence[Hit], margin: float = DISPUTE_MARGIN,
                  read: int | None = None) -> list[Disagreement]:
    """The disagreements that a cited figure of ``text`` (an answer to ``question``) takes a side in:
    that figure's statement first, the one rival value second. With ``read``, only the first
    ``read`` passages (those the answer was written from) give the answer's side."""
    stated = statements(question, hits, margin)
    if not stated:
        return []
    figures = [q for claim, cited in sentences(text) if cited for q in quantities(claim)]
    out: list[Disagreement] = []
    seen: set[str] = set()
    for figure in figures:
        own = [s for s in stated if s.key not in seen and (not figure.unit or figure.unit == s.quantity.unit)
               and (figure.matches(s.quantity) or s.quantity.matches(figure)) and (read is None or s.passage <= read)]
        for mine in own:
            rivals = [s for s in stated if dispute(mine, s)]
            values = {s.quantity.value for s in rivals}
            if len(values) != 1:
                continue
            other = rivals[0]
            seen.add(mine.key)
            out.append(Disagreement(mine.key, (_side(mine), _side(other))))
            break
    if not figures:
        out = _untold(text, stated)
    return out


def further_side(text: str, question: str, hits: Sequence[Hit], further: Callable[[], Sequence[Hit]],
                 margin: float = DISPUTE_MARGIN) -> tuple[list[Disagreement], list[Hit]]:
    """The disagreements whose other side is in a passage ranked after ``hits`` (``further()``,
    searched only when ``text`` cites a figure and ``hits`` hold figures that may be sides), and ``hits`` with those passages
    appended, numbered after them. An answer read four passages; a rival poll ranked sixth is still
    a rival worth telling. Empty, and ``hits`` as they are, when there is none."""
    figures = [q for claim, cited in sentences(text) if cited for q in quantities(claim)]
    if not figures or not statements(question, hits, margin):
        return [], list(hits)
    held = {h.chunk.id for h in hits}
    more = [h for h in further() if h.chunk.id not in held]
    found = [d for d in disagreements(text, question, [*hits, *more], margin, read=len(hits))
             if any(side.passage > len(hits) for side in d.sides)]
    used = sorted({side.passage for d in found for side in d.sides if side.passage > len(hits)})
    number = {old: len(hits) + i for i, old in enumerate(used, start=1)}
    appended = [replace(more[old - len(hits) - 1], rank=number[old]) for old in used]
    found = [replace(d, sides=tuple(replace(side, passage=number.get(side.passage, side.passage)) for side in d.sides))
             for d in found]
    return found, [*hits, *appended]


def _untold(text: str, stated: Sequence[Statement]) -> list[Disagreement]:
    """The one dispute that a figure of the passages ``text`` cites takes a side in, when there is
    just one; the cited side first."""
    cited = {n for _, ns in sentences(text) for n in ns}
    found: dict[tuple, tuple[Statement, Statement]] = {}
    for a, b in combinations(stated, 2):
        if a.passage not in cited:
            a, b = b, a
        if a.passage in cited and dispute(a, b):
            found.setdefault((a.key, frozenset((a.quantity.value, b.quantity.value))), (a, b))
    if len(found) != 1:
        return []
    [(a, b)] = found.values()
    return [Disagreement(a.key, (_side(a), _side(b)))]


def _side(s: Statement) -> Side:
    return Side(s.speaker or s.outlet, s.quantity.written, s.passage, s.outlet, s.day)


def state_sides(text: str, found: Sequence[Disagreement], hits: Sequence[Hit], language: str) -> str:
    """``text`` with a sentence (in ``language``, English when there is no template for it) giving
    both sides of each disagreement whose other side it does not state. Speakers from passages in
    another language are named by their proper names, else by their outlet."""
    template = BOTH_SIDES.get(language, BOTH_SIDES["en"])
    out = text
    digits, figures = counted(text, language)
    stated = [q for q, _ in figures if not is_day(q, digits) and not is_year(q)]  # "21 de abril" gives no 21
    for d in found:
        a, b = d.sides[0], d.sides[1]
        rival = quantities(b.value)[:1]
        if rival and any(q.matches(rival[0]) or rival[0].matches(q) for q in stated):
            continue  # the answer already gives both
        about = d.about if all(hits[s.passage - 1].chunk.source.language in (language, "") for s in d.sides) else ""
        out = _ended(out) + " " + template.format(
            a=_label(a, hits, language), va=_value(a, hits, language, about), ma=f"[{a.passage}]",
            b=_label(b, hits, language), vb=_value(b, hits, language, about), mb=f"[{b.passage}]")
    return out


_ENDED = re.compile(r"[.!?…»”\"]\s*(?:\[\d+\]\s*)*$")


def _ended(text: str) -> str:
    """``text`` ending its last sentence: "27 escaños [1]" gets its full stop before a sentence is added."""
    text = text.rstrip()
    return text if not text or _ENDED.search(text) else text + "."


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


def _value(side: Side, hits: Sequence[Hit], language: str, about: str = "") -> str:
    """The side's figure in ``language``: as written when its passage is in it, with the word
    ``about`` as the passage writes it after the figure ("25 escaños"); else with that language's thousands separator
    ("2,400" is "2.400" in Spanish, as the archive writes it) and without the word."""
    if hits[side.passage - 1].chunk.source.language in (language, ""):
        text = hits[side.passage - 1].chunk.text
        m = about and re.search(rf"(?<![\d.,]){re.escape(side.value)}\s+({re.escape(about)}\w*)", text, re.I)
        return f"{side.value} {m.group(1)}" if m else side.value
    q = quantities(side.value)[0]
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", q.text):
        return f"{int(q.value):,}".replace(",", THOUSANDS_SEPARATORS.get(language, ",")) + q.suffix
    return spoken(q.value, language) + q.suffix
