"""What a question asks for: a number, a date, a person, a place or a name (`Query.expects`).

English and Spanish patterns, tried in order; a question that matches none (what did X say,
why, how) expects nothing checkable. Not handled: other languages, and questions whose asked
type only shows later in the sentence ("The contract went to which company?").
"""

from __future__ import annotations

import re

_NOUNS_NAME = (r"company|firm|organi[sz]ation|party|union|outlet|newspaper|paper|team|ship|vessel|group|body|agency|"
               r"ministry|council|bank|minister|person|official|club|school|brand|programme|program|project|plan|law")
_PATTERNS = (
    ("number", r"\bhow (?:many|much)\b|\bcu[aá]nt[oa]s?\b|\bwhat (?:percentage|share|proportion|number|amount|figure|price|"
               r"cost|sum|total|rate)\b|\bqu[eé] (?:porcentaje|cantidad|cifra|n[uú]mero|precio|importe|suma|coste|costo)\b"),
    ("date", r"\bwhen\b|\b(?:what|which) (?:year|date|day|month|time)\b|\bcu[aá]ndo\b|\b(?:en )?qu[eé] (?:a[nñ]o|fecha|d[ií]a|mes|hora)\b"),
    ("person", r"^\W*(?:who|whom)\b|\bwho (?:is|was|were|are|did|said|won|will|has|had)\b|\bqui[eé]n(?:es)?\b"),
    ("place", r"\bwhere\b|\b(?:ad)?[oó]nde\b|\b(?:what|which) (?:city|town|country|place|village|region|port|station)\b|"
              r"\bqu[eé] (?:ciudad|lugar|pueblo|pa[ií]s|localidad|regi[oó]n|puerto|estaci[oó]n)\b"),
    ("name", rf"\b(?:what|which) (?:{_NOUNS_NAME})\b|\bqu[eé] (?:empresa|compa[nñ][ií]a|organizaci[oó]n|partido|sindicato|"
             r"equipo|peri[oó]dico|diario|barco|buque|grupo|organismo|ministerio|banco|ministro|persona|club|marca|proyecto|"
             r"plan|ley)\b|\bcu[aá]l(?:es)? (?:es|fue|era|son|fueron) (?:el|la|los|las) (?:nombre|empresa)\b"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in _PATTERNS)
_COUNTED = re.compile(r"\bhow many\s+(?:more\s+|of\s+the\s+)?(?P<a>[^\W\d_]+)|\bcu[aá]nt[oa]s\s+(?:m[aá]s\s+)?(?P<b>[^\W\d_]+)|"
                      r"\bwhat (?:percentage|share|proportion|number) of (?:the |all |its |their )?(?P<c>[^\W\d_]+)|"
                      r"\bqu[eé] (?:porcentaje|proporci[oó]n|n[uú]mero|parte) de (?:los |las |sus )?(?P<d>[^\W\d_]+)", re.I)
# Counts of anyone, and what a share is measured in ("what share of the votes"), restrict nothing.
_ANY_ONE = {"people", "persons", "personas", "gente", "times", "veces", "votes", "vote", "votos", "voto"}


def counted_noun(question: str) -> str:
    """What a question counts: "conductors" in "What share of conductors voted ...?", "escaños" in
    "¿Cuántos escaños ...?"; "" when it counts nothing named, anyone ("how many people"), or the
    first word after is a name."""
    m = _COUNTED.search(question)
    word = next((g for g in m.groups() if g), "") if m else ""
    return "" if word.lower() in _ANY_ONE or word[:1].isupper() else word.lower()  # a name ("Harwick Rovers members") is no noun


def expects(question: str) -> str | None:
    """``number``, ``date``, ``person``, ``place`` or ``name``: what the answer must contain; None when not told."""
    for kind, pattern in _COMPILED:
        if pattern.search(question):
            return kind
    return None
