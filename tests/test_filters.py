from datetime import date, datetime, timedelta, timezone

import pytest

from index.store import where
from index.types import Filters
from rag.understand.filters import read_filters

UTC = timezone.utc
AS_OF = datetime(2024, 7, 30, 12, 0, tzinfo=UTC)  # a Tuesday
OUTLETS = ["Diario del Sur", "La Voz del Valle", "El Observador Global", "The Harwick Courier", "Northern Ledger", "Coast Times"]


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def window(question: str, as_of=AS_OF) -> tuple[datetime | None, datetime | None]:
    _, filters = read_filters(question, as_of, OUTLETS)
    assert filters.sources == () and filters.language is None
    return filters.since, filters.until


@pytest.mark.parametrize("question, since, until", [
    ("What happened in Velport today?", day(2024, 7, 30), day(2024, 7, 31)),
    ("¿Qué pasó hoy en Velport?", day(2024, 7, 30), day(2024, 7, 31)),
    ("Who resigned yesterday?", day(2024, 7, 29), day(2024, 7, 30)),
    ("¿Quién dimitió ayer?", day(2024, 7, 29), day(2024, 7, 30)),
    ("¿Quién dimitió anteayer?", day(2024, 7, 28), day(2024, 7, 29)),
    ("Who resigned the day before yesterday?", day(2024, 7, 28), day(2024, 7, 29)),
    ("What did the council decide last week?", day(2024, 7, 22), day(2024, 7, 29)),
    ("¿Qué decidió el consejo la semana pasada?", day(2024, 7, 22), day(2024, 7, 29)),
    ("What did the council decide this week?", day(2024, 7, 29), day(2024, 8, 5)),
    ("¿Qué decidió el consejo esta semana?", day(2024, 7, 29), day(2024, 8, 5)),
    ("How did prices change last month?", day(2024, 6, 1), day(2024, 7, 1)),
    ("¿Cómo cambiaron los precios el mes pasado?", day(2024, 6, 1), day(2024, 7, 1)),
    ("How did prices change this month?", day(2024, 7, 1), day(2024, 8, 1)),
    ("¿Cómo cambiaron los precios este mes?", day(2024, 7, 1), day(2024, 8, 1)),
    ("Who won the regatta last year?", day(2023, 1, 1), day(2024, 1, 1)),
    ("¿Quién ganó la regata el año pasado?", day(2023, 1, 1), day(2024, 1, 1)),
    ("¿Quién ganó la regata este año?", day(2024, 1, 1), day(2025, 1, 1)),
    ("What burned 3 days ago?", day(2024, 7, 27), day(2024, 7, 28)),
    ("What burned two days ago?", day(2024, 7, 28), day(2024, 7, 29)),
    ("¿Qué ardió hace 3 días?", day(2024, 7, 27), day(2024, 7, 28)),
    ("¿Qué ardió hace dos días?", day(2024, 7, 28), day(2024, 7, 29)),
    ("¿Qué ardió hace una semana?", day(2024, 7, 22), day(2024, 7, 29)),
    ("What closed a month ago?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Which ferries sailed in the last 3 days?", day(2024, 7, 27), day(2024, 7, 31)),
    ("Which ferries sailed in the past two weeks?", day(2024, 7, 16), day(2024, 7, 31)),
    ("Which ferries sailed in the last week?", day(2024, 7, 23), day(2024, 7, 31)),
    ("¿Qué barcos salieron en los últimos 3 días?", day(2024, 7, 27), day(2024, 7, 31)),
    ("¿Qué barcos salieron en las últimas dos semanas?", day(2024, 7, 16), day(2024, 7, 31)),
    ("¿Qué barcos salieron en las últimas 24 horas?", day(2024, 7, 29), day(2024, 7, 31)),
    ("¿Qué barcos salieron durante los últimos 2 meses?", day(2024, 5, 30), day(2024, 7, 31)),
])
def test_relative_expressions(question, since, until):
    assert window(question) == (since, until)


