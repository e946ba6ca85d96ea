"""Replies recorded and replayed, so that a change after generation (checking, citing) is measured
in seconds on the replies an earlier run already paid for.

`Recorder` wraps the answering model: every reply it gives is appended to a run's
``replies.jsonl``, keyed by a hash of the request (messages, token limit, options); replies of an
earlier run, when given, answer the same requests without the model, which is loaded only when a
request is new. Replayed replies are recorded too, so every run's file is complete. A replayed
reply has no token counts and takes no time, so a replayed run's
latencies are not the model's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Iterator, Sequence

from rag.llm import LLM
from rag.types import Message

REPLIES = "replies.jsonl"


def request_key(kind: str, messages: Sequence[Message], max_tokens: int, options: Sequence[str] = ()) -> str:
    body = json.dumps([kind, list(messages), max_tokens, list(options)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def read_replies(path: Path) -> dict[str, str]:
    """The replies recorded in ``path`` (a run folder or its replies file); a torn last line is ignored."""
    path = path / REPLIES if path.is_dir() else path
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break
        out[record["key"]] = record["reply"]
    return out


class Recorder(LLM):
    """An LLM that records the replies of ``load()``'s model to ``path`` and replays ``earlier`` ones."""

    def __init__(self, load: Callable[[], LLM], path: Path, earlier: dict[str, str] | None = None, name: str | None = None):
        self._load = load
        self._model: LLM | None = None
        self.path = path
        self.earlier = dict(earlier or {})
        self.recorded = read_replies(path)
        self._name = name
        self.replayed = 0

    @property
    def model(self) -> LLM:
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def name(self) -> str:  # type: ignore[override]
        if self._model is None and self._name:
            return self._name  # the replayed run's model, not loaded unless a request is new
        return self.model.name

    def _known(self, key: str) -> str | None:
        reply = self.recorded.get(key)
        if reply is None and key in self.earlier:
            reply = self.earlier[key]
            self._keep(key, reply)  # a run's replies file holds all its replies, replayed ones too
        if reply is not None:
            self.replayed += 1
            self._usage = {}
        return reply

    def _keep(self, key: str, reply: str) -> None:
        self.recorded[key] = reply
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "reply": reply}, ensure_ascii=False) + "\n")

    def stream(self, messages: Sequence[Message], max_tokens: int = 512) -> Iterator[str]:
        key = request_key("stream", messages, max_tokens)
        known = self._known(key)
        if known is not None:
            if known:
                yield known
            return
        text = ""
        try:
            for piece in self.model.stream(messages, max_tokens=max_tokens):
                text += piece
                yield piece
        finally:  # a reader that stops early (a NO_ANSWER) would stop at the same place again
            self._usage = self.model.usage
            self._keep(key, text)

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        key = request_key("choose", messages, 0, options)
        known = self._known(key)
        if known is None:
            known = self.model.choose(messages, options)
            self._usage = self.model.usage
            self._keep(key, known)
        return known


def record(archive, out: Path, replay: Path | None = None) -> Recorder:
    """Make ``archive`` answer through a `Recorder` writing to ``out``, replaying the run in ``replay``."""
    out.mkdir(parents=True, exist_ok=True)
    earlier = read_replies(replay) if replay else {}
    name = None
    if replay and (replay / "report.json").is_file():
        name = json.loads((replay / "report.json").read_text(encoding="utf-8"))["config"].get("model")
    holder: list[Recorder] = []

    def wrap(load: Callable[[], LLM]) -> LLM:
        holder.append(Recorder(load, out / REPLIES, earlier, name))
        return holder[0]

    archive.wrap_llm(wrap)
    return holder[0]
