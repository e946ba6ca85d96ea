from datetime import datetime, timezone

from index.keyword import KeywordIndex, tokenize
from index.types import Chunk, Filters, Source
from rag.retrieve import fuse

from .fakes import FakeEmbedder, FakeLLM


def chunk(cid, article, text, published_ts=None, outlet="", language=""):
    published = datetime.fromtimestamp(published_ts, timezone.utc) if published_ts is not None else None
    return Chunk(cid, article, text, 0, Source(outlet=outlet, published_at=published, language=language))


def test_keyword_index_folds_accents_drops_stopwords_and_filters():
    chunks = [
        chunk("1", "a", "La comisaria Irene Campos presentó el informe.", published_ts=100, outlet="Diario", language="es"),
        chunk("2", "b", "The commuters complained about delays.", published_ts=200, outlet="Times", language="en"),
        chunk("3", "c", "Campos de fútbol nuevos en Valdemora.", published_ts=300, outlet="Diario", language="es"),
    ]
    index = KeywordIndex(chunks)
    assert tokenize("¿Qué dijo la Comisaría?", index._stop) == ["dijo", "comisaria"]
    assert [c.id for c, _ in index.search("Irene Campos report", 3)] == ["1", "3"]
    assert [c.id for c, _ in index.search("Campos", 3, index.mask(Filters(since=datetime.fromtimestamp(200, timezone.utc))))] == ["3"]
    assert [c.id for c, _ in index.search("Campos", 3, index.mask(Filters(sources=("Times",))))] == []
    assert index.search("the and of", 3) == []


def test_fusion_rewards_agreement_and_caps_chunks_per_article():
    a1, a2, a3, b1 = (chunk(i, i[0], i) for i in ("a1", "a2", "a3", "b1"))
    dense = [(a1, 0.9), (a2, 0.8), (a3, 0.7), (b1, 0.6)]
    keyword = [(b1, 9.0), (a3, 5.0)]
    hits = fuse([dense, keyword], k=3, per_article=2)
    assert [h.chunk.id for h in hits] == ["b1", "a3", "a1"]  # in both rankings first; a2 dropped by the cap
    assert [h.rank for h in hits] == [1, 2, 3]


class NameBlind(FakeEmbedder):
    """A dense model that does not know rare names: capitalised words are dropped before embedding."""

    name = "fake-name-blind"

    def embed_documents(self, texts):
        return super().embed_documents([" ".join(w for w in t.split() if not w[:1].isupper()) for t in texts])


def test_keyword_ranking_brings_back_a_name_the_dense_ranking_cannot_see(tmp_path):
    """A rare name is what keywords are for, as long as the question's other words are the archive's own."""
    from rag import Archive

    from .conftest import write_jsonl

    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda omicron".split()
    records = [{"id": f"n{i}", "text": f"harbour {words[i]} {words[i - 1]} notes." if i < 3 else f"{words[i]} {words[i - 3]} minutes."}
               for i in range(12)]
    records.append({"id": "target", "text": "Zubizarreta explicó el plan del puerto."})
    archive = Archive.open(tmp_path / "arch", embedder=NameBlind(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "n.jsonl", records)])
    question = "Harbour notes by Zubizarreta?"
    archive.retriever.keyword_weight = 0
    assert "target" not in [h.chunk.article_id for h in archive.retrieve(question, 3)]
    archive.retriever.keyword_weight = 0.5
    assert "target" in [h.chunk.article_id for h in archive.retrieve(question, 4)]


def test_keywords_count_as_much_as_the_question_words_they_hold(tmp_path):
    """Across languages a question's words are mostly absent from the archive: its keyword matches count little."""
    from index.keyword import KeywordIndex

    spanish = [chunk("1", "a", "El ayuntamiento de Soria inauguró el puente sobre el Duero."),
               chunk("2", "b", "La obra del puente costó nueve millones.")]
    index = KeywordIndex(spanish)
    assert index.coverage("puente Soria Duero", spanish[0]) == 1.0
    across = index.coverage("When did Soria open the new bridge over the river?", spanish[0])
    assert 0 < across < 0.3  # only the name matches; "open", "new", "bridge", "river" are nowhere in the archive
    assert index.coverage("When did Soria open the new bridge over the river?", spanish[1]) == 0.0


