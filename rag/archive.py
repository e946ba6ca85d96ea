"""The public API: an `Archive` is a folder you ingest news into and ask questions of.

    archive = Archive.open("my-archive")
    archive.ingest(["news.jsonl"])
    answer = archive.ask("What treaties does the new pact replace?")

The LLM is loaded on the first question, so ingesting never pays for it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from index.chunk import Chunker
from index.embed import DEFAULT_EMBEDDER, Embedder, load_embedder
from index.errors import ArchiveError
from index.ingest import IngestReport, adopt, ingest, remove
from index.manifest import Manifest, entry_dict
from index.store import Store, http_client, persistent_client
from index.types import Article

from . import models
from .cite import attribute, citations, clean_markers, sentences, verify
from .llm import LLM, LlamaCppLLM, Message, OpenAILLM
from .pack import condense, fit
from .prompt import NO_ANSWER, build_messages
from .query import detect_language, is_timeline, is_yes_no, standalone
from .filters import Filters, understand
from .retrieve import Retriever
from .support import LexicalSupport, Support
from .types import Answer, Citation, Hit

MARKER_FILE = "newsrag.json"
EXCERPT_TOKENS = 0  # whole passages: excerpts read faster but changed answers (docs/PERFORMANCE.md)
ABSTAIN = {
    "en": "The archive does not answer this question.",
    "es": "El archivo no responde a esta pregunta.",
    "fr": "Les archives ne répondent pas à cette question.",
    "de": "Das Archiv beantwortet diese Frage nicht.",
    "pt": "O arquivo não responde a esta pergunta.",
    "it": "L'archivio non risponde a questa domanda.",
}


class Archive:
    """A news archive: a Chroma store in a folder, an embedder, and an LLM to answer with."""

    def __init__(
        self,
        path: Path,
        store: Store,
        embedder: Embedder,
        llm: LLM | Callable[[], LLM],
        top_k: int = 4,
        chunker: Chunker | None = None,
        manifest: Manifest | None = None,
    ):
        self.path = path
        self.store = store
        self.manifest = manifest or Manifest(path / "manifest.sqlite")
        self.support: Support = LexicalSupport()
        self.passage_budget = 2400  # prompt tokens for passages: fits a 4096-token context with history and answer
        self.excerpt_budget = EXCERPT_TOKENS  # prompt tokens for the passages' sentences closest to the question; 0: whole passages
        self.embedder = embedder
        self._llm = llm
        self.retriever = Retriever(store, embedder, top_k=top_k)
        self._chunker = chunker
        self._generating = threading.Lock()
        self._writing = threading.Lock()  # one ingest or removal at a time, whoever asks (CLI, browser, API)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        embedder: Embedder | str | None = None,
        llm: LLM | None = None,
        model: str = "default",
        models_dir: Path | None = None,
        top_k: int = 4,
        create: bool = True,
        chroma_url: str | None = None,
        llm_url: str | None = None,
    ) -> "Archive":
        """Open the archive in ``path`` (created when missing unless ``create=False``).

        ``embedder`` defaults to the one the archive was built with; ``llm`` defaults to
        the local ``model`` (``default``, ``small`` or a .gguf path), loaded when first needed,
        or to the OpenAI-compatible server at ``llm_url`` (``model`` then names the server's model,
        ``default`` letting the server choose). ``chroma_url`` keeps the passages in a Chroma
        server instead of the folder; the folder remembers it, and still holds the manifest.
        """
        path = Path(path).expanduser()
        marker = path / MARKER_FILE
        settings = json.loads(marker.read_text()) if marker.is_file() else None
        if settings is None and not create:
            raise ArchiveError(f"no archive at {path}; build one with: newsrag ingest FILES --archive {path}")
        if not isinstance(embedder, Embedder):
            embedder = load_embedder(embedder or (settings or {}).get("embedder") or DEFAULT_EMBEDDER)
        path.mkdir(parents=True, exist_ok=True)
        settings = settings or {"format": 1, "embedder": embedder.name}
        chroma_url = chroma_url or settings.get("chroma_url")
        if chroma_url:  # a server holds many archives: each gets its own collection, named in the folder
            settings = {**settings, "chroma_url": chroma_url}
            settings.setdefault("collection", server_collection(path))
            store = Store(http_client(chroma_url), embedder, collection=settings["collection"])
        else:
            store = Store(persistent_client(path / "chroma"), embedder)
        if not marker.is_file() or json.loads(marker.read_text()) != settings:
            marker.write_text(json.dumps(settings, indent=2) + "\n")
        models_dir = models_dir or models.default_models_dir()
        manifest = Manifest(path / "manifest.sqlite")
        adopt(store, manifest)
        if llm is None and llm_url:
            llm = OpenAILLM(llm_url, None if model == "default" else model)
        archive = cls(path, store, embedder, llm or (lambda: LlamaCppLLM(models.resolve(model, models_dir))), top_k=top_k,
                      manifest=manifest)
        archive.models_dir = models_dir
        return archive

    @property
    def llm(self) -> LLM:
        if not isinstance(self._llm, LLM):
            self._llm = self._llm()
        return self._llm

    def warm(self) -> None:
        """Load the embedder, the keyword index and the LLM now, and have the model read the
        answer prompt's fixed start, so that the first question waits for none of it."""
        if self.store.count():
            self.retriever.retrieve("warm-up", 1)
        for _ in self.llm.stream(build_messages("", [], "en"), max_tokens=1):
            pass

    def ingest(
        self,
        paths: Iterable[str | Path],
        on_article: Callable[[Article], None] | None = None,
        on_removed: Callable[[Article, list[str]], None] | None = None,
        progress: bool | None = False,
    ) -> IngestReport:
        """Add new and changed articles from files, folders or globs; see `IngestReport`.

        ``on_removed`` gets each article with the boilerplate lines cleaning removed from it.
        """
        with self._writing:
            self._chunker = self._chunker or Chunker()
            self.retriever.refresh()
            return ingest(paths, self.store, self.embedder, self.manifest, self._chunker,
                          on_article=on_article, on_removed=on_removed, progress=progress)

    def remove(self, keys: Sequence[str] = (), source: str | None = None) -> IngestReport:
        """Delete articles by id or url, or all of one outlet (``source``)."""
        with self._writing:
            self._chunker = self._chunker or Chunker()
            self.retriever.refresh()
            return remove(keys, self.store, self.embedder, self.manifest, source=source, chunker=self._chunker)

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """The passages for a question: dense and keyword rankings fused, within ``filters``."""
        return self.retriever.retrieve(question, top_k, filters)

    def search(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
        timeline: bool = False,
    ) -> tuple[list[Hit], str]:
        """The passages for a standalone question, and the text searched for.

        Dates and outlets named in the question become filters (explicit ``filters`` win) and
        are left out of the searched text; a date window is read as the time of the events, so
        it also takes articles published a while after it (`report_lag`). When they match
        nothing, the search runs without them. A ``timeline`` search takes more passages, one per article, oldest first.
        """
        search, understood = understand(question, as_of or self.as_of(), self.manifest.outlets())
        if understood.until:  # a window names when things happened: reports of them come out later
            understood = replace(understood, until=understood.until + report_lag(understood))
        wanted = understood.merge(filters) if filters else understood
        k, per_article = (max(top_k or self.retriever.top_k, 6), 1) if timeline else (top_k, None)
        hits = self.retriever.retrieve(search, k, wanted, per_article)
        if not hits and understood:
            hits = self.retriever.retrieve(search, k, filters, per_article)
        if timeline:
            hits = [Hit(h.chunk, h.score, i) for i, h in enumerate(sorted(hits, key=_published), start=1)]
        return hits, search

    def stream(
        self,
        question: str,
        history: Sequence[Message] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text as it is generated, then the final `Answer`.

        The streamed text is the model's raw output; the `Answer` carries the cleaned text
        (invalid citation markers removed) and the citations. One answer is generated at a
        time: a second thread waits for the first to finish (or to be closed).
        """
        with self._generating:
            yield from self._stream(question, history, top_k, filters, as_of)

    def _stream(self, question, history, top_k, filters, as_of) -> Iterator[str | Answer]:
        start = time.perf_counter()
        language = detect_language(question)
        timings: dict[str, float] = {}
        search = question
        if history:  # a follow-up is searched for as a standalone question
            search = standalone(question, history, self.llm)
            timings["rewrite_s"] = time.perf_counter() - start
        hits, search = self.search(search, top_k, filters, as_of, timeline=is_timeline(question))
        hits = fit(hits, self.passage_budget)
        timings["retrieval_s"] = time.perf_counter() - start - timings.get("rewrite_s", 0.0)
        if self.excerpt_budget and hits:
            mark = time.perf_counter()
            hits = condense(search, hits, self.embedder, self.excerpt_budget)
            timings["excerpt_s"] = time.perf_counter() - mark

        def finish(text: str, abstained: bool) -> Answer:
            timings.setdefault("ttft_s", time.perf_counter() - start)
            timings["total_s"] = time.perf_counter() - start
            weak: list[str] = []
            cited: list[int] = []
            if not abstained:  # sentences re-cited to the passages that back them, or marked
                text, weak = verify(text, hits, self.support, given=f"{question}\n{search}")
                text, cited = clean_markers(text, len(hits))
            cites = self._with_copies(citations(cited, hits, text, weak))
            usage = dict(self._llm.usage) if isinstance(self._llm, LLM) and raw else {}
            return Answer(question, text, cites, abstained=abstained, hits=hits, timings=timings, searched=search,
                          unsupported=weak, usage=usage)

        raw = ""
        if hits:
            held = True
            kind = "timeline" if is_timeline(question) else "yesno" if is_yes_no(question) else "answer"
            for piece in self.llm.stream(build_messages(question, hits, language, history, kind)):
                timings.setdefault("ttft_s", time.perf_counter() - start)
                raw += piece
                if held:  # hold back output that could still become the NO_ANSWER reply
                    head = raw.strip()
                    if NO_ANSWER.startswith(head):
                        continue
                    if head.startswith(NO_ANSWER):
                        break
                    held = False
                    yield raw
                else:
                    yield piece
        if not raw.strip() or raw.strip().startswith(NO_ANSWER):
            text = ABSTAIN.get(language, ABSTAIN["en"])
            yield text
            yield finish(text, abstained=True)
            return
        text, cited = clean_markers(raw, len(hits))
        if not cited:
            text, cited = clean_markers(attribute(text, hits), len(hits))
        answer = finish(text, abstained=False)
        if answer.unsupported and len(answer.unsupported) == len(sentences(text)):
            # nothing in the answer is backed by its passages: say so rather than guess
            answer = replace(answer, text=ABSTAIN.get(language, ABSTAIN["en"]), citations=[], abstained=True, unsupported=[],
                             guess=text)
        yield answer

    def ask(
        self,
        question: str,
        history: Sequence[Message] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
    ) -> Answer:
        """Answer a question (see `stream`)."""
        for item in self.stream(question, history, top_k, filters, as_of):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream ended without an Answer")

    def _with_copies(self, cited: list[Citation]) -> list[Citation]:
        """Citations listing the other outlets that ran the same story."""
        copies = self.manifest.copies(c.article_id for c in cited)
        return [replace(c, alternates=tuple(entry_dict(e) for e in copies.get(c.article_id, []))) for c in cited]

    def as_of(self) -> datetime:
        """The date relative expressions ("last week") count from: the newest article's, else now."""
        newest = self.manifest.newest()
        return datetime.fromisoformat(newest) if newest else datetime.now(timezone.utc)

    def chat(self, filters: Filters | None = None, as_of: datetime | None = None) -> "Chat":
        """A conversation: each question is answered with the previous turns as context."""
        return Chat(self, filters=filters, as_of=as_of)

    def overview(self, recent: int = 10) -> dict:
        """Articles by outlet, language and month of publication, and the latest ones (copies included)."""
        from collections import Counter

        entries = [e for e in self.manifest.entries() if e.state in ("indexed", "copy")]
        latest = sorted(entries, key=lambda e: e.published_at or "", reverse=True)[:recent]
        return {
            "articles": len(entries),
            "copies": sum(e.state == "copy" for e in entries),
            "outlets": dict(Counter(e.source or "?" for e in entries).most_common()),
            "languages": dict(Counter(e.language or "?" for e in entries).most_common()),
            "months": dict(sorted(Counter(e.published_at[:7] or "undated" for e in entries).items())),
            "recent": [entry_dict(e) for e in latest],
        }

    def stats(self) -> dict:
        return {"path": str(self.path), "embedder": self.embedder.name, **self.store.stats()}


def server_collection(path: Path) -> str:
    """A Chroma collection name for the archive in ``path``: its folder name and a random suffix."""
    import re
    import secrets

    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.name).strip("-_")[:40] or "archive"
    return f"newsrag-{stem}-{secrets.token_hex(4)}"


