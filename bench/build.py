"""llama.cpp builds against each other: prompt reading and decoding of the same model, same
machine, same run, one build per instruction-set variant.

    python -m bench.build [--variants avx512 avx2] [--model default] [--tokens 1000] [--runs 5] [--json FILE]

Each variant's wheel comes from ``scripts/build-llama-cpp.sh`` (``NEWSRAG_LLAMA_VARIANT``; built
once, about 5 minutes, then cached) and is unpacked into its own folder under the cache. Every
run is a new process that puts that folder first on ``sys.path``, loads the model, reads a prompt
of ``--tokens`` tokens of the sample archive's text and then decodes 64 tokens greedily; the
variants alternate, so both see the same machine. A variant the CPU lacks is skipped with the
reason. Only x86-64 variants are known here.
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

ROOT = Path(__file__).resolve().parents[1]
NEEDS = {"avx512": ("avx512f", "avx512bw", "avx512vl", "avx512dq"), "avx2": ("avx2", "fma"), "sse": ()}

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import llama_cpp
model, tokens, threads = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = open(sys.argv[5], encoding="utf-8").read()
llm = llama_cpp.Llama(model_path=model, n_ctx=tokens + 128, n_threads=threads, n_batch=512, seed=0, verbose=False)
ids = llm.tokenize(text.encode("utf-8"), add_bos=True)[:tokens]
start = time.perf_counter()
llm.eval(ids)
read = time.perf_counter() - start
start, out = time.perf_counter(), 0
for tok in llm.generate(ids, temp=0.0):  # reuses the prompt just read
    out += 1
    if out == 64 or tok == llm.token_eos():
        break
decode = time.perf_counter() - start
print(json.dumps({"file": llama_cpp.__file__, "system": llama_cpp.llama_print_system_info().decode(),
                  "prompt_tokens": len(ids), "read_s": read, "read_tok_s": len(ids) / read,
                  "decoded": out, "decode_tok_s": out / decode}))
"""


def wheel_dir(variant: str) -> Path:
    """The variant's wheel (built if missing) unpacked into its own folder; returns the folder."""
    env = dict(os.environ, NEWSRAG_LLAMA_VARIANT=variant)
    wheel = Path(subprocess.run(["bash", str(ROOT / "scripts" / "build-llama-cpp.sh"), sys.executable],
                                env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    target = wheel.parent / "unpacked"
    if not (target / "llama_cpp").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                       check=True)
    return target


def sample_text() -> str:
    from rag import sample_files

    parts = []
    for f in sample_files():
        if f.suffix != ".jsonl":
            continue
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                parts.append(json.loads(line).get("text", ""))
    return "\n\n".join(parts)


def measure(variants: list[str], model: str, tokens: int, runs: int, threads: int) -> dict:
    from rag import models
    from ui.doctor import cpu_flags

    path = str(models.resolve(model, models.default_models_dir()))
    flags = cpu_flags()
    usable, skipped = [], {}
    for v in variants:
        missing = [f for f in NEEDS.get(v, ("?",)) if f not in flags]
        if missing:
            skipped[v] = "the CPU lacks " + ", ".join(missing)
        else:
            usable.append(v)
    dirs = {v: wheel_dir(v) for v in usable}
    rows = []
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(sample_text())
    for r in range(runs):
        for v in (usable if r % 2 == 0 else list(reversed(usable))):
            done = subprocess.run([sys.executable, "-c", CHILD, str(dirs[v]), path, str(tokens), str(threads), f.name],
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"bench.build: the {v} run failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            out = done.stdout
            row = {"variant": v, "run": r, **json.loads(out.strip().splitlines()[-1])}
            rows.append(row)
            print(json.dumps({k: row[k] for k in ("variant", "run", "read_tok_s", "decode_tok_s")}), file=sys.stderr, flush=True)
    os.unlink(f.name)
    return {"model": model, "tokens": tokens, "threads": threads, "rows": rows, "skipped": skipped}


def table(result: dict) -> str:
    rows = result["rows"]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    med = {v: (statistics.median(r["read_tok_s"] for r in rows if r["variant"] == v),
               statistics.median(r["decode_tok_s"] for r in rows if r["variant"] == v)) for v in variants}
    base = variants[-1] if variants else None
    lines = [f"| build | runs | prompt tokens/s p50 | decode tokens/s p50 | prompt vs {base} | decode vs {base} |",
             "|---|---|---|---|---|---|"]
    for v in variants:
        n = sum(1 for r in rows if r["variant"] == v)
        lines.append(f"| {v} | {n} | {med[v][0]:.1f} | {med[v][1]:.1f} | {med[v][0] / med[base][0]:.2f} | {med[v][1] / med[base][1]:.2f} |")
    for v, why in result["skipped"].items():
        lines.append(f"| {v} | skipped: {why} | | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=["avx512", "avx2"], choices=sorted(NEEDS))
    p.add_argument("--model", default="default")
    p.add_argument("--tokens", type=int, default=1000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--json", type=Path, help="also write the rows to this file")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    result = measure(args.variants, args.model, args.tokens, args.runs, args.threads)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
