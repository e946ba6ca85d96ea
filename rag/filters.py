"""News-aware query understanding: dates and outlets named in a question become metadata filters.

``understand`` reads English and Spanish time expressions (relative ones resolved against
``as_of``, in its time zone) and outlet names in an attribution context ("according to X",
"según X", "in X", "X reported"), and returns the question without them plus a ``Filters``
whose ``where()`` is a Chroma clause over chunk metadata.

Rules, not a model, and conservative: what is not clearly a date or an outlet is left alone.
Not handled: weekday names ("on Monday", "el lunes"), weekends, parts of a period ("early June",
"a finales de mayo"), numeric dates other than ISO ("17/06/2024"), ranges sharing a month
("del 1 al 15 de junio"), possessives ("last week's"), month abbreviations without a day, dates
in the future of ``as_of``, and outlets named without an attribution context. A date is always
taken as the publication window, even when the question means the time of an event.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import NamedTuple

UTC = timezone.utc


@dataclass(frozen=True)
class Filters:
    """Metadata restrictions for retrieval; an empty ``Filters`` restricts nothing."""

    since: datetime | None = None  # inclusive, timezone-aware (UTC)
    until: datetime | None = None  # exclusive, timezone-aware (UTC)
    sources: tuple[str, ...] = ()  # outlet names, exactly as stored in the archive
    language: str | None = None  # ISO 639-1 of the articles wanted

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _to_utc(self.since))
        object.__setattr__(self, "until", _to_utc(self.until))
        object.__setattr__(self, "sources", tuple(self.sources))

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources or self.language)

    def bounds(self) -> tuple[int | None, int | None]:
        """``since`` and ``until`` as whole ``published_ts`` seconds (rounded up), None when unset."""
        return tuple(None if t is None else math.ceil(t.timestamp()) for t in (self.since, self.until))

    def where(self) -> dict | None:
        """Chroma ``where`` over ``published_ts``, ``source`` and ``language``; None when empty."""
        conditions: list[dict] = []
        since_ts, until_ts = self.bounds()
        if since_ts is not None:
            conditions.append({"published_ts": {"$gte": since_ts}})
        if until_ts is not None:
            conditions.append({"published_ts": {"$lt": until_ts}})
        if len(self.sources) == 1:
            conditions.append({"source": self.sources[0]})
        elif self.sources:
            conditions.append({"source": {"$in": list(self.sources)}})
        if self.language:
            conditions.append({"language": self.language})
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def merge(self, other: Filters) -> Filters:
        """These filters with each field that ``other`` sets taken from ``other``.

        Explicit filters win over understood ones: ``understood.merge(explicit)``. Fields are
        merged one by one, so an explicit ``since`` keeps an understood ``until``.
        """
        return Filters(
            since=other.since if other.since is not None else self.since,
            until=other.until if other.until is not None else self.until,
            sources=other.sources or self.sources,
            language=other.language or self.language,
        )


def _to_utc(value: datetime | date | None) -> datetime | None:
    """``value`` in UTC; a naive datetime or a bare date is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- the question as seen by the patterns ---------------------------------------------------

def _fold(text: str) -> str:
    """``text`` without accents, one character per character (indices carry over); case is kept."""
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return unicodedata.normalize("NFD", c)[0]


_STOP = frozenset("""
a an the of and or nor to in on at by for from with about as into over under than then that this these those there here it its
is are was were be been being do does did has have had will would can could should may might must not no
what who whom whose which when where why how
el la los las lo un una unos unas de del al y e o u ni en por para con sin sobre entre que se su sus le les
es son fue fueron era eran ha han habia hubo sera no si
quien quienes cuando donde cual cuales como cuanto cuanta cuantos cuantas
""".split())
_GENERIC = _STOP | frozenset("""
happened happen happens happening occurred occur news new latest anything something tell me us know say said says
report reported reports there any
paso pasa ocurrio ocurre sucedio sucede noticias noticia novedades nuevo nueva nuevas nuevos hay algo dijo dice
informo publico sabe sabemos
""".split())


# --- time expressions ----------------------------------------------------------------------

class _Ctx(NamedTuple):
    today: date  # as_of's calendar day, in its time zone
    tz: tzinfo


