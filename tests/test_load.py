import importlib
from datetime import timezone

from index.load import load
from index.types import Article, Problem

from .conftest import write_jsonl


def split(items):
    items = list(items)
    return [a for a in items if isinstance(a, Article)], [p for p in items if isinstance(p, Problem)]


def test_jsonl_fields_and_extra_metadata(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "x", "title": "T", "text": " Body. ", "url": "u", "source": "S", "published_at": "2024-06-17",
         "language": "ES", "author": "Ana"},
    ])
    [article], problems = split(load([path]))
    assert not problems
    assert (article.id, article.title, article.text, article.source, article.language) == ("x", "T", "Body.", "S", "es")
    assert article.published_at.tzinfo == timezone.utc and article.published_at.day == 17
    assert article.meta == {"author": "Ana"}


def test_bad_lines_are_reported_and_good_lines_kept(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "good one"}\n{not json}\n[1, 2]\n{"title": "no text"}\n\n{"text": "good two"}\n')
    articles, problems = split(load([path]))
    assert [a.text for a in articles] == ["good one", "good two"]
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [(2, "invalid"), (3, "expected"), (4, "field")]
    assert str(problems[0]).startswith(f"{path}:2: invalid JSON")


def test_ids_are_stable_and_derived_from_url_or_text(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "Same  text"}, {"text": "same text"}, {"text": "x", "url": "https://a"}])
    first, _ = split(load([path]))
    again, _ = split(load([path]))
    assert [a.id for a in first] == [a.id for a in again]
    assert first[0].id == first[1].id  # normalised text
    assert first[2].id != first[0].id


def test_unparseable_date_keeps_article_and_says_why(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": "t", "published_at": "last Tuesday"}])
    [article], _ = split(load([path]))
    assert article.published_at is None
    assert "published_at" in article.meta["date_problem"]


def test_text_file_with_masthead_and_headers(tmp_path):
    (tmp_path / "scraped.txt").write_text("cnn\n—\nFirst sentence here. Second one.\nMore text.\n")
    (tmp_path / "note.md").write_text("Source: Daily\nDate: 2024-01-02\n# A headline\nBody text.\n")
    articles, problems = split(load([tmp_path]))
    by_source = {a.source: a for a in articles}
    assert not problems
    assert by_source["cnn"].text.startswith("First sentence") and by_source["cnn"].title == "First sentence here."
    assert by_source["Daily"].title == "A headline" and by_source["Daily"].published_at.year == 2024


def test_unreadable_inputs_are_problems(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.txt").write_bytes("año".encode("latin-1"))
    (tmp_path / "data.csv").write_text("a,b\n")
    items = list(load([tmp_path / "bin.txt", tmp_path / "latin.txt", tmp_path / "data.csv", tmp_path / "missing"]))
    reasons = [p.reason for p in items]
    assert all(isinstance(p, Problem) for p in items)
    assert ["binary" in reasons[0], "UTF-8" in reasons[1], "unsupported" in reasons[2], "no such file" in reasons[3]] == [True] * 4


def test_glob_patterns(tmp_path):
    write_jsonl(tmp_path / "one.jsonl", [{"text": "a"}])
    write_jsonl(tmp_path / "two.jsonl", [{"text": "b"}])
    articles, _ = split(load([str(tmp_path / "*.jsonl")]))
    assert sorted(a.text for a in articles) == ["a", "b"]


PAGE = """<!doctype html><html lang="es"><head><title>Soria estrena puente | Diario Norte</title>
<meta property="og:site_name" content="Diario Norte">
<link rel="canonical" href="https://norte.example/soria-puente">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Soria estrena puente",
 "datePublished": "2024-06-12T10:42:00+02:00"}</script></head>
<body><nav><a href="/">Portada</a> <a href="/deportes">Deportes</a></nav>
<article><h1>Soria estrena puente</h1>
<p>El ayuntamiento de Soria inauguró el martes el nuevo puente sobre el río Duero, que costó 9 millones de euros.</p>
<p>La obra duró veinte meses y permitirá el paso de 12.000 vehículos al día, según el concejal de obras.</p></article>
<aside><h2>Más noticias</h2><a href="/x">Un tifón se acerca a la costa</a></aside>
<div class="cookies">Utilizamos cookies para mejorar su experiencia.</div></body></html>"""


def test_html_page_main_text_and_metadata(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    [article] = list(load([tmp_path / "page.html"]))
    assert isinstance(article, Article)
    assert (article.title, article.source, article.url) == ("Soria estrena puente", "Diario Norte", "https://norte.example/soria-puente")
    assert article.published_at.isoformat() == "2024-06-12T10:42:00+02:00"
    assert "12.000 vehículos" in article.text and "Portada" not in article.text and "cookies" not in article.text


def test_html_without_article_text_is_a_problem(tmp_path):
    (tmp_path / "empty.html").write_text("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")
    [problem] = list(load([tmp_path / "empty.html"]))
    assert isinstance(problem, Problem) and "no article text" in problem.reason


def test_bad_lines_and_files_never_lose_the_good_ones(tmp_path, monkeypatch):
    reader = importlib.import_module("index.load")  # the package, which reads the limit; the attribute index.load is the function
    good = '{"id": "ok", "text": "Una noticia completa sobre el puerto."}\n'
    (tmp_path / "mixed.jsonl").write_bytes(
        good.encode() + b'{"id": "latin", "text": "Espa\xf1a"}\n' + b"\x00\x01binary\n" + b'{"id": "ok2", "text": "Otra noticia."}\n'
    )
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "huge.html").write_bytes(b"<p>x</p>" * 20)
    monkeypatch.setattr(reader, "MAX_PAGE_BYTES", 100)
    items = list(load([tmp_path]))
    assert sorted(a.id for a in items if not hasattr(a, "reason")) == ["ok", "ok2"]
    problems = sorted(str(p) for p in items if hasattr(p, "reason"))
    assert problems == [
        f"{tmp_path / 'empty.txt'}: empty file; remove it from the sources",
        f"{tmp_path / 'huge.html'}: 0 MB is too large for one page or feed (limit 0 MB); split it or convert it to JSONL",
        f"{tmp_path / 'mixed.jsonl'}:2: not valid UTF-8 at byte 29 of the line; re-save the file as UTF-8",
        f"{tmp_path / 'mixed.jsonl'}:3: binary data, not a JSON line; remove it from the sources",
    ]
