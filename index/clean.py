"""Remove page boilerplate that survives text extraction, line by line.

Extracted text has one paragraph per line (or per block of lines between blank lines), and
boilerplate sits on lines of its own, so every rule judges a whole, short line:

* rules (`clean_text`), English and Spanish: bylines and contributor lines, "Updated:" stamps,
  photo credits and the one-sentence caption right below a credit, inline teasers
  ("Read more: ...", "Lea también: ..."), share/follow/newsletter lines, cookie notices,
  "Advertisement"/"Publicidad", menus and breadcrumbs; a "More stories"/"Más noticias" heading
  together with the headline-like lines after it; an "About the author" box at the end; and a
  final paragraph that is the author's bio (it starts with the byline's name, or it is a
  stand-alone quote right after a contributor line, like the «Defensor de ...» bios).
* templates (`clean`): short lines repeated across many articles of one outlet.

A story sentence that starts with "By"/"Por" or mentions a photo is kept: the line must be short
and have the exact shape of the boilerplate. Not handled: boilerplate glued onto a story line,
captions placed above their credit, bios that neither start with the author's name nor follow a
contributor line, footers whose teasers end with a full stop, languages other than English and
Spanish, templates of articles without an outlet (`Article.source`), and templates in an article
that is mostly template (a very short brief keeps them, see `_drop_templates`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .language import MONTHS, WEEKDAYS, split_sentences
from .types import Article

TEMPLATE_MIN_ARTICLES = 3  # a template line appears in at least this many different texts of the outlet...
TEMPLATE_MIN_SHARE = 0.5  # ...and in at least this share of them
TEMPLATE_MAX_WORDS = 30  # longer lines are story paragraphs (e.g. a wire paragraph reused by the outlet)
TEMPLATE_MAX_SHARE = 0.5  # an article whose words would be mostly "template" is a version of the same story: left alone
BIO_MAX_WORDS = 70  # a final paragraph about the author is short
AUTHOR_BOX_MAX_WORDS = 120  # "About the author" and what follows it, when it ends the article
TEASER_MAX_WORDS = 25

# Building blocks: a capitalised word, lower-case words inside names, a name, news agencies.
_CAP = r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*"
_LINK = r"(?:de|del|la|las|los|van|von|der|da|di|dos|y|and|&)"
_NAME = rf"{_CAP}(?:\s+(?:{_LINK}\s+)*{_CAP}){{0,5}}"
_AGENCY = re.compile(
    r"\b(?:Reuters|REUTERS|AFP|AP|EFE|Europa Press|Getty Images|Getty|Sputnik|Xinhua|EPA|Bloomberg|Shutterstock|iStock|"
    r"Anadolu|dpa|ANSA|Associated Press|PA)\b"
)
# month names and abbreviations, and weekday names, English and Spanish (longest first)
_MONTH = "|".join(re.escape(word) for word in sorted({*MONTHS, *WEEKDAYS}, key=lambda w: (-len(w), w)))
_SOCIAL = (
    r"facebook|twitter|x|whatsapp|linkedin|telegram|pinterest|reddit|bluesky|threads|messenger|flipboard|"
    r"e-?mail|mail|correo|print|imprimir|copy link|copiar enlace|copiar"
)

# "By Jane Doe", "Por Marta Gil | 12 de junio de 2024, 10:42", "By Jane Doe, Reuters", "Por Redacción / AIN"
_BYLINE = re.compile(
    rf"(?i:by|por)\s+(?P<name>{_NAME})(?P<tail>\s*(?:[|·•/—–]|\s-\s).*|,\s*\d.*|,\s*{_NAME})?"
)
# "Reporting by Jane Doe; Editing by ...", "Información adicional de María Knight.", "Con información de EFE"
_CONTRIBUTOR = re.compile(
    r"\(?(?i:(?:additional\s+)?reporting|writing|editing|edited|compiled|translated|contributing|información adicional|"
    r"con informaci[oó]n(?:es)?|reportaje adicional|redacción|edición|traducción)"
    rf"\s*(?:(?i:by|de|por)\s+|:\s*)(?:{_NAME}|agencias|staff)(?:\s*[;,/]\s*.*|\s+(?:and|y|in|en)\s.*)?\.?\)?"
)
# "Updated: 12/06/2024 11:05", "Published 14 June 2024", "Publicado el 12 de junio"
_STAMP = re.compile(
    r"(?i)(?:updated|last updated|published|posted|actualizado|publicado|última actualización|modificado)"
    rf"(?:\s+(?:on|at|el|a las))?\s*(?::\s*\S|(?=\d)|(?:{_MONTH})\b).*"
)
# "5 min read", "Tiempo de lectura: 3 min"
_READING_TIME = re.compile(
    r"(?i)(?:reading time|tiempo de lectura|lectura)\s*:?\s*\d+\s*min\w*|\d+\s*min(?:ute)?s?\s+(?:read|de lectura)"
)
# "Photo: Sam Whitlow / Northern Ledger", "Foto: Archivo / La Voz del Valle", "Photo credit: ...", "Imagen de Reuters"
_CREDIT = re.compile(
    r"(?i:photo(?:graph)?|foto(?:grafía)?|image|imagen|picture|credit|crédito)s?(?:\s+(?i:credit|crédito))?"
    r"\s*(?:[:/|]|\s(?i:by|de|por)\s+(?=[A-ZÁÉÍÓÚÑ]))\s*\S.*"
)
# "(Reuters)", "Sputnik/Reuters", "EFE/Juan Pérez", "AFP via Getty Images": names and slashes, with an agency
_AGENCY_LINE = re.compile(rf"\(?{_NAME}(?:\s*(?:/|\bvia\b|\|)\s*{_NAME})*\)?\.?")
_QUOTE = re.compile(r"[«»“”\"]")
# a paragraph that is one quotation and nothing else: «Defensor de la cultura pop. ...».
_QUOTE_ONLY = re.compile(r"[«“\"][^«»“”\"]+[»”\"]\.?")
# "Read more: Council confirms ...", "Lea también: La Diputación congela ..."
_TEASER = re.compile(
    r"(?i)(?:read more|read also|also read|see also|related(?: story| article)?|watch|listen|lea también|lee también|leer más|"
    r"ver también|(?:también )?te puede interesar|noticia relacionada|relacionad[oa]|más información)\s*[:|»›>–—]\s*\S.*"
)
# headings of teaser lists: "More Stories", "Related", "Más noticias", "Te puede interesar"
_FOOTER = re.compile(
    r"(?i)(?:more(?: top)? stories|more news|more from .{1,40}|related(?: stories| articles| news| content| coverage)?|"
    r"read more|read next|recommended(?: for you)?|you (?:may|might) also like|most (?:read|popular|viewed)|top stories|"
    r"latest(?: news| stories)?|trending(?: now)?|más noticias(?: de .{1,40})?|otras noticias|noticias relacionadas|"
    r"relacionad[oa]s?|artículos relacionados|(?:también )?te puede interesar|quizás? te interese|lea también|lee también|"
    r"leer más|ver también|lo más (?:leído|visto)|más leíd[oa]s|lo último|últimas noticias|recomendad[oa]s?)\s*[:›»>]?"
)
# "About the author", "Sobre la autora"
_ABOUT_AUTHOR = re.compile(
    r"(?i)(?:about the authors?|sobre (?:el autor|la autora|los autores|las autoras)|acerca del? (?:la )?autora?)\s*:?"
)
# cookie notices: they mention cookies and start like a notice or end with its buttons
_COOKIE = re.compile(r"(?i)\bcookies?\b")
_COOKIE_START = re.compile(
    r"(?i)(?:we use|we and our partners|this (?:web)?site|our (?:web)?site|by continuing|utilizamos|usamos|este (?:sitio|portal)|"
    r"esta (?:web|página)|al continuar|si continúa|si continua|nosotros y nuestros socios)\b"
)
_COOKIE_BUTTONS = re.compile(
    r"(?i)(?:accept(?: all)?|aceptar(?: todo| todas)?|manage (?:settings|preferences|cookies)|configurar|rechazar|"
    r"reject(?: all)?|got it|entendido|más información|more info(?:rmation)?|learn more)\s*$"
)
# "Sign up for our newsletter", "Suscríbete a nuestro boletín", "Enter your email address"
_NEWSLETTER = re.compile(
    r"(?i)(?:sign up|subscribe|suscr[ií]bete|ap[uú]ntate|reg[ií]strate|inscr[ií]bete|recibe|get|join|[uú]nete|don't miss|"
    r"no te pierdas)\b.*\b(?:newsletters?|boletín|boletines|inbox|bandeja de entrada)\b.*"
    r"|(?i:enter your e-?mail|your e-?mail address|introduce tu (?:correo|e-?mail)|tu correo electrónico)\b.*"
)
# "Share this article: Facebook Email Copy link", "Compartir: Facebook · X · WhatsApp", "Síguenos en X"
_SHARE = re.compile(
    rf"(?i)(?:share(?: this(?: article| story| page)?| on)?|compart(?:ir|e)(?: en| esta noticia)?)\s*:?\s*(?:(?:{_SOCIAL})\b[\s·|•,/]*)*"
)
_SOCIAL_ONLY = re.compile(rf"(?i)(?:(?:{_SOCIAL})\b[\s·|•,/]*){{2,}}")
_FOLLOW = re.compile(
    rf"(?i)(?:follow us|s[ií]guenos|follow .{{1,30}} on)\b.*\b(?:{_SOCIAL}|instagram|youtube|tiktok|redes sociales|social media)\b.*"
)
# menus and breadcrumbs: "Inicio › Comarca › Cerezal", "News | Transport | Business | Sport"
_CRUMB_SEP = re.compile(r"\s*›\s*|\s+[»>]\s+")
_MENU_SEP = re.compile(r"\s*[|·•]\s*")
_STANDALONE = {
    "advertisement", "advertising", "ad", "publicidad", "anuncio", "sponsored", "sponsored content", "contenido patrocinado",
    "patrocinado", "story continues below advertisement", "continue reading below", "la noticia continúa tras la publicidad",
    "continúa leyendo", "sigue leyendo", "seguir leyendo", "skip to content", "saltar al contenido", "back to top",
    "volver arriba", "comments", "comentarios", "ver comentarios", "newsletter", "boletín", "subscribe", "suscríbete",
    "share", "compartir",
}
_END_PUNCT = ".…:;,"
_QUOTES = " »\"”’'"


@dataclass(frozen=True)
class Cleaned:
    """An article with its boilerplate removed, and the removed lines (in text order) for inspection."""

    article: Article
    removed: list[str]


def clean_text(text: str) -> tuple[str, list[str]]:
    """Rule-based cleaning of one text: the cleaned text and the removed lines."""
    return _clean(text)


def clean(articles: Sequence[Article]) -> list[Cleaned]:
    """Clean every article with the rules and with the templates of its outlet found across `articles`."""
    templates = find_templates(articles)
    result = []
    for article in articles:
        text, removed = _clean(article.text, templates.get(_outlet(article), frozenset()), str(article.meta.get("author") or ""))
        result.append(Cleaned(article if text == article.text else replace(article, text=text), removed))
    return result


def find_templates(articles: Sequence[Article]) -> dict[str, frozenset[str]]:
    """Per outlet (normalised `Article.source`), the normalised lines that are its templates.

    A template line has at most `TEMPLATE_MAX_WORDS` words (a longer one is a story paragraph,
    such as a wire paragraph the outlet reuses) and occurs in at least `TEMPLATE_MIN_ARTICLES`
    and at least `TEMPLATE_MIN_SHARE` of the outlet's texts; identical texts count once, so an
    outlet needs three different texts before it has templates. Articles without a source have none.
    """
    texts: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for article in articles:
        if outlet := _outlet(article):
            key = hashlib.sha1(_norm(article.text).encode("utf-8")).hexdigest()
            texts[outlet][key] = {n for line in article.text.split("\n") if (n := _norm(line)) and len(n.split()) <= TEMPLATE_MAX_WORDS}
    templates = {}
    for outlet, lines in texts.items():
        need = max(TEMPLATE_MIN_ARTICLES, math.ceil(TEMPLATE_MIN_SHARE * len(lines)))
        counts = Counter(line for found in lines.values() for line in found)
        templates[outlet] = frozenset(line for line, n in counts.items() if n >= need)
    return templates


def _clean(text: str, templates: frozenset[str] = frozenset(), author: str = "") -> tuple[str, list[str]]:
    lines = text.split("\n")
    drop = [False] * len(lines)
    names = {author.strip()} if len(author.split()) >= 2 else set()
    bylines_at: set[int] = set()
    for i, line in enumerate(lines):
        if drop[i] or not line.strip():
            continue
        kind, name = _line_kind(line.strip())
        if not kind:
            continue
        drop[i] = True
        if kind == "byline":
            bylines_at.add(i)
            names.add(name)
        caption_below = kind == "credit" and not line.strip().startswith("(")
        if caption_below and i + 1 < len(lines) and _is_caption(lines[i + 1].strip()):
            drop[i + 1] = True
    _drop_templates(lines, drop, templates)
    _drop_footers(lines, drop)
    _drop_author_box(lines, drop)
    _drop_bio(lines, drop, names, bylines_at)
    if not any(drop):
        return text, []
    cleaned = _join(lines, drop)
    if not cleaned.strip():
        return text, []
    return cleaned, [line.strip() for line, d in zip(lines, drop) if d and line.strip()]


def _line_kind(line: str) -> tuple[str, str]:
    """What boilerplate a whole line is ("" if none), and the author's name for a byline."""
    words = len(line.split())
    if _norm(line).rstrip(":.!") in _STANDALONE:
        return "standalone", ""
    if words <= 20 and (m := _BYLINE.fullmatch(line)):
        name = m.group("name").rstrip(".")
        if m.group("tail") or (len(name.split()) >= 2 or _AGENCY.fullmatch(name)) and not line.endswith("."):
            return "byline", re.split(r"\s+(?:and|y|&)\s+", name)[0]
    if words <= 30 and _CONTRIBUTOR.fullmatch(line):
        return "byline", ""
    if words <= 12 and (_STAMP.fullmatch(line) or _READING_TIME.fullmatch(line)):
        return "stamp", ""
    if (words <= 20 and _CREDIT.fullmatch(line)) or (words <= 10 and _AGENCY_LINE.fullmatch(line) and _AGENCY.search(line)):
        return "credit", ""
    if words <= 30 and _TEASER.fullmatch(line):
        return "teaser", ""
    if words <= 80 and _COOKIE.search(line) and (_COOKIE_START.match(line) or _COOKIE_BUTTONS.search(line)):
        return "cookie", ""
    if words <= 30 and _NEWSLETTER.fullmatch(line):
        return "newsletter", ""
    if words <= 15 and (_SHARE.fullmatch(line) or _SOCIAL_ONLY.fullmatch(line) or _FOLLOW.fullmatch(line)):
        return "share", ""
    if _is_menu(line):
        return "menu", ""
    return "", ""


