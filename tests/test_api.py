"""The HTTP API: OpenAI-compatible chat (plain and streamed), ask, ingest, articles, bearer
token and size limits, checked in-process on a fake archive; a property-based run of
schemathesis over its OpenAPI schema; and `newsrag api` as a real server on loopback."""

import json
import subprocess
import sys
import time

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient

from ui.api import create_app

from .test_servers import free_port, stop

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(fake_archive):
    fake_archive.llm.reply = "La obra costó 9 millones [1]."
    return TestClient(create_app(fake_archive, token=TOKEN, max_body=100_000))


def events(response) -> list[dict]:
    lines = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_chat_completions_answers_with_citations_in_openai_shape(client):
    body = {"model": "anything", "messages": [{"role": "user", "content": "¿Cuánto costó la obra en Soria?"}]}
    reply = client.post("/v1/chat/completions", json=body, headers=AUTH).json()
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "La obra costó 9 millones [1]."}
    assert reply["citations"][0]["source"] == "Diario Norte" and reply["citations"][0]["n"] == 1
    assert reply["abstained"] is False


def test_chat_completions_streams_server_sent_events_ending_with_citations(client):
    body = {"messages": [{"role": "system", "content": "ignored"}, {"role": "user", "content": "¿Cuánto costó la obra en Soria?"}],
            "stream": True}
    response = client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = events(response)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "La obra costó 9 millones [1]." and len(chunks) > 4
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"][0]["article_id"] == "a2"


def test_the_stream_lists_the_passages_being_read_before_the_first_token(fake_archive):
    import threading

    fake_archive.llm.reply, fake_archive.llm.gate = "La obra costó 9 millones [1].", threading.Event()
    client = TestClient(create_app(fake_archive))
    body = {"messages": [{"role": "user", "content": "¿Cuánto costó la obra en Soria?"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        lines = (line for line in response.iter_lines() if line.startswith("data:"))
        try:
            role, reading = (json.loads(next(lines)[5:]) for _ in range(2))  # while the model cannot write yet
        finally:
            fake_archive.llm.gate.set()
        rest = [json.loads(line[5:]) for line in lines if line != "data: [DONE]"]
    assert role["choices"][0]["delta"] == {"role": "assistant"}
    assert reading["choices"][0] == {"index": 0, "delta": {}, "finish_reason": None}
    assert reading["reading"][0] == {"n": 1, "article_id": "a2", "title": "Nuevo puente en Soria", "source": "Diario Norte",
                                     "published_at": "2024-03-05", "url": "", "quote": "La obra costó 9 millones."}
    assert [p["n"] for p in reading["reading"]] == [1, 2] and "reading" not in rest[-1]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in rest) == "La obra costó 9 millones [1]."
    assert [c["article_id"] for c in rest[-1]["citations"]] == ["a2"]


def test_a_follow_up_uses_the_earlier_turns(client, fake_archive):
    fake_archive.llm.replies = ["¿Cuánto costó el puente de Soria sobre el Duero?"]  # the rewrite
    body = {"messages": [{"role": "user", "content": "¿Qué se inauguró en Soria?"}, {"role": "assistant", "content": "Un puente [1]."},
                         {"role": "user", "content": "¿Y cuánto costó?"}]}
    client.post("/v1/chat/completions", json=body, headers=AUTH)
    rewrite, answer = fake_archive.llm.calls  # a rewrite of the follow-up, then the answer
    assert "User: ¿Qué se inauguró en Soria?\nAssistant: Un puente." in rewrite[1]["content"]  # the rewrite saw the history
    assert [m["content"] for m in answer[1:3]] == ["¿Qué se inauguró en Soria?", "Un puente [1]."]  # and so did the answer


def test_ask_takes_filters_and_returns_the_formats_answer(client):
    answer = client.post("/v1/ask", json={"question": "¿Cuánto costó la obra en Soria?", "sources": ["Diario Norte"]},
                         headers=AUTH).json()
    assert set(answer) >= {"question", "answer", "abstained", "citations", "timings"}
    assert {c["source"] for c in answer["citations"]} == {"Diario Norte"}
    bad = client.post("/v1/ask", json={"question": "x", "since": "yesterday"}, headers=AUTH)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]


def test_list_stories_and_a_story_timeline(client, fake_archive):
    listed = client.get("/v1/stories", params={"min_articles": 1}, headers=AUTH).json()
    assert listed["total"] == 2 and {s["label"] for s in listed["stories"]} == {"Port reopens after storm", "Nuevo puente en Soria"}
    first = listed["stories"][0]
    assert set(first) == {"id", "label", "article_ids", "outlets", "languages", "first", "last", "days"}
    assert first["days"] == [[first["first"], 1]]
    assert client.get("/v1/stories", headers=AUTH).json() == {"total": 0, "stories": []}  # none of two articles or more
    timeline = client.get(f"/v1/stories/{first['id']}", headers=AUTH).json()
    assert [a["id"] for a in timeline["articles"]] == first["article_ids"]
    assert client.get("/v1/stories/999", headers=AUTH).status_code == 404
    assert client.get("/v1/stories", params={"limit": 0}, headers=AUTH).status_code == 400
    assert client.get("/v1/stories").status_code == 401


def test_ingest_and_list_articles(client):
    new = {"articles": [{"id": "n1", "title": "Ferry strike", "text": "Ferry crews walked out on Monday over pay.",
                         "source": "Coastal Tribune", "published_at": "2024-03-09T08:00:00+00:00", "language": "en"}]}
    report = client.post("/v1/ingest", json=new, headers=AUTH).json()
    assert report["added"] == 1 and report["errors"] == []
    listed = client.get("/v1/articles", params={"limit": 1}, headers=AUTH).json()
    assert listed["total"] == 3 and listed["articles"][0]["id"] == "n1"
    assert client.get("/v1/articles", params={"source": "Diario Norte"}, headers=AUTH).json()["total"] == 1


def test_token_and_size_limits(client):
    body = {"messages": [{"role": "user", "content": "hola"}]}
    assert client.post("/v1/chat/completions", json=body).status_code == 401
    assert client.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    big = {"question": "x" * 200_000}
    assert client.post("/v1/ask", json=big, headers=AUTH).status_code == 413
    assert client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]},
                       headers=AUTH).status_code == 400


