"""Read a question set (JSONL per FORMATS.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import InputError


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    evidence_ids: list[str] = field(default_factory=list)
    evidence_text: list[str] = field(default_factory=list)
    type: str = ""
    language: str = ""
    as_of: str = ""
    follow_up_of: str = ""  # id of the question this one continues in a chat
    meta: dict = field(default_factory=dict)  # any other fields of the record


def read_questions(path: str | Path) -> list[Question]:
    """All questions in a file; the first bad line raises `InputError` naming it."""
    out, seen = [], set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{number}: invalid JSON ({e.msg}); fix the line") from e
        for name in ("id", "question", "answers"):
            if name not in record:
                raise InputError(f"{path}:{number}: field {name!r} is missing; every question needs id, question and answers")
        if record["id"] in seen:
            raise InputError(f"{path}:{number}: duplicate id {record['id']!r}; ids must be unique within a set")
        seen.add(record["id"])
        fields = set(Question.__dataclass_fields__) - {"meta"}
        known = {k: v for k, v in record.items() if k in fields}
        out.append(Question(**known, meta={k: v for k, v in record.items() if k not in fields}))
    return out
