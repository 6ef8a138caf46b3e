"""Issue 8, small things: a 64-character Korean name without spaces (the longest the
schema holds) must not make pages scroll sideways or hide columns on /admin/users.
Long names wrap (tables, headings) or are truncated with the full text in a title
(the header), at 1280 px and at 360 px."""
from __future__ import annotations

import secrets

import pytest

from .conftest import login, shot

LONG_NAME = ("가나다라마바사아자차카타파하" * 5)[:64]
PASSWORD = "Long-name-pass-2026!"


@pytest.fixture(scope="module")
def accounts(live_server):
    tag = secrets.token_hex(3)
    trainee, admin = f"longname-{tag}@example.kr", f"admin-{tag}@example.kr"
    live_server.flask("users", "create", "--role", "trainee", "--email", trainee, "--name", LONG_NAME,
                      "--password", PASSWORD)
    live_server.flask("users", "create", "--role", "admin", "--email", admin, "--name", LONG_NAME,
                      "--password", PASSWORD)
    return trainee, admin


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def _check_no_sideways_scroll(page, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    scroll, inner = _overflow(page)
    if scroll > inner:
        shot(page, f"FAILED-overflow-{name}")
    assert scroll <= inner, f"{url}: page is {scroll}px wide in a {inner}px window"


@pytest.mark.parametrize("width", [1280, 360])
def test_a_long_name_never_widens_the_users_pages(browser, live_server, accounts, width):
    base = live_server.url
    trainee, admin = accounts
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, base, trainee, PASSWORD)
        for path in ("/", "/dashboard", "/certificates", "/profile", "/verify"):
            _check_no_sideways_scroll(page, base + path, f"trainee{path.replace('/', '-')}-{width}")
        # The header shows the name truncated; the full name is its title.
        assert page.locator(".user-badge .person-name").get_attribute("title") == LONG_NAME
        page.get_by_role("button", name="로그아웃").click() if width >= 900 else page.goto(base + "/")
        context.clear_cookies()

        login(page, base, admin, PASSWORD)
        for path in ("/admin/users", f"/admin/users?q={LONG_NAME}"):
            _check_no_sideways_scroll(page, base + path, f"admin-users-{width}")
        if width == 1280:
            # No column hidden: the table fits its box, so 가입일 (the last column) is on screen.
            fits = page.evaluate("""() => { const w = document.querySelector('.table-wrap');
                return [w.scrollWidth, w.clientWidth]; }""")
            assert fits[0] <= fits[1], f"/admin/users table is {fits[0]}px in a {fits[1]}px box"
            last = page.locator("table thead th").last.bounding_box()
            assert last["x"] + last["width"] <= width
        # The long name is in the list, its full text available (wrapped cell and title).
        cell = page.locator("table td .person-name", has_text=LONG_NAME[:10]).first
        assert cell.get_attribute("title") == LONG_NAME
        assert cell.inner_text().replace("\n", "") == LONG_NAME
        shot(page, f"long-name-admin-users-{width}")
        href = page.locator("table td a.person-name", has_text=LONG_NAME[:10]).first.get_attribute("href")
        _check_no_sideways_scroll(page, base + href, f"admin-user-detail-{width}")
    finally:
        context.close()
