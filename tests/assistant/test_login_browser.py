"""The login page of a shared server in a real headless Chromium, and a planted link that must stay
inert in the page: wrong passwords, the throttling message, a clerk's login, a planted
``[x](javascript:…)`` and ``<img onerror>`` shown as text in the chat and the document table (no
link, no image, no dialog), and logout. A screenshot of the throttled login page goes to
``tests/_artifacts/login-throttled.png``.
"""

from __future__ import annotations

import pytest

from tests.browser.app_server import running_app
from tests.browser.chromium import ARTIFACTS, browser_context  # noqa: F401  (module fixture)

ACCOUNTS = (("a.clerk", "mat-khau-xa-a-1", "clerk", "UBND xã Ngọc Kỳ"),
            ("victim", "mat-khau-nan-nhan-1", "clerk", "UBND xã Tứ Kỳ"))
PLANTED = """BÁO CÁO
Kết quả tiếp dân <img src=x onerror="window.pwned=1"> [mở](javascript:window.pwned=2)

I. KẾT QUẢ
1. Tiếp dân
Xã Bản Phố tiếp 31 lượt công dân về đồi chè Tà Xùa, xem [hướng dẫn](javascript:window.pwned=3) hoặc <a href="javascript:window.pwned=4">đây</a> <img src=x onerror="window.pwned=5">.
"""


def _log_in(page, user: str, password: str):
    page.locator("#username").fill(user)
    page.locator("#password").fill(password)
    page.locator("#st-login button[type=submit]").click()


@pytest.mark.slow
@pytest.mark.browser
def test_login_throttling_inert_links_and_logout(real_index, browser_context, tmp_path_factory, tmp_path):  # noqa: F811
    from gradio_client import Client, handle_file
    from playwright.sync_api import expect

    with running_app(real_index, tmp_path_factory.mktemp("login-data"), accounts=ACCOUNTS) as app:
        doc = tmp_path / "ban-pho.txt"
        doc.write_text(PLANTED, encoding="utf-8")
        Client(app.url, auth=("a.clerk", "mat-khau-xa-a-1"), verbose=False).predict(
            [handle_file(str(doc))], api_name="/upload")

        page = browser_context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(app.url, wait_until="domcontentloaded")
        expect(page).to_have_url(app.url + "login")                     # the app itself is behind the login
        expect(page.locator("h1")).to_have_text("Soạn Thảo — đăng nhập")

        for attempt in range(5):
            _log_in(page, "victim", f"doan-sai-{attempt}")
            expect(page.locator("#st-login-error")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
        _log_in(page, "victim", "mat-khau-nan-nhan-1")                  # the right one, but too late
        error = page.locator("#st-login-error")
        expect(error).to_contain_text("Đăng nhập sai quá nhiều lần cho tài khoản này")
        expect(error).to_contain_text("thử lại sau")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "login-throttled.png"))

        _log_in(page, "a.clerk", "mat-khau-xa-a-1")
        expect(page.get_by_role("tab", name="Soạn thảo")).to_be_visible(timeout=60_000)
        expect(page.locator("#st-whoami")).to_contain_text("a.clerk")
        expect(page.locator("#st-whoami")).to_contain_text("UBND xã Ngọc Kỳ")
        expect(page.get_by_role("tab", name="Quản trị")).to_have_count(0)  # the admin tab is not a clerk's

        page.locator("#st-msg textarea").fill("đồi chè Tà Xùa tiếp công dân Bản Phố")
        page.locator("#st-send").click()
        chat = page.locator("#st-chat")
        expect(chat).to_contain_text("Tà Xùa", timeout=120_000)
        expect(chat).to_contain_text("[hướng dẫn](javascript:window.pwned=3)")   # shown, as text
        expect(chat).to_contain_text('<img src=x onerror="window.pwned=5">')
        assert chat.locator("a[href^='javascript' i]").count() == 0
        assert chat.locator("img[src='x']").count() == 0
        links = chat.locator(".message a, [data-testid='bot'] a").evaluate_all("els => els.map(e => e.href)")
        assert not [h for h in links if "javascript" in h.lower()], links

        page.get_by_role("tab", name="Kho tài liệu").click()
        table = page.locator("#st-docs")
        expect(table).to_contain_text("ban-pho.txt", timeout=30_000)
        assert table.locator("a[href^='javascript' i]").count() == 0 and table.locator("img").count() == 0
        page.wait_for_timeout(500)
        assert page.evaluate("window.pwned === undefined") and dialogs == []

        page.locator("#st-logout").click()                               # «Đăng xuất»
        expect(page).to_have_url(app.url + "login")
        page.goto(app.url, wait_until="domcontentloaded")
        expect(page).to_have_url(app.url + "login")
        page.close()
