"""Run a question set against an archive: one JSON line per question, then the report.

Results are appended and flushed question by question, so a killed run resumes where it
stopped. Generation is greedy (temperature 0), so a rerun gives the same answers.
With a `Support` judge, each answer's citations are scored as ALCE does (`eval.citations`);
without one, citation recall and precision are null.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from rag import Archive, Hit
from rag.support import Support
from rag.types import Message, Turn

from index.language import fold
from index.language import question_language as answer_language

from . import metrics
from .citations import alce
from .classes import classify
from .questions import Question

RESULTS = "results.jsonl"
RETRIEVE_CHUNKS = 40  # chunks fetched to rank 10 distinct articles
DISAGREEMENT = "disagreement"  # a question type whose gold answers are the sides of a dispute, all to be given
CORRECTION = "correction"  # ... whose gold answer is a corrected figure: the figure corrected (``superseded``) only beside it
AS_OF = "as_of"  # ... asked as of a day (``as_of``): nothing published after it may be cited
TIMELINE = "timeline"  # ... asking how a story developed: dated lines in order, cited from [1], holding a gold event


def run(
    archive: Archive,
    questions: Sequence[Question],
    out: Path,
    retrieval_only: bool = False,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    support: Support | None = None,
) -> dict:
    """Answer (or only retrieve for) each question, append its record, return the report.

    ``progress`` gets the questions done and in all, before the first and after each one.
    """
    from .report import write_report

    out.mkdir(parents=True, exist_ok=True)
    questions = list(questions)[:limit] if limit else list(questions)
    path = out / RESULTS
    kept = [r for r in read_results(path) if (r["answer"] is None) == retrieval_only]
    _rewrite(path, kept)  # drops a line torn by a kill, and records of the other mode
    done = {r["id"]: r for r in kept}
    todo = [q for q in questions if q.id not in done]
    finished = len(questions) - len(todo)
    turns: dict[str, Turn | None] = {}  # a follow-up continues its question's prompt when that was answered in this run
    with open(path, "a", encoding="utf-8") as f:
        for q in todo:
            if progress:
                progress(finished, len(questions))
            record, turns[q.id] = evaluate(archive, q, retrieval_only, history=_history(q, done), support=support,
                                           turn=turns.get(q.follow_up_of or ""))
            done[q.id] = record
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
            finished += 1
    if progress:
        progress(finished, len(questions))
    records = [done[q.id] for q in questions]
    config = {
        "archive": str(archive.path), "embedder": archive.embedder.name, "top_k": archive.retriever.top_k,
        "keyword_weight": archive.retriever.keyword_weight, "ranking": archive.retriever.ranking,
        "question_filters": archive.question_filters,
        "excerpt_tokens": archive.excerpt_tokens, "prompts": str(archive.prompts_dir) if archive.prompts_dir else None,
        "model": None if retrieval_only else archive.llm.name, "retrieval_only": retrieval_only, "limit": limit,
        "citation_judge": None if retrieval_only or support is None else getattr(support, "name", type(support).__name__),
    }
    if not retrieval_only and hasattr(archive.llm, "replayed"):
        config["replayed_replies"] = archive.llm.replayed  # answered from an earlier run's replies (eval.replay)
    return write_report(records, out, config)


def evaluate(
    archive: Archive, q: Question, retrieval_only: bool, history: Sequence[Message] = (), support: Support | None = None,
    turn: Turn | None = None,
) -> tuple[dict, Turn | None]:
    """The record of one question, and what the model read for it (for a follow-up to continue)."""
    start = time.perf_counter()
    as_of = _as_of(q.as_of)
    hits, _ = archive.search(q.question, RETRIEVE_CHUNKS, as_of=as_of)  # as answering searches: dates and outlets understood
    retrieval_ms = (time.perf_counter() - start) * 1000
    ranked, relevant = rank_articles(hits, q, archive.store.article_text)
    if q.evidence_ids:  # a gold article folded into another outlet's copy is found as that copy
        relevant = {_canonical(archive, article_id) for article_id in relevant}
    record = {
        "id": q.id, "question": q.question, "type": q.type, "language": q.language, "gold_answers": q.answers,
        "gold_articles": sorted(relevant), "n_gold": len(relevant) if q.evidence_ids else len(q.evidence_text),
        "retrieved": ranked[:10], "retrieval_ms": round(retrieval_ms, 2),
        "answer": None, "abstained": None, "abstention": None, "guess": None, "citations": None, "correct": None, "exact_match": None, "f1": None,
        "ttft_s": None, "total_s": None, "citation_recall": None, "citation_precision": None, "support": None,
    }
    if retrieval_only:
        if q.evidence_text:
            read, _ = archive.search(q.question, as_of=as_of)  # the passages an answer would read
            record["evidence_read"] = evidence_read(q.evidence_text, read)
        return record, None
    answer = archive.ask(q.question, history=history, as_of=as_of, turn=turn)
    answerable = bool(q.answers)
    record.update(
        answer=answer.text,
        abstained=answer.abstained,
        abstention=abstention(answer),
        guess=answer.guess or None,
        citations=[c.article_id for c in answer.citations],
        correct=correct(answer, q),
        exact_match=metrics.exact_match(answer.text, q.answers) if answerable else None,
        f1=metrics.f1(answer.text, q.answers) if answerable else None,
        classes=classify(answer, q.question, q.language or answer_language(q.question), q.answers),
        repairs=answer.repairs or None,
        withdrawn=answer.unsupported or None,
        ttft_s=round(answer.timings.get("ttft_s", 0.0), 3),
        total_s=round(answer.timings.get("total_s", 0.0), 3),
        **{k: answer.usage[k] for k in ("prompt_tokens", "cached_tokens", "completion_tokens") if k in answer.usage},
    )
    if turn is not None:  # a follow-up: whether its prompt continued the previous one's
        record["continued"] = answer.turn is not None and answer.turn.messages[:len(turn.messages)] == turn.messages
    if q.evidence_text:
        record["evidence_read"] = evidence_read(q.evidence_text, answer.hits)
    if support is not None and not answer.abstained:
        scored = alce(answer.text, [hit.passage for hit in answer.hits], support)
        record.update(
            citation_recall=round(scored["recall"], 4), citation_precision=round(scored["precision"], 4), support=scored["sentences"]
        )
    return record, answer.turn


def correct(answer, q: Question) -> bool:
    """Whether ``answer`` is right: for a ``disagreement`` question every side's figure is given and
    cited (`metrics.states_all_cited`); for a ``correction`` one the corrected figure is given and
    the figure it corrects only beside it (`metrics.supersedes`); a ``timeline`` one is a timeline
    holding a gold event (`metrics.is_timeline`); a question asked ``as_of`` a day
    cites nothing published later; the others contain a gold answer. An unanswerable question is
    right only when abstained on."""
    if not q.answers:
        return answer.abstained
    if answer.abstained:
        return False
    if q.type == DISAGREEMENT:
        return metrics.states_all_cited(answer.text, q.answers)
    if q.type == CORRECTION:
        return metrics.supersedes(answer.text, q.answers, q.meta.get("superseded", []))
    if q.type == TIMELINE:
        return metrics.is_timeline(answer.text, q.answers)
    if q.as_of and any(c.published_at[:10] > q.as_of[:10] for c in answer.citations if c.published_at):
        return False
    return metrics.contains_answer(answer.text, q.answers)


def evidence_read(evidence: Sequence[str], hits: Sequence[Hit]) -> float:
    """The share of the gold ``evidence`` strings that the passages the model read hold (compared
    without case, accents or line breaks). Evidence split across two chunks counts as not read."""
    def norm(text: str) -> str:
        return " ".join(fold(text).split())

    read = norm(" ".join(hit.chunk.text for hit in hits))
    return round(sum(norm(e) in read for e in evidence) / len(evidence), 4) if evidence else 0.0


def abstention(answer) -> str | None:
    """Why an answer abstained: ``no passages`` retrieved, the ``model`` said so, or its answer was
    withdrawn as ``unsupported`` by its passages (the withdrawn text is the record's ``guess``)."""
    if not answer.abstained:
        return None
    return "unsupported" if answer.guess else "model" if answer.hits else "no passages"


def rank_articles(hits: Sequence[Hit], q: Question, article_text=None) -> tuple[list[str], set[str]]:
    """Distinct articles in rank order, and which of them are gold.

    Gold is ``evidence_ids`` when given; otherwise an article whose text contains one of the
    ``evidence_text`` strings: its whole text when ``article_text(id)`` is given, else only its
    retrieved passages.
    """
    ranked: list[str] = []
    texts: dict[str, str] = {}
    for hit in hits:
        article = hit.chunk.article_id
        if article not in texts:
            ranked.append(article)
            texts[article] = ""
        texts[article] += " " + " ".join(hit.chunk.text.split())
    if q.evidence_ids:
        return ranked, set(q.evidence_ids)
    if article_text is not None:
        texts = {a: " ".join(article_text(a).split()) for a in ranked}
    wanted = [" ".join(t.split()) for t in q.evidence_text]
    return ranked, {a for a, text in texts.items() if any(w in text for w in wanted)}


def _as_of(value: str) -> datetime | None:
    """A question's ``as_of`` day ("2024-05-17"): noon UTC, so that "yesterday" is the day before."""
    if not value:
        return None
    day = datetime.fromisoformat(value)
    return day.replace(hour=12, tzinfo=timezone.utc) if day.tzinfo is None and len(value) <= 10 else day


def _canonical(archive: Archive, article_id: str) -> str:
    entry = archive.manifest.get(article_id)
    return entry.canonical if entry and entry.state == "copy" and entry.canonical else article_id


def read_results(path: Path) -> list[dict]:
    """Records of a (possibly interrupted) run; a torn last line is ignored."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return out


def _rewrite(path: Path, records: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


def _history(q: Question, done: dict) -> list[Message]:
    previous = done.get(q.follow_up_of) if q.follow_up_of else None
    if not previous or previous.get("answer") is None:
        return []
    return [{"role": "user", "content": previous["question"]}, {"role": "assistant", "content": previous["answer"]}]
