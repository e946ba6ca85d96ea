"""Quantities read as values: "12 mil millones de euros", "12 billion euros" and "€12bn" are all
12,000,000,000 EUR, and "3.200" and "3,200" are both 3,200; "12 million" is not "12 mil millones".

Numbers written as words become digits first with `text2num` (English, Spanish, French,
German, Italian, Portuguese); magnitude words, units and separators are `index.language`'s
(quantulum3 reads English only, so it is not used). A quantity written with fewer digits
matches a value it rounds (1.2 million matches 1,234,000). Times and scores ("0:40", "17-12")
are not quantities (`rag.support` compares them as written). Not handled: fractions in words
("dos tercios") and ranges as one value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from index.language import (ALL_FUNCTION_WORDS, MAGNITUDE_WORDS, MAGNITUDES, MONTHS, ORDINALS, THOUSANDS_SEPARATORS, UNITS, WEEKDAYS, singular,
                            fold, question_language)

_SHORT = ("k", "m", "mn", "bn")  # magnitudes written only against the number or after a currency sign: "12bn", "€3m"
_LONG = sorted((w for w in MAGNITUDES if w not in _SHORT), key=len, reverse=True)
_UNIT_WORDS = sorted((u for u in UNITS if u not in "€$£"), key=len, reverse=True)
# Thousands are grouped by one separator throughout: "3.200", "3,200", "711 988" (a space, as Spanish
# style books ask for), or a no-break space.
_NUMBER = r"\d{1,3}(?P<sep>[.,\u00a0\u202f ])\d{3}(?:(?P=sep)\d{3})*(?![.,]?\d)|\d+(?:[.,]\d+)?"
_QUANTITY = re.compile(
    rf"(?P<pre>[€$£]\s?)?(?<![\d.,:/])(?P<num>{_NUMBER})(?![\d:/])"
    rf"(?P<short>(?:{'|'.join(_SHORT)})\b)?"
    rf"(?P<mag>(?:(?:\s+|-)(?:de\s+)?(?:{'|'.join(_LONG)})\b)*)"  # "18.5-million-euro" as "18.5 million euros"
    rf"(?P<unit>\s?%|(?:\s+|-)(?:de\s+)?(?:{'|'.join(map(re.escape, _UNIT_WORDS))})\b|\s?[€$£])?",
    re.I,
)


@dataclass(frozen=True)
class Quantity:
    """A number as stated: its value with magnitude words applied, its unit, and where it is in the text."""

    value: float
    unit: str  # "%", "EUR", "USD", "GBP" or "" (a count, a year, a unit newsrag does not know)
    text: str  # the number and its magnitude words, as written (units left out)
    start: int
    end: int
    step: float  # the value of the last digit written: a quantity matches what it rounds to

    @property
    def suffix(self) -> str:
        """The unit as an answer writes it after the number: " %" for a percentage, else "" (a
        currency or a counted word stays in the sentence around the number)."""
        return " %" if self.unit == "%" else ""

    @property
    def written(self) -> str:
        """The number as written, with its percent sign: "82 %", "45.000", "12 mil millones"."""
        return self.text + self.suffix

    def matches(self, other: Quantity) -> bool:
        """Whether ``other`` states this value (to the precision this one is written with) in a compatible unit."""
        if self.unit and other.unit and self.unit != other.unit:
            return False
        tolerance = max(self.step / 2, abs(self.value) * 1e-9)
        return abs(self.value - other.value) <= tolerance

    def magnitude_slip(self, other: Quantity) -> bool:
        """Whether ``other`` has the same digits at another power of a thousand (12 million against 12 billion)."""
        if not self.value or not other.value or (self.unit and other.unit and self.unit != other.unit):
            return False
        ratio = math.log10(abs(other.value / self.value))
        return abs(ratio - round(ratio)) < 1e-9 and round(ratio) != 0 and round(ratio) % 3 == 0


def is_year(q: Quantity) -> bool:
    """Whether ``q`` reads as a year: a whole number from 1800 to 2100 with no unit, written without separators."""
    return not q.unit and q.value.is_integer() and 1800 <= q.value <= 2100 and q.text.isdigit()


_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_AFTER = re.compile(rf"^\s*(?:de\s+|of\s+)?(?:{_MONTH})\b", re.I)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTH})\.?\s*$", re.I)


def is_day(q: Quantity, text: str) -> bool:
    """Whether ``q`` (found in ``text``) is a day of a month: "6 July", "6 de julio", "July 6"."""
    if q.start < 0 or q.unit or not q.value.is_integer() or not 1 <= q.value <= 31:
        return False
    return bool(_MONTH_AFTER.match(text[q.end:q.end + 20]) or _MONTH_BEFORE.search(text[max(0, q.start - 12):q.start]))


ORDINALS_FOLDED = {fold(w): n for w, n in ORDINALS.items()}
_ORDINAL_WORD = re.compile(rf"\b(?:{'|'.join(sorted(map(fold, ORDINALS), key=len, reverse=True))})\b")
_ORDINAL_DIGITS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|º|ª|\.º|\.ª)(?!\w)")


def _ordinals(text: str) -> list[tuple[int, str, int]]:
    """Each ordinal of ``text`` as (number, the text it was found in, where it ends there)."""
    folded = fold(text)
    found = [(ORDINALS_FOLDED[m.group(0)], folded, m.end()) for m in _ORDINAL_WORD.finditer(folded)]
    for m in _ORDINAL_DIGITS.finditer(text):
        if not (_MONTH_AFTER.match(text[m.end():m.end() + 20]) or _MONTH_BEFORE.search(text[max(0, m.start() - 12):m.start()])):
            found.append((int(m.group(1)), text, m.end()))
    return found


def ordinals(text: str) -> set[int]:
    """The ordinals ``text`` states, as numbers: "the second phase" and "la 2ª fase" give {2}.
    A day of a month ("July 2nd", "1º de mayo") is a date, not an ordinal."""
    return {n for n, _, _ in _ordinals(text)}


def ordinal_nouns(text: str) -> set[tuple[int, str]]:
    """Each ordinal of ``text`` (`ordinals`) with the word that follows it, folded and singular:
    "the second phase" and "la segunda fase" give {(2, "phase")} and {(2, "fase")}. An ordinal
    before no word ("came second.") is left out."""
    out = set()
    for n, source, end in _ordinals(text):
        after = re.match(r"\s+([^\W\d_]+)", source[end:])
        if after:
            out.add((n, singular(fold(after.group(1)))))
    return out


_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DATE = rf"\d{{1,2}}(?:st|nd|rd|th|º)?\s+(?:de\s+|of\s+)?(?:{_MONTH})\b|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?![.,]?\d)"
_DAY = re.compile(rf"\b(?P<weekday>{_WEEKDAY})\b(?:,?\s+(?:the\s+)?(?P<date>{_DATE}))?|\b(?P<alone>{_DATE})", re.I)


@dataclass(frozen=True)
class Day:
    """A day a text names: its weekday (0 is Monday), its day and month, or both ("Tuesday 14 May")."""

    weekday: int | None
    date: tuple[int, int] | None  # (day, month)

    def same(self, other: Day) -> bool:
        """Whether both name the same day: the same weekday or the same date (a year is not compared)."""
        return (self.weekday is not None and self.weekday == other.weekday) or (self.date is not None and self.date == other.date)


def days(text: str) -> list[Day]:
    """The days ``text`` names by weekday or by day and month: "el lunes 13 de mayo", "Saturday 1 June",
    "May 14th". Not handled: numeric dates ("14/05"), "yesterday" and other days counted from another."""
    out = []
    for m in _DAY.finditer(text):
        weekday = WEEKDAYS.index(m.group("weekday").lower()) % 7 if m.group("weekday") else None
        written = m.group("date") or m.group("alone")
        date = None
        if written:
            day = int(re.search(r"\d+", written).group(0))
            word = re.search(r"[^\W\d_]+(?=\.?\s+\d)|[^\W\d_]+$", written.replace("º", "")).group(0)
            if word.lower() == "may" and word != "May":  # "the 3 may be wrong"
                continue
            date = (day, MONTHS[word.lower()]) if 1 <= day <= 31 else None
        if weekday is not None or date is not None:
            out.append(Day(weekday, date))
    return out


def _digits(number: str) -> tuple[float, float]:
    """``3.200`` -> 3200, ``1,5`` -> 1.5; and the value of the last digit written."""
    number = number.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[., ]\d{3})+", number):
        return float(re.sub(r"[., ]", "", number)), 1.0
    if re.fullmatch(r"\d+[.,]\d+", number):
        whole, frac = re.split(r"[.,]", number)
        return float(f"{whole}.{frac}"), 10.0 ** -len(frac)
    return float(number), 1.0


_TIMES_EN = {"twice": "2 times", "thrice": "3 times"}
_TIMES_WORDS = re.compile(r"\b(?:twice|thrice)\b", re.I)


@lru_cache(maxsize=4096)
def _as_digits(text: str, language: str) -> str:
    """``text`` with numbers written in words turned into digits (unchanged where text2num cannot).
    A figure written in digits keeps its magnitude word ("2,3 millones" is not "2,3 1000000")."""
    if language == "en":
        text = _TIMES_WORDS.sub(lambda m: _TIMES_EN[m.group(0).lower()], text)
    kept = [q.text for q in _scan(text) if not q.text.replace(".", "").replace(",", "").isdigit()]
    masked = text
    for i, written in enumerate(kept):
        masked = masked.replace(written, f"\x00{i}\x00", 1)
    try:
        from text_to_num import alpha2digit

        masked = alpha2digit(masked, language if language in ("en", "es", "fr", "de", "it", "pt") else "en", threshold=2)
    except Exception:  # text2num raises on some inputs and languages; the digits as written still count
        return text
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], masked)


def quantities(text: str, language: str | None = None) -> list[Quantity]:
    """The quantities stated in ``text``, those written in digits first, with their offsets;
    those written in words follow, with offsets -1 (they cannot be rewritten in place).
    Numbers in words are read in ``language``, by default the one ``text``'s function words tell."""
    found = _scan(text)
    rest = text
    for q in reversed(found):
        rest = rest[:q.start] + " ¤ " + rest[q.end:]
    if re.search(r"[^\W\d_]", rest):
        converted = _as_digits(rest, language or question_language(text))
        if converted != rest:
            found += [Quantity(q.value, q.unit, q.text, -1, -1, q.step) for q in _scan(converted)]
    return found


