"""Command-line benchmark: how long ``newsrag --help`` takes, and re-ingesting unchanged files
against their first ingest, everything run as the ``newsrag`` command in its own process.

    python -m bench.cli [--data ../shared/data] [--set multihop-rag-dev] [--runs 9] [--repeat 1] [--reingests 5]

- ``help``: ``newsrag --help``, alternating with two baselines: ``python -c pass`` (the
  interpreter alone) and ``python -c "import rag"`` (what the command paid before its parser
  stopped importing the archive's libraries);
- ``first ingest``: the set's articles.jsonl into a new archive in a temporary folder
  (``--repeat`` archives), with the default embedder;
- ``reingest``: the same command again on that archive, ``--reingests`` times, nothing changed.

Wall time and the child's CPU time (user + system) are both recorded. Prints one JSON line per
run and a Markdown table of medians; ``--json FILE`` saves the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def newsrag_command() -> list[str]:
    """The installed ``newsrag`` script beside this interpreter, else ``python -m ui.cli``."""
    script = Path(sys.executable).parent / "newsrag"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ui.cli"]


def timed(command: list[str], **extra) -> dict:
    """Run ``command`` to the end; its wall and CPU seconds. Exits when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NEWSRAG_DEBUG": "1"})
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"bench: {' '.join(command)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu, "output": (out.stdout.strip().splitlines() or [""])[-1][:200], **extra}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.cli", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--set", default="multihop-rag-dev", help="folder under --data holding articles.jsonl")
    p.add_argument("--runs", type=int, default=9, help="runs of --help and of each baseline")
    p.add_argument("--repeat", type=int, default=1, help="first ingests, each into a new archive")
    p.add_argument("--reingests", type=int, default=5, help="unchanged re-ingests after each first ingest")
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    args = p.parse_args(argv)
    source = args.data / args.set / "articles.jsonl"
    if not source.is_file():
        raise SystemExit(f"bench: {source} not found; pass --data DIR holding {args.set}/articles.jsonl")
    newsrag = newsrag_command()
    variants = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import rag'": [sys.executable, "-c", "import rag"],
        "newsrag --help": [*newsrag, "--help"],
    }
    runs = []

    def record(result: dict) -> None:
        print(json.dumps(result), flush=True)
        runs.append(result)

    for command in variants.values():  # a first run of each fills the file cache; not counted
        timed(command)
    for r in range(args.runs):
        for name, command in variants.items():
            record(timed(command, variant=name, run=r))
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-cli-") as tmp:
        for r in range(args.repeat):
            ingest = [*newsrag, "ingest", str(source), "--archive", str(Path(tmp) / f"archive-{r}")]
            record(timed(ingest, variant="first ingest", run=r))
            for i in range(args.reingests):
                record(timed(ingest, variant="reingest", run=r * args.reingests + i))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")
    print(table(runs, args.set))


def table(runs: list[dict], set_name: str) -> str:
    def median(variant: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["variant"] == variant)

    lines = ["| command | runs | wall s p50 | CPU s p50 | against | wall ratio | CPU ratio |", "|---|---|---|---|---|---|---|"]
    for variant, baseline in (("python -c pass", None), ("python -c 'import rag'", "python -c pass"),
                              ("newsrag --help", "python -c pass"), ("newsrag --help", "python -c 'import rag'"),
                              ("first ingest", None), ("reingest", "first ingest")):
        n = sum(1 for r in runs if r["variant"] == variant)
        wall, cpu = median(variant, "seconds"), median(variant, "cpu_seconds")
        name = f"newsrag ingest {set_name}: {variant}" if "ingest" in variant else variant
        ratios = (f"{baseline} | {wall / median(baseline, 'seconds'):.3f} | {cpu / median(baseline, 'cpu_seconds'):.3f}"
                  if baseline else "– | – | –")
        lines.append(f"| {name} | {n} | {wall:.3f} | {cpu:.3f} | {ratios} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
