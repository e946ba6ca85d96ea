"""Hostile input at newsrag's edges: article text shown in the browser, uploads and the model
switch, servers bound to the network, oversized and streamed bodies, long chat histories.
Servers are real (uvicorn and Gradio on loopback) wherever the case is about a server."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from markdown_it import MarkdownIt

from rag import Answer, Citation, Reading
from ui.api import HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS, create_app
from ui.app import (QUEUE_SIZE, add_files, alone, build_app, installed_models, launch, overview_markdown, reading_markdown,
                    respond, search_markdown, sources_markdown, use_model, with_api)
from ui.cli import main
from ui.markup import escape, escape_lines, href, link, unescape
from ui.network import LOOPBACK_HOSTS, Exposure, allowed_hosts, is_loopback

from .conftest import ROOT, write_jsonl
from .test_ui import free_port

HOSTILE = [
    "![x](http://evil/img.png)",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "Harbour ](http://evil) news",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "$$\\href{javascript:alert(1)}{x}$$",
    "x\n# heading\n- item\n===",
    "mail me@evil.example",
    "see http://evil.example/x) and www.evil.example",
]
HOSTILE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
                "http://ok.example/a)(](javascript:alert(1)", "https://ok.example/\"><img src=x>", "java\tscript:alert(1)"]


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer (with GFM tables and raw HTML on, as the browser's) makes of ``markdown``."""
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").render(markdown)


def assert_inert(html: str, allowed_raw: tuple[str, ...] = ()) -> None:
    """No element from article text: no images, scripts or raw HTML, links only to http(s)."""
    import re

    for tag in re.findall(r"<(/?[a-zA-Z][a-zA-Z0-9]*)", html):
        assert tag.lstrip("/").lower() in {"p", "strong", "em", "a", "blockquote", "ul", "ol", "li", "table", "thead", "tbody",
                                           "tr", "th", "td", "h4", "span", *allowed_raw}, (tag, html)
    for target in re.findall(r'href="([^"]*)"', html):
        assert target.startswith(("http://", "https://")) and "evil" not in target, html  # no re-targeted link


# -- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_exactly_its_characters(text):
    html = rendered(escape(text))
    assert html.count("<") == 2 and html.startswith("<p>") and html.endswith("</p>\n")  # one paragraph, nothing in it
    assert unescape(escape_lines(text)) == text


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_links_go_only_to_http_and_https(url):
    html = rendered(link("Title", url))
    assert_inert(html)
    assert href(url) is None or href(url).startswith(("http://", "https://"))
    assert link("t", "https://news.example/a?b=1&c=(2)") == "[t](https://news.example/a?b=1&c=%282%29)"


def hostile_citation(n: int, text: str, url: str) -> Citation:
    return Citation(n, f"h{n}", title=text, source=text, published_at="2024-03-01", url=url, quote=text, passage=f"{text} More. {text}",
                    evidence=(text,), alternates=({"id": text, "source": text, "url": url, "published_at": text, "title": text},))


def test_the_sources_and_reading_panels_show_hostile_articles_as_text():
    citations = [hostile_citation(i + 1, text, url) for i, (text, url) in enumerate(zip(HOSTILE, HOSTILE_URLS * 2))]
    answer = Answer("q", "a [1]", citations=citations, unsupported=HOSTILE)
    for markdown in (sources_markdown(answer), reading_markdown(Reading(tuple(citations))),
                     sources_markdown(Answer("q", "none", abstained=True, closest=citations))):
        html = rendered(markdown)
        assert_inert(html, allowed_raw=())
        assert html.count('<span id="source-') == markdown.count('<span id="source-')  # only the panel's own anchors


def test_the_chat_answer_is_shown_as_text_and_read_back_as_the_archive_gave_it(fake_archive):
    fake_archive.llm.reply = "See ![x](http://evil/img.png) <img src=x onerror=alert(1)> [1]."
    *_, (shown, _) = respond(fake_archive, "When did the ferries resume?", [])
    assert_inert(rendered(shown))
    fake_archive.llm.replies = ["When did the ferries resume?"]  # the follow-up's rewrite
    list(respond(fake_archive, "And then?", [{"role": "user", "content": "When?"}, {"role": "assistant", "content": shown}]))
    given = fake_archive.llm.calls[-1][2]["content"]
    assert given == unescape(shown) and "<img src=x" in given and "\\" not in given  # the history as the archive gave it


