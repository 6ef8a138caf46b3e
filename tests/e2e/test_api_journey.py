"""A trainee makes an API token in the browser (shown once), uses it against the API, and
revokes it; the API document page renders Swagger UI from vendored files under the CSP."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import date, timedelta

from playwright.sync_api import expect

from .conftest import label, login, shot


def _get(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept-Language": "ko"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # nosec B310 # the test's own local server
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_token_shown_once_used_and_revoked(page, demo_data):
    base = demo_data.url
    login(page, base, "trainee@demo.kr")
    page.goto(base + "/profile")
    page.get_by_role("link", name="API 토큰 관리").click()
    expect(page.get_by_role("heading", name="API 토큰", exact=True)).to_be_visible()
    page.get_by_label(label("토큰 이름")).fill("인사시스템 연동")
    page.get_by_label(re.compile("read:self")).check()
    page.get_by_label(label("만료일 (한국 시간, 그날 자정까지)")).fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="토큰 만들기").click()
    expect(page.get_by_role("heading", name="토큰을 만들었습니다")).to_be_visible()
    secret = page.locator("#api-secret").input_value()
    assert re.fullmatch(r"sfa_[A-Za-z0-9_-]{43}", secret)
    shot(page, "api-token-created")

    status, body = _get(base + "/api/v1/me/enrollments", secret)
    assert status == 200 and body["items"], body
    page.get_by_role("link", name="토큰 목록으로").click()
    assert secret not in page.content()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("row", name=re.compile("인사시스템 연동")).get_by_role("button", name="폐기").click()
    expect(page.get_by_text("토큰을 폐기했습니다")).to_be_visible()
    status, body = _get(base + "/api/v1/me/enrollments", secret)
    assert status == 401 and body["type"] == "urn:sfa:problem:token-revoked"


def test_docs_page_renders_under_the_csp(page, demo_data):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append("outside request: " + r.url)
            if not r.url.startswith(demo_data.url) and not r.url.startswith("data:") else None)
    page.goto(demo_data.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Smart Factory Academy API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    shot(page, "api-docs")
    assert not [p for p in problems if "Content Security Policy" in p or "outside request" in p], problems
