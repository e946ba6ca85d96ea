"""The checks that make an answer publishable: figures as values, the asked type, one language."""

import json
from dataclasses import replace
from datetime import datetime

import pytest

from index.language import foreign_words, singular
from index.types import Chunk, Source
from rag.check import check, delivers, rescale, verify
from rag.quantities import counted, quantities, spoken, times
from rag.support import LexicalSupport
from rag.types import Hit, Query, Reply
from rag.understand.expects import expects
from tests.conftest import write_jsonl
from tests.fakes import FakeEmbedder, FakeLLM


def values(text, language="en"):
    return [(q.value, q.unit) for q in quantities(text, language)]


def test_quantities_are_read_with_their_magnitudes_units_and_separators():
    assert values("12 mil millones de euros", "es") == [(12e9, "EUR")]
    assert values("12 billion euros") == values("€12bn") == [(12e9, "EUR")]
    assert values("12 million euros") == [(12e6, "EUR")]
    assert values("3.200 personas", "es") == values("3,200 people") == [(3200, "people")]
    assert values("4.600 hectáreas", "es") == values("4,600 hectares") == [(4600, "ha")]  # not 4,600 people
    assert values("312 tractores", "es") == [(312, "")]
    assert values("sus 711 988 habitantes", "es") == values("its 711,988 inhabitants") == [(711988, "")]  # spaced thousands
    assert values("el 1,5 y 2.200 000") == [(1.5, ""), (2200, ""), (0, "")]  # one separator throughout a number
    assert values("on June 30 150 people left") == [(30, ""), (150, "people")]  # a day, then a count
    assert values("1,5 millones", "es") == values("1.5 million") == [(1.5e6, "")]
    assert values("an 18.5-million-euro aid package") == [(18.5e6, "")] and values("a 3-day strike") == [(3, "")]
    assert values("el 82 % de la plantilla", "es") == values("82 per cent") == [(82, "%")]
    assert values("doce mil millones", "es") == [(12e9, "")]  # words, by text2num
    assert values("won 17-12 on 2024-05-16 at 0:40") == [(17, ""), (12, ""), (2024, ""), (16, "")]
    assert times("leaves at 12:40 a.m.") == times("0:40") == {(0, 40)} and times("41.20 pounds") == set()


def test_a_figure_counted_keeps_its_magnitude_word_while_numbers_in_words_become_digits():
    digits, found = counted("Las pérdidas son de 2,3 millones de euros al día y veinte mil personas esperan.", "es")
    assert digits == "Las pérdidas son de 2,3 millones de euros al día y 20000 personas esperan."
    assert [(q.value, word) for q, word in found] == [(2_300_000, ""), (20_000, "people")]


def test_a_counted_word_and_the_asked_noun_lose_their_plural_by_one_rule():
    assert [singular(w) for w in ("trenes", "trains", "loans", "buques", "homes", "bus")] == ["tren", "train", "loan", "buqu", "home", "bus"]
    _, found = counted("Circularon 61 trenes y 1.240 préstamos.", "es")
    assert [word for _, word in found] == [singular("trenes"), singular("préstamos")] == ["tren", "préstamo"]


def test_a_rounded_figure_matches_what_it_rounds_and_a_slipped_magnitude_is_told():
    [rounded], [exact] = quantities("1.2 million"), quantities("1.234.000", "es")
    assert rounded.matches(exact) and not exact.matches(rounded)
    [million], [billion] = quantities("12 million"), quantities("12 mil millones", "es")
    assert not million.matches(billion) and million.magnitude_slip(billion)
    [percent], [euros] = quantities("12%"), quantities("12 euros")
    assert not percent.matches(euros)
    assert spoken(12e9, "en") == "12 billion" and spoken(12e9, "es") == "12 mil millones"
    assert spoken(3200, "en") == "3,200" and spoken(3200, "es") == "3200" and spoken(1.5e6, "es") == "1,5 millones"


def test_lexical_support_compares_values_and_keeps_a_figure_beside_its_subject():
    judge = LexicalSupport()
    passage = ("Plan de Villamar (Diario del Sur, 2024-06-17)\nEl Gobierno aprobó una inversión de 12 mil millones de euros. "
               "Otro asunto.\n\nAparte, Ribera pagó 40 millones.")
    assert judge.entails(passage, "The government approved 12 billion euros.")
    assert not judge.entails(passage, "The government approved 12 million euros.")
    assert judge.entails(passage, "Ribera paid 40 million.")
    # a figure needs one of the claim's names the passage holds beside it: Ribera is two paragraphs away
    assert not judge.entails(passage + "\n\nMás tarde.\n\nOtra cosa.", "The firm Ribera approved 12 billion euros.")


def test_a_magnitude_lost_in_translation_is_rewritten_from_the_passage():
    passages = ["La obra costará 12 mil millones de euros."]
    assert rescale("It will cost 12 million euros [1].", passages) == "It will cost 12 billion euros [1]."
    assert rescale("It will cost 12 billion euros [1].", passages) == "It will cost 12 billion euros [1]."
    assert rescale("It will cost 7 million euros [1].", passages) == "It will cost 7 million euros [1]."
    english = ["The works will cost 3 billion euros."]
    assert rescale("Las obras costarán 3 millones de euros [1].", english, "es") == "Las obras costarán 3 mil millones de euros [1]."


