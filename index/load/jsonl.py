"""JSONL archives (FORMATS.md): one JSON object per line, read line by line, so of any size.

A line that is longer than `MAX_RECORD_BYTES` (only that much of it is held in memory), is not UTF-8,
holds binary data, is not JSON, nests deeper than `MAX_JSON_DEPTH` or is not an object with a ``text``
field is reported as a `Problem` on its own, as is any unexpected error in a line (its type and message
in the problem); the other lines are still read. Not handled: JSON arrays or
objects spanning several lines (``.json`` files), other encodings than UTF-8, compressed files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..types import Article, Problem
from .records import DateRange, from_record, noted, unexpected

SUFFIXES = frozenset({".jsonl"})
MAX_RECORD_BYTES = 8 * 2**20  # one line: an article at the text limit, with room for JSON escapes
MAX_JSON_DEPTH = 64  # objects and lists inside each other; article metadata is shallow
READ_BYTES = 2**20  # the rest of a line over the limit is skipped this much at a time


def read(path: Path, stream: BinaryIO, dates: DateRange) -> Iterator[Article | Problem]:
    """Each non-blank line of an open JSONL file as an `Article` or a `Problem` (with its line number)."""
    number = 0
    while raw := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            size = len(raw) + _skip_line(stream)
            yield Problem(str(path), number, f"line of {size / 2**20:.0f} MB is over the limit of {MAX_RECORD_BYTES // 2**20} MB "
                                             "for one record; split the article or remove the line")
            continue
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
        try:
            item = _line(path, number, line, dates)
        except Exception as e:  # noqa: BLE001 (one record, whatever it holds, must not stop the file)
            item = Problem(str(path), number, f"record cannot be read ({unexpected(e)}); fix or delete the line")
        yield from noted(item, str(path), number)


def _skip_line(stream: BinaryIO) -> int:
    """Read past the rest of the current line; returns how many bytes were skipped."""
    skipped = 0
    while piece := stream.readline(READ_BYTES):
        skipped += len(piece)
        if piece.endswith(b"\n"):
            break
    return skipped


def _line(path: Path, number: int, line: str, dates: DateRange) -> Article | Problem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        return Problem(str(path), number, f"invalid JSON ({e.msg} at column {e.colno}); fix or delete the line")
    except RecursionError:
        return _too_deep(path, number)
    if not isinstance(record, dict):
        kind = {list: "a list", str: "a string"}.get(type(record), "a single value")
        return Problem(str(path), number, f"expected a JSON object with at least a 'text' field, not {kind}; fix or delete the line")
    if _depth(record) > MAX_JSON_DEPTH:
        return _too_deep(path, number)
    return from_record(record, str(path), number, dates)


def _too_deep(path: Path, number: int) -> Problem:
    return Problem(str(path), number, f"JSON nested more than {MAX_JSON_DEPTH} levels deep; flatten the record's fields")


def _depth(value: object) -> int:
    """How many objects and lists are nested in ``value`` at most (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
