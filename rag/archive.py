"""The public API: an `Archive` is a folder you ingest news into and ask questions of.

    archive = Archive.open("my-archive")
    archive.ingest(["news.jsonl"])
    answer = archive.ask("What treaties does the new pact replace?")

An answer goes through the stages in order, each handing a typed record to the next:
understand (`rag.understand` -> `Query`) -> retrieve (`rag.retrieve` -> `Hit`s) -> pack
(`rag.pack`) -> generate (`rag.generate` -> `Reply`) -> check (`rag.check` -> `Answer`).
The LLM is loaded on the first question, so ingesting never pays for it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import Counter, OrderedDict
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from index.chunk import Chunker
from index.embed import DEFAULT_EMBEDDER, Embedder, load_embedder
from index.errors import ArchiveError
from index.ingest import IngestReport, adopt, ingest, needs_repair, remove, repair
from index.keyword import KeywordFiles
from index.lock import WRITE_WAIT_S, WriteLock
from index.manifest import Manifest, entry_dict
from index.remote_embed import RemoteEmbedder
from index.sentences import SentenceStore
from index.store import COLLECTION, Store, http_client, persistent_client
from index.stories import Story, StoryIndex
from index.types import Article, Chunk, Filters

from . import models
from .asof import later, published_after, published_by
from .check import check, counted_across, withdraw
from .cite import cited_in, citations
from .confirm import counted_by_any
from .disagree import FURTHER_PASSAGES
from .generate import generate
from .llm import LLM, LlamaCppLLM, OpenAILLM
from .pack import condense, fit, keep
from .prompt import build_messages, follow_up_messages
from .repair import retranslate
from .retrieve import KEYWORD_WEIGHT, Ranking, Retriever
from .sources import asks_independence, one_source
from .support import LexicalSupport, Support
from .types import Answer, Citation, Hit, Message, Query, Reading, Reply, Turn
from .understand import understand

MARKER_FILE = "newsrag.json"
PASSAGE_TOKENS = 2400  # prompt tokens for passages: fits a 4096-token context with history and answer
RECENT_TURNS = 32  # answers whose prompt a follow-up sent as text history (HTTP API, browser) can continue
LATER_SEARCH = 4  # passages searched among articles published after an "as of" day
FOLLOW_UP_TOKENS = 2800  # a continued conversation's prompt: 4096 less the answer and a margin for the estimate
EXCERPT_TOKENS = 0  # whole passages: excerpts read faster but changed answers (docs/PERFORMANCE.md)


class Archive:
    """A news archive: a Chroma store in a folder, an embedder, and an LLM to answer with.

    ``llm`` may be a function that loads the model when the first question needs it.
    ``excerpt_tokens`` above 0 shows the model only the passages' sentences closest to the
    question, about that many tokens in all (`rag.pack.condense`). ``question_filters`` False
    does not read dates and outlets from questions (for comparison runs). ``prompts_dir`` holds
    answer prompt files (``answer.txt``, ``yesno.txt``, ``timeline.txt``) used instead of the package's.
    ``prompt_cache`` is the folder where a local model keeps its prompts' evaluated fixed start
    for the next process (`LlamaCppLLM`); None keeps nothing. Every write (ingest, removal,
    repair) holds the archive's ``write_lock``, whichever process or thread makes it; questions
    do not take it.
    """

    def __init__(
        self,
        path: Path,
        store: Store,
        embedder: Embedder,
        llm: LLM | Callable[[], LLM],
        *,
        manifest: Manifest | None = None,
        retriever: Retriever | None = None,
        chunker: Chunker | None = None,
        support: Support | None = None,
        models_dir: Path | None = None,
        passage_tokens: int = PASSAGE_TOKENS,
        excerpt_tokens: int = EXCERPT_TOKENS,
        question_filters: bool = True,
        prompts_dir: Path | None = None,
        prompt_cache: Path | None = None,
        write_lock: WriteLock | None = None,
    ):
        self.path = path
        self.store = store
        self.embedder = embedder
        self.manifest = manifest or Manifest(path / "manifest.sqlite")
        self.retriever = retriever or Retriever(store, embedder)
        self.support = support or LexicalSupport()
        self.models_dir = models_dir or models.default_models_dir()
        self.passage_tokens = passage_tokens
        self.excerpt_tokens = excerpt_tokens
        self.question_filters = question_filters
        self.prompts_dir = prompts_dir
        self.prompt_cache = prompt_cache
        self._llm = llm
        self._chunker = chunker
        self._generating = threading.Lock()
        self._prefetched = False  # whether `prefetch` has started reading the indexes
        self.write_lock = write_lock or WriteLock(path)  # one write at a time, whoever asks (CLI, browser, API, other processes)
        self._turns: OrderedDict[tuple[str, str], Turn] = OrderedDict()  # recent answers' turns, by question and answer
        self._story_index: StoryIndex | None = None

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
        keyword_weight: float | None = None,
        ranking: Ranking = "default",
        excerpt_tokens: int | None = None,
        question_filters: bool = True,
        create: bool = True,
        chroma_url: str | None = None,
        llm_url: str | None = None,
        embed_url: str | Sequence[str] | None = None,
        prompts_dir: Path | None = None,
        prompt_cache: Path | None = None,
        write_wait_s: float = WRITE_WAIT_S,
    ) -> Archive:
        """Open the archive in ``path`` (created when missing unless ``create=False``).

        ``embedder`` (an `Embedder` or a name) defaults to the one the archive was built with; a
        name is loaded when the first text needs embedding (re-ingesting unchanged files never
        loads it), or at once for a new archive, so that a bad name fails before anything is
        written. ``llm`` defaults to
        the local ``model`` (``default``, ``small`` or a .gguf path), loaded when first needed,
        or to the OpenAI-compatible server at ``llm_url`` (``model`` then names the server's model,
        ``default`` letting the server choose). ``chroma_url`` keeps the passages in a Chroma
        server instead of the folder; the folder remembers it, and still holds the manifest.
        ``embed_url`` (one address, or several comma-separated) embeds through OpenAI-compatible
        embedding servers (`index.remote_embed`), named after the model they report (``embedder``,
        a name, then chooses it); it is not remembered, so later commands embed in-process unless given it again.
        ``keyword_weight`` (default `rag.retrieve.KEYWORD_WEIGHT`) 0 ranks by sentence vectors alone;
        ``ranking`` ``dense`` or ``keyword`` ranks by passage vectors or keywords alone (for comparison).
        A write waits ``write_wait_s`` for another process's to finish before failing. What a killed
        write left half done is repaired here when no other process is writing.
        """
        path = Path(path).expanduser()
        marker = path / MARKER_FILE
        settings = json.loads(marker.read_text()) if marker.is_file() else None
        if settings is None and not create:
            raise ArchiveError(f"no archive at {path}; build one with: newsrag ingest FILES --archive {path}")
        if embed_url and not isinstance(embedder, Embedder):
            embedder = RemoteEmbedder.connect(embed_url, model=embedder)
        if not isinstance(embedder, Embedder):
            embedder = load_embedder(embedder or (settings or {}).get("embedder") or DEFAULT_EMBEDDER, lazy=settings is not None)
        path.mkdir(parents=True, exist_ok=True)
        settings = settings or {"format": 1, "embedder": embedder.name}
        chroma_url = chroma_url or settings.get("chroma_url")
        if chroma_url:  # a server holds many archives: each gets its own collection, named in the folder
            settings = {**settings, "chroma_url": chroma_url}
            settings.setdefault("collection", server_collection(path))
            client, collection = http_client(chroma_url), settings["collection"]
        else:
            client, collection = None, COLLECTION
        write_lock = WriteLock(path, write_wait_s)
        # Chroma creates its tables without checking whether another process is creating them: a
        # new archive's folder is made under the write lock, so that processes opening it at once take turns.
        with write_lock.held() if not marker.is_file() else nullcontext():
            client = client or persistent_client(path / "chroma")
            store = Store(client, embedder, collection=collection, sentences=SentenceStore(path / "sentences.sqlite"))
            if not marker.is_file() or json.loads(marker.read_text()) != settings:
                marker.write_text(json.dumps(settings, indent=2) + "\n")
        models_dir = models_dir or models.default_models_dir()
        manifest = Manifest(path / "manifest.sqlite")
        if not manifest.entries() and store.count():  # chunks without rows: an old archive, or a first write under way
            with write_lock.attempt() as free:
                if free:
                    repair(store, manifest)
                    adopt(store, manifest)
        if llm is None and llm_url:
            llm = OpenAILLM(llm_url, None if model == "default" else model)
        archive = cls(
            path, store, embedder, llm or (lambda: LlamaCppLLM(models.resolve(model, models_dir), prompt_cache=prompt_cache)),
            manifest=manifest,
            retriever=Retriever(store, embedder, top_k=top_k, ranking=ranking,
                                keyword_weight=KEYWORD_WEIGHT if keyword_weight is None else keyword_weight,
                                keyword_files=KeywordFiles(path / "keyword")),
            models_dir=models_dir, excerpt_tokens=EXCERPT_TOKENS if excerpt_tokens is None else excerpt_tokens,
            question_filters=question_filters, prompts_dir=prompts_dir, prompt_cache=prompt_cache, write_lock=write_lock,
        )
        if needs_repair(manifest):
            with write_lock.attempt() as free:
                if free:  # else the writer holding it repairs before it writes
                    archive._repair()
        return archive

    def prefetch(self) -> None:
        """Start reading what the first question needs (the keyword index and Chroma's vector
        index) in the background: an answer does when none has, and the chat when it starts.
        `warm` reads all of it, the model included, before it returns."""
        self._prefetched = True
        self.retriever.prefetch()

    @staticmethod
    def exists(path: str | Path) -> bool:
        """Whether ``path`` holds an archive."""
        return (Path(path).expanduser() / MARKER_FILE).is_file()

    @property
    def llm(self) -> LLM:
        """The answering model, loaded now if it was not yet."""
        if not isinstance(self._llm, LLM):
            self._llm = self._llm()
        return self._llm

    @property
    def model_name(self) -> str | None:
        """The answering model's name; None while it is not loaded."""
        return self._llm.name if isinstance(self._llm, LLM) else None

    def use_model(self, model: str) -> str:
        """Answer with the local ``model`` (``default``, ``small`` or a .gguf path) from now on; loads it now."""
        self._llm = LlamaCppLLM(models.resolve(model, self.models_dir), prompt_cache=self.prompt_cache)
        return self._llm.name

    def wrap_llm(self, wrap: Callable[[Callable[[], LLM]], LLM]) -> None:
        """Answer with ``wrap(load)`` from now on; ``load()`` gives the current model, loading it
        when it is not yet (a recording or caching layer need not load it at all)."""
        current = self._llm

        def load() -> LLM:
            nonlocal current
            if not isinstance(current, LLM):
                current = current()
            return current

        self._llm = wrap(load)

    def warm(self) -> None:
        """Load the embedder, the keyword index and the LLM now, and have the model read the
        answer prompt's fixed start, so that the first question waits for none of it."""
        if self.store.count():
            self.retriever.search("warm-up", 1)
        query = Query("", "en", "answer", "")
        for _ in self.llm.stream(build_messages(query, [], self.prompts_dir), max_tokens=1):
            pass

    def ingest(
        self,
        paths: Iterable[str | Path],
        on_article: Callable[[Article], None] | None = None,
        on_removed: Callable[[Article, list[str]], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Add new and changed articles from files, folders or globs; see `IngestReport`.

        ``on_article`` gets each article indexed; ``on_removed`` each article with the
        boilerplate lines cleaning removed from it; ``progress`` the articles done and in all.
        """
        with self.write_lock.held(), self.retriever.updating():
            self._chunker = self._chunker or Chunker()
            return ingest(paths, self.store, self.embedder, self.manifest, self._chunker,
                          on_article=on_article, on_removed=on_removed, progress=progress)

    def remove(self, keys: Sequence[str] = (), source: str | None = None) -> IngestReport:
        """Delete articles by id or url, or all of one outlet (``source``)."""
        with self.write_lock.held(), self.retriever.updating():
            self._chunker = self._chunker or Chunker()
            return remove(keys, self.store, self.embedder, self.manifest, source=source, chunker=self._chunker)

    def repair(self) -> int:
        """Finish what a killed write left half done (`index.ingest.repair`); returns the articles repaired."""
        with self.write_lock.held():
            return self._repair()

    def _repair(self) -> int:
        with self.retriever.updating():
            return repair(self.store, self.manifest)

    def understand(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None,
                   as_of: datetime | None = None) -> Query:
        """The question as understood: language, kind, the text to search and its filters (see `rag.understand`).

        Relative dates count from ``as_of``, by default the newest article's date.
        """
        return understand(question, as_of or self.as_of(), self.manifest.outlets(), history, filters, self.llm if history else None,
                          read_dates_and_outlets=self.question_filters)

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """The passages for a question as it is written: dense and keyword rankings fused, within ``filters``."""
        return self.retriever.search(question, top_k, filters)

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
        are left out of the searched text; when they match nothing, the search runs without
        them. A ``timeline`` search takes more passages, one per article, oldest first.
        """
        query = replace(self.understand(question, filters=filters, as_of=as_of), kind="timeline" if timeline else "answer")
        return self.retriever.retrieve(query, top_k), query.search

    def stream(
        self,
        question: str,
        history: Sequence[Message] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
        turn: Turn | None = None,
    ) -> Iterator[Reading | str | Answer]:
        """Yield one `Reading` (the passages the model is given) as soon as retrieval is done,
        then the answer's text as it is generated, then the final `Answer`.

        ``turn`` is the previous answer's (`Answer.turn`) in a conversation: when the follow-up
        retrieves some of its passages again, its prompt continues that turn's, which the model
        has already read (`rag.pack.keep`), and only the new passages and the question are read.
        Without it, a history whose last question and answer are one of the last answers this
        archive gave (as the HTTP API and the browser send them) continues that answer's turn.

        The `Reading` comes before the model reads its prompt, which is most of the wait on a
        CPU; a caller that only wants the text and the `Answer` can skip what is neither. The
        streamed text is the model's raw output; the `Answer` carries the cleaned text (invalid
        citation markers removed) and the citations. One answer is generated at a time: a
        second thread waits for the first to finish (or to be closed).
        """
        with self._generating:
            yield from self._stream(question, history, top_k, filters, as_of, turn)

    def _stream(self, question, history, top_k, filters, as_of, turn) -> Iterator[Reading | str | Answer]:
        start = time.perf_counter()
        if not self._prefetched:  # the indexes are read while the question is understood and embedded
            self.prefetch()
        timings: dict[str, float] = {}
        if as_of is not None:  # an answer as of a day reads only what was published by then
            filters = published_by(as_of, filters)
        query = self.understand(question, history, filters, as_of)
        if history:
            timings["rewrite_s"] = time.perf_counter() - start
        hits = fit(self.retriever.retrieve(query, top_k), self.passage_tokens)
        timings["retrieval_s"] = time.perf_counter() - start - timings.get("rewrite_s", 0.0)
        if turn is None and len(history) >= 2:
            turn = self._turns.get((history[-2].get("content") or "", history[-1].get("content") or ""))
        new = keep(turn, hits, FOLLOW_UP_TOKENS) if turn is not None and history and turn.kind == query.kind and hits else None
        if new is None:  # no turn to continue, another topic, or too long to continue: read afresh
            new, turn = hits, None
        yield reading([*turn.hits, *new] if turn else hits, query.search)
        if self.excerpt_tokens and new:
            mark = time.perf_counter()
            new = condense(query.search, new, self.embedder, self.excerpt_tokens)
            timings["excerpt_s"] = time.perf_counter() - mark
        if turn is not None:
            messages, hits = follow_up_messages(turn, query, new, self.prompts_dir), [*turn.hits, *new]
        else:
            messages, hits = build_messages(query, new, self.prompts_dir), new
        reply = (yield from generate(self.llm, messages)) if hits else Reply()
        further = partial(self.retriever.retrieve, query, (top_k or self.retriever.top_k) + FURTHER_PASSAGES, per_article=1)
        answer = check(query, hits, reply, self.support, further)
        if query.kind == "answer" and query.expects == "number" and not answer.abstained:
            stated = counted_across(answer.text, query.standalone or query.question, answer.hits, query.language)
            if stated and not counted_by_any(self.llm, stated):  # a count of something else in another language
                answer = withdraw(answer, "figure of another count", query.language)
        if hits and asks_independence(query.question):  # copies of one text are one source, whatever the model said
            answer = self._one_source(query, answer)
        if answer.abstained and reply.declined:
            yield answer.text
        if answer.foreign:  # sentences written partly in the passages' language are translated
            mark = time.perf_counter()
            others = {h.chunk.source.language for h in answer.hits} - {query.language, ""}
            text = retranslate(self.llm, answer.text, answer.foreign, query.language, others)
            again = check(query, answer.hits, replace(reply, text=text, declined=False), self.support)
            timings["repair_s"] = time.perf_counter() - mark
            if not again.abstained and len(again.foreign) < len(answer.foreign):
                answer = replace(again, repairs=[*answer.repairs, *again.repairs, "language"], usage=answer.usage,
                                 unsupported=[*answer.unsupported, *again.unsupported])
        timings["ttft_s"] = (reply.first_piece_at or time.perf_counter()) - start
        timings["total_s"] = time.perf_counter() - start
        read = Turn(query.kind, (*messages, {"role": "assistant", "content": reply.text}), tuple(hits)) if hits else None
        if read is not None:
            self._turns[(question, answer.text)] = read
            while len(self._turns) > RECENT_TURNS:
                self._turns.popitem(last=False)
        after = published_after(as_of, filters) if as_of is not None and hits else None
        if after is not None:
            answer = replace(answer, later=later(hits, self.retriever.search(query.search, LATER_SEARCH, after)))
        yield replace(answer, citations=self._with_copies(answer.citations), timings=timings, turn=read)

    def ask(
        self,
        question: str,
        history: Sequence[Message] = (),
        top_k: int | None = None,
        filters: Filters | None = None,
        as_of: datetime | None = None,
        turn: Turn | None = None,
    ) -> Answer:
        """Answer a question (see `stream`)."""
        for item in self.stream(question, history, top_k, filters, as_of, turn):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream ended without an Answer")

    def _one_source(self, query: Query, answer: Answer) -> Answer:
        """``answer``, or the answer that the outlets asked about ran one text (`rag.sources.one_source`)."""
        copies = {i: [e.source for e in entries] for i, entries in self.manifest.copies(h.chunk.article_id for h in answer.hits).items()}
        text = one_source(query.question, query.language, answer.hits, copies)
        if text is None:
            return answer
        return replace(answer, text=text, abstained=False, citations=citations(cited_in(text), answer.hits, text), closest=[],
                       unsupported=[], guess="", repairs=[*answer.repairs, "one source"], disagreements=[], corrections=[])

    def _with_copies(self, cited: list[Citation]) -> list[Citation]:
        """Citations listing the other outlets that ran the same story."""
        copies = self.manifest.copies(c.article_id for c in cited)
        return [replace(c, alternates=tuple(entry_dict(e) for e in copies.get(c.article_id, []))) for c in cited]

    def as_of(self) -> datetime:
        """The date relative expressions ("last week") count from: the newest article's, else now."""
        newest = self.manifest.newest()
        return datetime.fromisoformat(newest) if newest else datetime.now(timezone.utc)

    def chat(self, filters: Filters | None = None, as_of: datetime | None = None) -> Chat:
        """A conversation: each question is answered with the previous turns as context."""
        return Chat(self, filters=filters, as_of=as_of)

    def outlets(self) -> list[str]:
        """The outlets of the archive's articles, sorted."""
        return self.manifest.outlets()

    def articles(self, source: str | None = None) -> list[dict]:
        """The archive's articles (copies included; of one outlet with ``source``), newest first:
        id, source, url, published_at, title, language and, for a copy, the article it copies."""
        entries = [e for e in self.manifest.entries() if e.state in ("indexed", "copy") and (not source or e.source == source)]
        entries.sort(key=lambda e: e.published_at or "", reverse=True)
        return [{**entry_dict(e), "language": e.language, "copy_of": e.canonical if e.state == "copy" else None} for e in entries]

    def stories(self, min_articles: int = 1, rebuild: bool = False) -> list[Story]:
        """The archive's stories (`index.stories`) of at least ``min_articles`` articles, newest
        last day first; articles added or changed since the last listing are assigned now (with
        ``rebuild``, every article is grouped again)."""
        entries = self.manifest.entries()
        (self.story_index.rebuild if rebuild else self.story_index.update)(entries, self.store.article_vectors)
        return [s for s in self.story_index.stories(entries) if s.size >= min_articles]

    def story(self, story_id: int) -> list[dict]:
        """A story's articles in date order (undated last), as `articles` lists them; [] for an unknown story."""
        ids = set(self.story_index.members(story_id))
        return sorted((a for a in self.articles() if a["id"] in ids), key=lambda a: (not a["published_at"], a["published_at"], a["id"]))

    @property
    def story_index(self) -> StoryIndex:
        """The stories' assignments, in ``stories.sqlite`` (made when stories are first listed)."""
        if self._story_index is None:
            self._story_index = StoryIndex(self.path / "stories.sqlite")
        return self._story_index

    def keyword_search(self, words: str, limit: int = 200) -> list[Chunk]:
        """Chunks sharing words with ``words`` (BM25, titles included), best first."""
        return [chunk for chunk, _ in self.retriever.keyword_index().search(words, limit)]

    def overview(self, recent: int = 10) -> dict:
        """Articles by outlet, language and month of publication, and the latest ones (copies included)."""
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


def reading(hits: Sequence[Hit], searched: str = "") -> Reading:
    """The `Reading` of ``hits``: each as a citation numbered as in the prompt, quoting its best sentence."""
    cited = citations(range(1, len(hits) + 1), hits)
    return Reading(tuple(replace(c, quote=h.evidence[0][0] if h.evidence else "") for c, h in zip(cited, hits)), searched)


def server_collection(path: Path) -> str:
    """A Chroma collection name for the archive in ``path``: its folder name and a random suffix."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.name).strip("-_")[:40] or "archive"
    return f"newsrag-{stem}-{secrets.token_hex(4)}"


class Chat:
    """Turns of one conversation with an archive; `stream` and `ask` remember what was said, and
    a follow-up that comes back to the same passages continues the prompt the model has read."""

    def __init__(self, archive: Archive, max_turns: int = 3, filters: Filters | None = None, as_of: datetime | None = None):
        self.archive = archive
        self.max_turns = max_turns
        self.filters = filters
        self.as_of = as_of
        self.history: list[Message] = []
        self.turn: Turn | None = None  # the last answer's prompt and passages, which a follow-up may continue

    def stream(self, question: str, top_k: int | None = None) -> Iterator[Reading | str | Answer]:
        for item in self.archive.stream(question, self.history[-2 * self.max_turns :], top_k, self.filters, self.as_of,
                                        self.turn):
            if isinstance(item, Answer):
                self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": item.text}]
                self.turn = item.turn
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
