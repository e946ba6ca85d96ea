"""Time expressions in a question -> the publication window it asks for.

Reads English, Spanish, French, German, Italian and Portuguese: today, yesterday, the day before; this or last
week, month or year; "3 days ago"; "in the last 3 days"; dates ("2024-06-17", "17 June 2024", "June 17",
"17 de junio", "17. Juni"); months and years ("June 2023", "junio", "2023"). Each stands alone or follows an
operator: in/on, since, after, before, until, between X and Y, from X to Y (the operator words are a table
here, per language). Several expressions narrow each other; contradictory ones give no window.

`dateparser` gives the words (its fixed phrases, such as "la semaine dernière", and its month names beyond
English and Spanish) and resolves every phrase found to a date and a period (day, week, month, year) against
as_of's day. This module finds the phrases and turns a period into a window: a week is the Monday-to-Sunday
week containing the date, a month or year the calendar one, "the last 3 days" a rolling window to the end of
today (the library has no rolling windows), a month without a year the latest one that has begun; days are
those of as_of's time zone. It guards against what is not a date: numbers ("2,000"), lists of years, years
before a noun ("in 2000 homes"), "may" the verb and "Theresa May", parts of a period ("the last week of June",
"last year's"), "hoy en día", dates after as_of, and one language's words inside another's: an operator takes
only values its language can say ("a" is Italian before "giugno", not before "2000"), French, Italian and
Portuguese months are lower-case ("Mars 2020" is a rover), French "hier" is German "here".

Not handled: weekday names, weekends, parts of a period ("early June"), numeric dates other than ISO, ranges
sharing a month ("del 1 al 15 de junio"), month abbreviations without a day or outside English, and a German
year before a verb when the question does not look German by its function words ("Was ist im Jahr 2023
passiert?": "was" is English too). A date is always taken as the publication window; a day that dates an
event named after "before" or "after" ("antes de las elecciones del 21 de abril") bounds it on that side,
and the event's name stays in the question.

Any as_of is read, from year 1 to 9999: an expression whose window would fall outside the dates Python can
hold is not read ("this year" in 9999), and a bound past them is left open (`later`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache, partial
from typing import TYPE_CHECKING, NamedTuple

from dateutil.relativedelta import relativedelta

from index.language import CONJUNCTIONS, FUNCTION_WORDS, MONTHS, fold_accents

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

UTC = timezone.utc
LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
Span = tuple[date, date]  # local days, [start, end)
_I = re.IGNORECASE


class _Words(NamedTuple):
    """How a language says time, beyond dateparser's data: regexes over accent-folded text, case ignored."""

    numbers: dict[str, int]
    units: dict[str, str]  # unit word -> "h", "d", "w", "m" or "y"
    ago: tuple[str, ...]  # "{n} {unit} ago"
    rolling: tuple[str, ...]  # "in the last {n} {unit}"; one without {n} names its units
    phrases: dict[str, str]  # fixed phrases dateparser lacks -> the dateparser phrase key they mean
    not_read: frozenset[str] = frozenset()  # dateparser's fixed phrases left alone (abbreviations)
    article: str = ""  # may open a week, month or year phrase ("la semana pasada")
    not_after: str = ""  # before "last week", makes it something else ("the last week")
    part: str = ""  # after a period, makes it a part of another ("the last week of June")
    nowadays: str = ""  # phrases with a time word that mean "nowadays"
    ordinal: str = ""  # after a day number
    day_article: str = ""  # before a day number
    day_of: str = ""  # between day and month
    year_of: str = ""  # between month and year
    capitalised: frozenset[str] = frozenset()  # month names that are also common words: only capitalised
    lowercase_months: bool = False  # month names are written in lower case ("Mars" is a planet)
    ambiguous: tuple[tuple[str, str], ...] = ()  # (fixed phrase, language where it is a common word): not read with its function words
    capitalised_nouns: bool = False  # after a year, a capitalised word is a noun ("2000 Häuser"), a lower-case one is not
    verbs: frozenset[str] = frozenset()  # after a year, not a noun ("in 2020 may"), though not in the function words