Span = tuple[date, date]  # local days, [start, end)

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}
_UNITS = {
    "hour": "h", "hours": "h", "hora": "h", "horas": "h", "day": "d", "days": "d", "dia": "d", "dias": "d",
    "week": "w", "weeks": "w", "semana": "w", "semanas": "w", "month": "m", "months": "m", "mes": "m",
    "meses": "m", "year": "y", "years": "y", "ano": "y", "anos": "y",
}
_MONTHS = {
    "january": 1, "enero": 1, "february": 2, "febrero": 2, "march": 3, "marzo": 3, "april": 4, "abril": 4,
    "may": 5, "mayo": 5, "june": 6, "junio": 6, "july": 7, "julio": 7, "august": 8, "agosto": 8,
    "september": 9, "septiembre": 9, "setiembre": 9, "october": 10, "octubre": 10, "november": 11,
    "noviembre": 11, "december": 12, "diciembre": 12,
}
_ABBREVIATIONS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                  "oct": 10, "nov": 11, "dec": 12}
_WORD_MONTHS = ("may", "march", "august")  # also English words: only capitalised


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NUM = rf"(?P<n>\d{{1,3}}|{_alternation(_NUMBERS)})"
_UNIT = rf"(?P<unit>{_alternation(_UNITS)})"
_MONTH_NAME = (
    _alternation(m for m in _MONTHS if m not in _WORD_MONTHS)
    + "|(?-i:" + "|".join(f"{m.capitalize()}|{m.upper()}" for m in _WORD_MONTHS) + ")"
)
_MONTH_ABBR = "(?-i:" + "|".join(a.capitalize() for a in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")\.?"
_YEAR_TAIL = r"(?:,?\s+(?:of\s+|del?\s+)?(?P<y>\d{4})\b)?"
_NOT_PART = r"(?!\s+(?:of|de|del)\b)(?!['’]s\b)"  # "last week of June", "last year's": not a window
_I = re.IGNORECASE

_LEAD_EN = r"(?:(?:in|over|during|for|within)\s+)?"
_LEAD_ES = r"(?:(?:en|durante)\s+)?"

_TODAY = re.compile(rf"\b(?:today|hoy)\b(?!\s+(?:en\s+)?dia\b){_NOT_PART}", _I)
_YESTERDAY = re.compile(rf"\b(?:yesterday|ayer)\b{_NOT_PART}", _I)
_DAY_BEFORE = re.compile(r"\b(?:the\s+day\s+before\s+yesterday|anteayer|antier|antes\s+de\s+ayer)\b", _I)
_CALENDAR_EN = re.compile(rf"(?<!\bthe\s)\b(?P<which>last|this)\s+(?P<unit>week|month|year)\b{_NOT_PART}", _I)
_LAST_ES = re.compile(rf"\b(?:(?:el|la)\s+)?(?P<unit>semana|mes|ano)\s+(?P<which>pasad[oa])\b{_NOT_PART}", _I)
_THIS_ES = re.compile(rf"\b(?P<which>est[ea])\s+(?P<unit>semana|mes|ano)\b{_NOT_PART}", _I)
_AGO_EN = re.compile(rf"\b{_NUM}\s+{_UNIT}\s+ago\b", _I)
_AGO_ES = re.compile(rf"\bhace\s+{_NUM}\s+{_UNIT}\b", _I)
_ROLLING_EN = re.compile(rf"\b{_LEAD_EN}(?:the\s+)?(?:last|past)\s+{_NUM}\s+{_UNIT}\b{_NOT_PART}", _I)
_ROLLING_ES = re.compile(rf"\b{_LEAD_ES}(?:(?:los|las)\s+)?ultim[oa]s\s+{_NUM}\s+{_UNIT}\b{_NOT_PART}", _I)
_ROLLING_ONE_EN = re.compile(rf"\b{_LEAD_EN}the\s+(?:last|past)\s+(?P<unit>day|week|month|year)\b{_NOT_PART}", _I)
_ROLLING_ONE_ES = re.compile(rf"\b{_LEAD_ES}(?:el|la)\s+ultim[oa]\s+(?P<unit>semana|mes|ano)\b{_NOT_PART}", _I)
_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b(?!-)")
_DAY_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th|º)?\s+(?:of\s+|de\s+)?(?P<m>{_MONTH_NAME}|{_MONTH_ABBR})(?!\w){_YEAR_TAIL}",
    _I,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<m>{_MONTH_NAME}|{_MONTH_ABBR})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![.,:]\d)(?:,?\s+(?P<y>\d{{4}})\b)?", _I
)
_MONTH_YEAR = re.compile(rf"\b(?P<m>{_MONTH_NAME})\b{_YEAR_TAIL}", _I)
_YEAR = re.compile(r"\b(?P<y>(?:19|20)\d{2})\b(?![.,]\d|\s*%|-\d|['’])")

