"""Question analysis: which language a question is written in, and follow-ups made standalone.

Language detection is a stopword count over a handful of European languages; it does not
handle short questions without function words well (it then falls back to ``default``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .llm import LLM, Message

_STOPWORDS = {
    "en": "the of and to in is was what who when where which how did does do are were for on with that this from by about after before why",
    "es": "el la los las de del y en que qué es fue quién cuándo dónde cuál cuáles cómo por para con un una se su sus al lo después antes adónde cuánto cuántos hay",
    "fr": "le la les de des et en que qui est était quand où quel quelle comment pour avec un une du au sur pourquoi",
    "de": "der die das und in ist war wer wann wo welche wie für mit ein eine den dem nach vor warum nicht",
    "pt": "o a os as de do da e em que é foi quem quando onde qual como por para com um uma não depois antes",
    "it": "il lo la gli le di e in che è era chi quando dove quale come per con un una non dopo prima perché",
}
_WORDS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
FUNCTION_WORDS = frozenset(w for words in _WORDS.values() for w in words) | {"this", "these", "those", "it", "its", "they", "este", "esta", "estos", "estas"}
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian"}


def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of the most likely language of ``text``."""
    if re.search(r"[¿¡ñ]", text):
        return "es"
    words = re.findall(r"\w+", text.lower())
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else default


def standalone(question: str, history: Sequence["Message"], llm: "LLM", max_chars: int = 400) -> str:
    """Rewrite a follow-up (``"And by how many votes?"``) into a question that stands alone.

    The model sees the last two exchanges; answers are cut to ``max_chars``. When its reply is
    unusable (empty, several lines, much longer than a question, or not a rewrite: it must keep
    a word of the question and add one from the conversation), the previous question and this
    one are joined instead, which still gives retrieval the missing subject.
    """
    from .prompt import load_prompt

    turns = list(history)[-4:]
    if not turns:
        return question
    lines = []
    for turn in turns:
        text = re.sub(r"\s*\[\d+\]", "", turn["content"]).strip()
        who = "User" if turn["role"] == "user" else "Assistant"
        lines.append(f"{who}: {text[:max_chars]}")
    prompt = load_prompt("rewrite")
    values = {"history": "\n".join(lines), "question": question}
    reply = llm.complete(
        [{"role": "system", "content": prompt["system"].substitute(values)},
         {"role": "user", "content": prompt["user"].substitute(values)}],
        max_tokens=80,
    ).strip().strip('"').strip()
    if reply and "\n" not in reply and len(reply) <= 3 * len(question) + 150 and _keeps(question, turns, reply):
        return reply
    previous = next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")
    return f"{previous} {question}".strip()


_TIMELINE = re.compile(
    r"\b(?:timeline|chronology|how did .{0,80}\b(?:develop|unfold|evolve|change)|what happened (?:between|since|after)|"
    r"sequence of events|step by step|cronolog[ií]a|c[oó]mo (?:se )?(?:ha )?(?:desarroll|evolucion)\w*|qu[eé] (?:ha )?pas(?:ó|ado) (?:entre|desde)|"
    r"paso a paso|evoluci[oó]n de)\b",
    re.I,
)


def is_timeline(question: str) -> bool:
    """A question about how a story developed over time ("how did X develop", "¿qué pasó entre...?")."""
    return bool(_TIMELINE.search(question))


_YES_NO = re.compile(
    r"^\W*(?:does|do|did|is|was|were|are|has|have|had|can|could|will|would|should)\s|"
    r"^\W*(?:between|after|before|following|since)\s[^?]*,\s*(?:is|was|were|are|does|do|did|has|have|had)\s|"
    r"^\W*(?:es|fue|son|fueron|hay|hubo|ha|han)\s",
    re.I,
)
_ASKS_FOR = re.compile(r"\bhow (?:many|much)\b|\bcu[aá]nt[oa]s?\b", re.I)


def is_yes_no(question: str) -> bool:
    """A question answered by yes or no ("Did X report ...?", "After ..., did Y ...?", "¿Hubo ...?").

    One that also asks for something ("Do they agree on how many ...?") is not. Spanish questions
    without a leading verb of this list ("¿Aprobó el pleno ...?") are missed.
    """
    question = question.strip()
    return bool(_YES_NO.search(question)) and not _ASKS_FOR.search(question)


def _keeps(question: str, turns: Sequence["Message"], reply: str) -> bool:
    """A rewrite keeps a word of the question and brings in a word of the conversation."""
    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"\w{4,}", text.lower())}

    asked, said, new = words(question), words(" ".join(t["content"] for t in turns)), words(reply)
    return bool(new & asked) and bool((new & said) - asked)
