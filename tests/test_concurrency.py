"""Writers in real processes on one real Chroma archive: one at a time, and kill -9 at any step of an
update or a removal leaves the old state or the new one (the processes run `tests.writer`)."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

from pathlib import Path

import pytest

from index.errors import ArchiveError
from rag import Archive

from .conftest import ROOT, write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_ingest import consistent

VOCABULARY = [f"word{n}" for n in range(3000)]


def records(prefix: str, n: int, seed: int, sentences: int = 12) -> list[dict]:
    """``n`` articles of random words (no two alike), each with a word of its own: ``<id>only``."""
    rng = random.Random(seed)
    return [
        {"id": f"{prefix}{i}", "title": f"Story {prefix}{i}", "source": f"Outlet {i % 3}", "published_at": "2024-05-01",
         "url": f"https://news.example/{prefix}{i}",
         "text": f"{prefix}{i}only. " + " ".join(" ".join(rng.choices(VOCABULARY, k=12)).capitalize() + "." for _ in range(sentences))}
        for i in range(n)
    ]


def writer(archive, *ops: str, pause_at: int | None = None, wait: float | None = None, slow: float | None = None):
    options = [*(["--pause-at", str(pause_at)] if pause_at is not None else []), *(["--wait", str(wait)] if wait else []),
               *(["--slow", str(slow)] if slow else [])]
    return subprocess.Popen([sys.executable, "-m", "tests.writer", str(archive), *ops, *options], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})


def reach(proc, prefix: str) -> str:
    """The first line of ``proc``'s output starting with ``prefix`` (failing when it ends first)."""
    for line in proc.stdout:
        if line.startswith(prefix):
            return line
    proc.wait(timeout=30)
    raise AssertionError(f"the writer ended without {prefix!r}: {proc.stderr.read()}")


def kill(proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def open_archive(path, wait: float = 300.0) -> Archive:
    return Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM(), write_wait_s=wait)


def prepared(tmp_path, *files) -> Path:
    """An archive of ``files``, in a folder this process has not opened: Chroma's state in a process
    does not follow another process's writes to the same folder."""
    open_archive(tmp_path / "setup").ingest(files)
    return Path(shutil.copytree(tmp_path / "setup", tmp_path / "arch"))


def whole(archive: Archive) -> dict[str, int]:
    """`consistent`, and every copy's original an indexed article."""
    chunks = consistent(archive)
    assert archive.manifest.writing() == []
    for entry in archive.manifest.entries("copy"):
        assert entry.canonical in chunks, entry
    return chunks


