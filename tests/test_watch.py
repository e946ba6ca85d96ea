"""``newsrag watch`` against a real HTTP server on loopback whose feeds and pages change between polls."""

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.errors import FetchError
from rag import Archive
from ui.cli import main
from ui.watch import HostPacer, HttpFetcher, Poll, WatchState, every, read_sources, state_path

from .conftest import ROOT
from .fakes import FakeEmbedder, FakeLLM


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    validators: bool = True  # send ETag and Last-Modified, answer conditional requests
    version: int = 1
    delay_s: float = 0.0
    length: bool = True  # send Content-Length (else the body ends when the connection closes)
    headers: dict = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    @property
    def last_modified(self) -> str:
        return formatdate(1_700_000_000 + self.version * 3600, usegmt=True)


class Site:
    """What the test server serves, and every request it received: (path, status, If-None-Match, If-Modified-Since, clock)."""

    def __init__(self, clock=time.monotonic):
        self.resources: dict[str, Resource] = {}
        self.requests: list[tuple] = []
        self.clock = clock
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                r = site.resources.get(self.path)
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                status = 404 if r is None else r.status
                if r is not None and r.status == 200 and r.validators and (inm == r.etag or (inm is None and ims == r.last_modified)):
                    status = 304
                site.requests.append((self.path, status, inm, ims, site.clock(), self.headers.get("User-Agent")))
                if r is not None and r.delay_s:
                    time.sleep(r.delay_s)
                self.send_response(status)
                for name, value in (r.headers.items() if r else ()):
                    self.send_header(name, value)
                if r is not None and r.validators and status in (200, 304):
                    self.send_header("ETag", r.etag)
                    self.send_header("Last-Modified", r.last_modified)
                body = r.body if r is not None and status == 200 else b""
                self.send_header("Content-Type", r.content_type if r else "text/plain")
                if r is None or r.length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up (the timeout test) is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def put(self, path: str, body: str | bytes, **kw) -> Resource:
        old = self.resources.get(path)
        data = body.encode() if isinstance(body, str) else body
        version = (old.version + (old.body != data)) if old else 1
        self.resources[path] = r = Resource(data, version=version, **kw)
        return r

    def seen(self) -> list[tuple[str, int]]:
        """(path, status) of the requests since the last call."""
        out = [(r[0], r[1]) for r in self.requests]
        self.requests.clear()
        return out


def page(title: str, outlet: str, when: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><title>{title} | {outlet}</title>'
            f'<meta property="og:site_name" content="{outlet}"><meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{when}"></head>'
            f"<body><nav>Home News Sport</nav><article><h1>{title}</h1>{body}</article><footer>Copyright {outlet}</footer></body></html>")


def rss(title: str, items: list[tuple[str, str, str, str]]) -> str:
    """An RSS 2.0 feed of items (link, title, pubDate, description); each link is its item's guid too."""
    xml = "".join(f"<item><guid>{link}</guid><link>{link}</link><title>{t}</title><pubDate>{d}</pubDate>"
                  f"<description>{text}</description></item>" for link, t, d, text in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{xml}</channel></rss>'


def atom(title: str, entries: list[tuple[str, str, str, str]]) -> str:
    xml = "".join(f'<entry><id>{link}</id><link href="{link}"/><title>{t}</title><updated>{d}</updated>'
                  f"<summary>{text}</summary></entry>" for link, t, d, text in entries)
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{xml}</feed>'


HARBOUR = ("The harbour of Velport reopened on Friday after the storm, the port authority said in a statement.",
           "Ferries to the islands resumed at noon, and the first boat left with forty passengers aboard.")
BRIDGE = ("El ayuntamiento de Soria inauguró el nuevo puente sobre el río Duero ante cientos de vecinos.",
          "La obra costó nueve millones de euros y duró dos años, según la concejala de urbanismo.")
LIBRARY = ("The Kelderby library of things lends drills, tents and sewing machines to anyone with a card.",
           "Its volunteers repaired three hundred items in the first year, the council reported.")
MARKET = ("The Almena covered market will open on Sundays from next month, the traders' association said.",
          "Stallholders voted for the change after a trial in the summer brought twice as many visitors.")


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


@pytest.fixture
def archive(tmp_path):
    return Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM())


