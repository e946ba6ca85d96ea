"""Answer latency over the sample question set, and decoding speed against raw llama-cpp-python.

    python -m bench.ask [--models default small] [--limit 20] [--archive DIR] [--json FILE]
    python -m bench.ask --cold [--models default] [--runs 5] [--json FILE]

Each model runs in its own subprocess, on the bundled sample archive (built in a temporary
folder unless ``--archive`` names one). Every question is answered twice, alternately, so that
both variants see the same machine:

- ``whole``: the default answer path (whole passages; the system prompt's evaluation kept
  between questions), the baseline;
- ``excerpts``: the same showing only the passages' sentences closest to the question
  (``--excerpt-tokens 400``).

Per answer: retrieval time, the time from the question to the passages being read (the
`Reading`, which the command line, the browser and the API show at once), prompt tokens and
how many of them were read (not reused), time to first token, decoding tokens/s (tokens after
the first over the time after the first) and total time. For the first ``--decode``
questions, the same prompt is then decoded by newsrag's `LlamaCppLLM.stream` and by
llama-cpp-python's own streaming chat completion on a second `Llama` of the same file, 128
tokens each, alternately; the ratio of their medians is reported.

``--cold`` measures instead the first token of a new process, from its start to the first
byte of the answer on its terminal (a pseudo-terminal, so that ``newsrag ask`` streams), on an
archive of the seed article (``../shared/data/seed``) asked the seed question, ``--runs``
times each, alternately, after one uncounted run of each:

- ``saved``: ``newsrag ask`` with the prompt's fixed start saved by an earlier process
  (``NEWSRAG_PROMPT_CACHE`` a fresh folder, filled by the uncounted run);
- ``unsaved``: ``newsrag ask`` with ``NEWSRAG_PROMPT_CACHE=off``;
- ``raw``: the baseline, a script that loads the model with llama-cpp-python's defaults
  (``n_ctx=4096``) and streams ``create_chat_completion`` of one user message: the seed
  article's first 2,500 characters, a blank line and the question.

Each process is killed after its first byte; its wall and CPU (user + system) seconds until
then are recorded. One more in-process answer counts the prompt tokens of newsrag's prompt
(and how many of them came from the saved state) and of the raw one, and times its stages.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator, Sequence

from bench.common import run_child

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"excerpts": 400, "whole": 0}  # excerpt budget (0: whole passages, the default)
SEED = ROOT.parent / "shared" / "data" / "seed"
NAIVE_CHARS = 2500
COLD = ("saved", "unsaved", "raw")
RAW = """
import sys
import llama_cpp
path, question, article, chars = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
text = open(article, encoding="utf-8").read()[:chars]
llm = llama_cpp.Llama(model_path=path, n_ctx=4096, seed=0, verbose=False)
for chunk in llm.create_chat_completion(messages=[{"role": "user", "content": text + "\\n\\n" + question}],
                                        stream=True, temperature=0.0, max_tokens=16, seed=0):
    piece = chunk["choices"][0]["delta"].get("content")
    if piece:
        sys.stdout.write(piece)
        sys.stdout.flush()