def test_two_ingests_started_together_leave_no_orphans_and_both_files_articles(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", records("a", 30, seed=1))
    second = write_jsonl(tmp_path / "b.jsonl", records("b", 30, seed=2))
    a = writer(tmp_path / "arch", f"ingest={first}", slow=0.2)
    reach(a, "step 0")  # a is writing its first chunks
    b = writer(tmp_path / "arch", f"ingest={second}")
    for proc in (a, b):
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    archive = open_archive(tmp_path / "arch")
    assert set(whole(archive)) == {f"a{i}" for i in range(30)} | {f"b{i}" for i in range(30)}
    assert archive.store.count() == sum(e.chunks for e in archive.manifest.entries("indexed"))


def test_a_writer_waits_for_another_process_then_fails_in_one_line_while_questions_go_on(tmp_path):
    archive = open_archive(tmp_path / "arch", wait=0.5)
    archive.ingest([write_jsonl(tmp_path / "a.jsonl", records("a", 3, seed=1))])
    more = write_jsonl(tmp_path / "b.jsonl", records("b", 3, seed=2))
    holder = writer(tmp_path / "arch", f"ingest={more}", pause_at=0)  # its rows named, its chunks about to be stored
    reach(holder, "paused")
    try:
        reader = open_archive(tmp_path / "arch", wait=0.5)
        started = time.monotonic()
        assert reader.retrieve("a1only", 1)[0].chunk.article_id == "a1" and reader.ask("a2only?").citations
        assert time.monotonic() - started < 5  # questions do not wait for the writer
        with pytest.raises(ArchiveError) as failed:
            reader.ingest([more])
        assert "another process is writing to the archive" in str(failed.value) and "\n" not in str(failed.value)
        other = writer(tmp_path / "arch", "remove=a0", wait=0.5)
        assert other.wait(timeout=60) == 1
        assert other.stderr.read().strip().splitlines() == [f"error: {failed.value}"]
    finally:
        kill(holder)
    archive = open_archive(tmp_path / "arch", wait=0.5)  # the lock went with the killed writer; its leftovers are repaired
    assert set(whole(archive)) == {"a0", "a1", "a2"}
    assert archive.ingest([more]).added == 3 and len(whole(archive)) == 6


def test_processes_opening_a_new_archive_at_once_all_open_it(tmp_path):
    for round in range(8):  # Chroma's first tables, made by several processes at once, failed in about one round of four
        procs = [writer(tmp_path / f"arch{round}", "remove=nothing") for _ in range(4)]
        for proc in procs:
            assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert open_archive(tmp_path / "arch0").store.count() == 0


def test_twenty_ingests_and_removals_in_four_processes_end_with_manifest_and_chroma_agreeing(tmp_path):
    shared = {"id": "shared", "title": "Shared", "source": "Wire", "text": ""}
    procs, expected, versions = [], set(), {}
    for p in range(4):
        batches = [records(f"p{p}k{k}n", 3, seed=10 * p + k) for k in range(3)]
        mine = {**shared, "text": records(f"shared{p}v", 1, seed=100 + p)[0]["text"]}
        versions[p] = mine["text"]
        files = [write_jsonl(tmp_path / f"p{p}-{k}.jsonl", batch + ([mine] if k == 1 else [])) for k, batch in enumerate(batches)]
        ops = [f"ingest={files[0]}", f"ingest={files[1]}", f"remove=p{p}k0n0", f"remove=https://news.example/p{p}k1n2",
               f"ingest={files[2]}"]
        expected |= {r["id"] for batch in batches for r in batch} - {f"p{p}k0n0", f"p{p}k1n2"}
        procs.append(writer(tmp_path / "arch", *ops))
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
        assert len([line for line in proc.stdout.read().splitlines() if line.startswith("{")]) == 5
    archive = open_archive(tmp_path / "arch")
    assert set(whole(archive)) == expected | {"shared"}
    assert archive.store.article_text("shared") in versions.values()


def update_files(tmp_path):
    old = records("u", 1, seed=5, sentences=6)[0]
    new = {**old, "text": records("u", 1, seed=6, sentences=30)[0]["text"], "title": "Story u0, updated"}
    return write_jsonl(tmp_path / "old.jsonl", [old, *records("keep", 2, seed=7)]), write_jsonl(tmp_path / "new.jsonl", [new]), old, new


@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_an_update_killed_at_any_step_leaves_the_old_version_or_the_new_one_answerable_and_removable(tmp_path, step):
    first, update, old, new = update_files(tmp_path)
    proc = writer(prepared(tmp_path, first), f"ingest={update}", pause_at=step)
    reach(proc, "paused")  # 0, 1: before and after the new chunks are stored; 2, 3: before and after the old ones go
    kill(proc)
    archive = open_archive(tmp_path / "arch")
    chunks = whole(archive)
    assert set(chunks) == {"u0", "keep0", "keep1"}
    kept = new if step >= 2 else old
    assert archive.manifest.get("u0").title == kept["title"]
    text = archive.store.article_text("u0")
    assert text.split()[:20] == kept["text"].split()[:20] and text.split()[-20:] == kept["text"].split()[-20:]
    word = kept["text"].split()[-2]
    assert archive.retrieve(word, 1)[0].chunk.article_id == "u0"
    again = archive.ingest([update])
    assert (again.updated, again.unchanged) == ((0, 1) if step >= 2 else (1, 0))
    assert archive.remove(["u0"]).removed == 1 and set(whole(archive)) == {"keep0", "keep1"}


def copies_file(tmp_path):
    original = records("o", 1, seed=8)[0]
    copies = [{**original, "id": f"o0-copy{n}", "source": f"Copy outlet {n}", "url": f"https://copy{n}.example/o0"} for n in (1, 2)]
    return write_jsonl(tmp_path / "copies.jsonl", [original, *copies, *records("keep", 2, seed=7)])


@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_removing_an_original_with_copies_killed_at_any_step_is_all_or_nothing(tmp_path, step):
    source = copies_file(tmp_path)
    proc = writer(prepared(tmp_path, source), "remove=o0", pause_at=step)
    reach(proc, "paused")  # 0, 1: before and after the first copy's chunks are stored; 2, 3: before and after the original's go
    kill(proc)
    archive = open_archive(tmp_path / "arch")
    chunks = whole(archive)
    assert {e.id: e.canonical for e in archive.manifest.entries("copy")} == (
        {"o0-copy2": "o0-copy1"} if step >= 2 else {"o0-copy1": "o0", "o0-copy2": "o0"})
    states = {e.id: (e.state, e.canonical) for e in archive.manifest.entries() if e.id.startswith("o0")}
    if step >= 2:
        assert set(chunks) == {"o0-copy1", "keep0", "keep1"}
        assert states == {"o0-copy1": ("indexed", None), "o0-copy2": ("copy", "o0-copy1")}
    else:
        assert set(chunks) == {"o0", "keep0", "keep1"}
        assert states == {"o0": ("indexed", None), "o0-copy1": ("copy", "o0"), "o0-copy2": ("copy", "o0")}
    story = archive.retrieve("o0only", 1)[0].chunk.article_id
    assert story in ("o0", "o0-copy1")
    assert archive.remove([story]).removed == 1
    assert set(whole(archive)) == {"o0-copy1" if story == "o0" else "o0-copy2", "keep0", "keep1"}
    assert archive.ingest([source]).ok and len(whole(archive)) == 3


def test_a_killed_writers_leftovers_are_repaired_on_opening_before_any_question(tmp_path):
    first, update, old, new = update_files(tmp_path)
    proc = writer(prepared(tmp_path, first), f"ingest={update}", pause_at=2)  # the row switched, the old chunks not yet deleted
    reach(proc, "paused")
    kill(proc)
    reader = open_archive(tmp_path / "arch")
    assert reader.manifest.writing() == []
    metas = reader.store.collection.get(where={"article_id": "u0"}, include=["metadatas"])["metadatas"]
    assert {m["content_hash"] for m in metas} == {reader.manifest.get("u0").content_hash}
    assert whole(reader)["u0"] == reader.manifest.get("u0").chunks == len(metas)
    assert json.loads((tmp_path / "arch" / "keyword" / "state.json").read_text())["dirty"] is False


def test_the_lock_keeps_out_a_second_writer_in_the_same_process_too(tmp_path):
    archive = open_archive(tmp_path / "arch")
    source = write_jsonl(tmp_path / "a.jsonl", records("a", 2, seed=1))
    other = open_archive(tmp_path / "arch", wait=0.2)
    with archive.write_lock.held():
        for write in (lambda: other.ingest([source]), lambda: other.remove(["a0"]), other.repair):
            with pytest.raises(ArchiveError, match="another process is writing to the archive"):
                write()
    assert other.ingest([source]).added == 2 and set(whole(archive)) == {"a0", "a1"}


@pytest.mark.parametrize("step", [0, 1])
def test_an_article_updated_into_a_copy_killed_while_its_chunks_go_is_a_copy_with_no_chunks(tmp_path, step):
    original, other = records("c", 2, seed=9)
    first = write_jsonl(tmp_path / "first.jsonl", [original, other])
    update = write_jsonl(tmp_path / "update.jsonl", [{**other, "text": original["text"]}])
    proc = writer(prepared(tmp_path, first), f"ingest={update}", pause_at=step)
    reach(proc, "paused")  # its row already says copy: 0, 1 before and after its chunks are deleted
    kill(proc)
    archive = open_archive(tmp_path / "arch")
    assert whole(archive) == {"c0": archive.manifest.get("c0").chunks}
    assert (archive.manifest.get("c1").state, archive.manifest.get("c1").canonical) == ("copy", "c0")
    assert archive.ingest([update]).unchanged == 1


def test_an_open_archive_answers_from_what_another_process_updated_removed_and_added(tmp_path):
    """A server keeps its archive open while `newsrag ingest` or `remove` runs elsewhere."""
    first, second = write_jsonl(tmp_path / "a.jsonl", records("a", 4, seed=1)), write_jsonl(tmp_path / "b.jsonl", records("b", 2, seed=2))
    changed = write_jsonl(tmp_path / "a2.jsonl", [{**r, "text": r["text"].replace("only.", "only revised.")} for r in records("a", 2, seed=1)])
    reader = open_archive(tmp_path / "arch")
    reader.ingest([first])
    assert reader.search("a0only")[0]
    for op in (f"ingest={changed}", "remove=a3", f"ingest={second}"):
        proc = writer(tmp_path / "arch", op)
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    found = {h.chunk.article_id: h.chunk.text for q in ("a0only revised", "a3only", "b1only") for h in reader.search(q)[0]}
    assert "a3" not in found and "b1" in found and "revised" in found["a0"]
    assert not reader.ask("What does a0only say?").abstained