@pytest.fixture
def hostile_archive(tmp_path):
    from rag import Archive

    from .fakes import FakeEmbedder, FakeLLM

    records = [{"id": f"h{i}", "title": text, "source": f"Outlet | {text}", "url": url, "published_at": "2024-03-01",
                "language": "en", "text": f"Harbour news. {text} The harbour reopened on Friday after the storm."}
               for i, (text, url) in enumerate(zip(HOSTILE, HOSTILE_URLS * 2))]
    archive = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM("It reopened [1]."))
    archive.ingest([write_jsonl(tmp_path / "hostile.jsonl", records)])
    return archive


def test_the_archive_tab_and_retrieved_passages_show_hostile_articles_as_text(hostile_archive):
    assert_inert(rendered(overview_markdown(hostile_archive)))
    found = search_markdown(hostile_archive, "harbour")
    assert found.count("\n") >= len(HOSTILE) // 2 and "Nothing" not in found
    assert_inert(rendered(found))
    *_, (_, sources) = respond(hostile_archive, "When did the harbour reopen?", [], show_passages=True)
    assert "Retrieved passages" in sources
    assert_inert(rendered(sources))


# -- uploads and the model switch ---------------------------------------------------------------


def test_only_installed_models_can_be_chosen_and_never_a_path(fake_archive, tmp_path):
    fake_archive.models_dir = tmp_path / "models"
    fake_archive.models_dir.mkdir()
    assert installed_models(fake_archive.models_dir) == []
    (fake_archive.models_dir / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"GGUF")
    assert installed_models(fake_archive.models_dir) == ["small"]
    upload = fake_archive.path / "uploads" / "evil.gguf"
    upload.parent.mkdir(exist_ok=True)
    upload.write_bytes(b"GGUF")
    status = use_model(fake_archive, str(upload))
    assert status.startswith("Error: ") and "not an installed model" in status and "small" in status


def test_uploads_of_other_types_or_without_an_article_are_refused_and_not_kept(fake_archive, tmp_path):
    files = {"model.gguf": b"GGUF\x00\x01", "page.html": b"<html><body></body></html>", "bad.jsonl": b"not json\n",
             "empty.txt": b""}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = add_files(fake_archive, [str(tmp_path / name) for name in files])
    assert report.startswith("**Nothing added.**") and all(name in report for name in files)
    assert "not a file type newsrag reads" in report and ".jsonl" in report
    assert not any((fake_archive.path / "uploads").iterdir())
    good = write_jsonl(tmp_path / "good.jsonl", [{"id": "g1", "title": "Pier", "text": "A new pier opened in Velport."}])
    report = add_files(fake_archive, [str(good), str(tmp_path / "model.gguf")])
    assert "added 1" in report and "model.gguf" in report
    assert sorted(p.name for p in (fake_archive.path / "uploads").iterdir()) == ["good.jsonl"]


def test_through_the_browser_an_upload_is_never_a_model(fake_archive, tmp_path):
    from gradio_client import Client, handle_file

    app = build_app(fake_archive)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        (tmp_path / "evil.gguf").write_bytes(b"GGUF")
        with pytest.raises(Exception, match="Invalid file type"):  # Gradio checks the type the upload field names
            client.predict([handle_file(str(tmp_path / "evil.gguf"))], api_name="/add")
        assert not (fake_archive.path / "uploads" / "evil.gguf").exists()
        with pytest.raises(Exception, match="not in the list of choices"):
            client.predict(str(fake_archive.path / "uploads" / "evil.gguf"), api_name="/model")
    finally:
        app.close()


# -- servers on the network -----------------------------------------------------------------------


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
                                           ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("newsroom", False)])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("argv,needs", [(["serve", "--host", "0.0.0.0"], "--auth"),
                                        (["serve", "--host", "0.0.0.0", "--api", "--token", "t"], "--auth"),
                                        (["demo", "--host", "0.0.0.0"], "--auth"),
                                        (["api", "--host", "0.0.0.0"], "--token"),
                                        (["api", "--host", "::"], "--token")])
def test_a_public_address_without_a_password_or_token_is_refused(argv, needs, fake_archive, capsys, monkeypatch):
    for name in ("NEWSRAG_API_TOKEN", "NEWSRAG_AUTH", "NEWSRAG_INSECURE_PUBLIC", "NEWSRAG_HOST"):
        monkeypatch.delenv(name, raising=False)
    served = []
    monkeypatch.setattr("ui.app.serve", lambda *a, **k: served.append(k))
    monkeypatch.setattr("ui.api.serve", lambda *a, **k: served.append(k))
    assert main(argv, archive=fake_archive) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needs in err and "--insecure-public" in err and "127.0.0.1" in err
    assert served == []
    assert main([*argv, "--insecure-public"], archive=fake_archive) == 0 and len(served) == 1  # said plainly: served