_UNCOUNTED = {"%", "EUR", "USD", "GBP", ""}  # units that do not say what is counted


def counted(text: str, language: str | None = None) -> tuple[str, list[tuple[Quantity, str]]]:
    """``text`` with its numbers written in digits, and each quantity there with the word it counts
    ("seven people were injured" -> 7, "people"; "1,240 loans" -> 1240, "loan"): the word right
    after the number in its singular (`index.language.singular`), or the unit of what is counted ("personas" -> "people");
    "" for money and percentages (an article states many of them about different things), and
    when a function word or nothing follows.
    Offsets are in the returned text. Not handled: a counted word after an adjective ("3 new homes")."""
    digits = _as_digits(text, language or question_language(text))
    out = []
    for q in _scan(digits):
        m = None if q.unit else re.match(r"\s+([^\W\d_]+)", digits[q.end:])
        word = m.group(1).lower() if m else q.unit if q.unit not in _UNCOUNTED else ""
        if word in ALL_FUNCTION_WORDS:
            word = ""
        out.append((q, singular(word)))
    return digits, out


_TIME = re.compile(r"(?<![\d.,:])(\d{1,2})(?:[:.h](\d{2}))?(?![\d.,]\d)\s*(a\.?\s?m\b\.?|p\.?\s?m\b\.?)?", re.I)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def times(text: str) -> set[tuple[int, int]]:
    """Clock times in ``text`` as (hour, minute) on a 12-hour dial: "0:40", "12:40 a.m." and "00.40" are all (0, 40).

    Only a time written with a colon or "h", or followed by am/pm, counts ("7.50am"; "7.50" alone may be a decimal)."""
    return {(int(m.group(1)) % 12, int(m.group(2) or 0)) for m in _TIME.finditer(text) if _is_time(m)}


