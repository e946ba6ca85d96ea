"""JSONL archives (FORMATS.md): one JSON object per line, read line by line, so of any size.

A line that is not UTF-8, holds binary data, is not JSON or is not an object with a ``text``
field is reported as a `Problem` on its own; the other lines are still read. Not handled: JSON
arrays or objects spanning several lines (``.json`` files), other encodings than UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..types import Article, Problem
from .records import from_record

SUFFIXES = frozenset({".jsonl"})


def read(path: Path, stream: BinaryIO) -> Iterator[Article | Problem]:
    """Each non-blank line of an open JSONL file as an `Article` or a `Problem` (with its line number)."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as e:
            yield Problem(str(path), number, f"not valid UTF-8 at byte {e.start} of the line; re-save the file as UTF-8")
            continue
        if b"\x00" in raw:
            yield Problem(str(path), number, "binary data, not a JSON line; remove it from the sources")
            continue
        yield _line(path, number, line)


def _line(path: Path, number: int, line: str) -> Article | Problem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        return Problem(str(path), number, f"invalid JSON ({e.msg} at column {e.colno}); fix or delete the line")
    if not isinstance(record, dict):
        return Problem(str(path), number, "expected a JSON object with at least a 'text' field")
    return from_record(record, str(path), number)