_YEAR_LIST = re.compile(r"\s*(?:[,;]|\s(?:and|or|y|o|e|u)\b)\s*\d", _I)  # "1961, 2000 y 2001": facts
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")
_WORD_START = re.compile(r"(?<!\w)\w")


def _day_span(year: int, month: int, day: int) -> Span | None:
    try:
        start = date(year, month, day)
    except ValueError:
        return None
    return start, start + timedelta(days=1)


def _month_span(year: int, month: int) -> Span:
    start = date(year, month, 1)
    return start, _add_months(start, 1)


def _add_months(day: date, n: int) -> date:
    years, month0 = divmod(day.month - 1 + n, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar(unit: str, offset: int, today: date) -> Span | None:
    """The day, week (Monday to Sunday), month or year ``offset`` units from today's; hours: None."""
    if unit == "d":
        start = today + timedelta(days=offset)
        return start, start + timedelta(days=1)
    if unit == "w":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return start, start + timedelta(weeks=1)
    if unit == "m":
        start = _add_months(today.replace(day=1), offset)
        return start, _add_months(start, 1)
    if unit == "y":
        return date(today.year + offset, 1, 1), date(today.year + offset + 1, 1, 1)
    return None


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word.lower()]


def _month_number(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTHS.get(name) or _ABBREVIATIONS[name]


def _last_year_with(month: int, day: int, today: date) -> int:
    """The latest year in which month/day is not after today."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _resolve_today(m: re.Match, ctx: _Ctx) -> Span:
    return _calendar("d", 0, ctx.today)


def _resolve_yesterday(m: re.Match, ctx: _Ctx) -> Span:
    return _calendar("d", -1, ctx.today)


def _resolve_day_before(m: re.Match, ctx: _Ctx) -> Span:
    return _calendar("d", -2, ctx.today)


def _resolve_calendar(m: re.Match, ctx: _Ctx) -> Span | None:
    offset = 0 if m["which"].lower() in ("this", "este", "esta") else -1
    return _calendar(_UNITS[m["unit"].lower()], offset, ctx.today)


def _resolve_ago(m: re.Match, ctx: _Ctx) -> Span | None:
    """N days ago is that day; N weeks, months or years ago is that calendar week, month or year."""
    return _calendar(_UNITS[m["unit"].lower()], -_number(m["n"]), ctx.today)


def _resolve_rolling(m: re.Match, ctx: _Ctx) -> Span | None:
    """From N units before today (hours round up to days) to the end of today."""
    n = _number(m["n"]) if "n" in m.re.groupindex else 1
    unit, today = _UNITS[m["unit"].lower()], ctx.today
    if unit in ("m", "y"):
        start = _add_months(today, -n * (12 if unit == "y" else 1))
    else:
        start = today - timedelta(days={"h": math.ceil(n / 24), "d": n, "w": 7 * n}[unit])
    return start, today + timedelta(days=1)


def _resolve_iso(m: re.Match, ctx: _Ctx) -> Span | None:
    return _day_span(int(m["y"]), int(m["m"]), int(m["d"]))


def _resolve_day(m: re.Match, ctx: _Ctx) -> Span | None:
    month, day = _month_number(m["m"]), int(m["d"])
    year = int(m["y"]) if m["y"] else _last_year_with(month, day, ctx.today)
    return _day_span(year, month, day)


def _resolve_month(m: re.Match, ctx: _Ctx) -> Span:
    """A month without a year is the latest one that has begun."""
    month = _month_number(m["m"])
    year = int(m["y"]) if m["y"] else _last_year_with(month, 1, ctx.today)
    return _month_span(year, month)


def _resolve_year(m: re.Match, ctx: _Ctx) -> Span:
    year = int(m["y"])
    return date(year, 1, 1), date(year + 1, 1, 1)


class _Pattern(NamedTuple):
    regex: re.Pattern[str]
    kind: str  # "rel" stands alone; "day" and "month" only with a year or after a preposition; "year" never alone
    resolve: Callable[[re.Match, _Ctx], Span | None]


_VALUES = (
    _Pattern(_DAY_BEFORE, "rel", _resolve_day_before),
    _Pattern(_TODAY, "rel", _resolve_today),
    _Pattern(_YESTERDAY, "rel", _resolve_yesterday),
    _Pattern(_CALENDAR_EN, "rel", _resolve_calendar),
    _Pattern(_LAST_ES, "rel", _resolve_calendar),
    _Pattern(_THIS_ES, "rel", _resolve_calendar),
    _Pattern(_AGO_EN, "rel", _resolve_ago),
    _Pattern(_AGO_ES, "rel", _resolve_ago),
    _Pattern(_ROLLING_EN, "rel", _resolve_rolling),
    _Pattern(_ROLLING_ES, "rel", _resolve_rolling),
    _Pattern(_ROLLING_ONE_EN, "rel", _resolve_rolling),
    _Pattern(_ROLLING_ONE_ES, "rel", _resolve_rolling),
    _Pattern(_ISO, "day", _resolve_iso),
    _Pattern(_DAY_MONTH, "day", _resolve_day),
    _Pattern(_MONTH_DAY, "day", _resolve_day),
    _Pattern(_MONTH_YEAR, "month", _resolve_month),
    _Pattern(_YEAR, "year", _resolve_year),
)
_ANY = frozenset({"rel", "day", "month", "year"})


class _Op(NamedTuple):
    regex: re.Pattern[str]
    action: str  # how the value's span bounds the window: "in", "since", "after", "before", "until"
    kinds: frozenset[str]


_OPS = (
    _Op(re.compile(r"\b(?:on|el|del|of)\s+", _I), "in", frozenset({"day"})),
    _Op(re.compile(r"\b(?:in|during|throughout|en|durante)\s+(?:(?:the|el|los|las)\s+)?", _I), "in", _ANY),
    _Op(re.compile(r"\b(?:of|from|de|del)\s+", _I), "in", frozenset({"rel"})),
    _Op(re.compile(r"\b(?:since|desde)\s+(?:(?:the|el|la)\s+)?", _I), "since", _ANY),
    _Op(re.compile(r"\b(?:after|despues\s+del?|tras)\s+(?:(?:the|el|la)\s+)?", _I), "after", _ANY),
    _Op(re.compile(r"\b(?:before|prior\s+to|antes\s+del?)\s+(?:(?:the|el|la)\s+)?", _I), "before", _ANY),
    _Op(re.compile(r"\b(?:until|till|hasta)\s+(?:(?:the|el|la)\s+)?", _I), "until", _ANY),
)
_RANGES = (  # (opening word, joining word) of "between X and Y"
    (re.compile(r"\bbetween\s+(?:the\s+)?", _I), re.compile(r"\s+and\s+(?:the\s+)?", _I)),
    (re.compile(r"\bentre\s+(?:(?:el|la)\s+)?", _I), re.compile(r"\s+[ye]\s+(?:(?:el|la)\s+)?", _I)),
    (re.compile(r"\bfrom\s+(?:the\s+)?", _I), re.compile(r"\s+(?:to|until|till|through)\s+(?:the\s+)?", _I)),
    (re.compile(r"\b(?:desde|del?)\s+(?:(?:el|la)\s+)?", _I), re.compile(r"\s+(?:hasta|al?)\s+(?:(?:el|la)\s+)?", _I)),
)


class _Value(NamedTuple):
    end: int
    kind: str
    span: Span


class _Time(NamedTuple):
    start: int
    end: int
    since: date | None
    until: date | None


def _value_at(text: str, pos: int, ctx: _Ctx, kinds: frozenset[str], alone: bool = False) -> _Value | None:
    """The longest date value starting at ``pos``; ``alone``: one that needs no preposition."""
    best = None
    for regex, kind, resolve in _VALUES:
        m = regex.match(text, pos) if kind in kinds else None
        if not m or alone and not _stands_alone(kind, m):
            continue
        span = resolve(m, ctx)
        if span and span[0] <= ctx.today and (best is None or m.end() > best.end):
            best = _Value(m.end(), kind, span)
    return best


def _stands_alone(kind: str, m: re.Match) -> bool:
    """Relative expressions and dates with a year need no preposition; a bare year always does."""
    return kind == "rel" or kind != "year" and bool(m.groupdict().get("y"))


def _year_ends_well(text: str, value: _Value) -> bool:
    """False for a year that is a number in a list or is followed by a noun ("in 2000 homes")."""
    if value.kind != "year":
        return True
    if _YEAR_LIST.match(text, value.end):
        return False
    word = _NEXT_WORD.match(text, value.end)
    return not word or not word[1][0].islower() or word[1].lower() in _STOP


def _bounds(action: str, span: Span) -> tuple[date | None, date | None]:
    start, end = span
    return {"in": (start, end), "since": (start, None), "after": (end, None),
            "before": (None, start), "until": (None, end)}[action]


def _time_at(text: str, pos: int, ctx: _Ctx) -> _Time | None:
    """The longest time expression starting at ``pos`` (a lone value wins a tie)."""
    found = []
    value = _value_at(text, pos, ctx, _ANY, alone=True)
    if value:
        found.append(_Time(pos, value.end, *value.span))
    for op in _OPS:
        m = op.regex.match(text, pos)
        value = m and _value_at(text, m.end(), ctx, op.kinds)
        if value and _year_ends_well(text, value):
            found.append(_Time(pos, value.end, *_bounds(op.action, value.span)))
    found.extend(r for r in (_range_at(text, pos, ctx, opening, joining) for opening, joining in _RANGES) if r)
    return max(found, key=lambda t: t.end, default=None)


def _range_at(text: str, pos: int, ctx: _Ctx, opening: re.Pattern[str], joining: re.Pattern[str]) -> _Time | None:
    m = opening.match(text, pos)
    first = m and _value_at(text, m.end(), ctx, _ANY)
    join = first and joining.match(text, first.end)
    last = join and _value_at(text, join.end(), ctx, _ANY)
    if not last or not _year_ends_well(text, last) or last.span[1] <= first.span[0]:
        return None
    return _Time(pos, last.end, first.span[0], last.span[1])


def _find_times(text: str, ctx: _Ctx) -> list[_Time]:
    """Time expressions in ``text``, left to right, not overlapping."""
    times, pos = [], 0
    while word := _WORD_START.search(text, pos):
        found = _time_at(text, word.start(), ctx)
        if found:
            times.append(found)
        pos = found.end if found else word.end()
    return times


def _window(times: list[_Time]) -> tuple[date | None, date | None]:
    """The intersection of the expressions' windows; (None, None) when it is empty."""
    starts = [t.since for t in times if t.since]
    ends = [t.until for t in times if t.until]
    since, until = max(starts, default=None), min(ends, default=None)
    return (None, None) if since and until and since >= until else (since, until)


def _midnight(day: date | None, ctx: _Ctx) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=ctx.tz).astimezone(UTC)