def _is_time(m: re.Match) -> bool:
    return bool(m.group(3)) or bool(m.group(2)) and (":" in m.group(0) or "h" in m.group(0).lower())


_DAY_THEN_NUMBER = re.compile(rf"(\b(?:{_MONTH})\.?\s+\d{{1,2}}) (?=\d)", re.I)  # "June 30 150 people": a day, then a count


def _scan(source: str) -> list[Quantity]:
    source = _DAY_THEN_NUMBER.sub("\\1\t", source)  # the same length: offsets stay those of the text
    source = _ISO_DAY.sub(lambda m: f"{m.group(1)}    {m.group(3)}", source)  # 2024-05-16: the year and day; months are words in claims
    source = _TIME.sub(lambda m: " " * len(m.group(0)) if _is_time(m) else m.group(0), source)  # a clock time is no quantity
    out = []
    for m in _QUANTITY.finditer(source):
        value, step = _digits(m.group("num"))
        power = 0
        if m.group("short") and (m.group("pre") or not m.group("mag")):
            power += MAGNITUDES[m.group("short").lower()]
        for word in re.findall(r"[^\W\d_]+", m.group("mag") or ""):
            power += MAGNITUDES.get(word.lower(), 0)
        unit = ""
        for part in (m.group("pre"), m.group("unit")):
            if part:
                key = re.sub(r"^\s*(?:de\s+)?", "", part.strip(), flags=re.I).lower()
                unit = UNITS.get(key, unit)
        end = m.end("mag") if m.group("mag") else m.end("short") if m.group("short") else m.end("num")
        out.append(Quantity(value * 10.0 ** power, unit, source[m.start("num"):end], m.start("num"), end, step * 10.0 ** power))
    return out


def spoken(value: float, language: str = "en") -> str:
    """A value as a news text in ``language`` writes it: ``12 billion``, ``12 mil millones``, ``3,200``."""
    words = MAGNITUDE_WORDS.get(language, MAGNITUDE_WORDS["en"])
    for power, word in words:
        if power >= 6 and abs(value) >= 10.0 ** power:
            return f"{_plain(value / 10.0 ** power, language)} {word}"
    return _plain(value, language)


def _plain(value: float, language: str) -> str:
    thousands = THOUSANDS_SEPARATORS.get(language, ",")
    decimal = "," if thousands == "." else "."
    if float(value).is_integer():
        digits = f"{int(value):,}"
        if thousands == ",":
            return digits
        return digits.replace(",", ".") if abs(value) >= 10000 else digits.replace(",", "")  # Spanish: 3200, 12.000
    whole, frac = f"{value:,.6f}".rstrip("0").split(".")
    return f"{whole.replace(',', thousands)}{decimal}{frac}"
