"""Personal access tokens (issue 12): created in the profile, shown once, stored hashed,
scoped to what the role may hold, expiring (Korean dates, at most a year), revocable;
a revoked or expired token is refused; every call is audited with the token's id."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from lms.api.models import ApiToken
from lms.core.audit import AuditEvent
from lms.core.timeutil import today_kst
from lms.extensions import db
from tests.api.conftest import make_token
from tests.conftest import login
from tests.factories import make_user

SECRET_RE = re.compile(r"sfa_[A-Za-z0-9_-]{43}")


def _create(client, **form):
    data = {"name": "학사시스템", "expires_on": (today_kst() + timedelta(days=90)).isoformat(), "create": "1"}
    data.update(form)
    return client.post("/profile/tokens", data=data)


def test_profile_links_to_the_token_page(client):
    user = make_user("trainee")
    db.session.commit()
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert "/profile/tokens" in html


def test_secret_is_shown_once_and_stored_only_as_its_sha256(client):
    user = make_user("instructor")
    db.session.commit()
    login(client, user)
    resp = _create(client, scopes=["read:labs", "write:roster"])
    assert resp.status_code == 201
    assert resp.headers["Cache-Control"] == "no-store"
    secrets = SECRET_RE.findall(resp.get_data(as_text=True))
    assert len(set(secrets)) == 1
    secret = secrets[0]
    token = db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.execute(sa.text("SELECT * FROM api_tokens WHERE id = :i"), {"i": token.id}).mappings().one()
    assert secret not in " ".join(str(v) for v in row.values())  # nowhere in the table
    assert token.scope_list == ["write:roster", "read:labs"]
    listing = client.get("/profile/tokens").get_data(as_text=True)
    assert "학사시스템" in listing and token.prefix in listing
    assert secret not in listing  # never shown again


def test_only_the_scopes_of_the_role_are_offered_and_accepted(client):
    ministry = make_user("ministry")
    db.session.commit()
    login(client, ministry)
    page = client.get("/profile/tokens").get_data(as_text=True)
    assert 'value="read:stats"' in page and 'value="verify"' in page
    assert 'value="write:roster"' not in page and 'value="read:labs"' not in page
    assert not re.search(r'value="[^"]+"\s+checked', page)  # nothing chosen in advance
    resp = _create(client, scopes=["write:roster"])
    assert resp.status_code == 400
    assert db.session.execute(sa.select(sa.func.count(ApiToken.id))).scalar_one() == 0


def test_expiry_is_required_and_at_most_a_year(client):
    user = make_user("trainee")
    db.session.commit()
    login(client, user)
    assert _create(client, scopes=["read:self"], expires_on="").status_code == 400
    too_late = today_kst().replace(year=today_kst().year + 1) + timedelta(days=1)
    resp = _create(client, scopes=["read:self"], expires_on=too_late.isoformat())
    assert resp.status_code == 400 and "1년" in resp.get_data(as_text=True)
    assert _create(client, scopes=["read:self"], expires_on=(today_kst() - timedelta(days=1)).isoformat()).status_code == 400
    assert db.session.execute(sa.select(sa.func.count(ApiToken.id))).scalar_one() == 0


def test_the_token_works_through_its_last_korean_day(api):
    from datetime import datetime, timezone

    from lms.core.timeutil import frozen_clock

    user = make_user("trainee")
    token, secret = make_token(user, ["read:self"], days=1)
    last_day = token.expires_on
    # 23:59 KST of the last day = 14:59 UTC: still valid; 00:00 KST the next day: expired.
    with frozen_clock(datetime(last_day.year, last_day.month, last_day.day, 14, 59, tzinfo=timezone.utc)):
        assert api.get("/api/v1/me", secret).status_code == 200
    with frozen_clock(datetime(last_day.year, last_day.month, last_day.day, 15, 0, tzinfo=timezone.utc)):
        resp = api.get("/api/v1/me", secret)
    assert resp.status_code == 401
    assert resp.json["type"] == "urn:sfa:problem:token-expired"


def test_revoked_token_is_refused_and_others_cannot_revoke_it(client, api):
    owner, other = make_user("trainee"), make_user("trainee")
    token, secret = make_token(owner, ["read:self"])
    assert api.get("/api/v1/me", secret).status_code == 200
    login(client, other)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert api.get("/api/v1/me", secret).status_code == 200
    login(client, owner)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    resp = api.get("/api/v1/me", secret)
    assert resp.status_code == 401
    assert resp.json["type"] == "urn:sfa:problem:token-revoked"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_or_missing_token_is_401_and_the_session_cookie_does_not_count(client, api):
    user = make_user("trainee")
    db.session.commit()
    login(client, user)  # a browser session is not an API credential
    for secret in (None, "sfa_" + "x" * 43, "not-a-token"):
        resp = api.get("/api/v1/me", secret)
        assert resp.status_code == 401
        assert resp.mimetype == "application/problem+json"


def test_every_call_is_audited_with_the_token_and_last_use_is_kept(api):
    user = make_user("trainee")
    token, secret = make_token(user, ["read:self"])
    assert token.last_used_at is None
    api.get("/api/v1/me", secret)
    api.get("/api/v1/me/enrollments", secret)
    api.get("/api/v1/labs/1/sessions", secret)  # refused (role): audited too
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "api.call")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.details["status"] for e in events] == [200, 200, 403]
    assert {e.details["token_id"] for e in events} == {token.id}
    assert {e.actor_id for e in events} == {user.id}
    assert events[1].details["endpoint"] == "api.my_enrollments"
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_a_role_change_takes_scopes_away_at_once(api):
    user = make_user("instructor")
    _token, secret = make_token(user, ["read:labs"])
    user.role = "trainee"
    db.session.commit()
    assert api.get("/api/v1/labs/1/sessions", secret).status_code == 403
