"""Citation markers: keep every ``[n]`` that names a given passage, drop the rest, and quote the passages.

``[1, 2]`` and ``[1-2]`` become ``[1][2]``. Small models often answer correctly without any
marker: `attribute` then cites, for each sentence, the passage that shares most of its names and
numbers (`rag.anchors`), which works across languages. Checking what a cited passage says is
`rag.check`'s job.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from index.language import sentence_pieces

from .anchors import anchors
from .quantities import quantities
from .types import Citation, Hit

_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|-|–|and|y)\s*\d+)*)\s*\]", re.I)
_CLEAN_MARKER = re.compile(r"\s*\[(\d+)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
_SPACES = re.compile(r"[ \t]+([.,;:!?])")
_REFERENCE_WORD = re.compile(r"\b(?:passages?|sources?|pasajes?|fuentes?)\b", re.I)
_WORD = re.compile(r"\w{4,}")
EVIDENCE_MARGIN = 0.03  # a second sentence is evidence too when it is this close to the best one


def clean_markers(text: str, n_passages: int) -> tuple[str, list[int]]:
    """Normalise markers and remove those out of range; returns the text and the cited numbers in order."""
    cited: list[int] = []

    def replace(match: re.Match) -> str:
        kept = [n for n in _numbers(match.group(1)) if 1 <= n <= n_passages]
        for n in kept:
            if n not in cited:
                cited.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    cleaned = _MARKER.sub(replace, text)
    cleaned = re.sub(r"\[\s*\]", "", cleaned)
    cleaned = _SPACES.sub(r"\1", re.sub(r"[ \t]{2,}", " ", cleaned))
    return _fold_references(cleaned.strip()), cited


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:,|and|y)\s*", group):
        bounds = re.split(r"\s*[-–]\s*", part.strip())
        if len(bounds) == 2 and all(b.isdigit() for b in bounds):
            lo, hi = int(bounds[0]), int(bounds[1])
            out.extend(range(lo, hi + 1) if 0 < hi - lo < 10 else [lo, hi])
        elif part.strip().isdigit():
            out.append(int(part))
    return out


def _fold_references(text: str) -> str:
    """Move the markers of a sentence that only points at passages ("This is found in passage [1].")
    to the sentence before it, and drop the pointing sentence."""
    out: list[str] = []
    for piece in sentence_pieces(text):
        markers = "".join(f"[{n}]" for n in _CLEAN_MARKER.findall(piece))
        words = _CLEAN_MARKER.sub("", piece).split()
        previous = next((i for i in range(len(out) - 1, -1, -1) if out[i].strip()), None)
        if markers and previous is not None and len(words) <= 8 and _REFERENCE_WORD.search(" ".join(words)):
            body = out[previous].rstrip()
            out[previous] = body if markers in body else with_markers(body, markers)
            while out and not out[-1].strip():
                out.pop()
            continue
        out.append(piece)
    return "".join(out).strip()


def with_markers(sentence: str, markers: str) -> str:
    """``sentence`` with ``markers`` placed before its final punctuation, trailing space kept."""
    body = sentence.rstrip()
    end = len(body.rstrip(".!?"))
    return f"{body[:end]} {markers}{body[end:]}" + sentence[len(body):]


def sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences, each with the passage numbers it cites and without its markers.

    Markers written after the full stop (``... plant. [1]``) belong to the sentence before them.
    """
    out: list[tuple[str, list[int]]] = []
    for piece in sentence_pieces(text):
        if not piece or piece.isspace():
            continue
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:
            out[-1][1].extend(int(n) for n in _CLEAN_MARKER.findall(lead.group(0)) if int(n) not in out[-1][1])
            piece = piece[lead.end():]
        cited = list(dict.fromkeys(int(n) for n in _CLEAN_MARKER.findall(piece)))
        claim = claim_text(piece)
        if claim:
            out.append((claim, cited))
    return out


def claim_text(piece: str) -> str:
    """A sentence of an answer without its markers."""
    return _SPACES.sub(r"\1", _CLEAN_MARKER.sub("", piece)).strip()


def cited_in(piece: str) -> list[int]:
    """The passage numbers a sentence cites, in order."""
    return [int(n) for n in _CLEAN_MARKER.findall(piece)]


def without_markers(piece: str) -> str:
    return _CLEAN_MARKER.sub("", piece)


def attribute(text: str, hits: Sequence[Hit], min_share: float = 0.5) -> str:
    """Add a ``[n]`` to each sentence whose numbers and names mostly occur in passage ``n``; a
    sentence whose only name is its first word is matched by that word."""
    passages = [anchors(hit.chunk.text) for hit in hits]
    out = []
    for sentence in sentence_pieces(text):
        if not sentence or sentence.isspace():
            out.append(sentence)
            continue
        wanted = anchors(sentence.strip(), sentence=True) or anchors(sentence.strip())  # "Ward recovered the ball."
        best, share = 0, 0.0
        for n, found in enumerate(passages, start=1):
            overlap = len(wanted & found) / len(wanted) if wanted else 0.0
            if overlap > share:
                best, share = n, overlap
        out.append(with_markers(sentence, f"[{best}]") if best and share >= min_share else sentence)
    return "".join(out)


def _long_words(text: str) -> set[str]:
    """The words of four letters or more in ``text``, lower-cased."""
    return {w.lower() for w in _WORD.findall(text)}


