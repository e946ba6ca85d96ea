"""`newsrag mcp` as a real subprocess, driven by the MCP SDK's own client over stdio and over
streamable HTTP: tools listed and called (search, ask, list, ingest, refused without
--allow-ingest), article resources read, bearer token and Host checks, a public bind refused;
and, on the real default model, the seed question answered with its citations."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from rag import Archive

from .conftest import ROOT, SHARED, write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_cli import newsrag
from .test_servers import free_port, stop

SEED = SHARED / "data" / "seed" / "000_cadbe2f86f7d8293.txt"
TOKEN = "mcp-s3cret"
REPLY = "La obra costó 9 millones [1]."
TOOLS = {"search", "ask", "list_articles", "ingest"}
MORE = [{"id": "a3", "title": "Lighthouse restored", "source": "Coast Times", "published_at": "2024-03-08",
         "language": "en", "text": "The old lighthouse of Velport was restored by volunteers. It shines again since Monday."}]
ENV = {"PYTHONPATH": str(ROOT), "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}


@pytest.fixture
def archive_dir(tmp_path, articles_file) -> Path:
    """An archive of the two test articles, built with the fake embedder."""
    Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM()).ingest([articles_file])
    return tmp_path / "archive"


def launcher(archive: Path, *flags: str) -> list[str]:
    return ["-m", "tests.mcp_launcher", str(archive), "--reply", REPLY, "--", *flags]


@asynccontextmanager
async def over_stdio(args: list[str], log: Path, env: dict | None = None):
    params = StdioServerParameters(command=sys.executable, args=args, env={**ENV, **(env or {})}, cwd=str(ROOT))
    with log.open("w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write, read_timeout_seconds=600) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def over_http(url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as client, \
            streamable_http_client(url, http_client=client) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def data(result) -> dict:
    """A tool's JSON result, checked to be the same in its structured and its text form."""
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def error(result) -> str:
    assert result.is_error
    return result.content[0].text


async def exercise(session: ClientSession, ingest_allowed: bool, more: Path) -> None:
    """Every tool and the article resource, as a client would use them."""
    listed = await session.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    ask_schema = next(t for t in listed.tools if t.name == "ask").input_schema
    assert ask_schema["required"] == ["question"] and {"since", "until", "outlet", "language", "top_k"} <= set(ask_schema["properties"])

    found = data(await session.call_tool("search", {"question": "¿Cuánto costó el puente de Soria?", "top_k": 2}))
    first = found["passages"][0]
    assert (first["article_id"], first["title"], first["source"]) == ("a2", "Nuevo puente en Soria", "Diario Norte")
    assert first["published_at"] == "2024-03-05" and first["uri"] == "article://a2" and "9 millones" in first["text"]
    assert first["quote"] in first["sentences"] and any("9 millones" in s for s in first["sentences"])
    only = data(await session.call_tool("search", {"question": "puente Soria harbour", "outlet": "Coast Times"}))
    assert {p["article_id"] for p in only["passages"]} == {"a1"}
    later = data(await session.call_tool("search", {"question": "puente Soria harbour", "since": "2024-03-04"}))
    assert {p["article_id"] for p in later["passages"]} == {"a2"}
    assert "YYYY-MM-DD" in error(await session.call_tool("search", {"question": "x", "until": "last week"}))

    answer = data(await session.call_tool("ask", {"question": "¿Cuánto costó la obra en Soria?"}))
    assert answer["answer"] == REPLY and answer["abstained"] is False
    assert answer["citations"][0]["n"] == 1 and answer["citations"][0]["article_id"] == "a2"
    assert "9 millones" in answer["citations"][0]["quote"]
    outside = data(await session.call_tool("ask", {"question": "¿Cuánto costó la obra en Soria?", "outlet": "Coast Times"}))
    assert all(c["source"] == "Coast Times" for c in outside["citations"])

    page = data(await session.call_tool("list_articles", {"limit": 1}))
    assert page["total"] == 2 and [a["id"] for a in page["articles"]] == ["a2"]  # newest first
    rest = data(await session.call_tool("list_articles", {"limit": 5, "offset": 1}))
    assert [a["id"] for a in rest["articles"]] == ["a1"] and rest["articles"][0]["uri"] == "article://a1"

    templates = await session.list_resource_templates()
    assert [t.uri_template for t in templates.resource_templates] == ["article://{article_id}"]
    read = await session.read_resource("article://a1")
    article = json.loads(read.contents[0].text)
    assert (article["id"], article["title"], article["source"], article["url"]) == \
        ("a1", "Port reopens after storm", "Coast Times", "https://coast.example/a1")
    assert "reopened on Friday" in article["text"] and "2 million euros" in article["text"]
    with pytest.raises(MCPError, match="no article"):
        await session.read_resource("article://nothing-here")

    result = await session.call_tool("ingest", {"paths": [str(more)]})
    if not ingest_allowed:
        assert "--allow-ingest" in error(result)
        assert data(await session.call_tool("list_articles", {}))["total"] == 2
        return
    report = data(result)
    assert report["added"] == 1 and report["errors"] == []
    assert data(await session.call_tool("list_articles", {}))["total"] == 3
    lighthouse = data(await session.call_tool("search", {"question": "lighthouse restored by volunteers", "top_k": 1}))
    assert lighthouse["passages"][0]["article_id"] == "a3"
    missing = data(await session.call_tool("ingest", {"paths": [str(more.parent / "absent.jsonl")]}))
    assert missing["added"] == 0 and missing["errors"]


