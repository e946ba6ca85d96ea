import json
from pathlib import Path

import pytest

from rag import Archive

from .fakes import FakeEmbedder, FakeLLM

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

ARTICLES = [
    {"id": "a1", "title": "Port reopens after storm", "source": "Coast Times", "published_at": "2024-03-01",
     "url": "https://coast.example/a1", "language": "en",
     "text": "The harbour of Velport reopened on Friday after the storm. Ferries to the islands resumed at noon.\n\n"
             "The harbour master said repairs cost 2 million euros."},
    {"id": "a2", "title": "Nuevo puente en Soria", "source": "Diario Norte", "published_at": "2024-03-05T10:00:00+01:00",
     "language": "es", "text": "El ayuntamiento de Soria inauguró el nuevo puente sobre el río Duero. La obra costó 9 millones."},
]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def articles_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "news.jsonl", ARTICLES)


@pytest.fixture
def fake_archive(tmp_path, articles_file):
    """A real Chroma archive in tmp_path with the fake embedder and a fake LLM."""
    archive = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([articles_file])
    return archive
