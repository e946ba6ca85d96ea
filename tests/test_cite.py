from datetime import datetime, timezone

from index.types import Chunk, Source
from rag.cite import citations, clean_markers
from rag.types import Hit


def test_markers_are_normalised_and_out_of_range_ones_dropped():
    text, cited = clean_markers("A [1]. B [2, 3]. C [7]. D [1-3]. E [Passage 2]. F [0] [].", 3)
    assert text == "A [1]. B [2][3]. C. D [1][2][3]. E [2]. F."
    assert cited == [1, 2, 3]


def test_a_sentence_that_only_points_at_a_passage_gives_its_marker_to_the_one_before():
    text, cited = clean_markers("Jared Allen had 136 career sacks. This information is found in passage [1].", 2)
    assert (text, cited) == ("Jared Allen had 136 career sacks [1].", [1])
    assert clean_markers("Costó 9 millones. Fuente: [2]. Nada más.", 2)[0] == "Costó 9 millones [2]. Nada más."
    assert clean_markers("See passage [1].", 2)[0] == "See passage [1]."  # nothing before it


def test_no_markers():
    assert clean_markers("Plain answer.", 4) == ("Plain answer.", [])


def test_citations_follow_first_mention_and_carry_the_passage():
    hits = [
        Hit(Chunk(f"c{i}", f"a{i}", f"passage {i}", 0, Source(f"T{i}", "S", "u", datetime(2024, 6, 17, 10, tzinfo=timezone.utc))), 1.0, i)
        for i in (1, 2)
    ]
    [second, first] = citations([2, 1], hits)
    assert (second.n, second.article_id, second.quote, second.published_at) == (2, "a2", "passage 2", "2024-06-17")
    assert first.title == "T1"


def test_unmarked_sentences_are_attributed_by_numbers_and_names_across_languages():
    from rag.cite import attribute

    hits = [
        Hit(Chunk("c1", "a1", "Rusia y China firmaron un acuerdo comercial.", 0), 1.0, 1),
        Hit(Chunk("c2", "a2", "El nuevo acuerdo reemplazaría los documentos firmados entre Moscú y Pyongyang en 1961, 2000 y 2001.", 0), 1.0, 2),
    ]
    text = "The pact replaces documents signed by Moscow and Pyongyang in 1961, 2000 and 2001. Nothing else is known.\n12.400 came"
    assert attribute(text, hits) == (
        "The pact replaces documents signed by Moscow and Pyongyang in 1961, 2000 and 2001 [2]. Nothing else is known.\n12.400 came"
    )
    assert attribute("Visitors: 12.400 in total.", [Hit(Chunk("m", "m", "drew 12,400 visitors", 0), 1.0, 1)]) == "Visitors: 12.400 in total [1]."


def test_model_answer_without_markers_gets_citations(fake_archive):
    fake_archive.llm.reply = "Repairs at Velport cost 2 million euros."
    answer = fake_archive.ask("How much did the Velport repairs cost?")
    assert answer.text == "Repairs at Velport cost 2 million euros [1]."
    assert answer.citations[0].article_id == "a1"


def test_quotes_are_the_supporting_sentence_and_unsupported_sentences_are_marked(fake_archive):
    fake_archive.llm.reply = "Repairs at Velport cost 2 million euros [1]. It cost 7 million [1]."
    answer = fake_archive.ask("How much did the Velport harbour repairs cost?")
    [citation] = answer.citations
    assert citation.quote == "The harbour master said repairs cost 2 million euros."
    assert citation.quote in citation.passage and citation.passage == answer.hits[0].chunk.text
    assert answer.unsupported == ["It cost 7 million."]  # 7 is not in passage [1]
    assert answer.to_dict()["unsupported"] == ["It cost 7 million."]


def test_lexical_support_works_across_languages():
    from rag.support import LexicalSupport

    judge = LexicalSupport()
    passage = "El nuevo acuerdo reemplazaría los documentos firmados entre Moscú y Pyongyang en 1961, 2000 y 2001."
    assert judge.entails(passage, "The pact replaces the documents Moscow and Pyongyang signed in 1961, 2000 and 2001.")
    assert not judge.entails(passage, "The pact replaces the documents signed in 1965.")
    assert judge.entails(passage, "It replaces older agreements.")  # nothing checkable
    farmers = "Un total de 312 tractores recorrieron el jueves las calles de Villamar."
    assert judge.entails(farmers, "Farmers drove 312 tractors through Villamar.")  # a sentence's first word is not a name


def test_a_quote_spans_the_sentences_its_claims_rest_on():
    from rag.cite import best_quote

    passage = "Ferries resumed at noon. The mayor spoke. Repairs cost 2 million euros.\n\nNothing else."
    assert best_quote(["Ferries resumed at noon.", "Repairs cost 2 million."], passage) == (
        "Ferries resumed at noon. The mayor spoke. Repairs cost 2 million euros."
    )
    assert best_quote(["Unrelated zzz."], passage) == passage


def test_a_sentence_is_re_cited_to_the_passage_that_backs_it():
    from rag.check import verify
    from rag.support import LexicalSupport

    hits = [
        Hit(Chunk("c1", "a1", "The night train was announced on Monday.", 0, Source("Corridor summer timetable")), 1.0, 1),
        Hit(Chunk("c2", "a1", "It leaves Eastport at 0:40 and reaches Kellmoor at 2:55.", 1), 1.0, 2),
        Hit(Chunk("c3", "a2", "Turnout was 64.8%.", 0, Source("Results", published_at=datetime(2024, 4, 22, tzinfo=timezone.utc))), 1.0, 3),
    ]
    judge = LexicalSupport()
    text, weak, repairs = verify("The night train leaves at 0:40 [1]. Turnout was 64.8% in 2024 [1].", hits, judge)
    assert text == "The night train leaves at 0:40 [2]. Turnout was 64.8% in 2024 [3]." and weak == []  # 2024: its date
    assert repairs == ["recited", "recited"]
    # a name from one passage's title and a time from the other
    assert verify("The Corridor train leaves at 0:40 [3].", hits, judge)[0] == "The Corridor train leaves at 0:40 [1][2]."
    # two passages together, when neither alone has both numbers
    assert verify("It left at 0:40 with a 64.8% turnout [1].", hits, judge)[0] == "It left at 0:40 with a 64.8% turnout [2][3]."
    # what the question states needs no source; a sentence no passage backs is withdrawn
    question = "How many loans had Kelderby's library recorded by May 2025?"
    assert verify("Kelderby recorded 0:40 loans by May 2025 [1].", hits, judge, given=question)[0] == (
        "Kelderby recorded 0:40 loans by May 2025 [2].")
    assert verify("It leaves at 3:15 [2]. Markers after. [2]", hits, judge) == (
        "Markers after [2].", ["It leaves at 3:15."], [])
    # an uncited sentence is judged too, and cited where a passage backs it
    assert verify("It leaves at 2:55.", hits, judge) == ("It leaves at 2:55 [2].", [], ["recited"])
    assert verify("No markers at 9:59.", hits, judge) == ("", ["No markers at 9:59."], [])
    assert verify("Nothing to check here.", hits, judge) == ("Nothing to check here.", [], [])
