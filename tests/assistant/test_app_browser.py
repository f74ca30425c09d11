"""The app in a real headless Chromium (Debian ``chromium``, driven by Playwright's Python API).

A clerk's path: open the page, ask for a section in the chat, wait for the draft, hover and
click a citation [n] in the draft view, land on its source passage. A screenshot of that
moment goes to ``tests/_artifacts/app.png`` and is checked to be a real, non-blank picture.
Without Chromium the test is skipped with the install command as the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.app_server import running_app
from tests.browser.chromium import ARTIFACTS, browser_context  # noqa: F401  (module fixture)

QUESTION = "Soạn mục công tác tiếp dân cho báo cáo năm 2025 của xã Ngọc Kỳ"


@pytest.mark.slow
@pytest.mark.browser
def test_chat_draft_citation_click_and_screenshot(real_index, browser_context, tmp_path_factory):  # noqa: F811
    from PIL import Image
    from playwright.sync_api import expect

    with running_app(real_index, tmp_path_factory.mktemp("browser-data")) as app:
        page = browser_context.new_page()
        page.goto(app.url, wait_until="domcontentloaded")
        expect(page.get_by_role("tab", name="Soạn thảo")).to_be_visible(timeout=60_000)
        for label in ("Tra cứu văn bản", "So sánh", "Kho tài liệu", "Kiểm tra trích dẫn"):
            expect(page.get_by_role("tab", name=label)).to_be_visible()

        page.locator("#st-msg textarea").fill(QUESTION)
        page.locator("#st-send").click()

        cite = page.locator("#st-draft-view a.st-cite").first
        expect(cite).to_be_visible(timeout=300_000)
        expect(page.locator("#st-chat")).to_contain_text("Ngọc Kỳ")
        expect(page.locator("#st-chat")).to_contain_text("[1]")
        expect(page.locator("#st-copy textarea")).not_to_have_value("")

        n = cite.get_attribute("data-n")
        cite.hover()
        popup = cite.locator(".st-pop")
        expect(popup).to_be_visible()
        expect(popup.locator("mark").first).to_be_visible()       # the supporting span, highlighted
        expect(popup).to_contain_text("dòng")                      # document, section and lines
        box = popup.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]   # not cut off

        cite.click(position={"x": 3, "y": 3})
        target = page.locator(f"#st-src-{n}")
        expect(target).to_be_in_viewport()
        assert page.evaluate("location.hash") == f"#st-src-{n}"
        assert target.evaluate("el => el.matches(':target')")
        assert target.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"   # the :target highlight
        source = target.locator(".st-where b").inner_text()
        assert (Path(app.settings.corpus_dir) / source).is_file()

        cite.scroll_into_view_if_needed()
        cite.hover()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "app.png"
        shot.unlink(missing_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        page.close()

    assert shot.is_file() and shot.stat().st_size > 30_000
    with Image.open(shot) as img:
        width, height = img.size
        colors = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert width >= 1000 and height >= 800
    assert colors is not None and len(colors) > 200          # text, highlights and widgets, not a blank page

