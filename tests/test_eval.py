import json
import re

from eval.questions import Question
from eval.runner import RESULTS, run

from .fakes import FakeSupport

QUESTIONS = [
    Question("q1", "How much did the Velport harbour repairs cost?", ["2 million euros"], evidence_ids=["a1"], type="single", language="en"),
    Question("q2", "And when did the ferries resume?", ["noon"], evidence_ids=["a1"], type="follow_up", language="en", follow_up_of="q1"),
    Question("q3", "Who won the chess final?", [], type="null_query", language="en"),
    Question("q4", "¿Cuánto costó el puente de Soria?", ["9 millones"], evidence_text=["La obra costó 9 millones."], type="cross_lingual", language="es"),
]
FORMATS_KEYS = {
    "retrieval": {"hits@1", "hits@5", "hits@10", "recall@10", "mrr@10", "ndcg@10"},
    "answer": {"accuracy", "exact_match", "f1", "abstention_recall", "false_abstention_rate"},
    "citations": {"recall", "precision"},
    "latency": {"retrieval_ms_p50", "retrieval_ms_p95", "ttft_s_p50", "total_s_p50"},
}


def test_full_run_writes_records_report_and_plots(fake_archive, tmp_path):
    fake_archive.llm.reply = "Repairs cost 2 million euros [1]."
    fake_archive.llm.replies = [fake_archive.llm.reply] * 4 + ["El puente costó 12 millones [1]."]  # q4: in no passage
    report = run(fake_archive, QUESTIONS, tmp_path / "run")
    for section, keys in FORMATS_KEYS.items():
        assert keys <= set(report[section]), section
    assert report["n_questions"] == 4
    # q1 correct; q2 wrong (no "noon"); q3 abstains: its answer names no one; q4 abstains: no passage has "12 millones"
    assert report["answer"]["accuracy"] == 0.5
    assert report["answer"]["abstention_recall"] == 1.0 and report["answer"]["false_abstention_rate"] == 0.3333
    assert report["retrieval"]["hits@1"] == 1.0  # a1 for q1/q2, the Soria article found by its text for q4
    records = [json.loads(line) for line in (tmp_path / "run" / RESULTS).read_text().splitlines()]
    assert [r["id"] for r in records] == ["q1", "q2", "q3", "q4"]
    assert records[0]["citations"] == ["a1"] and records[3]["gold_articles"] == ["a2"]
    assert records[3]["abstention"] == "unsupported" and records[3]["guess"] == "El puente costó 12 millones [1]."
    assert records[0]["abstention"] is None and records[0]["guess"] is None
    assert report["answer"]["abstained_by_unsupported"] == 2 and report["answer"]["abstained_by_model"] == 0
    follow_up = fake_archive.llm.calls[2]  # calls[1] rewrote the follow-up for retrieval
    assert follow_up[:2] == fake_archive.llm.calls[0] and records[1]["continued"]  # q1's prompt, continued
    assert json.loads((tmp_path / "run" / "report.json").read_text()) == json.loads(json.dumps(report))
    assert "| accuracy | 0.500 |" in (tmp_path / "run" / "report.md").read_text()
    for png in ("hits_at_k.png", "latency.png", "accuracy_by_type.png"):
        assert (tmp_path / "run" / png).read_bytes()[:4] == b"\x89PNG"


