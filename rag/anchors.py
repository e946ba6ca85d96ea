"""Names and numbers: what a translation keeps, and so what an answer can be checked by across languages.

An anchor is a number (separators removed: "12,400" and "12.400" are both "12400") or a
capitalised word of three or more letters that is not a function word. Names written in
lower case, numbers written as words and magnitudes ("12 mil millones") are not handled.
"""

from __future__ import annotations

import re

from index.language import ALL_FUNCTION_WORDS, fold

_ANCHOR = re.compile(r"\d[\d.,:]*\d|\d|\b[A-ZÁÉÍÓÚÑ][\wáéíóúñü]{2,}")


def anchors(text: str, sentence: bool = False) -> set[str]:
    """Numbers (separators removed) and capitalised words (lower-cased) that are not function words.

    With ``sentence``, the first word is not taken for a name: any word is capitalised there.
    """
    found = _ANCHOR.findall(text)
    if sentence and found and not found[0][0].isdigit() and text.lstrip("¿¡\"«'( ").startswith(found[0]):
        found = found[1:]
    out = {re.sub(r"[.,:]", "", a) if a[0].isdigit() else a.lower() for a in found}
    return out - ALL_FUNCTION_WORDS


def findable(text: str) -> set[str]:
    """What a claim's names are looked for in: ``text``'s anchors and all its words, folded (a name
    may start a sentence in the claim only, and be written in lower case in the passage)."""
    return anchors(text) | {fold(w) for w in re.findall(r"\w+", text)}


def acronyms(text: str) -> set[str]:
    """The acronyms of ``text``, lower-cased ("WSE", "CCEV"): a translation often changes them (WSE is GPW)."""
    return {w.lower() for w in _ACRONYM.findall(text)}


_ACRONYM = re.compile(r"\b[A-ZÁÉÍÓÚÑ]{2,6}\b")
