"""Hostile input: each bad file or record is one clear problem line, and the good articles beside it are ingested.

Every test ingests a good article in the same file (JSONL, feeds, crawls) or in another file (pages), into a real
Chroma archive with the fake embedder, and checks both the problem's line and that the good article is there.
"""

import gzip
import io
import json
import tracemalloc
from datetime import date, datetime, timedelta, timezone

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from index.chunk import MAX_TOKEN_CHARS, Chunker, approx_tokens
from index.load import DateRange, load
from index.load import warc as warc_reader
from index.types import Article, Problem
from rag import Archive
from rag.understand.filters import read_filters
from rag.understand.times import read_window

from .fakes import FakeEmbedder, FakeLLM

GOOD = {"id": "good", "title": "Port reopens", "source": "Coast Times", "published_at": "2024-03-01",
        "text": "The harbour of Velport reopened on Friday after the storm. Ferries to the islands resumed at noon."}
PAGE = ("<!doctype html><html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
        "<p>{body}</p></article></body></html>")
GOOD_PAGE = PAGE.format(title="Library of things opens", head="",
                        body="The town library now lends drills, tents and sewing machines to anyone with a card. "
                             "Volunteers repair the returned tools every Saturday morning in the basement workshop.")
UTC = timezone.utc


def ingest(tmp_path, *files):
    """Ingest ``files`` into a fresh archive; return the report, its problem lines and the indexed article ids."""
    archive = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM())
    report = archive.ingest(list(files))
    indexed = {e.id for e in archive.manifest.entries("indexed")}
    return archive, [str(p) for p in report.errors], indexed


def jsonl(path, *lines):
    """A JSONL file of ``lines``: strings and bytes are written as they are, other values as JSON."""
    raw = b"".join((x if isinstance(x, bytes) else x.encode() if isinstance(x, str) else json.dumps(x).encode()) + b"\n"
                   for x in lines)
    path.write_bytes(raw)
    return path


def one_line(problems):
    assert problems and all("\n" not in p for p in problems)
    return problems


# --- crashes the issue found --------------------------------------------------------------------

def test_page_whose_json_ld_is_null_is_read(tmp_path):
    page = tmp_path / "null.html"
    page.write_text(PAGE.format(title="Bridge opens", head='<script type="application/ld+json">null</script>'
                                "<script type='application/ld+json'>" + "[" * 5000 + "]" * 5000 + "</script>",
                                body="The new bridge over the Duero opened on Tuesday and cost nine million euros. " * 3))
    (tmp_path / "other.html").write_text(GOOD_PAGE)
    _, problems, indexed = ingest(tmp_path, page, tmp_path / "other.html")
    assert problems == [] and len(indexed) == 2


def test_lone_surrogate_escape_is_a_problem_of_its_line(tmp_path):
    path = jsonl(tmp_path / "news.jsonl", GOOD, '{"id": "bad", "text": "Broken \\ud800 text."}',
                 '{"id": "meta", "text": "Fine text.", "author": "A \\udfff"}')
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [
        f"{path}:2: field 'text' holds a lone surrogate escape (such as \\ud800), which is not text; fix or remove the escape",
        f"{path}:3: field 'author' holds a lone surrogate escape (such as \\ud800), which is not text; fix or remove the escape",
    ]
    assert indexed == {"good"}


def test_dates_outside_the_sane_range_are_kept_as_metadata_not_as_publication_dates(tmp_path):
    path = jsonl(tmp_path / "news.jsonl", {"id": "future", "text": "A story from the far future.", "published_at": "9999-12-31"},
                 {"id": "old", "text": "A story from long ago.", "published_at": "1700-05-01T10:00:00Z"}, GOOD)
    archive, problems, indexed = ingest(tmp_path, path)
    assert indexed == {"future", "old", "good"}
    assert [p.split(": ")[0] for p in one_line(problems)] == [f"{path}:1", f"{path}:2"]
    assert "9999-12-31T00:00:00+00:00 is in the future" in problems[0] and "before 1800" in problems[1]
    assert "stated_published_at" in problems[0] and "ingested undated" in problems[0]
    assert archive.as_of().date() == date(2024, 3, 1)  # the newest sane date, not 9999
    articles = {a.id: a for a in load([path]) if isinstance(a, Article)}
    assert articles["future"].published_at is None and articles["future"].meta["stated_published_at"] == "9999-12-31"
    assert articles["good"].published_at == datetime(2024, 3, 1, tzinfo=UTC)


