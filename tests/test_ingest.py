import itertools
import json

import pytest

from index.dedup import THRESHOLD, minhash
from index.load import load
from rag import Archive, sample_files

from .conftest import ARTICLES, write_jsonl
from .fakes import FakeEmbedder, FakeLLM

WIRE = [json.loads(line) for line in (sample_files()[0].parent / "syndicated.jsonl").read_text(encoding="utf-8").splitlines()]


def open_archive(path):
    return Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM())


def consistent(archive: Archive) -> dict[str, int]:
    """Check store and manifest agree; return article id -> chunk count."""
    metas = archive.store.collection.get(include=["metadatas"])["metadatas"]
    chunks: dict[str, int] = {}
    for meta in metas:
        chunks[meta["article_id"]] = chunks.get(meta["article_id"], 0) + 1
    entries = {e.id: e for e in archive.manifest.entries()}
    assert all(e.state in ("indexed", "copy") for e in entries.values())
    indexed = {i: e.chunks for i, e in entries.items() if e.state == "indexed"}
    assert chunks == indexed  # no orphan chunks, no article missing a chunk
    assert archive.store.sentences.chunk_ids() == set(archive.store.collection.get()["ids"])  # every chunk's sentences, no others
    return chunks


def test_minhash_threshold_separates_syndicated_copies_from_same_story_articles():
    articles = [a for a in load(sample_files()) if not hasattr(a, "reason")]
    signatures = {a.id: minhash(a.text) for a in articles}
    wire = {w["id"] for w in WIRE}
    for (a, sa), (b, sb) in itertools.combinations(signatures.items(), 2):
        similar = sa.jaccard(sb) >= THRESHOLD
        assert similar == ({a, b} == wire), (a, b, sa.jaccard(sb))


def test_exact_copy_under_another_id_is_counted_not_indexed_and_cited(tmp_path, articles_file):
    archive = open_archive(tmp_path / "arch")
    archive.ingest([articles_file])
    copy = dict(ARTICLES[0], id="a1-copy", source="Island Post", url="https://island.example/x",
                text=ARTICLES[0]["text"].upper().replace(".", " ."))
    report = archive.ingest([write_jsonl(tmp_path / "copy.jsonl", [copy])])
    assert (report.added, report.duplicates, report.chunks_added, report.copies) == (0, 1, 0, {"a1-copy": "a1"})
    assert "a1-copy" not in consistent(archive)
    archive.llm.reply = "Repairs cost 2 million euros [1]."
    [citation] = archive.ask("How much did the Velport harbour repairs cost?").citations
    assert citation.article_id == "a1"
    assert [(a["source"], a["url"]) for a in citation.alternates] == [("Island Post", "https://island.example/x")]
    assert citation.to_dict()["alternates"][0]["id"] == "a1-copy"


def test_syndicated_near_copy_is_folded_into_the_first_one(tmp_path):
    archive = open_archive(tmp_path / "arch")
    report = archive.ingest([write_jsonl(tmp_path / "wire.jsonl", WIRE)])
    assert (report.added, report.duplicates) == (1, 1)
    assert list(consistent(archive)) == [WIRE[0]["id"]]
    again = archive.ingest([write_jsonl(tmp_path / "wire.jsonl", WIRE)])
    assert (again.added, again.unchanged, again.chunks_added) == (0, 2, 0)


def test_remove_by_id_url_and_source_and_a_copy_takes_the_place_of_its_original(tmp_path, articles_file):
    archive = open_archive(tmp_path / "arch")
    archive.ingest([articles_file, write_jsonl(tmp_path / "wire.jsonl", WIRE)])
    report = archive.remove([WIRE[0]["id"]])
    assert (report.removed, report.added) == (1, 1)
    assert list(consistent(archive)) == ["a1", "a2", WIRE[1]["id"]]
    assert archive.remove(["https://coast.example/a1"]).removed == 1
    assert archive.remove(source="Diario Norte").removed == 1
    assert list(consistent(archive)) == [WIRE[1]["id"]]
    missing = archive.remove(["nope"])
    assert missing.removed == 0 and "no article with this id or url" in str(missing.errors[0])


def test_an_interrupted_ingest_is_repaired_by_the_next_one(tmp_path, articles_file):
    archive = open_archive(tmp_path / "arch")
    archive.ingest([articles_file])
    # what a kill between the manifest write and the chunk write leaves: a pending row, half the chunks
    archive.manifest.set_state(["a1"], "pending")
    archive.store.collection.delete(ids=["a1#0"])
    report = archive.ingest([articles_file])
    assert (report.added, report.unchanged) == (1, 1)
    assert set(consistent(archive)) == {"a1", "a2"}