_WORDS = {
    "en": _Words(
        numbers={"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10},
        units={"hour": "h", "hours": "h", "day": "d", "days": "d", "week": "w", "weeks": "w", "month": "m", "months": "m",
               "year": "y", "years": "y"},
        ago=(r"{n}\s+{unit}\s+ago",),
        rolling=(r"(?:(?:in|over|during|for|within)\s+)?(?:the\s+)?(?:last|past)\s+{n}\s+{unit}",
                 r"(?:(?:in|over|during|for|within)\s+)?the\s+(?:last|past)\s+(?P<unit>day|week|month|year)"),
        phrases={"the day before yesterday": "2 day ago"},
        not_read=frozenset({"till date", "this mo", "this wk", "this yr", "last mo", "last wk", "last yr"}),
        not_after="the", part="of", ordinal="st|nd|rd|th", day_article="the", day_of="of", year_of="of",
        capitalised=frozenset({"may", "march", "august"}), verbs=frozenset({"may"}),
    ),
    "es": _Words(
        numbers={"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
                 "nueve": 9, "diez": 10},
        units={"hora": "h", "horas": "h", "dia": "d", "dias": "d", "semana": "w", "semanas": "w", "mes": "m", "meses": "m",
               "ano": "y", "anos": "y"},
        ago=(r"hace\s+{n}\s+{unit}",),
        rolling=(r"(?:(?:en|durante)\s+)?(?:(?:los|las)\s+)?ultim[oa]s\s+{n}\s+{unit}",
                 r"(?:(?:en|durante)\s+)?(?:el|la)\s+ultim[oa]\s+(?P<unit>semana|mes|ano)"),
        phrases={"antier": "2 day ago", "antes de ayer": "2 day ago"},
        not_read=frozenset({"esta sem", "sem ant"}),
        article="el|la", part="de|del", nowadays=r"hoy\s+(?:en\s+)?dia", ordinal="º", day_of="de", year_of="del?",
    ),
    "fr": _Words(
        numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
                 "dix": 10},
        units={"heure": "h", "heures": "h", "jour": "d", "jours": "d", "semaine": "w", "semaines": "w", "mois": "m",
               "an": "y", "ans": "y", "annee": "y", "annees": "y"},
        ago=(r"il\s+y\s+a\s+{n}\s+{unit}",),
        rolling=((r"(?:(?:(?:au\s+cours|pendant|durant|lors)\s+(?:des|de\s+ces|les|ces)|(?:dans|sur)\s+(?:les|ces)|ces|les|des)\s+)?"
                  r"{n}\s+derni(?:er|ere)s\s+{unit}"),),
        phrases={"l'an dernier": "1 year ago", "l'an passe": "1 year ago", "l'annee passee": "1 year ago",
                 "la semaine passee": "1 week ago", "le mois passe": "1 month ago", "ce mois": "0 month ago"},
        article="le|la|l'", part="de|du|des|d'", ordinal="er", lowercase_months=True, ambiguous=(("hier", "de"),),
    ),
    "de": _Words(
        numbers={"ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5,
                 "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10},
        units={"stunde": "h", "stunden": "h", "tag": "d", "tage": "d", "tagen": "d", "woche": "w", "wochen": "w",
               "monat": "m", "monate": "m", "monaten": "m", "jahr": "y", "jahre": "y", "jahren": "y"},
        ago=(r"vor\s+{n}\s+{unit}",),
        rolling=(r"(?:(?:in|wahrend)\s+)?(?:den|der)\s+letzten\s+{n}\s+{unit}",),
        phrases={"vergangene woche": "1 week ago", "letzter woche": "1 week ago", "vergangenen monat": "1 month ago",
                 "vergangenes jahr": "1 year ago", "letztem jahr": "1 year ago", "dieser woche": "0 week ago",
                 "diesem monat": "0 month ago", "diesem jahr": "0 year ago"},
        part="des|der", ordinal=r"\.", capitalised_nouns=True,
    ),
    "it": _Words(
        numbers={"un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8,
                 "nove": 9, "dieci": 10},
        units={"ora": "h", "ore": "h", "giorno": "d", "giorni": "d", "settimana": "w", "settimane": "w", "mese": "m",
               "mesi": "m", "anno": "y", "anni": "y"},
        ago=(r"{n}\s+{unit}\s+fa",),
        rolling=(r"(?:(?:negli|nelle|durante\s+gli|durante\s+le|in)\s+|(?:gli|le)\s+)?ultim[ie]\s+{n}\s+{unit}",),
        phrases={"l'altro ieri": "2 day ago", "scorsa settimana": "1 week ago", "scorso mese": "1 month ago",
                 "scorso anno": "1 year ago", "questo anno": "0 year ago"},
        not_read=frozenset({"questa sett", "sett scorsa"}),
        article="il|lo|la|l'", part="di|del|della|dello|dei|delle|degli", nowadays=r"d'oggi", ordinal="º|°", lowercase_months=True,
    ),
    "pt": _Words(
        numbers={"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8,
                 "nove": 9, "dez": 10},
        units={"hora": "h", "horas": "h", "dia": "d", "dias": "d", "semana": "w", "semanas": "w", "mes": "m", "meses": "m",
               "ano": "y", "anos": "y"},
        ago=(r"ha\s+{n}\s+{unit}", r"{n}\s+{unit}\s+atras"),
        rolling=(r"(?:(?:nos|nas|durante\s+os|durante\s+as|em)\s+|(?:os|as)\s+)?ultim[oa]s\s+{n}\s+{unit}",),
        phrases={"nesta semana": "0 week ago", "neste mes": "0 month ago", "neste ano": "0 year ago"},
        article="o|a|no|na", part="de|do|da|dos|das", nowadays=r"hoje\s+em\s+dia", ordinal="º|°", day_of="de", year_of="de",
        lowercase_months=True,
    ),
}

# The words that put a value in relation to the window, per language: "on" takes a day, "of" a relative
# expression ("news of last week"), "in month" a month, the others any value. An operator ends at a space or an
# apostrophe, and takes the values its language can say (its month names and phrases) and numeric ones.
_OPERATORS = {
    "en": {"on": r"on|of", "in": r"(?:in|during|throughout)(?:\s+the)?", "of": r"of|from", "since": r"since(?:\s+the)?",
           "after": r"after(?:\s+the)?", "before": r"(?:before|prior\s+to)(?:\s+the)?", "until": r"(?:until|till)(?:\s+the)?"},
    "es": {"on": r"el|del", "in": r"(?:en|durante)(?:\s+(?:el|los|las))?", "of": r"de|del", "since": r"desde(?:\s+(?:el|la))?",
           "after": r"(?:despues\s+del?|tras)(?:\s+(?:el|la))?", "before": r"antes\s+del?(?:\s+(?:el|la))?",
           "until": r"hasta(?:\s+(?:el|la))?"},
    "fr": {"on": r"le", "in": r"(?:en|pendant|durant|au\s+cours\s+d(?:e|u|es|')|au\s+mois\s+d(?:e|'))(?:\s+(?:le|la|l'))?",
           "of": r"de|du|d'", "since": r"depuis(?:\s+(?:le|la|l'))?", "after": r"apres(?:\s+(?:le|la|l'))?",
           "before": r"avant(?:\s+(?:le|la|l'))?", "until": r"jusqu'(?:a|au|en)(?:\s+(?:le|la|l'))?"},
    "de": {"on": r"am", "in": r"in|im(?:\s+jahre?)?|wahrend(?:\s+des)?", "of": r"von|vom", "since": r"seit(?:\s+(?:dem|der))?",
           "after": r"nach(?:\s+(?:dem|der))?", "before": r"vor(?:\s+(?:dem|der))?", "until": r"bis(?:\s+(?:zum|zur))?"},
    "it": {"on": r"il|l'", "in": r"in|nel|nell'|nello|nella|negli|nelle|durante", "in month": r"a|ad", "of": r"di|del|della|dello|dell'",
           "since": r"da|dal|dall'|dalla|dallo", "after": r"dopo(?:\s+(?:il|la|l'))?", "before": r"prima\s+(?:di|del|della|dell')",
           "until": r"fino\s+(?:a|al|alla|all'|ad)"},
    "pt": {"on": r"em|no\s+dia|a", "in": r"em|durante|no\s+(?:ano|mes)\s+de", "of": r"de|do|da", "since": r"desde(?:\s+(?:o|a))?",
           "after": r"depois\s+d[eoa]|apos(?:\s+(?:o|a))?", "before": r"antes\s+d[eoa]", "until": r"ate(?:\s+(?:o|a|ao))?"},
}
_RANGES = {  # (opening word, joining word) of "between X and Y" and "from X to Y", per language
    "en": ((r"between(?:\s+the)?", r"and(?:\s+the)?"), (r"from(?:\s+the)?", r"(?:to|until|till|through)(?:\s+the)?")),
    "es": ((r"entre(?:\s+(?:el|la))?", r"[ye](?:\s+(?:el|la))?"), (r"(?:desde|del?)(?:\s+(?:el|la))?", r"(?:hasta|al?)(?:\s+(?:el|la))?")),
    "fr": ((r"entre(?:\s+(?:le|la|l'))?", r"et(?:\s+(?:le|la|l'))?"),
           (r"(?:de|du|depuis)(?:\s+(?:le|la|l'))?", r"(?:a|au|jusqu'(?:a|au|en))(?:\s+(?:le|la|l'))?")),
    "de": ((r"zwischen(?:\s+(?:dem|der))?", r"und(?:\s+(?:dem|der))?"), (r"von|vom", r"bis(?:\s+(?:zum|zur))?")),
    "it": ((r"(?:tra|fra)(?:\s+(?:il|la|l'))?", r"e(?:\s+(?:il|la|l'))?"), (r"da|dal|dalla|dall'", r"a|al|alla|all'|fino\s+al?")),
    "pt": ((r"entre(?:\s+(?:o|a))?", r"e(?:\s+(?:o|a))?"), (r"de|do|da|desde", r"(?:a|ao|ate)(?:\s+(?:o|a))?")),
}
_ACTIONS = ("on", "in", "in month", "of", "since", "after", "before", "until")
_KEYS = {  # dateparser's fixed phrase keys read here -> the kind of phrase
    "0 day ago": "day", "1 day ago": "day", "2 day ago": "day before", "0 week ago": "period", "1 week ago": "period",
    "0 month ago": "period", "1 month ago": "period", "0 year ago": "period", "1 year ago": "period",
}
_PERIODS = ("day", "week", "month", "year")


# --- dateparser: vocabulary and resolution ---------------------------------------------------

@lru_cache(maxsize=8)
def _locale_info(language: str) -> dict:
    """dateparser's data for ``language`` (imported here: the library takes a tenth of a second to load)."""
    from dateparser.languages.loader import default_loader

    return default_loader.get_locale(language).info


@lru_cache(maxsize=32)
def _parser(languages: tuple[str, ...], today: date) -> DateDataParser:
    from dateparser.date import DateDataParser

    settings = {"RELATIVE_BASE": datetime.combine(today, time(12)), "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True,
                "PREFER_DAY_OF_MONTH": "first", "PARSERS": ["relative-time", "absolute-time"]}
    return DateDataParser(languages=list(languages), settings=settings)


@lru_cache(maxsize=4096)
def _parsed(phrase: str, languages: tuple[str, ...], today: date) -> Span | None:
    """The window of the day, week, month or year that dateparser reads in ``phrase``; None for hours or nothing."""
    found = _parser(languages, today).get_date_data(phrase)
    if found.date_obj is None or found.period not in _PERIODS:
        return None
    return _period_span(found.date_obj.date(), found.period)


def _period_span(day: date, period: str) -> Span:
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(weeks=1)
    if period == "month":
        start = day.replace(day=1)
        return start, start + relativedelta(months=1)
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def _folded(phrase: str) -> str:
    return " ".join(fold_accents(phrase).lower().replace("’", "'").split())


def _fixed_phrases(language: str) -> dict[str, dict[str, str]]:
    """Kind of phrase -> {phrase as read (article dropped) -> the dateparser phrase it means}."""
    words, relative = _WORDS[language], _locale_info(language)["relative-type"]
    canonical = {key: next(p for p in relative[key] if _folded(p) not in words.not_read) for key in _KEYS}
    pairs = [(_folded(p), key) for key in _KEYS for p in relative[key] if _folded(p) not in words.not_read]
    pairs += [(_folded(p), key) for p, key in words.phrases.items()]
    lead = re.compile(rf"^(?:{words.article})(?:\s+|(?<=')(?!\s))") if words.article else None
    kinds: dict[str, dict[str, str]] = {kind: {} for kind in _KEYS.values()}
    for phrase, key in pairs:
        if lead and _KEYS[key] == "period":
            phrase = lead.sub("", phrase)
        kinds[_KEYS[key]][phrase] = canonical[key]
    return kinds


@lru_cache(maxsize=8)
def _month_names(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """Full month names and abbreviations that dateparser knows in ``language``, accent-folded."""
    full, short = set(), set()
    info = _locale_info(language)
    for month in ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                  "november", "december"):
        names = {_folded(n) for n in info[month]}
        whole = {n for n in names if not any(o != n and o.startswith(n) for o in names)}
        kept = {n for n in whole if len(n) >= 4} or whole
        full |= kept
        short |= names - kept
    return frozenset(full), frozenset(short)


# --- the patterns ------------------------------------------------------------------------------

class _Pattern(NamedTuple):
    regex: re.Pattern[str]
    kind: str  # "rel" stands alone; "day" and "month" only with a year or after an operator; "year" never alone
    resolve: Callable[[re.Match, date], Span | None]
    language: str | None = None  # None: that of the month named, or any for numbers


class _Operator(NamedTuple):
    regex: re.Pattern[str]
    action: str  # how the value's span bounds the window: "in", "since", "after", "before", "until"
    kinds: frozenset[str]
    languages: frozenset[str]  # of the values it takes


class _Range(NamedTuple):
    opening: re.Pattern[str]  # "between"
    joining: re.Pattern[str]  # "and"
    languages: frozenset[str]


class _Grammar(NamedTuple):
    values: tuple[_Pattern, ...]
    month_languages: dict[str, frozenset[str]]  # month name -> the languages that write it so
    operators: tuple[_Operator, ...]
    ranges: tuple[_Range, ...]
    year_list: re.Pattern[str]  # after a year: more numbers ("1961, 2000 y 2001"): facts, not a window
    nowadays: re.Pattern[str]
    conjunctions: frozenset[str]  # end an event's name ("after the strike and before the vote on 3 May")


class _Nouns(NamedTuple):
    """How to tell, in the question's own languages, a noun after a year ("in 2000 homes": a count, not a year)."""

    not_nouns: frozenset[str]  # function words and some verbs
    capitalised: bool  # nouns are the capitalised words (German), not the lower-case ones


_ANY = frozenset({"rel", "day", "month", "year"})
_KINDS = {"on": frozenset({"day"}), "in month": frozenset({"month"}), "of": frozenset({"rel"})}
_BOUNDS = {"on": "in", "in month": "in", "of": "in"}
_EVENT_ACTIONS = ("before", "after")
EVENT_WORDS = 4  # at most this many words name the event between "before" and its day
_EVENT_WORD = re.compile(r"([^\W\d_]+)\s+")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")
_WORD = re.compile(r"\w+")
_WORD_START = re.compile(r"(?<!\w)\w")


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _phrase_regex(phrase: str) -> str:
    return r"\s+".join(_apostrophes(re.escape(w)) for w in phrase.split())


def _apostrophes(regex: str) -> str:
    """``regex`` from a table, with its apostrophes matching typographic ones too."""
    return regex.replace("'", "['’]")


def _words_regex(words: str) -> str:
    """An operator or article regex from a table, ending at a space or after an apostrophe."""
    return rf"(?:{_apostrophes(words)})(?:\s+|(?<=['’]))"


def _guard(words: _Words) -> str:
    """Not a part of a period ("last week of June") nor a possessive ("last year's")."""
    part = rf"(?!\s+(?:{_apostrophes(words.part)})(?:\b|(?<=['’])))" if words.part else ""
    return part + r"(?!['’]s\b)"


def _speakers(language: str) -> frozenset[str]:
    """The languages whose operators take ``language``'s values: English and Spanish are read as one vocabulary."""
    return frozenset({"en", "es"}) if language in ("en", "es") else frozenset({language})


def _fixed_patterns(language: str) -> list[_Pattern]:
    words, phrases = _WORDS[language], _fixed_phrases(language)
    guard = _guard(words)
    lead = rf"(?:{_words_regex(words.article)})?" if words.article else ""
    not_after = rf"(?<!\b{words.not_after}\s)" if words.not_after else ""
    found = []
    for kind, head, tail in (("day before", r"\b", ""), ("day", r"\b", guard), ("period", not_after + r"\b" + lead, guard)):
        core = _alternation(_phrase_regex(p) for p in phrases[kind])
        regex = re.compile(rf"{head}(?P<core>{core})\b{tail}", _I)
        found.append(_Pattern(regex, "rel", partial(_resolve_fixed, phrases[kind], dict(words.ambiguous), language), language))
    return found


def _counted_patterns(language: str) -> list[_Pattern]:
    """"3 days ago" (dateparser resolves it) and "the last 3 days" (a rolling window)."""
    words = _WORDS[language]
    number = rf"(?P<n>\d{{1,3}}|{_alternation(words.numbers)})"
    unit = rf"(?P<unit>{_alternation(words.units)})"
    found = []
    for template in words.ago:
        regex = re.compile(rf"\b{template.format(n=number, unit=unit)}\b", _I)
        found.append(_Pattern(regex, "rel", partial(_resolve_ago, words.numbers, language), language))
    for template in words.rolling:
        regex = re.compile(rf"\b{template.format(n=number, unit=unit)}\b{_guard(words)}", _I)
        found.append(_Pattern(regex, "rel", partial(_resolve_rolling, words.numbers, words.units), language))
    return found


def _month_languages(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Month names read in ``languages`` (English and Spanish: `MONTHS`; English abbreviations apart) -> their languages."""
    english_short = _month_names("en")[1]
    found: dict[str, set[str]] = {}
    for lang in languages:
        full, short = _month_names(lang)
        names = (set(MONTHS) - english_short) & (full | short) if lang in ("en", "es") else full
        for name in names | (english_short if lang == "en" else set()):
            found.setdefault(name, set()).add(lang)
    return {name: frozenset(langs) for name, langs in found.items()}


def _date_patterns(languages: tuple[str, ...], months: dict[str, frozenset[str]]) -> list[_Pattern]:
    """ISO dates, day and month, month and day, month (and year), year: the union over ``languages``."""
    spoken = [_WORDS[lang] for lang in languages]
    english_short = _month_names("en")[1]
    capitalised = set().union(*(w.capitalised for w in spoken))
    lowercase = {name for name, langs in months.items() if all(_WORDS[lang].lowercase_months for lang in langs)}
    names = set(months) - english_short - capitalised - lowercase
    month = "|".join(filter(None, [
        _alternation(names),
        "(?-i:" + _alternation(lowercase) + ")" if lowercase else "",
        "(?-i:" + "|".join(f"{m.capitalize()}|{m.upper()}" for m in sorted(capitalised)) + ")" if capitalised else "",
    ]))
    abbreviation = "(?-i:" + _alternation(a.capitalize() for a in english_short) + r")\.?"

    def optional(field: str) -> str:
        alternatives = {x for w in spoken for x in getattr(w, field).split("|") if x}
        return rf"(?:(?:{_alternation(alternatives)})\s+)?" if alternatives else ""

    ordinals = {x for w in spoken for x in w.ordinal.split("|") if x}
    ordinal = rf"(?:{_alternation(ordinals)})?" if ordinals else ""
    year_tail = rf"(?:,?\s+{optional('year_of')}(?P<y>\d{{4}})\b)?"
    resolve = partial(_resolve_date, languages)
    found = [
        _Pattern(re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b(?!-)"), "day", resolve),
        _Pattern(re.compile(rf"\b{optional('day_article')}(?P<d>\d{{1,2}}){ordinal}\s+{optional('day_of')}(?P<m>{month}|{abbreviation})"
                            rf"(?!\w){year_tail}", _I), "day", resolve),
    ]
    if "en" in languages:  # "June 17, 2024"
        found.append(_Pattern(re.compile(rf"\b(?P<m>{month}|{abbreviation})\s+(?P<d>\d{{1,2}})(?:{_WORDS['en'].ordinal})?\b(?![.,:]\d)"
                                         rf"(?:,?\s+(?P<y>\d{{4}})\b)?", _I), "day", resolve))
    found.append(_Pattern(re.compile(rf"\b(?P<m>{month})\b{year_tail}", _I), "month", resolve))
    found.append(_Pattern(re.compile(r"\b(?P<y>(?:19|20)\d{2})\b(?![.,]\d|\s*%|-\d|['’])"), "year", resolve))
    return found


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    languages = LANGUAGES
    months = _month_languages(languages)
    values = [p for lang in languages for p in _fixed_patterns(lang)]
    values += [p for lang in languages for p in _counted_patterns(lang)]
    values += _date_patterns(languages, months)
    operators = tuple(
        _Operator(re.compile(rf"\b{_words_regex(_OPERATORS[lang][action])}", _I), _BOUNDS.get(action, action), _KINDS.get(action, _ANY),
                  _speakers(lang))
        for action in _ACTIONS for lang in languages if action in _OPERATORS[lang]
    )
    ranges = tuple(_Range(re.compile(rf"\b{_words_regex(opening)}", _I), re.compile(rf"\s+{_words_regex(joining)}", _I), _speakers(lang))
                   for lang in languages for opening, joining in _RANGES[lang])
    conjunctions = frozenset(_folded(c) for lang in languages for c in CONJUNCTIONS[lang])
    year_list = re.compile(rf"\s*(?:[,;]|\s(?:{_alternation(conjunctions)})\b)\s*\d", _I)
    nowadays = "|".join(_WORDS[lang].nowadays for lang in languages if _WORDS[lang].nowadays)
    return _Grammar(tuple(values), months, operators, ranges, year_list, re.compile(rf"\b(?:{_apostrophes(nowadays)})\b", _I),
                    conjunctions)


@lru_cache(maxsize=8)
def _function_words(language: str) -> frozenset[str]:
    return frozenset(_folded(w) for w in FUNCTION_WORDS[language])


@lru_cache(maxsize=16)
def _nouns(own: tuple[str, ...]) -> _Nouns:
    not_nouns = frozenset().union(*(_function_words(lang) | _WORDS[lang].verbs for lang in own))
    return _Nouns(not_nouns, any(_WORDS[lang].capitalised_nouns for lang in own))


# --- resolving a match -----------------------------------------------------------------------------

def _resolve_fixed(phrases: dict[str, str], ambiguous: dict[str, str], language: str, m: re.Match, today: date) -> Span | None:
    """A fixed phrase, unless it is a common word of another language whose function words are in the text ("hier")."""
    core = _folded(m["core"])
    if core in ambiguous and _function_words(ambiguous[core]) & set(_WORD.findall(m.string.lower())):
        return None
    return _parsed(phrases[core], (language,), today)


def _number(numbers: dict[str, int], word: str) -> int:
    return int(word) if word.isdigit() else numbers[word.lower()]


def _resolve_ago(numbers: dict[str, int], language: str, m: re.Match, today: date) -> Span | None:
    """N days ago is that day; N weeks, months or years ago is that calendar week, month or year."""
    phrase = m.string[m.start():m.start("n")] + str(_number(numbers, m["n"])) + m.string[m.end("n"):m.end()]
    return _parsed(phrase, (language,), today)


def _resolve_rolling(numbers: dict[str, int], units: dict[str, str], m: re.Match, today: date) -> Span:
    """From N units before today (hours round up to days) to the end of today."""
    n = _number(numbers, m["n"]) if "n" in m.re.groupindex else 1
    unit = units[m["unit"].lower()]
    back = {"h": relativedelta(days=-(-n // 24)), "d": relativedelta(days=n), "w": relativedelta(weeks=n),
            "m": relativedelta(months=n), "y": relativedelta(years=n)}[unit]
    return today - back, today + timedelta(days=1)


def _resolve_date(languages: tuple[str, ...], m: re.Match, today: date) -> Span | None:
    return _parsed(m.group().replace("º", ""), languages, today)


# --- finding the expressions ---------------------------------------------------------------------

class _Value(NamedTuple):
    end: int
    kind: str
    span: Span
    languages: frozenset[str] | None  # that say it; None: any (numbers)


class _Time(NamedTuple):
    start: int
    end: int
    since: date | None
    until: date | None


class _Context(NamedTuple):
    today: date  # as_of's day, in its time zone
    grammar: _Grammar
    nouns: _Nouns


def _value_at(text: str, pos: int, ctx: _Context, kinds: frozenset[str] = _ANY, languages: frozenset[str] | None = None,
              alone: bool = False) -> _Value | None:
    """The longest date value starting at ``pos`` that ``languages`` say; ``alone``: one that needs no operator."""
    best = None
    for pattern in ctx.grammar.values:
        m = pattern.regex.match(text, pos) if pattern.kind in kinds else None
        if not m or alone and not _stands_alone(pattern.kind, m) or best is not None and m.end() <= best.end:
            continue
        said_in = _said_in(pattern, m, ctx.grammar)
        if languages is not None and said_in is not None and not languages & said_in:
            continue
        try:
            span = pattern.resolve(m, ctx.today)
        except (OverflowError, ValueError):  # a window past year 1 or 9999
            continue
        if span and span[0] <= ctx.today:
            best = _Value(m.end(), pattern.kind, span, said_in)
    return best


def _said_in(pattern: _Pattern, m: re.Match, grammar: _Grammar) -> frozenset[str] | None:
    if pattern.language:
        return frozenset({pattern.language})
    name = m.groupdict().get("m")
    return None if name is None or name.isdigit() else grammar.month_languages.get(name.lower().rstrip("."))


def _stands_alone(kind: str, m: re.Match) -> bool:
    """Relative expressions and dates with a year need no operator; a bare year always does."""
    return kind == "rel" or kind != "year" and bool(m.groupdict().get("y"))


def _year_ends_well(text: str, value: _Value, ctx: _Context) -> bool:
    """False for a year that is a number in a list or is followed by a noun ("in 2000 homes")."""
    if value.kind != "year":
        return True
    if ctx.grammar.year_list.match(text, value.end):
        return False
    word = _NEXT_WORD.match(text, value.end)
    return not word or word[1].lower() in ctx.nouns.not_nouns or word[1][0].islower() == ctx.nouns.capitalised


def _bounds(action: str, span: Span) -> tuple[date | None, date | None]:
    start, end = span
    return {"in": (start, end), "since": (start, None), "after": (end, None), "before": (None, start), "until": (None, end)}[action]


def _time_at(text: str, pos: int, ctx: _Context) -> _Time | None:
    """The longest time expression starting at ``pos`` (a lone value wins a tie)."""
    found = []
    value = _value_at(text, pos, ctx, alone=True)
    if value:
        found.append(_Time(pos, value.end, *value.span))
    for op in ctx.grammar.operators:
        m = op.regex.match(text, pos)
        value = m and _value_at(text, m.end(), ctx, op.kinds, op.languages)
        if value and _year_ends_well(text, value, ctx):
            found.append(_Time(pos, value.end, *_bounds(op.action, value.span)))
        elif m and op.action in _EVENT_ACTIONS and (event := _event_day(text, m.end(), ctx, op.languages)):
            day_at, value = event  # the event's name stays in the question: only its day is cut
            found.append(_Time(day_at, value.end, *_bounds(op.action, value.span)))
    for between in ctx.grammar.ranges:
        found.append(_range_at(text, pos, ctx, between))
    return max((t for t in found if t), key=lambda t: t.end, default=None)


def _event_day(text: str, pos: int, ctx: _Context, languages: frozenset[str]) -> tuple[int, _Value] | None:
    """The day of an event named after "before" or "after" ("before the vote on 21 April", "antes de
    las elecciones del 21 de abril"): up to `EVENT_WORDS` words without a comma or a conjunction,
    then a word that puts a day after a noun ("on", "of", "del") and the day, which is returned with
    where that word starts. Only a day: "before the election in 2024" is not before 2024."""
    for _ in range(EVENT_WORDS):
        word = _EVENT_WORD.match(text, pos)
        if not word or word[1].lower() in ctx.grammar.conjunctions:
            return None
        pos = word.end()
        for op in ctx.grammar.operators:
            on = op.kinds == _KINDS["on"] and op.languages & languages and op.regex.match(text, pos)
            value = on and _value_at(text, on.end(), ctx, op.kinds, op.languages)
            if value:
                return on.start(), value
    return None


def _range_at(text: str, pos: int, ctx: _Context, between: _Range) -> _Time | None:
    m = between.opening.match(text, pos)
    first = m and _value_at(text, m.end(), ctx, languages=between.languages)
    join = first and between.joining.match(text, first.end)
    last = join and _value_at(text, join.end(), ctx, languages=between.languages)
    if not last or not _year_ends_well(text, last, ctx) or last.span[1] <= first.span[0]:
        return None
    return _Time(pos, last.end, first.span[0], last.span[1])


def _find_times(text: str, ctx: _Context) -> list[_Time]:
    """Time expressions in ``text``, left to right, not overlapping."""
    times, pos = [], 0
    while word := _WORD_START.search(text, pos):
        found = _time_at(text, word.start(), ctx)
        if found:
            times.append(found)
        pos = found.end if found else word.end()
    return times


def _intersection(times: list[_Time]) -> tuple[date | None, date | None]:
    """The intersection of the expressions' windows; (None, None) when it is empty."""
    since = max((t.since for t in times if t.since), default=None)
    until = min((t.until for t in times if t.until), default=None)
    return (None, None) if since and until and since >= until else (since, until)


# --- the window --------------------------------------------------------------------------------

class Window(NamedTuple):
    """The publication window a question asks for, and where its time expressions are (none without a window)."""

    since: datetime | None  # inclusive, UTC
    until: datetime | None  # exclusive, UTC
    spans: tuple[tuple[int, int], ...]


def _day_and_zone(as_of: datetime | date) -> tuple[date, tzinfo]:
    """``as_of``'s day in its own time zone; a date or a naive datetime is taken as UTC."""
    if isinstance(as_of, datetime):
        return as_of.date(), as_of.tzinfo or UTC
    return as_of, UTC


def _midnight(day: date | None, tz: tzinfo) -> datetime | None:
    """The start of ``day`` in ``tz``, in UTC; None when there is no day or it cannot be held in UTC (an open bound)."""
    try:
        return None if day is None else datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return None


def later(moment: datetime, delta: timedelta) -> datetime | None:
    """``moment + delta``, or None (no bound) when that is past the last time Python can hold."""
    try:
        return moment + delta
    except OverflowError:
        return None


def read_window(text: str, as_of: datetime | date, own: Sequence[str] = ("en", "es")) -> Window:
    """The window that the time expressions of ``text`` state, resolved against ``as_of`` in its time zone.

    All six languages' time words are read; ``own`` are the question's languages (English and Spanish among
    them), which tell a year from a count ("in 2000 homes"). ``text`` is read without accents: indices carry over.
    """
    grammar = _grammar()
    text = grammar.nowadays.sub(lambda m: " " * len(m.group()), fold_accents(text))
    today, tz = _day_and_zone(as_of)
    times = _find_times(text, _Context(today, grammar, _nouns(tuple(own))))
    since, until = _intersection(times)
    if not (since or until):
        return Window(None, None, ())
    return Window(_midnight(since, tz), _midnight(until, tz), tuple((t.start, t.end) for t in times))
