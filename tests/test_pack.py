"""Packing passages into the prompt: whole passages within a budget, or the sentences closest to the question."""

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from index.language import split_sentences
from index.types import Chunk, Source
from rag.pack import GAP, condense, fit, tokens
from rag.types import Hit

from .fakes import FakeEmbedder

BRIDGE = (
    "The council met on Monday. The new bridge over the Duero cost 14 million euros. "
    "Traffic will be diverted for two weeks. The mayor thanked the workers."
)
PORT = "Harbour works resume after the storm. Cranes were idle for a month. The port authority expects delays."


def hit(text: str, n: int, title: str = "Story") -> Hit:
    source = Source(title, "Diario Norte", published_at=datetime(2024, 3, 5, 9, tzinfo=timezone.utc))
    return Hit(Chunk(f"a{n}#0", f"a{n}", text, 0, source), 1.0 / n, n)


def test_sentences_split_at_full_stops_and_line_breaks():
    assert split_sentences("Él dijo «basta.» Luego se fue.\nOtro párrafo. ¿Y ahora? 12 votos.") == [
        "Él dijo «basta.»", "Luego se fue.", "Otro párrafo.", "¿Y ahora?", "12 votos."
    ]


def test_each_passage_keeps_its_best_sentence_in_order_with_gaps_marked():
    hits = [hit(BRIDGE, 1), hit(PORT, 2)]
    out = condense("How much did the bridge over the Duero cost?", hits, FakeEmbedder(), budget=1)
    assert out[0].excerpt == f"{GAP.lstrip()}The new bridge over the Duero cost 14 million euros.{GAP.rstrip()}"
    assert out[1].excerpt.count(".") == 1 and out[1].excerpt != PORT  # one sentence of its own
    assert [h.chunk for h in out] == [h.chunk for h in hits]  # the chunks themselves are untouched
    assert "cost 14 million euros" in out[0].passage and "thanked" not in out[0].passage


def test_the_budget_decides_how_many_more_sentences_are_kept():
    hits = [hit(BRIDGE, 1)]
    head = tokens(hit(" ", 1).passage)
    best, second = "The new bridge over the Duero cost 14 million euros.", "Traffic will be diverted for two weeks."
    two = condense("bridge Duero cost traffic diverted weeks", hits, FakeEmbedder(), budget=head + tokens(best) + tokens(second))
    assert two[0].excerpt == f"{GAP.lstrip()}{best} {second}{GAP.rstrip()}"  # adjacent: no gap between them
    whole = condense("bridge", hits, FakeEmbedder(), budget=10_000)
    assert whole[0].excerpt == "" and whole[0].passage == hits[0].passage


def test_retrievals_sentence_scores_choose_the_excerpt_without_embedding_again():
    class NoEmbedder(FakeEmbedder):
        def embed_documents(self, texts):
            raise AssertionError("the sentences were embedded again")

    parts = split_sentences(BRIDGE)
    scored = tuple((s, 0.9 if "Traffic" in s else 0.1) for s in parts)  # not what the words alone would choose
    out = condense("How much did the bridge cost?", [replace(hit(BRIDGE, 1), evidence=scored)], NoEmbedder(), budget=1)
    assert out[0].excerpt == f"{GAP.lstrip()}Traffic will be diverted for two weeks.{GAP.rstrip()}"
    with pytest.raises(AssertionError, match="embedded again"):  # without them, the sentences are embedded
        condense("How much did the bridge cost?", [hit(BRIDGE, 1)], NoEmbedder(), budget=1)


def test_a_one_sentence_passage_is_left_whole():
    out = condense("anything", [hit("Only one sentence here", 1)], FakeEmbedder(), budget=1)
    assert out[0].excerpt == ""


def test_fit_keeps_leading_passages_within_the_budget():
    hits = [hit(BRIDGE, 1), hit(PORT, 2)]
    assert fit(hits, 10_000) == hits and fit(hits, 1) == hits[:1]


def test_the_prompt_shows_excerpts_and_citations_quote_the_whole_passage(fake_archive):
    fake_archive.excerpt_tokens = 1
    fake_archive.llm.reply = "La obra costó 9 millones [1]."
    answer = fake_archive.ask("¿Qué se sabe del puente de Soria?")
    user = fake_archive.llm.calls[-1][-1]["content"]
    assert GAP.strip() in user and "La obra costó 9 millones." not in user  # the sentence closest to the question stays
    assert answer.citations and answer.citations[0].passage == answer.hits[0].chunk.text
    assert 0 <= answer.timings["excerpt_s"] < answer.timings["total_s"]
    fake_archive.excerpt_tokens = 0
    fake_archive.ask("¿Cuánto costó el puente de Soria?")
    assert fake_archive.llm.calls[-1][-1]["content"].count(GAP.strip()) == 0