def _is_menu(line: str) -> bool:
    crumbs = _CRUMB_SEP.split(line)
    if len(crumbs) >= 3 and all(0 < len(c.split()) <= 4 and not c.endswith(".") for c in crumbs):
        return True
    items = _MENU_SEP.split(line)
    return len(items) >= 4 and all(0 < len(i.split()) <= 3 and i[:1].isupper() and not re.search(r"\d", i) for i in items)


def _is_caption(line: str) -> bool:
    """A one-sentence line without quotes: the caption under a photo credit."""
    return 0 < len(line.split()) <= 30 and not _QUOTE.search(line) and len(split_sentences(line)) == 1 and not _line_kind(line)[0]


def _is_headline(line: str) -> bool:
    """A short line not ending like a sentence: a teaser headline."""
    return 0 < len(line.split()) <= TEASER_MAX_WORDS and not line.rstrip(_QUOTES).endswith(tuple(_END_PUNCT))


def _drop_templates(lines: list[str], drop: list[bool], templates: frozenset[str]) -> None:
    """Template lines, unless they would be most of the article: then it is one of several
    versions of a story (updates), whose shared paragraphs look like templates."""
    if not templates:
        return
    hits = [i for i, line in enumerate(lines) if not drop[i] and _norm(line) in templates]
    template_words = sum(len(lines[i].split()) for i in hits)
    total_words = sum(len(line.split()) for line, d in zip(lines, drop) if not d)
    if template_words <= TEMPLATE_MAX_SHARE * total_words:
        for i in hits:
            drop[i] = True


