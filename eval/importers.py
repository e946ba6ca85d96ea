"""Turn public question sets into newsrag's formats (FORMATS.md): an archive JSONL and a question JSONL.

SQuAD-style JSON (SQuAD, XQuAD): each paragraph becomes an article, each question points at
its paragraph. MultiHop-RAG: the corpus becomes articles (ids from their urls), the queries
become questions with their evidence facts; "Insufficient information." marks a question the
archive cannot answer. Other layouts are not handled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from index.errors import InputError

UNANSWERABLE = "insufficient information."


def write_jsonl(path: Path, records) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def import_squad(path: Path, out: Path, language: str = "", prefix: str = "squad") -> tuple[int, int]:
    """SQuAD/XQuAD JSON -> ``out/articles.jsonl`` and ``out/questions.jsonl``; returns their counts."""
    data = _load_json(path, "data")
    articles, questions = [], []
    for i, doc in enumerate(data["data"]):
        for j, paragraph in enumerate(doc.get("paragraphs", [])):
            article_id = f"{prefix}-{i:02d}-{j}"
            articles.append({"id": article_id, "title": doc.get("title", ""), "text": paragraph["context"], "language": language})
            for qa in paragraph.get("qas", []):
                answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                if qa.get("is_impossible"):
                    answers = []
                questions.append({
                    "id": qa["id"], "question": qa["question"], "answers": answers,
                    "evidence_ids": [article_id] if answers else [], "language": language,
                })
    return write_jsonl(out / "articles.jsonl", articles), write_jsonl(out / "questions.jsonl", questions)


def import_multihop(corpus: Path, queries: Path, out: Path) -> tuple[int, int]:
    """MultiHop-RAG ``corpus.json`` + ``MultiHopRAG.json`` -> newsrag articles and questions."""
    docs = _load_json(corpus, None)
    ids = {}
    articles = []
    for doc in docs:
        article_id = "mh-" + hashlib.sha1(doc["url"].encode()).hexdigest()[:12]
        ids[doc["url"]] = article_id
        articles.append({
            "id": article_id, "title": doc.get("title", ""), "text": doc["body"], "url": doc["url"],
            "source": doc.get("source", ""), "published_at": doc.get("published_at", ""), "author": doc.get("author"),
            "category": doc.get("category"), "language": "en",
        })
    questions = []
    for i, q in enumerate(_load_json(queries, None)):
        answerable = q.get("answer", "").strip().lower() != UNANSWERABLE
        evidence = q.get("evidence_list", []) if answerable else []
        questions.append({
            "id": f"mh-{i}", "question": q["query"], "answers": [q["answer"]] if answerable else [],
            "evidence_ids": list(dict.fromkeys(ids[e["url"]] for e in evidence if e.get("url") in ids)),
            "evidence_text": [e["fact"] for e in evidence if e.get("fact")],
            "type": q.get("question_type", ""), "language": "en",
        })
    return write_jsonl(out / "articles.jsonl", articles), write_jsonl(out / "questions.jsonl", questions)


def _load_json(path: Path, key: str | None):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: cannot read JSON ({e}); pass the original file") from e
    if key and (not isinstance(data, dict) or key not in data):
        raise InputError(f"{path}: no top-level '{key}' field; expected SQuAD-style JSON")
    if not key and not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list as in MultiHop-RAG's files")
    return data