def publish(site: Site, extra: bool = False) -> tuple[str, str]:
    """An RSS feed of two (or three) pages on coast.example, and an Atom feed of one page."""
    items = [(site.url("/a1.html"), "Harbour reopens", "Fri, 01 Mar 2024 09:30:00 +0100", "Harbour summary."),
             (site.url("/a2.html"), "Nuevo puente", "Tue, 05 Mar 2024 10:00:00 +0100", "Resumen del puente.")]
    site.put("/a1.html", page("Harbour reopens", "Coast Times", "2024-03-01T09:30:00+01:00", *HARBOUR))
    site.put("/a2.html", page("Nuevo puente en Soria", "Diario Norte", "2024-03-05T10:00:00+01:00", *BRIDGE))
    if extra:
        items.append((site.url("/a3.html"), "Market on Sundays", "Wed, 06 Mar 2024 08:00:00 +0100", "Market summary."))
        site.put("/a3.html", page("Market opens on Sundays", "Coast Times", "2024-03-06T08:00:00+01:00", *MARKET))
    site.put("/news.rss", rss("Coast Times", items), content_type="application/rss+xml")
    site.put("/b.atom", atom("Northern Ledger", [(site.url("/b1.html"), "Library of things", "2024-03-02T12:00:00Z",
                                                  "Library summary.")]), content_type="application/atom+xml")
    site.put("/b1.html", page("A library of things", "Northern Ledger", "2024-03-02T12:00:00+00:00", *LIBRARY))
    return site.url("/news.rss"), site.url("/b.atom")


def watch(archive, *args) -> int:
    return main(["watch", *map(str, args), "--once", "--host-interval", "0"], archive=archive)


def texts(archive) -> dict[str, dict]:
    return {a["url"]: a for a in archive.articles()}


def test_second_run_fetches_only_what_changed(site, archive, capsys):
    feed, other = publish(site)
    assert watch(archive, feed, other) == 0
    assert sorted(site.seen()) == sorted([("/news.rss", 200), ("/a1.html", 200), ("/a2.html", 200),
                                          ("/b.atom", 200), ("/b1.html", 200)])
    out = capsys.readouterr().out
    assert "added 3, updated 0" in out
    got = texts(archive)
    harbour = got[site.url("/a1.html")]
    assert (harbour["title"], harbour["source"], harbour["published_at"][:10]) == ("Harbour reopens", "Coast Times", "2024-03-01")
    assert got[site.url("/a2.html")]["language"] == "es"

    publish(site, extra=True)  # the RSS feed gains an entry; the Atom feed is the same
    assert watch(archive, feed, other) == 0
    requests = list(site.requests)
    assert sorted(site.seen()) == sorted([("/news.rss", 200), ("/b.atom", 304), ("/a3.html", 200)])
    atom_request = next(r for r in requests if r[0] == "/b.atom")
    assert atom_request[2] == site.resources["/b.atom"].etag  # If-None-Match sent back
    assert all(r[5].startswith("newsrag") for r in requests)
    out = capsys.readouterr().out
    assert f"{other}: unchanged" in out and "added 1, updated 0, unchanged 0" in out
    assert texts(archive)[site.url("/a3.html")]["title"] == "Market opens on Sundays"

    assert watch(archive, feed, other) == 0  # nothing changed: two 304s, no page, no ingest
    assert sorted(site.seen()) == [("/b.atom", 304), ("/news.rss", 304)]
    assert "nothing new" in capsys.readouterr().out