"""


def load_questions(limit: int) -> list[dict]:
    path = ROOT / "rag" / "data" / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit]


def decode_rate(stream: Iterator[str]) -> tuple[float, int]:
    """Tokens per second after the first piece of a stream of one-token pieces, and the piece count."""
    first = last = None
    n = 0
    for _ in stream:
        last = time.perf_counter()
        first = first or last
        n += 1
    return ((n - 1) / (last - first) if n > 1 and last > first else 0.0), n


def run_model(model: str, archive_dir: Path, limit: int, decode: int) -> dict:
    """In the child process: answer the questions with both variants, then compare decoding."""
    import llama_cpp

    from rag import LLM, Archive, LlamaCppLLM, Reading, models
    from rag.types import Message

    class Recording(LLM):
        """Passes through to ``inner`` and keeps the last messages."""

        def __init__(self, inner: LLM):
            self.inner, self.name, self.last = inner, inner.name, []

        @property
        def usage(self) -> dict:
            return self.inner.usage

        def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
            self.last = list(messages)
            yield from self.inner.stream(messages, max_tokens)

    path = models.resolve(model, models.default_models_dir())
    llm = Recording(LlamaCppLLM(path))
    archive = Archive.open(archive_dir, llm=llm, create=False)
    archive.search("warm-up question about the archive")  # the embedder and the keyword index
    list(llm.inner.stream([{"role": "user", "content": "Say OK."}], max_tokens=2))
    rows, prompts = [], []
    for i, q in enumerate(load_questions(limit)):
        as_of = datetime.fromisoformat(q["as_of"]) if q.get("as_of") else None
        for variant, budget in (VARIANTS.items() if i % 2 == 0 else reversed(VARIANTS.items())):
            archive.excerpt_tokens = budget
            start = time.perf_counter()
            first = last = shown = None
            for item in archive.stream(q["question"], as_of=as_of):
                now = time.perf_counter()
                if isinstance(item, str):
                    first, last = first or now, now
                elif isinstance(item, Reading):
                    shown = now
                else:
                    answer = item
            usage = answer.usage
            pieces = usage.get("completion_tokens", 0)
            rows.append({
                "model": model, "variant": variant, "id": q["id"], "abstained": answer.abstained,
                "retrieval_ms": answer.timings["retrieval_s"] * 1000,
                "excerpt_ms": answer.timings.get("excerpt_s", 0.0) * 1000, "ttft_s": answer.timings.get("ttft_s", 0.0),
                "sources_s": shown - start,
                "total_s": time.perf_counter() - start, "prompt_tokens": usage.get("prompt_tokens", 0),
                "read_tokens": usage.get("prompt_tokens", 0) - usage.get("cached_tokens", 0),
                "completion_tokens": pieces,
                "decode_tps": (pieces - 1) / (last - first) if first and last and last > first and pieces > 1 else None,
            })
            if variant == "whole" and llm.last and len(prompts) < decode:
                prompts.append(llm.last)
    raw = llama_cpp.Llama(model_path=str(path), n_ctx=4096, n_threads=None, seed=0, verbose=False)
    ours, theirs = [], []
    for i, messages in enumerate(prompts):
        def newsrag_run():
            ours.append(decode_rate(llm.inner.stream(messages, max_tokens=128))[0])

        def raw_run():
            chunks = raw.create_chat_completion(messages=messages, stream=True, temperature=0.0, top_k=1, max_tokens=128, seed=0)
            theirs.append(decode_rate(c for c in chunks if c["choices"][0]["delta"].get("content"))[0])

        for run in ((newsrag_run, raw_run) if i % 2 == 0 else (raw_run, newsrag_run)):
            run()
    return {
        "model": model, "rows": rows, "decode_newsrag_tps": ours, "decode_raw_tps": theirs,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def first_output(command: list[str], env: dict, timeout: float = 900.0) -> tuple[float, float, str]:
    """Seconds from starting ``command`` to its first output on a pseudo-terminal, the CPU seconds
    it used until then (user + system), and that output; the process is killed then. Exits when
    it ends or fails before writing anything. Run one at a time: the CPU time is all children's."""
    master, slave = pty.openpty()
    errors = tempfile.TemporaryFile()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=errors)
    os.close(slave)
    try:
        ready, _, _ = select.select([master], [], [], timeout)
        seconds = time.perf_counter() - start
        try:
            text = os.read(master, 256).decode("utf-8", "replace") if ready else ""
        except OSError:  # the terminal closed: the process ended without writing
            text = ""
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not text:
        errors.seek(0)
        raise SystemExit(f"bench: {' '.join(command[:3])} wrote nothing:\n{errors.read().decode()[-2000:]}")
    return seconds, cpu, text


def newsrag_command() -> list[str]:
    script = Path(sys.executable).parent / "newsrag"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ui.cli"]


def count_tokens(model: str, archive_dir: Path, states: Path, question: str, article: Path) -> dict:
    """In the child process: newsrag's prompt tokens for ``question`` with the fixed start saved in
    ``states``, and the raw baseline's; with where the time of this (cold) answer went."""
    start = time.perf_counter()
    from rag import Archive, LlamaCppLLM, models

    imported = time.perf_counter()
    llm = LlamaCppLLM(models.resolve(model, models.default_models_dir()), prompt_cache=states)
    loaded = time.perf_counter()
    answer = Archive.open(archive_dir, llm=llm, create=False).ask(question)
    naive = article.read_text(encoding="utf-8")[:NAIVE_CHARS] + "\n\n" + question
    read_s, load_s = start_costs(llm)
    return {"prompt_tokens": answer.usage.get("prompt_tokens", 0), "saved_tokens": answer.usage.get("cached_tokens", 0),
            "start_read_s": read_s, "start_load_s": load_s,
            "raw_prompt_tokens": len(llm._prompt([{"role": "user", "content": naive}])[0]), "answer": answer.text,
            "import_s": imported - start, "model_load_s": loaded - imported,
            "retrieval_s": answer.timings.get("retrieval_s", 0.0), "ttft_after_open_s": answer.timings.get("ttft_s", 0.0)}


