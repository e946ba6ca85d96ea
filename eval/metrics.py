"""Metrics of FORMATS.md: retrieval (hits@k, recall@k, MRR@10, nDCG@10), answers (accuracy,
SQuAD exact match and F1, abstention) and latency percentiles.

Retrieval metrics take the ranked list of distinct articles and the set of gold ones; they
do not handle graded relevance (every gold article counts 1).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from index.language import ARTICLES

# SQuAD drops English articles; the archive is bilingual, so Spanish ones go too.
_ARTICLES = re.compile(rf"\b({'|'.join(sorted(ARTICLES['en'] | ARTICLES['es']))})\b")
_PUNCT = set(string.punctuation) | {"¿", "¡", "«", "»", "“", "”", "‘", "’", "—", "–", "£", "€"}  # "£5,000" holds "5,000"


def normalize(text: str) -> str:
    """Lowercase, drop punctuation and articles, squeeze whitespace (SQuAD style)."""
    text = unicodedata.normalize("NFC", text.lower())
    text = "".join(" " if ch in _PUNCT else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(prediction: str, answers: Iterable[str]) -> bool:
    """The accuracy criterion: some normalised gold answer occurs in the normalised prediction,
    numbers written in words counting as their digits ("four" is "4")."""
    pred = f" {normalize(prediction)} "
    digits = f" {normalize(_as_digits(prediction))} "
    return any(f" {normalize(a)} " in pred or f" {normalize(_as_digits(a))} " in digits for a in answers if normalize(a))


def states_all_cited(prediction: str, answers: Iterable[str]) -> bool:
    """The criterion for a ``disagreement`` question: every gold answer (one per side) occurs, as
    `contains_answer` reads it, in a sentence of the prediction that cites a passage."""
    from rag.cite import sentences

    cited = [claim for claim, numbers in sentences(prediction) if numbers]
    wanted = [a for a in answers if normalize(a)]
    return bool(wanted) and all(any(contains_answer(claim, [a]) for claim in cited) for a in wanted)


def supersedes(prediction: str, answers: Iterable[str], superseded: Iterable[str]) -> bool:
    """The criterion for a ``correction`` question: a sentence that cites a passage gives a gold
    answer (the corrected figure), and every sentence that gives a ``superseded`` one (the figure
    it corrects) gives a gold answer too ("corrected from 60,000 to 45,000")."""
    from rag.cite import sentences

    said = sentences(prediction)
    wrong = [w for w in superseded if normalize(w)]
    if not any(numbers and contains_answer(claim, answers) for claim, numbers in said):
        return False
    return all(contains_answer(claim, answers) for claim, _ in said if wrong and contains_answer(claim, wrong))


def is_timeline(prediction: str, answers: Iterable[str]) -> bool:
    """The criterion for a ``timeline`` question: at least two lines, each starting with an ISO day,
    in date order, citing passages numbered from [1] in the order shown, and a gold answer (an
    event the story must include) somewhere in them."""
    lines = [line for line in prediction.splitlines() if line.strip()]
    days = [re.match(r"\s*(\d{4}-\d{2}-\d{2})\b", line) for line in lines]
    if len(lines) < 2 or not all(days) or [d.group(1) for d in days] != sorted(d.group(1) for d in days):
        return False
    markers = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", prediction)))
    return markers == list(range(1, len(markers) + 1)) and bool(markers) and contains_answer(prediction, answers)


def _as_digits(text: str) -> str:
    from text_to_num import alpha2digit

    from index.language import question_language

    try:
        return alpha2digit(text, question_language(text), threshold=0)
    except Exception:  # text2num raises on some inputs; the words as written still count
        return text


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(a) for a in answers))


def f1(prediction: str, answers: Sequence[str]) -> float:
    """Best token-overlap F1 against any gold answer."""
    best = 0.0
    pred = normalize(prediction).split()
    for answer in answers:
        gold = normalize(answer).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return float(any(a in gold for a in ranked[:k]))


def recall_at(ranked: Sequence[str], gold: set[str], k: int, n_gold: int | None = None) -> float:
    """Share of the gold articles in the top k; ``n_gold`` overrides ``len(gold)`` when gold is only partly known."""
    n = n_gold or len(gold)
    return min(len(gold.intersection(ranked[:k])), n) / n if n else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    for rank, article in enumerate(ranked[:k], start=1):
        if article in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int = 10, n_gold: int | None = None) -> float:
    """trec_eval's nDCG with binary gains: DCG over the top k, ideal DCG over min(#gold, k)."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, a in enumerate(ranked[:k], start=1) if a in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_gold or len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0-100); None for no values."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return data[low] + (data[high] - data[low]) * (pos - low)


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None