@pytest.mark.parametrize("question, since, until", [
    ("What happened at the port in June?", day(2024, 6, 1), day(2024, 7, 1)),
    ("¿Qué pasó en el puerto en junio?", day(2024, 6, 1), day(2024, 7, 1)),
    ("What happened at the port in September?", day(2023, 9, 1), day(2023, 10, 1)),  # after July: last year's
    ("What happened at the port in July?", day(2024, 7, 1), day(2024, 8, 1)),
    ("What happened at the port in May?", day(2024, 5, 1), day(2024, 6, 1)),
    ("What happened at the port in March 2023?", day(2023, 3, 1), day(2023, 4, 1)),
    ("What happened at the port in June 2023?", day(2023, 6, 1), day(2023, 7, 1)),
    ("¿Qué pasó en el puerto en junio de 2023?", day(2023, 6, 1), day(2023, 7, 1)),
    ("¿Qué pasó en el puerto en mayo del 2023?", day(2023, 5, 1), day(2023, 6, 1)),
    ("What did the mayor say on 17 June?", day(2024, 6, 17), day(2024, 6, 18)),
    ("What did the mayor say on the 17th of June?", day(2024, 6, 17), day(2024, 6, 18)),
    ("What did the mayor say on June 17?", day(2024, 6, 17), day(2024, 6, 18)),
    ("What did the mayor say on 31 July?", day(2023, 7, 31), day(2023, 8, 1)),  # not yet this year
    ("¿Qué dijo el alcalde el 17 de junio?", day(2024, 6, 17), day(2024, 6, 18)),
    ("¿Qué dijo el alcalde el 17 de junio de 2023?", day(2023, 6, 17), day(2023, 6, 18)),
    ("What did the mayor say June 17, 2024?", day(2024, 6, 17), day(2024, 6, 18)),
    ("What did the mayor say on Jun 17, 2024?", day(2024, 6, 17), day(2024, 6, 18)),
    ("What did the mayor say 2024-06-17?", day(2024, 6, 17), day(2024, 6, 18)),
    ("Who won the election in 2023?", day(2023, 1, 1), day(2024, 1, 1)),
    ("¿Quién ganó las elecciones en 2023?", day(2023, 1, 1), day(2024, 1, 1)),
    ("¿Quién ganó las elecciones en el 2023?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Who won the election during 2023?", day(2023, 1, 1), day(2024, 1, 1)),
])
def test_absolute_dates(question, since, until):
    assert window(question) == (since, until)


@pytest.mark.parametrize("question, since, until", [
    ("What happened since June?", day(2024, 6, 1), None),
    ("¿Qué ha pasado desde junio?", day(2024, 6, 1), None),
    ("¿Qué ha pasado desde el 17 de junio?", day(2024, 6, 17), None),
    ("What has happened since 2023?", day(2023, 1, 1), None),
    ("¿Qué ha pasado desde 2023?", day(2023, 1, 1), None),
    ("¿Qué ha pasado desde la semana pasada?", day(2024, 7, 22), None),
    ("What has happened since yesterday?", day(2024, 7, 29), None),
    ("Which fires started after 17 June?", day(2024, 6, 18), None),
    ("¿Qué incendios empezaron después del 17 de junio?", day(2024, 6, 18), None),
    ("Which fires started after June?", day(2024, 7, 1), None),
    ("Which fires started before June 17?", None, day(2024, 6, 17)),
    ("¿Qué incendios empezaron antes de junio?", None, day(2024, 6, 1)),
    ("¿Qué incendios empezaron antes del 2024?", None, day(2024, 1, 1)),
    ("Which fires were reported until June?", None, day(2024, 7, 1)),
    ("Which fires started between June and July?", day(2024, 6, 1), day(2024, 8, 1)),
    ("¿Qué incendios empezaron entre marzo y mayo?", day(2024, 3, 1), day(2024, 6, 1)),
    ("¿Qué incendios empezaron entre noviembre y febrero?", day(2023, 11, 1), day(2024, 3, 1)),
    ("Which fires started between 2021 and 2023?", day(2021, 1, 1), day(2024, 1, 1)),
    ("Which fires started between 2024-06-01 and 2024-06-17?", day(2024, 6, 1), day(2024, 6, 18)),
    ("¿Qué incendios hubo entre el 1 de junio y el 17 de junio?", day(2024, 6, 1), day(2024, 6, 18)),
    ("Which fires started from March to May?", day(2024, 3, 1), day(2024, 6, 1)),
    ("¿Qué incendios hubo desde marzo hasta mayo?", day(2024, 3, 1), day(2024, 6, 1)),
    ("Which fires started since June but before July 20?", day(2024, 6, 1), day(2024, 7, 20)),
])
def test_open_ended_and_ranges(question, since, until):
    assert window(question) == (since, until)