def start_costs(llm, rounds: int = 3) -> tuple[list[float], list[float]]:
    """Seconds to read the answer prompt's fixed start, and to load it from ``llm``'s prompt cache
    instead, ``rounds`` times each, alternately."""
    from rag.llm import Snapshot, restore
    from rag.prompt import build_messages
    from rag.types import Query

    messages = build_messages(Query("", "en", "answer", ""), [])
    start = llm.fixed_start(messages, llm._prompt(messages)[0])
    read, load = [], []
    for _ in range(rounds):
        mark = time.perf_counter()
        llm._llm.reset()
        llm._llm.eval(start)
        read.append(time.perf_counter() - mark)
        mark = time.perf_counter()
        restore(llm._llm, Snapshot(tuple(start), llm._saved.read(start)))
        load.append(time.perf_counter() - mark)
    return read, load


def cold(model: str, runs: int, folder: Path) -> dict:
    """First token of new processes: ``newsrag ask`` with and without the saved prompt start, and raw."""
    from rag import models

    path = models.resolve(model, models.default_models_dir())
    article = next(SEED.glob("*.txt"))
    question = json.loads((SEED / "questions.jsonl").read_text(encoding="utf-8").splitlines()[0])["question"]
    archive, states = folder / f"seed-{model}", folder / f"prompt-state-{model}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    subprocess.run([*newsrag_command(), "ingest", str(article), "--archive", str(archive)], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    ask = [*newsrag_command(), "ask", question, "--archive", str(archive), "--model", model]
    commands = {
        "saved": (ask, {**env, "NEWSRAG_PROMPT_CACHE": str(states)}),
        "unsaved": (ask, {**env, "NEWSRAG_PROMPT_CACHE": "off"}),
        "raw": ([sys.executable, "-c", RAW, str(path), question, str(article), str(NAIVE_CHARS)], env),
    }
    for command, variant_env in commands.values():  # fills the file cache, and the saved state
        first_output(command, variant_env)
    rows = []
    for r in range(runs):
        order = COLD[r % len(COLD):] + COLD[: r % len(COLD)]
        for variant in order:
            seconds, cpu, text = first_output(*commands[variant])
            rows.append({"model": model, "variant": variant, "run": r, "first_token_s": seconds, "first_token_cpu_s": cpu,
                         "first_output": text[:40]})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    counts = run_child("bench.ask", "tokens", model, archive, states, question, article, label=f"{model} tokens")
    return {"model": model, "rows": rows, "question": question, **counts}


