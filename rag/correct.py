"""Corrections: a passage that says a figure printed earlier was wrong, and the answer that uses it.

A correction is read from a passage sentence that sets a right figure against a wrong one, "45,000,
not 60,000" or "no subió 4,7 puntos, sino 1,1 puntos", when the sentence is in a correction notice
(its title holds `index.language.CORRECTION_WORDS`: "Corrección: ...") or names a revision itself
("not the 60,000 it had first reported"). The two figures must share their unit, and neither may
be a year. An answer that states a corrected figure gets the right one in its place, cited to the
correction, and an answer that states either of them is told of the change, with the outlet and day
of the passage that reports it ("The figure first reported, 60.000, was corrected to 45.000 (Diario
del Sur, 10 June 2024) [2].").

Not handled: a correction that states the wrong figure and the right one in different sentences
("Esa cifra era incorrecta. La capacidad real ... es de 45.000"), corrections of names or dates,
and a correction the answer's passages do not include.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Sequence

from index.language import (ALL_ARTICLES, BUT_WORDS, CORRECTION_WORDS, MONTH_NAMES, NOT_WORDS, REVISION_WORDS, fold,
                            sentence_pieces, split_sentences)

from .cite import cited_in, with_markers, without_markers
from .quantities import Quantity, is_year, quantities, spoken
from .types import Correction, Hit

# The sentence appended to an answer whose figure a correction concerns: who corrected it is often
# not the outlet that reports the correction ("the city corrected an earlier figure"), so none is named.
CHANGED = {
    "en": "The figure first reported, {wrong}, was corrected to {right} ({about}) {marker}.",
    "es": "La cifra publicada primero, {wrong}, se corrigió a {right} ({about}) {marker}.",
}
DAY = {"en": "{d} {month} {y}", "es": "{d} de {month} de {y}"}

_NOTS, _BUTS = frozenset(NOT_WORDS), frozenset(BUT_WORDS)
_ARTICLE = "|".join(sorted({*ALL_ARTICLES, "de", "del", "a"}, key=len, reverse=True))
_NOT_THEN = re.compile(rf",\s*(?:(?:y|and)\s+)?(?:{'|'.join(NOT_WORDS)})\s+(?:(?:{_ARTICLE})\s+){{0,2}}[\"«“]?$")  # "..., not the "
_BUT_THEN = re.compile(rf"^[^.;:]*?\b(?:{'|'.join(BUT_WORDS)})\s+(?:(?:{_ARTICLE})\s+){{0,2}}[\"«“]?$")  # "... , sino "
_CORRECTIONS = frozenset(fold(w) for w in CORRECTION_WORDS)
_REVISIONS = frozenset(fold(w) for w in REVISION_WORDS)


def is_notice(title: str) -> bool:
    """Whether ``title`` is a correction notice's ("Corrección: la participación fue del 64,8 %, no del 68,4 %")."""
    return bool(set(re.findall(r"\w+", fold(title))) & _CORRECTIONS)


def names_revision(sentence: str) -> bool:
    """Whether ``sentence`` names a revision or a stage of a count (`index.language.REVISION_WORDS`:
    "corrected", "errónea", "first reported", "definitiva")."""
    return bool({fold(w) for w in re.findall(r"\w+", sentence)} & _REVISIONS)


def pairs(sentence: str) -> list[tuple[Quantity, Quantity]]:
    """The (wrong, right) figures ``sentence`` sets against each other: "R, not W", "R y no W",
    "not W but R", "no W, sino R". Neither is a year, and their units (when both give one) agree."""
    found = [q for q in quantities(sentence) if q.start >= 0 and not is_year(q)]
    out = []
    for a, b in zip(found, found[1:]):
        if a.unit and b.unit and a.unit != b.unit:  # the second often leaves the unit out: "45,000 m3, not 60,000"
            continue
        between = fold(sentence[a.end:b.start])
        before = fold(sentence[:a.start]).split()[-5:]
        if _BUT_THEN.search(between) and set(before) & _NOTS and len(between.split()) <= 8:
            out.append((a, b))  # not W ... but R
        elif _NOT_THEN.search(between) and not set(between.split()) & _BUTS and len(between.split()) <= 7:
            out.append((b, a))  # R, not W
    return out