def test_archives_indexed_before_the_manifest_are_adopted(tmp_path, articles_file):
    archive = open_archive(tmp_path / "arch")
    archive.ingest([articles_file])
    archive.manifest.close()
    (tmp_path / "arch" / "manifest.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (tmp_path / "arch" / f"manifest.sqlite{suffix}").unlink(missing_ok=True)
    reopened = open_archive(tmp_path / "arch")
    assert reopened.ingest([articles_file]).unchanged == 2
    consistent(reopened)


@pytest.mark.parametrize("kill_after", [1, 6, 15, 30])
def test_sigkill_at_any_point_then_the_same_ingest_leaves_a_consistent_archive(tmp_path, kill_after):
    """A real subprocess ingesting 40 articles is killed after its n-th article; rerunning completes it."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import random

    rng = random.Random(7)
    vocabulary = [f"word{n}" for n in range(2000)]
    records = [
        {"id": f"k{i}", "title": f"Story {i}", "source": f"Outlet {i % 3}", "published_at": "2024-05-01",
         "text": " ".join(" ".join(rng.choices(vocabulary, k=12)).capitalize() + "." for _ in range(40))}
        for i in range(40)
    ]
    source = write_jsonl(tmp_path / "many.jsonl", records)
    root = Path(__file__).resolve().parents[1]
    child = f"""
import sys, time
sys.path.insert(0, {str(root)!r})
from rag import Archive
from tests.fakes import FakeEmbedder, FakeLLM

class Slow(FakeEmbedder):
    def embed_documents(self, texts):
        time.sleep(0.05)
        return super().embed_documents(texts)

archive = Archive.open({str(tmp_path / "arch")!r}, embedder=Slow(), llm=FakeLLM())
archive.ingest([{str(source)!r}], on_article=lambda a: print(a.id, flush=True), )
print("done", flush=True)
"""
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, cwd=root)
    seen = 0
    for line in proc.stdout:
        seen += 1
        if seen >= kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    archive = open_archive(tmp_path / "arch")
    report = archive.ingest([source])
    assert report.added + report.unchanged == 40 and report.updated == 0 and report.ok
    chunks = consistent(archive)
    assert set(chunks) == {r["id"] for r in records}
    assert archive.store.count() == sum(chunks.values())
    assert archive.ingest([source]).chunks_added == 0


def test_a_progress_bar_on_request(tmp_path, articles_file, capsys):
    from ui.cli import ProgressBar

    bar = ProgressBar("indexing", "article", show=True)
    open_archive(tmp_path / "arch").ingest([articles_file], progress=bar)
    bar.close()
    assert "article/s" in capsys.readouterr().err


def test_cli_remove(tmp_path, articles_file, capsys):
    from ui.cli import main

    archive = ["--archive", str(tmp_path / "arch")]
    assert main(["ingest", str(articles_file), *archive]) == 0
    assert main(["remove", "https://coast.example/a1", "missing-id", *archive]) == 3
    out, err = capsys.readouterr()
    assert "removed 1" in out and "missing-id: no article with this id or url" in err
    assert main(["remove", *archive]) == 1
    assert "nothing to remove" in capsys.readouterr().err


def test_dates_outlets_and_languages_work_as_store_filters(tmp_path, articles_file):
    import time
    from datetime import datetime, timezone

    from index.types import Filters

    archive = open_archive(tmp_path / "arch")
    before = int(time.time())
    archive.ingest([articles_file])
    query = archive.embedder.embed_query("harbour bridge")
    march_3 = 1709424000  # 2024-03-03T00:00:00Z
    found = {c.article_id for c, _ in archive.store.query(query, 10, Filters(since=datetime.fromtimestamp(march_3, timezone.utc)))}
    assert found == {"a2"}
    assert {c.article_id for c, _ in archive.store.query(query, 10, Filters(sources=("Coast Times",)))} == {"a1"}
    assert {c.article_id for c, _ in archive.store.query(query, 10, Filters(language="es"))} == {"a2"}
    chunk, _ = archive.store.query(query, 1)[0]
    assert chunk.ingested_ts >= before and chunk.source.published_ts < before  # publication, not ingest time


def test_every_chunk_gets_its_sentence_vectors_and_an_older_archive_gets_them_at_its_next_ingest(tmp_path, articles_file):
    from index.language import split_sentences

    archive = open_archive(tmp_path / "arch")
    archive.ingest([articles_file])
    chunk = archive.store.query(archive.embedder.embed_query("harbour"), 1)[0][0]
    [sentences] = archive.store.sentences.get([chunk.id]).values()
    assert sentences.texts(chunk.text) == split_sentences(chunk.text)
    assert sentences.vectors.shape == (len(sentences.spans), archive.embedder.embed_query("x").shape[0])
    archive.store.sentences.db.execute("DELETE FROM sentences")  # as in an archive built before sentence vectors
    assert archive.ingest([articles_file]).unchanged == 2
    consistent(archive)
    archive.remove(["a1"])
    assert not any(i.startswith("a1#") for i in archive.store.sentences.chunk_ids())
