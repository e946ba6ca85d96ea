"""The warm first token of this code against an earlier commit's, question by question, same run.

    python -m bench.versus --rev REV [--rev-variant avx2] [--variant VARIANT] [--limit 40] [--json FILE]

Exports ``REV`` of this repository (``git archive``) into a temporary folder and starts two
long-lived processes, one per code: each builds its own archive of the bundled sample articles
with its own code, loads the default model and answers a warm-up question (a warm process, as
`serve` and `api` are), then answers the questions it is sent, one at a time. The parent sends
each of the sample set's first ``--limit`` questions to both, alternating which goes first, so
the two see the same machine; only one answers at a time. Each answer is timed from the call to
`Archive.stream` to its first piece of text.

``--rev-variant`` and ``--variant`` give each process a llama.cpp build variant
(`bench.build`'s wheels, built once when missing) put first on its path; without them a process
uses the installed build. The questions are asked alone (a follow-up without its conversation),
with their ``as_of`` day. Reports the medians, their ratio and the median of the per-question
ratios. Needs git and the repository's history.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ask import load_questions
from bench.common import ROOT

CHILD = r"""
import json, sys, time
from datetime import datetime
from rag import Archive, sample_files

archive = Archive.open(sys.argv[1])
archive.ingest(sample_files())
archive.ask("warm-up question about the archive")
import llama_cpp
print(json.dumps({"ready": True, "llama_cpp": llama_cpp.__file__,
                  "system": llama_cpp.llama_print_system_info().decode()}), flush=True)
for line in sys.stdin:
    q = json.loads(line)
    as_of = datetime.fromisoformat(q["as_of"]) if q.get("as_of") else None
    start = time.perf_counter()
    first = None
    for item in archive.stream(q["question"], as_of=as_of):
        if isinstance(item, str) and first is None:
            first = time.perf_counter() - start
        elif type(item).__name__ == "Answer":
            answer = item
    usage = answer.usage
    print(json.dumps({"id": q["id"], "ttft_s": first if first is not None else answer.timings.get("ttft_s"),
                      "total_s": time.perf_counter() - start, "abstained": answer.abstained,
                      "prompt_tokens": usage.get("prompt_tokens", 0),
                      "read_tokens": usage.get("prompt_tokens", 0) - usage.get("cached_tokens", 0)}), flush=True)
"""


class Side:
    """One code's answering process."""

    def __init__(self, label: str, tree: Path, variant: str | None, archive: Path):
        paths = [str(tree)]
        if variant:
            from bench.build import wheel_dir

            paths.insert(0, str(wheel_dir(variant)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
        env.pop("NEWSRAG_PROMPT_CACHE", None)
        self.label, self.variant = label, variant or "installed"
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, str(archive)], cwd=tree, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.rows: list[dict] = []

    def line(self) -> dict:
        text = self.proc.stdout.readline()
        if not text:
            raise SystemExit(f"bench: the {self.label} process ended (exit {self.proc.wait()})")
        return json.loads(text)

    def ask(self, question: dict) -> None:
        self.proc.stdin.write(json.dumps(question) + "\n")
        self.proc.stdin.flush()
        self.rows.append(self.line())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def export(rev: str, folder: Path) -> Path:
    """``rev``'s files in ``folder``."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def summary(then: Side, now: Side, rev: str) -> dict:
    paired = [(a, b) for a, b in zip(then.rows, now.rows) if a["ttft_s"] and b["ttft_s"]]
    med = {s.label: statistics.median(r["ttft_s"] for r in s.rows if r["ttft_s"]) for s in (then, now)}
    return {
        "rev": rev, "questions": len(paired),
        "variants": {then.label: then.variant, now.label: now.variant},
        "ttft_p50_s": med,
        "read_tokens_p50": {s.label: statistics.median(r["read_tokens"] for r in s.rows) for s in (then, now)},
        "ratio_of_p50": med["now"] / med["then"],
        "p50_of_ratios": statistics.median(b["ttft_s"] / a["ttft_s"] for a, b in paired),
        "rows": {then.label: then.rows, now.label: now.rows},
    }


def table(out: dict) -> str:
    lines = ["| code | llama.cpp build | questions | first token s p50 | prompt tokens read p50 |", "|---|---|---|---|---|"]
    for label in ("then", "now"):
        name = out["rev"] if label == "then" else "this commit"
        lines.append(f"| {name} | {out['variants'][label]} | {out['questions']} | {out['ttft_p50_s'][label]:.2f} "
                     f"| {out['read_tokens_p50'][label]:.0f} |")
    lines.append(f"\nnow / then: {out['ratio_of_p50']:.2f} (medians), {out['p50_of_ratios']:.2f} (median of per-question ratios)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rev", required=True, help="the earlier commit")
    p.add_argument("--rev-variant", help="llama.cpp build variant for the earlier commit (avx512, avx2, sse)")
    p.add_argument("--variant", help="llama.cpp build variant for this code (default: the installed build)")
    p.add_argument("--limit", type=int, default=40, help="first N questions of the sample set")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsrag-rev-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        then = Side("then", export(args.rev, tree), args.rev_variant, Path(tmp) / "archive-then")
        now = Side("now", ROOT, args.variant, Path(tmp) / "archive-now")
        for side in (then, now):
            ready = side.line()
            print(f"{side.label}: {ready['llama_cpp']}\n  {ready['system']}", file=sys.stderr)
        for i, q in enumerate(load_questions(args.limit)):
            for side in ((then, now) if i % 2 == 0 else (now, then)):
                side.ask(q)
            print(f"{q['id']}: then {then.rows[-1]['ttft_s']} s, now {now.rows[-1]['ttft_s']} s", file=sys.stderr)
        for side in (then, now):
            side.close()
    out = summary(then, now, args.rev)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    print(table(out))


if __name__ == "__main__":
    main()