def test_the_newsrag_command_refuses_an_open_public_server_before_loading_anything(tmp_path):
    from .test_cli import newsrag

    clean = {"NEWSRAG_API_TOKEN": "", "NEWSRAG_AUTH": "", "NEWSRAG_INSECURE_PUBLIC": ""}
    for argv in (["serve", "--host", "0.0.0.0"], ["api", "--host", "0.0.0.0"], ["demo", "--host", "::"]):
        out = newsrag(*argv, "--archive", tmp_path / "archive", env=clean)
        assert out.returncode == 1 and out.stderr.startswith("newsrag: error: refusing to serve on ")
        assert len(out.stderr.strip().splitlines()) == 1 and "--insecure-public" in out.stderr
    assert not (tmp_path / "archive").exists()  # refused before the archive was opened
    out = newsrag("serve", "--host", "0.0.0.0", "--archive", tmp_path / "archive", env={**clean, "NEWSRAG_AUTH": "nopassword"})
    assert out.returncode == 1 and "USER:PASS" in out.stderr


def test_protected_or_loopback_servers_start(fake_archive, monkeypatch):
    for name in ("NEWSRAG_API_TOKEN", "NEWSRAG_AUTH", "NEWSRAG_INSECURE_PUBLIC", "NEWSRAG_HOST"):
        monkeypatch.delenv(name, raising=False)
    served = []
    monkeypatch.setattr("ui.app.serve", lambda *a, **k: served.append(k))
    monkeypatch.setattr("ui.api.serve", lambda *a, **k: served.append(k))
    assert main(["serve"], archive=fake_archive) == 0 and served[-1]["allowed_hosts"] == list(LOOPBACK_HOSTS)
    assert main(["api"], archive=fake_archive) == 0
    assert served[-1]["token"] is None and served[-1]["allowed_hosts"] == list(LOOPBACK_HOSTS)  # Host checked on loopback
    assert main(["api", "--allowed-hosts", "news.example,*.example.org"], archive=fake_archive) == 0
    assert served[-1]["allowed_hosts"] == ["news.example", "*.example.org"]
    monkeypatch.setenv("NEWSRAG_API_TOKEN", "s3cret")
    assert main(["api", "--host", "0.0.0.0"], archive=fake_archive) == 0
    assert served[-1]["token"] == "s3cret" and served[-1]["allowed_hosts"] is None
    monkeypatch.setenv("NEWSRAG_AUTH", "editor:pw")
    assert main(["serve", "--host", "0.0.0.0", "--api"], archive=fake_archive) == 0
    assert served[-1]["auth"] == ("editor", "pw") and served[-1]["api_token"] == "s3cret"
    assert main(["serve", "--allowed-hosts", "a*b"], archive=fake_archive) == 1