def worded(sentence: str, passages: Sequence[str], min_share: float = 0.6) -> int:
    """The number of the passage holding most of ``sentence``'s words of four letters or more, when
    it holds at least ``min_share`` of them; 0 otherwise. For a sentence with no name or figure to
    cite it by ("La empresa, en cambio, calculó el porcentaje sobre el total de su plantilla").
    Words are matched as written, so a sentence translated from its passage is not found."""
    wanted = _long_words(sentence)
    if not wanted:
        return 0
    shares = [len(wanted & _long_words(p)) / len(wanted) for p in passages]
    best = max(range(len(shares)), key=shares.__getitem__, default=-1)
    return best + 1 if best >= 0 and shares[best] >= min_share else 0


def also_from(sentence: str, cited: Sequence[int], passages: Sequence[str], min_words: int = 4) -> int:
    """The number of a passage not in ``cited`` that holds at least half (and three or more) of the
    ``min_words`` or more words of four letters that ``sentence`` has and its cited passages lack; 0
    when none does. A sentence put together from two passages ("The official figure of 1,150 ...
    [1] includes only residents whose evacuation had been ordered" [2]) cites both."""
    wanted = _long_words(sentence)
    for n in cited:
        wanted -= _long_words(passages[n - 1])
    if len(wanted) < min_words:
        return 0
    shares = {n: len(wanted & _long_words(p)) for n, p in enumerate(passages, start=1) if n not in cited}
    best = max(shares, key=shares.__getitem__, default=0)
    return best if best and shares[best] >= max(3, len(wanted) / 2) else 0


def stating(claim: str, cited: Sequence[int], passages: Sequence[str], language: str | None = None) -> list[int]:
    """The numbers in ``cited`` whose passage states one of ``claim``'s figures (by value, in any
    notation: "1.150" is 1,150), and those holding one of its names or figures that the first lack.
    All of ``cited`` when no passage states a figure, or the claim has none."""
    figures = quantities(claim, language)
    kept = [n for n in cited if any(f.matches(q) for q in quantities(passages[n - 1]) for f in figures)]
    if not kept:
        return list(cited)
    wanted = anchors(claim, sentence=True) | anchors(claim)
    held = set().union(*(anchors(passages[n - 1]) for n in kept)) & wanted
    return [n for n in cited if n in kept or (anchors(passages[n - 1]) & wanted) - held]


def citations(cited: Sequence[int], hits: Sequence[Hit], text: str = "", unsupported: Sequence[str] = ()) -> list[Citation]:
    """One `Citation` per cited passage number, in order of first mention.

    With the answer ``text``, each quote is the passage sentence that best matches the answer's
    sentences citing it (``unsupported`` ones aside); without it, the whole passage. Other
    outlets' copies (``alternates``) are the archive's to add.
    """
    claims = [(c, ns) for c, ns in sentences(text) if c not in unsupported] if text else []
    out = []
    for n in cited:
        chunk = hits[n - 1].chunk
        source = chunk.source
        out.append(Citation(
            n=n, article_id=chunk.article_id, title=source.title, source=source.outlet, published_at=source.day,
            url=source.url, quote=best_quote([c for c, ns in claims if n in ns], chunk.text), passage=chunk.text,
            evidence=evidence(hits[n - 1]),
        ))
    return out


def closest(hits: Sequence[Hit], most: int = 3) -> list[Citation]:
    """The passages nearest to a question that the archive does not answer: the first hit of each of
    up to ``most`` articles, quoted by its sentence closest to the question. Numbered as in the prompt;
    they are shown as the closest reading, not as sources of an answer."""
    out, seen = [], set()
    for n, hit in enumerate(hits, start=1):
        if hit.chunk.article_id in seen:
            continue
        seen.add(hit.chunk.article_id)
        [c] = citations([n], hits)
        out.append(replace(c, quote=hit.evidence[0][0] if hit.evidence else c.quote))
        if len(out) == most:
            break
    return out


def evidence(hit: Hit, most: int = 2) -> tuple[str, ...]:
    """The hit's best sentence, and the next ones within `EVIDENCE_MARGIN` of it (``most`` in all)."""
    if not hit.evidence:
        return ()
    best = hit.evidence[0][1]
    return tuple(s for s, score in hit.evidence[:most] if score >= best - EVIDENCE_MARGIN)


def best_quote(claims: Sequence[str], passage: str) -> str:
    """The part of ``passage`` that backs ``claims``: from the first to the last of the passage
    sentences that best match each claim (numbers and names count double). It is always a
    substring of the passage; the whole passage when no sentence matches."""
    spans, at = [], 0
    for piece in sentence_pieces(passage):
        if piece.strip():
            spans.append((at, at + len(piece)))
        at += len(piece)
    chosen = []
    for claim in claims:
        wanted, words = anchors(claim), _long_words(claim)
        best, score = None, 0
        for start, end in spans:
            sentence = passage[start:end]
            s = 2 * len(anchors(sentence) & wanted) + len(_long_words(sentence) & words)
            if s > score:
                best, score = (start, end), s
        if best:
            chosen.append(best)
    if not chosen:
        return passage
    return passage[min(a for a, _ in chosen):max(b for _, b in chosen)].strip()
