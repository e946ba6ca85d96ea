"""Runs ``newsrag mcp`` over an archive opened with the fake embedder and LLM, for the tests.

    python -m tests.mcp_launcher ARCHIVE [--reply TEXT] -- [newsrag mcp flags ...]

The archive folder must exist (ingested with the fake embedder). The flags after ``--`` are
`newsrag mcp`'s own, handled by the real command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rag import Archive
from ui.cli import main as newsrag

from .fakes import FakeEmbedder, FakeLLM


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser()
    parser.add_argument("archive", type=Path)
    parser.add_argument("--reply", default="Answer [1].")
    args = parser.parse_args(argv[:split])
    archive = Archive.open(args.archive, embedder=FakeEmbedder(), llm=FakeLLM(args.reply), create=False)
    return newsrag(["mcp", *argv[split + 1:]], archive=archive)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
