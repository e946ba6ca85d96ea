"""Fusion variants scored over one set of candidates: what docs/RESULTS.md compares the default with.

    python -m bench.fusion --archive runs/xquad-archive --questions ../shared/data/xquad-dev/questions.en.jsonl

For each question (with ``evidence_ids``), the 60 chunks nearest by whole-passage vector and the 60
best by BM25 are the candidates; each gets its passage similarity, best-sentence similarity, BM25
rank and the share of the question its words hold (`KeywordIndex.coverage`). Every variant ranks the
same candidates, so the figures differ by the scoring alone. Articles are ranked by their best
chunk. Not measured here: question filters and the per-article cap (the eval runner has them).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import numpy as np

CANDIDATES = 60
RRF_K = 60
Features = dict[str, dict]  # chunk id -> its features
Scorer = Callable[[Features], dict[str, float]]


def features(archive, questions) -> list[tuple[set[str], Features]]:
    """The gold articles and the candidates' features of each question."""
    keyword = archive.retriever.keyword_index()
    out = []
    for q in questions:
        if not q.evidence_ids:
            continue
        query = np.asarray(archive.embedder.embed_query(q.question), dtype=np.float32)
        dense, words = keyword.nearest(query, CANDIDATES), keyword.search(q.question, CANDIDATES)
        chunks = {c.id: c for c, _ in [*dense, *words]}
        sentences = archive.store.sentences.get(list(chunks))
        dense_rank = {c.id: i for i, (c, _) in enumerate(dense, 1)}
        word_rank = {c.id: i for i, (c, _) in enumerate(words, 1)}
        rows = {}
        for cid, chunk in chunks.items():
            passage = float(keyword.vectors[keyword.rows[cid]] @ query)
            found = sentences.get(cid)
            best = float((found.vectors @ query).max()) if found is not None and len(found.vectors) else passage
            rows[cid] = {"article": chunk.article_id, "passage": passage, "sentence": best, "dense_rank": dense_rank.get(cid),
                         "word_rank": word_rank.get(cid), "coverage": keyword.coverage(q.question, chunk)}
        out.append((set(q.evidence_ids), rows))
    return out


def _rrf(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (RRF_K + rank)


def _ranks(rows: Features, score: Callable[[dict], float]) -> dict[str, int]:
    return {c: i for i, c in enumerate(sorted(rows, key=lambda c: -score(rows[c])), 1)}


def _held(rows: Features) -> float:
    """The share of the question its best five keyword matches hold (as `rag.retrieve` weighs the keyword ranking)."""
    best = sorted((f for f in rows.values() if f["word_rank"]), key=lambda f: f["word_rank"])[:5]
    return max((f["coverage"] for f in best), default=0.0)


def variants() -> dict[str, Scorer]:
    out: dict[str, Scorer] = {
        "passage vectors": lambda rows: {c: f["passage"] for c, f in rows.items()},
        "BM25": lambda rows: {c: -(f["word_rank"] or 10**6) for c, f in rows.items()},
        "best sentence": lambda rows: {c: f["sentence"] for c, f in rows.items()},
    }
    for w in (0.25, 0.5, 1.0):
        out[f"passage vectors + BM25 x {w}"] = lambda rows, w=w: {c: _rrf(f["dense_rank"]) + w * _rrf(f["word_rank"]) for c, f in rows.items()}
    for a in (0.3, 1.0):
        out[f"best sentence + {a} x passage"] = lambda rows, a=a: {c: f["sentence"] + a * f["passage"] for c, f in rows.items()}
    for w in (0.5, 1.0):
        def scaled(rows, w=w):
            ranks, weight = _ranks(rows, lambda f: f["sentence"]), w * _held(rows)
            return {c: _rrf(ranks[c]) + weight * _rrf(f["word_rank"]) for c, f in rows.items()}
        out[f"best sentence + BM25 x {w} x share held"] = scaled
    return out


def score(data: list[tuple[set[str], Features]], scorer: Scorer) -> tuple[float, float]:
    """hits@1 and MRR@10 over articles."""
    hits1 = mrr = 0.0
    for gold, rows in data:
        scores, best = scorer(rows), {}
        for cid, f in rows.items():
            best[f["article"]] = max(best.get(f["article"], -np.inf), scores[cid])
        ranked = sorted(best, key=lambda a: -best[a])[:10]
        first = next((i for i, a in enumerate(ranked, 1) if a in gold), None)
        hits1 += first == 1
        mrr += 1 / first if first else 0.0
    return hits1 / len(data), mrr / len(data)


def main(argv: list[str] | None = None) -> None:
    from eval.questions import read_questions
    from rag import Archive

    p = argparse.ArgumentParser(prog="python -m bench.fusion", description=__doc__.splitlines()[0])
    p.add_argument("--archive", type=Path, required=True)
    p.add_argument("--questions", type=Path, required=True, help="a question set with evidence_ids")
    args = p.parse_args(argv)
    data = features(Archive.open(args.archive, create=False), read_questions(args.questions))
    print(f"| variant | hits@1 | MRR@10 |  ({len(data)} questions)\n|---|---|---|")
    for name, scorer in variants().items():
        print("| {} | {:.3f} | {:.3f} |".format(name, *score(data, scorer)))


if __name__ == "__main__":
    main()
