"""Retrieval latency against archive size, on synthetic archives of 1k, 10k and 100k chunks.

    python -m bench.retrieval [--sizes 1000 10000 100000] [--rounds 3] [--json FILE]

Each size runs in its own subprocess (so peak RSS is its own). The bench writes synthetic
chunks straight into a Chroma store: 160-word texts drawn from the bundled sample articles'
vocabulary by word frequency, 20 outlets, dates over two years, English and Spanish, and
random unit vectors in place of passage and sentence embeddings (six sentences a chunk; embedding
100k chunks would take hours on a laptop CPU and does not change what a query costs). Questions
are the bundled sample question set, embedded for real by multilingual-e5-small. Timed per question:

- ``embed``: the question's embedding alone;
- ``dense``: `Retriever.search` over whole-passage vectors alone (embedding + Chroma query);
- ``default``: the default retrieval (candidates by passage vectors and BM25, ranked by their
  best sentence, fused with the keyword ranking), no filters;
- ``filtered``: the default retrieval within a 90-day window (its dense side an exact scan of
  the chunks in the window);
- ``chroma_filtered``: the baseline for it, Chroma's own filtered query (embedding + ``where``).

The keyword index is built on the first query and reported apart (``keyword_build_s``).
Synthetic text does not measure retrieval quality; the eval runner does that.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import run_child

ROOT = Path(__file__).resolve().parents[1]
MODES = ("embed", "dense", "default", "filtered", "chroma_filtered")
SENTENCES = 6  # per synthetic chunk
DIM = 384
OUTLETS = [f"Outlet {i:02d}" for i in range(20)]
START = datetime(2023, 1, 1, tzinfo=timezone.utc)


def questions() -> list[str]:
    path = ROOT / "rag" / "data" / "questions.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def vocabulary() -> tuple[list[str], list[float]]:
    """Words of the bundled sample articles and their frequencies."""
    from rag.archive import sample_files

    words: Counter[str] = Counter()
    for path in sample_files():
        words.update(re.findall(r"\w+", path.read_text(encoding="utf-8", errors="ignore")))
    items = words.most_common()
    return [w for w, _ in items], [c for _, c in items]


def build(store, n: int, seed: int = 0, batch: int = 5000) -> None:
    import numpy as np

    from index.sentences import Sentences
    from index.types import Chunk, Source

    rng = np.random.default_rng(seed)
    words, counts = vocabulary()
    p = np.asarray(counts, dtype=np.float64) / sum(counts)
    for start in range(0, n, batch):
        size = min(batch, n - start)
        drawn = rng.choice(len(words), size=(size, 160), p=p)
        vectors = rng.standard_normal((size, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        chunks = []
        for row in range(size):
            i = start + row
            day = START + timedelta(days=int(rng.integers(0, 730)))
            source = Source(" ".join(words[j] for j in drawn[row, :8]), OUTLETS[int(rng.integers(0, len(OUTLETS)))],
                            published_at=day, language="es" if rng.random() < 0.5 else "en")
            chunks.append(Chunk(f"a{i // 4}#{i % 4}", f"a{i // 4}", " ".join(words[j] for j in drawn[row]), i % 4, source))
        sentence_vectors = rng.standard_normal((size, SENTENCES, DIM)).astype(np.float32)
        sentence_vectors /= np.linalg.norm(sentence_vectors, axis=2, keepdims=True)
        spans = tuple((k * 160, k * 160 + 150) for k in range(SENTENCES))  # six sentences of a 160-word text
        store.add(chunks, vectors, [Sentences(spans, v) for v in sentence_vectors])


def run_size(n: int, rounds: int, work: Path) -> dict:
    """In the child process: build an archive of ``n`` chunks, then time retrieval."""
    from index.embed import E5Embedder
    from index.sentences import SentenceStore
    from index.store import Store, persistent_client
    from index.types import Filters
    from rag.retrieve import Retriever

    embedder = E5Embedder()
    embedder.embed_query("warm-up")
    store = Store(persistent_client(work / "chroma"), embedder, sentences=SentenceStore(work / "sentences.sqlite"))
    start = time.perf_counter()
    build(store, n)
    build_s = time.perf_counter() - start
    default, dense = Retriever(store, embedder), Retriever(store, embedder, ranking="dense")
    start = time.perf_counter()
    default.keyword_index()
    keyword_build_s = time.perf_counter() - start
    window = Filters(since=START + timedelta(days=300), until=START + timedelta(days=390))
    qs = questions()
    for q in qs[:3]:  # warm Chroma's caches
        default.search(q)
    times: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(rounds):
        for q in qs:
            for mode, call in (
                ("embed", lambda: embedder.embed_query(q)),
                ("dense", lambda: dense.search(q)),
                ("default", lambda: default.search(q)),
                ("filtered", lambda: default.search(q, filters=window)),
                ("chroma_filtered", lambda: store.query(embedder.embed_query(q), default.candidates, window)),
            ):
                t = time.perf_counter()
                call()
                times[mode].append((time.perf_counter() - t) * 1000)
    disk = sum(f.stat().st_size for f in (work / "chroma").rglob("*") if f.is_file())
    sentences_disk = sum(f.stat().st_size for f in work.glob("sentences.sqlite*"))
    out = {"chunks": store.count(), "build_s": round(build_s, 1), "keyword_build_s": round(keyword_build_s, 2),
           "queries": len(times["default"]), "index_mb": round(disk / 2**20, 1), "sentences_mb": round(sentences_disk / 2**20, 1)}
    for mode, values in times.items():
        values.sort()
        out[f"{mode}_ms_p50"] = round(statistics.median(values), 1)
        out[f"{mode}_ms_p95"] = round(values[int(0.95 * (len(values) - 1))], 1)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def measure(n: int, rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-retrieval-"))
    try:
        return run_child("bench.retrieval", n, rounds, work, label=f"{n} chunks")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(runs: list[dict]) -> str:
    lines = [
        "| chunks | embed p50/p95 ms | dense p50/p95 ms | default p50/p95 ms | filtered p50/p95 ms "
        "| Chroma filtered p50/p95 ms | keyword index build s | Chroma on disk MB | sentence vectors MB | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        cells = " | ".join(f"{r[f'{m}_ms_p50']:.1f} / {r[f'{m}_ms_p95']:.1f}" for m in MODES)
        lines.append(f"| {r['chunks']:,} | {cells} | {r['keyword_build_s']:.2f} | {r['index_mb']:.0f} | {r['sentences_mb']:.0f} "
                     f"| {r['peak_rss_mb']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        n, rounds, work = argv[1:]
        print(json.dumps(run_size(int(n), int(rounds), Path(work))))
        return
    p = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    p.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    args = p.parse_args(argv)
    runs = []
    for n in args.sizes:
        result = measure(n, args.rounds)
        print(json.dumps(result), flush=True)
        runs.append(result)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
