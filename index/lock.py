"""One writer per archive: a lock file in the archive's folder, shared by every process.

Ingests, removals and repairs hold it for as long as they write; questions never take it. It is
``filelock``'s (``flock`` on Unix), so the operating system releases it when its holder dies,
even by ``kill -9``. Not handled: folders on network file systems without working locks.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from .errors import ArchiveError

LOCK_FILE = "write.lock"
WRITE_WAIT_S = 300.0  # how long a second writer waits for the first before giving up


@dataclass(frozen=True)
class WriteLock:
    """The write lock of the archive in ``folder``; ``wait_s`` how long `held` waits for it."""

    folder: Path
    wait_s: float = WRITE_WAIT_S

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock while the block runs; `ArchiveError` when another writer keeps it past ``wait_s``."""
        lock = FileLock(self.folder / LOCK_FILE, timeout=self.wait_s)
        try:
            lock.acquire()
        except Timeout:
            raise ArchiveError(
                f"another process is writing to the archive {self.folder} (waited {self.wait_s:g} s); "
                f"run this again when it has finished"
            ) from None
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def attempt(self) -> Iterator[bool]:
        """Hold the lock while the block runs (True) when it is free now; else run the block without it (False)."""
        lock = FileLock(self.folder / LOCK_FILE, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
