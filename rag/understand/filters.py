"""A question's filters: the publication window and the outlets it names, and the question left to search with.

`read_filters` joins the time expressions (`rag.understand.times`) and the outlet mentions
(`rag.understand.outlets`) of a question into `Filters`, and cuts those phrases from the searched text
when what is left still asks about something. Time expressions are read in all six languages; the
question's own languages (told by function words) decide which words are filler and which follow a year.
A language filter is never understood from the question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from index.language import FUNCTION_WORDS, fold_accents
from index.types import Filters

from .outlets import attributed, find_mentions
from .times import read_window

_ALWAYS = ("en", "es")
_OTHERS = ("fr", "de", "it", "pt")

# Words that ask about nothing in particular, besides function words; in any question (none is an English or Spanish word).
_FILLER = {
    "en": """happened happen happens happening occurred occur news new latest anything something tell me us know say said says
             report reported reports there any may""",
    "es": "paso pasa ocurrio ocurre sucedio sucede noticias noticia novedades nuevo nueva nuevas nuevos hay algo dijo dice informo publico sabe sabemos",
    "fr": "passe nouvelles nouvelle actualites quoi quelque chose",
    "de": "passiert geschehen geschah neues nachrichten gibt",
    "it": "successo accaduto notizie notizia novita",
    "pt": "aconteceu acontece noticias noticia novidades",
}

_SPACES = re.compile(r"\s{2,}")
_SPACE_BEFORE = re.compile(r"\s+([,.;:?!)])")
_SPACE_AFTER = re.compile(r"([¿¡(])\s+")
_EMPTY_CLAUSE = re.compile(r"[,;:]+(?=[,.;:?!)]|$)")
_LEADING = re.compile(r"^([¿¡]?)[\s,;:]+")
_CONTENT = re.compile(r"\w+")


def _languages(text: str) -> tuple[str, ...]:
    """The question's languages: English and Spanish, and another one that has more function words in ``text``.

    "war" in "the war in Gaza" does not make a question German; "wer" and "die" in "Wer hat die Wahl gewonnen?" do.
    """
    words = _CONTENT.findall(text.lower())
    counts = {lang: sum(w in FUNCTION_WORDS[lang] for w in words) for lang in _ALWAYS + _OTHERS}
    most = max(counts[lang] for lang in _ALWAYS)
    return _ALWAYS + tuple(lang for lang in _OTHERS if counts[lang] > most)


@lru_cache(maxsize=16)
def _generic(languages: tuple[str, ...]) -> frozenset[str]:
    words = [w for lang in languages for w in FUNCTION_WORDS[lang]] + [w for line in _FILLER.values() for w in line.split()]
    return frozenset(fold_accents(w).lower() for w in words)


def _meaningful(text: str, languages: tuple[str, ...]) -> bool:
    """Whether ``text`` still asks about something: a word that is not a question or filler word."""
    generic = _generic(languages)
    return any(w.isdigit() or len(w) >= 3 and w not in generic for w in _CONTENT.findall(fold_accents(text).lower()))


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (indices kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans``, with spaces and punctuation tidied."""
    pieces, pos = [], 0
    for start, end in sorted(spans):
        pieces.append(text[pos:max(pos, start)])
        pos = max(pos, end)
    out = "".join(pieces) + text[pos:]
    out = _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", _SPACES.sub(" ", out)))
    out = _LEADING.sub(r"\1", _EMPTY_CLAUSE.sub("", out)).strip()
    return _capitalise_like(out, text)


def _capitalise_like(text: str, original: str) -> str:
    """``text`` with its first letter upper-cased when ``original``'s was."""
    first = next((i for i, c in enumerate(text) if c.isalpha()), None)
    was_upper = next((c.isupper() for c in original if c.isalpha()), False)
    return text[:first] + text[first].upper() + text[first + 1:] if first is not None and was_upper else text


def read_filters(question: str, as_of: datetime | date, outlets: Sequence[str] = ()) -> tuple[str, Filters]:
    """The question to search with and the filters it states: dates and outlets, never a language.

    Dates are resolved against ``as_of`` (timezone-aware; naive is taken as UTC) in its time zone.
    Outlet names are returned as given in ``outlets``. The phrases are cut from the question only when
    what is left still asks about something; otherwise the question comes back as is. Contradictory
    dates ("in June after July") give no date filter.
    """
    text = unicodedata.normalize("NFC", question)
    folded, languages = fold_accents(text), _languages(text)
    mentions = find_mentions(folded, outlets)  # names first: "USA Today" is not a date
    window = read_window(_blank(folded, [(m.start, m.end) for m in mentions]), as_of, languages)
    sources, outlet_spans = attributed(_blank(folded, window.spans), mentions)
    filters = Filters(window.since, window.until, tuple(sources))
    spans = list(window.spans) + outlet_spans
    if not spans:
        return question, filters
    cleaned = _cut(text, spans)
    return (cleaned if _meaningful(cleaned, languages) else question), filters