def test_a_changed_page_is_an_update(site, archive, capsys):
    feed, _ = publish(site)
    assert watch(archive, feed) == 0
    site.seen()
    site.put("/a1.html", page("Harbour reopens", "Coast Times", "2024-03-01T09:30:00+01:00", *HARBOUR,
                              "Update: a second ferry line to Isla Mora starts on Monday, the operator announced."))
    items = rss("Coast Times", [
        (site.url("/a1.html"), "Harbour reopens", "Fri, 01 Mar 2024 18:00:00 +0100", "Harbour summary, updated."),
        (site.url("/a2.html"), "Nuevo puente", "Tue, 05 Mar 2024 10:00:00 +0100", "Resumen del puente.")])
    site.put("/news.rss", items, content_type="application/rss+xml")
    assert watch(archive, feed) == 0
    requests = list(site.requests)
    assert sorted(site.seen()) == [("/a1.html", 200), ("/news.rss", 200)]  # the unchanged entry's page is not asked for
    assert next(r for r in requests if r[0] == "/a1.html")[2] == '"v1"'  # asked conditionally, changed since
    assert "added 0, updated 1" in capsys.readouterr().out
    [chunk] = archive.keyword_search("Isla Mora ferry")[:1]
    assert chunk.source.url == site.url("/a1.html")
    assert len(texts(archive)) == 2  # the update replaced the first version


def test_failing_feeds_are_reported_one_line_each_and_the_others_ingested(site, archive, capsys):
    feed, other = publish(site)
    site.put("/down.rss", "oops", status=500)
    site.put("/broken.rss", "<rss version='2.0'><channel><title>Half</title><item><title>Cut", content_type="application/rss+xml")
    site.put("/html.xml", "<<< not a feed &&&", content_type="application/xml")
    sources = [site.url("/down.rss"), feed, site.url("/broken.rss"), site.url("/html.xml"), other]
    assert watch(archive, *sources) == 3
    out, err = capsys.readouterr()
    assert "added 3" in out
    lines = err.strip().splitlines()
    assert f"newsrag: {site.url('/down.rss')}: not read (HTTP 500 Internal Server Error); tried again at the next poll" in lines
    assert any(line.startswith(f"newsrag: {site.url('/broken.rss')}: feed is not well-formed XML") for line in lines)
    assert f"newsrag: {site.url('/html.xml')}: not a readable feed" in err
    assert len(texts(archive)) == 3
    site.seen()
    assert watch(archive, *sources) == 3  # the failed ones are asked again, unconditionally; the good ones cost 304s
    seen = dict(site.seen())
    assert seen["/down.rss"] == 500 and seen["/broken.rss"] == 200
    assert seen["/news.rss"] == 304 and seen["/b.atom"] == 304


def test_an_entry_whose_page_fails_is_ingested_from_the_feed_with_a_problem(site, archive, capsys):
    site.put("/news.rss", rss("Coast Times", [
        (site.url("/gone.html"), "Gone", "Fri, 01 Mar 2024 09:30:00 +0100", LIBRARY[0]),
        (site.url("/slow.html"), "Slow", "Fri, 01 Mar 2024 10:30:00 +0100", MARKET[0])]),
        content_type="application/rss+xml")
    site.put("/slow.html", page("Slow", "Coast Times", "2024-03-01T10:30:00+01:00", *HARBOUR), delay_s=1.5)
    fetcher = HttpFetcher(HostPacer(0), timeout_s=0.5)
    report = Poll(archive, fetcher)([site.url("/news.rss")])
    assert not report.ok and report.ingest.added == 2
    assert [str(p) for p in report.problems] == [
        f"{site.url('/gone.html')}: page not fetched (HTTP 404 Not Found); the feed's own text was ingested",
        f"{site.url('/slow.html')}: page not fetched (no answer within 0.5 s; the server is slow or down); "
        "the feed's own text was ingested"]
    got = texts(archive)
    assert got[site.url("/gone.html")]["title"] == "Gone" and got[site.url("/gone.html")]["source"] == "Coast Times"
    [chunk] = archive.keyword_search("Almena covered market Sundays")[:1]
    assert chunk.source.url == site.url("/slow.html") and chunk.text == MARKET[0]


