"""Writes to an archive from a process of its own, with the fake embedder, for the tests.

    python -m tests.writer ARCHIVE [--wait S] [--slow S] [--pause-at N] ingest=FILE remove=KEY ...

Runs the operations in order through one `Archive` and prints each one's report as a JSON line,
or a failure as one line on stderr (exit status 1). ``--slow`` makes each embedding call take S
seconds longer. ``--pause-at N`` prints ``paused N`` and sleeps (to be killed) just before the
N-th step of a write to Chroma (0-based), each call to ``upsert`` and ``delete`` being two
steps: its start and its end. Every step is printed as it is reached.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from index.errors import NewsragError
from rag import Archive

from .fakes import FakeEmbedder, FakeLLM


class SlowEmbedder(FakeEmbedder):
    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    def embed_documents(self, texts):
        time.sleep(self.delay)
        return super().embed_documents(texts)


class Steps:
    """A Chroma collection whose writes are numbered steps, the one ``pause_at`` names sleeping first."""

    def __init__(self, collection, pause_at: int | None):
        self._collection, self._pause_at, self._step = collection, pause_at, 0

    def __getattr__(self, name):
        return getattr(self._collection, name)

    def _reach(self, what: str) -> None:
        if self._step == self._pause_at:
            print(f"paused {self._step} {what}", flush=True)
            time.sleep(600)
        print(f"step {self._step} {what}", flush=True)
        self._step += 1

    def _write(self, name: str, *args, **kwargs):
        self._reach(f"start {name}")
        result = getattr(self._collection, name)(*args, **kwargs)
        self._reach(f"end {name}")
        return result

    def upsert(self, *args, **kwargs):
        return self._write("upsert", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._write("delete", *args, **kwargs)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("archive", type=Path)
    parser.add_argument("ops", nargs="+")
    parser.add_argument("--wait", type=float, default=300.0)
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--pause-at", type=int)
    args = parser.parse_args(argv)
    embedder = SlowEmbedder(args.slow) if args.slow else FakeEmbedder()
    try:
        archive = Archive.open(args.archive, embedder=embedder, llm=FakeLLM(), write_wait_s=args.wait)
        archive.store.collection = Steps(archive.store.collection, args.pause_at)
        for op in args.ops:
            kind, _, value = op.partition("=")
            report = archive.ingest([value]) if kind == "ingest" else archive.remove([value])
            print(json.dumps({"op": op, **report.to_dict()}), flush=True)
    except NewsragError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