def _drop_footers(lines: list[str], drop: list[bool]) -> None:
    """A teaser heading and the headline-like lines after it (over blank lines and other boilerplate)."""
    for i, line in enumerate(lines):
        if drop[i] or not _FOOTER.fullmatch(line.strip()):
            continue
        run, j = [], i + 1
        while j < len(lines):
            following = lines[j].strip()
            if following and not drop[j]:
                if _ABOUT_AUTHOR.fullmatch(following) or not _is_headline(following):
                    break
                run.append(j)
            j += 1
        at_end = all(drop[k] or not lines[k].strip() for k in range(j, len(lines)))
        if run or at_end:
            for k in [i, *run]:
                drop[k] = True


def _drop_author_box(lines: list[str], drop: list[bool]) -> None:
    """An "About the author" heading with everything after it, when that is short and ends the article."""
    for i, line in enumerate(lines):
        if drop[i] or not _ABOUT_AUTHOR.fullmatch(line.strip()):
            continue
        rest = [k for k in range(i + 1, len(lines)) if not drop[k] and lines[k].strip()]
        if sum(len(lines[k].split()) for k in rest) <= AUTHOR_BOX_MAX_WORDS:
            for k in [i, *rest]:
                drop[k] = True
        return


def _drop_bio(lines: list[str], drop: list[bool], names: set[str], bylines_at: set[int]) -> None:
    """The last paragraph, if it is about the author: it starts with a byline's name, or it is a
    stand-alone quote right after a byline or contributor line."""
    kept = [i for i, line in enumerate(lines) if not drop[i] and line.strip()]
    if len(kept) < 2:
        return
    last = kept[-1]
    line = lines[last].strip()
    if len(line.split()) > BIO_MAX_WORDS:
        return
    starts_with_name = any(line.startswith(name + " ") for name in names if len(name.split()) >= 2)
    previous = max((i for i in range(last) if lines[i].strip()), default=-1)
    quote_after_byline = previous in bylines_at and _QUOTE_ONLY.fullmatch(line)
    if starts_with_name or quote_after_byline:
        drop[last] = True


def _join(lines: list[str], drop: list[bool]) -> str:
    """The kept lines; a blank line left next to another by a removal is dropped, other breaks stay."""
    out: list[str] = []
    after_removal = False
    for line, dropped in zip(lines, drop):
        if dropped:
            after_removal = True
            continue
        if not line.strip() and (not out or (after_removal and not out[-1].strip())):
            continue
        out.append(line)
        after_removal = False
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def _norm(line: str) -> str:
    return " ".join(line.casefold().split())


def _outlet(article: Article) -> str:
    return _norm(article.source)
