"""Copies: templated stories with other facts are kept, syndicated copies folded, ids read twice."""

import pytest

from index.dedup import THRESHOLD, minhash, same_facts
from rag import Archive

from .conftest import write_jsonl
from .fakes import FakeEmbedder, FakeLLM
from .test_ingest import WIRE, consistent

TEMPLATE = (
    "The council of {town} approved a budget of {million} million euros for road repairs on {day}. "
    "The money will pay for resurfacing the main streets, new lighting along the river path and two roundabouts near the school. "
    "Councillors voted after a long debate about the cost of materials and the timing of the works. "
    "The mayor, {mayor}, said the works would begin in {month} and last about {weeks} weeks. "
    "Residents will be able to follow the progress of the works on the council website and at monthly public meetings. "
    "Traffic will be diverted through the industrial estate while the main streets are closed. "
    "Local businesses asked for the works to be done at night to limit the disruption to shops. "
    "The council said it would publish a detailed timetable before the works start."
)
FACTS = {"town": "Ashford", "million": "1.2", "day": "Monday", "mayor": "Ann Lee", "month": "May", "weeks": "10"}
OTHERS = {  # each a different story told with the same words
    "all": {"town": "Brinton", "million": "2.4", "day": "Tuesday", "mayor": "Bob Ray", "month": "June", "weeks": "12"},
    "figure": {"million": "3.1"},
    "place": {"town": "Carden"},
    "name": {"mayor": "Carl Moss"},
    "day": {"day": "Thursday"},
    "duration": {"weeks": "14"},
}


def story(article_id: str, **facts) -> dict:
    return {"id": article_id, "title": "Council approves road budget", "source": "Local Wire", "published_at": "2024-04-02",
            "language": "en", "text": TEMPLATE.format(**{**FACTS, **facts})}


def syndicated(original: dict) -> dict:
    """Another outlet's copy: another headline, a sentence added and one dropped, punctuation changed."""
    text = original["text"].replace("Local businesses asked for the works to be done at night to limit the disruption to shops. ", "")
    text = text.replace("The mayor, Ann Lee, said", "The mayor Ann Lee said") + " Reporting by Maria Soto for the Northern Wire."
    return {**original, "id": original["id"] + "-wire", "title": "Ashford roads to get new surface", "source": "Valley Post",
            "text": text}


def open_archive(path):
    return Archive.open(path, embedder=FakeEmbedder(), llm=FakeLLM())


@pytest.mark.parametrize("kind", sorted(OTHERS))
def test_a_templated_story_with_other_facts_is_as_alike_as_a_copy_but_states_other_facts(kind):
    a, b = story("a")["text"], story("b", **OTHERS[kind])["text"]
    assert minhash(a).jaccard(minhash(b)) >= THRESHOLD  # MinHash alone would fold it
    assert not same_facts(a, b) and not same_facts(b, a)


def test_spanish_days_and_months_in_lower_case_are_facts():
    texto = ("El ayuntamiento de Robledo aprobó el {dia} un presupuesto para reparar las calles del centro. "
             "Las obras empezarán en {mes} y durarán varias semanas, según explicó la concejala de obras. "
             "Los vecinos podrán seguir el avance de los trabajos en la web municipal y en reuniones públicas.")
    a, b = texto.format(dia="lunes", mes="mayo"), texto.format(dia="jueves", mes="octubre")
    assert minhash(a).jaccard(minhash(b)) >= THRESHOLD and not same_facts(a, b)
    assert same_facts(a, a.replace("web municipal", "página web municipal"))


def test_syndicated_copies_with_small_edits_state_the_same_facts():
    assert same_facts(WIRE[0]["text"], WIRE[1]["text"])
    original = story("a")
    assert same_facts(original["text"], syndicated(original)["text"])


@pytest.mark.parametrize("runs", ["one run", "two runs"])
def test_templated_stories_are_all_indexed_and_their_syndicated_copy_folded(tmp_path, runs):
    original = story("a")
    others = [story(kind, **facts) for kind, facts in OTHERS.items()]
    archive = open_archive(tmp_path / "arch")
    if runs == "two runs":  # the original's text then comes from the store, not from the batch
        archive.ingest([write_jsonl(tmp_path / "first.jsonl", [original])])
        report = archive.ingest([write_jsonl(tmp_path / "second.jsonl", [*others, syndicated(original)])])
    else:
        report = archive.ingest([write_jsonl(tmp_path / "all.jsonl", [original, *others, syndicated(original)])])
    assert report.copies == {"a-wire": "a"}
    assert set(consistent(archive)) == {"a", *OTHERS}
    [hit, *_] = archive.retrieve("Carden council road budget")
    assert hit.chunk.article_id == "place"
    assert [e.id for e in archive.manifest.copies(["a"])["a"]] == ["a-wire"]


def test_exact_copies_are_folded_whatever_their_facts_look_like(tmp_path):
    original = story("a")
    copy = {**original, "id": "a-copy", "source": "Valley Post", "text": original["text"].upper()}
    report = open_archive(tmp_path / "arch").ingest([write_jsonl(tmp_path / "x.jsonl", [original, copy])])
    assert report.copies == {"a-copy": "a"}


def test_the_same_id_twice_in_one_file_keeps_the_later_record_and_says_so(tmp_path):
    first, later = story("dup"), story("dup", town="Brinton")
    archive = open_archive(tmp_path / "arch")
    report = archive.ingest([write_jsonl(tmp_path / "x.jsonl", [first, story("other", **OTHERS["all"]), later])])
    assert (report.added, report.superseded) == (2, ["dup"])
    assert report.summary().endswith("; 1 id read twice with different content, the later record kept")
    assert "Brinton" in archive.store.article_text("dup") and "Ashford" not in archive.store.article_text("dup")
    assert set(consistent(archive)) == {"dup", "other"}


def test_the_same_id_in_a_later_file_or_a_later_ingest_is_an_update(tmp_path):
    archive = open_archive(tmp_path / "arch")
    first = write_jsonl(tmp_path / "first.jsonl", [story("dup")])
    later = write_jsonl(tmp_path / "later.jsonl", [story("dup", town="Brinton")])
    report = archive.ingest([first, later])
    assert (report.added, report.superseded) == (1, ["dup"]) and "Brinton" in archive.store.article_text("dup")
    again = archive.ingest([write_jsonl(tmp_path / "third.jsonl", [story("dup", town="Carden")])])
    assert (again.updated, again.added, again.superseded) == (1, 0, [])
    assert "Carden" in archive.store.article_text("dup") and "Brinton" not in archive.store.article_text("dup")
    assert consistent(archive) == {"dup": archive.manifest.get("dup").chunks}


def test_the_same_url_under_two_ids_is_two_articles_and_removing_the_url_removes_both(tmp_path):
    url = "https://wire.example/roads"
    archive = open_archive(tmp_path / "arch")
    archive.ingest([write_jsonl(tmp_path / "x.jsonl", [{**story("u1"), "url": url}, {**story("u2", town="Brinton"), "url": url}])])
    assert set(consistent(archive)) == {"u1", "u2"}
    assert archive.remove([url]).removed == 2
    assert consistent(archive) == {}
