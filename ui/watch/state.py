"""What ``newsrag watch`` knows between polls, in ``<archive>/watch/state.json``.

Per source: the validators and hash of its last answer read; per entry of a feed or sitemap:
the entry's fingerprint (what the feed says of it), its page's validators and content hash.
The file is replaced atomically (written beside it, then renamed), so a poll killed midway
leaves the state of the poll before. Not handled: two watchers of one archive at once (the
last to finish writes its state; the archive itself stays consistent, its lock sees to that).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.errors import ArchiveError

from .fetch import Validators

STATE_DIR = "watch"  # in the archive folder: the state and the articles each poll fetched
STATE_FILE = "state.json"
FORMAT = 1


@dataclass
class EntryState:
    """One feed or sitemap entry as last read: ``fingerprint`` of the entry, and its page's copy."""

    fingerprint: str = ""
    link: str = ""
    page: Validators = Validators()
    page_hash: str = ""


@dataclass
class SourceState:
    """One watched URL as last read; ``entries`` by the entry's id (or link)."""

    validators: Validators = Validators()
    body_hash: str = ""
    entries: dict[str, EntryState] = field(default_factory=dict)


@dataclass
class WatchState:
    sources: dict[str, SourceState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> WatchState:
        """The state in ``path``; empty when there is none yet, `ArchiveError` when it cannot be read."""
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls({url: _source(s) for url, s in data["sources"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise ArchiveError(f"{path}: the watch state cannot be read ({type(e).__name__}); "
                               "delete it and every source is fetched again as new") from None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "sources": {u: asdict(s) for u, s in self.sources.items()}}, indent=1)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def state_path(archive_dir: Path) -> Path:
    return archive_dir / STATE_DIR / STATE_FILE


def _source(data: dict) -> SourceState:
    entries = {key: EntryState(e["fingerprint"], e["link"], Validators(**e["page"]), e["page_hash"])
               for key, e in data["entries"].items()}
    return SourceState(Validators(**data["validators"]), data["body_hash"], entries)
