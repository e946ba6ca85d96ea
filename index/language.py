"""What newsrag knows about the languages it reads, written once: their names, function words,
month names and sentence ends; telling a text's language; folding accents.

English and Spanish are covered fully (the archive's everyday pair); French, German, Italian and
Portuguese have names and function words. Month names in more languages come from `dateparser`
where dates are read (`rag.understand.times`). Not handled: scripts without spaces between words
(Chinese, Japanese, Thai) and right-to-left text in sentence splitting.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian"}

# Words that carry grammar, not content. They tell a short question's language, are not names when
# capitalised, and do not make a question meaningful on their own. "may" is left out: it is also a month and a name.
_FUNCTION_WORDS = {
    "en": """a about after an and are as at be been before being by can could did do does for from had has have here how
             in into is it its might must no nor not of on or over should than that the then there these they this
             those to under was were what when where which who whom whose why will with would""",
    "es": """a adónde al antes cómo con cuál cuáles cuándo cuánta cuántas cuánto cuántos de del después dónde e el
             era eran es esta estas este estos fue fueron ha había han hay hubo la las le les lo los ni no o para por
             qué que quién quiénes se será si sí sin sobre son su sus u un una unos unas y en entre cual cuales cuando
             donde como cuanto cuanta cuantos cuantas quien quienes""",
    "fr": "le la les de des et en que qui est était quand où quel quelle comment pour avec un une du au sur pourquoi",
    "de": "der die das und in ist war wer wann wo welche wie für mit ein eine den dem nach vor warum nicht",
    "pt": "o a os as de do da e em que é foi quem quando onde qual como por para com um uma não depois antes",
    "it": "il lo la gli le di e in che è era chi quando dove quale come per con un una non dopo prima perché",
}
FUNCTION_WORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
ALL_FUNCTION_WORDS = frozenset().union(*FUNCTION_WORDS.values())
ARTICLES = {"en": frozenset({"a", "an", "the"}), "es": frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas"})}
ALL_ARTICLES = frozenset().union(*ARTICLES.values())

_MONTH_WORDS = [  # English, Spanish, then other spellings and abbreviations
    ("january", "enero", "jan"), ("february", "febrero", "feb"), ("march", "marzo", "mar"), ("april", "abril", "apr"),
    ("may", "mayo"), ("june", "junio", "jun"), ("july", "julio", "jul"), ("august", "agosto", "aug"),
    ("september", "septiembre", "sep", "sept", "setiembre"), ("october", "octubre", "oct"),
    ("november", "noviembre", "nov"), ("december", "diciembre", "dec"),
]
MONTHS = {name: number for number, names in enumerate(_MONTH_WORDS, start=1) for name in names}  # name -> number
MONTH_NAMES = {"en": tuple(names[0] for names in _MONTH_WORDS), "es": tuple(names[1] for names in _MONTH_WORDS)}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")

# Words that attribute words to a speaker, English and Spanish: verbs ("X said", "dijo X") and
# phrases that put the speaker after them ("según X", "according to X").
SPEECH_VERBS = (
    "said", "says", "told", "stated", "added", "explained", "warned", "insisted", "claimed", "argued", "quoted", "declared",
    "dijo", "dice", "afirmó", "afirma", "aseguró", "asegura", "explicó", "explica", "señaló", "señala", "declaró", "declara",
    "añadió", "añade", "advirtió", "indicó", "sostuvo", "manifestó", "reconoció", "insistió", "subrayó", "recordó", "apuntó",
    "lamentó",
)
# The verbs of speech in any form a question or an answer writes them ("What did she say?", "she said").
SAYING = frozenset(SPEECH_VERBS) | {"say", "tell", "decir", "declarar", "afirmar"}
SOURCE_BEFORE = ("according to", "según")
SPEECH = re.compile(rf"\b(?:{'|'.join(SPEECH_VERBS + SOURCE_BEFORE)})\b|[«»“”\"]", re.I)
# Verbs by which a speaker gives a figure ("the union estimates 82 %", "la empresa calcula 2,9 millones").
FIGURE_VERBS = ("estimates", "estimated", "puts", "put", "counts", "counted", "reports", "reported",
                "calcula", "calculó", "cifró", "estima", "estimó", "sitúa", "situó", "habla")
# Words that mark a figure as a revision or a stage of a count, not a rival claim: a correction, a
# first or a final count ("corrected", "errónea", "definitiva").
# Ordinal words -> their number: what picks one phase, half, round or edition out of several.
ORDINALS = {word: number for number, words in enumerate([
    "first primer primera primero", "second segundo segunda", "third tercer tercera tercero", "fourth cuarta",
    "fifth quinto quinta", "sixth sexto sexta", "seventh séptimo séptima", "eighth octavo octava",
    "ninth noveno novena", "tenth décimo décima",
], start=1) for word in words.split()}  # "cuarto" is also a room and a quarter of an hour: left out
# Words a correction notice's title starts with or holds ("Corrección: ...", "Correction: ...").
CORRECTION_WORDS = frozenset("""correction corrections corrected clarification erratum corrección correcciones corregido
    corregida rectificación aclaración errata""".split())
REVISION_WORDS = CORRECTION_WORDS | frozenset("""corrects revised revision earlier initially initial first final
    finally updated update provisional corrige corrigió errónea erróneo rectificó
    rectifica inicial inicialmente primera primer provisional definitiva definitivo final finalmente actualizada""".split())
# How a sentence sets a right figure against a wrong one: "45,000, not 60,000", "no 4,7 puntos, sino 1,1".
# Words of a question that asks whether outlets report something independently of each other: one of
# each list ("Do two independent outlets confirm ...?", "¿Confirman dos medios independientes ...?").
INDEPENDENCE_WORDS = ("independent", "independently", "independiente", "independientes", "independientemente",
                      "separately", "por separado")
OUTLET_WORDS = ("outlet", "outlets", "source", "sources", "media", "newspaper", "newspapers", "paper", "papers",
                "agency", "agencies", "medio", "medios", "fuente", "fuentes", "periódico", "periódicos", "diario",
                "diarios", "cabecera", "cabeceras", "agencia", "agencias")
# Words that name someone without a role ("Who is the individual that ...?"), per nothing: English and Spanish.
PERSON_WORDS = frozenset("""individual person people man woman one player figure name persona hombre mujer jugador
jugadora nombre""".split())
# Words that put a place at a journey's start ("leaving Eastport", "sale de Eastport") or end ("llegará a
# Kellmoor"), and those that join its two ends after a start ("leave Kellmoor for Eastport", "de
# Eastport a Kellmoor"): English and Spanish.
FROM_WORDS = ("from", "leave", "leaves", "leaving", "left", "depart", "departs", "departing", "departed", "desde",
              "sale de", "salen de", "salía de", "salían de", "salió de", "saldrá de", "saldrán de", "saldría de",
              "parte de", "parten de", "partirá de", "partió de")
TO_WORDS = ("to", "towards", "arrive in", "arrives in", "arriving in", "arrived in", "arrive at", "arrives at",
            "arriving at", "arrived at", "reach", "reaches", "reaching", "reached", "hasta", "hacia", "rumbo a",
            "con destino a", "llega a", "llegan a", "llegaba a", "llegó a", "llegará a", "llegarán a", "llegaría a")
JOURNEY_FROM = FROM_WORDS + ("de",)
JOURNEY_TO = ("for", "to", "a", "hasta", "hacia")
NOT_WORDS = ("not", "no")
BUT_WORDS = ("but", "sino")

# Words that answer "when" without a number or a month: times of day, days counted from today, seasons.
WHEN_WORDS = frozenset("""noon midnight morning afternoon evening night yesterday today tomorrow tonight week month year
    spring summer autumn fall winter weekend mediodía medianoche mañana tarde noche ayer hoy anoche semana mes año
    primavera verano otoño invierno""".split())

MIN_LETTERS_FOR_LANGUAGE = 20


def detect_language(text: str) -> str:
    """ISO 639-1 code of an article's language (py3langid's bundled model, offline).

    Returns "" for texts with fewer than `MIN_LETTERS_FOR_LANGUAGE` letters, too short to tell;
    questions are short: see `question_language`.
    """
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS_FOR_LANGUAGE:
        return ""
    import py3langid

    return py3langid.classify(text)[0]


def question_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of a question's language, by counting each language's function words.

    Statistical models misjudge a handful of words, so a question is told by its grammar words;
    one without any (a bare name) is taken to be in ``default``.
    """
    if re.search(r"[¿¡ñ]", text):
        return "es"
    words = re.findall(r"\w+", text.lower())
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in FUNCTION_WORDS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else default


