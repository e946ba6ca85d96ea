from index.chunk import Chunker, embedding_text
from index.load import load
from rag import Archive

from .conftest import ARTICLES, write_jsonl
from .fakes import FakeEmbedder, FakeLLM

LONG = " ".join(f"Sentence number {i} says something about the harbour." for i in range(120))


def test_chunks_are_bounded_overlapping_and_carry_metadata(tmp_path):
    [article] = load([write_jsonl(tmp_path / "a.jsonl", [{"id": "L", "title": "Long", "source": "S", "published_at": "2024-01-05", "text": LONG}])])
    chunks = Chunker(chunk_tokens=80, overlap_tokens=10).split(article)
    assert len(chunks) > 5
    assert [c.id for c in chunks] == [f"L#{i}" for i in range(len(chunks))]
    assert all(len(c.text.split()) <= 80 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks[:-1])  # sentence boundaries
    assert chunks[1].text.split()[0] in chunks[0].text  # overlap
    source = chunks[0].source
    assert (source.title, source.outlet, source.day) == ("Long", "S", "2024-01-05")
    assert isinstance(source.published_ts, int)
    assert embedding_text(chunks[0]).startswith("Long · S · 2024-01-05\n")


def test_reingest_adds_nothing_and_changes_replace_chunks(tmp_path, articles_file):
    embedder = FakeEmbedder()
    archive = Archive.open(tmp_path / "arch", embedder=embedder, llm=FakeLLM())
    first = archive.ingest([articles_file])
    assert (first.added, first.chunks_added > 0, first.ok) == (2, True, True)
    count = archive.store.count()

    calls = embedder.calls
    again = archive.ingest([articles_file])
    assert (again.added, again.unchanged, again.chunks_added) == (0, 2, 0)
    assert embedder.calls == calls and archive.store.count() == count

    changed = [dict(ARTICLES[0], text="Short new text."), ARTICLES[1]]
    update = archive.ingest([write_jsonl(tmp_path / "v2.jsonl", changed)])
    assert (update.updated, update.unchanged) == (1, 1)
    texts = archive.store.collection.get(where={"article_id": "a1"})["documents"]
    assert texts == ["Short new text."]  # no orphan chunks of the old version


def test_duplicates_within_one_run_are_counted(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [ARTICLES[0], ARTICLES[0]])
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    report = archive.ingest([path])
    assert (report.added, report.duplicates) == (1, 1)


def test_archive_remembers_its_embedder(tmp_path, articles_file):
    import pytest

    from rag import ArchiveError

    Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM()).ingest([articles_file])

    class Other(FakeEmbedder):
        name = "other"

    with pytest.raises(ArchiveError, match="built with embedder 'fake-bow'"):
        Archive.open(tmp_path / "arch", embedder=Other(), llm=FakeLLM())
    with pytest.raises(ArchiveError, match="no archive at"):
        Archive.open(tmp_path / "nothing", embedder=FakeEmbedder(), create=False)


def test_a_later_version_in_the_same_run_wins_and_reingest_is_stable(tmp_path):
    old = write_jsonl(tmp_path / "old.jsonl", [ARTICLES[0]])
    new = write_jsonl(tmp_path / "new.jsonl", [dict(ARTICLES[0], text="Updated: the harbour reopened on Saturday.")])
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    first = archive.ingest([old, new])
    assert (first.added, first.updated) == (1, 0)
    assert archive.store.collection.get(where={"article_id": "a1"})["documents"] == ["Updated: the harbour reopened on Saturday."]
    again = archive.ingest([old, new])
    assert (again.added, again.updated, again.unchanged, again.chunks_added) == (0, 0, 1, 0)


def test_an_article_with_more_chunks_than_one_chroma_batch_is_stored_in_several(tmp_path):
    from index.store import Store, persistent_client

    [article] = load([write_jsonl(tmp_path / "a.jsonl", [{"id": "L", "title": "Long", "source": "S", "text": LONG}])])
    chunks = Chunker(chunk_tokens=80, overlap_tokens=10).split(article)
    store = Store(persistent_client(tmp_path / "chroma"), FakeEmbedder())
    assert store.max_batch > 1000  # the client's own limit
    store.max_batch = 2
    store.add(chunks, FakeEmbedder().embed_documents([c.text for c in chunks]))
    assert store.collection.count() == len(chunks) > 2 * store.max_batch
