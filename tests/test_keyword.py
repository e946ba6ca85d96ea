"""The keyword index saved beside the archive: loaded by a new process, kept up to date, rebuilt when stale."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import numpy as np
import pytest

from index.keyword import KeywordFiles, KeywordIndex
from index.types import Chunk, Filters, Source
from rag import Archive

from .conftest import ROOT, write_jsonl
from .fakes import FakeEmbedder, FakeLLM

WORDS = "harbour ferry bridge tunnel budget council strike train tram port storm repairs mayor river".split()


def records(n, start=0, outlet="Coast Times"):
    """``n`` articles of eight words each, every one a different mix of WORDS, plus a rare name in each."""
    return [{"id": f"r{i}", "title": "", "source": outlet, "language": "en", "published_at": f"2024-{1 + i % 12:02d}-10",
             "text": " ".join([WORDS[i % 14], WORDS[(3 * i) % 14], WORDS[(5 * i + 1) % 14], WORDS[(7 * i + 2) % 14],
                               WORDS[(i // 14) % 14], WORDS[(11 * i + 3) % 14], WORDS[(2 * i + 5) % 14], f"Name{i}"]) + "."}
            for i in range(start, start + n)]


QUESTIONS = ["harbour budget strike", "ferry tunnel repairs", "mayor river storm", "Name3 council", "train tram port",
             "Name17 Name4 bridge"]


def ranked(index, query, mask=None):
    """Every match with its score, best first; equal scores by id (rows may come in another order)."""
    return sorted(((-round(score, 4), c.id) for c, score in index.search(query, 100, mask)))


def assert_same_as_fresh(index, store):
    fresh = KeywordIndex.from_store(store)
    assert sorted(index.rows) == sorted(fresh.rows)
    for q in QUESTIONS:
        assert ranked(index, q) == ranked(fresh, q), q
        window = Filters(since=datetime(2024, 3, 1, tzinfo=timezone.utc), until=datetime(2024, 9, 1, tzinfo=timezone.utc))
        assert ranked(index, q, mask=index.mask(window)) == ranked(fresh, q, mask=fresh.mask(window)), q
    chunk = fresh.chunks[0]
    assert index.coverage("harbour Name0 budget", chunk) == pytest.approx(fresh.coverage("harbour Name0 budget", chunk))
    query, outlet = store.embedder.embed_query("harbour budget"), Filters(sources=("Coast Times",))
    assert [c.id for c, _ in index.nearest(query, 5, index.mask(outlet))] == [c.id for c, _ in fresh.nearest(query, 5, fresh.mask(outlet))]


@pytest.fixture
def archive_dir(tmp_path):
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "a.jsonl", records(30))])
    return tmp_path / "arch"


def test_a_new_archive_instance_memory_maps_the_saved_index_instead_of_building_it(archive_dir):
    first = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    state = json.loads((archive_dir / "keyword" / "state.json").read_text())
    assert state["count"] == first.store.count() == 30 and not state["dirty"]
    again = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    index = again.retriever.keyword_index()
    assert again.retriever.keyword_files.builds == 0 and index.generation == state["generation"]
    assert isinstance(index.vectors, np.memmap)
    assert again.keyword_search("Name7 harbour", 3)[0].id == "r7#0" and again.retrieve("Name7 harbour", 3)
    assert_same_as_fresh(index, again.store)


def test_ingest_and_remove_update_the_saved_index_through_a_delta(archive_dir, tmp_path):
    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    files = archive.retriever.keyword_files
    files.delta_share = 1.0  # keep the changes in the delta
    updated = [{**r, "text": r["text"].replace("Name5", "Zubizarreta")} for r in records(1, start=5)]
    archive.ingest([write_jsonl(tmp_path / "b.jsonl", records(4, start=30) + updated)])
    archive.remove(["r2"])
    index = archive.retriever.keyword_index()
    assert index.delta_size == 4 + 1 + 1 + 1 and files.builds == 0  # 5 chunks in the delta, 2 tombstones
    assert [c.article_id for c, _ in index.search("Zubizarreta", 3)] == ["r5"] and not index.search("Name5", 3)
    assert not index.search("Name2", 3) and [c.id for c, _ in index.search("Name31", 3)] == ["r31#0"]
    assert_same_as_fresh(index, archive.store)

    again = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    loaded = again.retriever.keyword_index()
    assert again.retriever.keyword_files.builds == 0 and loaded.delta_size == index.delta_size
    assert_same_as_fresh(loaded, again.store)

    files.delta_share = 0.05  # past it: the delta is built into a new main index
    archive.ingest([write_jsonl(tmp_path / "c.jsonl", records(1, start=40))])
    index = archive.retriever.keyword_index()
    assert index.delta_size == 0 and index.n == 34 and files.builds == 0
    assert len([p for p in (archive_dir / "keyword").iterdir() if p.is_dir()]) == 1  # the old parts are removed
    assert_same_as_fresh(index, archive.store)


def test_a_store_changed_behind_the_index_is_caught_by_its_ids_and_followed(archive_dir):
    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    archive.store.delete_article("r3")  # outside `updating`: as another program would
    source = Source("New", "Coast Times", published_at=datetime(2024, 5, 1, tzinfo=timezone.utc), language="en")
    added = Chunk("x1#0", "x1", "Quetzalcoatl ferry harbour", 0, source, "h")
    archive.store.add([added], archive.embedder.embed_documents([added.text]))
    again = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    index = again.retriever.keyword_index()
    assert again.retriever.keyword_files.builds == 0 and "x1#0" in index.rows and "r3#0" not in index.rows
    assert_same_as_fresh(index, again.store)
    state = json.loads((archive_dir / "keyword" / "state.json").read_text())
    assert state["count"] == 30 and state["generation"] == index.generation  # saved as followed


def counting_ids(store):
    """``store`` with its `Store.ids` counting its calls: the list of their results."""
    calls, ids = [], store.ids
    store.ids = lambda: calls.append(ids()) or calls[-1]
    return calls


def test_an_unchanged_store_is_not_read_again_on_opening(archive_dir):
    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    folder = archive_dir / "keyword"
    state = json.loads((folder / "state.json").read_text())
    assert state["store"] == archive.store.version() is not None  # saved by the ingest
    calls = counting_ids(archive.store)
    index = KeywordFiles(folder).open(archive.store)
    assert calls == [] and index.generation == state["generation"] and index.n == 30
    assert_same_as_fresh(index, archive.store)

    # A state saved before it had the store's version: the ids are read once, then the version is kept.
    (folder / "state.json").write_text(json.dumps({k: v for k, v in state.items() if k != "store"}))
    files = KeywordFiles(folder)
    assert files.open(archive.store).generation == state["generation"] and len(calls) == 1
    assert json.loads((folder / "state.json").read_text())["store"] == state["store"]
    assert files.open(archive.store).generation == state["generation"] and len(calls) == 1 and files.builds == 0


def test_chunks_another_store_adds_deletes_or_rewrites_change_the_version_and_are_followed(archive_dir):
    from index.store import Store, persistent_client

    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    other = Store(persistent_client(archive_dir / "chroma"), FakeEmbedder())  # as another program would
    files, calls = KeywordFiles(archive_dir / "keyword"), counting_ids(archive.store)
    source = Source("New", "Coast Times", published_at=datetime(2024, 5, 1, tzinfo=timezone.utc), language="en")

    def written(chunk):
        other.add([chunk], FakeEmbedder().embed_documents([chunk.text]))

    before = archive.store.version()
    written(Chunk("x1#0", "x1", "Quetzalcoatl ferry harbour", 0, source, "h"))
    assert archive.store.version() not in (before, None)
    index = files.open(archive.store)
    assert len(calls) == 1 and "x1#0" in index.rows and index.n == 31
    assert files.open(archive.store, index) is index and len(calls) == 1  # saved with the new version

    before = archive.store.version()
    other.delete_article("r3")
    assert archive.store.version() != before
    index = files.open(archive.store)
    assert len(calls) == 2 and "r3#0" not in index.rows and index.n == 30
    assert_same_as_fresh(index, archive.store)

    before = archive.store.version()  # the same chunk, the same id, another text: the count stays
    written(Chunk("x1#0", "x1", "Quetzalcoatl tram bridge", 0, source, "h2"))
    assert archive.store.version() != before
    files.open(archive.store)
    assert len(calls) == 3  # the ids are read again (a same-id rewrite is not caught by them)
    assert files.builds == 0


def test_a_store_without_a_version_is_checked_by_its_ids(archive_dir, tmp_path):
    import chromadb
    from chromadb.config import Settings

    from index.store import Store, persistent_client

    assert Store(chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False)), FakeEmbedder()).version() is None
    assert Store(persistent_client(tmp_path / "empty"), FakeEmbedder()).version() is None  # never written to
    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    archive.store.version = lambda: None
    calls, files = counting_ids(archive.store), KeywordFiles(archive_dir / "keyword")
    files.open(archive.store)
    assert len(calls) == 1
    archive.store.delete_article("r3")
    index = files.open(archive.store)
    assert len(calls) == 2 and "r3#0" not in index.rows and files.builds == 0
    assert json.loads((archive_dir / "keyword" / "state.json").read_text())["store"] is None
    assert files.open(archive.store, index) is index and len(calls) == 3


KILLED = """
import os, sys
from pathlib import Path
from rag import Archive
from tests.fakes import FakeEmbedder, FakeLLM
archive = Archive.open(Path(sys.argv[1]), embedder=FakeEmbedder(), llm=FakeLLM())
add = archive.store.add
def add_then_die(*args, **kwargs):
    add(*args, **kwargs)
    os._exit(3)
