"""Keyword search over an archive's chunks: BM25 from `bm25s`, saved beside the archive and kept up to date.

Tokens are lower-cased words without accents, minus English and Spanish stopwords, with no
stemming: names, numbers and rare words carry across languages, inflections do not.

Built from a store, the index also keeps the chunks' vectors, so that a filtered dense search is
an exact scan of the chunks the filters keep (`nearest`) rather than a filtered HNSW query, which
slows down as the archive grows (docs/PERFORMANCE.md): 4 bytes per dimension per chunk.

Saved (`KeywordFiles`, ``<archive>/keyword``), a later process memory-maps it instead of building
it again: bm25s's own saved matrix, the chunk records as JSON lines, the vectors as a .npy. bm25s
cannot add documents to a built index, so a change goes to a delta beside the main index: chunks
added since it was built are scored here, in memory, and chunks removed are tombstoned. When the
delta and the tombstones pass `DELTA_SHARE` of the main index, the two are rebuilt into one.
Scores with a delta use the live document frequencies and chunk count (the IDF of a fresh build);
they differ from a fresh build's only in the length normalisation, which keeps the main index's
average chunk length. With no delta they are a fresh build's.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import mmap
import os
import re
import secrets
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence, overload

import numpy as np

from .language import ALL_FUNCTION_WORDS, fold
from .store import Store, from_metadata, to_metadata
from .types import Chunk, Filters

FORMAT = 1  # of the saved files; a state of another format is rebuilt
DELTA_SHARE = 0.05  # the delta and tombstones, as a share of the main index, past which both are rebuilt into one
_TOKEN = re.compile(r"\w\w+")
_FUNCTION_WORDS = frozenset(fold(w) for w in ALL_FUNCTION_WORDS)
_EMPTY = "\x00"  # the one token of a chunk without words: bm25s needs one


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

    return frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_SPANISH))


def tokenize(text: str, stopwords: frozenset[str]) -> list[str]:
    return [t for t in _TOKEN.findall(fold(text)) if t not in stopwords]


def _indexed(chunk: Chunk, stopwords: frozenset[str]) -> list[str]:
    """The tokens a chunk is indexed by: its title's and its text's."""
    return tokenize(f"{chunk.source.title}\n{chunk.text}", stopwords) or [_EMPTY]


def _idf(df: int, n: int) -> float:
    """bm25s's (Lucene's) inverse document frequency."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _digest(ids: Iterable[str]) -> str:
    """A hash of a set of chunk ids (order does not count)."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()[:32]


class _Records(Sequence[Chunk]):
    """Chunks saved as JSON lines, decoded when read from the memory-mapped file.

    Written here rather than with bm25s's corpus files because its reader seeks one shared file
    position, which threads answering at the same time would move under each other.
    """

    def __init__(self, folder: Path):
        self._offsets = np.load(folder / "offsets.npy")
        with open(folder / "chunks.jsonl", "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self._offsets[-1] else b""

    @staticmethod
    def write(folder: Path, chunks: Iterable[Chunk]) -> None:
        offsets = [0]
        with open(folder / "chunks.jsonl", "wb") as f:
            for c in chunks:
                line = json.dumps([c.id, c.text, to_metadata(c)], ensure_ascii=False).encode("utf-8") + b"\n"
                f.write(line)
                offsets.append(offsets[-1] + len(line))
        np.save(folder / "offsets.npy", np.asarray(offsets, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        cid, text, meta = json.loads(self._map[int(self._offsets[i]):int(self._offsets[i + 1])])
        return from_metadata(cid, text, meta)


class _Rows(Sequence[Chunk]):
    """The main index's chunks, then the delta's: a row number names one in either."""

    def __init__(self, main: Sequence[Chunk], delta: Sequence[Chunk]):
        self._main, self._delta = main, delta

    def __len__(self) -> int:
        return len(self._main) + len(self._delta)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        return self._main[i] if i < len(self._main) else self._delta[i - len(self._main)]


class _Vectors:
    """The main index's vectors (often memory-mapped), then the delta's, indexed by row as one array."""

    def __init__(self, main: np.ndarray, delta: np.ndarray):
        self._main, self._delta = main, delta
        self.shape = (len(main) + len(delta), main.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows):
        if np.isscalar(rows):
            rows = int(rows)
            return np.asarray(self._main[rows] if rows < len(self._main) else self._delta[rows - len(self._main)])
        rows = np.asarray(rows)
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        inside = rows < len(self._main)
        out[inside] = self._main[rows[inside]]
        out[~inside] = self._delta[rows[~inside] - len(self._main)]
        return out


@dataclass
class _Main:
    """What bm25s scores: chunks, their BM25 matrix, vectors and filter columns; saved whole, or built in memory."""

    records: Sequence[Chunk]
    ids: list[str]
    articles: list[str]
    bm25: object | None  # bm25s.BM25; None when there are no chunks
    avgdl: float
    vectors: np.ndarray | None
    published: np.ndarray
    outlet: np.ndarray  # codes into labels
    language: np.ndarray
    labels: list[str]
    folder: Path | None = None  # where it is saved
    df: np.ndarray = field(init=False)

    def __post_init__(self):
        self.df = np.diff(np.asarray(self.bm25.scores["indptr"])) if self.bm25 is not None else np.zeros(0, np.int64)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], vectors: np.ndarray | None, stopwords: frozenset[str]) -> _Main:
        import bm25s

        chunks = list(chunks)
        corpus = [_indexed(c, stopwords) for c in chunks]
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        labels = sorted({c.source.outlet for c in chunks} | {c.source.language for c in chunks})
        code = {label: i for i, label in enumerate(labels)}
        return cls(
            chunks, [c.id for c in chunks], [c.article_id for c in chunks], bm25,
            float(np.mean([len(t) for t in corpus])) if corpus else 1.0,
            _unit(vectors) if vectors is not None and len(vectors) else None,
            _published(chunks), np.array([code[c.source.outlet] for c in chunks], dtype=np.int32),
            np.array([code[c.source.language] for c in chunks], dtype=np.int32), labels,
        )

    def save(self, folder: Path) -> None:
        if self.bm25 is not None:
            self.bm25.save(folder / "bm25", show_progress=False)
        _Records.write(folder, self.records)
        if self.vectors is not None:
            np.save(folder / "vectors.npy", np.ascontiguousarray(self.vectors, dtype=np.float32))
        np.savez(folder / "columns.npz", published=self.published, outlet=self.outlet, language=self.language)
        part = {"format": FORMAT, "avgdl": self.avgdl, "labels": self.labels, "ids": self.ids, "articles": self.articles}
        (folder / "part.json").write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> _Main:
        import bm25s

        part = json.loads((folder / "part.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(folder / "bm25", mmap=True, show_progress=False) if (folder / "bm25").is_dir() else None
        vectors = np.load(folder / "vectors.npy", mmap_mode="r") if (folder / "vectors.npy").is_file() else None
        with np.load(folder / "columns.npz") as columns:
            published, outlet, language = columns["published"], columns["outlet"], columns["language"]
        return cls(_Records(folder), part["ids"], part["articles"], bm25, part["avgdl"], vectors, published, outlet,
                   language, part["labels"], folder)


def _row_tokens(main: _Main, rows: Iterable[int], stop: frozenset[str]) -> Counter[str]:
    """The tokens of the main index's ``rows``, counted once a row (their document frequencies)."""
    return Counter(t for i in rows for t in set(_indexed(main.records[i], stop)))


