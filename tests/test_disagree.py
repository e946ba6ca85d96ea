"""Disagreements between passages: found by rules on quantities, stated from both sides, kept strict."""

from datetime import datetime

from index.types import Chunk, Source
from rag.check import check
from rag.disagree import disagreements, further_side, same_speaker, speaker, state_sides
from rag.support import LexicalSupport
from rag.types import Hit, Query, Reply


def hit(n, text, outlet, day, language="es", evidence=None, article=None):
    source = Source(f"Title {n}", outlet, f"https://x/{n}", datetime.fromisoformat(day), language)
    sentences = evidence if evidence is not None else [(s, 0.9) for s in text.split(". ")]
    return Hit(Chunk(f"c{n}", article or f"a{n}", text, 0, source), 1.0, n, evidence=tuple(sentences))


UNION = "Según el sindicato Rail Workers Alliance, el 82 % de los trabajadores secundó la huelga del Corredor Norte durante tres días."
COMPANY = "Según la operadora Corridor Rail Services, el seguimiento de la huelga del Corredor Norte fue del 57 %."
TURNOUT = "¿Qué seguimiento tuvo la huelga del Corredor Norte?"


def test_speakers_are_read_from_attributions_and_told_apart():
    assert speaker(UNION) == "el sindicato Rail Workers Alliance"
    assert speaker("The Association of Municipalities says about 2,400 people have fled.") == "The Association of Municipalities"
    assert speaker("Sumarían 33 escaños, justo la cifra necesaria.") == ""
    assert same_speaker("el CCEV", "el Centro de Coordinación de Emergencias de Valdemora (CCEV)")
    assert not same_speaker("el sindicato Rail Workers Alliance", "la operadora Corridor Rail Services")


def test_a_union_and_an_operator_disputing_turnout_are_both_stated_with_their_markers():
    hits = [hit(1, UNION, "El Observador Global", "2024-05-16"), hit(2, COMPANY, "Diario del Sur", "2024-05-16")]
    found = disagreements("El seguimiento fue del 82 % [1].", TURNOUT, hits)
    assert len(found) == 1 and found[0].about == "%"
    assert [(s.value, s.passage) for s in found[0].sides] == [("82 %", 1), ("57 %", 2)]
    text = state_sides("El seguimiento fue del 82 % [1].", found, hits, "es")
    assert text.startswith("El seguimiento fue del 82 % [1]. Las fuentes no coinciden:")
    assert "82 % [1]" in text.split(":", 1)[1] and "57 % [2]" in text
    assert "la operadora Corridor Rail Services" in text


def test_an_answer_that_states_both_sides_is_left_alone_but_carries_the_disagreement():
    hits = [hit(1, f"{UNION} {COMPANY}", "El Observador Global", "2024-05-16")]
    both = "El sindicato habla de un 82 % [1] y la empresa de un 57 % [1]."
    answer = check(Query(TURNOUT, "es", "answer", TURNOUT), hits, Reply(both, declined=False), LexicalSupport())
    assert answer.text == both
    assert answer.to_dict()["disagreements"][0]["sides"][1]["value"] == "57 %"


def test_check_appends_the_other_side_and_cites_it():
    hits = [hit(1, UNION, "El Observador Global", "2024-05-16"), hit(2, COMPANY, "Diario del Sur", "2024-05-17")]
    answer = check(Query(TURNOUT, "es", "answer", TURNOUT), hits, Reply("El 82 % de los trabajadores secundó la huelga [1].", declined=False),
                   LexicalSupport())
    assert "57 % [2]" in answer.text and [c.n for c in answer.citations] == [1, 2]
    assert "both sides" in answer.repairs and len(answer.disagreements) == 1


def test_an_abstention_and_an_undisputed_answer_carry_no_disagreement():
    hits = [hit(1, UNION, "El Observador Global", "2024-05-16"), hit(2, COMPANY, "Diario del Sur", "2024-05-16")]
    declined = check(Query(TURNOUT, "es", "answer", TURNOUT), hits, Reply(), LexicalSupport())
    assert declined.disagreements == [] and "disagreements" not in declined.to_dict()
    alone = check(Query(TURNOUT, "es", "answer", TURNOUT), hits[:1], Reply("El 82 % de los trabajadores secundó la huelga [1].", declined=False),
                  LexicalSupport())
    assert alone.disagreements == [] and "disagreements" not in alone.to_dict()