def test_a_spanish_answer_gets_its_magnitude_repaired_in_spanish():
    judge = LexicalSupport()
    hits = [Hit(Chunk("c", "a", "The Velport harbour works will cost 3 billion euros, the port said.", 0), 1.0, 1)]
    text, weak, repairs = verify("Las obras del puerto de Velport costarán 3 millones de euros [1].", hits, judge, language="es")
    assert (text, weak, repairs) == ("Las obras del puerto de Velport costarán 3 mil millones de euros [1].", [], ["magnitude"])


def test_a_sentence_without_names_or_figures_is_cited_to_the_passage_that_holds_its_words():
    judge = LexicalSupport()
    hits = [Hit(Chunk("c1", "a1", "The council approved the plan by 17 votes to 12.", 0), 1.0, 1),
            Hit(Chunk("c2", "a2", "The spokesperson did not say whether the centre would revise its figure.", 0), 0.9, 2)]
    text, weak, _ = verify("The plan passed by 17 votes to 12 [1]. The spokesperson did not say whether the centre "
                           "would revise its figure. That matters.", hits, judge)
    assert text == ("The plan passed by 17 votes to 12 [1]. The spokesperson did not say whether the centre would revise "
                    "its figure [2]. That matters.") and weak == []  # a sentence no passage words stays as it is
    alone = "The spokesperson did not say whether the centre would revise its figure."
    assert verify(alone, hits, judge)[0] == alone  # an answer cited nowhere is left to be withdrawn as uncited


def test_a_sentence_put_together_from_two_passages_cites_both():
    judge = LexicalSupport()
    hits = [Hit(Chunk("c1", "a1", "That is more than double the figure of 1,150 evacuees given by the CCEV on Wednesday.", 0), 1.0, 1),
            Hit(Chunk("c2", "a1", "The count included only residents whose evacuation had been ordered and registered.", 1), 0.9, 2),
            Hit(Chunk("c3", "a2", "The count of 1,150 was given on Wednesday.", 0), 0.8, 3)]
    text, _, _ = verify("The figure of 1,150 evacuees given by the CCEV on Wednesday included only residents whose "
                        "evacuation had been ordered and registered [1].", hits, judge)
    assert text.endswith("registered [1][2].")
    assert verify("The CCEV gave 1,150 evacuees on Wednesday [1].", hits, judge)[0].endswith("Wednesday [1].")  # nothing lacking
    timeline = "2024-07-03: The figure of 1,150 evacuees given by the CCEV included only registered residents [1]."
    assert verify(timeline, hits, judge, whole=False)[0] == timeline  # a timeline line cites its own event only


def test_a_sentence_with_a_figure_does_not_cite_passages_that_do_not_state_it():
    judge = LexicalSupport()
    hits = [Hit(Chunk("c1", "a1", "The Tierra Alta cooperative of Los Olmares sells olive oil to Japan.", 0), 1.0, 1),
            Hit(Chunk("c2", "a1", "The Tierra Alta cooperative has 412 members and was founded in 1958.", 1), 0.9, 2),
            Hit(Chunk("c3", "a2", "Los Olmares has 412 olive groves and 9 mills.", 0), 0.8, 3)]
    text, _, _ = verify("The Tierra Alta cooperative has 412 members [1][2].", hits, judge)
    assert text == "The Tierra Alta cooperative has 412 members [2]."
    spread = verify("The Tierra Alta cooperative, founded in 1958, sells oil to Japan [1][2].", hits, judge)[0]
    assert spread.endswith("[1][2].")  # the figure's passage alone lacks "Japan": both stay
    unstated = verify("The Tierra Alta cooperative sells olive oil [1][2].", hits, judge)[0]
    assert unstated.endswith("[1][2].")  # no figure: nothing to tell the passages apart by


@pytest.mark.parametrize("question, kind", [
    ("How many people were evacuated?", "number"), ("¿Cuántos tractores participaron?", "number"),
    ("What percentage voted in favour?", "number"), ("When will the plant open?", "date"),
    ("¿En qué año se firmó?", "date"), ("Who won the contract?", "person"), ("¿Quién ganó?", "person"),
    ("Where will Putin travel next?", "place"), ("¿Adónde viajará Putin?", "place"),
    ("Which company won the contract?", "name"), ("¿Qué empresa construirá la planta?", "name"),
    ("What did the minister say?", None), ("Why did the talks fail?", None),
])
def test_what_a_question_asks_for(question, kind):
    assert expects(question) == kind