def _published(chunks: Sequence[Chunk]) -> np.ndarray:
    return np.array([-1 if c.source.published_ts is None else c.source.published_ts for c in chunks], dtype=np.int64)


class KeywordIndex:
    """BM25 over chunk texts (with their titles), plus metadata arrays for filtering.

    Rows number the main index's chunks, then the delta's; ``chunks`` and ``vectors`` are read by
    row, ``rows`` gives the row of each chunk id the index holds (tombstoned rows are not in it).
    """

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None):
        stop = _stopwords()
        self._assemble(_Main.build(chunks, vectors, stop), [], None, frozenset(), stop)

    @classmethod
    def _of(cls, main: _Main, delta: list[Chunk], delta_vectors: np.ndarray | None, removed: frozenset[int],
            stop: frozenset[str] | None = None, tokens: list[list[str]] | None = None,
            gone: Counter[str] | None = None) -> KeywordIndex:
        index = cls.__new__(cls)
        index._assemble(main, delta, delta_vectors, removed, stop or _stopwords(), tokens, gone)
        return index

    def _assemble(self, main: _Main, delta: list[Chunk], delta_vectors: np.ndarray | None, removed: frozenset[int],
                  stop: frozenset[str], tokens: list[list[str]] | None = None, gone: Counter[str] | None = None) -> None:
        """``tokens`` are the delta's (tokenized here when not given), ``gone`` the tokens of the
        tombstoned rows counted once a row (likewise)."""
        self._stop = stop
        self._main, self._delta, self._delta_vectors, self._removed = main, delta, delta_vectors, removed
        self.generation: str | None = None  # the saved state this index is, set by `KeywordFiles`
        width = len(main.ids)
        self.chunks: Sequence[Chunk] = _Rows(main.records, delta) if delta else main.records
        self.rows = {cid: i for i, cid in enumerate(main.ids) if i not in removed}
        self.rows.update((c.id, width + j) for j, c in enumerate(delta))
        self.n = len(self.rows)
        # The delta's tokens, scored here; and the document frequencies the tombstoned rows no longer add.
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lengths = np.zeros(len(delta), dtype=np.float32)
        postings: dict[str, list[tuple[int, int]]] = {}
        self._tokens = tokens if tokens is not None else [_indexed(c, stop) for c in delta]
        for j, words in enumerate(self._tokens):
            self._lengths[j] = len(words)
            for token, tf in Counter(words).items():
                postings.setdefault(token, []).append((j, tf))
        for token, pairs in postings.items():
            rows, tfs = zip(*pairs)
            self._postings[token] = (np.array(rows, dtype=np.int64), np.array(tfs, dtype=np.float32))
        self._gone = gone if gone is not None else _row_tokens(main, removed, stop)
        labels = list(main.labels)
        code = {label: i for i, label in enumerate(labels)}
        for label in (x for c in delta for x in (c.source.outlet, c.source.language)):
            if label not in code:
                code[label] = len(labels)
                labels.append(label)
        self._code = code
        self.published = np.concatenate([main.published, _published(delta)]) if delta else main.published
        self.outlet = np.concatenate([main.outlet, np.array([code[c.source.outlet] for c in delta], dtype=np.int32)])
        self.language = np.concatenate([main.language, np.array([code[c.source.language] for c in delta], dtype=np.int32)])
        self._alive: np.ndarray | None = None
        self._languages: set[str] | None = None  # `languages()`, worked out at its first call
        if removed:
            self._alive = np.ones(width + len(delta), dtype=np.float32)
            self._alive[list(removed)] = 0.0
        self.vectors = main.vectors
        if delta:
            if delta_vectors is None or (main.vectors is None and width):
                self.vectors = None
            else:
                self.vectors = delta_vectors if main.vectors is None else _Vectors(main.vectors, delta_vectors)

    @classmethod
    def from_store(cls, store: Store) -> KeywordIndex:
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        for page, embeddings in store.chunks():
            chunks += page
            vectors.append(embeddings)
        return cls(chunks, np.concatenate(vectors) if vectors else None)

    def languages(self) -> set[str]:
        """The languages of the chunks this index holds (tombstoned ones aside). Asked at every
        question, so worked out once: an index does not change (an update makes a new one)."""
        if self._languages is None:
            codes = set(np.unique(self.language if self._alive is None else self.language[self._alive > 0]).tolist())
            self._languages = {label for label, code in self._code.items() if code in codes and label}
        return set(self._languages)

    @property
    def delta_size(self) -> int:
        """Chunks in the delta plus tombstoned rows: 0 right after a build."""
        return len(self._delta) + len(self._removed)

    def updated(self, store: Store, articles: Iterable[str] = (), delta_share: float = DELTA_SHARE) -> KeywordIndex:
        """This index brought up to date with ``store``: the chunks of ``articles`` (whose chunks
        were rewritten) and any chunk the store has gained or lost since are read again.

        Returns a new index (this one is left as it was, for questions being answered with it);
        rebuilt into one main index when the delta passes ``delta_share`` of the main index.
        Not handled: a chunk rewritten under the same id outside ``articles``.
        """
        articles = set(articles)
        ids = store.ids()
        present = set(ids)
        width = len(self._main.ids)
        gone = {cid for cid, row in self.rows.items()
                if cid not in present
                or articles and (self._main.articles[row] if row < width else self._delta[row - width].article_id) in articles}
        new = [cid for cid in ids if cid not in self.rows or cid in gone]
        if not gone and not new:
            return self
        chunks, vectors = store.get(new)
        return self.changed(chunks, vectors, gone, delta_share)

    def changed(self, added: Sequence[Chunk], vectors: np.ndarray | None, removed: Iterable[str],
                delta_share: float = DELTA_SHARE) -> KeywordIndex:
        """A new index without the chunks ``removed`` names and with ``added`` (and their vectors)."""
        removed = set(removed)
        width = len(self._main.ids)
        tombstones = self._removed | {self.rows[cid] for cid in removed if cid in self.rows and self.rows[cid] < width}
        keep = [j for j, c in enumerate(self._delta) if c.id not in removed]
        delta = [self._delta[j] for j in keep] + list(added)
        kept = self._delta_vectors[keep] if self._delta_vectors is not None else None
        if not len(added):
            delta_vectors = kept
        elif vectors is None or (kept is None and keep):
            delta_vectors = None  # chunks without vectors: the index has none
        else:
            delta_vectors = _unit(vectors) if kept is None else np.concatenate([kept, _unit(vectors)])
        if len(delta) + len(tombstones) > delta_share * width:
            return self._compacted(delta, delta_vectors, tombstones)
        tokens = [self._tokens[j] for j in keep] + [_indexed(c, self._stop) for c in added]
        gone = self._gone + _row_tokens(self._main, tombstones - self._removed, self._stop)
        return KeywordIndex._of(self._main, delta, delta_vectors, frozenset(tombstones), self._stop, tokens, gone)

    def _compacted(self, delta: list[Chunk], delta_vectors: np.ndarray | None, tombstones: set[int]) -> KeywordIndex:
        """The main index's live chunks and ``delta`` built into one main index."""
        main = self._main
        live = [i for i in range(len(main.ids)) if i not in tombstones]
        chunks = [main.records[i] for i in live] + delta
        parts = [np.asarray(main.vectors[live]) if main.vectors is not None and live else None,
                 delta_vectors if delta else None]
        wanted = [bool(live), bool(delta)]
        vectors = None
        if all(p is not None for p, w in zip(parts, wanted) if w) and any(wanted):
            vectors = np.concatenate([p for p, w in zip(parts, wanted) if w])
        return KeywordIndex(chunks, vectors)

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """1.0 for chunks that pass ``filters`` (undated chunks fail any date filter), else 0.0;
        None when nothing is filtered. Dates are compared in the same whole seconds as `index.store.where`."""
        if not filters:
            return None
        since_ts, until_ts = filters.bounds()
        keep = np.ones(len(self.published), dtype=bool)
        if since_ts is not None:
            keep &= self.published >= since_ts
        if until_ts is not None:
            keep &= (self.published < until_ts) & (self.published >= 0)
        if filters.sources:
            keep &= np.isin(self.outlet, [self._code.get(s, -1) for s in filters.sources])
        if filters.language:
            keep &= self.language == self._code.get(filters.language, -1)
        return keep.astype(np.float32)

    def _kept(self, mask: np.ndarray | None) -> np.ndarray | None:
        """``mask`` without the tombstoned rows."""
        if self._alive is None:
            return mask
        return self._alive if mask is None else mask * self._alive

    def nearest(self, embedding: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks (among those ``mask`` keeps) nearest to ``embedding``, with their cosine
        similarity, best first: an exact scan. Needs the vectors (`from_store`)."""
        if self.vectors is None:
            raise ValueError("this keyword index holds no vectors: build it with KeywordIndex.from_store")
        mask = self._kept(mask)
        rows = np.flatnonzero(mask) if mask is not None else np.arange(len(self.published))
        if not len(rows):
            return []
        query = np.asarray(embedding, dtype=np.float32)
        scores = self.vectors[rows] @ (query / max(float(np.linalg.norm(query)), 1e-12))
        k = min(k, len(rows))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.chunks[rows[i]], float(scores[i])) for i in best]

    def _df(self, token: str) -> int:
        """How many of the chunks the index holds have ``token``."""
        main = self._main
        at = main.bm25.vocab_dict.get(token) if main.bm25 is not None else None
        held = int(main.df[at]) if at is not None and at < len(main.df) else 0
        posting = self._postings.get(token)
        return held - self._gone[token] + (len(posting[0]) if posting else 0)

    def coverage(self, query: str, chunk: Chunk) -> float:
        """The share of ``query``'s content words, weighted by their rarity (idf), that ``chunk`` holds: 0 to 1.

        A word the archive does not hold at all counts as rarest, so across languages, where only
        names and numbers match, this tells how little the words of a question can say.
        """
        wanted = set(tokenize(query, self._stop)) - _FUNCTION_WORDS
        if not wanted:
            return 0.0
        held = set(tokenize(f"{chunk.source.title}\n{chunk.text}", self._stop))
        idf = {t: _idf(self._df(t), self.n) for t in wanted}
        return float(sum(idf[t] for t in wanted & held) / sum(idf.values()))

    def _scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every row's BM25 score for ``tokens``: the main index's from bm25s, weighted to the live
        IDF; the delta's computed here alike, with the main index's average length."""
        main = self._main
        width = len(main.ids)
        scores = np.zeros(width + len(self._delta), dtype=np.float32)
        k1, b = (main.bm25.k1, main.bm25.b) if main.bm25 is not None else (1.5, 0.75)
        for token, times in Counter(tokens).items():
            df = self._df(token)
            if df <= 0:
                continue
            idf = _idf(df, self.n)
            at = main.bm25.vocab_dict.get(token) if main.bm25 is not None else None
            if at is not None and at < len(main.df) and main.df[at]:
                weight = times * idf / _idf(int(main.df[at]), width)
                scores[:width] += np.float32(weight) * main.bm25.get_scores_from_ids([at])
            posting = self._postings.get(token)
            if posting:
                rows, tfs = posting
                scores[width + rows] += times * idf * tfs / (k1 * ((1 - b) + b * self._lengths[rows] / main.avgdl) + tfs)
        return scores

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks sharing words with ``query``, best first (ties by row), with their BM25 scores."""
        tokens = tokenize(query, self._stop)
        if not self.n or not tokens:
            return []
        scores = self._scores(tokens)
        mask = self._kept(mask)
        if mask is not None:
            scores *= mask
        found = np.flatnonzero(scores > 0)
        if not len(found):
            return []
        k = min(k, len(found))
        best = found[np.argpartition(-scores[found], k - 1)[:k]]
        best = best[np.lexsort((best, -scores[best]))]
        return [(self.chunks[i], float(scores[i])) for i in best]

    def _save_delta(self, folder: Path) -> None:
        _Records.write(folder, self._delta)
        if self._delta_vectors is not None:
            np.save(folder / "vectors.npy", np.ascontiguousarray(self._delta_vectors, dtype=np.float32))
        part = {"format": FORMAT, "removed": sorted(self._removed), "tokens": self._tokens, "gone": self._gone}
        (folder / "part.json").write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def _load(cls, main: _Main, folder: Path | None) -> KeywordIndex:
        if folder is None:
            return cls._of(main, [], None, frozenset())
        part = json.loads((folder / "part.json").read_text(encoding="utf-8"))
        delta = list(_Records(folder))
        vectors = np.load(folder / "vectors.npy") if (folder / "vectors.npy").is_file() else None
        return cls._of(main, delta, vectors, frozenset(part["removed"]), None, part["tokens"], Counter(part["gone"]))


class KeywordFiles:
    """A keyword index saved in a folder, kept consistent with the store it indexes.

    ``state.json`` names the saved main index and delta, the number of chunks they hold, a hash
    of their ids and the `Store.version` of the store they were read from. Parts are written into
    temporary folders and renamed, then the state is replaced in one rename, so a kill at any point
    leaves the last complete index. A write to the store (`updating`) holds the folder's lock and
    marks the state dirty until it has saved the index again; a dirty state whose lock is free was
    left by a killed write and is rebuilt from the store. On opening, a saved index whose store
    version is the store's now is used as it is, without reading the store's ids; otherwise (the
    store changed, or its version cannot be read) the ids are read, and an index whose ids differ
    from them (another program wrote to it) is brought up to date. Not handled: a chunk another
    program rewrote under the same id (the version changes, the ids do not); Windows (the lock is
    ``fcntl``'s); two processes writing at once (the second waits for the lock).
    """

    def __init__(self, folder: Path, delta_share: float = DELTA_SHARE):
        self.folder = Path(folder)
        self.delta_share = delta_share
        self.builds = 0  # full builds from the store by this object

    @property
    def _state_path(self) -> Path:
        return self.folder / "state.json"

    def stamp(self) -> tuple[int, int, int] | None:
        """Changes when the saved state does (a cheap check, made before each question)."""
        try:
            s = os.stat(self._state_path)
        except FileNotFoundError:
            return None
        return s.st_ino, s.st_mtime_ns, s.st_size

    def state(self) -> dict:
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return state if state.get("format") == FORMAT else {}

    @contextmanager
    def _lock(self, wait: bool) -> Iterator[bool]:
        """The folder's lock: held (True) until the block ends, or False when ``wait`` is False and another holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _load(self, state: dict, current: KeywordIndex | None) -> KeywordIndex | None:
        """The index ``state`` names (``current`` when it is that one), or None when there is none or it cannot be read."""
        if not state.get("main"):
            return None
        if current is not None and current.generation == state["generation"]:
            return current
        try:
            index = KeywordIndex._load(_Main.load(self.folder / state["main"]),
                                       self.folder / state["delta"] if state.get("delta") else None)
        except (OSError, ValueError, KeyError):
            return None
        if index.n != state["count"] or _digest(index.rows) != state["ids"]:
            return None
        index.generation = state["generation"]
        return index

    def open(self, store: Store, current: KeywordIndex | None = None) -> KeywordIndex:
        """The index of ``store``'s chunks: the saved one, brought up to date if the store changed;
        built from the store when there is none, or a killed write left it dirty. Saved again when
        it changed, unless a write is under way (then it is followed in memory until that write saves).
        The store's ids are not read when its version is the one the saved index was read from."""
        with self._lock(wait=False) as held:
            for _ in range(2):  # a write may replace the parts between reading the state and the files
                state = self.state()
                index = self._load(state, current)
                if index is not None or not state.get("main"):
                    break
            if state.get("dirty") and held:
                index = None  # a write was killed: chunks it rewrote under the same ids may differ
            if index is None and not held and current is not None:
                index = current
            version = store.version()  # before the store is read: a write after it makes it stale
            saved = index is not None and index.generation == state.get("generation") and not state.get("dirty")
            if saved and version is not None and version == state.get("store"):
                return index
            if index is None:
                index = KeywordIndex.from_store(store)
                self.builds += 1
            else:
                updated = index.updated(store, (), self.delta_share)
                if updated is index and index.generation == state.get("generation"):
                    if saved and held and version is not None:  # for the next opening
                        self._write_state({**state, "store": version})
                    return index
                index = updated
            return self._commit(index, version) if held else index

    @contextmanager
    def updating(self, store: Store, current: KeywordIndex | None = None) -> Iterator[list[KeywordIndex]]:
        """Around a write to ``store``: the saved index is marked dirty while it lasts, then brought up
        to date with the articles the store saw written (`Store.recording`) and saved. Yields a list
        that holds the new index once the block is over."""
        out: list[KeywordIndex] = []
        with self._lock(wait=True):
            state = self.state()
            base = None if state.get("dirty") else self._load(state, current)
            self._write_state({**state, "format": FORMAT, "dirty": True})
            with store.recording() as articles:
                try:
                    yield out
                finally:
                    version = store.version()
                    if base is None:
                        out.append(self._commit(KeywordIndex.from_store(store), version))
                        self.builds += 1
                    elif not articles:  # nothing written: the saved index stands
                        self._write_state(state)
                        out.append(base)
                    else:
                        out.append(self._commit(base.updated(store, articles, self.delta_share), version))

    def _commit(self, index: KeywordIndex, version: str | None) -> KeywordIndex:
        """Save ``index`` (its main part only when it is not saved yet), read from a store whose
        `Store.version` was ``version`` before the reading began, then remove what the new state
        does not name; returns the index as saved (its main part memory-mapped). Under the lock."""
        main = index._main
        if main.folder is None or main.folder.parent != self.folder or not main.folder.is_dir():
            main = _Main.load(self._write_part(main.save, "main"))
        delta = self._write_part(index._save_delta, "delta") if index.delta_size else None
        generation = secrets.token_hex(8)
        self._write_state({"format": FORMAT, "generation": generation, "main": main.folder.name,
                           "delta": delta.name if delta else None, "count": index.n, "ids": _digest(index.rows),
                           "store": version, "dirty": False})
        for entry in self.folder.iterdir():
            if entry.name not in {"state.json", "lock", main.folder.name, delta.name if delta else ""}:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        saved = KeywordIndex._of(main, index._delta, index._delta_vectors, index._removed, index._stop, index._tokens, index._gone)
        saved.generation = generation
        return saved

    def _write_part(self, write, kind: str) -> Path:
        """A new folder ``kind-<random>`` filled by ``write(folder)``, complete on disk before it gets its name."""
        temp = self.folder / f"tmp-{secrets.token_hex(8)}"
        temp.mkdir(parents=True)
        write(temp)
        for path in temp.rglob("*"):
            if path.is_file():
                with open(path, "rb") as f:
                    os.fsync(f.fileno())
        final = self.folder / f"{kind}-{secrets.token_hex(8)}"
        temp.rename(final)
        return final

    def _write_state(self, state: dict) -> None:
        temp = self.folder / f"state-{secrets.token_hex(4)}.tmp"
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, self._state_path)
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
