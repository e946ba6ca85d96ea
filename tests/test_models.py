import hashlib

import pytest

from rag import ModelError, models
from rag.models import ModelSpec

PIECES = [bytes([i]) * (100 + i) for i in range(11)]  # 11 parts: part10 must come after part2


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    digest = hashlib.sha256(b"".join(PIECES)).hexdigest()
    spec = ModelSpec("tiny", "tiny.gguf", "fake-model-part", "1.0", len(PIECES), digest)
    monkeypatch.setitem(models.MODELS, "tiny", spec)
    parts = tmp_path / "parts"
    for i, piece in enumerate(PIECES, start=1):
        (parts / f"fake_model_part{i}" / "data").mkdir(parents=True)
        (parts / f"fake_model_part{i}" / "data" / f"part{i:02d}.bin").write_bytes(piece)
    return spec, parts


def test_install_joins_parts_in_integer_order_and_verifies(tiny, tmp_path):
    spec, parts = tiny
    path = models.install("tiny", tmp_path / "models", [parts])
    assert path.read_bytes() == b"".join(PIECES)
    assert models.resolve("tiny", tmp_path / "models") == path
    assert models.install("tiny", tmp_path / "models", []) == path  # second time: nothing to join


def test_missing_parts_name_the_pip_command(tiny, tmp_path):
    with pytest.raises(ModelError, match=r"pip install fake-model-part\{1..11\}==1.0"):
        models.install("tiny", tmp_path / "models", [tmp_path / "nowhere"])


def test_missing_model_names_the_install_command(tiny, tmp_path):
    with pytest.raises(ModelError, match="run: newsrag models install tiny"):
        models.resolve("tiny", tmp_path / "models")


def test_corrupt_model_is_a_checksum_error(tiny, tmp_path):
    spec, parts = tiny
    path = models.install("tiny", tmp_path / "models", [parts])
    path.write_bytes(b"tampered" + path.read_bytes()[8:])
    with pytest.raises(ModelError, match="checksum mismatch .* delete it and run: newsrag models install tiny"):
        models.resolve("tiny", tmp_path / "models")


def test_bad_parts_leave_no_file(tiny, tmp_path):
    spec, parts = tiny
    (parts / "fake_model_part3" / "data" / "part03.bin").write_bytes(b"wrong")
    with pytest.raises(ModelError, match="wrong checksum"):
        models.install("tiny", tmp_path / "models", [parts])
    assert list((tmp_path / "models").iterdir()) == []


def test_gguf_paths(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        models.resolve(str(tmp_path / "x.gguf"), tmp_path)
    with pytest.raises(ModelError, match="unknown model"):
        models.resolve("huge", tmp_path)
    (tmp_path / "mine.gguf").write_bytes(b"GGUF")
    assert models.resolve(str(tmp_path / "mine.gguf"), tmp_path) == tmp_path / "mine.gguf"