def corrections(hits: Sequence[Hit]) -> list[Correction]:
    """The corrections the passages state, each once (the first passage that states it)."""
    out: list[Correction] = []
    for n, hit in enumerate(hits, start=1):
        source = hit.chunk.source
        notice = is_notice(source.title)
        texts = [source.title, *split_sentences(hit.chunk.text)] if notice else split_sentences(hit.chunk.text)
        for sentence in texts:
            if not notice and not names_revision(sentence):
                continue
            for wrong, right in pairs(sentence):
                if not any(c.wrong.matches(wrong) and c.right.matches(right) for c in out):
                    out.append(Correction(wrong, right, n, source.outlet, source.day))
    return out


def supersede(text: str, found: Sequence[Correction], hits: Sequence[Hit], language: str) -> tuple[str, list[Correction]]:
    """``text`` with each figure a correction marks as wrong replaced by the right one (its sentence
    citing the correction too), and a sentence telling of each correction whose figures it states.
    Returns the text and the corrections it applied."""
    applied: list[Correction] = []
    pieces = sentence_pieces(text)
    for i, piece in enumerate(pieces):
        for c in found:
            for q in reversed([q for q in quantities(piece, language) if q.start >= 0]):
                if c.wrong.matches(q) and not c.right.matches(q) and _same_unit(q, c):
                    piece = piece[:q.start] + _value(c.right, c, hits, language) + piece[q.end:]
                    if c.passage not in cited_in(piece):
                        piece = with_markers(without_markers(piece), "".join(f"[{n}]" for n in sorted({*cited_in(piece), c.passage})))
                    if c not in applied:
                        applied.append(c)
                elif c.right.matches(q) and _same_unit(q, c) and c not in applied:
                    applied.append(c)
        pieces[i] = piece
    out = "".join(pieces)
    told = [c for c in applied if not _told(out, c, language)]
    template = CHANGED.get(language, CHANGED["en"])
    for c in told:
        about = ", ".join(x for x in (c.outlet, _spoken_day(c.published_at, language)) if x)
        out = out.rstrip() + " " + template.format(
            wrong=_value(c.wrong, c, hits, language), right=_value(c.right, c, hits, language), about=about,
            marker=f"[{c.passage}]").replace(" () ", " ")
    return out, applied


def _same_unit(q: Quantity, c: Correction) -> bool:
    return not (q.unit and c.right.unit and q.unit != c.right.unit)


def _told(text: str, c: Correction, language: str) -> bool:
    """Whether ``text`` already gives both figures of ``c`` in one sentence."""
    for piece in sentence_pieces(text):
        stated = quantities(piece, language)
        if any(c.wrong.matches(q) for q in stated) and any(c.right.matches(q) for q in stated):
            return True
    return False


def _value(q: Quantity, c: Correction, hits: Sequence[Hit], language: str) -> str:
    """``q`` as the answer's language writes it: as the passage writes it when in that language."""
    if hits[c.passage - 1].chunk.source.language in (language, ""):
        return q.written
    return spoken(q.value, language) + q.suffix


def _spoken_day(day: str, language: str) -> str:
    """``2024-06-10`` as ``language`` writes a day: "10 June 2024", "10 de junio de 2024"."""
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return ""
    names = MONTH_NAMES.get(language, MONTH_NAMES["en"])
    month = names[d.month - 1].capitalize() if language not in MONTH_NAMES or language == "en" else names[d.month - 1]
    return DAY.get(language, DAY["en"]).format(d=d.day, month=month, y=d.year)
