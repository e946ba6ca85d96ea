"""One text run by several outlets is one source: questions about independent confirmation."""

from rag import Archive
from rag.sources import asks_independence

from .conftest import write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_copies import story, syndicated

CONFIRMED = "Do two independent outlets confirm that Ashford approved 1.2 million euros for road repairs?"
OWN_WORDS = {"id": "own", "title": "Ashford sets aside money for its streets", "source": "Coast Times",
             "published_at": "2024-04-03", "language": "en",
             "text": "Ashford will spend 1.2 million euros on its roads this year. Our reporter was at the council "
                     "meeting, where the opposition asked why the river path comes first. The vote was close."}


def archive_of(tmp_path, articles, reply="NO_ANSWER"):
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM(reply))
    archive.ingest([write_jsonl(tmp_path / "news.jsonl", articles)])
    return archive


def test_a_question_about_independent_confirmation_is_recognised_in_english_and_spanish():
    assert asks_independence(CONFIRMED)
    assert asks_independence("¿Confirman dos medios independientes que 43 buques esperaban frente a Puerto Alcor?")
    assert asks_independence("Did the two papers report the fine separately?")
    assert not asks_independence("How much did Ashford approve for road repairs?")
    assert not asks_independence("Who heads the independent commission that studies the fire?")  # no outlets asked about


def test_a_story_two_outlets_ran_as_one_text_is_one_source_even_when_the_model_declines(tmp_path):
    original = story("a")
    archive = archive_of(tmp_path, [original, syndicated(original)])
    assert archive.stats()["articles"] == 1  # the copy is folded into the first
    answer = archive.ask(CONFIRMED)
    assert not answer.abstained and "one source" in answer.repairs
    assert answer.text == ("No: Local Wire and Valley Post ran the same text, so they are one source, "
                           "not independent confirmation [1].")
    assert [c.article_id for c in answer.citations] == ["a"] and answer.citations[0].alternates[0]["source"] == "Valley Post"


def test_an_outlet_s_own_report_of_the_same_figures_leaves_the_model_s_answer(tmp_path):
    original = story("a")
    archive = archive_of(tmp_path, [original, syndicated(original), OWN_WORDS], reply="Yes: both report 1.2 million euros [1][2].")
    answer = archive.ask(CONFIRMED)
    assert "one source" not in answer.repairs and "same text" not in answer.text


def test_other_questions_about_a_copied_story_are_answered_as_before(tmp_path):
    original = story("a")
    archive = archive_of(tmp_path, [original, syndicated(original)], reply="The council approved 1.2 million euros [1].")
    answer = archive.ask("How much did the Ashford council approve for road repairs?")
    assert answer.text == "The council approved 1.2 million euros [1]." and "one source" not in answer.repairs