def test_an_answer_must_hold_what_the_question_asks_for():
    hits = [Hit(Chunk("c", "a", "El contrato fue para Hidrotec Levante, dijo Molina. Costó 48 millones.", 0), 1.0, 1)]
    assert delivers("name", "Hidrotec Levante won the contract [1].", "Which company won the contract?", hits)
    assert not delivers("name", "The company won the contract [1].", "Which company won the contract?", hits)
    assert not delivers("name", "Hidrotec won it [1].", "Did Hidrotec win the contract?", hits)  # the question's own name
    assert delivers("person", "Molina said so [1].", "Who said so?", hits)  # a name the passages write inside a sentence
    assert delivers("number", "It cost 48 million euros [1].", "How much did it cost?", hits)
    assert not delivers("number", "It cost a lot [1].", "How much did it cost?", hits)
    assert not delivers("number", "The 2024 plan cost money [1].", "How much did the 2024 plan cost?", hits)
    assert delivers("date", "On Friday [1].", "When did it open?") and delivers("date", "At noon [1].", "When?")
    assert not delivers("date", "It opened [1].", "When did it open?")
    assert not delivers("place", "The first 30 recruits will be trained in September [1].", "Where will the 30 recruits be trained?")
    assert delivers("place", "The first 30 recruits will be trained in Harwick [1].", "Where will the 30 recruits be trained?")


def test_words_of_the_passages_language_are_found_in_an_answer():
    assert foreign_words("The alcalde said the obras would end in primavera.", "en", "es") == ["alcalde", "obras", "primavera"]
    assert foreign_words("The mayor said the works would end in spring.", "en", "es") == []
    assert foreign_words("Diario del Sur quoted him: «las obras terminan».", "en", "es") == []  # names and quotations stay
    assert foreign_words("El pleno aprobó la planta.", "es", "en") == []
    assert foreign_words("In the barrios of the city, the conde kept the sede.", "en", "es") == ["barrios", "conde", "sede"]


def test_a_question_of_the_asked_type_without_it_abstains_keeping_the_guess(fake_archive):
    fake_archive.llm.reply = "The harbour reopened after the storm [1]."
    answer = fake_archive.ask("When did the Velport harbour reopen?")
    assert answer.abstained and answer.guess == "The harbour reopened after the storm [1]." and answer.repairs == ["no date"]
    fake_archive.llm.reply = "The harbour reopened on Friday [1]."
    assert not fake_archive.ask("When did the Velport harbour reopen?").abstained


def test_a_sentence_no_passage_backs_is_withdrawn_and_the_rest_kept(fake_archive):
    fake_archive.llm.reply = "Repairs at Velport cost 2 million euros [1]. Another 7 million came later [1]."
    answer = fake_archive.ask("How much did the Velport harbour repairs cost?")
    assert answer.text == "Repairs at Velport cost 2 million euros [1]." and answer.unsupported == ["Another 7 million came later."]
    fake_archive.llm.reply = "Repairs at Velport cost 2 billion euros [1]."  # the passage says 2 million
    answer = fake_archive.ask("How much did the Velport harbour repairs cost?")
    assert answer.text == "Repairs at Velport cost 2 million euros [1]." and answer.repairs == ["magnitude"]


def test_an_answer_with_no_citation_is_cited_by_its_first_word_or_withdrawn(fake_archive):
    fake_archive.llm.reply = "Ferries resumed at noon."  # its only name starts the sentence
    answer = fake_archive.ask("What happened to the ferries?")
    assert not answer.abstained and answer.text == "Ferries resumed at noon [1]." and [c.article_id for c in answer.citations] == ["a1"]
    fake_archive.llm.reply = "The service resumed after the storm, the harbour master said."  # nothing to tie it to a passage
    answer = fake_archive.ask("What happened to the ferries?")
    assert answer.abstained and answer.repairs == ["uncited"]


def test_a_share_of_another_group_does_not_answer_what_share_of_the_asked_one():
    from datetime import datetime

    from rag.understand.expects import counted_noun

    def hit(n, text):
        source = Source("Deal ratified", "Northern Ledger", "https://x/1", datetime(2024, 5, 31), "en")
        return Hit(Chunk(f"c{n}", f"a{n}", text, 0, source), 1.0, n, evidence=tuple((s, 0.9) for s in text.split(". ")))

    assert counted_noun("What share of conductors voted for the deal?") == "conductors"
    assert counted_noun("¿Cuántos escaños daban las encuestas?") == "escaños"
    assert counted_noun("How many people fled?") == counted_noun("What share of the Harwick Rovers members voted?") == ""
    members = hit(1, "Union members ratified the deal, with 78.6 percent voting in favour. The union has 3,200 drivers and conductors.")
    question = "What share of conductors voted in favour of the deal?"
    reply = Reply("78.6 percent of conductors voted in favour [1].", declined=False)
    answer = check(Query(question, "en", "answer", question, expects="number"), [members], reply, LexicalSupport())
    assert answer.abstained and answer.repairs[-1] == "figure of another count"
    drivers = hit(1, "Of the line's conductors, 61 percent voted in favour of the deal.")
    reply = Reply("61 percent of conductors voted in favour [1].", declined=False)
    assert not check(Query(question, "en", "answer", question, expects="number"), [drivers], reply, LexicalSupport()).abstained