def test_citations_are_judged_when_a_support_judge_is_given(fake_archive, tmp_path):
    fake_archive.llm.reply = "Repairs cost 2 million euros [1]."
    fake_archive.llm.replies = [fake_archive.llm.reply] * 4 + ["El puente costó 12 millones [1]."]  # q4: in no passage
    report = run(fake_archive, QUESTIONS, tmp_path / "run", support=FakeSupport())
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "run" / RESULTS).read_text().splitlines())}
    assert records["q1"]["citation_recall"] == 1.0 and records["q1"]["citation_precision"] == 1.0
    assert records["q4"]["abstained"] and records["q4"]["citation_recall"] is None  # abstentions are not judged
    assert records["q1"]["support"] == [{"sentence": "Repairs cost 2 million euros.", "cited": [1], "supported": True}]
    judged = [r["citation_recall"] for r in records.values() if r["citation_recall"] is not None]
    assert report["citations"]["judged_answers"] == len(judged) == 2  # q1 and q2; q3 and q4 abstain
    assert report["citations"]["recall"] == round(sum(judged) / 2, 4)
    assert report["config"]["citation_judge"] == "fake-support"
    assert run(fake_archive, QUESTIONS, tmp_path / "plain")["citations"]["recall"] is None


def test_abstention_counts_as_correct_only_when_unanswerable(fake_archive, tmp_path):
    fake_archive.llm.reply = "NO_ANSWER"
    report = run(fake_archive, QUESTIONS, tmp_path / "run")
    assert report["answer"]["accuracy"] == 0.25
    assert report["answer"]["abstention_recall"] == 1.0 and report["answer"]["false_abstention_rate"] == 1.0
    assert report["answer"]["abstained_by_model"] == 4 and report["answer"]["abstained_by_unsupported"] == 0


def test_a_killed_run_resumes_where_it_stopped(fake_archive, tmp_path):
    out = tmp_path / "run"
    run(fake_archive, QUESTIONS, out, limit=2)
    with open(out / RESULTS, "a") as f:
        f.write('{"id": "q3", "quest')  # torn by a kill
    calls = len(fake_archive.llm.calls)
    report = run(fake_archive, QUESTIONS, out)
    assert len(fake_archive.llm.calls) - calls == 2  # only q3 and q4
    assert report["n_questions"] == 4
    assert [json.loads(line)["id"] for line in (out / RESULTS).read_text().splitlines()] == ["q1", "q2", "q3", "q4"]


def test_retrieval_only_leaves_generation_null(fake_archive, tmp_path):
    report = run(fake_archive, QUESTIONS, tmp_path / "run", retrieval_only=True)
    assert fake_archive.llm.calls == []
    assert report["answer"] is None and report["citations"] is None
    assert report["latency"]["ttft_s_p50"] is None and report["latency"]["retrieval_ms_p50"] > 0
    assert report["retrieval"]["mrr@10"] == 1.0
    assert report["retrieval"]["evidence_read"] == 1.0  # q4's sentence is in the passages an answer reads


def test_evidence_read_counts_the_gold_sentences_the_passages_hold():
    from eval.runner import evidence_read
    from index.types import Chunk
    from rag.types import Hit

    hits = [Hit(Chunk("c1", "a", "La obra costó\n9 millones. Abrió en mayo.", 0), 1.0, 1)]
    assert evidence_read(["la obra costo 9 millones.", "Abrió en junio."], hits) == 0.5
    assert evidence_read(["Abrió en mayo."], hits) == 1.0 and evidence_read(["Cerró."], []) == 0.0


def test_compare_lists_metrics_and_changed_questions(fake_archive, tmp_path, capsys):
    from ui.cli import main

    fake_archive.llm.reply = "Repairs cost 2 million euros [1]."
    fake_archive.llm.replies = [fake_archive.llm.reply] * 3 + ["The harbour master of Velport won [1]."]  # q3 answered
    run(fake_archive, QUESTIONS, tmp_path / "a")
    fake_archive.llm.reply = "NO_ANSWER"
    run(fake_archive, QUESTIONS, tmp_path / "b")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^answer\.abstention_recall +0\.000 +1\.000 +\+1\.000$", out, re.M)
    assert "questions whose outcome changed: 2" in out
    assert "q1: correct -> wrong" in out and "q3: wrong -> correct" in out


