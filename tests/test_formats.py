"""Feeds, WARC crawls and language detection in `index.load`."""

import io
from datetime import datetime, timedelta, timezone

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from index.language import detect_language
from index.load import article_id, load
from index.types import Article, Problem

from .conftest import write_jsonl

CEST = timezone(timedelta(hours=2))


def split(items):
    items = list(items)
    return [a for a in items if isinstance(a, Article)], [p for p in items if isinstance(p, Problem)]


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Diario Norte</title><link>https://norte.example/</link><description>Noticias</description>
<item><title>Soria estrena puente</title><link>https://norte.example/soria-puente</link><guid isPermaLink="false">norte-101</guid>
<pubDate>Wed, 12 Jun 2024 10:42:00 +0200</pubDate><description>Un puente nuevo.</description>
<content:encoded><![CDATA[<p>El ayuntamiento de Soria inauguró el martes el nuevo puente sobre el río Duero.</p>
<p>La obra duró veinte meses y costó <b>9 millones</b> de euros.</p><script>track()</script>]]></content:encoded></item>
<item><title>Harbour reopens</title><link>https://norte.example/harbour</link><pubDate>Thu, 13 Jun 2024 08:00:00 GMT</pubDate>
<description>&lt;p&gt;The harbour of Velport reopened on Friday after the storm.&lt;/p&gt;</description></item>
<item><title>Solo el titular</title><link>https://norte.example/titular</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Coast Times</title><id>urn:coast</id><updated>2024-03-02T00:00:00Z</updated>
<entry><title>Ferries resume</title><id>urn:coast:7</id><link rel="alternate" href="https://coast.example/ferries"/>
<updated>2024-03-01T12:15:00Z</updated>
<content type="html">&lt;p&gt;Ferries to the islands resumed at noon on Friday.&lt;/p&gt;
&lt;p&gt;The harbour master said repairs cost 2 million euros.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_items_become_articles_and_an_item_without_text_is_a_problem(tmp_path):
    path = tmp_path / "norte.rss"
    path.write_text(RSS, encoding="utf-8")
    (spanish, english), [problem] = split(load([path]))
    assert (spanish.id, spanish.title, spanish.url, spanish.source) == (
        "norte-101", "Soria estrena puente", "https://norte.example/soria-puente", "Diario Norte")
    assert spanish.text == ("El ayuntamiento de Soria inauguró el martes el nuevo puente sobre el río Duero.\n\n"
                            "La obra duró veinte meses y costó 9 millones de euros.")
    assert spanish.published_at == datetime(2024, 6, 12, 10, 42, tzinfo=CEST) and spanish.published_at.utcoffset() == timedelta(hours=2)
    assert spanish.language == "es"
    assert english.text == "The harbour of Velport reopened on Friday after the storm."
    assert english.id == article_id(english.text, "https://norte.example/harbour")
    assert english.published_at == datetime(2024, 6, 13, 8, 0, tzinfo=timezone.utc) and english.published_at.tzinfo is not None
    assert (english.title, english.source, english.language) == ("Harbour reopens", "Diario Norte", "en")
    assert (problem.path, problem.line) == (str(path), 3)
    assert str(problem).startswith(f"{path}:3: entry 3 has no text") and "full-text feed" in problem.reason


def test_atom_entry(tmp_path):
    path = tmp_path / "coast.atom"
    path.write_text(ATOM, encoding="utf-8")
    [article] = list(load([path]))
    assert (article.id, article.title, article.url, article.source, article.language) == (
        "urn:coast:7", "Ferries resume", "https://coast.example/ferries", "Coast Times", "en")
    assert article.text == "Ferries to the islands resumed at noon on Friday.\n\nThe harbour master said repairs cost 2 million euros."
    assert article.published_at == datetime(2024, 3, 1, 12, 15, tzinfo=timezone.utc)


def test_xml_that_is_not_a_feed_and_a_cut_feed_are_problems(tmp_path):
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>')
    (tmp_path / "cut.rss").write_text(RSS[:RSS.index("<item><title>Harbour")], encoding="utf-8")
    articles, problems = split(load([tmp_path / "sitemap.xml", tmp_path / "cut.rss"]))
    assert [a.title for a in articles] == ["Soria estrena puente"]
    assert [(p.path, p.line) for p in problems] == [(str(tmp_path / "sitemap.xml"), None), (str(tmp_path / "cut.rss"), None)]
    assert problems[0].reason.startswith("not an RSS or Atom feed;") and "remove it from the sources" in problems[0].reason
    assert problems[1].reason.startswith("feed is not well-formed XML") and "re-download" in problems[1].reason