def report_lag(window: Filters) -> timedelta:
    """How long after a window articles about it still count: as long as the window, between 2 and 31 days."""
    length = window.until - window.since if window.since and window.until else timedelta(days=31)
    return min(timedelta(days=31), max(timedelta(days=2), length))


def _published(hit: Hit) -> int:
    return int(hit.chunk.meta.get("published_ts", 0))


class Chat:
    """Turns of one conversation with an archive; `stream` and `ask` remember what was said."""

    def __init__(self, archive: Archive, max_turns: int = 3, filters: Filters | None = None, as_of: datetime | None = None):
        self.archive = archive
        self.max_turns = max_turns
        self.filters = filters
        self.as_of = as_of
        self.history: list[Message] = []

    def stream(self, question: str, top_k: int | None = None) -> Iterator[str | Answer]:
        for item in self.archive.stream(question, self.history[-2 * self.max_turns :], top_k, self.filters, self.as_of):
            if isinstance(item, Answer):
                self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": item.text}]
            yield item

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        return next(item for item in self.stream(question, top_k) if isinstance(item, Answer))


def sample_files() -> list[Path]:
    """The bundled sample archive's files, in ingest order: later updates of articles come last."""
    from importlib import resources

    from index.load import SUFFIXES

    folder = Path(str(resources.files("rag").joinpath("data", "sample")))
    files = sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.suffix != ".md")
    return sorted(files, key=lambda p: p.parent.name == "updates")