def test_a_person_named_in_another_role_does_not_answer_who_holds_the_asked_one():
    from datetime import datetime

    from rag.check import asked_role

    def hit(text, language="en"):
        source = Source("New cabinet", "Coastal Tribune", "https://x/1", datetime(2024, 6, 20), language)
        return Hit(Chunk("c1", "a1", text, 0, source), 1.0, 1, evidence=tuple((s, 0.9) for s in text.split(". ")))

    assert asked_role("Who is the regional health minister in Marta Quiroga's government?") == {"regional", "health", "minister"}
    assert asked_role("¿Quién era el capitán del MV Elsby Star?") == {"capitan"}
    assert asked_role("Who is the individual that faces trial?") == asked_role("Who won the election?") == set()
    cabinet = hit("Marta Quiroga named her government on Thursday. Íñigo Salcedo of VyC will be regional minister for Ecological Transition. "
                  "Ana Ruiz will be regional health minister.")
    question = "Who is the regional health minister in Marta Quiroga's government?"
    query = Query(question, "en", "answer", question, expects="person")
    wrong = check(query, [cabinet], Reply("The regional health minister is Íñigo Salcedo [1].", declined=False), LexicalSupport())
    assert wrong.abstained and wrong.repairs[-1] == "person in another role"
    right = check(query, [cabinet], Reply("The regional health minister is Ana Ruiz [1].", declined=False), LexicalSupport())
    assert not right.abstained and "Ana Ruiz" in right.text
    # Words are not matched across languages: a Spanish passage leaves the answer to the other checks.
    spanish = hit("Íñigo Salcedo, de VyC, será consejero de Transición Ecológica.", "es")
    assert not check(query, [spanish], Reply("The regional health minister is Íñigo Salcedo [1].", declined=False),
                     LexicalSupport()).repairs[-1:] == ["person in another role"]


def test_another_name_where_the_question_puts_one_beside_a_verb_is_not_an_answer():
    from rag.check import same_names

    offer = "What did Ramón Ibarreta offer Verdes y Comarcas during the 2024 coalition talks?"
    assert not same_names("Ramón Ibarreta offered Tierra Valdemorana the presidency of the Cortes [1].", offer)
    assert same_names("Ramón Ibarreta offered Verdes y Comarcas the environment ministry [1].", offer)
    said = "What did Owen Pryce say about the new late-night train?"
    assert not same_names("Helen Marsh said the late train was welcome [1].", said)  # words given to another speaker
    assert same_names("Owen Pryce said the late train was welcome [1].", said)
    assert same_names("He said the late train was welcome [1].", said)  # no other name: the other checks decide
    assert same_names("Cerezal's heating network is expected to start working in November 2025 [2].",
                      "When is Cerezal's biomass district heating network expected to start working?")
    assert same_names("The Broncos beat the Pittsburgh Steelers [1].", "Who did the Broncos beat to win their division?")
    assert same_names("CRS offered a 2.5 percent rise [1].", "What did Corridor Rail Services offer the union?")  # an acronym


def test_a_figure_of_the_journey_the_other_way_round_is_not_an_answer():
    from rag.check import ends, same_direction

    assert ends("What time does the late train leave Kellmoor for Eastport?", ["Kellmoor", "Eastport"]) == {
        "Kellmoor": {"from"}, "Eastport": {"to"}}
    assert ends("¿A qué hora sale el tren de Eastport a Kellmoor?", ["Eastport", "Kellmoor"]) == {
        "Eastport": {"from"}, "Kellmoor": {"to"}}
    assert ends("The line runs between Eastport and Kellmoor.", ["Eastport", "Kellmoor"]) == {}
    assert ends("Who, according to TechCrunch, runs the line?", ["TechCrunch"]) == {}  # a source, not a journey's end
    spanish = Source("Horario de verano", "Diario Norte", language="es")
    english = Source("Summer timetable", "Northern Ledger", language="en")
    timetable = "Ese tren saldrá de Eastport a las 0:40 horas y llegará a Kellmoor a las 2:55 horas. El abono cuesta 286 libras."
    hits = [Hit(Chunk("h1#0", "h1", timetable, 0, spanish), 0.9, 1)]
    asked = "What time does the late train leave Kellmoor for Eastport?"
    assert not same_direction("The late train leaves Kellmoor for Eastport at 12:40 a.m. [1].", asked, hits)
    assert same_direction("The late train leaves Eastport for Kellmoor at 12:40 a.m. [1].",
                          "What time does the late train leave Eastport for Kellmoor?", hits)
    assert same_direction("The late train arrives in Kellmoor at 2:55 a.m. [1].",
                          "When does the late train from Eastport reach Kellmoor?", hits)
    assert same_direction("A monthly pass costs 286 pounds [1].", "How much is a pass from Kellmoor to Eastport?", hits)
    both = [*hits, Hit(Chunk("h2#0", "h2", "A late train will also leave Kellmoor at 12:40 a.m. for Eastport.", 0, english), 0.8, 2)]
    assert same_direction("The late train leaves Kellmoor for Eastport at 12:40 a.m. [1][2].", asked, both)


