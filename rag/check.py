"""The last stage: from the model's reply to the `Answer`, with every cited sentence checked.

Markers are normalised (`rag.cite`), an answer without any gets them by attribution, and each
cited sentence is checked against its passages by a `Support` judge: one its passages do not
back is re-cited to passages that do, has a slipped magnitude repaired, or is withdrawn. An
answer none of whose sentences is backed, or that lacks what the question asks for, is
withdrawn: the archive does not answer the question. A figure a passage says was wrong is
replaced by the right one, and the change told (`rag.correct`). What a sentence
claims beyond its names and numbers (a verb, a negation, who said what) is the judge's to see;
the default lexical one does not. Figures its passages dispute are stated from both sides
(`rag.disagree`), the other side also from a passage ranked just after those read.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from index.language import (ALL_ARTICLES, ALL_FUNCTION_WORDS, FROM_WORDS, JOURNEY_FROM, JOURNEY_TO, MONTHS, PERSON_WORDS, SAYING,
                            SOURCE_BEFORE, TO_WORDS, WEEKDAYS, WHEN_WORDS, fold, foreign_words, kept_in_translation, question_language, sentence_pieces, singular, split_sentences)

from .anchors import acronyms, anchors, findable
from .cite import (also_from, attribute, citations, cited_in, claim_text, clean_markers, closest, sentences, stating, with_markers,
                   without_markers, worded)
from .correct import corrections, supersede
from .disagree import disagreements, further_side, state_sides
from .quantities import counted, days, is_day, is_year, ordinal_nouns, ordinals, quantities, spoken, times
from .support import Support
from .timeline import from_passages, lay_out, undated
from .types import Answer, Correction, Disagreement, Hit, Query, Reply
from .understand.expects import counted_noun

FIGURE_MARGIN = 0.035  # a figure answering "how many" comes from a sentence this close to the question's best one
FIGURE_LEAD = 0.01  # ... and gives way to another count of the same thing from a sentence this much closer

ABSTAIN = {
    "en": "The archive does not answer this question.",
    "es": "El archivo no responde a esta pregunta.",
    "fr": "Les archives ne répondent pas à cette question.",
    "de": "Das Archiv beantwortet diese Frage nicht.",
    "pt": "O arquivo não responde a esta pergunta.",
    "it": "L'archivio non risponde a questa domanda.",
}


def abstention(language: str) -> str:
    """"The archive does not answer this question", in ``language`` (English when not known)."""
    return ABSTAIN.get(language, ABSTAIN["en"])


def withdraw(answer: Answer, why: str, language: str) -> Answer:
    """``answer`` abstained after a later check (``why``), its text kept as the guess."""
    return replace(answer, text=abstention(language), abstained=True, guess=answer.text, citations=[], closest=closest(answer.hits),
                   repairs=[*answer.repairs, why], foreign=[], disagreements=[], corrections=[])


def check(query: Query, hits: Sequence[Hit], reply: Reply, support: Support,
          further: Callable[[], Sequence[Hit]] | None = None) -> Answer:
    """The `Answer` to ``query`` that ``reply`` gives, its citations checked against ``hits``.

    Each sentence is checked (`verify`); those no passage backs are withdrawn. What is left must
    hold what the question asks for (`delivers`: a number for "how many", a name for "who"), or
    the answer abstains, keeping what it withdrew as ``guess``. Sentences in another language than
    the question's are listed in ``Answer.foreign`` for the caller to repair (`rag.repair`).
    ``further`` gives the passages ranked after ``hits``, searched only for the other side of a
    disputed figure the answer gives (the passage that has it is appended to the answer's).
    Timings and other outlets' copies of the cited articles are the caller's to add.
    """
    widened = query.filters != query.explicit and any(not query.filters.admits(h.chunk.source) for h in hits)
    base = dict(hits=list(hits), searched=query.search, usage=reply.usage, widened=widened)
    drawn = from_passages(hits) if reply.declined and query.kind == "timeline" else ""
    if drawn and grounded(query, drawn, hits):  # the model wrote no timeline of passages about the story: they make one
        reply = replace(reply, text=drawn, declined=False)
    if reply.declined:
        return Answer(query.question, abstention(query.language), abstained=True, closest=closest(hits), **base)
    text, cited = clean_markers(reply.text, len(hits))
    if not cited:
        text, cited = clean_markers(attribute(text, hits), len(hits))
    checked, weak, repairs = verify(text, hits, support, given=f"{query.question}\n{query.search}", language=query.language,
                                    whole=query.kind != "timeline")
    repairs = [*repairs, "timeline from passages"] if drawn else repairs
    checked, cited = clean_markers(checked, len(hits))
    if query.kind == "timeline":  # one line per event in date order, its passages numbered as the lines cite them
        checked, hits = lay_out(checked, hits)
        base["hits"] = hits
        checked, cited = clean_markers(checked, len(hits))

    def withdrawn(why: str) -> Answer:
        return Answer(query.question, abstention(query.language), abstained=True, guess=text, unsupported=weak,
                      closest=closest(hits), repairs=[*repairs, why], **base)

    said = sentences(checked)
    if not said:  # nothing in the answer is backed by its passages
        return withdrawn("withdrawn")
    if not any(numbers for _, numbers in said):  # sentences without names or figures, none cited
        return withdrawn("uncited")
    if query.kind == "answer" and not grounded(query, checked, hits):
        return withdrawn("not about the question")
    if query.kind == "answer" and query.expects == "number":
        if not on_point(checked, query.question, hits):
            return withdrawn("figure from another context")
        if not counts_the_asked(checked, query.standalone or query.question, hits, query.language):
            return withdrawn("figure of another count")
        closer = closer_figure(checked, query.question, hits, query.language)
        if closer != checked:
            (checked, cited), repairs = clean_markers(closer, len(hits)), [*repairs, "closer figure"]
    if query.kind == "answer" and not same_ordinal(checked, query.standalone or query.question, hits):
        return withdrawn("figure of another phase")
    if query.kind == "answer":
        dated = same_day(checked, query.standalone or query.question, hits, query.language)
        if dated is None:
            return withdrawn("figure from another day")
        if dated != checked:
            checked, repairs = dated, [*repairs, "day"]
    if query.kind == "answer" and not same_names(checked, query.standalone or query.question):
        return withdrawn("another name in the asked one's place")
    if query.kind == "answer" and not same_direction(checked, query.standalone or query.question, hits):
        return withdrawn("the opposite direction")
    if query.kind == "answer" and query.expects == "person" and not in_the_role(checked, query.standalone or query.question, hits, query.language):
        return withdrawn("person in another role")
    if query.kind == "answer" and query.expects and not delivers(query.expects, checked, query.question, hits):
        return withdrawn(f"no {query.expects}")
    corrected: list = []
    if query.kind == "answer":
        revised, corrected = supersede(checked, corrections(hits), hits, query.language)
        if revised != checked:
            (checked, cited), repairs = clean_markers(revised, len(hits)), [*repairs, "corrected"]
    disputed, more = (disagreements(checked, query.question, hits) if query.kind == "answer" else []), hits
    if not disputed and further is not None and query.kind == "answer":
        disputed, more = further_side(checked, query.question, hits, further)
    disputed = [d for d in disputed if not any(_revision_of(d, c) for c in corrected)]
    if disputed:  # ``more`` holds the passage of a side found after those read
        hits = base["hits"] = list(more)
    sided = state_sides(checked, disputed, hits, query.language)
    if sided != checked:
        (checked, cited), repairs = clean_markers(sided, len(hits)), [*repairs, "both sides"]
    others = {h.chunk.source.language for h in hits} - {query.language, ""}
    foreign = [c for c, _ in sentences(checked) if any(foreign_words(c, query.language, o) for o in others)]
    return Answer(query.question, checked, citations(cited, hits, checked, weak), unsupported=weak, repairs=repairs,
                  foreign=foreign, disagreements=disputed, corrections=corrected, **base)


def _revision_of(d: Disagreement, c: Correction) -> bool:
    """Whether the sides of ``d`` are the wrong and the right figure of ``c``: a correction, not a dispute."""
    values = [q for side in d.sides for q in quantities(side.value)[:1]]
    return any(c.wrong.matches(q) for q in values) and any(c.right.matches(q) for q in values)


def verify(text: str, hits: Sequence[Hit], support: Support, given: str = "",
           language: str = "en", whole: bool = True) -> tuple[str, list[str], list[str]]:
    """Check each sentence against its passages; re-cite, repair or withdraw the ones they do not back.

    A sentence its cited passages do not support (or an uncited one with names or figures) gets
    the fewest passages (up to three, most shared numbers and names first) that do. When none do,
    a figure that a cited passage states at another power of a thousand ("12 million" for "12 mil
    millones") is rewritten as the passage states it; failing that the sentence is withdrawn. An
    uncited sentence with neither is cited to the passage that holds most of its words (`worded`),
    when another sentence of the answer cites a passage. A backed sentence with figures drops the
    citations of passages that state none of them and add none of its names, when the others back
    it alone (`stating`); it also cites the passage that holds the words its cited ones lack
    (`also_from`), unless ``whole`` is False (a timeline's lines cite one event each).
    Passages are judged whole, with their title, outlet and date; what the question (``given``)
    already states counts as known, so restating it needs no source. A rewritten figure is spelled
    in ``language``, the answer's. Returns the text, the
    withdrawn sentences, and the repairs made (``recited``, ``magnitude``).
    """
    texts = [replace(hit, excerpt="").passage for hit in hits]
    shared = [anchors(t) for t in texts]

    def backed(numbers: Sequence[int], claim: str) -> bool:
        return support.entails("\n\n".join([*(texts[n - 1] for n in numbers), given]), claim)

    out: list[str] = []
    weak: list[str] = []
    repairs: list[str] = []
    elsewhere = any(1 <= n <= len(hits) for n in cited_in(text))  # an answer cited nowhere is not cited by its words
    for piece in sentence_pieces(_attach_markers(text)):
        cited = [n for n in cited_in(piece) if 1 <= n <= len(hits)]
        claim = undated(claim_text(piece))  # a timeline line's day is checked by `rag.timeline`
        if not claim or (cited and backed(cited, claim)):
            needed = stating(claim, cited, texts, language) if len(cited) > 1 else cited
            needed = needed if needed == cited or backed(needed, claim) else cited
            more = also_from(claim, needed, texts) if cited and whole else 0
            markers = "".join(f"[{n}]" for n in sorted({*needed, more} - {0}))
            out.append(piece if needed == cited and not more else with_markers(without_markers(piece), markers))
            continue
        if not cited and not anchors(claim, sentence=True) and not quantities(claim):  # cited by its words, if a passage has them
            n = worded(claim, texts) if elsewhere else 0
            out.append(with_markers(piece, f"[{n}]") if n else piece)
            continue
        wanted = anchors(claim, sentence=True)
        order = sorted(range(1, len(hits) + 1), key=lambda n: -len(wanted & shared[n - 1]))
        chosen = next((order[:size] for size in (1, 2, 3) if backed(order[:size], claim)), None)
        chosen = chosen or next(([n] for n in order[1:] if backed([n], claim)), None)
        if chosen is not None:
            out.append(with_markers(without_markers(piece), "".join(f"[{n}]" for n in sorted(chosen))))
            repairs.append("recited")
            continue
        fixed = rescale(piece, [texts[n - 1] for n in (cited or order[:1])], language)
        if fixed != piece and backed(cited or order[:1], claim_text(fixed)):
            out.append(fixed if cited else with_markers(fixed, f"[{order[0]}]"))
            repairs.append("magnitude")
            continue
        weak.append(claim)
        while out and out[-1].isspace():  # the space before a withdrawn sentence goes with it
            out.pop()
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip(), weak, repairs


def rescale(piece: str, passages: Sequence[str], language: str = "en") -> str:
    """``piece`` with each figure that ``passages`` state only at another power of a thousand
    written as they state it ("12 million euros" -> "12 billion euros" for "12 mil millones de euros")."""
    stated = [q for p in passages for q in quantities(p)]
    out = piece
    for figure in reversed([q for q in quantities(piece, language) if q.start >= 0]):
        if any(figure.matches(q) for q in stated):
            continue
        slips = {q.value for q in stated if figure.magnitude_slip(q)}
        if len(slips) == 1:
            out = out[:figure.start] + spoken(slips.pop(), language) + out[figure.end:]
    return out


def _cited(text: str, hits: Sequence[Hit]) -> list[int]:
    """The numbers of the passages ``text`` cites that ``hits`` holds, in order."""
    return sorted({n for _, ns in sentences(text) for n in ns if 1 <= n <= len(hits)})


def _own_language(text: str, hits: Sequence[Hit], language: str) -> list[list[str]]:
    """The sentences of each passage ``text`` cites that is written in ``language``."""
    return [split_sentences(hits[n - 1].chunk.text) for n in _cited(text, hits) if hits[n - 1].chunk.source.language == language]


def grounded(query: Query, text: str, hits: Sequence[Hit]) -> bool:
    """Whether the passages ``text`` cites are about what the question asks: together they hold every
    year the question names (in their text or dates) and every one of its proper names (those a
    translation keeps, `index.language.kept_in_translation`), outlets, months and weekdays aside.
    When the passages are in the question's language, each name the question writes must occur
    in them as written ("Terminal Sur de Puerto Alcor" is not "Terminal Norte"). A question about
    2016 is not answered from passages about 2020 and 2024; passages that state no year at all
    (undated articles) cannot be of another year."""
    cited = _cited(text, hits)
    if not cited:
        return True
    premise = "\n\n".join(replace(hits[n - 1], excerpt="").passage for n in cited)
    articles = {hits[n - 1].chunk.article_id for n in cited}
    several = len(query.outlets) > 1  # a question across outlets: its names may be in any of the passages read
    whole = "\n\n".join(replace(h, excerpt="").passage for h in hits if h.chunk.article_id in articles or several)
    asked = query.standalone or query.question
    years = {q.value for q in quantities(asked) if is_year(q)}
    stated = quantities(premise)
    if not years <= {q.value for q in stated} and any(is_year(q) for q in stated):  # passages of other years
        return False
    outlets = {w for o in query.outlets for w in anchors(o)}
    if all(hits[n - 1].chunk.source.language == query.language for n in cited):  # nothing translated: names as written
        text = " " + " ".join(fold(whole).split()) + " "
        return all(f" {fold(p)} " in text for p in name_phrases(asked) if not set(anchors(p)) <= outlets)
    names = anchors(asked, sentence=True) - outlets - set(MONTHS) - set(WEEKDAYS)
    short = acronyms(asked)  # translated too: WSE is GPW in Polish
    names = {n for n in names if not n[0].isdigit() and n not in short and kept_in_translation(n, query.language)}
    found = findable(whole)
    return all(n in found or fold(n) in found for n in names)


_CAPITAL = r"[A-ZÁÉÍÓÚÑ][\w’'-]*"
_PHRASE = re.compile(rf"{_CAPITAL}(?:\s+(?:(?:de|del|la|las|los|of|the)\s+)?{_CAPITAL})*")


def name_phrases(question: str) -> list[str]:
    """The names a question writes, each as one phrase: "Terminal Sur de Puerto Alcor", "Harwick Rovers".
    A common word that starts the question ("Según"), function words, months and weekdays are not names."""
    out = []
    body = question.lstrip("¿¡\"«'( ")
    language = question_language(question)
    for m in _PHRASE.finditer(body):
        words = m.group(0).split()
        if m.start() == 0 and words and not kept_in_translation(words[0], language):  # "Según ...", "Which ..."
            words = words[1:]
        while words and (words[0].lower() in ALL_FUNCTION_WORDS or words[0].lower() in MONTHS or words[0].lower() in WEEKDAYS):
            words = words[1:]
        if not words:
            continue
        out.append(re.sub(r"[’']s?$", "", " ".join(words)))
    return out


def on_point(text: str, question: str, hits: Sequence[Hit], margin: float = FIGURE_MARGIN) -> bool:
    """Whether a figure ``text`` gives (one the question does not state) is stated in a passage
    sentence about what the question asks: one whose similarity to the question (`Hit.evidence`)
    is within ``margin`` of the best sentence's. The count of houses from a sentence about damage
    does not answer how many people were evacuated when another sentence is about evacuations.
    Sentences are compared with the best of their own language: across languages similarity is
    lower (by about 0.05 with the default embedder), so a Spanish sentence that answers an English
    question is never as close as an English one about the topic. True when there is nothing to
    compare (no figures, or hits without sentence scores)."""
    scored = [(s, score, h.chunk.source.language) for h in hits for s, score in h.evidence]
    asked = {q.value for q in quantities(question)}
    figures = [q for c, _ in sentences(text) for q in quantities(c) if q.value not in asked]
    figures = [q for q in figures if q.start >= 0] or figures  # "en dos años" beside "35 %" is not the answer
    if not scored or not figures:
        return True
    best: dict[str, float] = {}
    for _, score, language in scored:
        best[language] = max(score, best.get(language, score))
    close = [q for s, score, language in scored if score >= best[language] - margin for q in quantities(s)]
    return any(f.matches(q) for f in figures for q in close)


def counts_the_asked(text: str, question: str, hits: Sequence[Hit], language: str = "en") -> bool:
    """Whether the figures ``text`` gives count what the question counts ("What share of
    conductors ...?"): False when a figure is stated in cited passages of the question's language
    only in sentences that, with the sentence before each, never name the counted noun (78.6 %
    of "union members", not of conductors). True when the question counts nothing named
    (`counted_noun`), or a figure's sentences are all in another language: words are not
    matched across languages. Not handled: a synonym ("staff" for "workers")."""
    noun = counted_noun(question)
    if not noun:
        return True
    stem = singular(fold(noun))
    asked = {q.value for q in quantities(question)}
    said = sentences(text)
    # Each sentence of the cited passages in the question's language: its figures, and whether it
    # or the sentence before it names the counted noun.
    scanned = []
    for passage in _own_language(text, hits, language):
        stems = [{singular(fold(w)) for w in re.findall(r"\w+", s)} for s in passage]
        for i, s in enumerate(passage):
            scanned.append((quantities(s), stem in stems[i] or (i > 0 and stem in stems[i - 1])))
    for claim, numbers in said:
        if not numbers:
            continue
        digits, figures = counted(claim, language)
        for q, _ in figures:
            if q.value in asked or is_year(q) or is_day(q, digits):
                continue
            ties = [tied for found, tied in scanned if any(q.matches(x) or x.matches(q) for x in found)]
            if ties and not any(ties):
                return False
    return True


def counted_across(text: str, question: str, hits: Sequence[Hit], language: str = "en") -> list[tuple[str, str, str]]:
    """The figures of ``text`` that cited passages state only in another language than ``language``,
    for a question that counts a noun (`counted_noun`): one ``(sentence, figure, noun)`` for each
    such sentence, the figure as the sentence writes it ("40" of "unos 40 agricultores"), for the
    model to say whether it counts the noun (`rag.confirm.counts`); words are not compared across
    languages here. Empty when a figure is stated in the question's language (`counts_the_asked`
    sees to it), and for money and percentages, which count no word."""
    noun = counted_noun(question)
    if not noun:
        return []
    asked = {q.value for q in quantities(question)}
    cited = _cited(text, hits)
    own = [q for n in cited if hits[n - 1].chunk.source.language == language for q in quantities(hits[n - 1].chunk.text)]
    others = [(s, *counted(s)) for n in cited if hits[n - 1].chunk.source.language != language
              for s in split_sentences(hits[n - 1].chunk.text)]  # each sentence, in digits, with what it counts
    out = []
    for claim, _ in sentences(text):
        digits, figures = counted(claim, language)
        for q, _ in figures:
            if q.value in asked or is_year(q) or is_day(q, digits):
                continue
            if any(q.matches(x) or x.matches(q) for x in own):
                return []
            for sentence, written, found in others:
                out.extend((sentence, written[x.start:x.end], noun) for x, word in found if word and (q.matches(x) or x.matches(q)))
    return out


def closer_figure(text: str, question: str, hits: Sequence[Hit], language: str = "en") -> str:
    """``text`` with a count replaced by the one a sentence closer to the question gives for the same thing.

    When a figure of the answer counts a word ("1,200 loans") and the closest passage sentence
    stating it ("More than 1,200 loans in the first month") is less similar to the question, by
    more than ``FIGURE_LEAD``, than a sentence of a cited article, in the same language, that
    counts the same word with another value ("By the end of May the library had recorded 1,240
    loans"), that value replaces it when the sentence gives just one, and the sentence's passage
    is cited beside it. When no sentence counts the word with the answer's figure ("The figure
    given on Monday was three", against "Seven people were injured"), a rival only has to be
    closer. Numbers in words become digits in a sentence so repaired. Figures the
    question states, years and days are left alone. Not handled: a count whose word differs
    between the answer and the passages (another language, a synonym), or a figure no scored
    sentence states."""
    cited = set(_cited(text, hits))
    articles = {hits[n - 1].chunk.article_id for n in cited}
    scored = [(counted(s)[1], score, h.chunk.source.language, i + 1 if h.chunk.article_id in articles else 0)
              for i, h in enumerate(hits) for s, score in h.evidence]
    if not scored or not cited:
        return text
    asked = {q.value for q in quantities(question)}
    digits, figures = counted(text, language)
    out = digits
    for figure, word in reversed(figures):
        if not word or figure.value in asked or is_year(figure) or is_day(figure, digits):
            continue
        def same(q, figure=figure) -> bool:  # either may be the rounder one
            return figure.matches(q) or q.matches(figure)

        stating = [(score, lang, any(same(q) and w == word for q, w in found)) for found, score, lang, _ in scored
                   if any(same(q) for q, _ in found)]
        if not stating:
            continue
        own, lang, _ = max(stating)
        lead = FIGURE_LEAD if any(counts for _, _, counts in stating) else 0.0  # no sentence counts the word with it
        rivals = [(score, n, {q.value for q, w in found if w == word}) for found, score, lg, n in scored if n and lg == lang
                  and any(w == word and not same(q) for q, w in found)]
        if not rivals:
            continue
        score, n, values = max(rivals, key=lambda r: r[0])
        if score <= own + lead or len(values) != 1:
            continue
        after = out[figure.end:]
        m = re.search(r"(?:\[\d+\])+", after)  # the markers that follow the figure
        if m and f"[{n}]" not in m.group(0):
            after = after[:m.start()] + f"[{n}]" + after[m.start():]
        out = out[:figure.start] + spoken(values.pop(), language) + after
    return out if out != digits else text


def same_ordinal(text: str, question: str, hits: Sequence[Hit]) -> bool:
    """Whether the figures ``text`` gives may belong to the phase, half or round the question picks
    by an ordinal ("el primer semestre"): False when none of the cited passage sentences that state
    one of them, nor a sentence beside one, names the asked ordinal, and either one of them names
    another ("el segundo semestre") or another sentence of those passages gives figures of its own
    to the asked ordinal with the word it qualifies in the question ("60,000 cubic meters referred
    to a possible second phase", three sentences after the grant's 9 million; a headline's
    "primera piedra" gives none). True when the question names no
    ordinal, the answer gives no figure the question lacks, or no cited sentence in the question's
    language states one. Not handled: passages in another language (ordinals are not matched
    across languages), answers without figures, and an ordinal stated only by reference ("the
    latter phase")."""
    asked = ordinals(question)
    cited = _cited(text, hits)
    stated = {q.value for q in quantities(question)}
    figures = [q for c, _ in sentences(text) for q in quantities(c) if q.value not in stated and not is_year(q)]
    if not asked or not cited or not figures:
        return True
    language = question_language(question)
    phase = ordinal_nouns(question)
    other = named = stating = False
    for n in cited:
        if hits[n - 1].chunk.source.language not in (language, ""):
            continue  # ordinals do not translate word for word ("fourth quarter", "último cuarto")
        parts = split_sentences(replace(hits[n - 1], excerpt="").passage)
        named = named or any(phase & ordinal_nouns(s) and _own_figures(s, asked)  # the heading's day is no figure of the phase
                             for s in split_sentences(hits[n - 1].chunk.text))
        for i, part in enumerate(parts):
            if not any(f.matches(q) for f in figures for q in quantities(part)):
                continue
            if asked & ordinals(" ".join(parts[max(0, i - 1):i + 2])):
                return True
            stating, other = True, other or bool(ordinals(part) - asked)
    return not (other or named and stating)


def _own_figures(sentence: str, ordinal: set[int]) -> bool:
    """Whether ``sentence`` states a figure other than a year, a day or the ``ordinal`` itself."""
    return any(q.value not in ordinal and not is_year(q) and not is_day(q, sentence) for q in quantities(sentence))


def same_day(text: str, question: str, hits: Sequence[Hit], language: str = "en") -> str | None:
    """``text`` with each figure from the day the question names, or None when one is another day's.

    When the question names a day ("on Tuesday 14 May"), a figure whose passage sentences name
    only other days ("el lunes 13 de mayo ... un 35 %") is another day's. When a sentence of the
    cited passages names the asked day alone with a figure of the same unit, a figure from a
    sentence that names other days too ("12,400 over the weekend, Saturday 1 June and Sunday 2
    June" against "on Saturday alone, 7,100") is replaced by that one, when it is the only one;
    otherwise the answer is another day's. Sentences that name no day are not judged: the day
    may be in the one before, or be the publication's. Figures the question states, years and
    days of a month are left alone. ``text`` is returned unchanged when the question names no day."""
    asked = days(question)
    if not asked:
        return text
    known = {q.value for q in quantities(question)}
    cited = set(_cited(text, hits)) or set(range(1, len(hits) + 1))
    stated = []  # (the figures of a cited passage's sentence, how its days relate to the asked one)
    for n in sorted(cited):
        for sentence in split_sentences(hits[n - 1].chunk.text):
            named = days(sentence)
            on = [d for d in named if any(d.same(a) for a in asked)]
            relation = "none" if not named else "only" if len(on) == len(named) else "also" if on else "other"
            figures = [q for q in quantities(sentence) if q.value not in known and not is_year(q) and not is_day(q, sentence)]
            stated.append((figures, relation))
    out = text
    marker = re.compile(r"\[\d+\]")
    for figure in reversed([q for q in quantities(text, language) if q.start >= 0 and q.value not in known
                            and not is_year(q) and not is_day(q, text) and not marker.match(text, q.start - 1)]):
        relations = {relation for figures, relation in stated if any(figure.matches(q) for q in figures)}
        if not relations or relations & {"only", "none"}:
            continue
        exact = {q.value for figures, relation in stated if relation == "only" for q in figures
                 if not q.unit or not figure.unit or q.unit == figure.unit}
        if relations == {"also"} and not exact:
            continue
        if len(exact) != 1:
            return None
        out = out[:figure.start] + spoken(exact.pop(), language) + out[figure.end:]
    return out


_ALTERNATIVES = re.compile(r"\b(?:or|between|o|u|entre)\b", re.I)


_VERB_NAME = re.compile(r"\b([^\W\d_A-ZÁÉÍÓÚÑ][^\W\d_]{2,})\s+(?:(?:a|to|the|al|el|la|los|las)\s+)?([A-ZÁÉÍÓÚÑ][\w’'-]+)")
_NAME_VERB = re.compile(r"([A-ZÁÉÍÓÚÑ][\w’'-]+)\s+([^\W\d_A-ZÁÉÍÓÚÑ][^\W\d_]{2,})\b")


def same_names(text: str, question: str) -> bool:
    """Whether the answer keeps the question's names where the question puts them around a verb:
    False when the question's name beside a verb is missing from the answer and the answer puts
    another name, not in the question, beside the same verb on the same side. "What did Ramón
    Ibarreta offer Verdes y Comarcas?" is not answered by "Ibarreta offered Tierra Valdemorana
    ...", nor "What did Owen Pryce say?" by "Helen Marsh said ...". Verbs are the same when they
    share their first four letters, or both report speech. Acronyms are left out on both sides
    (the answer may write "CRS" for Corridor Rail Services). Not handled: a name and its verb
    further apart ("Owen Pryce, the union's negotiator, said")."""
    body = without_markers(text)
    held, asked = findable(body), findable(question)

    def pairs(t: str) -> set[tuple[str, str, str]]:  # (side, verb, name)
        out = {("after", v, n) for v, n in _VERB_NAME.findall(t)} | {("before", v, n) for n, v in _NAME_VERB.findall(t)}
        out = {(side, v.lower(), re.sub(r"[’']s?$", "", n)) for side, v, n in out}  # "Valdemora's" is Valdemora
        names = set().union(*(anchors(s, sentence=True) for s in split_sentences(t)))  # not "He" starting a sentence
        return {(side, v, n) for side, v, n in out if v not in ALL_FUNCTION_WORDS and n.lower() in names}

    def same(a: str, b: str) -> bool:
        return fold(a)[:4] == fold(b)[:4] and min(len(a), len(b)) >= 4 or a in SAYING and b in SAYING

    def acronym(name: str) -> bool:  # "CRS" may stand for the name written out, and the other way round
        return name.isupper() and len(name) > 1

    missing = [(side, v) for side, v, n in pairs(question) if fold(n) not in held and not acronym(n)]
    return not any(same(v, w) and side == other and fold(m) not in asked and not acronym(m)
                   for side, v in missing for other, w, m in pairs(body))


def _any_of(words: Sequence[str]) -> str:
    """A regular expression alternative of ``words``, folded, longest first, spaces matching any run of them."""
    return "|".join(re.escape(fold(w)).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_FROM, _TO, _START, _JOIN = _any_of(FROM_WORDS), _any_of(TO_WORDS), _any_of(JOURNEY_FROM), _any_of(JOURNEY_TO)
_THE = rf"(?:(?:{_any_of(ALL_ARTICLES)})\s+)?"
_SOURCE = re.compile(rf"\b(?:{_any_of(SOURCE_BEFORE)})\b")  # "according to TechCrunch" names no journey's end


def ends(text: str, places: Sequence[str]) -> dict[str, set[str]]:
    """Where ``text`` puts each of ``places`` on a journey: "from" its start ("leaving Eastport", "sale
    de Eastport"), "to" its end ("llegará a Kellmoor"), or both. Places it names without a
    direction are left out. Not handled: a direction told by other words ("the Kellmoor-bound
    train", "inbound")."""
    t = _SOURCE.sub(",", " ".join(fold(text).split()))
    out: dict[str, set[str]] = {}
    for p in places:
        q = re.escape(fold(p))
        if re.search(rf"\b(?:{_FROM})\s+{_THE}{q}\b", t):
            out.setdefault(p, set()).add("from")
        if re.search(rf"\b(?:{_TO})\s+{_THE}{q}\b", t):
            out.setdefault(p, set()).add("to")
    for start, end in _journeys(t, places):
        out.setdefault(start, set()).add("from")
        out.setdefault(end, set()).add("to")
    return out


def _journeys(folded: str, places: Sequence[str]) -> list[tuple[str, str]]:
    """The (start, end) pairs of ``places`` that ``folded`` names as one journey: "from Eastport to
    Kellmoor", "leave Kellmoor for Eastport", "de Eastport a Kellmoor"."""
    return [(p, o) for p in places for o in places if p != o and re.search(
        rf"\b(?:{_START})\s+{_THE}{re.escape(fold(p))}\s+(?:{_JOIN})\s+{_THE}{re.escape(fold(o))}\b", folded)]


def same_direction(text: str, question: str, hits: Sequence[Hit]) -> bool:
    """Whether the answer's figures are those of the journey the question asks about: False when the
    question names one journey between two places ("leave Kellmoor for Eastport"), and the cited
    sentences that state a figure or clock time of the answer and name a direction all put those
    places the other way round ("saldrá de Eastport a las 0:40 horas y llegará a Kellmoor"). Names
    are matched in any language, as translations keep them. True when the question names no
    journey, or no cited sentence stating the answer's figures names a direction."""
    asked = _journeys(" ".join(fold(question).split()), name_phrases(question))
    if len(asked) != 1:
        return True
    start, end = asked[0]
    clock, figures = times(text), [q for c, _ in sentences(text) for q in quantities(c)]
    verdicts = []
    for n in _cited(text, hits):
        for s in split_sentences(hits[n - 1].chunk.text):
            if not (clock & times(s) or any(f.matches(q) for f in figures for q in quantities(s))):
                continue
            found = ends(s, [start, end])
            if found:
                verdicts.append("from" in found.get(start, set()) or "to" in found.get(end, set()))
    return not verdicts or any(verdicts)


_ROLE = re.compile(r"\b(?:who (?:is|was|will be|would be|became)|qui[eé]n (?:es|era|fue|ser[aá]|ser[ií]a))\s+(?:the|el|la)\s+"
                   r"(?P<role>[^?¿!,;]+)", re.I)
_ROLE_END = re.compile(r"\s(?:in|of|at|for|on|to|during|under|that|who|whose|which|when|en|de|del|durante|bajo|que|cuando)\s", re.I)


def asked_role(question: str) -> set[str]:
    """The words of the role a "who is the ...?" question asks about, up to the first preposition or
    relative word: {"regional", "health", "minister"} in "Who is the regional health minister in
    Marta Quiroga's government?", {"capitan"} in "¿Quién era el capitán del MV Elsby Star ...?".
    Folded and singular; empty when the question asks no role, or only someone ("the individual
    that ..."). Not handled: a role after a preposition ("minister for health" is "minister")."""
    m = _ROLE.search(question)
    if not m:
        return set()
    role = _ROLE_END.split(f" {m.group('role')} ", maxsplit=1)[0]
    words = [singular(fold(w)) for w in re.findall(r"[^\W\d_]+", role) if not w[0].isupper()]
    words = [w for w in words if w not in ALL_FUNCTION_WORDS and len(w) > 2]
    if not words or words[0] in PERSON_WORDS:  # "the individual implicated in ...": someone, described
        return set()
    return set(words) - PERSON_WORDS


def in_the_role(text: str, question: str, hits: Sequence[Hit], language: str = "en") -> bool:
    """Whether the people ``text`` names hold the role the question asks about (`asked_role`) in its
    cited passages: a sentence that names one of them, or the sentence before or after it when that
    one names nobody else, holds every word of the role. "Íñigo Salcedo ... regional minister for
    Ecological Transition" is not the regional health minister. True when the question asks no role, or no cited passage of the
    question's language names them (words are not matched across languages)."""
    role = asked_role(question)
    if not role:
        return True
    asked = anchors(question)
    people = {a for a in anchors(text, sentence=True) - asked if not a[0].isdigit()}
    naming = []
    for passage in _own_language(text, hits, language):
        words = [{singular(fold(w)) for w in re.findall(r"[^\W\d_]+", s)} for s in passage]
        others = [bool(anchors(s, sentence=True) - people - asked) for s in passage]  # names someone else
        for i, s in enumerate(passage):
            held = findable(s)
            if any(fold(p) in held for p in people):
                near = [j for j in (i - 1, i + 1) if 0 <= j < len(passage) and not others[j]]
                naming.append(set().union(words[i], *(words[j] for j in near)))
    return not naming or any(role <= around for around in naming)


def delivers(expects: str, text: str, question: str, hits: Sequence[Hit] = ()) -> bool:
    """Whether ``text`` holds what the question asks for: a figure it does not state for ``number``;
    a number, clock time, month, weekday or time word (`index.language.WHEN_WORDS`) for ``date``; a name it does not hold for ``person``, ``place`` and
    ``name`` (a capitalised word, or the first word of a sentence when the passages write it
    capitalised inside a sentence; one of the question's own when it offers a choice: "between A
    and B"). A role ("the mayor"), a month or a weekday is not a name, nor a number a person. A number
    can answer "where" ("How big is the plot where ...": the type read from the question is not sure)."""
    body = [c for c, _ in sentences(text)]
    asked = {q.value for q in quantities(question)}
    figures = [q for c in body for q in quantities(c)]
    if expects == "number":
        return any(q.value not in asked for q in figures)
    if expects == "date":
        words = {w.lower() for c in body for w in re.findall(r"[^\W\d_]+", c)}
        return bool(figures) or bool(words & (set(MONTHS) | set(WEEKDAYS) | WHEN_WORDS)) or any(times(c) for c in body)
    known = set() if _ALTERNATIVES.search(question) else anchors(question)  # "which team won, the Broncos or the Steelers?"
    inside = set().union(*(anchors(s, sentence=True) for h in hits for s in split_sentences(h.chunk.text))) if hits else set()
    not_names = set(MONTHS) | set(WEEKDAYS)  # "trained in September" does not say where
    for claim in body:
        names = anchors(claim, sentence=True) | (anchors(claim) & inside)
        names = {n for n in names if n not in not_names and not (expects == "person" and n[0].isdigit())}
        if names - known:
            return True
    return False


def _attach_markers(text: str) -> str:
    """Move markers written after a full stop (``... plant. [1]``) in front of it."""
    return re.sub(r"([.!?])((?:\s*\[\d+\])+)(?=\s|$)", lambda m: f"{m.group(2)}{m.group(1)}", text)
