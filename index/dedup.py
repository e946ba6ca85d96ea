"""Find copies: exact ones by a hash of the normalised text, near ones by MinHash (datasketch).

Near-duplicate means the same story with small edits (a syndicated wire copy with another
headline or an added sentence): word 3-shingles whose estimated Jaccard similarity reaches
`THRESHOLD`, and the same facts (`same_facts`), so that templated stories (results, budgets,
weather) about other places or figures are kept apart however alike their wording. Translations
and rewrites of the same event are different articles here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .language import ALL_FUNCTION_WORDS, MONTHS, WEEKDAYS, fold, split_sentences

THRESHOLD = 0.5  # tests/test_ingest.py: the sample's syndicated copies score 0.73, same-story articles at most 0.13
NUM_PERM = 64
SHINGLE = 3
SCHEME = "affine32"  # datasketch's default; stored signatures must be read back with the same one
COUNTERPART = 0.6  # share of a sentence's words found in one sentence of the other text that makes it a counterpart
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# days and months written in lower case (Spanish) are facts too; short names and "march" are words as well
_CALENDAR = frozenset(fold(w) for w in (*MONTHS, *WEEKDAYS) if len(w) > 3 and w != "march")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def text_hash(text: str) -> str:
    """Hash of the lower-cased words: unchanged by spacing, punctuation and case."""
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()[:32]


def minhash(text: str):
    from datasketch import MinHash

    tokens = words(text)
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))}
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


class NearDuplicates:
    """An LSH index of article signatures: `find` returns an indexed article the text nearly copies."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[str, object] = {}

    def add(self, article_id: str, signature) -> None:
        if article_id not in self._sigs:
            self._lsh.insert(article_id, signature)
            self._sigs[article_id] = signature

    def remove(self, article_id: str) -> None:
        if self._sigs.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def candidates(self, signature) -> Iterator[str]:
        """The indexed articles at or above the threshold, most similar first (their facts unchecked)."""
        scored = [(signature.jaccard(self._sigs[c]), c) for c in self._lsh.query(signature)]
        for similarity, candidate in sorted(scored, key=lambda s: (-s[0], s[1])):
            if similarity >= self.threshold:
                yield candidate


@dataclass(frozen=True)
class _Sentence:
    facts: frozenset[str]  # numbers and capitalised words (names, places, days, months)
    words: frozenset[str]  # its other words, function words left out


def _sentences(text: str) -> list[_Sentence]:
    out = []
    for sentence in split_sentences(text):
        facts = {n.replace(",", ".") for n in _NUMBER.findall(sentence)}
        words = set()
        for position, word in enumerate(_WORD.findall(sentence)):
            folded = fold(word)
            if any(c.isdigit() for c in word):
                continue
            if (word[0].isupper() and not (position == 0 and folded in ALL_FUNCTION_WORDS)) or folded in _CALENDAR:
                facts.add(folded)
            elif folded not in ALL_FUNCTION_WORDS:
                words.add(folded)
        out.append(_Sentence(frozenset(facts), frozenset(words)))
    return out


def _has_counterpart(sentence: _Sentence, others: list[_Sentence]) -> bool:
    if not sentence.words:  # names and numbers only (a dateline, a byline, a score)
        return any(sentence.facts & o.facts for o in others)
    return any(len(sentence.words & o.words) >= COUNTERPART * len(sentence.words) for o in others)


def same_facts(a: str, b: str) -> bool:
    """Whether two similar texts state the same facts: every number and capitalised word (name,
    place, weekday, English month; a sentence's first word too unless it is a function word) that
    only one of them has comes from a sentence the other has no counterpart for, i.e. one the copy
    added or dropped. A sentence's counterpart is a sentence of the other text holding most of its
    other words (`COUNTERPART`), or for a sentence of names and numbers only (a dateline, a
    byline), one sharing any of them.

    Not handled: numbers written in words ("two million" against "three million") and other
    lower-case facts count as wording (days and months in lower case, "lunes" against "martes",
    are facts); a sentence of
    names and numbers only that shares none with the other text ("Ashford 3, Brinton 1" against
    "Carden 2, Dunmore 0") counts as added, so only the rest of the story tells such texts apart;
    a number written with other separators ("1 150" against "1.150") counts as another fact, and
    a rewritten sentence-opening word ("Ferries" against "Boats") as another name, so such copies
    are kept apart.
    """
    sa, sb = _sentences(a), _sentences(b)
    fa = frozenset().union(*(s.facts for s in sa))
    fb = frozenset().union(*(s.facts for s in sb))
    return _added(fa - fb, sa, sb) and _added(fb - fa, sb, sa)


def _added(extra: frozenset[str], own: list[_Sentence], other: list[_Sentence]) -> bool:
    """Whether every sentence of ``own`` stating one of the facts ``extra`` has no counterpart in ``other``."""
    return all(not _has_counterpart(s, other) for s in own if s.facts & extra)


def signature_bytes(signature) -> bytes:
    return np.asarray(signature.hashvalues, dtype=np.uint64).tobytes()


def signature_from_bytes(data: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))
