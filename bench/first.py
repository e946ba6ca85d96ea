"""The first question of a new process on a large archive: indexes read one after the other, or
read in the background (`Retriever.prefetch`) while the question is embedded.

    python -m bench.first [--chunks 100000] [--pairs 5] [--json FILE]

Builds a synthetic archive as `bench.retrieval` does (random vectors, words of the sample
articles; the keyword index saved), then starts new processes in pairs, one of each kind in
alternating order, each timing from opening the store to the first question's passages (the
embedder loaded and warmed before the clock starts, as in `bench.retrieval`'s restart rows):

- ``sequential``: the keyword index opened, then the search (Chroma's first query loads its
  vector index);
- ``prefetched``: `Retriever.prefetch` started as soon as the store is open, then the search,
  which waits only for what it needs.

Reports the medians and the ratio of prefetched to sequential. The page cache holds the files in
both (as after a restart of the program, not of the machine).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import run_child


def run_build(n: int, work: Path) -> dict:
    """In a child process: the synthetic archive of ``n`` chunks, its keyword index saved."""
    from bench.retrieval import _open, build
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    store = open_store()
    start = time.perf_counter()
    build(store, n)
    Retriever(store, embedder, keyword_files=KeywordFiles(work / "keyword")).keyword_index()
    return {"chunks": store.count(), "build_s": round(time.perf_counter() - start, 1)}


def run_first(kind: str, work: Path) -> dict:
    """In a new child process: open the store and answer the first question, ``kind`` as above."""
    from bench.retrieval import _open, questions
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    question = questions()[0]
    start = time.perf_counter()
    retriever = Retriever(open_store(), embedder, keyword_files=KeywordFiles(work / "keyword"))
    opened = time.perf_counter()
    if kind == "prefetched":
        retriever.prefetch()
    else:
        retriever.keyword_index()
    hits = retriever.search(question)
    return {"kind": kind, "first_s": round(time.perf_counter() - start, 3), "store_open_s": round(opened - start, 3),
            "hits": len(hits)}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        kind, *rest = argv[1:]
        out = run_build(int(rest[0]), Path(rest[1])) if kind == "build" else run_first(kind, Path(rest[0]))
        print(json.dumps(out))
        return
    p = argparse.ArgumentParser(prog="python -m bench.first", description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-first-"))
    try:
        built = run_child("bench.first", "build", args.chunks, work, label=f"{args.chunks} chunks")
        runs = []
        for i in range(args.pairs):
            for kind in (("sequential", "prefetched") if i % 2 == 0 else ("prefetched", "sequential")):
                runs.append(run_child("bench.first", kind, work, label=f"{kind}, pair {i + 1}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {k: statistics.median(r["first_s"] for r in runs if r["kind"] == k) for k in ("sequential", "prefetched")}
    out = {**built, "pairs": args.pairs, "sequential_s": round(medians["sequential"], 2),
           "prefetched_s": round(medians["prefetched"], 2), "ratio": round(medians["prefetched"] / medians["sequential"], 2),
           "runs": runs}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    print("| chunks | pairs | first question s, sequential | first question s, prefetched | prefetched / sequential |\n"
          "|---|---|---|---|---|\n"
          f"| {built['chunks']:,} | {args.pairs} | {out['sequential_s']:.2f} | {out['prefetched_s']:.2f} | {out['ratio']:.2f} |")


if __name__ == "__main__":
    main()
