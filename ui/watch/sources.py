"""The URLs to watch: given one by one, or in a file (one URL a line; ``#`` at the start of a
line, or after a space, starts a comment).

Each must be an http(s) address; any other line is a `Problem` naming the file and line (or
the address) and the others are watched. A URL listed twice is watched once. Not handled:
per-source settings (an interval or a name per feed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import InputError
from index.types import Problem

from .fetch import check_url


@dataclass(frozen=True)
class Sources:
    urls: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=())


def read_sources(given: Iterable[str] = (), file: Path | None = None) -> Sources:
    """The URLs ``given`` and those in ``file``; `InputError` when the file cannot be read or no URL is usable."""
    lines: list[tuple[str, int | None, str]] = [(url, None, url) for url in given]
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{file}: the list of feeds cannot be read ({getattr(e, 'strerror', None) or e}); "
                             "give a UTF-8 text file with one URL a line") from None
        for number, line in enumerate(text.splitlines(), start=1):
            url = "" if line.lstrip().startswith("#") else re.split(r"\s#", line, maxsplit=1)[0].strip()
            if url:
                lines.append((str(file), number, url))
    urls, problems = [], []
    for where, number, url in lines:
        if reason := check_url(url):
            problems.append(Problem(where, number, f"{reason}; {url!r} is not watched"))
        elif url not in urls:
            urls.append(url)
    if not urls:
        raise InputError("no http(s) URL to watch" + (f" ({problems[0]})" if problems else "; give feed or page URLs, or --feeds FILE"))
    return Sources(tuple(urls), tuple(problems))
