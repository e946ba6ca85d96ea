"""newsrag against real servers on loopback: a Chroma server (`chroma run`) and an
OpenAI-compatible model server (llama-cpp-python's `llama_cpp.server` with the small model)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.common import stop
from rag import Archive, models
from rag.llm import LlamaCppLLM, OpenAILLM

from .conftest import write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_cli import newsrag

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], ready: str, log: Path, timeout: float = 180) -> subprocess.Popen:
    """Start a server and wait until GET ``ready`` answers."""
    proc = subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[0]} exited: {log.read_text()[-1000:]}")
        try:
            if httpx.get(ready, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{args} did not start: {log.read_text()[-1000:]}")


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    chroma_bin = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma")
    proc = start([chroma_bin, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
                 f"http://127.0.0.1:{port}/api/v2/heartbeat", folder / "log.txt")
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("llm")
    path = models.resolve("small", models.default_models_dir())
    proc = start([sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--host", "127.0.0.1", "--port", str(port),
                  "--n_ctx", "4096", "--seed", "0"], f"http://127.0.0.1:{port}/v1/models", folder / "log.txt")
    yield f"http://127.0.0.1:{port}/v1"
    stop(proc)


ARTICLES = [
    {"id": "a1", "title": "Velport harbour reopens", "source": "Coastal Tribune", "published_at": "2024-03-01T09:00:00+00:00",
     "language": "en", "text": "The harbour of Velport reopened on Friday after the storm. Ferries to the islands resumed at noon."},
    {"id": "a2", "title": "Nuevo puente en Soria", "source": "Diario Norte", "published_at": "2024-03-05T10:00:00+01:00",
     "language": "es", "text": "El ayuntamiento de Soria inauguró el nuevo puente sobre el río Duero. La obra costó 9 millones."},
]


def test_an_archive_in_a_chroma_server_ingests_answers_filters_and_removes(chroma, tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    archive = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM("Costó 9 millones [1]."), chroma_url=chroma)
    report = archive.ingest([source])
    assert (report.added, report.ok) == (2, True)
    assert not (tmp_path / "archive" / "chroma").exists()  # the passages live in the server
    again = archive.ingest([source])
    assert (again.added, again.unchanged, again.chunks_added) == (0, 2, 0)

    reopened = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM("Costó 9 millones [1]."))
    assert reopened.store.count() == archive.store.count() > 0  # the folder remembers the server
    answer = reopened.ask("¿Cuánto costó la obra en Soria?")
    assert answer.citations[0].article_id == "a2" and answer.citations[0].source == "Diario Norte"
    from rag import Filters

    assert {h.chunk.article_id for h in reopened.retrieve("harbour bridge", filters=Filters(sources=("Coastal Tribune",)))} == {"a1"}
    removed = reopened.remove(["a2"])
    assert removed.removed == 1
    assert {h.chunk.article_id for h in reopened.retrieve("puente Soria")} == {"a1"}


def test_cli_ingest_into_a_chroma_server_is_remembered_by_the_folder(chroma, tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    archive = tmp_path / "cli-archive"
    out = newsrag("ingest", source, "--archive", archive, "--chroma-url", chroma, "--embedder", "multilingual-e5-small")
    assert out.returncode == 0, out.stderr
    shown = json.loads((archive / "newsrag.json").read_text())
    assert shown["chroma_url"] == chroma


def test_an_unreachable_chroma_server_is_one_line(tmp_path):
    out = newsrag("ingest", tmp_path / "x.jsonl", "--archive", tmp_path / "a", "--chroma-url", f"http://127.0.0.1:{free_port()}")
    assert out.returncode == 1 and "cannot reach a Chroma server" in out.stderr and "chroma run" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_the_model_server_streams_the_replies_of_the_same_model_run_in_process(llm_server, tmp_path):
    messages = [{"role": "system", "content": "You answer briefly."}, {"role": "user", "content":
                "Passage: Ferries to the islands resumed at noon on Friday after the storm closed the harbour of Velport.\n"
                "Question: When did ferries resume? Answer with a sentence."}]
    remote = OpenAILLM(llm_server)
    pieces = list(remote.stream(messages, max_tokens=40))
    local = LlamaCppLLM(models.resolve("small", models.default_models_dir()))
    assert len(pieces) > 3 and "noon" in "".join(pieces)  # streamed piece by piece
    assert "".join(pieces) == local.complete(messages, max_tokens=40)  # temperature 0: the same reply

    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    served = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm_url=llm_server)
    served.ingest([source])
    in_process = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=local)
    question = "¿Cuánto costó el nuevo puente sobre el río Duero en Soria?"
    a, b = served.ask(question), in_process.ask(question)
    assert (a.text, [c.article_id for c in a.citations]) == (b.text, [c.article_id for c in b.citations])


def test_cli_ask_through_the_model_server(llm_server, tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    archive = tmp_path / "archive"
    assert newsrag("ingest", source, "--archive", archive).returncode == 0
    out = newsrag("ask", "When did ferries to the islands resume?", "--archive", archive, "--llm-url", llm_server, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["question"] == "When did ferries to the islands resume?" and data["answer"]


def test_an_unreachable_model_server_is_one_line(tmp_path):
    source = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    archive = tmp_path / "archive"
    assert newsrag("ingest", source, "--archive", archive).returncode == 0
    out = newsrag("ask", "When did ferries resume?", "--archive", archive, "--llm-url", f"http://127.0.0.1:{free_port()}/v1")
    assert out.returncode == 1 and "cannot reach the model server" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
