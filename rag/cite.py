"""Citation markers: keep every ``[n]`` that names a given passage, drop the rest.

``[1, 2]`` and ``[1-2]`` become ``[1][2]``. Small models often answer correctly without
any marker: `attribute` then cites, for each sentence, the passage that shares most of its
numbers and names (these survive translation, so it works across languages). `verify` checks
each cited sentence against its passages and re-cites it when other passages back it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Sequence

from .types import Citation, Hit

if TYPE_CHECKING:
    from .support import Support

_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|-|–|and|y)\s*\d+)*)\s*\]", re.I)
_SPACES = re.compile(r"[ \t]+([.,;:!?])")


def clean_markers(text: str, n_passages: int) -> tuple[str, list[int]]:
    """Normalise markers and remove those out of range; returns the text and the cited numbers in order."""
    cited: list[int] = []

    def replace(match: re.Match) -> str:
        numbers = _numbers(match.group(1))
        kept = [n for n in numbers if 1 <= n <= n_passages]
        for n in kept:
            if n not in cited:
                cited.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    cleaned = _MARKER.sub(replace, text)
    cleaned = re.sub(r"\[\s*\]", "", cleaned)
    cleaned = _SPACES.sub(r"\1", re.sub(r"[ \t]{2,}", " ", cleaned))
    return _fold_references(cleaned.strip()), cited


_REFERENCE_WORD = re.compile(r"\b(?:passages?|sources?|pasajes?|fuentes?)\b", re.I)


def _fold_references(text: str) -> str:
    """Move the markers of a sentence that only points at passages ("This is found in passage [1].")
    to the sentence before it, and drop the pointing sentence."""
    pieces = _SENTENCE_END.split(text)
    out: list[str] = []
    for piece in pieces:
        piece = piece or ""
        markers = "".join(f"[{n}]" for n in _CLEAN_MARKER.findall(piece))
        words = _CLEAN_MARKER.sub("", piece).split()
        previous = next((i for i in range(len(out) - 1, -1, -1) if out[i].strip()), None)
        if markers and previous is not None and len(words) <= 8 and _REFERENCE_WORD.search(" ".join(words)):
            body = out[previous].rstrip()
            end = len(body.rstrip(".!?"))
            out[previous] = f"{body[:end]} {markers}{body[end:]}" if markers not in body else body
            while out and not out[-1].strip():
                out.pop()
            continue
        out.append(piece)
    return "".join(out).strip()


def citations(cited: Sequence[int], hits: Sequence[Hit], text: str = "", unsupported: Sequence[str] = ()) -> list[Citation]:
    """One `Citation` per cited passage number, in order of first mention.

    With the answer ``text``, each quote is the passage sentence that best matches the answer's
    sentences citing it (``unsupported`` ones aside); without it, the whole passage.
    """
    claims = [(c, ns) for c, ns in sentences(text) if c not in unsupported] if text else []
    out = []
    for n in cited:
        chunk = hits[n - 1].chunk
        meta = chunk.meta
        out.append(
            Citation(
                n=n,
                article_id=chunk.article_id,
                title=meta.get("title", ""),
                source=meta.get("source", ""),
                published_at=(meta.get("published_at") or "")[:10],
                url=meta.get("url", ""),
                quote=best_quote([c for c, ns in claims if n in ns], chunk.text),
                passage=chunk.text,
            )
        )
    return out


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


_SENTENCE_END = re.compile(r"(?<=[.!?])(\s+)|(\n+)")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
_CLEAN_MARKER = re.compile(r"\s*\[(\d+)\]")


def sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences, each with the passage numbers it cites and without its markers.

    Markers written after the full stop (``... plant. [1]``) belong to the sentence before them.
    """
    out: list[tuple[str, list[int]]] = []
    for piece in _SENTENCE_END.split(text):
        if not piece or piece.isspace():
            continue
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:
            out[-1][1].extend(int(n) for n in _CLEAN_MARKER.findall(lead.group(0)) if int(n) not in out[-1][1])
            piece = piece[lead.end():]
        cited = list(dict.fromkeys(int(n) for n in _CLEAN_MARKER.findall(piece)))
        claim = _SPACES.sub(r"\1", _CLEAN_MARKER.sub("", piece)).strip()
        if claim:
            out.append((claim, cited))
    return out


_ANCHOR = re.compile(r"\d[\d.,:]*\d|\d|\b[A-ZÁÉÍÓÚÑ][\wáéíóúñü]{2,}")