def test_a_filtered_dense_search_scans_the_kept_chunks_as_chroma_would(tmp_path):
    """The in-memory exact scan used under filters ranks like Chroma's own filtered query."""
    from datetime import datetime, timezone

    from rag import Archive

    from .conftest import write_jsonl

    words = "harbour ferry bridge tunnel budget council strike train tram port".split()
    records = [{"id": f"r{i}", "text": f"{words[i % 10]} {words[(3 * i) % 10]} {words[(7 * i + 1) % 10]} report {i}.",
                "source": ("Diario", "Times")[i % 2], "language": ("es", "en")[i % 2],
                "published_at": f"2024-{1 + i % 12:02d}-10T09:00:00+00:00"} for i in range(40)]
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "r.jsonl", records)])
    keyword = archive.retriever.keyword_index()
    assert keyword.vectors is not None and keyword.vectors.shape[0] == archive.store.count()
    window = Filters(since=datetime(2024, 3, 1, tzinfo=timezone.utc), until=datetime(2024, 7, 1, tzinfo=timezone.utc),
                     sources=("Diario",))
    query = archive.embedder.embed_query("harbour budget strike")
    mask = keyword.mask(window)
    scanned = keyword.nearest(query, 20, mask)  # all the chunks the window keeps: ties cannot cut differently
    queried = archive.store.query(query, 20, window)

    def ranked(results):  # equal scores may come in either order
        return sorted((-round(score, 4), c.id) for c, score in results)

    assert ranked(scanned) == ranked(queried) and len(scanned) == int(mask.sum()) >= 5
    assert [round(s, 4) for _, s in scanned] == sorted((round(s, 4) for _, s in scanned), reverse=True)
    assert len(keyword.nearest(query, 3, mask)) == 3
    assert all(c.source.outlet == "Diario" and "2024-03" <= c.source.day[:7] <= "2024-06" for c, _ in scanned)
    hits = archive.retrieve("harbour budget strike", 4, filters=window)
    assert hits and all(h.chunk.source.outlet == "Diario" for h in hits)
    assert keyword.nearest(query, 5, mask * 0) == []


def test_a_passage_is_ranked_by_its_sentence_closest_to_the_question_which_is_its_evidence(tmp_path):
    from rag import Archive

    from .conftest import write_jsonl

    records = [
        {"id": "diffuse", "text": "When the harbour opened, ships came. The master plan did not say how. Resign, some said."},
        {"id": "exact", "text": "Council elections are in May with candidates from seven parties across the region. "
                                "The harbour master did resign on Monday. Budget talks between unions and employers resume soon."},
    ]
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "r.jsonl", records)])
    archive.retriever.keyword_weight = 0
    hits = archive.retrieve("When did the harbour master resign?", 2)
    assert [h.chunk.article_id for h in hits] == ["exact", "diffuse"]
    assert hits[0].evidence[0][0] == "The harbour master did resign on Monday."  # the sentence that answers
    assert [s for s, _ in hits[0].evidence][1:] and hits[0].evidence[0][1] > hits[0].evidence[1][1]
    archive.retriever.ranking = "dense"  # whole-passage vectors alone: the words spread over a passage win, with no evidence
    hits = archive.retrieve("When did the harbour master resign?", 2)
    assert [h.chunk.article_id for h in hits] == ["diffuse", "exact"] and all(h.evidence == () for h in hits)