@pytest.mark.parametrize("question", [
    "Who is the mayor of Velport?",
    "How many of the 2,000 people were evacuated?",
    "¿Cuántas de las 2.000 personas fueron evacuadas?",
    "Which documents signed in 1961, 2000 and 2001 does the pact replace?",
    "¿Qué documentos firmados en 1961, 2000 y 2001 reemplaza el pacto?",
    "How many were sheltered in 2000 homes?",
    "What changed in 2023's budget?",
    "What changed in the 2023 budget?",
    "Did between 2000 and 3000 protesters march?",
    "¿Llegaron entre 2000 y 2010 personas?",
    "What may happen to the harbour?",
    "May the council close the port?",
    "Did the workers march on the town hall?",
    "What did Theresa May say about fishing?",
    "What happened in may?",
    "¿Cómo se vive hoy en día en Velport?",
    "What happened in the last week of June?",
    "What did last year's budget include?",
    "What did the council plan for 2030?",
    "What will happen in August 2025?",
    "What happened in the last days of the strike?",
    "Who owns Coast Times?",
    "Who delivered the courier package?",
    "What happened in Northern Ireland?",
    "What happened in June after July?",  # contradictory: no date filter
])
def test_no_filter(question):
    assert read_filters(question, AS_OF, OUTLETS) == (question, Filters())