def _context(as_of: datetime | date) -> _Ctx:
    """``as_of``'s day in its own time zone; a date or a naive datetime is taken as UTC."""
    if isinstance(as_of, datetime):
        return _Ctx(as_of.date(), as_of.tzinfo or UTC)
    return _Ctx(as_of, UTC)


# --- outlets -----------------------------------------------------------------------------

_ARTICLES = frozenset({"the", "el", "la", "los", "las"})
_OUTLET_PREP = re.compile(
    r"\b(?:according\s+to|as\s+reported\s+by|reported\s+by|published\s+by|segun|de\s+acuerdo\s+con|publicado\s+por"
    r"|informado\s+por|in|en|from|by|de|del|per)\s+(?:(?:the|el|la|los|las)\s+)?$", _I
)
_REPORTING = (
    r"(?:reported|reports|report|said|says|say|wrote|writes|write|published|publishes|publish|informo|informa|publico"
    r"|publica|dijo|dice|reporto|reporta|senalo|senala|aseguro|asegura|afirmo|afirma|revelo|revela|explico|explica)"
)
_VERB_BEFORE = re.compile(  # "dijo El Observador", "..., said the Courier"
    r"\b(?:informo|informa|publico|publica|dijo|dice|reporto|reporta|senalo|senala|aseguro|asegura|afirmo|afirma"
    r"|revelo|revela|explico|explica|said|says|reported|reports|wrote|writes)\s+(?:(?:the|el|la|los|las)\s+)?$", _I
)
_VERB_AFTER = re.compile(rf"\s+(?:(?:has|had|have|ha|han)\s+)?{_REPORTING}\b", _I)
_OUTLET_JOIN = re.compile(r"\s*(?:,|,?\s+(?:and|or|y|o|e|u|&))\s+(?:(?:the|el|la|los|las)\s+)?", _I)
_ARTICLE_BEFORE = re.compile(r"\b(?:the|el|la|los|las|del|al)\s+$", _I)
_CAPITALISED_NEXT = re.compile(r"\s+[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]")


