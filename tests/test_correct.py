"""Corrections: the right figure replaces the one a correction notice says was wrong, and the change is told."""

from datetime import datetime

from index.types import Chunk, Source
from rag.check import check
from rag.correct import corrections, is_notice, pairs, supersede
from rag.support import LexicalSupport
from rag.types import Hit, Query, Reply

NOTICE = "Corrección: la desaladora de Villamar producirá 45.000 metros cúbicos al día, no 60.000"
NOTICE_TEXT = ("Diario del Sur publicó el 25 de abril que la planta tendría una capacidad de 60.000 metros cúbicos de agua al día. "
               "Esa cifra era incorrecta. La capacidad real prevista es de 45.000 metros cúbicos de agua al día.")
ORIGINAL = "The plant approved by Villamar council will produce 60,000 cubic meters of drinking water a day."
CAPACITY = "What daily capacity will the Villamar desalination plant have?"


def hit(n, text, title, outlet, day, language):
    source = Source(title, outlet, f"https://x/{n}", datetime.fromisoformat(day), language)
    return Hit(Chunk(f"c{n}", f"a{n}", text, 0, source), 1.0, n, evidence=tuple((s, 0.9) for s in text.split(". ")))


def sample_hits():
    return [hit(1, ORIGINAL, "Villamar approves its desalination plant", "Coastal Tribune", "2024-04-25", "en"),
            hit(2, NOTICE_TEXT, NOTICE, "Diario del Sur", "2024-06-10", "es")]


def test_figures_set_against_each_other_are_read_as_wrong_then_right():
    def read(sentence):
        return [(w.text, r.text) for w, r in pairs(sentence)]

    assert read(NOTICE) == [("60.000", "45.000")]
    assert read("La participación no subió 4,7 puntos respecto a 2020, sino 1,1 puntos.") == [("4,7", "1,1")]
    assert read('No votaron "más de 1,24 millones de personas", sino 1.179.619.') == [("1,24 millones", "1.179.619")]
    assert read("Capacity will be 45,000 cubic meters per day, not the 60,000 it had first reported.") == [("60,000", "45,000")]
    assert read("Not 312 but 213 people were injured.") == [("312", "213")]
    # contrasts that correct nothing
    assert read("The 40 trains, not buses, left at 5.") == []
    assert read("There were 12 boats, but no 13th.") == []
    assert read("The proposal was backed by 8,148 members, or 68.4 per cent, with 3,764 voting against.") == []
    assert read("Turnout rose from 2020, not from 2016, to 64 %.") == []  # years are not corrected figures


def test_a_correction_is_read_from_a_notice_or_a_sentence_that_names_a_revision_only():
    assert is_notice(NOTICE) and is_notice("Correction: an earlier version misstated the turnout")
    assert not is_notice("Villamar approves its desalination plant")
    found = corrections(sample_hits())
    assert [(c.wrong.value, c.right.value, c.passage, c.outlet, c.published_at) for c in found] == [
        (60000, 45000, 2, "Diario del Sur", "2024-06-10")]
    plain = [hit(1, "The cost is 3 million, not 5 million, the mayor said.", "Budget", "Coastal Tribune", "2024-04-25", "en")]
    assert corrections(plain) == []  # no notice, no revision word: a contrast, not a correction


def test_the_wrong_figure_is_replaced_cited_to_the_correction_and_the_change_told():
    text, applied = supersede("The plant will produce 60,000 cubic meters a day [1].", corrections(sample_hits()), sample_hits(), "en")
    assert text == ("The plant will produce 45,000 cubic meters a day [1][2]. "
                    "The figure first reported, 60,000, was corrected to 45,000 (Diario del Sur, 10 June 2024) [2].")
    assert len(applied) == 1
    spanish, _ = supersede("La planta producirá 60.000 metros cúbicos al día [1].", corrections(sample_hits()), sample_hits(), "es")
    assert spanish.endswith("La cifra publicada primero, 60.000, se corrigió a 45.000 (Diario del Sur, 10 de junio de 2024) [2].")


def test_an_answer_with_the_right_figure_is_told_of_the_change_and_one_with_neither_is_left_alone():
    right, applied = supersede("It will produce 45.000 cubic meters [2].", corrections(sample_hits()), sample_hits(), "en")
    assert right.startswith("It will produce 45.000 cubic meters [2]. The figure first reported, 60,000, was corrected") and applied
    other = "The plant will cost 9 million euros [1]."
    assert supersede(other, corrections(sample_hits()), sample_hits(), "en") == (other, [])


def test_check_uses_the_corrected_figure_and_reports_the_correction_not_a_dispute():
    answer = check(Query(CAPACITY, "en", "answer", CAPACITY, expects="number"), sample_hits(),
                   Reply("The plant will produce 60,000 cubic meters of water a day [1].", declined=False), LexicalSupport())
    assert not answer.abstained and "45,000" in answer.text.split(".")[0] and "corrected" in answer.repairs
    assert answer.to_dict()["corrections"] == [{"wrong": "60.000", "right": "45.000", "n": 2, "source": "Diario del Sur",
                                                "published_at": "2024-06-10"}]
    assert answer.disagreements == [] and "The sources differ" not in answer.text
    assert {c.n for c in answer.citations} == {1, 2}
