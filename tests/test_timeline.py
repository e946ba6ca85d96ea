"""Timeline answers: dated lines in date order, one line per event, passages numbered as the lines cite them."""

from datetime import datetime

from index.types import Chunk, Source
from rag.check import check
from rag.support import LexicalSupport
from rag.timeline import events, lay_out
from rag.types import Hit, Query, Reply


def hit(n, text, outlet, day, language="en"):
    source = Source(f"Title {n}", outlet, f"https://x/{n}", datetime.fromisoformat(day), language)
    return Hit(Chunk(f"c{n}", f"a{n}", text, 0, source), 1.0, n)


HITS = [
    hit(1, "Rail Workers Alliance called a three-day strike on the Northern Corridor from 13 May.", "Northern Ledger", "2024-05-08"),
    hit(2, "Pay talks collapsed after seven hours.", "Northern Ledger", "2024-05-03"),
    hit(3, "La huelga del Corredor Norte comenzó el 13 de mayo con trenes parados.", "El Observador Global", "2024-05-14", "es"),
    hit(4, "The strike on the Northern Corridor began on 13 May with trains halted.", "Wire Press", "2024-05-14"),
    hit(5, "An agreement gave the workers a 4.5 % rise.", "El Observador Global", "2024-05-22"),
]


def test_lines_are_sorted_by_day_the_same_event_is_merged_and_passages_renumbered_from_one():
    reply = ("2024-05-22: The workers got a 4.5 % rise [5].\n"
             "2024-05-13: The strike on the Northern Corridor began with trains halted [4].\n"
             "2024-05-03: Pay talks collapsed after seven hours [2].\n"
             "2024-05-13: The Northern Corridor strike began; trains halted [3].")
    text, hits = lay_out(reply, HITS)
    assert text.splitlines() == [
        "2024-05-03: Pay talks collapsed after seven hours [1].",
        "2024-05-13: The strike on the Northern Corridor began with trains halted [2][3].",
        "2024-05-22: The workers got a 4.5 % rise [4].",
    ]
    assert [h.chunk.id for h in hits] == ["c2", "c4", "c3", "c5", "c1"]  # uncited passages last


def test_a_line_without_a_day_takes_its_passage_s_and_a_reply_that_is_no_timeline_is_kept():
    assert events("Pay talks collapsed [2].", HITS)[0].day == "2024-05-03"
    assert events("2024-05-13: The strike began [1].", HITS)[0].day == "2024-05-13"  # "from 13 May" in its passage
    assert events("2024-06-30: Pay talks collapsed [2].", HITS)[0].day == "2024-05-03"  # no passage gives that day
    prose = "The strike began on 13 May [4]."
    assert lay_out(prose, HITS) == (prose, HITS)


def test_check_lays_out_a_timeline_and_cites_in_the_order_shown():
    question = "How did the Northern Corridor strike develop?"
    reply = Reply("2024-05-13: The strike on the Northern Corridor began with trains halted [4].\n"
                  "2024-05-03: Pay talks collapsed after seven hours [2].", declined=False)
    answer = check(Query(question, "en", "timeline", question), HITS, reply, LexicalSupport())
    assert answer.text.startswith("2024-05-03: Pay talks collapsed after seven hours [1].\n2024-05-13:")
    assert [(c.n, c.article_id) for c in answer.citations] == [(1, "a2"), (2, "a4")]
    assert [h.chunk.id for h in answer.hits][:2] == ["c2", "c4"]


def test_a_timeline_the_model_declined_is_drawn_from_the_dated_passages_about_the_story():
    question = "How did the Northern Corridor strike develop?"
    hits = [Hit(h.chunk, h.score, h.rank, evidence=((h.chunk.text, 0.9),)) for h in HITS]
    answer = check(Query(question, "en", "timeline", question), hits, Reply(), LexicalSupport())
    assert not answer.abstained and "timeline from passages" in answer.repairs
    lines = answer.text.splitlines()
    assert lines[0] == "2024-05-03: Pay talks collapsed after seven hours [1]." and len(lines) == 5
    assert [c.n for c in answer.citations] == [1, 2, 3, 4, 5] and [line[:10] for line in lines] == sorted(line[:10] for line in lines)
    assert answer.foreign == ["2024-05-14: La huelga del Corredor Norte comenzó el 13 de mayo con trenes parados."]  # to translate
    other = "How did the Velport ferry dispute develop?"
    assert check(Query(other, "en", "timeline", other), hits, Reply(), LexicalSupport()).abstained  # not about the story


def test_a_line_of_several_sentences_keeps_its_first_with_the_line_s_markers():
    reply = ("2024-05-03: Pay talks collapsed after seven hours. The union said a ballot would follow [2].\n"
             "2024-05-22: The workers got a 4.5 % rise [5].")
    text, _ = lay_out(reply, HITS)
    assert text.splitlines() == ["2024-05-03: Pay talks collapsed after seven hours [1].",
                                 "2024-05-22: The workers got a 4.5 % rise [2]."]