class _Alias(NamedTuple):
    regex: re.Pattern[str]
    outlet: str | None  # None when the alias fits several outlets
    word: bool  # one word besides articles: must be capitalised and not followed by a capitalised word
    head: bool  # a distinctive word of the name ("the Courier"): must follow an article


def _name_words(name: str) -> list[str]:
    return _fold(name).lower().split()


def _head_word(words: list[str]) -> str | None:
    """The word a name is shortened to: the first after El/La or before de/del, else the last."""
    rest = words[1:] if words[0] in _ARTICLES else words
    if len(rest) < 2:
        return None
    return rest[0] if words[0] in _ARTICLES - {"the"} or {"de", "del"} & set(rest) else rest[-1]


def _alias(words: list[str], outlet: str | None, head: bool = False) -> _Alias:
    body = r"\s+".join(re.escape(w) for w in words)
    single = len([w for w in words if w not in _ARTICLES]) == 1  # "El País" too: "en el país" is not it
    return _Alias(re.compile(rf"(?<!\w){body}(?!\w)", _I), outlet, single, head)


@lru_cache(maxsize=32)
def _aliases(outlets: tuple[str, ...]) -> tuple[_Alias, ...]:
    """Full names, names without a leading article, and distinctive head words of ``outlets``."""
    names: dict[tuple[str, ...], set[str]] = {}
    users: dict[str, set[str]] = {}
    for outlet in outlets:
        words = _name_words(outlet)
        if not set(words) - _ARTICLES:
            continue
        names.setdefault(tuple(words), set()).add(outlet)
        if words[0] in _ARTICLES and len(words) > 1:
            names.setdefault(tuple(words[1:]), set()).add(outlet)
        for word in set(words) - _ARTICLES:
            users.setdefault(word, set()).add(outlet)
    aliases = [_alias(list(n), next(iter(o)) if len(o) == 1 else None) for n, o in names.items()]
    for outlet in outlets:
        words = _name_words(outlet)
        head = _head_word(words) if set(words) - _ARTICLES else None
        if head and len(head) >= 3 and head not in _STOP and users[head] == {outlet} and (head,) not in names:
            aliases.append(_alias([head], outlet, head=True))
    return tuple(aliases)