def fold(text: str) -> str:
    """Lower-case ``text`` without accents or compatibility forms ("Días" -> "dias", "ﬁ" -> "fi"): for matching words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def singular(word: str) -> str:
    """``word`` without a plural ending, English and Spanish alike: "es" off a word of six letters or
    more ("trenes" -> "tren", "buques" -> "buqu"), else a final "s" off one of five or more ("loans"
    -> "loan"). Applied to both sides of a comparison, not for display. Not handled: irregular
    plurals ("people", "children") and words that end in "s" in the singular ("bus", "crisis")."""
    return word[:-2] if len(word) > 5 and word.endswith("es") else word[:-1] if len(word) > 4 and word.endswith("s") else word


def fold_accents(text: str) -> str:
    """``text`` without accents, one character per character so that positions carry over; case is kept."""
    return "".join(_base_char(c) for c in text)


@lru_cache(maxsize=4096)
def _base_char(c: str) -> str:
    return unicodedata.normalize("NFD", c)[0]


# A sentence ends at . ! ? (or a closing quote or bracket after one) followed by space and a capital,
# a digit or an opening mark (a citation marker "[1]" included); a line break always ends one.
# "Mr. Smith" is split; "5 p.m. today" is not.
_SENTENCE_END = r"(?:(?<=[.!?])|(?<=[.!?][\"»”’)]))\s+(?=[\"«“¿¡(\[A-ZÁÉÍÓÚÑ0-9])|\n+"
_SPLIT = re.compile(_SENTENCE_END)
_PIECES = re.compile(f"({_SENTENCE_END})")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, without empty ones."""
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of `split_sentences` stands in ``text``: (start, end) character offsets."""
    spans, at = [], 0
    for piece in sentence_pieces(text):
        if piece.strip():
            start = at + len(piece) - len(piece.lstrip())
            spans.append((start, at + len(piece.rstrip())))
        at += len(piece)
    return spans


def sentence_pieces(text: str) -> list[str]:
    """``text`` cut at sentence ends: sentences and the space between them alternate, and joined they give ``text`` back."""
    return _PIECES.split(text)


# Words that multiply the number before them ("12 mil millones" = 12 x 10^3 x 10^6), as powers of ten.
# The Spanish "billón" is 10^12, the English "billion" 10^9.
MAGNITUDES = {
    "thousand": 3, "thousands": 3, "k": 3, "million": 6, "millions": 6, "m": 6, "mn": 6, "billion": 9, "billions": 9,
    "bn": 9, "trillion": 12,
    "mil": 3, "millón": 6, "millon": 6, "millones": 6, "millardo": 9, "millardos": 9, "billón": 12, "billon": 12, "billones": 12,
}
# How each language writes a power of ten after a number, largest first.
MAGNITUDE_WORDS = {
    "en": ((12, "trillion"), (9, "billion"), (6, "million"), (3, "thousand")),
    "es": ((12, "billones"), (9, "mil millones"), (6, "millones"), (3, "mil")),
}
# Units written beside a number -> a unit code. Percentages, and currencies before or after the number.
UNITS = {
    "%": "%", "percent": "%", "per cent": "%", "por ciento": "%", "pct": "%",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "dólar": "USD", "dólares": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "libra": "GBP", "libras": "GBP",
    # what a count is of, where a wrong one is caught at once: 4,600 hectares are not 4,600 people
    "hectares": "ha", "hectare": "ha", "hectáreas": "ha", "hectárea": "ha",
    "kilometres": "km", "kilometers": "km", "kilómetros": "km", "km": "km",
    "metres": "m", "meters": "m", "metros": "m",
    "cubic metres": "m3", "cubic meters": "m3", "metros cúbicos": "m3", "m³": "m3", "m3": "m3",
    "tonnes": "t", "tons": "t", "toneladas": "t",
    "people": "people", "persons": "people", "personas": "people",
}
# Separators: a point or comma followed by exactly three digits groups thousands ("3.200", "3,200"),
# any other is a decimal mark ("1,5", "1.5"), in English and Spanish alike.
DECIMAL_MARKS = {"en": ".", "es": ","}
THOUSANDS_SEPARATORS = {"en": ",", "es": "."}

# Words that join the items of a list ("2000 and 2001", "Diario del Sur y La Voz"), per language.
CONJUNCTIONS = {
    "en": ("and", "or"), "es": ("y", "e", "o", "u"), "fr": ("et", "ou"), "de": ("und", "oder"), "it": ("e", "ed", "o", "oppure"),
    "pt": ("e", "ou"),
}


_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
FOREIGN_BELOW = 3.0  # a word rarer than this in a language (wordfreq's Zipf scale: 3 is once per million words) is not its own
FOREIGN_MARGIN = 1.0  # ... when it is this much more frequent in the other language


def common_words(text: str) -> list[str]:
    """The lower-case words of three letters or more in ``text``: those a translation changes
    (names, numbers and short function words aside)."""
    return [w for w in re.findall(r"(?<![\w'’-])[^\W\d_]{3,}(?![\w'’-])", text) if w.islower()]


def foreign_words(sentence: str, language: str, other: str) -> list[str]:
    """Words of ``sentence`` that belong to ``other`` and not to ``language`` ("the alcalde said" in
    English: ``alcalde``), by word frequencies in both (`wordfreq`). Names (capitalised words),
    numbers and quotations are left out: they stay as written in any language. Not handled:
    languages wordfreq does not list, and words rare in both languages (local coinages).
    """
    if language == other:
        return []
    from wordfreq import zipf_frequency

    out = []
    for word in common_words(_QUOTED.sub(" ", sentence)):
        own, theirs = zipf_frequency(word, language), zipf_frequency(word, other)
        if own < FOREIGN_BELOW and theirs >= own + FOREIGN_MARGIN:
            out.append(word)
    return out


NAME_BELOW = 3.0  # a capitalised word rarer than this in its language is a proper name, written the same in any language


def kept_in_translation(word: str, language: str) -> bool:
    """Whether a capitalised ``word`` of a ``language`` text is a proper name that a translation keeps
    ("Villamar", "Marisal"), rather than a common word a translation changes ("Gulf", "Film")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, language) < NAME_BELOW