def test_date_range_takes_dates_up_to_a_day_after_now():
    dates = DateRange(datetime(2024, 6, 1, tzinfo=UTC))
    assert dates.problem(datetime(2024, 6, 1, 23, tzinfo=UTC)) is None
    assert dates.problem(datetime(1800, 1, 1, tzinfo=UTC)) is None
    assert "future" in dates.problem(datetime(2024, 6, 2, 1, tzinfo=UTC))
    assert "before 1800" in dates.problem(datetime(1799, 12, 31, tzinfo=UTC))


@pytest.mark.parametrize("as_of", [datetime(9999, 12, 31, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
                                   datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
                                   date(9999, 12, 31), date(1, 1, 1)])
def test_question_dates_never_overflow_whatever_the_as_of_date(as_of):
    for question in ("What happened last week?", "What happened this year?", "news in the last 3 days", "What happened in December?",
                     "¿Qué pasó ayer?", "on 9999-12-31", "between 2019 and 2021", "3 years ago", "since 0001-01-01"):
        read_filters(question, as_of)
        read_window(question, as_of)


def test_last_week_at_the_end_of_time_is_still_read():
    window = read_window("What happened last week?", date(9999, 12, 31))
    assert (window.since, window.until) == (datetime(9999, 12, 20, tzinfo=UTC), datetime(9999, 12, 27, tzinfo=UTC))


def test_asking_about_last_week_at_the_end_of_time_answers(tmp_path):
    archive, _, _ = ingest(tmp_path, jsonl(tmp_path / "news.jsonl", GOOD))
    answer = archive.ask("What happened last week?", as_of=datetime(9999, 12, 31, tzinfo=UTC))
    assert answer.question == "What happened last week?"


# --- limits -----------------------------------------------------------------------------------------

def test_json_record_nested_100k_deep_is_a_problem_of_its_line(tmp_path):
    path = jsonl(tmp_path / "news.jsonl", "[" * 100_000 + "]" * 100_000, '{"text": "x", "meta": ' + "[" * 100 + "]" * 100 + "}",
                 '{"text": "y", "meta": ' + "{\"a\": " * 100_000 + "1" + "}" * 100_000 + "}", GOOD)
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [f"{path}:{n}: JSON nested more than 64 levels deep; flatten the record's fields" for n in (1, 2, 3)]
    assert indexed == {"good"}


def test_html_page_nested_100k_deep_is_a_problem_of_its_file(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 100_000 + "Hidden story text." + "</div>" * 100_000 + "</body></html>")
    (tmp_path / "good.html").write_text(GOOD_PAGE)
    _, problems, indexed = ingest(tmp_path, deep, tmp_path / "good.html")
    assert one_line(problems) == [f"{deep}: elements nested at least 256 deep, over the limit of 200; "
                                  "the page is broken or hostile, save it again from the site"]
    assert len(indexed) == 1


def test_ten_megabyte_single_line_is_a_problem_and_the_next_line_is_read(tmp_path):
    path = tmp_path / "news.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "huge", "text": "' + b"word " * 2_000_000 + b'"}\n')
        out.write(json.dumps(GOOD).encode() + b"\n")
    text = tmp_path / "huge.txt"
    text.write_bytes(b"x" * 10_000_000)
    _, problems, indexed = ingest(tmp_path, path, text)
    assert one_line(problems) == [
        f"{path}:1: line of 10 MB is over the limit of 8 MB for one record; split the article or remove the line",
        f"{text}: field 'text' has 10,000,000 characters, over the limit of 500,000 for one article; split it into articles",
    ]
    assert indexed == {"good"}


def _response(writer, url, body, headers=()):
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), *headers], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)