def test_import_squad_and_multihop(tmp_path, capsys):
    from eval.questions import read_questions
    from index.load import load
    from ui.cli import main

    squad = {"data": [{"title": "Puente", "paragraphs": [{"context": "El puente costó 9 millones.", "qas": [
        {"id": "s1", "question": "How much did the bridge cost?", "answers": [{"text": "9 millones", "answer_start": 16}] * 2}]}]}]}
    (tmp_path / "squad.json").write_text(json.dumps(squad))
    assert main(["eval", "import", "squad", str(tmp_path / "squad.json"), "--out", str(tmp_path / "sq"), "--language", "es"]) == 0
    [article] = list(load([tmp_path / "sq" / "articles.jsonl"]))
    [question] = read_questions(tmp_path / "sq" / "questions.jsonl")
    assert (article.id, article.language, question.answers, question.evidence_ids) == ("squad-00-0", "es", ["9 millones"], ["squad-00-0"])

    corpus = [{"title": "T", "author": None, "source": "Wire", "published_at": "2023-10-06T21:31:00+00:00", "category": "tech",
               "url": "https://w.example/1", "body": "Acme bought Beta for 5 billion."}]
    queries = [
        {"query": "Who bought Beta?", "answer": "Acme", "question_type": "inference_query",
         "evidence_list": [{"url": "https://w.example/1", "fact": "Acme bought Beta"}]},
        {"query": "Who bought Gamma?", "answer": "Insufficient information.", "question_type": "null_query", "evidence_list": []},
    ]
    (tmp_path / "corpus.json").write_text(json.dumps(corpus))
    (tmp_path / "mh.json").write_text(json.dumps(queries))
    assert main(["eval", "import", "multihop", str(tmp_path / "corpus.json"), str(tmp_path / "mh.json"), "--out", str(tmp_path / "mh")]) == 0
    [article] = list(load([tmp_path / "mh" / "articles.jsonl"]))
    first, null = read_questions(tmp_path / "mh" / "questions.jsonl")
    assert article.source == "Wire" and article.published_at.year == 2023 and article.meta["category"] == "tech"
    assert (first.answers, first.evidence_ids, first.evidence_text, first.type) == (["Acme"], [article.id], ["Acme bought Beta"], "inference_query")
    assert (null.answers, null.evidence_ids) == ([], [])


def test_a_question_is_searched_as_of_its_own_date(fake_archive, tmp_path):
    question = Question("t1", "What happened yesterday?", ["bridge"], evidence_ids=["a2"], as_of="2024-03-06")
    [record] = [json.loads(line) for line in _run_one(fake_archive, question, tmp_path / "6")]
    assert record["retrieved"][0] == "a2"  # published 5 March: the only article of "yesterday"
    question = Question("t2", "What happened yesterday?", ["harbour"], evidence_ids=["a1"], as_of="2024-03-02")
    [record] = [json.loads(line) for line in _run_one(fake_archive, question, tmp_path / "2")]
    assert record["retrieved"][0] == "a1"  # published 1 March


def _run_one(archive, question, tmp_path):
    run(archive, [question], tmp_path / "one", retrieval_only=True)
    return (tmp_path / "one" / RESULTS).read_text().splitlines()


def test_each_answer_is_classed_by_what_is_wrong_with_it(fake_archive, tmp_path):
    questions = [
        Question("c1", "How much did the Velport harbour repairs cost?", ["2 million euros"], evidence_ids=["a1"], language="en"),
        Question("c2", "How much did the Velport harbour repairs cost?", ["3 million euros"], evidence_ids=["a1"], language="en"),
        Question("c3", "Who won the chess final?", [], language="en"),
        Question("c4", "When did the Velport harbour reopen?", ["Friday"], evidence_ids=["a1"], language="en"),
    ]
    fake_archive.llm.replies = ["Repairs cost 2 million euros.", "Repairs cost 2 million euros [1].",
                                "Velport's harbour master won [1].", "NO_ANSWER"]
    report = run(fake_archive, questions, tmp_path / "run")
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "run" / RESULTS).read_text().splitlines())}
    assert records["c1"]["classes"] == [] and records["c1"]["answer"] == "Repairs cost 2 million euros [1]."  # cited by attribution
    assert records["c2"]["classes"] == ["wrong number"]
    assert records["c3"]["classes"] == ["answered unanswerable"]
    assert records["c4"]["classes"] == ["withdrawn"]
    assert report["classes"]["wrong number"] == 1 and report["classes"]["withdrawn"] == 1
    assert "| wrong number | 1 |" in (tmp_path / "run" / "report.md").read_text()