# French, German, Italian and Portuguese: the words are dateparser's, the windows the same as in English.
@pytest.mark.parametrize("question, since, until", [
    ("Qu'est-ce que le conseil a décidé la semaine dernière ?", day(2024, 7, 22), day(2024, 7, 29)),
    ("Was hat der Rat letzte Woche beschlossen?", day(2024, 7, 22), day(2024, 7, 29)),
    ("Cosa ha deciso il consiglio la settimana scorsa?", day(2024, 7, 22), day(2024, 7, 29)),
    ("O que o conselho decidiu na semana passada?", day(2024, 7, 22), day(2024, 7, 29)),
    ("Qui a démissionné hier ?", day(2024, 7, 29), day(2024, 7, 30)),
    ("Wer ist gestern zurückgetreten?", day(2024, 7, 29), day(2024, 7, 30)),
    ("Chi si è dimesso ieri?", day(2024, 7, 29), day(2024, 7, 30)),
    ("Quem se demitiu ontem?", day(2024, 7, 29), day(2024, 7, 30)),
    ("Qui a démissionné avant-hier ?", day(2024, 7, 28), day(2024, 7, 29)),
    ("Wer ist vorgestern zurückgetreten?", day(2024, 7, 28), day(2024, 7, 29)),
    ("Chi si è dimesso l'altro ieri?", day(2024, 7, 28), day(2024, 7, 29)),
    ("Quem se demitiu anteontem?", day(2024, 7, 28), day(2024, 7, 29)),
    ("Qu'est-ce qui a brûlé il y a 3 jours ?", day(2024, 7, 27), day(2024, 7, 28)),
    ("Was ist vor 3 Tagen abgebrannt?", day(2024, 7, 27), day(2024, 7, 28)),
    ("Cosa è bruciato 3 giorni fa?", day(2024, 7, 27), day(2024, 7, 28)),
    ("O que ardeu há 3 dias?", day(2024, 7, 27), day(2024, 7, 28)),
    ("O que ardeu 3 dias atrás?", day(2024, 7, 27), day(2024, 7, 28)),
    ("Qu'est-ce qui a brûlé il y a deux semaines ?", day(2024, 7, 15), day(2024, 7, 22)),
    ("Was ist vor zwei Wochen abgebrannt?", day(2024, 7, 15), day(2024, 7, 22)),
    ("Cosa è bruciato due settimane fa?", day(2024, 7, 15), day(2024, 7, 22)),
    ("O que ardeu há duas semanas?", day(2024, 7, 15), day(2024, 7, 22)),
    ("Qu'est-ce que le conseil a décidé cette semaine ?", day(2024, 7, 29), day(2024, 8, 5)),
    ("Was hat der Rat diese Woche beschlossen?", day(2024, 7, 29), day(2024, 8, 5)),
    ("Cosa ha deciso il consiglio questa settimana?", day(2024, 7, 29), day(2024, 8, 5)),
    ("O que o conselho decidiu esta semana?", day(2024, 7, 29), day(2024, 8, 5)),
    ("Comment les prix ont-ils changé ce mois-ci ?", day(2024, 7, 1), day(2024, 8, 1)),
    ("Wie haben sich die Preise diesen Monat verändert?", day(2024, 7, 1), day(2024, 8, 1)),
    ("Come sono cambiati i prezzi questo mese?", day(2024, 7, 1), day(2024, 8, 1)),
    ("Como mudaram os preços este mês?", day(2024, 7, 1), day(2024, 8, 1)),
    ("Comment les prix ont-ils changé le mois dernier ?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Wie haben sich die Preise letzten Monat verändert?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Come sono cambiati i prezzi il mese scorso?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Como mudaram os preços no mês passado?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Qui a gagné la régate cette année ?", day(2024, 1, 1), day(2025, 1, 1)),
    ("Wer hat die Regatta dieses Jahr gewonnen?", day(2024, 1, 1), day(2025, 1, 1)),
    ("Chi ha vinto la regata quest'anno?", day(2024, 1, 1), day(2025, 1, 1)),
    ("Quem ganhou a regata este ano?", day(2024, 1, 1), day(2025, 1, 1)),
    ("Qui a gagné la régate l'année dernière ?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Qui a gagné la régate l'an dernier ?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Wer hat die Regatta letztes Jahr gewonnen?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Chi ha vinto la regata l'anno scorso?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Chi ha vinto la regata lo scorso anno?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Quem ganhou a regata no ano passado?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Qu'est-ce qui s'est passé aujourd'hui à Lyon ?", day(2024, 7, 30), day(2024, 7, 31)),
    ("Was ist heute in Berlin passiert?", day(2024, 7, 30), day(2024, 7, 31)),
    ("Cosa è successo oggi a Roma?", day(2024, 7, 30), day(2024, 7, 31)),
    ("O que aconteceu hoje em Lisboa?", day(2024, 7, 30), day(2024, 7, 31)),
    ("Quels ferries sont partis ces 3 derniers jours ?", day(2024, 7, 27), day(2024, 7, 31)),
    ("Welche Fähren sind in den letzten 3 Tagen gefahren?", day(2024, 7, 27), day(2024, 7, 31)),
    ("Quali traghetti sono partiti negli ultimi 3 giorni?", day(2024, 7, 27), day(2024, 7, 31)),
    ("Quais balsas partiram nos últimos 3 dias?", day(2024, 7, 27), day(2024, 7, 31)),
])
def test_relative_expressions_in_other_languages(question, since, until):
    assert window(question) == (since, until)


