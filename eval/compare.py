"""Compare two evaluation runs: every metric side by side, and the questions whose outcome changed."""

from __future__ import annotations

import json
from pathlib import Path

from index.errors import InputError

from .runner import RESULTS, read_results

SECTIONS = ("retrieval", "answer", "classes", "citations", "latency")


def compare(run_a: Path, run_b: Path) -> str:
    a, b = _report(run_a), _report(run_b)
    lines = [f"{'metric':28} {'A':>9} {'B':>9} {'B-A':>9}"]
    for section in SECTIONS:
        keys = list(dict.fromkeys([*(a.get(section) or {}), *(b.get(section) or {})]))
        for key in keys:
            va, vb = (a.get(section) or {}).get(key), (b.get(section) or {}).get(key)
            diff = f"{vb - va:+9.3f}" if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else f"{'':9}"
            lines.append(f"{section + '.' + key:28} {_fmt(va)} {_fmt(vb)} {diff}")
    changed = changed_questions(run_a, run_b)
    lines += ["", f"questions whose outcome changed: {len(changed)}"]
    lines += [f"  {qid}: {was} -> {now}  {question}" for qid, question, was, now in changed]
    return "\n".join(lines)


def changed_questions(run_a: Path, run_b: Path) -> list[tuple[str, str, str, str]]:
    """(id, question, outcome in A, outcome in B) where the outcome differs; answers if any, else hits@5."""
    before = {r["id"]: r for r in read_results(run_a / RESULTS)}
    out = []
    for r in read_results(run_b / RESULTS):
        old = before.get(r["id"])
        if old is not None and _outcome(old) != _outcome(r):
            out.append((r["id"], r["question"], _outcome(old), _outcome(r)))
    return out


def _outcome(record: dict) -> str:
    if record.get("correct") is not None:
        return "correct" if record["correct"] else "wrong"
    gold = set(record["gold_articles"])
    if not record["n_gold"]:
        return "no gold"
    return "hit@5" if gold.intersection(record["retrieved"][:5]) else "miss@5"


def _report(run: Path) -> dict:
    path = Path(run) / "report.json"
    if not path.is_file():
        raise InputError(f"{path} not found; pass the --out folder of a finished newsrag eval run")
    return json.loads(path.read_text(encoding="utf-8"))


def _fmt(value) -> str:
    return f"{value:9.3f}" if isinstance(value, (int, float)) else f"{'–':>9}"
