"""Outlets named in a question: which archive outlets it asks about, and which words to cut for searching.

An outlet counts when it is named in an attribution context, in English or Spanish: after "according to",
"según", "in", "by", "de"..., or next to a reporting verb ("X reported", "dijo X"). Names match without
accents or case; a name may be shortened by dropping its article ("Observador Global") or to a distinctive
head word after an article ("the Courier"). Several outlets joined by commas or and/or form one group
("según X y Z"). The attribution phrase is cut ("according to X"); a name next to a reporting verb or
before a possessive ("the Courier's") stays in the question.

Not handled: outlets named without an attribution context ("Who owns Coast Times?"), a short name shared by
several outlets ("el Diario"), one-word names written in lower case ("el país"), other languages' attribution
words ("selon", "laut", "secondo", "segundo").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from index.language import ALL_FUNCTION_WORDS, CONJUNCTIONS, fold_accents

_I = re.IGNORECASE
_ARTICLES = frozenset({"the", "el", "la", "los", "las"})  # may open an outlet's name
_FUNCTION_WORDS = frozenset(fold_accents(w).lower() for w in ALL_FUNCTION_WORDS)
_ARTICLE = r"(?:(?:the|el|la|los|las)\s+)"

_PREPOSITION = re.compile(
    r"\b(?:according\s+to|as\s+reported\s+by|reported\s+by|published\s+by|segun|de\s+acuerdo\s+con|publicado\s+por"
    rf"|informado\s+por|in|en|from|by|de|del|per)\s+{_ARTICLE}?$", _I
)
_VERBS = (r"informo|informa|publico|publica|dijo|dice|reporto|reporta|senalo|senala|aseguro|asegura|afirmo|afirma|revelo|revela"
          r"|explico|explica|said|says|reported|reports|wrote|writes")
_VERB_BEFORE = re.compile(rf"\b(?:{_VERBS})\s+{_ARTICLE}?$", _I)  # "dijo El Observador", "..., said the Courier"
_VERB_AFTER = re.compile(rf"\s+(?:(?:has|had|have|ha|han)\s+)?(?:{_VERBS}|report|say|write|published|publishes|publish)\b", _I)
_JOIN = re.compile(rf"\s*(?:,|,?\s+(?:{'|'.join(CONJUNCTIONS['en'] + CONJUNCTIONS['es'])}|&))\s+{_ARTICLE}?", _I)
_ARTICLE_BEFORE = re.compile(r"\b(?:the|el|la|los|las|del|al)\s+$", _I)
_CAPITALISED_NEXT = re.compile(r"\s+[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]")


class _Alias(NamedTuple):
    regex: re.Pattern[str]
    outlet: str | None  # None when the alias fits several outlets
    word: bool  # one word besides articles: must be capitalised and not followed by a capitalised word
    head: bool  # a distinctive word of the name ("the Courier"): must follow an article


class Mention(NamedTuple):
    """An outlet's name found in a question, at ``start:end``."""

    start: int
    end: int
    alias: _Alias


def _name_words(name: str) -> list[str]:
    return fold_accents(name).lower().split()


def _head_word(words: list[str]) -> str | None:
    """The word a name is shortened to: the first after El/La or before de/del, else the last."""
    rest = words[1:] if words[0] in _ARTICLES else words
    if len(rest) < 2:
        return None
    return rest[0] if words[0] in _ARTICLES - {"the"} or {"de", "del"} & set(rest) else rest[-1]


def _alias(words: list[str], outlet: str | None, head: bool = False) -> _Alias:
    body = r"\s+".join(re.escape(w) for w in words)
    single = len([w for w in words if w not in _ARTICLES]) == 1  # "El País" too: "en el país" is not it
    return _Alias(re.compile(rf"(?<!\w){body}(?!\w)", _I), outlet, single, head)


@lru_cache(maxsize=32)
def _aliases(outlets: tuple[str, ...]) -> tuple[_Alias, ...]:
    """Full names, names without a leading article, and distinctive head words of ``outlets``."""
    names: dict[tuple[str, ...], set[str]] = {}
    users: dict[str, set[str]] = {}
    for outlet in outlets:
        words = _name_words(outlet)
        if not set(words) - _ARTICLES:
            continue
        names.setdefault(tuple(words), set()).add(outlet)
        if words[0] in _ARTICLES and len(words) > 1:
            names.setdefault(tuple(words[1:]), set()).add(outlet)
        for word in set(words) - _ARTICLES:
            users.setdefault(word, set()).add(outlet)
    aliases = [_alias(list(n), next(iter(o)) if len(o) == 1 else None) for n, o in names.items()]
    for outlet in outlets:
        words = _name_words(outlet)
        head = _head_word(words) if set(words) - _ARTICLES else None
        if head and len(head) >= 3 and head not in _FUNCTION_WORDS and users[head] == {outlet} and (head,) not in names:
            aliases.append(_alias([head], outlet, head=True))
    return tuple(aliases)


def find_mentions(text: str, outlets: Sequence[str]) -> list[Mention]:
    """Names of ``outlets`` in ``text`` (accent-folded, case kept), longest first where they overlap, left to right."""
    found = sorted(
        (Mention(m.start(), m.end(), a) for a in _aliases(tuple(outlets)) for m in a.regex.finditer(text)),
        key=lambda x: (x.start, x.start - x.end),
    )
    kept: list[Mention] = []
    for mention in found:
        if (not kept or mention.start >= kept[-1].end) and _looks_like_name(text, mention):
            kept.append(mention)
    return kept


def named(text: str, outlets: Sequence[str]) -> tuple[str, ...]:
    """The outlets ``text`` names, in any context ("did TechCrunch report ...", "según El País"), in order."""
    return tuple(dict.fromkeys(m.alias.outlet for m in find_mentions(fold_accents(text), outlets)))


def _looks_like_name(text: str, mention: Mention) -> bool:
    alias = mention.alias
    if alias.outlet is None:
        return False
    if not alias.word:
        return True
    capitalised = text[mention.start:mention.end].split()[-1][0].isupper()
    followed = _CAPITALISED_NEXT.match(text, mention.end)
    next_is_name = bool(followed) and followed.group()[-1].isupper()
    article = not alias.head or _ARTICLE_BEFORE.search(text, 0, mention.start)
    return capitalised and not next_is_name and bool(article)


def _groups(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Mentions joined by commas or and/or/y/o, as in "según X y Z"."""
    groups: list[list[Mention]] = []
    for mention in mentions:
        if groups and _JOIN.fullmatch(text, groups[-1][-1].end, mention.start):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def attributed(text: str, mentions: list[Mention]) -> tuple[list[str], list[tuple[int, int]]]:
    """Outlets named in an attribution context in ``text``, and the spans to cut ("according to X").

    ``text`` is the one the mentions were found in, with any other phrase to cut (dates) blanked out.
    """
    sources: list[str] = []
    cuts: list[tuple[int, int]] = []
    for group in _groups(text, mentions):
        start, end = group[0].start, group[-1].end
        preposition = _PREPOSITION.search(text, 0, start)
        if not (preposition or _VERB_BEFORE.search(text, 0, start) or _VERB_AFTER.match(text, end)):
            continue
        sources.extend(m.alias.outlet for m in group if m.alias.outlet not in sources)
        if preposition and not _POSSESSIVE.match(text, end):
            cuts.append((preposition.start(), end))
    return sources, cuts