@pytest.mark.parametrize("question, since, until", [
    ("Qu'est-ce qui s'est passé au port en juin ?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Was ist im Juni im Hafen passiert?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Cosa è successo al porto a giugno?", day(2024, 6, 1), day(2024, 7, 1)),
    ("O que aconteceu no porto em junho?", day(2024, 6, 1), day(2024, 7, 1)),
    ("Qu'est-ce qui s'est passé au port en septembre ?", day(2023, 9, 1), day(2023, 10, 1)),  # after July: last year's
    ("Qu'est-ce qui s'est passé au port en juin 2023 ?", day(2023, 6, 1), day(2023, 7, 1)),
    ("Was ist im Juni 2023 im Hafen passiert?", day(2023, 6, 1), day(2023, 7, 1)),
    ("Cosa è successo al porto a giugno 2023?", day(2023, 6, 1), day(2023, 7, 1)),
    ("O que aconteceu no porto em junho de 2023?", day(2023, 6, 1), day(2023, 7, 1)),
    ("Qu'a dit le maire le 17 juin ?", day(2024, 6, 17), day(2024, 6, 18)),
    ("Qu'a dit le maire le 1er juin 2023 ?", day(2023, 6, 1), day(2023, 6, 2)),
    ("Was hat der Bürgermeister am 17. Juni gesagt?", day(2024, 6, 17), day(2024, 6, 18)),
    ("Cosa ha detto il sindaco il 17 giugno?", day(2024, 6, 17), day(2024, 6, 18)),
    ("O que o prefeito disse em 17 de junho?", day(2024, 6, 17), day(2024, 6, 18)),
    ("Wer hat die Wahl im Jahr 2023 gewonnen?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Cosa è successo al porto nel 2023?", day(2023, 1, 1), day(2024, 1, 1)),
    ("O que aconteceu no porto em 2023?", day(2023, 1, 1), day(2024, 1, 1)),
    ("Qu'est-ce qui a changé depuis juin ?", day(2024, 6, 1), None),
    ("Was ist seit Juni passiert?", day(2024, 6, 1), None),
    ("Cosa è cambiato da giugno?", day(2024, 6, 1), None),
    ("O que mudou desde junho?", day(2024, 6, 1), None),
    ("Qu'est-ce qui a changé depuis le 17 juin ?", day(2024, 6, 17), None),
    ("Was ist seit dem 17. Juni passiert?", day(2024, 6, 17), None),
    ("Cosa è cambiato dal 17 giugno?", day(2024, 6, 17), None),
    ("Quels incendies ont commencé après le 17 juin ?", day(2024, 6, 18), None),
    ("Welche Brände begannen nach Juni?", day(2024, 7, 1), None),
    ("Quali incendi sono iniziati dopo il 17 giugno?", day(2024, 6, 18), None),
    ("Quais incêndios começaram depois de 17 de junho?", day(2024, 6, 18), None),
    ("Quels incendies ont commencé avant juin ?", None, day(2024, 6, 1)),
    ("Welche Brände begannen vor dem 17. Juni?", None, day(2024, 6, 17)),
    ("Quali incendi sono iniziati prima di giugno?", None, day(2024, 6, 1)),
    ("Quais incêndios começaram antes de junho?", None, day(2024, 6, 1)),
    ("Quels incendies ont été signalés jusqu'en juin ?", None, day(2024, 7, 1)),
    ("Welche Brände wurden bis Juni gemeldet?", None, day(2024, 7, 1)),
    ("Quali incendi sono stati segnalati fino a giugno?", None, day(2024, 7, 1)),
    ("Quais incêndios foram registrados até junho?", None, day(2024, 7, 1)),
    ("Quels incendies ont commencé entre mars et mai ?", day(2024, 3, 1), day(2024, 6, 1)),
    ("Welche Brände begannen zwischen März und Mai?", day(2024, 3, 1), day(2024, 6, 1)),
    ("Quali incendi sono iniziati tra marzo e maggio?", day(2024, 3, 1), day(2024, 6, 1)),
    ("Quais incêndios começaram entre março e maio?", day(2024, 3, 1), day(2024, 6, 1)),
])
def test_dates_in_other_languages(question, since, until):
    assert window(question) == (since, until)


@pytest.mark.parametrize("question", [
    "Qui est le maire de Lyon ?",
    "Combien des 2 000 personnes ont été évacuées ?",
    "Quels documents signés en 1961, 2000 et 2001 le pacte remplace-t-il ?",
    "Qu'est-ce qui se passera en août 2025 ?",
    "Qu'est-ce qui s'est passé la dernière semaine de juin ?",
    "Qu'est-ce qui s'est passé en juin après juillet ?",
    "Was ist hier passiert?",  # German "hier" is "here", not French "yesterday"
    "Wie viele der 2.000 Menschen wurden evakuiert?",
    "Welche in 1961, 2000 und 2001 unterzeichneten Verträge ersetzt der Pakt?",
    "Was wird im August 2025 passieren?",
    "Was ist im Juni nach Juli passiert?",
    "Come si vive al giorno d'oggi a Roma?",
    "Quante delle 2.000 persone sono state evacuate?",
    "Quali documenti firmati nel 1961, 2000 e 2001 sostituisce il patto?",
    "Cosa succederà ad agosto 2025?",
    "Cosa è successo nell'ultima settimana di giugno?",
    "Como se vive hoje em dia em Lisboa?",
    "Quantas das 2.000 pessoas foram evacuadas?",
    "Quais documentos assinados em 1961, 2000 e 2001 o pacto substitui?",
    "O que vai acontecer em agosto de 2025?",
    "Quantas pessoas foram abrigadas em 2000 casas?",
    "What did the Mars 2020 rover find?",  # French months are written in lower case
    "¿Cuándo llegó a 2000 el índice?",  # Italian "a" takes months only
])
def test_no_filter_in_other_languages(question):
    assert read_filters(question, AS_OF, OUTLETS) == (question, Filters())