def test_stdio_serves_every_tool_and_refuses_ingest_unless_allowed(archive_dir, tmp_path):
    more = write_jsonl(tmp_path / "more.jsonl", MORE)

    async def run() -> None:
        async with over_stdio(launcher(archive_dir), tmp_path / "refusing.log") as session:
            await exercise(session, ingest_allowed=False, more=more)
        async with over_stdio(launcher(archive_dir, "--allow-ingest"), tmp_path / "allowing.log") as session:
            await exercise(session, ingest_allowed=True, more=more)

    anyio.run(run)


def test_allow_ingest_is_read_from_the_environment_too(archive_dir, tmp_path):
    more = write_jsonl(tmp_path / "more.jsonl", MORE)

    async def run() -> dict:
        async with over_stdio(launcher(archive_dir), tmp_path / "env.log", env={"NEWSRAG_ALLOW_INGEST": "1"}) as session:
            return data(await session.call_tool("ingest", {"paths": [str(more)]}))

    assert anyio.run(run)["added"] == 1


def start_http(archive: Path, port: int, log: Path, *flags: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, *launcher(archive, "--http", "--port", str(port), *flags)], cwd=ROOT,
                            env={**os.environ, **ENV}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=2)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)


def test_streamable_http_with_a_token(archive_dir, tmp_path):
    more, port = write_jsonl(tmp_path / "more.jsonl", MORE), free_port()
    proc = start_http(archive_dir, port, tmp_path / "http.log", "--token", TOKEN, "--allow-ingest")
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        async def run() -> None:
            async with over_http(url, TOKEN) as session:
                await exercise(session, ingest_allowed=True, more=more)

        anyio.run(run)
        hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        accept = {"Accept": "application/json, text/event-stream"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
            refused = httpx.post(url, json=hello, headers={**accept, **headers})
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer", headers
        rebound = httpx.post(url, json=hello, headers={**accept, "Authorization": f"Bearer {TOKEN}", "Host": "evil.example"})
        assert rebound.status_code == 421  # a loopback server answers only loopback's names
        welcome = httpx.post(url, json=hello, headers={**accept, "Authorization": f"Bearer {TOKEN}"})
        assert welcome.status_code == 200, welcome.text

        async def unauthorized() -> None:
            async with over_http(url, "wrong"):
                pass

        with pytest.raises(ExceptionGroup) as refused_client:  # the SDK's client fails to initialize
            anyio.run(unauthorized)
        assert refused_client.group_contains(MCPError, match="error response")
    finally:
        stop(proc)


def test_streamable_http_without_a_token_on_loopback_refuses_ingest(archive_dir, tmp_path):
    more, port = write_jsonl(tmp_path / "more.jsonl", MORE), free_port()
    proc = start_http(archive_dir, port, tmp_path / "http.log")
    try:
        async def run() -> None:
            async with over_http(f"http://127.0.0.1:{port}/mcp", None) as session:
                await exercise(session, ingest_allowed=False, more=more)

        anyio.run(run)
    finally:
        stop(proc)


def test_a_public_bind_without_a_token_is_refused_in_one_line(tmp_path):
    out = newsrag("mcp", "--http", "--host", "0.0.0.0", "--archive", tmp_path / "none", env=ENV, cwd=ROOT)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "refusing to serve on 0.0.0.0 without --token TOKEN" in out.stderr and "--insecure-public" in out.stderr
    stray = newsrag("mcp", "--token", TOKEN, "--archive", tmp_path / "none", env=ENV, cwd=ROOT)
    assert stray.returncode == 1 and stray.stderr.count("\n") == 1 and "add --http" in stray.stderr


@pytest.mark.slow
@pytest.mark.skipif(not SEED.is_file(), reason="../shared/data/seed is not present (the seed article this test asks about)")
def test_the_seed_question_over_mcp_with_the_default_model(tmp_path):
    archive = tmp_path / "seed-archive"
    ingested = newsrag("ingest", SEED, "--archive", archive, cwd=ROOT)
    assert ingested.returncode == 0, ingested.stderr

    async def run() -> dict:
        args = ["-m", "ui.cli", "mcp", "--archive", str(archive), "--model", "default"]
        async with over_stdio(args, tmp_path / "seed.log") as session:
            return data(await session.call_tool("ask", {"question": "What treaties does the new pact replace?"}))

    answer = anyio.run(run)
    assert not answer["abstained"] and all(year in answer["answer"] for year in ("1961", "2000", "2001")), answer
    assert {c["source"] for c in answer["citations"]} == {"cnn"}
    assert any("1961, 2000 y 2001" in c["quote"] for c in answer["citations"]), answer["citations"]
    for n in {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}:
        assert n in {c["n"] for c in answer["citations"]}