def evacuees():
    """The evacuees as an English wire and a Spanish paper count them."""
    return (hit(1, "The Association of Municipalities of the Sierra de Almena says about 2,400 people have been evacuated.",
                "Wire Press International", "2024-07-04", "en"),
            hit(2, "Según el CCEV, 1.150 personas han sido desalojadas en la Sierra de Almena.", "La Voz del Valle", "2024-07-03"))


def test_an_english_answer_names_a_spanish_speaker_by_name_and_writes_its_figure_in_english():
    english, spanish = evacuees()
    question = "How many people were evacuated in the Sierra de Almena?"
    found = disagreements("About 2,400 people were evacuated [1].", question, [english, spanish])
    text = state_sides("About 2,400 people were evacuated [1].", found, [english, spanish], "en")
    assert text.endswith("The sources differ: The Association of Municipalities of the Sierra de Almena gives 2,400 [1] "
                         "and CCEV gives 1,150 [2].")


def test_counts_of_different_days_revisions_and_other_things_are_no_disagreement():
    question = "¿Cuántas hectáreas quemó el incendio?"
    wednesday = hit(1, "El incendio había quemado 1.870 hectáreas el miércoles 3 de julio, según el CCEV.", "La Voz", "2024-07-03")
    thursday = hit(2, "El incendio había quemado 4.600 hectáreas el jueves 4 de julio, según el servicio forestal.", "Wire", "2024-07-04")
    assert disagreements("Quemó 1.870 hectáreas [1].", question, [wednesday, thursday]) == []
    final = hit(2, "La superficie quemada definitiva es de 6.240 hectáreas, según el servicio forestal.", "Wire", "2024-07-04")
    assert disagreements("Quemó 1.870 hectáreas [1].", question, [wednesday, final]) == []
    trains = hit(2, "Según la operadora, circularon 61 trenes durante la huelga.", "Wire", "2024-07-03")
    people = hit(1, "Según el sindicato, 800 viajeros se quedaron en tierra durante la huelga.", "La Voz", "2024-07-03")
    assert disagreements("Circularon 61 trenes [2].", "¿Cuántos trenes circularon durante la huelga?", [people, trains]) == []


def test_unattributed_figures_dispute_only_between_outlets_on_the_same_day():
    question = "¿Cuántos vecinos fueron desalojados?"
    one = hit(1, "Fueron desalojados 410 vecinos.", "La Voz", "2024-07-03")
    other = hit(2, "Fueron desalojados 380 vecinos.", "Diario del Sur", "2024-07-03")
    later = hit(2, "Fueron desalojados 380 vecinos.", "Diario del Sur", "2024-07-09")
    same_outlet = hit(2, "Fueron desalojados 380 vecinos.", "La Voz", "2024-07-03")
    attributed = hit(2, "Según el alcalde, fueron desalojados 380 vecinos.", "Diario del Sur", "2024-07-03")
    assert len(disagreements("Fueron 410 vecinos [1].", question, [one, other])) == 1
    for rival in (later, same_outlet, attributed):
        assert disagreements("Fueron 410 vecinos [1].", question, [one, rival]) == []


def test_sides_come_from_sentences_close_to_the_question_in_passages_about_it():
    far = hit(2, COMPANY, "Diario del Sur", "2024-05-16", evidence=[(COMPANY, 0.5), ("Otra frase del Corredor Norte.", 0.9)])
    near = hit(1, UNION, "El Observador Global", "2024-05-16")
    assert disagreements("Fue del 82 % [1].", TURNOUT, [near, far]) == []
    other_strike = hit(2, "Según la empresa, el seguimiento de la huelga del puerto fue del 57 %.", "Diario del Sur", "2024-05-16")
    assert disagreements("Fue del 82 % [1].", TURNOUT, [near, other_strike]) == []


def _disputed_answer():
    from rag.types import Answer, Citation, Disagreement, Side

    sides = (Side("el *sindicato* <b>", "82 %", 1, "El Observador Global"), Side("la operadora", "57 %", 2, "Diario del Sur"))
    cites = [Citation(n, f"a{n}", f"T{n}", "X", "2024-05-16", "", "q") for n in (1, 2)]
    return Answer(TURNOUT, "El 82 % [1].", cites, disagreements=[Disagreement("%", sides)])


def test_the_terminal_prints_a_disagreement_after_the_answer_and_before_the_sources(capsys):
    from ui.cli import show_answer

    show_answer([_disputed_answer()], live=False)
    out = capsys.readouterr().out
    assert out.index("El 82 % [1].") < out.index("la operadora: 57 % [2]") < out.index("Sources:")