def test_gzip_bomb_in_a_crawl_is_not_inflated_and_the_next_page_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(warc_reader, "MAX_PAGE_BYTES", 2 * 10**6)
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as packed:
        for _ in range(128):
            packed.write(b"\0" * 2**20)  # 128 MB of zeros, 128 KB packed
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(_response(writer, "https://bomb.example/", bomb.getvalue(), [("Content-Encoding", "gzip")]))
        writer.write_record(_response(writer, "https://ledger.example/library", GOOD_PAGE.encode()))
    warm = tmp_path / "warm.html"
    warm.write_text(GOOD_PAGE)
    list(load([warm]))  # the libraries load their own data before memory is measured
    tracemalloc.start()
    items = list(load([path]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20  # the 128 MB page was never held whole (warcio inflates a 16 KB block at a time)
    assert [str(p) for p in items if isinstance(p, Problem)] == [
        f"{path}:1: record 1 (https://bomb.example/): page is over 2 MB once decompressed; it is not read "
        "(remove it from the crawl if it is a real page)"]
    _, problems, indexed = ingest(tmp_path, path)
    assert len(one_line(problems)) == 1 and len(indexed) == 1


def test_gzip_files_other_than_crawls_are_named_as_unsupported(tmp_path):
    packed = tmp_path / "news.jsonl.gz"
    packed.write_bytes(gzip.compress(json.dumps(GOOD).encode()))
    _, problems, indexed = ingest(tmp_path, packed, jsonl(tmp_path / "news.jsonl", GOOD))
    assert one_line(problems)[0].startswith(f"{packed}: unsupported file type '.gz'") and indexed == {"good"}


# --- invalid UTF-8 in each text format ----------------------------------------------------------------

def test_invalid_utf8_in_jsonl_text_markdown_and_html(tmp_path):
    path = jsonl(tmp_path / "news.jsonl", b'{"text": "Espa\xf1a"}', GOOD)
    bad = b"Title: T\n<p>Some text \xff here.</p>\n"
    for name in ("bad.txt", "bad.md", "bad.html"):
        (tmp_path / name).write_bytes(bad)
    (tmp_path / "good.html").write_text(GOOD_PAGE)
    _, problems, indexed = ingest(tmp_path, tmp_path)
    at = bad.index(b"\xff")
    assert one_line(problems) == [f"{tmp_path / name}: not valid UTF-8 at byte {at}; re-save the file as UTF-8"
                                  for name in ("bad.html", "bad.md", "bad.txt")] + [
        f"{path}:1: not valid UTF-8 at byte 14 of the line; re-save the file as UTF-8"]
    assert len(indexed) == 2


def test_invalid_utf8_in_a_feed_is_reported_and_its_entries_read(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Coast Times</title>'
                     b"<item><title>Bad \xff byte</title><description>Text with a bad \xc3\x28 byte.</description></item>"
                     b"<item><title>Port reopens</title><description>" + GOOD["text"].encode() + b"</description></item>"
                     b"</channel></rss>")
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [f"{path}: feed is not valid text in its declared encoding (document declared as utf-8, but parsed "
                                  "as windows-1252); its entries were read that way, re-download the feed or re-save it in the "
                                  "encoding it declares"]
    assert len(indexed) == 2


def test_invalid_utf8_in_a_crawled_page_is_a_problem_of_its_record(tmp_path):
    path = tmp_path / "crawl.warc"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=False)
        bad = GOOD_PAGE.replace("drills", "dr\udcffills").encode("utf-8", "surrogateescape")  # a lone \xff byte
        writer.write_record(_response(writer, "https://bad.example/", bad))
        writer.write_record(_response(writer, "https://ledger.example/library", GOOD_PAGE.encode()))
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [f"{path}:1: record 1 (https://bad.example/): page is not valid UTF-8 (as its Content-Type states) "
                                  f"at byte {GOOD_PAGE.index('drills') + 2}; re-crawl the page"]
    assert len(indexed) == 1


# --- wrong JSON types, empty pages, broken feeds ----------------------------------------------------

def test_wrong_json_types_are_problems_of_their_lines(tmp_path):
    path = jsonl(tmp_path / "news.jsonl", {"id": "n", "title": 5, "text": "A numbered headline story."}, {"id": "l", "text": ["a", "b"]},
                 {"id": "d", "text": "A story with an object date.", "published_at": {"year": 2024}}, [1, 2], '"just a string"',
                 {"id": "s", "text": "A story.", "source": {"name": "X"}}, GOOD)
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [
        f"{path}:1: field 'title' is a JSON number, taken as the text '5'; write it as a string",
        f"{path}:2: field 'text' is a JSON list, not a string; every article needs its body text as a string",
        f"{path}:3: field 'published_at' is a JSON object, not an ISO-8601 string such as 2024-06-17 (article kept without a date)",
        f"{path}:4: expected a JSON object with at least a 'text' field, not a list; fix or delete the line",
        f"{path}:5: expected a JSON object with at least a 'text' field, not a string; fix or delete the line",
        f"{path}:6: field 'source' is a JSON object, not a string; fix the record",
    ]
    assert indexed == {"n", "d", "good"}


def test_empty_and_script_only_pages_are_problems(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "blank.html").write_text("   \n  ")
    (tmp_path / "scripts.html").write_text("<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>")
    (tmp_path / "good.html").write_text(GOOD_PAGE)
    _, problems, indexed = ingest(tmp_path, tmp_path)
    assert one_line(problems) == [
        f"{tmp_path / 'blank.html'}: no HTML found in the page; save the article page itself",
        f"{tmp_path / 'empty.html'}: empty file; remove it from the sources",
        f"{tmp_path / 'scripts.html'}: no article text found in the page; save the article page itself, not an index page",
    ]
    assert len(indexed) == 1


def test_feed_with_broken_xml_keeps_its_readable_entries(tmp_path):
    path = tmp_path / "feed.rss"
    path.write_text("<rss version='2.0'><channel><title>Coast Times</title><item><title>Port reopens</title><description>"
                    + GOOD["text"] + "</description></item><item><title>Cut<description>")
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems)[0].startswith(f"{path}: feed is not well-formed XML (") and "re-download the feed" in problems[0]
    assert problems[1].startswith(f"{path}:2: entry 2 has no text") and len(indexed) == 1