def test_the_per_host_interval_is_kept(site, archive):
    now = [1000.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    site.clock = lambda: now[0]
    feed, other = publish(site)
    report = Poll(archive, HttpFetcher(HostPacer(2.5, clock=lambda: now[0], sleep=sleep)))([feed, other])
    assert report.ok and report.ingest.added == 3
    times = [r[4] for r in site.requests]
    assert len(times) == 5 and all(b - a >= 2.5 for a, b in zip(times, times[1:]))
    assert slept and all(0 < s <= 2.5 for s in slept)

    pacer, slept[:] = HostPacer(2.5, clock=lambda: now[0], sleep=sleep), []
    pacer.wait("http://one.example/a")
    pacer.wait("https://two.example/b")  # another host: no wait
    pacer.wait("http://ONE.example:8080/c")  # the same host on another port: waits
    assert slept == [2.5]


def test_only_http_and_https_are_fetched(site, tmp_path, capsys, archive):
    listed = tmp_path / "feeds.txt"
    listed.write_text(f"# the coast\n{site.url('/news.rss')}  # RSS\n\nfile:///etc/passwd\nftp://example.org/feed\n", encoding="utf-8")
    sources = read_sources(["javascript:alert(1)"], listed)
    assert sources.urls == (site.url("/news.rss"),)
    assert [str(p) for p in sources.problems] == [
        "javascript:alert(1): only http and https addresses are fetched, not javascript:; 'javascript:alert(1)' is not watched",
        f"{listed}:4: only http and https addresses are fetched, not file:; 'file:///etc/passwd' is not watched",
        f"{listed}:5: only http and https addresses are fetched, not ftp:; 'ftp://example.org/feed' is not watched"]
    assert main(["watch", "file:///etc/passwd", "--once"], archive=archive) == 1
    assert capsys.readouterr().err == ("newsrag: error: no http(s) URL to watch (file:///etc/passwd: only http and https "
                                       "addresses are fetched, not file:; 'file:///etc/passwd' is not watched)\n")
    publish(site)
    assert main(["watch", "--feeds", str(listed), "--once", "--host-interval", "0"], archive=archive) == 3  # the others are read
    out, err = capsys.readouterr()
    assert "added 2" in out and err.count("newsrag: skipped ") == 2
    assert all(path.startswith("/") for path, _ in site.seen())
    site.put("/jump", "", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="cannot fetch"):
        HttpFetcher(HostPacer(0)).get(site.url("/jump"))
    with pytest.raises(FetchError, match="only http and https"):
        HttpFetcher(HostPacer(0)).get("file:///etc/passwd")


def test_a_response_over_the_size_limit_is_refused(site, archive):
    site.put("/big.rss", b"x" * 5000)
    site.put("/unsized.rss", b"y" * 5000, length=False)
    site.put("/small.html", page("Harbour reopens", "Coast Times", "2024-03-01T09:30:00+01:00", *HARBOUR), length=False)
    fetcher = HttpFetcher(HostPacer(0), max_bytes=4000)
    with pytest.raises(FetchError, match="5,000 bytes, over the limit of 4,000"):
        fetcher.get(site.url("/big.rss"))
    with pytest.raises(FetchError, match="over the limit of 4,000 bytes"):
        fetcher.get(site.url("/unsized.rss"))
    report = Poll(archive, fetcher)([site.url("/unsized.rss"), site.url("/small.html")])
    assert [str(p) for p in report.problems] == [
        f"{site.url('/unsized.rss')}: not read (over the limit of 4,000 bytes for one page or feed); tried again at the next poll"]
    assert report.ingest.added == 1 and texts(archive)[site.url("/small.html")]["source"] == "Coast Times"


def test_a_sitemap_page_is_fetched_once_until_its_lastmod_changes(site, archive):
    def sitemap(lastmod):
        return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f'<url><loc>{site.url("/b1.html")}</loc><lastmod>{lastmod}</lastmod></url></urlset>')

    publish(site)
    site.put("/sitemap.xml", sitemap("2024-03-02"), content_type="application/xml", validators=False)
    poll = Poll(archive, HttpFetcher(HostPacer(0)))
    assert poll([site.url("/sitemap.xml")]).ingest.added == 1
    site.seen()
    assert poll([site.url("/sitemap.xml")]).ingest is None  # same bytes, no validators: nothing more is asked
    assert site.seen() == [("/sitemap.xml", 200)]
    site.put("/sitemap.xml", sitemap("2024-03-03"), content_type="application/xml", validators=False)
    report = poll([site.url("/sitemap.xml")])
    assert site.seen() == [("/sitemap.xml", 200), ("/b1.html", 304)]  # the page is asked conditionally: the same
    assert report.ingest is None and report.ok