def test_the_browser_shows_a_disagreement_escaped_and_the_api_returns_it():
    from ui.api import extras
    from ui.app import sources_markdown

    panel = sources_markdown(_disputed_answer())
    assert "el \\*sindicato\\* &lt;b&gt;\\: 82 % \\[1\\]" in panel and "<b>" not in panel
    assert panel.index("disagree") < panel.index('id="source-1"')
    assert extras(_disputed_answer())["disagreements"][0]["sides"][1] == {
        "speaker": "la operadora", "value": "57 %", "n": 2, "source": "Diario del Sur", "published_at": ""}


def test_a_spanish_answer_writes_an_english_side_with_spanish_separators_and_its_name_without_the_article():
    english, spanish = evacuees()
    question = "¿Cuántas personas fueron desalojadas en la Sierra de Almena?"
    found = disagreements("Fueron desalojadas 1.150 personas [2].", question, [english, spanish])
    text = state_sides("Fueron desalojadas 1.150 personas [2].", found, [english, spanish], "es")
    assert text.endswith("el CCEV da 1.150 [2] y Association of Municipalities of the Sierra de Almena, 2.400 [1].")


POLL_A = ("Alternativa Social de Valdemora ganaría las elecciones con 25 escaños, según la encuesta de Sondea Valle "
          "para La Voz del Valle publicada este jueves 11 de abril. Unión Valdemorana quedaría segunda con 22 escaños.")
POLL_B = ("Según la encuesta de Demoscopia Mediterránea, Unión Valdemorana ganaría las elecciones con 27 escaños. "
          "Alternativa Social de Valdemora quedaría segunda con 21 escaños. Verdes y Comarcas obtendría 8 escaños.")


def _polls():
    return [hit(1, POLL_A, "La Voz del Valle", "2024-04-11"), hit(2, POLL_B, "Crónica Levantina", "2024-04-05")]


def test_a_speaker_ends_with_its_names_and_carries_to_the_next_sentence_of_its_paragraph():
    assert speaker(POLL_A.split(". ")[0]) == "la encuesta de Sondea Valle para La Voz del Valle"
    found = disagreements("Unión Valdemorana quedaría segunda con 22 escaños [1].",
                          "¿Cuántos escaños daban las encuestas a Unión Valdemorana?", _polls())
    assert [(s.speaker, s.value) for s in found[0].sides] == [
        ("la encuesta de Sondea Valle para La Voz del Valle", "22"), ("la encuesta de Demoscopia Mediterránea", "27")]


def test_polls_a_week_apart_dispute_the_asked_party_s_seats_and_not_the_others():
    question = "¿Cuántos escaños daban los sondeos a Alternativa Social de Valdemora?"
    answer = check(Query(question, "es", "answer", question), _polls(),
                   Reply("Alternativa Social de Valdemora ganaría con 25 escaños [1].", declined=False), LexicalSupport())
    assert len(answer.disagreements) == 1
    assert "25 escaños [1]" in answer.text and "21 escaños [2]" in answer.text
    assert "8 escaños" not in answer.text and "27" not in answer.text and "22" not in answer.text


def test_an_answer_giving_no_figure_is_told_the_one_dispute_its_passage_holds():
    hits = [hit(1, f"{UNION} {COMPANY}", "El Observador Global", "2024-05-16")]
    answer = check(Query(TURNOUT, "es", "answer", TURNOUT), hits,
                   Reply("El sindicato y la empresa calcularon el seguimiento de forma distinta [1].", declined=False),
                   LexicalSupport())
    assert "82 % [1]" in answer.text and "57 % [1]" in answer.text and len(answer.disagreements) == 1
    two = hit(1, f"{UNION} {COMPANY} Según el sindicato, 800 viajeros se quedaron en tierra en el Corredor Norte. "
              "Según la operadora, fueron 300 viajeros en el Corredor Norte.", "El Observador Global", "2024-05-16")
    assert disagreements("Hubo huelga en el Corredor Norte [1].", TURNOUT, [two]) == []  # two disputes: which one is asked is not known


def test_an_answer_giving_no_figure_is_told_a_dispute_whose_other_side_is_in_an_earlier_passage():
    hits = [hit(1, COMPANY, "Diario del Sur", "2024-05-16"), hit(2, UNION, "El Observador Global", "2024-05-16")]
    found = disagreements("El sindicato y la empresa calcularon el seguimiento de forma distinta [2].", TURNOUT, hits)
    assert [(s.value, s.passage) for s in found[0].sides] == [("82 %", 2), ("57 %", 1)]  # the cited passage's side first


