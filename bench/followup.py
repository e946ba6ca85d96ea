"""Follow-up questions: prompt tokens read and time to first token, continuing the previous
answer's prompt against reading the follow-up afresh.

    python -m bench.followup --archive runs/sample-archive [--model default] [--json FILE]

For each follow-up of the sample question set (``follow_up_of``), in one process: the question
it follows is answered, then the follow-up twice, alternately first: ``continued`` passes the
previous answer's `Turn` (what `Chat` does), ``afresh`` passes the same history as text to an
archive that does not hold that turn (what every follow-up did before). Tokens read are the
prompt's tokens less those llama.cpp reused from its context (``Answer.usage``); they do not
depend on the machine's load, the times do.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(archive_dir: Path, model: str) -> list[dict]:
    from rag import Archive, LlamaCppLLM, models

    llm = LlamaCppLLM(models.resolve(model, models.default_models_dir()))
    archive = Archive.open(archive_dir, llm=llm, create=False)
    questions = [json.loads(line) for line in (ROOT / "rag" / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {q["id"]: q for q in questions}
    rows = []
    for n, q in enumerate(q for q in questions if q.get("follow_up_of")):
        parent = by_id[q["follow_up_of"]]
        order = ("continued", "afresh") if n % 2 == 0 else ("afresh", "continued")
        for variant in order:
            first = archive.ask(parent["question"])  # the same answer each time: greedy decoding
            history = [{"role": "user", "content": parent["question"]}, {"role": "assistant", "content": first.text}]
            if variant == "afresh":
                archive._turns.clear()  # the archive holds no turn: the history is read as text, as before
            answer = archive.ask(q["question"], history=history, turn=first.turn if variant == "continued" else None)
            usage = answer.usage
            rows.append({"id": q["id"], "variant": variant, "prompt_tokens": usage.get("prompt_tokens", 0),
                         "read_tokens": usage.get("prompt_tokens", 0) - usage.get("cached_tokens", 0),
                         "ttft_s": answer.timings.get("ttft_s", 0.0), "abstained": answer.abstained, "answer": answer.text[:80]})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| follow-up | tokens read afresh | tokens read continued | first token s afresh | continued |",
             "|---|---|---|---|---|"]
    ids = list(dict.fromkeys(r["id"] for r in rows))
    pick = {(r["id"], r["variant"]): r for r in rows}
    for i in ids:
        a, c = pick[(i, "afresh")], pick[(i, "continued")]
        lines.append(f"| {i} | {a['read_tokens']} | {c['read_tokens']} | {a['ttft_s']:.2f} | {c['ttft_s']:.2f} |")
    med = {v: (statistics.median(r["read_tokens"] for r in rows if r["variant"] == v),
               statistics.median(r["ttft_s"] for r in rows if r["variant"] == v)) for v in ("afresh", "continued")}
    lines.append(f"| median | {med['afresh'][0]:.0f} | {med['continued'][0]:.0f} | {med['afresh'][1]:.2f} | "
                 f"{med['continued'][1]:.2f} |")
    lines.append(f"\nRatio continued / afresh: tokens read {med['continued'][0] / med['afresh'][0]:.2f}, "
                 f"first token {med['continued'][1] / med['afresh'][1]:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.followup", description=__doc__.splitlines()[0])
    p.add_argument("--archive", type=Path, required=True, help="the sample archive (newsrag demo or ingest builds one)")
    p.add_argument("--model", default="default")
    p.add_argument("--json", type=Path, help="also write the rows to this file")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    rows = measure(args.archive, args.model)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
