"""The bundled sample archive and question set follow FORMATS.md and the sample's own promises."""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path


from eval import read_questions
from index.load import load
from index.types import Article, Problem
from rag import sample_files

DATA = Path(__file__).resolve().parents[1] / "rag" / "data"
QUESTION_TYPES = {"single", "disagreement", "cross_lingual", "multi_article", "temporal", "outlet", "follow_up", "null_query", "boilerplate_trap",
                  "near_miss", "correction", "as_of", "timeline"}


def records():
    out = []
    for path in sorted((DATA / "sample").rglob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            out.append((path, number, json.loads(line)))
    return out


def test_sample_files_are_listed_with_updates_last():
    files = sample_files()
    assert files and all(f.is_file() for f in files)
    assert not any(f.suffix == ".md" or f.name == "questions.jsonl" for f in files)
    updates = [i for i, f in enumerate(files) if f.parent.name == "updates"]
    assert updates and updates == list(range(len(files) - len(updates), len(files)))


def test_articles_follow_the_contract():
    ids = Counter()
    for path, number, r in records():
        where = f"{path.name}:{number}"
        assert isinstance(r.get("text"), str) and r["text"].strip(), where
        for name in ("id", "title", "url", "source", "published_at", "language"):
            assert isinstance(r.get(name), str) and r[name], f"{where}: {name}"
        assert datetime.fromisoformat(r["published_at"]).tzinfo is not None, where
        assert r["language"] in {"es", "en"}, where
        assert 150 <= len(r["text"].split()) <= 900, where
        if path.parent.name != "updates":
            ids[r["id"]] += 1
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_sample_file_loads_without_problems():
    items = list(load(sample_files()))
    assert [str(p) for p in items if isinstance(p, Problem)] == []
    articles = [a for a in items if isinstance(a, Article)]
    assert len({a.id for a in articles}) == 48
    assert all(a.source and a.title for a in articles)


def test_the_archive_is_varied_enough():
    base = [r for path, _, r in records() if path.parent.name != "updates"]
    languages = Counter(r["language"] for r in base)
    months = {r["published_at"][:7] for r in base}
    assert len(base) >= 40
    assert 0.5 <= languages["es"] / len(base) <= 0.7
    assert len({r["source"] for r in base}) >= 6 and len(months) >= 3


def test_questions_follow_the_contract_and_point_at_real_articles():
    questions = read_questions(DATA / "questions.jsonl")
    article_ids = {r["id"] for _, _, r in records()}
    texts = [a.text for a in load(sample_files()) if isinstance(a, Article)]  # as the index sees them
    assert len(questions) >= 80
    for q in questions:
        assert q.type in QUESTION_TYPES, q.id
        assert q.language in {"es", "en"}, q.id
        assert set(q.evidence_ids) <= article_ids, q.id
        assert bool(q.answers) == bool(q.evidence_ids or q.evidence_text), q.id
        assert all(any(t in text for text in texts) for t in q.evidence_text), q.id
        assert not q.follow_up_of or q.follow_up_of in {p.id for p in questions}, q.id
        if q.as_of:
            datetime.fromisoformat(q.as_of)
    kinds = Counter(q.type for q in questions)
    assert kinds["null_query"] + kinds["boilerplate_trap"] >= 10 and kinds["boilerplate_trap"] >= 2
    near = [q for q in questions if q.type == "near_miss"]
    assert len(near) >= 30 and all(not q.answers and set(q.meta["near_ids"]) <= article_ids for q in near)
    assert kinds["disagreement"] >= 8 and kinds["correction"] >= 4 and kinds["as_of"] >= 4
    assert all(q.meta["superseded"] for q in questions if q.type == "correction")
    assert all(q.as_of for q in questions if q.type == "as_of")
    crossing = [q for q in questions if q.type == "cross_lingual"]
    assert {q.language for q in crossing} == {"en", "es"}