def test_a_day_in_the_answer_is_not_taken_for_the_other_side_s_figure():
    question = "¿Cuántos escaños daban los sondeos a Alternativa Social de Valdemora?"
    found = disagreements("Alternativa Social de Valdemora ganaría con 25 escaños [1].", question, _polls())
    text = state_sides("Alternativa Social de Valdemora ganaría el 21 de abril con 25 escaños [1].", found, _polls(), "es")
    assert text.endswith("la encuesta de Demoscopia Mediterránea, 21 escaños [2].")


DEMOSCOPIA = "Según la encuesta de Demoscopia Mediterránea para Crónica Levantina, Unión Valdemorana ganaría las elecciones con 27 escaños."
SONDEA = "Según la encuesta de Sondea Valle para La Voz del Valle, Unión Valdemorana quedaría segunda con 22 escaños."
RESULTS = "Unión Valdemorana obtuvo 24 escaños en las elecciones."
POLLED_SEATS = "¿Cuántos escaños daban las encuestas a Unión Valdemorana?"


def test_the_other_side_of_a_figure_is_found_in_a_passage_ranked_after_those_read():
    read = [hit(1, DEMOSCOPIA, "Crónica Levantina", "2024-04-05"), hit(2, RESULTS, "Diario del Sur", "2024-04-22")]
    asked = []

    def further():
        asked.append(True)
        return [read[1], hit(3, RESULTS + " Tierra Valdemorana logró 4 escaños.", "Diario del Sur", "2024-05-14"),
                hit(4, SONDEA, "La Voz del Valle", "2024-04-11")]

    answer = check(Query(POLLED_SEATS, "es", "answer", POLLED_SEATS), read, Reply("27 escaños [1]", declined=False), LexicalSupport(), further)
    assert asked and len(answer.hits) == 3 and answer.hits[2].chunk.text == SONDEA and answer.hits[2].rank == 3
    assert answer.text.startswith("27 escaños [1]. Las fuentes no coinciden:") and "22 escaños [3]" in answer.text
    assert [(s.value, s.passage) for s in answer.disagreements[0].sides] == [("27", 1), ("22", 3)]
    assert [c.n for c in answer.citations] == [1, 3]


def test_further_passages_are_not_searched_for_an_answer_without_a_figure_and_never_give_its_side():
    read = [hit(1, DEMOSCOPIA, "Crónica Levantina", "2024-04-05")]

    def further():
        raise AssertionError("searched")

    assert further_side("Unión Valdemorana ganaría las elecciones [1].", POLLED_SEATS, read, further) == ([], read)
    rivals = [hit(2, DEMOSCOPIA, "Crónica Levantina", "2024-04-05"), hit(3, SONDEA, "La Voz del Valle", "2024-04-11")]
    found, hits = further_side("27 escaños [1].", POLLED_SEATS, [hit(1, RESULTS, "Diario del Sur", "2024-04-22")], lambda: rivals)
    assert found == [] and len(hits) == 1  # the answer's 27 is not a side taken from a passage it did not read
    assert disagreements("27 escaños [1].", POLLED_SEATS, [hit(1, RESULTS, "Diario del Sur", "2024-04-22"), *rivals])


def test_an_archive_answer_cites_the_other_side_from_a_passage_after_those_it_read(tmp_path):
    from rag import Archive

    from .conftest import write_jsonl
    from .fakes import FakeEmbedder, FakeLLM

    polls = [{"id": "p1", "source": "Crónica Levantina", "published_at": "2024-04-05", "language": "es", "text": DEMOSCOPIA},
             {"id": "p2", "source": "La Voz del Valle", "published_at": "2024-04-11", "language": "es", "text": SONDEA}]
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "polls.jsonl", polls)])
    read = archive.search(POLLED_SEATS, top_k=1)[0][0].chunk
    archive.llm.reply = ("27 escaños [1]." if "27" in read.text else "22 escaños [1].")
    answer = archive.ask(POLLED_SEATS, top_k=1)
    assert len(answer.hits) == 2 and answer.hits[0].chunk.id == read.id and answer.hits[1].rank == 2
    assert "Las fuentes no coinciden" in answer.text and [c.n for c in answer.citations] == [1, 2]
    assert len(archive.llm.calls[-1][-1]["content"].split("[2]")) == 1  # the model read one passage