def test_expressions_are_cut_in_other_languages():
    text, _ = read_filters("Qu'est-ce que le conseil a décidé la semaine dernière ?", AS_OF, OUTLETS)
    assert text == "Qu'est-ce que le conseil a décidé?"
    assert read_filters("Wer hat die Wahl im Jahr 2023 gewonnen?", AS_OF, OUTLETS)[0] == "Wer hat die Wahl gewonnen?"
    assert read_filters("Quali traghetti sono partiti negli ultimi 3 giorni?", AS_OF, OUTLETS)[0] == "Quali traghetti sono partiti?"
    assert read_filters("O que aconteceu no porto em junho de 2023?", AS_OF, OUTLETS)[0] == "O que aconteceu no porto?"
    for question in ("Qu'est-ce qui s'est passé hier ?", "O que aconteceu ontem?"):
        text, filters = read_filters(question, AS_OF, OUTLETS)
        assert text == question and filters.since is not None


def test_expressions_are_cut_from_the_question():
    assert read_filters("What did the mayor announce last week?", AS_OF, OUTLETS)[0] == "What did the mayor announce?"
    assert read_filters("Yesterday, what did the mayor announce?", AS_OF, OUTLETS)[0] == "What did the mayor announce?"
    assert read_filters("¿Qué anunció el alcalde hace dos días?", AS_OF, OUTLETS)[0] == "¿Qué anunció el alcalde?"
    assert read_filters("¿Qué incendios empezaron entre marzo y mayo?", AS_OF, OUTLETS)[0] == "¿Qué incendios empezaron?"
    assert read_filters("Who won the election in 2023?", AS_OF, OUTLETS)[0] == "Who won the election?"


@pytest.mark.parametrize("question, since, until", [
    ("¿Cuántos escaños daban las encuestas antes de las elecciones del 21 de abril de 2024?", None, day(2024, 4, 21)),
    ("What did the mayor say before the vote on 21 April?", None, day(2024, 4, 21)),
    ("What did the mayor say after the vote of 21 April?", day(2024, 4, 22), None),
    ("¿Qué dijo el ministro antes de que el congreso votara el 3 de mayo?", None, day(2024, 5, 3)),
    ("Who led the polls before the election in 2024?", day(2024, 1, 1), day(2025, 1, 1)),  # only a day bounds an event
    ("What was said after the strike and before the vote on 3 May?", None, day(2024, 5, 3)),
    ("Before the storm, on 3 May, what did the mayor say?", day(2024, 5, 3), day(2024, 5, 4)),
])
def test_a_day_named_after_an_event_bounds_the_window_as_before_or_after_says(question, since, until):
    assert window(question) == (since, until)


def test_an_event_s_name_stays_in_the_question_when_its_day_is_cut():
    text, _ = read_filters("¿Cuántos escaños daban las encuestas antes de las elecciones del 21 de abril de 2024?", AS_OF, OUTLETS)
    assert text == "¿Cuántos escaños daban las encuestas antes de las elecciones?"


def test_question_is_kept_when_nothing_meaningful_would_remain():
    for question in ("What happened yesterday?", "¿Qué pasó hoy?", "Noticias de ayer", "What's new since June?"):
        text, filters = read_filters(question, AS_OF, OUTLETS)
        assert text == question and filters.since is not None
    text, filters = read_filters("What did Coast Times report last week?", AS_OF, OUTLETS)
    assert text == "What did Coast Times report?"
    assert filters == Filters(day(2024, 7, 22), day(2024, 7, 29), ("Coast Times",))