PAGE = """<!doctype html><html><head><title>{title} | {site}</title><meta property="og:site_name" content="{site}">
{date}</head><body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>"""
DATED = PAGE.format(
    title="Soria estrena puente", site="Diario Norte",
    date='<meta property="article:published_time" content="2024-06-12T10:42:00+02:00">',
    body="<p>El ayuntamiento de Soria inauguró el martes el nuevo puente sobre el río Duero, que costó 9 millones de euros.</p>"
         "<p>La obra duró veinte meses y permitirá el paso de 12.000 vehículos al día, según el concejal de obras.</p>")
UNDATED = PAGE.format(
    title="Library of things opens", site="Northern Ledger", date="",
    body="<p>The town library now lends drills, tents and sewing machines to anyone with a library card.</p>"
         "<p>Volunteers repair the returned tools every Saturday morning in the basement workshop.</p>")


def _response(writer, url, status, content_type, body, crawled="2024-06-13T08:00:00Z"):
    http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                     warc_headers_dict={"WARC-Date": crawled})


def write_warc(path, records, gzip=True):
    """Write (url, status, content type, body) responses; return each record's end offset."""
    ends = []
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        for record in records:
            writer.write_record(_response(writer, *record))
            ends.append(stream.tell())
    return ends


CRAWL = [
    ("https://norte.example/soria-puente", "200 OK", "text/html; charset=utf-8", DATED.encode()),
    ("https://norte.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ("https://norte.example/missing", "404 Not Found", "text/html", b"<html><body><p>Not found</p></body></html>"),
    ("https://norte.example/old", "301 Moved Permanently", "text/html", b""),
    ("https://ledger.example/library", "200 OK", "text/html", UNDATED.encode()),
]


def test_warc_html_responses_become_articles(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, CRAWL)
    (dated, undated), problems = split(load([path]))
    assert not problems
    assert (dated.title, dated.url, dated.source, dated.language) == (
        "Soria estrena puente", "https://norte.example/soria-puente", "Diario Norte", "es")
    assert dated.published_at == datetime(2024, 6, 12, 10, 42, tzinfo=CEST)
    assert "12.000 vehículos" in dated.text and "Home" not in dated.text
    assert (undated.title, undated.url, undated.source, undated.language) == (
        "Library of things opens", "https://ledger.example/library", "Northern Ledger", "en")
    assert undated.published_at is None  # the crawl time is not a publication date
    assert undated.meta["crawled_at"] == "2024-06-13T08:00:00Z"


def test_uncompressed_warc(tmp_path):
    path = tmp_path / "crawl.warc"
    write_warc(path, CRAWL[:1], gzip=False)
    [article] = list(load([path]))
    assert article.url == "https://norte.example/soria-puente"


def test_cut_warc_keeps_earlier_pages_and_names_the_record(tmp_path):
    full = tmp_path / "full.warc.gz"
    ends = write_warc(full, [CRAWL[0], CRAWL[1], CRAWL[4]])
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(full.read_bytes()[:(ends[1] + ends[2]) // 2])
    [article], [problem] = split(load([cut]))
    assert article.url == "https://norte.example/soria-puente"
    assert (problem.path, problem.line) == (str(cut), 3)
    assert str(problem).startswith(f"{cut}:3: record 3 is corrupt or cut") and "re-download" in problem.reason


def test_file_that_is_not_a_warc_is_a_problem(tmp_path):
    (tmp_path / "notes.warc").write_text("just some notes\n")
    [problem] = list(load([tmp_path / "notes.warc"]))
    assert isinstance(problem, Problem) and problem.line == 1 and "record 1 is corrupt" in problem.reason


def test_language_is_detected_when_absent_and_kept_when_stated(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [
        {"text": "El ayuntamiento de Soria inauguró el nuevo puente sobre el río Duero."},
        {"text": "The harbour of Velport reopened on Friday after the storm.", "language": "fr"},
        {"text": "Short."},
    ])
    (tmp_path / "b.txt").write_text("Title: Harbour\nThe harbour master said repairs cost two million euros.\n")
    articles, _ = split(load([tmp_path]))
    assert [a.language for a in articles] == ["es", "fr", "", "en"]
    assert (detect_language("¿Cuánto costó el puente nuevo de Soria?"), detect_language("ok")) == ("es", "")


def test_directory_mixing_all_formats(tmp_path):
    write_jsonl(tmp_path / "news.jsonl", [{"id": "j1", "text": "The harbour reopened.", "language": "en"}])
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "puente.html").write_text(DATED, encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "coast.xml").write_text(ATOM, encoding="utf-8")
    write_warc(tmp_path / "crawl.warc.gz", CRAWL[4:])
    articles, problems = split(load([tmp_path]))
    assert not problems
    assert sorted((a.source, a.title, a.language) for a in articles) == [
        ("", "", "en"),
        ("Coast Times", "Ferries resume", "en"),
        ("Diario Norte", "Soria estrena puente", "es"),
        ("Northern Ledger", "Library of things opens", "en"),
    ]