def attribute(text: str, hits: Sequence[Hit], min_share: float = 0.5) -> str:
    """Add a ``[n]`` to each sentence whose numbers and names mostly occur in passage ``n``."""
    passages = [anchors(hit.chunk.text) for hit in hits]
    out = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence or sentence.isspace():
            out.append(sentence or "")
            continue
        wanted = anchors(sentence.strip(), sentence=True)
        best, share = 0, 0.0
        for n, found in enumerate(passages, start=1):
            overlap = len(wanted & found) / len(wanted) if wanted else 0.0
            if overlap > share:
                best, share = n, overlap
        if best and share >= min_share:
            body = sentence.rstrip()
            end = len(body.rstrip(".!?"))
            sentence = f"{body[:end]} [{best}]{body[end:]}" + sentence[len(body):]
        out.append(sentence)
    return "".join(out)


def anchors(text: str, sentence: bool = False) -> set[str]:
    """Numbers (separators removed) and capitalised words that are not function words: what a translation keeps.

    With ``sentence``, the first word is not taken for a name: any word is capitalised there.
    """
    from .query import FUNCTION_WORDS

    found = _ANCHOR.findall(text)
    if sentence and found and not found[0][0].isdigit() and text.lstrip("¿¡\"«'( ").startswith(found[0]):
        found = found[1:]
    out = {re.sub(r"[.,:]", "", a) if a[0].isdigit() else a.lower() for a in found}
    return out - FUNCTION_WORDS

_WORD = re.compile(r"\w{4,}")


def best_quote(claims: Sequence[str], passage: str) -> str:
    """The part of ``passage`` that backs ``claims``: from the first to the last of the passage
    sentences that best match each claim (numbers and names count double). It is always a
    substring of the passage; the whole passage when no sentence matches."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+?(?:[.!?»\"](?=\s|$)|$)", passage)]
    chosen = []
    for claim in claims:
        wanted, words = anchors(claim), {w.lower() for w in _WORD.findall(claim)}
        best, score = None, 0
        for span in spans:
            sentence = passage[span[0]:span[1]]
            s = 2 * len(anchors(sentence) & wanted) + len({w.lower() for w in _WORD.findall(sentence)} & words)
            if s > score:
                best, score = span, s
        if best:
            chosen.append(best)
    if not chosen:
        return passage
    return passage[min(a for a, _ in chosen):max(b for _, b in chosen)].strip()


def verify(text: str, hits: Sequence[Hit], support: "Support", given: str = "") -> tuple[str, list[str]]:
    """Check each cited sentence against its passages, re-citing it when other passages back it.

    A sentence its cited passages do not support gets the fewest passages (up to three, most
    shared numbers and names first) that do; when none do, it keeps its markers and is listed
    as unsupported. Passages are judged with their title, outlet and date; what the question
    (``given``) already states counts as known, so restating it needs no source. Uncited
    sentences are not judged. Returns the text with its markers and the unsupported sentences.
    """
    from .prompt import passage_text

    texts = [passage_text(replace(hit, excerpt="")) for hit in hits]  # the whole passage, not an excerpt
    shared = [anchors(t) for t in texts]

    def backed(numbers: Sequence[int], claim: str) -> bool:
        premise = "\n\n".join([*(texts[n - 1] for n in numbers), given])
        return support.entails(premise, claim)

    out: list[str] = []
    weak: list[str] = []
    for piece in _SENTENCE_END.split(_attach_markers(text)):
        piece = piece or ""
        cited = [int(n) for n in _CLEAN_MARKER.findall(piece) if 1 <= int(n) <= len(hits)]
        claim = _SPACES.sub(r"\1", _CLEAN_MARKER.sub("", piece)).strip()
        if not cited or not claim or backed(cited, claim):
            out.append(piece)
            continue
        wanted = anchors(claim, sentence=True)
        order = sorted(range(1, len(hits) + 1), key=lambda n: -len(wanted & shared[n - 1]))
        chosen = next((order[:size] for size in (1, 2, 3) if backed(order[:size], claim)), None)
        chosen = chosen or next(([n] for n in order[1:] if backed([n], claim)), None)
        if chosen is None:
            weak.append(claim)
            out.append(piece)
            continue
        body = _CLEAN_MARKER.sub("", piece).rstrip()
        end = len(body.rstrip(".!?"))
        out.append(f"{body[:end]} {''.join(f'[{n}]' for n in sorted(chosen))}{body[end:]}" + piece[len(piece.rstrip()):])
    return "".join(out), weak


def _attach_markers(text: str) -> str:
    """Move markers written after a full stop (``... plant. [1]``) in front of it."""
    return re.sub(r"([.!?])((?:\s*\[\d+\])+)(?=\s|$)", lambda m: f"{m.group(2)}{m.group(1)}", text)
