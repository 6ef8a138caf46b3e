"""Each endpoint enforces the same access rules as the pages: roles, scopes, objects of
another institution answer 404 (before any 403); errors are RFC 9457 problem details,
Korean by default and English with Accept-Language: en."""
from __future__ import annotations

import pytest

from tests.api.conftest import make_token

GETS = ("/api/v1/me", "/api/v1/me/enrollments", "/api/v1/labs/{lab}/sessions", "/api/v1/labs/{lab}/bookings",
        "/api/v1/stats", "/api/v1/stats/by_region")
ALLOWED = {  # the roles of the pages behind each endpoint
    "/api/v1/me": {"trainee", "instructor", "ministry", "admin", "meister"},
    "/api/v1/me/enrollments": {"trainee"},
    "/api/v1/labs/{lab}/sessions": {"instructor", "admin"},
    "/api/v1/labs/{lab}/bookings": {"instructor", "admin"},
    "/api/v1/stats": {"ministry", "admin"},
    "/api/v1/stats/by_region": {"ministry", "admin"},
}


def _users(two):
    return {"trainee": two.trainee, "instructor": two.a.instructor, "ministry": two.ministry, "admin": two.admin,
            "meister": two.meister}


@pytest.mark.parametrize("role", ["trainee", "instructor", "ministry", "admin", "meister"])
def test_roles_as_on_the_pages(api, two, role):
    _token, secret = make_token(_users(two)[role])
    for url in GETS:
        resp = api.get(url.format(lab=two.a.lab.id), secret)
        if role in ALLOWED[url]:
            assert resp.status_code == 200, (url, resp.json)
        else:
            assert resp.status_code == 403, url
            assert resp.json["type"] == "urn:sfa:problem:forbidden"


def test_a_token_without_the_scope_is_refused(api, two):
    _t, secret = make_token(two.a.instructor, ["read:self"])
    resp = api.get(f"/api/v1/labs/{two.a.lab.id}/sessions", secret)
    assert resp.status_code == 403
    assert resp.json["type"] == "urn:sfa:problem:insufficient-scope"
    assert "read:labs" in resp.json["detail"]
    assert 'error="insufficient_scope"' in resp.headers["WWW-Authenticate"]
    rows = {"rows": [{"name": "김철수", "email": "kim@example.kr"}]}
    assert api.put(f"/api/v1/cohorts/{two.a.cohort.id}/roster", secret, json=rows).status_code == 403
    _t, verify_only = make_token(two.ministry, ["verify"])
    assert api.get("/api/v1/stats", verify_only).status_code == 403


def test_objects_of_another_institution_are_404_not_403(api, two):
    _t, secret = make_token(two.a.instructor)
    for url in (f"/api/v1/labs/{two.b.lab.id}/sessions", f"/api/v1/labs/{two.b.lab.id}/bookings",
                "/api/v1/labs/999999/sessions"):
        resp = api.get(url, secret)
        assert resp.status_code == 404, url
        assert resp.json["type"] == "urn:sfa:problem:not-found"
    rows = {"rows": [{"name": "김철수", "email": "kim@example.kr"}]}
    assert api.put(f"/api/v1/cohorts/{two.b.cohort.id}/roster", secret, json=rows).status_code == 404
    # the same token on its own institution's lab: found
    assert api.get(f"/api/v1/labs/{two.a.lab.id}/sessions", secret).status_code == 200


def test_problem_details_shape_korean_by_default_english_on_request(api, two):
    ko = api.get("/api/v1/me")
    assert ko.status_code == 401
    assert ko.mimetype == "application/problem+json"
    assert set(ko.json) >= {"type", "title", "status", "detail", "instance"}
    assert ko.json["status"] == 401 and ko.json["instance"] == "/api/v1/me"
    assert ko.json["title"] == "인증이 필요합니다"
    assert ko.headers["Content-Language"] == "ko"
    en = api.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert en.json["title"] == "Authentication required"
    assert en.headers["Content-Language"] == "en"
    assert en.json["type"] == ko.json["type"]
    missing = api.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["title"] == "Not found"


def test_validation_errors_name_the_field(api, two):
    _t, secret = make_token(two.a.instructor)
    resp = api.get(f"/api/v1/labs/{two.a.lab.id}/sessions?limit=0", secret)
    assert resp.status_code == 422
    assert resp.json["type"] == "urn:sfa:problem:validation-failed"
    assert resp.json["errors"][0]["field"] == "limit"
    bad = api.get(f"/api/v1/labs/{two.a.lab.id}/sessions?cursor=garbage", secret)
    assert bad.status_code == 400 and "cursor" in bad.json["detail"]


def test_no_csrf_token_needed_and_no_session_cookie_set(app, api, two):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _t, secret = make_token(two.ministry, ["verify"])
        resp = api.post("/api/v1/certificates/verify", secret, json={"code": "x" * 40})
        assert resp.status_code == 200
        assert "Set-Cookie" not in resp.headers
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_english_answers_in_english(api, two):
    _t, secret = make_token(two.ministry, ["verify"])
    resp = api.post("/api/v1/certificates/verify", secret, json={"code": "x" * 40},
                    headers={"Accept-Language": "en"})
    assert resp.json["state"] == "not_found"
    assert resp.json["message"] == "Certificate not found."


def test_a_write_needs_a_json_body(api, two):
    _t, secret = make_token(two.ministry, ["verify"])
    assert api.post("/api/v1/certificates/verify", secret).status_code == 415
    resp = api.post("/api/v1/certificates/verify", secret, data="{", content_type="application/json")
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert api.post("/api/v1/certificates/verify", secret, data="null", content_type="application/json").status_code == 400


def test_answers_are_not_cached(api, two):
    _t, secret = make_token(two.trainee, ["read:self"])
    assert api.get("/api/v1/me/enrollments", secret).headers["Cache-Control"] == "no-store"
    assert api.get("/api/v1/me").headers["Cache-Control"] == "no-store"