def test_classes_catch_a_missing_entity_a_second_language_and_an_uncited_sentence():
    from eval.classes import classify
    from index.types import Chunk, Source
    from rag.types import Answer, Hit

    spanish = [Hit(Chunk("c", "a", "El alcalde Ruiz inauguró la obra.", 0, Source("Obra", language="es")), 1.0, 1)]
    answer = Answer("Who opened the works?", "The alcalde opened the obra [1]. It was a big day.", hits=spanish)
    assert classify(answer, "Who opened the works?", "en", ["Ruiz"]) == ["no entity", "wrong language", "uncited"]


def test_a_disagreement_question_is_right_only_when_every_side_is_given_and_cited():
    from eval.metrics import states_all_cited

    gold = ["82 %", "57 %"]
    assert states_all_cited("El sindicato da un 82 % [1] y la empresa un 57 % [2].", gold)
    assert states_all_cited("El sindicato da un 82 % [1]. La empresa, un 57 % [1].", gold)
    assert not states_all_cited("El sindicato da un 82 % [1].", gold)
    assert not states_all_cited("El sindicato da un 82 % [1]. La empresa da un 57 %.", gold)
    assert not states_all_cited("", gold)


def test_a_correction_question_wants_the_corrected_figure_and_the_old_one_only_beside_it():
    from eval.metrics import supersedes

    gold, old = ["45.000", "45,000"], ["60.000", "60,000"]
    assert supersedes("It will produce 45,000 cubic meters a day [2].", gold, old)
    assert supersedes("It will produce 45,000 m3 [1][2]. Diario del Sur corrected the figure from 60,000 to 45,000 [2].", gold, old)
    assert not supersedes("It will produce 60,000 cubic meters a day [1].", gold, old)
    assert not supersedes("It will produce 45,000 m3 [2]. It was first put at 60,000 [1].", gold, old)
    assert not supersedes("It will produce 45,000 m3.", gold, old)  # uncited


def test_an_as_of_question_is_wrong_when_it_cites_a_later_article():
    from eval.runner import correct
    from rag.types import Answer, Citation

    q = Question("a1", "What capacity?", ["60,000"], type="as_of", as_of="2024-05-01")

    def answer(day):
        return Answer("What capacity?", "It will produce 60,000 cubic meters [1].",
                      citations=[Citation(1, "a", "Title", "Outlet", day, "", "")])

    assert correct(answer("2024-04-25T07:45:00+02:00"), q)
    assert not correct(answer("2024-06-10T09:30:00+02:00"), q)


def test_a_timeline_question_wants_dated_lines_in_order_cited_from_one_and_a_gold_event():
    from eval.metrics import is_timeline

    good = "2024-05-08: A strike was called [1].\n2024-05-22: An agreement gave a 4.5 % rise [2]."
    assert is_timeline(good, ["4.5"])
    assert not is_timeline(good, ["7 %"])  # the event asked for is missing
    assert not is_timeline("2024-05-22: A 4.5 % rise [2].\n2024-05-08: A strike was called [1].", ["4.5"])  # out of order
    assert not is_timeline("2024-05-08: A strike was called [2].\n2024-05-22: A 4.5 % rise [1].", ["4.5"])  # not from [1]
    assert not is_timeline("The workers got a 4.5 % rise [1].", ["4.5"])  # no timeline
