"""The chat in a real browser: Debian's Chromium, headless, driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_ui import server  # noqa: F401 (fixture)

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "") if p
                 and Path(p).is_file()), None)
# NEWSRAG_SCREENSHOTS=docs/screenshots keeps the screenshots for the documentation
SHOTS = os.environ.get("NEWSRAG_SCREENSHOTS")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install chromium)")
def test_ask_wait_for_the_streamed_answer_and_follow_a_citation(server, fake_archive, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    fake_archive.llm.reply = "The harbour reopened on Friday and ferries resumed at noon [1]."
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(server)
        box = page.get_by_role("textbox").first
        box.fill("When did the Velport ferries resume?")
        box.press("Enter")
        bot = page.locator(".bot, .message").filter(has_text="ferries resumed at noon").last
        expect(bot).to_be_visible(timeout=30_000)
        sources = page.locator("#sources")
        expect(sources).to_contain_text("Coast Times", timeout=30_000)
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
