"""The first question of a new process on a large archive: indexes read one after the other, or
read in the background (`Retriever.prefetch`) while the question is embedded.

    python -m bench.first [--chunks 100000] [--pairs 5] [--json FILE] [--work DIR]

Builds a synthetic archive as `bench.retrieval` does (random vectors, words of the sample
articles, written into Chroma 5,000 chunks at a time; then the keyword index built from the store
and saved, as the first `Archive.open` of an archive without one does), in one process whose time,
peak RSS and files' sizes on disk are reported. Then starts new processes in pairs, one of each
kind in alternating order, each timing from opening the store to the first question's passages (the
embedder loaded and warmed before the clock starts, as in `bench.retrieval`'s restart rows):

- ``sequential``: the keyword index opened, then the search (Chroma's first query loads its
  vector index);
- ``prefetched``: `Retriever.prefetch` started as soon as the store is open, then the search,
  which waits only for what it needs.

Reports the medians of each kind: the time, the ratio of prefetched to sequential, the process's
peak RSS and its RSS right after the first question (both with the embedder loaded, which is
also given alone, as measured before the clock starts). The page cache holds the files in both, as
far as memory allows (as after a restart of the program, not of the machine). RSS counts the
pages of memory-mapped files the process touched; it is not the memory the machine needs on top
of the page cache.

With ``--work DIR`` the archive is built in DIR and kept; an archive already built there (its
``build.json``) of the same size is used again, with the build's figures of then.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import run_child


def _status_mb(field: str) -> int:
    """``field`` of /proc/self/status (VmRSS: resident now, VmHWM: its peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024)
    raise KeyError(field)


def _peak_mb() -> int:
    """The peak RSS of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _disk_mb(paths) -> float:
    """The size of the files in ``paths`` (files, or folders counted whole), in MB."""
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return round(sum(f.stat().st_size for f in files) / 2**20, 1)


def run_build(n: int, work: Path) -> dict:
    """In a child process: the synthetic archive of ``n`` chunks written into Chroma, then its keyword
    index built from the store and saved. Timed and measured: each step (``write_s``, ``keyword_s``,
    together ``build_s``; the embedder's loading not counted); the peak RSS after the writes and at
    the end (``write_peak_rss_mb``, ``build_peak_rss_mb``, the loaded embedder included); the size
    on disk of Chroma's files, of the sentence vectors and of the keyword index."""
    from bench.retrieval import _open, build
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    store = open_store()
    start = time.perf_counter()
    build(store, n)
    written = time.perf_counter()
    write_peak = _status_mb("VmHWM")
    Retriever(store, embedder, keyword_files=KeywordFiles(work / "keyword")).keyword_index()
    end = time.perf_counter()
    return {"chunks": store.count(), "build_s": round(end - start, 1), "write_s": round(written - start, 1),
            "keyword_s": round(end - written, 1), "write_peak_rss_mb": write_peak, "build_peak_rss_mb": _peak_mb(),
            "chroma_mb": _disk_mb([work / "chroma"]), "sentences_mb": _disk_mb(list(work.glob("sentences.sqlite*"))),
            "keyword_mb": _disk_mb([work / "keyword"])}


def run_first(kind: str, work: Path) -> dict:
    """In a new child process: open the store and answer the first question, ``kind`` as above. Measured:
    its wall time (``first_s``; opening the store alone in ``store_open_s``), the RSS with the
    embedder loaded before the clock starts (``rss_before_mb``), right after the first question
    (``rss_mb``, the prefetch's threads possibly still reading) and the process's peak (``peak_rss_mb``)."""
    from bench.retrieval import _open, questions
    from index.keyword import KeywordFiles
    from rag.retrieve import Retriever

    embedder, open_store = _open(work)
    question = questions()[0]
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    retriever = Retriever(open_store(), embedder, keyword_files=KeywordFiles(work / "keyword"))
    opened = time.perf_counter()
    if kind == "prefetched":
        retriever.prefetch()
    else:
        retriever.keyword_index()
    hits = retriever.search(question)
    first_s = time.perf_counter() - start
    return {"kind": kind, "first_s": round(first_s, 3), "store_open_s": round(opened - start, 3), "hits": len(hits),
            "rss_before_mb": before, "rss_mb": _status_mb("VmRSS"), "peak_rss_mb": _peak_mb()}


def built(n: int, work: Path) -> dict:
    """The build's figures: of the archive already built of ``n`` chunks in ``work``, or of one built now."""
    saved = work / "build.json"
    if saved.is_file() and json.loads(saved.read_text())["chunks"] == n:
        return json.loads(saved.read_text())
    if any(work.iterdir()):
        raise SystemExit(f"bench: {work} holds files but no build of {n:,} chunks; give an empty folder")
    out = run_child("bench.first", "build", n, work, label=f"{n} chunks")
    saved.write_text(json.dumps(out) + "\n")
    return out


def summary(build: dict, pairs: int, runs: list[dict]) -> dict:
    """The build's figures, and per kind the medians of the time, peak RSS and RSS after the first question."""
    out = {**build, "pairs": pairs}
    for kind in ("sequential", "prefetched"):
        mine = [r for r in runs if r["kind"] == kind]
        out[f"{kind}_s"] = round(statistics.median(r["first_s"] for r in mine), 2)
        for key in ("peak_rss_mb", "rss_mb", "rss_before_mb"):
            out[f"{kind}_{key}"] = round(statistics.median(r[key] for r in mine))
    out["ratio"] = round(out["prefetched_s"] / out["sequential_s"], 2)
    return {**out, "runs": runs}


def table(out: dict) -> str:
    return (
        "| chunks | pairs | build s (Chroma writes / keyword index) | build peak RSS MB (after the writes) "
        "| Chroma on disk MB | sentence vectors MB | keyword index on disk MB "
        "| first question s, sequential / prefetched | prefetched / sequential "
        "| first-question peak RSS MB, sequential / prefetched | RSS after it MB | RSS before the clock MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {out['chunks']:,} | {out['pairs']} | {out['build_s']:.0f} ({out['write_s']:.0f} / {out['keyword_s']:.0f}) "
        f"| {out['build_peak_rss_mb']:,} ({out['write_peak_rss_mb']:,}) | {out['chroma_mb']:,.0f} "
        f"| {out['sentences_mb']:,.0f} | {out['keyword_mb']:,.0f} | {out['sequential_s']:.2f} / {out['prefetched_s']:.2f} "
        f"| {out['ratio']:.2f} | {out['sequential_peak_rss_mb']:,} / {out['prefetched_peak_rss_mb']:,} "
        f"| {out['sequential_rss_mb']:,} / {out['prefetched_rss_mb']:,} "
        f"| {out['sequential_rss_before_mb']:,} / {out['prefetched_rss_before_mb']:,} |"
    )


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
    p.add_argument("--work", type=Path, help="build the archive in this folder and keep it (default: a temporary one)")
    args = p.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="newsrag-bench-first-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        build = built(args.chunks, work)
        print(json.dumps(build), flush=True)
        runs = []
        for i in range(args.pairs):
            for kind in (("sequential", "prefetched") if i % 2 == 0 else ("prefetched", "sequential")):
                runs.append(run_child("bench.first", kind, work, label=f"{kind}, pair {i + 1}"))
                print(json.dumps(runs[-1]), flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    out = summary(build, args.pairs, runs)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    print(table(out))


if __name__ == "__main__":
    main()