def test_state_is_kept_in_the_archive_and_a_broken_one_is_one_line(site, archive, capsys):
    feed, _ = publish(site)
    assert watch(archive, feed) == 0
    state = WatchState.load(state_path(archive.path))
    assert state.sources[feed].validators.etag == '"v1"' and len(state.sources[feed].entries) == 2
    assert not list(state_path(archive.path).parent.glob(".*tmp"))  # written by rename: no temporary file left
    fetched = list(state_path(archive.path).parent.glob("fetched-*.jsonl"))
    assert len(fetched) == 1 and len(fetched[0].read_text().splitlines()) == 2  # what the poll fetched stays readable
    state_path(archive.path).write_text("{not json")
    capsys.readouterr()
    assert watch(archive, feed) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the watch state cannot be read" in err and "delete it" in err


def test_every_polls_on_schedule():
    now, calls, slept = [0.0], [], []

    def run():
        calls.append(now[0])
        now[0] += 20  # a poll taking 20 s

    def sleep(s):
        slept.append(s)
        now[0] += s

    every(run, 5, sleep=sleep, clock=lambda: now[0], rounds=3)
    assert calls == [0, 300, 600] and slept == [280, 280]


@pytest.mark.slow
def test_watch_command_twice_with_the_default_embedder(site, tmp_path):
    feed, other = publish(site)
    command = [sys.executable, "-m", "ui.cli", "watch", feed, other, "--once", "--host-interval", "0",
               "--archive", str(tmp_path / "archive")]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "added 3" in first.stdout
    site.seen()
    publish(site, extra=True)
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "added 1, updated 0, unchanged 0" in second.stdout
    assert sorted(site.seen()) == sorted([("/news.rss", 200), ("/b.atom", 304), ("/a3.html", 200)])
    assert json.loads((tmp_path / "archive" / "watch" / "state.json").read_text())["format"] == 1


def test_the_browser_s_fetch_keeps_the_watcher_s_limits_and_lists_each_failure(site, archive):
    from ui.app import fetch_urls

    site.put("/small.html", page("Harbour reopens", "Coast Times", "2024-03-01T09:30:00+01:00", *HARBOUR))
    site.put("/unsized.html", b"y" * 5000, length=False)
    report = fetch_urls(archive, "\n".join([site.url("/small.html"), site.url("/unsized.html"), "file:///etc/passwd"]),
                        fetcher=HttpFetcher(HostPacer(0), max_bytes=4000))
    assert "over the limit of 4,000 bytes" in report and "only http and https addresses are fetched" in report
    assert [a["source"] for a in texts(archive).values()] == ["Coast Times"]


def test_only_the_last_polls_files_are_kept_and_their_articles_stay(site, archive, monkeypatch):
    monkeypatch.setattr("ui.watch.poll.KEPT_POLL_FILES", 1)
    feed, other = publish(site)
    assert watch(archive, feed, other) == 0
    publish(site, extra=True)
    assert watch(archive, feed, other) == 0
    assert len(list((archive.path / "watch").glob("fetched-*.jsonl"))) == 1
    assert len(texts(archive)) == 4 and archive.stats()["articles"] == 4
    assert watch(archive, feed, other) == 0  # nothing new, nothing lost
    assert len(texts(archive)) == 4
