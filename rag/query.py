"""Question analysis: which language a question is written in.

A stopword count over a handful of European languages; it does not handle short
questions without function words well (it then falls back to ``default``).
"""

from __future__ import annotations

import re

_STOPWORDS = {
    "en": "the of and to in is was what who when where which how did does do are were for on with that this from by about after before why",
    "es": "el la los las de del y en que qué es fue quién cuándo dónde cuál cuáles cómo por para con un una se su sus al lo después antes adónde cuánto cuántos hay",
    "fr": "le la les de des et en que qui est était quand où quel quelle comment pour avec un une du au sur pourquoi",
    "de": "der die das und in ist war wer wann wo welche wie für mit ein eine den dem nach vor warum nicht",
    "pt": "o a os as de do da e em que é foi quem quando onde qual como por para com um uma não depois antes",
    "it": "il lo la gli le di e in che è era chi quando dove quale come per con un una non dopo prima perché",
}
_WORDS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian"}


def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of the most likely language of ``text``."""
    if re.search(r"[¿¡ñ]", text):
        return "es"
    words = re.findall(r"\w+", text.lower())
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else default