def test_a_sentence_in_two_languages_is_translated_and_keeps_its_markers(tmp_path):
    from rag import Archive

    spanish = [{"id": "s1", "title": "Obras en Soria", "source": "Diario Norte", "published_at": "2024-03-05", "language": "es",
                "text": "El alcalde de Soria dijo que las obras del puente terminarán en primavera, con un coste de 9 millones."}]
    llm = FakeLLM(replies=["The alcalde of Soria said the obras would end in primavera [1]. They cost 9 million [1].",
                           "The mayor of Soria said the works would end in spring."])
    archive = Archive.open(tmp_path / "a", embedder=FakeEmbedder(), llm=llm)
    archive.ingest([write_jsonl(tmp_path / "s.jsonl", spanish)])
    answer = archive.ask("What did the mayor of Soria say about the bridge works?")
    assert answer.text == "The mayor of Soria said the works would end in spring [1]. They cost 9 million [1]."
    assert "language" in answer.repairs and answer.foreign == [] and "repair_s" in answer.timings
    [system, user] = llm.calls[1]  # the sentence alone, without the passages
    assert "English: alcalde, obras, primavera\n" in user["content"]  # the words to translate, named
    assert user["content"].endswith("The alcalde of Soria said the obras would end in primavera.")
    assert len(llm.calls) == 2  # nothing left to translate: not reworded
    llm.replies = ["The alcalde of Soria said the obras would end in primavera [1].", "El alcalde dijo que sí.", "Said.",
                   "The mayor of Soria said the works would end in spring in 2030."]  # a figure the sentence has not
    answer = archive.ask("What did the mayor of Soria say about the bridge works?")  # a failed translation is not taken
    assert answer.text == "The alcalde of Soria said the obras would end in primavera [1]." and answer.foreign
    assert "change nothing else" in llm.calls[-3][0]["content"]  # the words alone, the sentence reworded, then whole
    assert "Replace each listed word" in llm.calls[-2][0]["content"] and "translate every other word" in llm.calls[-1][0]["content"]
    assert len(llm.calls) == 6


def test_a_count_only_a_passage_in_another_language_states_is_confirmed_by_the_model(tmp_path):
    from rag import Archive
    from rag.check import counted_across

    spanish = Source("Primera piedra", "AIN", language="es")
    text = "Fuera del recinto, unos 40 agricultores se concentraron con pancartas. Llegaron 312 tractores en mayo."
    hits = [Hit(Chunk("p1#0", "p1", text, 0, spanish), 0.9, 1)]
    asked = "How many tractors did the irrigators bring on 8 July?"
    assert counted_across("40 tractors came on 8 July [1].", asked, hits) == [(text.split(". ")[0] + ".", "40", "tractors")]
    assert counted_across("40 tractors came [1].", "How many people came?", hits) == []  # nothing counted by name
    english = [*hits, Hit(Chunk("p2#0", "p2", "About 40 tractors were there.", 0, Source("Ceremony", "Ledger", language="en")), 0.8, 2)]
    assert counted_across("40 tractors came [1][2].", asked, english) == []  # stated in the question's language: words decide

    articles = [{"id": "p1", "title": "Primera piedra", "source": "AIN", "published_at": "2024-07-08", "language": "es", "text": text}]
    llm = FakeLLM(replies=["About 40 tractors were brought to the ceremony [1].", "no"])
    archive = Archive.open(tmp_path / "a", embedder=FakeEmbedder(), llm=llm)
    archive.ingest([write_jsonl(tmp_path / "p.jsonl", articles)])
    answer = archive.ask(asked)
    assert answer.abstained and "figure of another count" in answer.repairs and answer.guess.startswith("About 40 tractors")
    [system, user] = llm.calls[1]  # the sentence alone
    assert "figure 40" in user["content"] and "count tractors" in user["content"] and "agricultores" in user["content"]
    llm.replies = ["About 40 tractors were brought to the ceremony [1].", "yes"]
    assert not archive.ask(asked).abstained


def test_eval_replays_recorded_replies_without_the_model(tmp_path, fake_archive):
    from eval.replay import REPLIES, record

    fake_archive.llm.reply = "The harbour reopened on Friday [1]."
    record(fake_archive, tmp_path / "first")
    first = fake_archive.ask("When did the Velport harbour reopen?")
    [line] = (tmp_path / "first" / REPLIES).read_text().splitlines()
    assert json.loads(line)["reply"] == "The harbour reopened on Friday [1]."

    class Unloadable(FakeLLM):
        def stream(self, messages, max_tokens=512):
            raise AssertionError("the model was asked although the reply was recorded")

    from rag import Archive

    again = Archive.open(fake_archive.path, embedder=FakeEmbedder(), llm=Unloadable())
    recorder = record(again, tmp_path / "second", replay=tmp_path / "first")
    assert again.ask("When did the Velport harbour reopen?").text == first.text and recorder.replayed == 1