# --- last-resort isolation ---------------------------------------------------------------------------

def test_unexpected_error_in_one_record_names_it_and_the_others_are_read(tmp_path, monkeypatch):
    real = warc_reader.html_page.read

    def fails_on_bad(path, page, dates, number=None, url=""):
        if "bad.example" in url:
            raise KeyError("boom")
        return real(path, page, dates, number, url)

    monkeypatch.setattr(warc_reader.html_page, "read", fails_on_bad)
    path = tmp_path / "crawl.warc"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=False)
        writer.write_record(_response(writer, "https://bad.example/", GOOD_PAGE.encode()))
        writer.write_record(_response(writer, "https://ledger.example/library", GOOD_PAGE.encode()))
    _, problems, indexed = ingest(tmp_path, path)
    assert one_line(problems) == [f"{path}:1: record 1 (https://bad.example/): page cannot be read (KeyError: 'boom'); "
                                  "remove the record or report the page"]
    assert len(indexed) == 1


def test_a_reader_failing_outside_its_records_names_the_file_and_other_files_are_read(tmp_path, monkeypatch):
    from index.load import feed

    monkeypatch.setattr(feed, "_plain", lambda element, key: 1 / 0)  # the feed's own title, read before its entries
    path = tmp_path / "feed.rss"
    path.write_text("<rss version='2.0'><channel><title>X</title><item><description>Text.</description></item></channel></rss>")
    _, problems, indexed = ingest(tmp_path, path, jsonl(tmp_path / "news.jsonl", GOOD))
    assert one_line(problems) == [f"{path}: cannot be read further (ZeroDivisionError: division by zero); the articles before it "
                                  "were read, fix or remove the file"]
    assert indexed == {"good"}


# --- chunking text without spaces ---------------------------------------------------------------------

@pytest.mark.parametrize("text", ["东京都は新しい橋を開通させた" * 1500, "a" * 1_000_000, "서울시는 새 다리를 개통했다" * 1500],
                         ids=["japanese", "one-megabyte-word", "korean"])
def test_text_without_spaces_is_chunked_within_the_token_budget(text):
    chunker = Chunker()
    chunks = chunker.split(Article("x", text))
    assert len(chunks) > 10
    assert all(len(approx_tokens(c.text)) <= chunker.chunk_tokens for c in chunks)
    assert max(len(c.text) for c in chunks) <= chunker.chunk_tokens * MAX_TOKEN_CHARS


def test_a_cjk_article_is_ingested_as_many_small_chunks(tmp_path):
    text = "東京都は新しい橋を開通させた。橋の長さは三百メートルである" * 200
    article = dict(GOOD, id="cjk", language="ja", text=text)
    archive, problems, indexed = ingest(tmp_path, jsonl(tmp_path / "news.jsonl", article, GOOD))
    texts = archive.store.collection.get(where={"article_id": "cjk"})["documents"]
    assert not problems and indexed == {"cjk", "good"}
    assert len(texts) > 20 and max(len(t) for t in texts) <= Chunker().chunk_tokens
