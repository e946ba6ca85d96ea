"""The chat app on a real Gradio server, driven through gradio_client."""

import socket

import pytest

from ui.app import build_app, launch
from ui.markup import unescape


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(fake_archive):
    app = build_app(fake_archive)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_chat_streams_an_answer_with_its_sources(server, fake_archive):
    from gradio_client import Client

    fake_archive.llm.reply = "Ferries resumed at noon [1]."
    client = Client(server, verbose=False)
    answer, sources = client.predict("When did the ferries resume?", api_name="/chat")
    assert answer == r"Ferries resumed at noon \[1\]."  # escaped for the page: the browser shows [1]
    assert "**[1]**" in sources and "Coast Times" in sources and "Ferries to the islands resumed at noon" in sources


def test_the_sources_panel_shows_the_passages_being_read_until_the_answer_is_done(server, fake_archive):
    from gradio_client import Client

    from ui.app import READING, SEARCHING, respond

    fake_archive.llm.reply = "Ferries resumed at noon [1]."
    steps = respond(fake_archive, "When did the ferries resume?", [])
    assert next(steps) == ("", SEARCHING)
    text, reading = next(steps)
    assert text == "" and fake_archive.llm.calls == []  # before the model is asked
    assert reading.startswith(READING) and reading.count("**[") == 2  # both passages, the uncited one too
    assert ('<span id="source-1"></span>**[1]** [Port reopens after storm](https://coast.example/a1) — Coast Times, 2024-03-01\n'
            "> Ferries to the islands resumed at noon.\n") in reading
    assert "**[2]** Nuevo puente en Soria — Diario Norte, 2024-03-05\n> " in reading
    *streaming, (text, sources) = steps
    assert streaming and all(s == reading for _, s in streaming) and streaming[0][0] == "Ferr"
    assert unescape(text) == "Ferries resumed at noon [1]." and READING not in sources and "Nuevo puente" not in sources

    job = Client(server, verbose=False).submit("When did the ferries resume?", api_name="/chat")
    job.result()
    outputs = job.outputs()
    assert outputs[:2] == [([], SEARCHING), ([], reading)]  # no message in the chat until the answer starts
    assert outputs[-1] == (text, sources)


def test_errors_are_readable_and_the_app_keeps_serving(server, fake_archive):
    from gradio_client import Client

    from rag import ModelError

    class Broken(type(fake_archive.llm)):
        def stream(self, messages, max_tokens=512):
            raise ModelError("model 'default' is not installed; run: newsrag models install default")
            yield  # pragma: no cover

    working = fake_archive.llm
    fake_archive._llm = Broken()
    client = Client(server, verbose=False)
    answer, _ = client.predict("When did the ferries resume?", api_name="/chat")
    assert unescape(answer) == "Error: model 'default' is not installed; run: newsrag models install default"
    fake_archive._llm = working
    working.reply = "Answer: on Friday [1]."
    answer, _ = client.predict("When did the ferries resume?", api_name="/chat")
    assert answer.startswith("Answer")


def test_the_chat_passes_earlier_turns_and_shows_quotes_copies_and_withdrawn_sentences(fake_archive):
    from ui.app import respond

    fake_archive.llm.replies = ["When did the Velport ferries resume?"]
    fake_archive.llm.reply = "Ferries resumed at noon [1]. It cost 5 million [1]."
    history = [{"role": "user", "content": "How much did the Velport repairs cost?"},
               {"role": "assistant", "content": [{"type": "text", "text": "2 million euros [1]."}]}]
    *_, (text, sources) = respond(fake_archive, "And the ferries?", history)
    assert fake_archive.llm.calls[-1][1:3] == [history[0], {"role": "assistant", "content": "2 million euros [1]."}]
    assert "**Ferries to the islands resumed at noon.**" in sources
    assert "Withdrawn, its sources do not back it:_ It cost 5 million." in sources and "5 million" not in text


def test_an_abstention_shows_the_closest_passages_as_such(fake_archive):
    from ui.app import respond

    fake_archive.llm.reply = "NO_ANSWER"
    *_, (text, sources) = respond(fake_archive, "Who opened the Velport lighthouse?", [])
    assert text == "The archive does not answer this question."
    assert "The closest passages (they do not answer the question)" in sources and "Port reopens after storm" in sources


def test_filters_settings_and_the_archive_tab_through_the_server(server, fake_archive, tmp_path):
    from gradio_client import Client, handle_file

    from .conftest import ARTICLES, write_jsonl

    client = Client(server, verbose=False)
    fake_archive.llm.reply = "It was built [1]."
    answer, sources = client.predict("harbour bridge", "2024-03-04", "", [], "", "", 4, True, api_name="/chat")
    assert "Diario Norte" in sources and "Coast Times" not in sources.split("#### Retrieved")[0]
    assert "#### Retrieved passages" in sources
    answer, _ = client.predict("harbour bridge", "4 March", "", [], "", "", 4, False, api_name="/chat")
    assert unescape(answer) == "Error: since: '4 March' is not a date; write it as YYYY-MM-DD"
    assert "| Coast Times | 1 |" in client.predict(api_name="/overview")

    upload = write_jsonl(tmp_path / "more.jsonl", [dict(ARTICLES[0], id="a3", text="A new pier opened in Velport on Monday.")])
    report, overview = client.predict([handle_file(str(upload))], api_name="/add")
    assert "added 1" in report and "**3 articles**" in overview
    assert (fake_archive.path / "uploads" / "more.jsonl").is_file()


def test_archive_search_urls_and_model_settings(server, fake_archive, tmp_path, monkeypatch):
    from gradio_client import Client

    client = Client(server, verbose=False)
    found = client.predict("puente Soria", api_name="/search")
    assert found.startswith("- 2024-03-05 · Diario Norte · Nuevo puente en Soria")
    assert client.predict("zzzz", api_name="/search") == "_Nothing in the archive matches._"

    page = "<html><head><title>Velport pier</title></head><body><article><h1>Velport pier</h1><p>" + \
        "A new pier opened in Velport on Monday, the harbour master said. " * 5 + "</p></article></body></html>"
    from index.errors import FetchError
    from ui.watch.fetch import Fetched, HttpFetcher

    def get(self, url, held=None):
        if "good" not in url:
            raise FetchError(f"{url}: HTTP 404 Not Found")
        return Fetched(url, 200, page.encode(), "text/html", "utf-8")

    monkeypatch.setattr(HttpFetcher, "get", get)
    report, _ = client.predict("https://good.example/pier\nhttps://bad.example/x", api_name="/add_urls")
    assert "added 1" in report and "could not fetch https://bad.example/x: HTTP 404 Not Found" in unescape(report)

    with pytest.raises(Exception, match="not in the list of choices"):  # only the installed models can be chosen
        client.predict("nonexistent-model", api_name="/model")


def test_the_sources_bold_the_sentences_that_answer_and_say_when_the_search_went_beyond_the_question(fake_archive):
    from ui.app import WIDENED, _bold, respond

    assert _bold("One. Two three. Four.", ["Two three.", "three. Four."]) == "One. **Two three. Four.**"
    fake_archive.llm.reply = "Repairs cost 2 million euros [1]."
    *_, (text, sources) = respond(fake_archive, "According to Diario Norte, the harbour master said repairs cost how many million euros?")
    assert WIDENED in sources and "**The harbour master said repairs cost 2 million euros.**" in sources
    *_, (text, sources) = respond(fake_archive, "What did the harbour master say about repairs?")
    assert WIDENED not in sources
