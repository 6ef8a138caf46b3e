"""Request text no database can store (a NUL, a lone surrogate) answers 400 with a plain
message and changes nothing, on every route: the live schemathesis run found the bulk
verification answering 500 on PostgreSQL for a NUL inside a verification code."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.input_guard import unstorable
from lms.extensions import db
from tests.api.conftest import bearer, make_token
from tests.factories import make_user

BAD_CHARS = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"])
SAFE_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))


@given(SAFE_TEXT, BAD_CHARS, SAFE_TEXT)
def test_any_text_holding_a_nul_or_a_lone_surrogate_is_unstorable(before, bad, after):
    text = before + bad + after
    assert unstorable(text)
    assert unstorable({"items": [{"code": text}]})
    assert unstorable({text: 1})


@given(st.recursive(SAFE_TEXT | st.integers() | st.none(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(SAFE_TEXT, kids, max_size=4),
                    max_leaves=20))
def test_text_without_them_passes(value):
    assert not unstorable(value)


def _get_routes(app):
    """Every GET rule without path variables (the pages and API lists a visitor may aim at)."""
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if "GET" in r.methods and not r.arguments and not r.rule.startswith("/static")})


@pytest.mark.parametrize("role", [None, "admin"])
def test_every_get_route_answers_400_not_500_for_a_nul_in_the_query(app, client, as_role, role):
    if role:
        as_role(role)
    routes = _get_routes(app)
    assert len(routes) > 40
    for rule in routes:
        resp = client.get(rule + "?q=%E2%91%A0%00x&number=%00&page=1")
        assert resp.status_code == 400, (rule, resp.status_code)
        body = resp.get_data(as_text=True)
        assert "NUL" in body, rule


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SAFE_TEXT, BAD_CHARS)
def test_bulk_verification_refuses_unstorable_codes_with_a_problem(client, before, bad):
    import json

    secret = make_token(make_user("trainee"), ["verify"])[1]
    # json.dumps writes a lone surrogate as its \\u escape, as a client's JSON library would.
    resp = client.post("/api/v1/certificates/verify/bulk", headers=bearer(secret), content_type="application/json",
                       data=json.dumps({"items": [{"code": "ABCD"}, {"code": before + bad}]}))
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert "NUL" in resp.json["detail"]


def test_a_form_post_with_a_nul_changes_nothing(client):
    users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    resp = client.post("/register", data={"name": "홍길동\x00", "email": "nul@example.kr", "password": "x" * 12})
    assert resp.status_code == 400
    assert "NUL" in resp.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == users


def test_a_roster_upsert_with_a_lone_surrogate_changes_nothing(client):
    secret = make_token(make_user("instructor"), ["write:roster"])[1]
    users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    resp = client.put("/api/v1/cohorts/1/roster", headers=bearer(secret),
                   data='{"rows": [{"name": "\\ud800", "email": "s@example.kr"}]}', content_type="application/json")
    assert resp.status_code == 400
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == users


def test_english_message_on_request(client):
    resp = client.get("/courses?q=%00", headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    assert "NUL" in resp.get_data(as_text=True)
