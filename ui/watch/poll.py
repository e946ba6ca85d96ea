"""One poll of the watched sources, and polls every so often.

Each source is fetched with the validators of its last answer (a 304 costs nothing more), and
only the entries that are new or whose fingerprint changed have their page fetched (with that
page's validators); a page that cannot be fetched leaves the feed's own text of the entry, with
a `Problem`. What a poll found is written as one JSONL file in ``<archive>/watch/`` (the last
`KEPT_POLL_FILES` are kept) and ingested (the archive's write lock is taken for that alone); the
state is saved after the ingest, so a poll that fails before it is fetched again next time. A source that cannot be read is a
`Problem` naming it, and keeps its state from before; the others go on. Not handled: removing
articles whose entries left a feed, following entries' links beyond their page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.errors import FetchError
from index.load import DateRange
from index.types import Article, Problem

from .entries import Entry, Listing, body_hash, feed_listing, kind_of, page_articles, page_entry, sitemap_listing
from .fetch import Fetched, Validators
from .state import STATE_DIR, EntryState, SourceState, WatchState, state_path

if TYPE_CHECKING:
    from index.ingest import IngestReport
    from rag import Archive

KEPT_POLL_FILES = 30  # the files of the last polls that found something stay in ``<archive>/watch/``; older ones go
MAX_PAGES_PER_SOURCE = 100  # pages one source may have fetched in one poll; the rest wait for the next


class Fetcher(Protocol):
    def get(self, url: str, held: Validators = Validators()) -> Fetched: ...


@dataclass
class SourceReport:
    """What one poll did with one source."""

    url: str
    read: bool = True  # False: the source could not be read at all
    unchanged: bool = False  # a 304, or the same bytes as last time
    entries: int = 0
    pages: int = 0  # pages fetched
    articles: int = 0  # articles handed to the ingest
    waiting: int = 0  # new entries left for the next poll (over `MAX_PAGES_PER_SOURCE`)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        if not self.read:
            return f"{self.url}: not read"
        if self.unchanged:
            return f"{self.url}: unchanged"
        waiting = f", {self.waiting} left for the next poll" if self.waiting else ""
        return f"{self.url}: {self.entries} entries, {self.pages} pages fetched, {self.articles} new or changed{waiting}"


@dataclass
class PollReport:
    sources: list[SourceReport]
    ingest: IngestReport | None = None  # None: nothing new to ingest
    problems: list[Problem] = field(default_factory=list)  # the sources' and the ingest's

    @property
    def ok(self) -> bool:
        """Whether every source was read and nothing in them was unusable."""
        return not self.problems


@dataclass
class Poll:
    """Polls ``urls`` into ``archive`` with ``fetcher``; ``now`` gives the time (dates, file names)."""

    archive: Archive
    fetcher: Fetcher
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    max_pages: int = MAX_PAGES_PER_SOURCE

    def __call__(self, urls: Sequence[str]) -> PollReport:
        path = state_path(self.archive.path)
        state = WatchState.load(path)
        dates = DateRange(self.now())
        reports, found = [], []
        for url in urls:
            report, articles, kept = self._source(url, state.sources.get(url, SourceState()), dates)
            state.sources[url] = kept
            reports.append(report)
            found += [(url, a) for a in articles]
        poll = PollReport(reports, problems=[p for r in reports for p in r.problems])
        if found:
            batch = self._write(found)
            poll.ingest = self.archive.ingest([batch])
            poll.problems += [_named(p, batch, found) for p in poll.ingest.errors]
            for old in sorted(batch.parent.glob("fetched-*.jsonl"))[:-KEPT_POLL_FILES]:  # their articles are in the archive
                old.unlink(missing_ok=True)
        state.sources = {url: state.sources[url] for url in urls}  # sources no longer watched are forgotten
        state.save(path)
        return poll

    def _source(self, url: str, held: SourceState, dates: DateRange) -> tuple[SourceReport, list[Article], SourceState]:
        """The report, the new articles and the state to keep of one source."""
        report = SourceReport(url)
        try:
            fetched = self.fetcher.get(url, held.validators)
        except FetchError as e:
            report.read = False
            report.problems.append(Problem(url, None, f"not read ({_reason(e, url)}); tried again at the next poll"))
            return report, [], held
        if fetched.not_modified or body_hash(fetched.body) == held.body_hash:
            report.unchanged = True
            return report, [], held
        kind = kind_of(fetched)
        if kind == "page":
            entry = page_entry(url)
            report.entries, report.pages = 1, 1
            articles = self._keep(report, page_articles(entry, fetched, dates))
            report.articles = len(articles)
            return report, articles, SourceState(fetched.validators, body_hash(fetched.body))
        listing = feed_listing(url, fetched.body, dates) if kind == "feed" else sitemap_listing(url, fetched.body)
        report.problems += listing.problems
        if not listing.readable:
            report.read = False
            return report, [], held
        report.entries = len(listing.entries)
        entries, articles = self._entries(report, listing, held, dates)
        report.articles = len(articles)
        # validators kept only when every entry is settled: else the next poll must read the listing again
        complete = not report.waiting and not listing.problems and all(e.key in entries for e in listing.entries)
        kept = SourceState(fetched.validators if complete else Validators(), body_hash(fetched.body) if complete else "", entries)
        return report, articles, kept

    def _entries(self, report: SourceReport, listing: Listing, held: SourceState,
                 dates: DateRange) -> tuple[dict[str, EntryState], list[Article]]:
        """The state of the listing's entries, and the articles of those that are new or changed."""
        kept, articles = {}, []
        for entry in listing.entries:
            known = held.entries.get(entry.key)
            if known is not None and known.fingerprint == entry.fingerprint:
                kept[entry.key] = known
                continue
            if not entry.link:
                articles.append(entry.fallback)
                kept[entry.key] = EntryState(entry.fingerprint)
                continue
            if report.pages >= self.max_pages:
                report.waiting += 1
                if known is not None:
                    kept[entry.key] = known
                continue
            page, page_state = self._page(report, entry, known if known and known.link == entry.link else None, dates)
            articles += page
            if page_state is not None:
                kept[entry.key] = page_state
        return kept, articles

    def _page(self, report: SourceReport, entry: Entry, known: EntryState | None,
              dates: DateRange) -> tuple[list[Article], EntryState | None]:
        """The articles of a new or changed entry's page (its feed text when the page fails) and the entry's state."""
        report.pages += 1
        try:
            fetched = self.fetcher.get(entry.link, known.page if known else Validators())
        except FetchError as e:
            return self._fallback(report, entry, _reason(e, entry.link))
        if known is not None and (fetched.not_modified or body_hash(fetched.body) == known.page_hash):
            return [], EntryState(entry.fingerprint, entry.link, known.page, known.page_hash)
        if fetched.not_modified:  # a 304 to no validators: the server is confused, keep the feed's text
            return self._fallback(report, entry, "HTTP 304 to a request that held no copy")
        articles = page_articles(entry, fetched, dates)
        if not any(isinstance(a, Article) for a in articles):
            return self._fallback(report, entry, "; ".join(p.reason for p in articles))
        return self._keep(report, articles), EntryState(entry.fingerprint, entry.link, fetched.validators, body_hash(fetched.body))

    def _fallback(self, report: SourceReport, entry: Entry, reason: str) -> tuple[list[Article], EntryState | None]:
        if entry.fallback is None:
            report.problems.append(Problem(entry.link, None, f"page not fetched ({reason}), and its feed entry has no "
                                                             "text; tried again at the next poll"))
            return [], None
        report.problems.append(Problem(entry.link, None, f"page not fetched ({reason}); the feed's own text was ingested"))
        return [entry.fallback], EntryState(entry.fingerprint, entry.link)

    @staticmethod
    def _keep(report: SourceReport, items: list[Article | Problem]) -> list[Article]:
        report.problems += [p for p in items if isinstance(p, Problem)]
        return [a for a in items if isinstance(a, Article)]

    def _write(self, found: list[tuple[str, Article]]) -> Path:
        """The articles as a JSONL file of FORMATS.md records in ``<archive>/watch/``: what the last
        `KEPT_POLL_FILES` polls fetched stays there, as fetched."""
        folder = self.archive.path / STATE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"fetched-{self.now().strftime('%Y%m%dT%H%M%S%fZ')}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for _, a in found:
                record = {**a.meta, "id": a.id, "title": a.title, "text": a.text, "url": a.url, "source": a.source,
                          "published_at": a.published_at.isoformat() if a.published_at else None, "language": a.language}
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        return path


def every(run: Callable[[], object], minutes: float, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic, rounds: int | None = None) -> None:
    """Call ``run`` every ``minutes`` (from the start of one call to the next's), ``rounds`` times (None: until
    interrupted). A call that takes longer than that is followed by the next at once."""
    done = 0
    while rounds is None or done < rounds:
        started = clock()
        run()
        done += 1
        if rounds is None or done < rounds:
            sleep(max(0.0, minutes * 60 - (clock() - started)))


def _reason(error: FetchError, url: str) -> str:
    """A fetch error's reason without the URL it starts with (the problem line names it)."""
    text = str(error)
    return text[len(url) + 2:] if text.startswith(f"{url}: ") else text


def _named(problem: Problem, batch: Path, found: list[tuple[str, Article]]) -> Problem:
    """An ingest problem in the poll's file, named by the article's URL (or its source's) instead."""
    if problem.path == str(batch) and problem.line and problem.line <= len(found):
        source, article = found[problem.line - 1]
        return Problem(article.url or source, None, problem.reason)
    return problem