def test_days_are_those_of_as_of_time_zone():
    madrid = timezone(timedelta(hours=2))
    since, until = window("¿Qué pasó hoy?", datetime(2024, 7, 30, 0, 30, tzinfo=madrid))
    assert (since, until) == (datetime(2024, 7, 29, 22, tzinfo=UTC), datetime(2024, 7, 30, 22, tzinfo=UTC))
    assert since.tzinfo == UTC
    assert window("What happened yesterday?", date(2024, 7, 30)) == (day(2024, 7, 29), day(2024, 7, 30))


@pytest.mark.parametrize("question, cleaned, sources", [
    ("According to Coast Times, what reopened in Velport?", "What reopened in Velport?", ("Coast Times",)),
    ("What reopened in Velport, according to Coast Times?", "What reopened in Velport?", ("Coast Times",)),
    ("¿Qué dijo el alcalde según El Observador Global?", "¿Qué dijo el alcalde?", ("El Observador Global",)),
    ("¿Qué dijo el alcalde según el observador global?", "¿Qué dijo el alcalde?", ("El Observador Global",)),
    ("¿Según Diario del Sur, cuánto costó el puente?", "¿Cuánto costó el puente?", ("Diario del Sur",)),
    ("¿Cuánto costó el puente segun Diário del Sur?", "¿Cuánto costó el puente?", ("Diario del Sur",)),
    ("¿Qué publicó la edición de La Voz del Valle sobre la sequía?", "¿Qué publicó la edición sobre la sequía?",
     ("La Voz del Valle",)),
    ("¿Qué opina el editorial del Observador Global sobre la sequía?", "¿Qué opina el editorial sobre la sequía?",
     ("El Observador Global",)),
    ("What was in The Harwick Courier about the strike?", "What was about the strike?", ("The Harwick Courier",)),
    ("What was reported by the Harwick Courier about the strike?", "What was about the strike?", ("The Harwick Courier",)),
    ("What did the Courier say about the strike?", "What did the Courier say about the strike?", ("The Harwick Courier",)),
    ("What was in the Ledger about the strike?", "What was about the strike?", ("Northern Ledger",)),
    ("What did Northern Ledger report about the strike?", "What did Northern Ledger report about the strike?", ("Northern Ledger",)),
    ("Coast Times reported a fire; where was it?", "Coast Times reported a fire; where was it?", ("Coast Times",)),
    ("¿Qué informó El Observador Global sobre la sequía?", "¿Qué informó El Observador Global sobre la sequía?",
     ("El Observador Global",)),
    ("Storm damage according to Coast Times and Northern Ledger", "Storm damage", ("Coast Times", "Northern Ledger")),
    ("Daños según Diario del Sur, La Voz del Valle o El Observador Global", "Daños",
     ("Diario del Sur", "La Voz del Valle", "El Observador Global")),
    ("What was in the Courier's editorial on the strike?", "What was in the Courier's editorial on the strike?",
     ("The Harwick Courier",)),  # a possessive is not cut
])
def test_outlets(question, cleaned, sources):
    text, filters = read_filters(question, AS_OF, OUTLETS)
    assert (text, filters.sources) == (cleaned, sources)
    assert filters.since is None and filters.until is None


def test_outlet_names_match_without_accents_either_way():
    assert read_filters("¿Qué dijo el alcalde según El Pais?", AS_OF, ["El País"])[1].sources == ("El País",)
    assert read_filters("What did the mayor say according to El País?", AS_OF, ["El Pais"])[1].sources == ("El Pais",)


def test_one_word_names_must_be_capitalised_names():
    outlets = ["El País", "USA Today"]
    assert read_filters("¿Cuál es la inflación en el país?", AS_OF, outlets) == ("¿Cuál es la inflación en el país?", Filters())
    assert read_filters("¿Cuál es la inflación en El País Vasco?", AS_OF, outlets)[1] == Filters()
    assert read_filters("¿Cuál es la inflación según El País?", AS_OF, outlets) == (
        "¿Cuál es la inflación?", Filters(sources=("El País",)))
    assert read_filters("What did the senator say according to USA Today?", AS_OF, outlets) == (
        "What did the senator say?", Filters(sources=("USA Today",)))


