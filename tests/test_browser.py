"""The chat in a real browser: Debian's Chromium, headless, driven by Playwright: the passages
being read show while the model reads them, then the streamed answer and its cited sources."""

import os
import shutil
import threading
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_ui import server  # noqa: F401 (fixture)

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "") if p
                 and Path(p).is_file()), None)
# NEWSRAG_SCREENSHOTS=docs/screenshots keeps the screenshots for the documentation
SHOTS = os.environ.get("NEWSRAG_SCREENSHOTS")


def ask_in_browser(p, server: str, question: str):
    """A Chromium page on ``server`` with ``question`` sent in the chat."""
    browser = p.chromium.launch(
        executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    )
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(server)
    box = page.get_by_role("textbox").first
    box.fill(question)
    box.press("Enter")
    return browser, page


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install chromium)")
def test_ask_see_the_passages_being_read_then_the_streamed_answer_and_follow_a_citation(server, fake_archive, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    fake_archive.llm.reply = "The harbour reopened on Friday and ferries resumed at noon [1]."
    fake_archive.llm.gate = reading = threading.Event()  # the model writes nothing until the passages are on the page
    with sync_playwright() as p:
        browser, page = ask_in_browser(p, server, "When did the Velport ferries resume?")
        sources = page.locator("#sources")
        bot = page.locator(".bot, .message").filter(has_text="ferries resumed at noon").last
        try:
            expect(sources).to_contain_text("Reading:", timeout=30_000)
            expect(sources).to_contain_text("Port reopens after storm — Coast Times, 2024-03-01")
            expect(sources.locator("blockquote").first).to_have_text("The harbour of Velport reopened on Friday after the storm.")
            expect(sources).to_contain_text("Nuevo puente en Soria")  # read, and not cited in the end
            assert fake_archive.llm.calls and bot.count() == 0  # the model is reading; no answer yet
        finally:
            reading.set()
        expect(bot).to_be_visible(timeout=30_000)
        expect(sources).not_to_contain_text("Reading:", timeout=30_000)  # the cited sources took its place
        expect(sources).not_to_contain_text("Nuevo puente en Soria")
        expect(sources).to_contain_text("Coast Times")
        citation = page.locator("a.citation", has_text="[1]").first
        expect(citation).to_be_visible(timeout=10_000)
        shots = ROOT / SHOTS if SHOTS else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "chat.png"), full_page=True)
        citation.click()
        assert page.url.endswith("#source-1")
        target = page.locator("#source-1")
        expect(target).to_be_attached()
        expect(sources).to_contain_text("Ferries to the islands resumed at noon")
        sources.screenshot(path=str(shots / "sources.png"))
        assert (shots / "chat.png").stat().st_size > 10_000
        browser.close()


STRIKE = ("Rail workers walked out on the Northern Corridor line as the three day strike began, with trains cancelled, "
          "stations closed and commuters crowding the replacement buses between Harwick and Velport.")
STORIES = [  # (id, outlet, day, title, text added to the shared report)
    ("r1", "Northern Ledger", "2024-05-06", "Rail strike begins on the Northern Corridor", "Day one."),
    ("r2", "Coastal Tribune", "2024-05-07", "Second day of the Northern Corridor strike", "Day two, more buses."),
    ("r3", "Wire Press", "2024-05-09", "Northern Corridor strike ends after three days", "Trains ran again on Thursday."),
]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install chromium)")
def test_the_archive_tab_lists_stories_charts_coverage_and_shows_a_story_timeline(server, fake_archive, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from .conftest import write_jsonl

    fake_archive.ingest([write_jsonl(tmp_path / "strike.jsonl", [
        {"id": i, "source": outlet, "published_at": day, "title": title, "language": "en", "url": f"https://news.example/{i}",
         "text": f"{STRIKE} {more}"} for i, outlet, day, title, more in STORIES])])
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(server)
        page.get_by_role("tab", name="Archive").click()
        page.get_by_role("button", name="Refresh").click()  # the strike was ingested after the page was built
        stories = page.locator("#stories")
        expect(stories).to_contain_text("Rail strike begins on the Northern Corridor", timeout=30_000)
        expect(stories).to_contain_text("Coastal Tribune, Northern Ledger, Wire Press")
        expect(stories).to_contain_text("2024-05-06 – 2024-05-09")
        for chart in ("#coverage", "#by-month", "#by-outlet"):
            expect(page.locator(f"{chart} canvas, {chart} svg").first).to_be_visible(timeout=30_000)
        page.locator("#story-choice input").click()
        page.get_by_role("option", name="Rail strike begins on the Northern Corridor (2024-05-06 – 2024-05-09, 3)").click()
        rows = page.locator("#timeline tbody tr")
        expect(rows).to_have_count(3, timeout=30_000)
        expect(rows.nth(0)).to_contain_text("2024-05-06")
        expect(rows.nth(0)).to_contain_text("Northern Ledger")
        expect(rows.nth(2)).to_contain_text("Northern Corridor strike ends after three days")
        assert rows.nth(1).locator("a").get_attribute("href") == "https://news.example/r2"
        shots = ROOT / SHOTS if SHOTS else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "stories.png"), full_page=True)
        assert (shots / "stories.png").stat().st_size > 10_000
        browser.close()


UNION = "Según el sindicato, el seguimiento de la huelga del Corredor Norte fue del 82 %."
COMPANY = "Según la empresa, el seguimiento de la huelga del Corredor Norte fue del 57 %."


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install chromium)")
def test_a_disputed_figure_is_stated_from_both_sides_and_shown_beside_the_sources(server, fake_archive, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from .conftest import write_jsonl

    fake_archive.ingest([write_jsonl(tmp_path / "turnout.jsonl", [
        {"id": "t1", "source": "El Observador Global", "published_at": "2024-05-16", "title": "La huelga del Corredor Norte",
         "language": "es", "url": "https://news.example/t1", "text": UNION},
        {"id": "t2", "source": "Diario del Sur", "published_at": "2024-05-16", "title": "La huelga del Corredor Norte",
         "language": "es", "url": "https://news.example/t2", "text": COMPANY}])])
    fake_archive.llm.reply = "Según el sindicato, el seguimiento de la huelga fue del 82 % [1]."
    with sync_playwright() as p:
        browser, page = ask_in_browser(p, server, "¿Qué seguimiento tuvo la huelga del Corredor Norte?")
        sources = page.locator("#sources")
        bot = page.locator(".bot, .message").filter(has_text="Las fuentes no coinciden").last
        expect(bot).to_be_visible(timeout=60_000)
        expect(bot).to_contain_text("57 %")
        expect(sources).to_contain_text("The sources disagree", timeout=30_000)
        expect(sources).to_contain_text("82 %")
        expect(sources).to_contain_text("57 %")
        shots = ROOT / SHOTS if SHOTS else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "disagreement.png"), full_page=True)
        assert (shots / "disagreement.png").stat().st_size > 10_000
        browser.close()
