"""Find copies: exact ones by a hash of the normalised text, near ones by MinHash (datasketch).

Near-duplicate means the same story with small edits (a syndicated wire copy with another
headline or an added sentence): word 3-shingles whose estimated Jaccard similarity reaches
`THRESHOLD`. Translations and rewrites of the same event are different articles here.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

THRESHOLD = 0.5  # tests/test_ingest.py: the sample's syndicated copies score 0.73, same-story articles at most 0.13
NUM_PERM = 64
SHINGLE = 3
SCHEME = "affine32"  # datasketch's default; stored signatures must be read back with the same one
_WORD = re.compile(r"\w+")


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

    def find(self, signature) -> str | None:
        """The most similar indexed article at or above the threshold, or None."""
        best, score = None, self.threshold
        for candidate in self._lsh.query(signature):
            similarity = signature.jaccard(self._sigs[candidate])
            if similarity >= score:
                best, score = candidate, similarity
        return best


def signature_bytes(signature) -> bytes:
    return np.asarray(signature.hashvalues, dtype=np.uint64).tobytes()


def signature_from_bytes(data: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))