def test_a_short_name_must_belong_to_one_outlet():
    outlets = ["Diario del Sur", "Diario Norte"]
    assert read_filters("¿Qué dijo el alcalde según el Diario?", AS_OF, outlets)[1] == Filters()
    assert read_filters("¿Qué dijo el alcalde según el Diario Norte?", AS_OF, outlets)[1].sources == ("Diario Norte",)
    assert read_filters("¿Qué dijo el alcalde según la Voz?", AS_OF, OUTLETS)[1].sources == ("La Voz del Valle",)


def test_dates_and_outlets_together():
    text, filters = read_filters("What did the mayor say last week according to Diario del Sur?", AS_OF, OUTLETS)
    assert text == "What did the mayor say?"
    assert filters == Filters(day(2024, 7, 22), day(2024, 7, 29), ("Diario del Sur",))
    text, filters = read_filters("¿Qué publicó el 17 de junio Diario del Sur?", AS_OF, OUTLETS)
    assert filters == Filters(day(2024, 6, 17), day(2024, 6, 18), ("Diario del Sur",))


def test_where_clause():
    june = Filters(day(2024, 6, 1), day(2024, 7, 1))
    ts_june, ts_july = int(day(2024, 6, 1).timestamp()), int(day(2024, 7, 1).timestamp())
    assert where(Filters()) is None and not Filters()
    assert where(Filters(since=day(2024, 6, 1))) == {"published_ts": {"$gte": ts_june}}
    assert where(Filters(sources=("Coast Times",))) == {"source": "Coast Times"}
    assert where(june) == {"$and": [{"published_ts": {"$gte": ts_june}}, {"published_ts": {"$lt": ts_july}}]}
    full = Filters(day(2024, 6, 1), day(2024, 7, 1), ("Coast Times", "Diario del Sur"), "es")
    assert where(full) == {"$and": [
        {"published_ts": {"$gte": ts_june}}, {"published_ts": {"$lt": ts_july}},
        {"source": {"$in": ["Coast Times", "Diario del Sur"]}}, {"language": "es"},
    ]}


def test_where_clause_is_valid_for_chroma():
    types = pytest.importorskip("chromadb.api.types")
    for filters in (Filters(since=day(2024, 6, 1)), Filters(day(2024, 6, 1), None, ("A", "B"), "en")):
        types.validate_where(where(filters))


def test_filters_are_utc():
    madrid = timezone(timedelta(hours=2))
    filters = Filters(since=datetime(2024, 6, 1, 2, tzinfo=madrid), until=datetime(2024, 7, 1), sources=["A"])
    assert filters.since == day(2024, 6, 1) and filters.since.tzinfo == UTC
    assert filters.until == day(2024, 7, 1) and filters.until.tzinfo == UTC  # naive: taken as UTC
    assert filters.sources == ("A",)


def test_merge_lets_explicit_fields_win_one_by_one():
    understood = Filters(day(2024, 6, 1), day(2024, 7, 1), ("Coast Times",))
    explicit = Filters(since=day(2024, 6, 15), language="es")
    assert understood.merge(explicit) == Filters(day(2024, 6, 15), day(2024, 7, 1), ("Coast Times",), "es")
    assert understood.merge(Filters(sources=("Northern Ledger",))).sources == ("Northern Ledger",)
    assert understood.merge(Filters()) == understood
    assert Filters().merge(understood) == understood


def test_language_is_never_understood():
    assert read_filters("¿Qué noticias en español hubo ayer sobre el puerto?", AS_OF, OUTLETS)[1].language is None


@pytest.mark.parametrize("question", ["", "?", "¿¡!?", "in", "hace 999 años", "in the last 999 years", "según"])
def test_odd_input_does_not_break(question):
    text, filters = read_filters(question, AS_OF, ["", "The", "El", "Coast Times"])
    assert isinstance(text, str) and filters.sources == ()