def test_an_abstention_points_to_the_closest_passages_in_the_terminal_and_json(fake_archive, capsys):
    from ui.cli import main

    fake_archive.llm.reply = "NO_ANSWER"
    assert main(["ask", "Who opened the Velport lighthouse?"], archive=fake_archive) == 0
    out = capsys.readouterr().out
    assert out.startswith("The archive does not answer this question.\n\nClosest passages (they do not answer the question):\n[1] ")
    assert "Sources:" not in out
    data = fake_archive.ask("Who opened the Velport lighthouse?").to_dict()
    assert data["abstained"] and data["citations"] == [] and data["closest"][0]["title"] == "Port reopens after storm"


def test_a_folder_of_prompt_files_replaces_the_built_in_wording(tmp_path, fake_archive):
    (tmp_path / "answer.txt").write_text("### system\nHouse style: short.\n### user\n$passages\n\nQ: $question ($language)\n")
    fake_archive.prompts_dir = tmp_path
    fake_archive.ask("What happened in Velport?")
    system, user = fake_archive.llm.calls[-1]
    assert system["content"] == "House style: short." and user["content"].endswith("Q: What happened in Velport? (English)")
    fake_archive.ask("Did the ferries resume?")  # no yesno.txt in the folder: the built-in one
    assert fake_archive.llm.calls[-1][0]["content"].startswith("You answer yes-or-no questions")


def test_words_are_given_to_the_person_who_said_them():
    judge = LexicalSupport()
    passage = ("«Lo peor ya ha pasado», dijo el portavoz municipal, Enric Sala, junto a la alcaldesa Marta Vives. "
               "Fermín Olalla, president of the association and mayor of Valdeoscuro, said the count was low.")
    assert judge.entails(passage, "The town spokesman Enric Sala said the worst was over.")
    assert not judge.entails(passage, "Mayor Marta Vives said the worst was over.")  # named beside the quote, not quoted
    assert not judge.entails(passage, "The worst is over, said Marta Vives.")
    assert judge.entails(passage, "The mayor of Valdeoscuro, Fermín Olalla, said the count was low.")
    assert judge.entails(passage, "Marta Vives was there.")  # no words attributed: nothing to check


def test_a_question_about_one_year_is_not_answered_from_passages_of_others_but_undated_ones_may():
    from rag.check import grounded

    asked = "Who did the Broncos beat to win their division in 2015?"
    query = Query(asked, "en", "answer", asked)
    undated = Source("Super Bowl 50", "", language="es")
    text = "Los Broncos vencieron a los Pittsburgh Steelers en la ronda divisional por 23 a 16."
    answer = "The Broncos beat the Pittsburgh Steelers in the divisional round [1]."
    assert grounded(query, answer, [Hit(Chunk("x#0", "x", text, 0, undated), 0.9, 1)])  # no year to contradict it
    dated = Source("Playoffs", "Diario", published_at=datetime(2024, 1, 14), language="es")
    assert not grounded(query, answer, [Hit(Chunk("y#0", "y", text, 0, dated), 0.9, 1)])  # an article of 2024
    older = text + " Fue en la temporada de 2012."
    assert not grounded(query, answer, [Hit(Chunk("z#0", "z", older, 0, undated), 0.9, 1)])  # it names another year


def test_a_figure_is_backed_only_for_the_day_and_year_the_claim_gives_it():
    judge = LexicalSupport()
    passage = "El jueves 4 de julio volaban 19 aeronaves sobre la Sierra de Almena. El sábado 6 de julio llovió."
    assert judge.entails(passage, "19 aircraft were fighting the fire on 4 July.")  # "July" is a date, not a name to find
    assert judge.entails(passage, "On Thursday, July 4, 19 aircraft flew.")
    assert not judge.entails(passage, "19 aircraft were fighting the fire on Saturday 6 July.")
    seats = "Resultados (Diario, 2024-04-22)\nEn 2020 el partido obtuvo 28 escaños.\n\nEn 2016 votó el 70 %."
    assert judge.entails(seats, "The party won 28 seats in 2020.")
    assert not judge.entails(seats, "The party won 28 seats in 2016.")
    assert judge.entails(seats, "In 2024 turnout data were published.")  # the heading's date


def test_according_to_the_passage_names_no_speaker():
    judge = LexicalSupport()
    passage = "Cerezal tendrá una red de calor. Dará calefacción a 620 viviendas a partir de noviembre de 2025."
    assert judge.entails(passage, "According to the passage, Cerezal's network will start in November 2025.")


def test_the_names_a_question_writes_are_phrases():
    from rag.check import name_phrases

    assert name_phrases("¿Cuántas grúas se automatizarán en la Terminal Sur de Puerto Alcor?") == ["Terminal Sur de Puerto Alcor"]
    assert name_phrases("Who managed FTX and Alameda Research?") == ["FTX", "Alameda Research"]
    assert name_phrases("Según La Voz del Valle, ¿qué pasó?") == ["Voz del Valle"]
    assert name_phrases("How much will Harwick Rovers' new stadium cost?") == ["Harwick Rovers"]


