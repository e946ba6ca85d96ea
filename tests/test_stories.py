"""Stories: articles grouped by vector and date, assigned as they arrive, leaving when removed."""

import numpy as np
import pytest

from index.manifest import Entry
from index.stories import StoryIndex

from .conftest import write_jsonl
from .fakes import FakeEmbedder, FakeLLM


def entry(article_id: str, day: str, state: str = "indexed", canonical: str | None = None, digest: str = "h1",
          source: str = "Outlet", language: str = "en") -> Entry:
    return Entry(article_id, state, digest, "", canonical, f"Title {article_id}", source, f"https://x.example/{article_id}",
                 day, language, "2024-01-01T00:00:00+00:00", 1)


def unit(*values: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


STRIKE, PACT = unit(1, 0.1), unit(0, 0.1, 1)  # cosine about 0.01


class Vectors:
    """The vectors of the articles named in ``table``, recording which ones were asked for."""

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table
        self.asked: list[str] = []

    def __call__(self, versions):
        self.asked += list(versions)
        return {i: self.table[i] for i in versions if i in self.table}


def groups(index: StoryIndex, entries) -> list[set[str]]:
    return sorted((set(s.article_ids) for s in index.stories(entries)), key=sorted)


@pytest.fixture
def index(tmp_path):
    return StoryIndex(tmp_path / "stories.sqlite", threshold=0.8, window_days=7)


def test_articles_about_one_thing_within_the_window_share_a_story(index):
    vectors = Vectors({"s1": STRIKE, "s2": unit(1, 0.2), "p1": PACT, "s3": STRIKE})
    entries = [entry("s1", "2024-05-01", source="A"), entry("s2", "2024-05-06", source="B", language="es"),
               entry("p1", "2024-05-03"), entry("s3", "2024-06-20")]  # s3: six weeks later, another story
    assert index.update(entries, vectors) == 4
    assert groups(index, entries) == [{"p1"}, {"s1", "s2"}, {"s3"}]
    story = next(s for s in index.stories(entries) if "s1" in s.article_ids)
    assert story.label == "Title s1" and story.article_ids == ("s1", "s2")  # earliest first
    assert story.outlets == ("A", "B") and story.languages == ("en", "es")
    assert (story.first, story.last, story.days) == ("2024-05-01", "2024-05-06", (("2024-05-01", 1), ("2024-05-06", 1)))


def test_the_window_counts_from_the_story_first_and_last_days(index):
    vectors = Vectors({f"s{i}": STRIKE for i in range(4)})
    entries = [entry("s0", "2024-05-01"), entry("s1", "2024-05-07"), entry("s2", "2024-05-13"), entry("s3", "2024-05-21")]
    index.update(entries, vectors)
    assert groups(index, entries) == [{"s0", "s1", "s2"}, {"s3"}]  # 13 is 6 days after 7; 21 is 8 after 13


def test_only_new_articles_are_assigned_and_earlier_stories_stay(index):
    vectors = Vectors({"s1": STRIKE, "p1": PACT, "s2": STRIKE})
    first = [entry("s1", "2024-05-01"), entry("p1", "2024-05-02")]
    index.update(first, vectors)
    before = {s.id: s.article_ids for s in index.stories(first)}
    vectors.asked.clear()
    assert index.update(first, vectors) == 0 and vectors.asked == []  # nothing new: no vector read
    both = [*first, entry("s2", "2024-05-03")]
    assert index.update(both, vectors) == 1 and vectors.asked == ["s2"]
    after = {s.id: s.article_ids for s in index.stories(both)}
    strike = index.story_of("s1")
    assert after[strike] == ("s1", "s2") and after[index.story_of("p1")] == before[index.story_of("p1")]


def test_a_removed_article_leaves_its_story_and_an_empty_story_goes(index):
    vectors = Vectors({"s1": STRIKE, "s2": STRIKE, "p1": PACT})
    entries = [entry("s1", "2024-05-01"), entry("s2", "2024-05-02"), entry("p1", "2024-05-02")]
    index.update(entries, vectors)
    pact = index.story_of("p1")
    kept = [entries[1]]
    index.update(kept, vectors)
    assert groups(index, kept) == [{"s2"}] and index.members(pact) == [] and index.story_of("s1") is None
    assert index.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 1


def test_a_changed_article_is_assigned_again(index):
    vectors = Vectors({"s1": STRIKE, "s2": STRIKE, "x": PACT})
    entries = [entry("s1", "2024-05-01"), entry("s2", "2024-05-02"), entry("x", "2024-05-02")]
    index.update(entries, vectors)
    vectors.table["s2"] = PACT  # rewritten about the pact
    changed = [entries[0], entry("s2", "2024-05-02", digest="h2"), entries[2]]
    vectors.asked.clear()
    assert index.update(changed, vectors) == 1 and vectors.asked == ["s2"]
    assert groups(index, changed) == [{"s1"}, {"s2", "x"}]


def test_a_copy_follows_its_original_and_an_article_without_vectors_waits(index):
    vectors = Vectors({"s1": STRIKE})
    entries = [entry("s1", "2024-05-01"), entry("c1", "2024-06-30", state="copy", canonical="s1"), entry("late", "2024-05-01")]
    assert index.update(entries, vectors) == 2  # "late" has no chunks yet
    assert groups(index, entries) == [{"c1", "s1"}]
    vectors.table["late"] = STRIKE
    assert index.update(entries, vectors) == 1
    assert groups(index, entries) == [{"c1", "late", "s1"}]


def test_another_rule_groups_everything_again(tmp_path):
    vectors = Vectors({"s1": STRIKE, "s2": unit(1, 0.6)})  # cosine about 0.90
    entries = [entry("s1", "2024-05-01"), entry("s2", "2024-05-02")]
    StoryIndex(tmp_path / "s.sqlite", threshold=0.95).update(entries, vectors)
    looser = StoryIndex(tmp_path / "s.sqlite", threshold=0.8)
    assert looser.update(entries, vectors) == 2
    assert groups(looser, entries) == [{"s1", "s2"}]
    assert looser.rebuild(entries, vectors) == 2 and groups(looser, entries) == [{"s1", "s2"}]


STRIKE_TEXT = ("Rail workers walked out on the Northern Corridor line on Monday as the three day strike began, "
               "with trains cancelled, stations closed and commuters crowding the replacement buses.")


def test_the_archive_lists_stories_and_their_timelines_as_articles_arrive_and_go(tmp_path):
    from rag import Archive

    archive = Archive.open(tmp_path / "a", embedder=FakeEmbedder(), llm=FakeLLM())
    strike = [{"id": f"s{i}", "title": "Corridor strike", "source": outlet, "published_at": day, "language": "en",
               "url": f"https://x.example/s{i}", "text": STRIKE_TEXT + f" Day {i} of the walkout."}
              for i, (outlet, day) in enumerate([("Ledger", "2024-05-08"), ("Tribune", "2024-05-06")])]
    other = {"id": "b1", "title": "Bakery wins prize", "source": "Courier", "published_at": "2024-05-07", "language": "en",
             "text": "A bakery in Harwick won the national loaf championship with a sourdough proved for nineteen hours."}
    archive.ingest([write_jsonl(tmp_path / "one.jsonl", [strike[0], other])])
    assert sorted(s.article_ids for s in archive.stories()) == [("b1",), ("s0",)]
    assert (tmp_path / "a" / "stories.sqlite").is_file()
    archive.ingest([write_jsonl(tmp_path / "two.jsonl", [strike[1]])])
    stories = archive.stories(min_articles=2)
    assert [s.article_ids for s in stories] == [("s1", "s0")] and stories[0].outlets == ("Ledger", "Tribune")
    timeline = archive.story(stories[0].id)
    assert [(a["published_at"], a["source"], a["id"]) for a in timeline] == [("2024-05-06", "Tribune", "s1"),
                                                                            ("2024-05-08", "Ledger", "s0")]
    archive.remove(["s1"])
    assert sorted(s.article_ids for s in archive.stories()) == [("b1",), ("s0",)]
    assert archive.story(10_000) == []


def test_the_command_line_lists_stories_one_a_line_and_a_story_timeline(fake_archive, tmp_path, capsys):
    from ui.cli import main

    fake_archive.ingest([write_jsonl(tmp_path / "more.jsonl", [
        {"id": "a3", "title": "Velport ferries back", "source": "Bay Post", "published_at": "2024-03-02", "language": "en",
         "text": "The harbour of Velport reopened on Friday after the storm. Ferries to the islands resumed at noon.\n\n"
                 "The harbour master said repairs cost 2 million euros, and ferries ran late."}])])
    assert main(["stories"], archive=fake_archive) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "2024-03-01..2024-03-02    2 articles  Bay Post, Coast Times (en)  Port reopens after storm" in lines[0]
    assert main(["stories", "--all"], archive=fake_archive) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # and the bridge in Soria, alone
    story = int(lines[0].split()[0])
    assert main(["stories", "--story", str(story)], archive=fake_archive) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["2024-03-01  Coast Times  [en]  Port reopens after storm  https://coast.example/a1",
                   "2024-03-02  Bay Post  [en]  Velport ferries back"]
    assert main(["stories", "--story", "999"], archive=fake_archive) == 1
    assert main(["stories", "--json", "--rebuild"], archive=fake_archive) == 0
    assert '"label": "Port reopens after storm"' in capsys.readouterr().out


def test_the_archive_tab_lists_stories_charts_them_and_shows_a_timeline(fake_archive, tmp_path):
    from ui.app import archive_views
    from ui.stories import timeline_markdown

    fake_archive.ingest([write_jsonl(tmp_path / "more.jsonl", [
        {"id": "a3", "title": "Velport | ferries *back*", "source": "Bay Post", "published_at": "2024-03-02", "language": "en",
         "url": "javascript:alert(1)",
         "text": "The harbour of Velport reopened on Friday after the storm. Ferries to the islands resumed at noon.\n\n"
                 "The harbour master said repairs cost 2 million euros, and ferries ran late."}])])
    views = archive_views(fake_archive)
    assert list(views.months.itertuples(index=False, name=None)) == [("2024-03", 3)]
    assert dict(views.outlets.itertuples(index=False, name=None)) == {"Coast Times": 1, "Diario Norte": 1, "Bay Post": 1}
    assert [(str(d.date()), n) for d, n, _ in views.coverage.itertuples(index=False, name=None)] == [("2024-03-01", 1), ("2024-03-02", 2)]
    assert "| 2024-03-01 – 2024-03-02 | 2 | Bay Post, Coast Times | en | Port reopens after storm |" in views.stories
    assert "_1 other article stands alone._" in views.stories
    (label, story), = views.choices
    assert label == "Port reopens after storm (2024-03-01 – 2024-03-02, 2)"
    timeline = timeline_markdown(fake_archive, story)
    assert timeline.splitlines()[2:] == ["| 2024-03-01 | Coast Times | [Port reopens after storm](https://coast.example/a1) | en |",
                                         r"| 2024-03-02 | Bay Post | Velport \| ferries \*back\* (javascript\:alert\(1\)) | en |"]
    assert timeline_markdown(fake_archive, 999).startswith("_This story is no longer")


def test_hostile_titles_in_stories_and_timelines_stay_text(tmp_path):
    from rag import Archive
    from ui.app import archive_views
    from ui.stories import timeline_markdown

    from .test_safety import HOSTILE, HOSTILE_URLS, assert_inert, rendered

    records = [{"id": f"h{i}", "title": text, "source": f"Outlet | {text}", "url": url, "published_at": "2024-03-01",
                "language": "en", "text": f"The harbour reopened on Friday after the storm and the ferries resumed. {i}"}
               for i, (text, url) in enumerate(zip(HOSTILE, HOSTILE_URLS * 2))]
    archive = Archive.open(tmp_path / "archive", embedder=FakeEmbedder(), llm=FakeLLM())
    archive.ingest([write_jsonl(tmp_path / "hostile.jsonl", records)])
    views = archive_views(archive)
    assert views.choices and "<script>" not in views.stories
    assert_inert(rendered(views.stories))
    for _, story in views.choices:
        assert_inert(rendered(timeline_markdown(archive, story)))