archive.store.add = add_then_die
archive.ingest([sys.argv[2]])
"""


def test_a_write_killed_half_way_leaves_a_dirty_index_that_is_rebuilt(archive_dir, tmp_path):
    # An article's rewrite killed once its chunks are stored: the index is rebuilt, the old version kept.
    rewritten = [{**r, "text": r["text"].replace("Name9", "Quetzalcoatl")} for r in records(1, start=9)]
    path = write_jsonl(tmp_path / "u.jsonl", rewritten)
    done = subprocess.run([sys.executable, "-c", KILLED, str(archive_dir), str(path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert json.loads((archive_dir / "keyword" / "state.json").read_text())["dirty"]
    again = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    index = again.retriever.keyword_index()
    assert again.retriever.keyword_files.builds == 1 and not index.search("Quetzalcoatl", 3)
    assert [c.article_id for c, _ in index.search("Name9", 3)] == ["r9"]
    assert not json.loads((archive_dir / "keyword" / "state.json").read_text())["dirty"]
    assert_same_as_fresh(index, again.store)


def test_leftovers_of_a_killed_save_are_ignored_and_a_broken_state_is_rebuilt(archive_dir):
    folder = archive_dir / "keyword"
    (folder / "tmp-0123").mkdir()
    (folder / "tmp-0123" / "part.json").write_text("{")
    archive = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    assert archive.retriever.keyword_index().n == 30 and archive.retriever.keyword_files.builds == 0

    (folder / "state.json").write_text('{"format": 1, "main": "main-gone"')
    again = Archive.open(archive_dir, embedder=FakeEmbedder(), llm=FakeLLM())
    index = again.retriever.keyword_index()
    assert again.retriever.keyword_files.builds == 1 and index.n == 30
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [json.loads((folder / "state.json").read_text())["main"]]


def test_with_a_delta_scores_are_a_fresh_builds_when_chunk_lengths_keep_their_average():
    """The live IDF is exact; only the length normalisation keeps the main index's average."""

    def chunk(i, text):
        return Chunk(f"c{i}", f"a{i}", text, 0, Source(outlet="Diario", language="es"))

    texts = [" ".join(WORDS[(i * k) % 14] for k in range(1, 7)) for i in range(40)]  # six words each
    main = [chunk(i, t) for i, t in enumerate(texts[:30])]
    added = [chunk(i, t) for i, t in enumerate(texts[30:], start=30)]
    vectors = FakeEmbedder().embed_documents(texts)
    base = KeywordIndex(main, vectors[:30])
    index = base.changed(added, vectors[30:], ["c4", "c11"], delta_share=1.0)
    fresh = KeywordIndex([c for c in main if c.id not in ("c4", "c11")] + added, np.delete(vectors, [4, 11], axis=0))
    assert index.delta_size == 12 and index.n == fresh.n == 38
    for q in ["harbour ferry", "budget strike council", "tram port storm mayor", "river"]:
        got = {c.id: s for c, s in index.search(q, 40)}
        want = {c.id: s for c, s in fresh.search(q, 40)}
        assert got.keys() == want.keys() and all(got[k] == pytest.approx(want[k], rel=1e-5) for k in want), q
    assert index.changed([], None, ["c35"], delta_share=1.0).n == 37
    assert base.search("harbour", 40) == KeywordIndex(main, vectors[:30]).search("harbour", 40)  # the base is left as it was


def test_an_index_saved_by_one_process_is_read_by_another(archive_dir):
    code = ("import sys; from pathlib import Path; from rag import Archive; from tests.fakes import FakeEmbedder, FakeLLM;"
            "a = Archive.open(Path(sys.argv[1]), embedder=FakeEmbedder(), llm=FakeLLM());"
            "print([c.id for c in a.keyword_search('Name12 tunnel', 2)], a.retriever.keyword_files.builds)")
    done = subprocess.run([sys.executable, "-c", code, str(archive_dir)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    assert done.returncode == 0, done.stderr
    hits, builds = done.stdout.strip().rsplit(" ", 1)
    assert builds == "0" and hits.startswith("['r12#0'")