def test_a_how_many_figure_must_come_from_a_sentence_about_the_question():
    from rag.check import on_point

    evidence = (("Evacuaron a 300 vecinos.", 0.90), ("El fuego dañó 40 viviendas.", 0.84))
    hits = [Hit(Chunk("c", "a", "Evacuaron a 300 vecinos. El fuego dañó 40 viviendas.", 0), 1.0, 1, evidence=evidence)]
    assert on_point("300 residents were evacuated [1].", "How many people were evacuated?", hits)
    assert not on_point("40 people were evacuated [1].", "How many people were evacuated?", hits)
    assert on_point("40 people were evacuated [1].", "How many people were evacuated?", [replace(hits[0], evidence=())])
    # across languages sentences are less similar: a Spanish one is compared with the best Spanish one
    spanish = Chunk("s", "b", "Evacuaron a 300 vecinos.", 0, Source(language="es"))
    english = Chunk("e", "c", "The valley fire burned for days. It damaged 40 homes.", 0, Source(language="en"))
    mixed = [Hit(english, 1.0, 1, evidence=(("The valley fire burned for days.", 0.91), ("It damaged 40 homes.", 0.88))),
             Hit(spanish, 0.9, 2, evidence=(("Evacuaron a 300 vecinos.", 0.85),))]
    assert on_point("300 residents were evacuated [2].", "How many people were evacuated?", mixed)
    assert not on_point("40 people were evacuated [1].", "How many people were evacuated?", [replace(mixed[0], evidence=(
        ("The valley fire burned for days.", 0.91), ("It damaged 40 homes.", 0.85)))])


def test_a_figure_for_the_day_the_question_names_comes_from_a_sentence_about_that_day():
    from rag.check import same_day
    from rag.quantities import days

    assert days("el jueves 7 de marzo") == days("Thursday, March 7th") != days("Friday 8 March")
    assert days("the 3 may be late") == []
    spanish = Chunk("s", "a", "El jueves 7 de marzo llegaron 42 ferris. El viernes 8 de marzo llegaron 37.", 0,
                    Source(language="es"))
    hits = [Hit(spanish, 1.0, 1)]
    asked = "How many ferries arrived on Friday 8 March?"
    assert same_day("37 ferries arrived [1].", asked, hits) == "37 ferries arrived [1]."
    assert same_day("42 ferries arrived on Friday [1].", asked, hits) == "37 ferries arrived on Friday [1]."
    # Thursday's figure, and no sentence about Saturday
    assert same_day("42 ferries arrived [1].", "How many ferries arrived on Saturday 9 March?", hits) is None
    assert same_day("42 ferries arrived [1].", "How many ferries arrived in March?", hits) == "42 ferries arrived [1]."
    # a sentence about several days gives way to the one about the asked day alone
    english = Chunk("e", "b", "The fair drew 9,800 people on Friday 12 April and Saturday 13 April. "
                    "On Saturday alone, 6,300 came. Parking was free.", 0, Source(language="en"))
    fair = [Hit(english, 1.0, 1)]
    assert same_day("The fair drew 9,800 people on the Saturday [1].", "How many people came to the fair on Saturday?",
                    fair) == "The fair drew 6,300 people on the Saturday [1]."
    assert same_day("The fair drew 9,800 people [1].", "How many people came to the fair?", fair) == \
        "The fair drew 9,800 people [1]."
    # a sentence that names no day is not judged: the day may be in the sentence before it
    undated = [Hit(Chunk("u", "c", "Friday was busy. 37 ferries arrived.", 0), 1.0, 1)]
    assert same_day("37 ferries arrived [1].", asked, undated) == "37 ferries arrived [1]."


