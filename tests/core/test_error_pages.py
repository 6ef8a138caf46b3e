"""Addresses people type or trim (issue 13): /courses and /courses/ open the catalogue, and a
GET on a form-only address answers a Korean page in the site's style with its Allow header."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/courses", "/courses/"])
def test_trimmed_course_address_opens_the_catalogue(client, path):
    r = client.get(path, follow_redirects=True)
    assert r.status_code == 200
    assert r.request.path == "/"


def test_method_not_allowed_is_a_korean_page(client):
    r = client.get("/logout")
    html = r.get_data(as_text=True)
    assert r.status_code == 405
    assert "이 주소는 이렇게 열 수 없습니다" in html and "Method Not Allowed" not in html
    assert "POST" in r.headers.get("Allow", "")
    assert 'class="error-page"' in html


def test_method_not_allowed_in_english(client):
    r = client.get("/logout?lang=en")
    assert r.status_code == 405 and "This address cannot be opened this way" in r.get_data(as_text=True)