def cold_table(results: list[dict]) -> str:
    lines = [
        "| model | variant | runs | prompt tokens | tokens read | first token s p50 | min / max | vs raw "
        "| CPU s to first token p50 | CPU vs raw |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        median = {v: statistics.median(r["first_token_s"] for r in res["rows"] if r["variant"] == v) for v in COLD}
        cpu = {v: statistics.median(r["first_token_cpu_s"] for r in res["rows"] if r["variant"] == v) for v in COLD}
        tokens = {"saved": (res["prompt_tokens"], res["prompt_tokens"] - res["saved_tokens"]),
                  "unsaved": (res["prompt_tokens"], res["prompt_tokens"]),
                  "raw": (res["raw_prompt_tokens"], res["raw_prompt_tokens"])}
        for v in COLD:
            times = [r["first_token_s"] for r in res["rows"] if r["variant"] == v]
            lines.append(f"| {res['model']} | {v} | {len(times)} | {tokens[v][0]} | {tokens[v][1]} | {median[v]:.2f} "
                         f"| {min(times):.2f} / {max(times):.2f} | {median[v] / median['raw']:.2f} "
                         f"| {cpu[v]:.2f} | {cpu[v] / cpu['raw']:.2f} |")
    lines.append("")
    lines.append("| model | import rag s | model load s | retrieval s | first token s from the question "
                 "| fixed start: tokens | read s p50 | loaded s p50 |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for res in results:
        lines.append(f"| {res['model']} | {res['import_s']:.2f} | {res['model_load_s']:.2f} | {res['retrieval_s']:.2f} "
                     f"| {res['ttft_after_open_s']:.2f} | {res['saved_tokens']} | {statistics.median(res['start_read_s']):.2f} "
                     f"| {statistics.median(res['start_load_s']):.3f} |")
    return "\n".join(lines)


def build_sample(folder: Path) -> Path:
    from index.embed import load_embedder
    from rag import Archive, sample_files

    archive = Archive.open(folder, embedder=load_embedder())
    archive.ingest(sample_files())
    return folder


def measure(model: str, archive: Path, limit: int, decode: int) -> dict:
    return run_child("bench.ask", model, archive, limit, decode, label=model)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[int(q * (len(values) - 1))] if values else float("nan")


def table(results: list[dict]) -> str:
    lines = [
        "| model | variant | answers | retrieval ms p50 / p95 | excerpt ms p50 | prompt tokens p50 | tokens read p50 | TTFT s p50 / p95 "
        "| decode tok/s p50 | total s p50 | TTFT vs whole |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        rows = res["rows"]
        base = statistics.median(r["ttft_s"] for r in rows if r["variant"] == "whole")
        for v in VARIANTS:
            mine = [r for r in rows if r["variant"] == v]
            ret = [r["retrieval_ms"] for r in mine]
            ttft = [r["ttft_s"] for r in mine]
            tps = [r["decode_tps"] for r in mine if r["decode_tps"]]
            lines.append(
                f"| {res['model']} | {v} | {len(mine)} | {statistics.median(ret):.0f} / {pct(ret, .95):.0f} "
                f"| {statistics.median(r['excerpt_ms'] for r in mine):.0f} "
                f"| {statistics.median(r['prompt_tokens'] for r in mine):.0f} | {statistics.median(r['read_tokens'] for r in mine):.0f} "
                f"| {statistics.median(ttft):.1f} / {pct(ttft, .95):.1f} | {statistics.median(tps) if tps else 0:.1f} "
                f"| {statistics.median(r['total_s'] for r in mine):.1f} | {statistics.median(ttft) / base:.2f} |"
            )
    lines.append("")
    lines.append("| model | variant | answers | sources shown s p50 / max | first token s p50 | sources shown / first token (p50) |")
    lines.append("|---|---|---|---|---|---|")
    for res in results:
        for v in VARIANTS:
            shown = [r["sources_s"] for r in res["rows"] if r["variant"] == v]
            ttft = statistics.median(r["ttft_s"] for r in res["rows"] if r["variant"] == v)
            lines.append(f"| {res['model']} | {v} | {len(shown)} | {statistics.median(shown):.3f} / {max(shown):.3f} "
                         f"| {ttft:.1f} | {statistics.median(shown) / ttft:.3f} |")
    lines.append("")
    lines.append("| model | prompts | newsrag decode tok/s p50 | llama-cpp-python decode tok/s p50 | ratio |")
    lines.append("|---|---|---|---|---|")
    for res in results:
        ours, theirs = res["decode_newsrag_tps"], res["decode_raw_tps"]
        if ours and theirs:
            a, b = statistics.median(ours), statistics.median(theirs)
            lines.append(f"| {res['model']} | {len(ours)} | {a:.1f} | {b:.1f} | {a / b:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--child", "tokens"]:
        model, archive, states, question, article = argv[2:]
        print(json.dumps(count_tokens(model, Path(archive), Path(states), question, Path(article))))
        return
    if argv[:1] == ["--child"]:
        model, archive, limit, decode = argv[1:]
        print(json.dumps(run_model(model, Path(archive), int(limit), int(decode))))
        return
    p = argparse.ArgumentParser(prog="python -m bench.ask", description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", help="default: default small; with --cold, default (the small model declines "
                   "the seed question, so its first output comes after the checks)")
    p.add_argument("--limit", type=int, default=20, help="first N questions of the sample set")
    p.add_argument("--decode", type=int, default=5, help="prompts for the decoding comparison")
    p.add_argument("--archive", type=Path, help="a sample archive already built (default: build one)")
    p.add_argument("--json", type=Path, help="also write the runs to this file")
    p.add_argument("--cold", action="store_true", help="first token of new processes on the seed question instead")
    p.add_argument("--runs", type=int, default=5, help="with --cold: runs of each variant")
    args = p.parse_args(argv)
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="newsrag-bench-cold-") as tmp:
            results = [cold(model, args.runs, Path(tmp)) for model in args.models or ["default"]]
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(cold_table(results))
        return
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-ask-") as tmp:
        archive = args.archive or build_sample(Path(tmp) / "archive")
        results = []
        for model in args.models or ["default", "small"]:
            res = measure(model, archive, args.limit, args.decode)
            print(json.dumps({k: v for k, v in res.items() if k != "rows"}), flush=True)
            results.append(res)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