class _Mention(NamedTuple):
    start: int
    end: int
    alias: _Alias


def _mentions(text: str, outlets: tuple[str, ...]) -> list[_Mention]:
    """Outlet names in ``text``, longest first where they overlap, left to right."""
    found = sorted(
        (_Mention(m.start(), m.end(), a) for a in _aliases(outlets) for m in a.regex.finditer(text)),
        key=lambda x: (x.start, x.start - x.end),
    )
    kept: list[_Mention] = []
    for mention in found:
        if (not kept or mention.start >= kept[-1].end) and _looks_like_name(text, mention):
            kept.append(mention)
    return kept


def _looks_like_name(text: str, mention: _Mention) -> bool:
    alias = mention.alias
    if alias.outlet is None:
        return False
    if not alias.word:
        return True
    capitalised = text[mention.start:mention.end].split()[-1][0].isupper()
    followed = _CAPITALISED_NEXT.match(text, mention.end)
    next_is_name = bool(followed) and followed.group()[-1].isupper()
    article = not alias.head or _ARTICLE_BEFORE.search(text, 0, mention.start)
    return capitalised and not next_is_name and bool(article)


def _groups(text: str, mentions: list[_Mention]) -> list[list[_Mention]]:
    """Mentions joined by commas or and/or/y/o, as in "según X y Z"."""
    groups: list[list[_Mention]] = []
    for mention in mentions:
        if groups and _OUTLET_JOIN.fullmatch(text, groups[-1][-1].end, mention.start):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def _find_outlets(text: str, mentions: list[_Mention]) -> tuple[list[str], list[tuple[int, int]]]:
    """Outlets named in an attribution context, and the spans to cut ("according to X").

    A mention next to a reporting verb ("X reported", "dijo X") filters but stays in the question;
    so does a possessive ("the Courier's").
    """
    sources: list[str] = []
    cuts: list[tuple[int, int]] = []
    for group in _groups(text, mentions):
        start, end = group[0].start, group[-1].end
        prep = _OUTLET_PREP.search(text, 0, start)
        if not (prep or _VERB_BEFORE.search(text, 0, start) or _VERB_AFTER.match(text, end)):
            continue
        sources.extend(m.alias.outlet for m in group if m.alias.outlet not in sources)
        if prep and not _POSSESSIVE.match(text, end):
            cuts.append((prep.start(), end))
    return sources, cuts