def test_a_count_gives_way_to_the_same_count_from_a_sentence_closer_to_the_question():
    from rag.check import closer_figure

    text = ("More than 1,200 loans in the first month. By the end of June the library had recorded 1,310 loans. "
            "Volunteers checked 85 tools.")
    chunk = Chunk("k", "a", text, 0, Source(language="en"))
    scored = (("By the end of June the library had recorded 1,310 loans.", 0.89),
              ("More than 1,200 loans in the first month.", 0.87), ("Volunteers checked 85 tools.", 0.84))
    hits = [Hit(chunk, 1.0, 1, evidence=scored)]
    asked = "How many loans had the library recorded by the end of June?"
    assert closer_figure("It recorded 1,200 loans [1].", asked, hits) == "It recorded 1,310 loans [1]."
    assert closer_figure("It recorded 1,310 loans [1].", asked, hits) == "It recorded 1,310 loans [1]."
    # another thing counted, a closer sentence only by a hair, or no citation: left as it is
    assert closer_figure("Volunteers checked 85 tools [1].", asked, hits) == "Volunteers checked 85 tools [1]."
    close = [Hit(chunk, 1.0, 1, evidence=(scored[0], (scored[1][0], 0.885)))]
    assert closer_figure("It recorded 1,200 loans [1].", asked, close) == "It recorded 1,200 loans [1]."
    assert closer_figure("It recorded 1,200 loans.", asked, hits) == "It recorded 1,200 loans."
    # the closer sentence in another passage of the cited article: that passage is cited too
    first, second = (Chunk(i, "a", t, 0, Source(language="en")) for i, t in (("k1", scored[0][0]), ("k2", scored[1][0])))
    split = [Hit(first, 1.0, 1, evidence=scored[:1]), Hit(second, 0.9, 2, evidence=scored[1:2])]
    assert closer_figure("It recorded 1,200 loans [2].", asked, split) == "It recorded 1,310 loans [1][2]."
    # the answer's checks make that repair, cite both passages and record it
    from rag.check import check
    from rag.types import Query, Reply

    answer = check(Query(asked, "en", "answer", asked, expects="number"), split,
                   Reply("It recorded 1,200 loans [2].", declined=False), LexicalSupport())
    assert answer.text == "It recorded 1,310 loans [1][2]." and "closer figure" in answer.repairs
    assert [c.n for c in answer.citations] == [1, 2]
    # numbers in words: the repaired sentence has digits; the same unit in another language counts
    people = Chunk("p", "b", "Tres personas resultaron heridas, según el primer balance. Al final, 9 personas resultaron heridas.",
                   0, Source(language="es"))
    ferry = [Hit(people, 1.0, 1, evidence=(("Al final, 9 personas resultaron heridas.", 0.90),
                                           ("Tres personas resultaron heridas, según el primer balance.", 0.86)))]
    assert closer_figure("Three people were injured [1].", "How many people were injured?", ferry) == "9 people were injured [1]."


def test_a_figure_no_sentence_counts_gives_way_to_a_count_that_is_only_a_little_closer():
    from rag.check import closer_figure

    text = "Seven people were injured, the operator confirmed on Tuesday. The figure given on Monday was three."
    chunk = Chunk("f", "a", text, 0, Source(language="en"))
    scored = (("Seven people were injured, the operator confirmed on Tuesday.", 0.929), ("The figure given on Monday was three.", 0.924))
    hits = [Hit(chunk, 1.0, 1, evidence=scored)]
    asked = "How many people were injured in the collision?"
    assert closer_figure("Three people were injured [1].", asked, hits) == "7 people were injured [1]."
    # a sentence that counts the word with the answer's figure needs the full lead to be overruled
    counting = [Hit(chunk, 1.0, 1, evidence=(scored[0], ("Three people were injured, said the first report.", 0.924)))]
    assert closer_figure("Three people were injured [1].", asked, counting) == "Three people were injured [1]."


def test_a_figure_of_another_phase_or_half_does_not_answer_for_the_asked_one():
    from datetime import datetime

    from rag.check import same_ordinal
    from rag.quantities import ordinals

    assert ordinals("la 2ª fase del primer semestre") == {1, 2} and ordinals("the second phase") == {2}
    assert ordinals("July 2nd, seconds later, el 1º de mayo") == set()

    def hits(text, language="es"):
        return [Hit(Chunk("c1", "a1", text, 0, Source("Title", "Outlet", "", datetime(2024, 5, 9), language)), 1.0, 1)]

    quota = hits("La Consejería ha reducido la captura para el segundo semestre del año de 9.000 a 7.020 toneladas.")
    assert not same_ordinal("Se fijó en 7.020 toneladas [1].", "¿Qué cuota se fijó para el primer semestre?", quota)
    assert same_ordinal("Se fijó en 7.020 toneladas [1].", "¿Qué cuota se fijó para el segundo semestre?", quota)
    assert same_ordinal("It was set at 7,020 tonnes [1].", "What quota was set for the first half?", quota)  # not across languages
    grant = hits("The region will give 9 million euros to the plant. Production starts in 2026. Water cuts go on. "
                 "A possible second phase has not been approved.", "en")
    assert same_ordinal("It would cost 9 million euros [1].", "How much would the second phase cost?", grant)  # not told
    larger = hits("The region will give 9 million euros to the plant. Production starts in 2026. Water cuts go on. "
                  "The figure of 60,000 cubic meters referred to a possible second phase.", "en")
    assert not same_ordinal("It would cost 9 million euros [1].", "How much would the second phase cost?", larger)
    stone = hits("El embalse estaba al 10 % el lunes. Los cortes siguen. Ferrer colocó la primera piedra el 8 de julio de 2024.")
    assert same_ordinal("Estaba al 10 % [1].", "¿A qué nivel estaba el embalse cuando se colocó la primera piedra?", stone)
    first = hits("El primer día circularon 61 trenes.")
    assert same_ordinal("Circularon 61 trenes [1].", "¿Cuántos trenes circularon el primer día?", first)
    beside = hits("The second phase was approved on Monday. It will cost 12 million euros.", "en")
    assert same_ordinal("It will cost 12 million euros [1].", "How much will the second phase cost?", beside)
    silent = hits("The extension will cost 12 million euros.", "en")
    assert same_ordinal("It will cost 12 million euros [1].", "How much will the second phase cost?", silent)
    assert same_ordinal("It will cost 9 million euros [1].", "How much will the plant cost?", grant)  # no ordinal asked