def test_the_api_beside_the_browser_app(fake_archive):
    from ui.app import build_app, with_api

    both = TestClient(with_api(fake_archive, build_app(fake_archive), api_token=TOKEN))
    assert both.get("/v1/articles", headers=AUTH).json()["total"] == 2
    assert both.get("/v1/articles").status_code == 401
    page = both.get("/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from index.ingest import ingest  # noqa: F401 (import cost outside the property run)
    from rag import Archive

    from .conftest import ARTICLES, write_jsonl
    from .fakes import FakeEmbedder, FakeLLM

    folder = tmp_path_factory.mktemp("schema")
    archive = Archive.open(folder / "archive", embedder=FakeEmbedder(), llm=FakeLLM("Respuesta [1]."))
    archive.ingest([write_jsonl(folder / "news.jsonl", ARTICLES)])
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(archive, token=TOKEN))


def test_every_route_keeps_to_its_schema(api_schema):
    """Generated requests never crash the server, and every reply matches the schema."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            case.headers = {**(case.headers or {}), **AUTH}
            # rules the schema cannot state (the last message is the user's; dates) answer 400, not 2xx
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
        checked.append(operation.label)
    assert sorted(checked) == ["GET /v1/articles", "GET /v1/stories", "GET /v1/stories/{story_id}", "POST /v1/ask",
                               "POST /v1/chat/completions", "POST /v1/ingest"]


@pytest.mark.slow
def test_newsrag_api_serves_an_openai_client_over_loopback(tmp_path):
    from .test_servers import ARTICLES as NEWS
    from .conftest import write_jsonl

    archive = tmp_path / "archive"
    from .test_cli import newsrag

    assert newsrag("ingest", write_jsonl(tmp_path / "news.jsonl", NEWS), "--archive", archive).returncode == 0
    port = free_port()
    log = (tmp_path / "log.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "api", "--archive", str(archive), "--model", "small",
                             "--port", str(port), "--token", TOKEN], stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "log.txt").read_text()[-2000:]
            time.sleep(1)
        body = {"model": "newsrag", "stream": True,
                "messages": [{"role": "user", "content": "¿Cuánto costó el nuevo puente sobre el río Duero en Soria?"}]}
        with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, headers=AUTH, timeout=300) as response:
            assert response.status_code == 200
            data = [line[5:].strip() for line in response.iter_lines() if line.startswith("data:")]
        assert data[-1] == "[DONE]"
        last = json.loads(data[-2])
        assert last["choices"][0]["finish_reason"] == "stop" and "citations" in last
        assert httpx.get(f"{base}/v1/articles", timeout=10).status_code == 401
        assert httpx.get(f"{base}/v1/articles", headers=AUTH, timeout=10).json()["total"] == 2
    finally:
        stop(proc)
