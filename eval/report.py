"""Turn per-question records into ``report.json`` (FORMATS.md), ``report.md`` and PNG plots."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from . import metrics
from .classes import CLASSES

KS = range(1, 11)


def summarize(records: Sequence[dict], config: dict) -> dict:
    with_gold = [r for r in records if r["n_gold"]]
    with_text = [r for r in records if r.get("evidence_read") is not None]

    def retrieval(fn, k: int) -> float | None:
        return _round(metrics.mean(fn(r["retrieved"], set(r["gold_articles"]), k, r["n_gold"]) for r in with_gold))

    report = {
        "n_questions": len(records),
        "n_with_evidence": len(with_gold),
        "config": config,
        "retrieval": {
            **{f"hits@{k}": retrieval(lambda ranked, gold, k, n: metrics.hit_at(ranked, gold, k), k) for k in (1, 5, 10)},
            "recall@10": retrieval(metrics.recall_at, 10),
            "mrr@10": retrieval(lambda ranked, gold, k, n: metrics.mrr_at(ranked, gold, k), 10),
            "ndcg@10": retrieval(metrics.ndcg_at, 10),
            # of the questions with gold evidence sentences: how much of it the passages read hold
            "evidence_read": _round(metrics.mean(r["evidence_read"] for r in with_text)),
            "evidence_all_read": _round(metrics.mean(float(r["evidence_read"] == 1.0) for r in with_text)),
        },
        "hits_curve": {k: retrieval(lambda ranked, gold, k, n: metrics.hit_at(ranked, gold, k), k) for k in KS},
        "answer": None,
        "classes": None,
        "citations": None,
        "latency": {
            "retrieval_ms_p50": _round(metrics.percentile([r["retrieval_ms"] for r in records], 50)),
            "retrieval_ms_p95": _round(metrics.percentile([r["retrieval_ms"] for r in records], 95)),
            "ttft_s_p50": None, "ttft_s_p95": None, "total_s_p50": None, "total_s_p95": None,
        },
    }
    answered = [r for r in records if r["answer"] is not None]
    if answered:
        answerable = [r for r in answered if r["gold_answers"]]
        unanswerable = [r for r in answered if not r["gold_answers"]]
        report["answer"] = {
            "accuracy": _round(metrics.mean(float(r["correct"]) for r in answered)),
            "exact_match": _round(metrics.mean(r["exact_match"] for r in answerable)),
            "f1": _round(metrics.mean(r["f1"] for r in answerable)),
            "abstention_recall": _round(metrics.mean(float(r["abstained"]) for r in unanswerable)),
            "false_abstention_rate": _round(metrics.mean(float(r["abstained"]) for r in answerable)),
            **{f"abstained_by_{why.replace(' ', '_')}": sum(r.get("abstention") == why for r in answered)
               for why in ("model", "unsupported", "no passages")},
        }
        report["classes"] = {c: sum(c in (r.get("classes") or []) for r in answered) for c in CLASSES}
        judged = [r for r in answered if r.get("citation_recall") is not None]
        report["citations"] = {
            "recall": _round(metrics.mean(r["citation_recall"] for r in judged)),
            "precision": _round(metrics.mean(r["citation_precision"] for r in judged)),
            "judged_answers": len(judged),
        }
        by_type = defaultdict(list)
        for r in answered:
            by_type[r["type"] or "untyped"].append(float(r["correct"]))
        report["accuracy_by_type"] = {t: {"n": len(v), "accuracy": _round(metrics.mean(v))} for t, v in sorted(by_type.items())}
        for name in ("ttft_s", "total_s"):
            values = [r[name] for r in answered]
            report["latency"][f"{name}_p50"] = _round(metrics.percentile(values, 50))
            report["latency"][f"{name}_p95"] = _round(metrics.percentile(values, 95))
    return report


def write_report(records: Sequence[dict], out: Path, config: dict) -> dict:
    report = summarize(records, config)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    plot(records, report, out)
    return report


def markdown(report: dict) -> str:
    lines = [f"# Evaluation: {report['n_questions']} questions ({report['n_with_evidence']} with evidence)", "",
             "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report["config"].items()]
    for section in ("retrieval", "answer", "classes", "citations", "latency"):
        values = report.get(section)
        lines += ["", f"## {section}", ""]
        if values is None:
            lines.append("not measured in this run")
            continue
        lines += ["| metric | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in values.items()]
    if report.get("accuracy_by_type"):
        lines += ["", "## accuracy by question type", "", "| type | n | accuracy |", "|---|---|---|"]
        lines += [f"| {t} | {v['n']} | {_fmt(v['accuracy'])} |" for t, v in report["accuracy_by_type"].items()]
    return "\n".join(lines) + "\n"


def plot(records: Sequence[dict], report: dict, out: Path) -> None:
    """hits@k curve, latency distribution and accuracy by type, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = {int(k): v for k, v in report["hits_curve"].items() if v is not None}
    if curve:
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(list(curve), list(curve.values()), marker="o")
        ax.set(xlabel="k (distinct articles)", ylabel="hits@k", ylim=(0, 1.02), title="Retrieval: hits@k")
        ax.grid(alpha=0.3)
        _save(fig, out / "hits_at_k.png")
    answered = [r for r in records if r["total_s"] is not None]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    if answered:
        ax.hist([r["total_s"] for r in answered], bins=20, alpha=0.7, label="total s")
        ax.hist([r["ttft_s"] for r in answered], bins=20, alpha=0.7, label="first token s")
        ax.set(xlabel="seconds", ylabel="questions", title="Answer latency")
        ax.legend()
    else:
        ax.hist([r["retrieval_ms"] for r in records], bins=20)
        ax.set(xlabel="milliseconds", ylabel="questions", title="Retrieval latency")
    _save(fig, out / "latency.png")
    if report.get("accuracy_by_type"):
        types = report["accuracy_by_type"]
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.bar(list(types), [v["accuracy"] for v in types.values()])
        ax.set(ylabel="accuracy", ylim=(0, 1), title="Accuracy by question type")
        ax.tick_params(axis="x", rotation=30)
        _save(fig, out / "accuracy_by_type.png")


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
