"""Records passed between the answering stages: the understood question, retrieved passages,
what the model is reading, the model's reply, citations and the final answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from index.types import Chunk, Filters, about, heading

if TYPE_CHECKING:
    from .quantities import Quantity

Message = dict[str, str]  # a chat turn in the OpenAI shape: {"role": ..., "content": ...}
Kind = Literal["answer", "yesno", "timeline"]


@dataclass(frozen=True)
class Query:
    """A question as understood before searching (`rag.understand`)."""

    question: str  # as asked
    language: str  # ISO 639-1 code of the question: the answer's language
    kind: Kind  # a fact ("answer"), a yes-or-no question, or how a story developed ("timeline")
    search: str  # what retrieval looks for: the question made standalone, without the dates and outlets read as filters
    standalone: str = ""  # the question made standalone, dates and outlets included: what a widened search looks for
    filters: Filters = Filters()  # what to search within: the filters read from the question, explicit ones winning
    explicit: Filters = Filters()  # the caller's filters alone: always kept; ``filters`` only add to them
    outlets: tuple[str, ...] = ()  # the outlets the question names, in any context: each is also searched within
    history: tuple[Message, ...] = ()  # earlier turns of the conversation, oldest first
    expects: str | None = None  # what the answer must hold: number, date, person, place or name (`rag.understand.expects`)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, its score (higher is better) and its 1-based rank."""

    chunk: Chunk
    score: float
    rank: int
    excerpt: str = ""  # what the prompt shows of the chunk when not all of it (see rag.pack.condense)
    evidence: tuple[tuple[str, float], ...] = ()  # the chunk's sentences and their similarity to the question, best first

    @property
    def passage(self) -> str:
        """The chunk (or its excerpt, when it has one) under its heading: title, outlet and day."""
        return f"{self.chunk.source.heading}\n{self.excerpt or self.chunk.text}"


@dataclass(frozen=True)
class Reply:
    """What the model wrote (`rag.generate`): its raw text, when its first piece came, and token counts."""

    text: str = ""
    declined: bool = True  # it wrote nothing, or that the passages do not answer (`rag.prompt.NO_ANSWER`)
    first_piece_at: float | None = None  # time.perf_counter() of the first piece
    usage: dict[str, int] = field(default_factory=dict)  # prompt, cached and completion tokens, when the model tells


@dataclass(frozen=True)
class Citation:
    """Passage ``n`` of the prompt, as cited in an answer."""

    n: int
    article_id: str
    title: str
    source: str
    published_at: str
    url: str
    quote: str
    alternates: tuple[dict, ...] = ()  # other outlets' copies of the article: id, source, url, published_at, title
    passage: str = ""  # the whole retrieved passage the quote comes from
    evidence: tuple[str, ...] = ()  # the passage's sentences that answer the question best (retrieval's, see `Hit.evidence`)

    @property
    def about(self) -> str:
        """Outlet and date, as shown beside the title: ``El País, 2024-06-17``."""
        return about(self.source, self.published_at)

    @property
    def heading(self) -> str:
        """``Title (Outlet, 2024-06-17)``."""
        return heading(self.title, self.source, self.published_at)

    def to_dict(self) -> dict:
        """FORMATS.md's citation object; ``alternates`` is added only when other outlets ran the story."""
        out = {
            "n": self.n, "article_id": self.article_id, "title": self.title, "source": self.source,
            "published_at": self.published_at, "url": self.url, "quote": self.quote,
        }
        if self.alternates:
            out["alternates"] = list(self.alternates)
        return out


@dataclass(frozen=True)
class Side:
    """One side of a disagreement: who gives which figure, and in which passage."""

    speaker: str  # the attributed speaker ("el sindicato Rail Workers Alliance"), else the outlet
    value: str  # the figure as the passage writes it
    passage: int  # the passage's number, as the answer's citations number it
    outlet: str = ""
    published_at: str = ""  # the passage's publication day

    def to_dict(self) -> dict:
        return {"speaker": self.speaker, "value": self.value, "n": self.passage, "source": self.outlet,
                "published_at": self.published_at}


