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

The keyword index is saved beside the archive (`index.keyword.KeywordFiles`), as `Archive.open`
does. Reported apart: ``keyword_build_s``, the in-memory build from the store that every process
paid on its first question before (the baseline), and ``keyword_save_s``, the build and save.
Then, each in a new process (as after a restart; the embedder is loaded and warmed before the
clock starts): ``first_s``, opening the store and answering the first question, which loads the
saved index (split into opening the store, opening the keyword index and the search itself);
``first_filtered_s``, the first question under a date filter after it, which reads the
memory-mapped vectors; p50/p95 of both modes, in wall time and in CPU time (``*_cpu``, with the
question's embedding alone as ``embed_cpu``: on a shared machine, waiting for a core adds to the
first and not to the second); and peak RSS. That is run twice: with the index
as saved, and after an ingest of 4% more chunks (``update_s``: bringing the index up to date after
that ingest, the chunks' own writing not counted), which stay in the delta. ``top30_same`` is the
share of the 30 best keyword matches per question that the index with that delta shares with a
fresh build of the same chunks (they differ only in the length normalisation).
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


def build(store, n: int, seed: int = 0, batch: int = 5000, first: int = 0) -> None:
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
            i = first + start + row
            day = START + timedelta(days=int(rng.integers(0, 730)))
            source = Source(" ".join(words[j] for j in drawn[row, :8]), OUTLETS[int(rng.integers(0, len(OUTLETS)))],
                            published_at=day, language="es" if rng.random() < 0.5 else "en")
            chunks.append(Chunk(f"a{i // 4}#{i % 4}", f"a{i // 4}", " ".join(words[j] for j in drawn[row]), i % 4, source))
        sentence_vectors = rng.standard_normal((size, SENTENCES, DIM)).astype(np.float32)
        sentence_vectors /= np.linalg.norm(sentence_vectors, axis=2, keepdims=True)
        spans = tuple((k * 160, k * 160 + 150) for k in range(SENTENCES))  # six sentences of a 160-word text
        store.add(chunks, vectors, [Sentences(spans, v) for v in sentence_vectors])


def _open(work: Path):
    from index.embed import E5Embedder
    from index.sentences import SentenceStore
    from index.store import Store, persistent_client

    embedder = E5Embedder()
    embedder.embed_query("warm-up")
    return embedder, lambda: Store(persistent_client(work / "chroma"), embedder, sentences=SentenceStore(work / "sentences.sqlite"))


def _window():
    from index.types import Filters

    return Filters(since=START + timedelta(days=300), until=START + timedelta(days=390))


def _percentiles(out: dict, times: dict[str, list[float]]) -> None:
    for mode, values in times.items():
        values.sort()
        out[f"{mode}_ms_p50"] = round(statistics.median(values), 1)
        out[f"{mode}_ms_p95"] = round(values[int(0.95 * (len(values) - 1))], 1)


def run_size(n: int, rounds: int, work: Path) -> dict:
    """In the child process: build an archive of ``n`` chunks, then time retrieval."""
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    store = open_store()
    start = time.perf_counter()
    build(store, n)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    Retriever(store, embedder).keyword_index()  # the baseline: built in memory, as every process did before
    keyword_build_s = time.perf_counter() - start
    files = KeywordFiles(work / "keyword")
    default = Retriever(store, embedder, keyword_files=files)
    dense = Retriever(store, embedder, ranking="dense", keyword_files=files)
    start = time.perf_counter()
    default.keyword_index()
    keyword_save_s = time.perf_counter() - start
    window = _window()
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
    keyword_disk = sum(f.stat().st_size for f in (work / "keyword").rglob("*") if f.is_file())
    out = {"chunks": store.count(), "build_s": round(build_s, 1), "keyword_build_s": round(keyword_build_s, 2),
           "keyword_save_s": round(keyword_save_s, 2), "queries": len(times["default"]), "index_mb": round(disk / 2**20, 1),
           "sentences_mb": round(sentences_disk / 2**20, 1), "keyword_mb": round(keyword_disk / 2**20, 1)}
    _percentiles(out, times)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run_restart(rounds: int, work: Path) -> dict:
    """In a new child process: the first questions and the latency with the saved index."""
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    qs, window = questions(), _window()
    start = time.perf_counter()
    files = KeywordFiles(work / "keyword")
    retriever = Retriever(open_store(), embedder, keyword_files=files)
    opened = time.perf_counter()
    retriever.keyword_index()
    loaded = time.perf_counter()
    retriever.search(qs[0])
    first_s = time.perf_counter() - start
    parts = {"store_open_s": round(opened - start, 2), "keyword_open_s": round(loaded - opened, 2),
             "first_search_s": round(time.perf_counter() - loaded, 2)}
    start = time.perf_counter()
    retriever.search(qs[1], filters=window)
    first_filtered_s = time.perf_counter() - start
    times: dict[str, list[float]] = {"default": [], "filtered": [], "default_cpu": [], "filtered_cpu": [], "embed_cpu": []}
    for _ in range(rounds):
        for q in qs:
            cpu = time.process_time()
            embedder.embed_query(q)
            times["embed_cpu"].append((time.process_time() - cpu) * 1000)
            for mode, filters in (("default", None), ("filtered", window)):
                t, cpu = time.perf_counter(), time.process_time()
                retriever.search(q, filters=filters)
                times[mode].append((time.perf_counter() - t) * 1000)
                times[f"{mode}_cpu"].append((time.process_time() - cpu) * 1000)  # CPU time: what waiting for a busy machine does not add
    index = retriever.keyword_index()
    out = {"first_s": round(first_s, 2), **parts, "first_filtered_s": round(first_filtered_s, 2), "builds": files.builds,
           "delta": index.delta_size}
    _percentiles(out, times)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run_update(n: int, work: Path) -> dict:
    """In a child process: an ingest of ``n`` more chunks through `Retriever.updating`, and how the
    index with them in its delta ranks against a fresh build."""
    from index.keyword import KeywordFiles, KeywordIndex
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    store = open_store()
    retriever = Retriever(store, embedder, keyword_files=KeywordFiles(work / "keyword"))
    retriever.keyword_index()
    count = store.count()
    start = time.perf_counter()
    with retriever.updating():
        mark = time.perf_counter()
        build(store, n, seed=1, first=count)
        writing_s = time.perf_counter() - mark
    update_s = time.perf_counter() - start - writing_s
    index, fresh = retriever.keyword_index(), KeywordIndex.from_store(store)
    same = [len({c.id for c, _ in index.search(q, 30)} & {c.id for c, _ in fresh.search(q, 30)}) / 30 for q in questions()]
    return {"added": n, "update_s": round(update_s, 2), "delta": index.delta_size, "top30_same": round(statistics.mean(same), 3)}


def measure(n: int, rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-retrieval-"))
    try:
        out = run_child("bench.retrieval", "size", n, rounds, work, label=f"{n} chunks")
        out["restart"] = run_child("bench.retrieval", "restart", rounds, work, label=f"{n} chunks, restarted")
        out["update"] = run_child("bench.retrieval", "update", n // 25, work, label=f"{n} chunks, updated")
        out["restart_delta"] = run_child("bench.retrieval", "restart", rounds, work, label=f"{n} chunks, restarted with a delta")
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(runs: list[dict]) -> str:
    lines = [
        "| chunks | embed p50/p95 ms | dense p50/p95 ms | default p50/p95 ms | filtered p50/p95 ms "
        "| Chroma filtered p50/p95 ms | keyword index build s (baseline) | build and save s | Chroma on disk MB "
        "| sentence vectors MB | keyword index on disk MB | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        cells = " | ".join(f"{r[f'{m}_ms_p50']:.1f} / {r[f'{m}_ms_p95']:.1f}" for m in MODES)
        lines.append(f"| {r['chunks']:,} | {cells} | {r['keyword_build_s']:.2f} | {r['keyword_save_s']:.2f} | {r['index_mb']:.0f} "
                     f"| {r['sentences_mb']:.0f} | {r['keyword_mb']:.0f} | {r['peak_rss_mb']} |")
    lines += [
        "",
        "| chunks | delta | first question s (store / keyword index / search) | first filtered s "
        "| default p50/p95 ms | filtered p50/p95 ms | peak RSS MB | full builds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        for key in ("restart", "restart_delta"):
            x = r[key]
            lines.append(f"| {r['chunks']:,} | {x['delta']:,} | {x['first_s']:.2f} ({x['store_open_s']:.2f} / "
                         f"{x['keyword_open_s']:.2f} / {x['first_search_s']:.2f}) | {x['first_filtered_s']:.2f} "
                         f"| {x['default_ms_p50']:.1f} / {x['default_ms_p95']:.1f} | {x['filtered_ms_p50']:.1f} / "
                         f"{x['filtered_ms_p95']:.1f} | {x['peak_rss_mb']} | {x['builds']} |")
    lines += ["", "| chunks | chunks added | update s | top-30 shared with a fresh build |", "|---|---|---|---|"]
    lines += [f"| {r['chunks']:,} | {r['update']['added']:,} | {r['update']['update_s']:.2f} | {r['update']['top30_same']:.3f} |"
              for r in runs]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        kind, *rest = argv[1:]
        if kind == "size":
            out = run_size(int(rest[0]), int(rest[1]), Path(rest[2]))
        elif kind == "restart":
            out = run_restart(int(rest[0]), Path(rest[1]))
        else:
            out = run_update(int(rest[0]), Path(rest[1]))
        print(json.dumps(out))
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