# --- the question left to search with -----------------------------------------------------------

_SPACES = re.compile(r"\s{2,}")
_SPACE_BEFORE = re.compile(r"\s+([,.;:?!)])")
_SPACE_AFTER = re.compile(r"([¿¡(])\s+")
_EMPTY_CLAUSE = re.compile(r"[,;:]+(?=[,.;:?!)]|$)")
_LEADING = re.compile(r"^([¿¡]?)[\s,;:]+")
_CONTENT = re.compile(r"\w+")


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without ``spans``, with spaces and punctuation tidied."""
    pieces, pos = [], 0
    for start, end in sorted(spans):
        pieces.append(text[pos:max(pos, start)])
        pos = max(pos, end)
    out = "".join(pieces) + text[pos:]
    out = _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", _SPACES.sub(" ", out)))
    out = _LEADING.sub(r"\1", _EMPTY_CLAUSE.sub("", out)).strip()
    return _capitalise_like(out, text)


def _capitalise_like(text: str, original: str) -> str:
    """``text`` with its first letter upper-cased when ``original``'s was."""
    first = next((i for i, c in enumerate(text) if c.isalpha()), None)
    was_upper = next((c.isupper() for c in original if c.isalpha()), False)
    return text[:first] + text[first].upper() + text[first + 1:] if first is not None and was_upper else text


def _meaningful(text: str) -> bool:
    """Whether ``text`` still asks about something: a word that is not a question or filler word."""
    return any(w.isdigit() or len(w) >= 3 and w not in _GENERIC for w in _CONTENT.findall(_fold(text).lower()))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (indices kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def understand(question: str, as_of: datetime | date, outlets: Sequence[str] = ()) -> tuple[str, Filters]:
    """The question to search with and the filters it states: dates and outlets, never a language.

    Dates are resolved against ``as_of`` (timezone-aware; naive is taken as UTC) in its time
    zone. Outlet names are returned as given in ``outlets``. The phrases are cut from the question
    only when what is left still asks about something; otherwise the question comes back as is.
    Contradictory dates ("in June after July") give no date filter.
    """
    text = unicodedata.normalize("NFC", question)
    folded, ctx = _fold(text), _context(as_of)
    mentions = _mentions(folded, tuple(outlets))  # names first: "USA Today" is not a date
    times = _find_times(_blank(folded, [(m.start, m.end) for m in mentions]), ctx)
    since, until = _window(times)
    time_spans = [(t.start, t.end) for t in times] if since or until else []
    sources, outlet_spans = _find_outlets(_blank(folded, time_spans), mentions)
    filters = Filters(_midnight(since, ctx), _midnight(until, ctx), tuple(sources))
    spans = time_spans + outlet_spans
    if not spans:
        return question, filters
    cleaned = _cut(text, spans)
    return (cleaned if _meaningful(cleaned) else question), filters


def day(value: str) -> datetime:
    """An ISO date such as ``2024-06-17`` as midnight UTC; `ValueError` when it is not one."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def day_filters(since: datetime | None = None, until: datetime | None = None, sources: Sequence[str] = (),
                language: str | None = None) -> Filters | None:
    """Filters from whole days, as flags and forms give them (``until`` includes its day); None when empty."""
    return Filters(since=since, until=until + timedelta(days=1) if until else None, sources=tuple(sources),
                   language=language or None) or None