@dataclass(frozen=True)
class Disagreement:
    """Passages that give different figures for the same thing (`rag.disagree`)."""

    about: str  # what is disputed: the counted word or the unit ("people", "%")
    sides: tuple[Side, ...]

    @property
    def summary(self) -> str:
        """Plain text: ``el sindicato: 82 % [1]; la operadora: 57 % [2]``."""
        return "; ".join(f"{s.speaker}: {s.value} [{s.passage}]" for s in self.sides)

    def to_dict(self) -> dict:
        return {"about": self.about, "sides": [s.to_dict() for s in self.sides]}


@dataclass(frozen=True)
class Correction:
    """A figure a passage says was wrong, and the right one (`rag.correct`)."""

    wrong: Quantity
    right: Quantity
    passage: int  # the correction's passage, as the answer's citations number it
    outlet: str = ""
    published_at: str = ""  # the correction's publication day

    @property
    def summary(self) -> str:
        """Plain text: ``60.000 -> 45.000 (Diario del Sur, 2024-06-10) [2]``."""
        unit = self.right.suffix  # the wrong figure's too: a notice often writes the unit once
        about = ", ".join(x for x in (self.outlet, self.published_at) if x)
        return f"{self.wrong.text}{unit} -> {self.right.text}{unit}" + (f" ({about})" if about else "") + f" [{self.passage}]"

    def to_dict(self) -> dict:
        unit = self.right.suffix
        return {"wrong": self.wrong.text + unit, "right": self.right.written, "n": self.passage, "source": self.outlet,
                "published_at": self.published_at}


@dataclass(frozen=True)
class Reading:
    """The passages the model is given, numbered as in its prompt: `Archive.stream` yields this as
    soon as retrieval is done, before the model has read them (seconds on a CPU), so that they can
    be shown meanwhile. Each is a `Citation` whose ``quote`` is the passage's sentence closest to
    the question (empty when retrieval scored no sentences: keyword ranking, or an archive without
    sentence vectors); ``alternates`` are not filled in. They are what the answer is written from,
    not its sources: those are the final `Answer`'s citations, numbered as its checked text has them.
    """

    passages: tuple[Citation, ...] = ()
    searched: str = ""  # what retrieval searched for: the question, or a follow-up made standalone


@dataclass(frozen=True)
class Turn:
    """What the model read and wrote for one answer: the prompt's messages with its reply last, and
    the passages they number. A follow-up that retrieves some of them again continues it."""

    kind: Kind
    messages: tuple[Message, ...]
    hits: tuple[Hit, ...]


@dataclass
class Answer:
    """The final answer: text with ``[n]`` markers, the citations they point to, and timings."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    hits: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)  # sentences their cited passages do not support
    searched: str = ""  # what retrieval searched for: the question, or a follow-up made standalone
    guess: str = ""  # an answer withdrawn because its passages support none of it
    widened: bool = False  # some passages lie outside the dates or outlets the question names
    usage: dict[str, int] = field(default_factory=dict)  # prompt, cached and completion tokens, when the LLM tells
    repairs: list[str] = field(default_factory=list)  # what checking changed: recited, magnitude, language, withdrawn, no <type>
    foreign: list[str] = field(default_factory=list)  # sentences written partly in another language than the question's
    closest: list[Citation] = field(default_factory=list)  # for an abstention: the nearest passages, which do not answer it
    later: list[Citation] = field(default_factory=list)  # "as of" a day: later articles that speak to the question (`rag.asof`)
    turn: Turn | None = None  # what the model read and wrote, for a follow-up to continue (`Chat`)
    disagreements: list[Disagreement] = field(default_factory=list)  # figures its passages dispute (`rag.disagree`)
    corrections: list[Correction] = field(default_factory=list)  # corrected figures the answer states (`rag.correct`)

    def to_dict(self) -> dict:
        """The ``newsrag ask --json`` object of FORMATS.md."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "timings": {k: round(v, 3) for k, v in self.timings.items() if k in ("retrieval_s", "ttft_s", "total_s")},
            **({"unsupported": self.unsupported} if self.unsupported else {}),
            **({"repairs": self.repairs} if self.repairs else {}),
            **({"widened": True} if self.widened else {}),
            **({"closest": [c.to_dict() for c in self.closest]} if self.closest else {}),
            **({"later": [c.to_dict() for c in self.later]} if self.later else {}),
            **({"disagreements": [d.to_dict() for d in self.disagreements]} if self.disagreements else {}),
            **({"corrections": [c.to_dict() for c in self.corrections]} if self.corrections else {}),
        }