def test_fill_tops_up_hits_in_order_without_repeats_or_passing_the_article_cap():
    from rag.retrieve import fill

    a1, a2, b1, c1 = (chunk(i, i[0], i) for i in ("a1", "a2", "b1", "c1"))
    inside = fuse([[(a1, 0.9)]], k=4, per_article=2)
    outside = fuse([[(a1, 0.9), (a2, 0.8), (b1, 0.7), (c1, 0.6)]], k=4, per_article=2)
    hits = fill(inside, outside, k=3, per_article=1)
    assert [h.chunk.id for h in hits] == ["a1", "b1", "c1"] and [h.rank for h in hits] == [1, 2, 3]
    assert fill(outside[:3], inside, k=3, per_article=2) == outside[:3]


def test_an_archive_language_the_passages_lack_gets_the_last_place(tmp_path):
    """Bag-of-words similarity is blind across languages, as real embedders are half-blind: the
    Spanish report that answers an English question still reaches the model, in the last place."""
    from rag import Archive

    from .conftest import write_jsonl

    news = ["cranes arrived by sea", "a strike stopped the site", "divers checked the old wall", "rain delayed the concrete",
            "the mayor visited on Monday", "a new road opened nearby"]
    english = [{"id": f"en{i}", "language": "en", "text": f"The Velport harbour works: {n}."} for i, n in enumerate(news)]
    spanish = [{"id": "es1", "language": "es", "text": "Las obras del puerto de Velport costarán 48 millones de euros."}]
    archive = Archive.open(tmp_path / "arch", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "n.jsonl", [*english, *spanish])])
    question = "How much will the Velport harbour works cost?"
    hits, _ = archive.search(question)
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert [h.chunk.source.language for h in hits] == ["en", "en", "en", "es"] and hits[-1].chunk.article_id == "es1"
    assert all(h.chunk.source.language == "en" for h in archive.search(question, filters=Filters(language="en"))[0])
    only_english = Archive.open(tmp_path / "en", embedder=FakeEmbedder(), llm=FakeLLM())
    only_english.ingest([write_jsonl(tmp_path / "e.jsonl", english)])
    assert len(only_english.search(question)[0]) == 4


def test_an_index_knows_its_languages_and_forgets_a_removed_one():
    chunks = [chunk("1", "a", "El puerto de Velport.", language="es"), chunk("2", "b", "The Velport harbour.", language="en"),
              chunk("3", "c", "Harbour works.", language="en")]
    index = KeywordIndex(chunks)
    assert index.languages() == {"en", "es"} and index.languages() == {"en", "es"}  # the second from what the first worked out
    assert index.changed([], None, ["1"], delta_share=1.0).languages() == {"en"}  # a tombstone
    assert index.changed([chunk("4", "d", "Le port.", language="fr")], None, [], delta_share=1.0).languages() == {"en", "es", "fr"}


def test_prefetching_reads_the_indexes_in_the_background_and_a_question_gets_the_same_passages(tmp_path):
    from rag import Archive

    from .conftest import write_jsonl

    records = [{"id": f"w{i}", "title": f"Story {i}", "text": f"The harbour of Velport {i} reopened after storm number {i}."}
               for i in range(30)]
    path = tmp_path / "arch"
    Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM()).ingest([write_jsonl(tmp_path / "w.jsonl", records)])
    cold = Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM())
    expected = [h.chunk.id for h in cold.retrieve("storm number 7", 4)]
    warmed = Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM())
    threads = warmed.retriever.prefetch()
    assert len(threads) == 2  # the keyword index, and Chroma's vector index
    assert [h.chunk.id for h in warmed.retrieve("storm number 7", 4)] == expected  # asked while they read
    for thread in threads:
        thread.join(10)
    assert warmed.retriever._keyword is not None
    report = warmed.ingest([write_jsonl(tmp_path / "x.jsonl", [{"id": "x1", "text": "Zubizarreta opened the new pier."}])])
    assert report.added == 1 and warmed.retrieve("Zubizarreta pier", 1)[0].chunk.article_id == "x1"