def test_the_container_and_compose_file_need_a_password_and_token_from_the_environment(fake_archive, monkeypatch, capsys):
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--insecure-public" not in dockerfile and "--insecure-public" not in str(compose)
    for service in ("worker", "worker-2"):
        env = compose["services"][service]["environment"]
        assert env["NEWSRAG_API_TOKEN"].startswith("${NEWSRAG_API_TOKEN:?") and "change-me" not in str(env)
    assert compose["services"]["worker"]["environment"]["NEWSRAG_AUTH"].startswith("${NEWSRAG_AUTH:?")
    cmd = __import__("json").loads(dockerfile.split("CMD ", 1)[1].splitlines()[0])
    assert cmd[0] == "newsrag"
    for name in ("NEWSRAG_API_TOKEN", "NEWSRAG_AUTH", "NEWSRAG_INSECURE_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    served = []
    monkeypatch.setattr("ui.app.serve", lambda *a, **k: served.append(k))
    monkeypatch.setattr("ui.api.serve", lambda *a, **k: served.append(k))
    assert main(cmd[1:], archive=fake_archive) == 1 and "NEWSRAG_AUTH" in capsys.readouterr().err
    monkeypatch.setenv("NEWSRAG_AUTH", "editor:pw")
    monkeypatch.setenv("NEWSRAG_API_TOKEN", "s3cret")
    for service in ("worker", "worker-2"):
        assert main(compose["services"][service]["command"][1:], archive=fake_archive) == 0
    assert main(cmd[1:], archive=fake_archive) == 0 and served[-1]["auth"] == ("editor", "pw")


class Served:
    """An ASGI app served by uvicorn on a loopback port in a thread, until the block ends."""

    def __init__(self, app):
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.server.config.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_serve_api_with_a_password_protects_v1_too(fake_archive):
    app = with_api(fake_archive, build_app(fake_archive), auth=("editor", "pw"))
    with Served(app) as base:
        new = {"articles": [{"title": "x", "text": "Injected article."}]}
        assert httpx.post(f"{base}/v1/ingest", json=new).status_code == 401
        assert httpx.get(f"{base}/v1/articles").status_code == 401
        assert httpx.get(f"{base}/v1/articles", headers=basic("editor", "wrong")).status_code == 401
        assert httpx.get(f"{base}/v1/articles", headers={"Authorization": "Bearer pw"}).status_code == 401
        ok = httpx.get(f"{base}/v1/articles", headers=basic("editor", "pw"))
        assert ok.status_code == 200 and ok.json()["total"] == 2
    app = with_api(fake_archive, build_app(fake_archive), api_token="tok", auth=("editor", "pw"))
    with Served(app) as base:
        assert httpx.get(f"{base}/v1/articles", headers={"Authorization": "Bearer tok"}).status_code == 200
        assert httpx.get(f"{base}/v1/articles", headers=basic("editor", "pw")).status_code == 200
        assert httpx.get(f"{base}/v1/articles", headers=basic("editor", "tok")).status_code == 401


def test_on_loopback_the_api_answers_only_loopback_host_names(fake_archive):
    with Served(create_app(fake_archive, allowed_hosts=allowed_hosts("127.0.0.1"))) as base:
        port = base.rsplit(":", 1)[1]
        assert httpx.get(f"{base}/v1/articles").status_code == 200  # Host: 127.0.0.1:PORT
        assert httpx.get(f"{base}/v1/articles", headers={"Host": f"localhost:{port}"}).status_code == 200
        rebound = httpx.get(f"{base}/v1/articles", headers={"Host": f"attacker.example:{port}"})
        assert rebound.status_code == 400
        assert httpx.post(f"{base}/v1/ingest", headers={"Host": "attacker.example"},
                          json={"articles": [{"text": "Injected."}]}).status_code == 400
    with Served(alone(build_app(fake_archive), allowed_hosts=allowed_hosts("127.0.0.1"))) as base:  # `serve` without --api
        assert httpx.get(f"{base}/").status_code == 200
        assert httpx.get(f"{base}/", headers={"Host": "attacker.example"}).status_code == 400
        assert httpx.get(f"{base}/config", headers={"Host": "attacker.example"}).status_code == 400
    assert allowed_hosts("0.0.0.0") is None and allowed_hosts("127.0.0.1", "*") is None
    assert allowed_hosts("127.0.0.1", "news.example, ::1") == ["news.example", "[::1]"]


def test_the_body_limit_counts_streamed_bytes(fake_archive):
    with Served(create_app(fake_archive, max_body=50_000)) as base:
        def chunks(total: int):
            yield b'{"question": "'
            for _ in range(total // 10_000):
                yield b"x" * 10_000
            yield b'"}'

        streamed = httpx.post(f"{base}/v1/ask", content=chunks(200_000), headers={"Content-Type": "application/json"})
        assert streamed.request.headers.get("transfer-encoding") == "chunked" and "content-length" not in streamed.request.headers
        assert streamed.status_code == 413 and "50000 bytes" in streamed.json()["detail"]
        declared = httpx.post(f"{base}/v1/ask", json={"question": "x" * 60_000})
        assert declared.status_code == 413
        small = httpx.post(f"{base}/v1/articles/", content=chunks(0))  # a small chunked body reaches the app
        assert small.status_code in (404, 405, 307)
        ask = httpx.post(f"{base}/v1/ask", content=iter([b'{"question": "', b"When did the ferries resume?", b'"}']),
                         headers={"Content-Type": "application/json"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["question"] == "When did the ferries resume?"


def test_tokens_and_passwords_are_compared_in_constant_time(fake_archive, monkeypatch):
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    from fastapi.testclient import TestClient

    client = TestClient(create_app(fake_archive, token="s3cret", auth=("editor", "pw")))
    assert client.get("/v1/articles", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert (b"guess", b"s3cret") in compared
    assert client.get("/v1/articles", headers=basic("editor", "pw")).status_code == 200
    assert (b"pw", b"pw") in compared


def test_the_browser_queue_is_bounded(fake_archive):
    from gradio_client import Client

    assert QUEUE_SIZE > 0
    fake_archive.llm.gate = threading.Event()
    app = build_app(fake_archive)
    port = free_port()
    launch(app, "127.0.0.1", port, queue_size=1, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        jobs = [client.submit("When did the ferries resume?", api_name="/chat")]
        deadline = time.monotonic() + 30
        while not fake_archive.llm.calls:  # the first is being answered
            assert time.monotonic() < deadline
            time.sleep(0.05)
        jobs.append(client.submit("When did the ferries resume?", api_name="/chat"))  # waits
        time.sleep(1)
        refused = client.submit("When did the ferries resume?", api_name="/chat")
        with pytest.raises(Exception, match="(?i)queue is full"):
            refused.result(timeout=30)
        fake_archive.llm.gate.set()
        assert all(job.result(timeout=60)[0] for job in jobs)  # both answered once the first is done
    finally:
        fake_archive.llm.gate.set()
        app.close()
    assert app._queue.max_size == 1  # what launch set: QUEUE_SIZE unless told


# -- chat history over the API ------------------------------------------------------------------------


def test_the_api_keeps_the_last_turns_of_a_long_history_and_refuses_oversized_messages(fake_archive):
    fake_archive.llm.reply = "Ferries resumed at noon [1]."
    fake_archive.llm.replies = ["When did the Velport ferries resume?"]  # the rewrite of the follow-up
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "y" * 300} for i in range(48)]
    with Served(create_app(fake_archive)) as base:
        reply = httpx.post(f"{base}/v1/chat/completions", timeout=30,
                           json={"messages": [*turns, {"role": "user", "content": "And the ferries?"}]})
        assert reply.status_code == 200
        answer_prompt = fake_archive.llm.calls[-1]
        shown = [m["content"] for m in answer_prompt if m["content"].startswith("turn ")]
        assert [s.split()[1] for s in shown] == [str(i) for i in range(48 - HISTORY_TURNS, 48)]

        long_turn = [{"role": "assistant", "content": "z" * (MAX_TURN_CHARS + 1)}, {"role": "user", "content": "And?"}]
        refused = httpx.post(f"{base}/v1/chat/completions", json={"messages": long_turn})
        assert refused.status_code == 422 and str(MAX_TURN_CHARS) in refused.text
        long_question = [{"role": "user", "content": "q" * (MAX_QUESTION_CHARS + 1)}]
        refused = httpx.post(f"{base}/v1/chat/completions", json={"messages": long_question})
        assert refused.status_code == 422 and f"at most {MAX_QUESTION_CHARS}" in refused.text


def test_in_a_real_browser_hostile_articles_load_nothing_and_link_nowhere_else(hostile_archive):
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM

    if CHROMIUM is None:
        pytest.skip("no Chromium found (apt-get install chromium)")
    hostile_archive.llm.reply = "The harbour reopened on Friday after the storm [1]. See ![x](http://evil.example/answer.png) [1]."
    app = build_app(hostile_archive)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    requested = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            dialogs = []
            page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
            page.goto(f"http://127.0.0.1:{port}/")
            box = page.get_by_role("textbox").first
            box.fill("When did the harbour reopen?")
            box.press("Enter")
            sources = page.locator("#sources")
            expect(sources).to_contain_text("Harbour ](http://evil) news", timeout=30_000)  # shown as it is written
            expect(page.locator(".bot, .message").filter(has_text="reopened on Friday").last).to_be_visible(timeout=30_000)
            expect(sources).not_to_contain_text("Reading:", timeout=30_000)
            expect(sources).to_contain_text("[1]")
            page.get_by_role("tab", name="Archive").click()
            overview = page.locator("#overview")
            for text in ("<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "![x](http://evil/img.png)",
                         "<script>alert(1)</script>", "Outlet | Harbour ](http://evil) news"):
                expect(overview).to_contain_text(text)
            for where in ("#sources", "#overview", ".message-content"):
                assert page.locator(f"{where} img").count() == 0
                assert page.locator(f"{where} script").count() == 0
                hrefs = page.locator(f"{where} a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
                assert all(h.startswith(("http://", "https://", "#source-")) and "evil" not in h for h in hrefs), hrefs
            browser.close()
    finally:
        app.close()
    assert dialogs == [] and not [u for u in requested if "evil" in u]


def test_the_settings_keep_the_password_and_token_out_of_their_printed_form():
    from ui.config import Config

    config = Config.load({"NEWSRAG_AUTH": "editor:pw-secret", "NEWSRAG_API_TOKEN": "tok-secret"})
    assert (config.auth, config.api_token) == ("editor:pw-secret", "tok-secret")
    assert "secret" not in repr(config)
