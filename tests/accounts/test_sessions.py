"""Session lifetime and cookies.

ASVS 5.0 V7.2.4 (a new session at login, nothing of the anonymous one kept), V7.3.1
(inactivity timeout), V7.3.2 (absolute lifetime: re-login after it), V3.3.1 (cookies
Secure over HTTPS and in production), V3.3.2 (SameSite), V3.3.3 (``__Host-`` name),
V3.3.4 (HttpOnly); PIPA safety-measures standard Art. 6(4) (idle connections cut) and
Art. 7 (encryption in transit).
"""
from __future__ import annotations

import time

from lms.extensions import db
from tests.factories import make_user

PW = "lantern-river-42"


def login_form(client, email, password=PW, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def shift(client, **seconds_ago):
    with client.session_transaction() as sess:
        for key, ago in seconds_ago.items():
            sess[f"_{key}"] = int(time.time()) - ago


def test_login_starts_a_new_session(client):
    """V7.2.4: keys planted in the visitor's session before login do not survive it, and the
    session gets a new random id."""
    make_user(email="kim@example.kr", password=PW)
    db.session.commit()
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
        sess["_sid"] = "fixed-by-attacker"
    assert login_form(client, "kim@example.kr").status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["_sid"] != "fixed-by-attacker" and len(sess["_sid"]) >= 24


def test_idle_timeout_ends_the_session(app, client):
    """V7.3.1: after 30 idle minutes the next request is anonymous (and says why)."""
    make_user(email="kim@example.kr", password=PW)
    db.session.commit()
    login_form(client, "kim@example.kr")
    idle = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    shift(client, seen_at=idle - 60)
    assert client.get("/profile").status_code == 200  # 29 minutes: still in, and the clock restarts
    with client.session_transaction() as sess:
        assert int(time.time()) - sess["_seen_at"] < 5
    shift(client, seen_at=idle + 1)
    r = client.get("/profile")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "로그아웃되었습니다" in client.get("/login").get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_absolute_lifetime_forces_a_new_login(app, client):
    """V7.3.2: 12 hours after login the session ends even if it was used a second ago."""
    make_user(email="kim@example.kr", password=PW)
    db.session.commit()
    login_form(client, "kim@example.kr")
    absolute = int(app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds())
    shift(client, login_at=absolute - 60, seen_at=0)
    assert client.get("/profile").status_code == 200
    shift(client, login_at=absolute + 1, seen_at=0)
    assert client.get("/profile").status_code == 302
    assert login_form(client, "kim@example.kr").status_code == 302  # a new login works
    assert client.get("/profile").status_code == 200


def test_session_without_clocks_is_not_trusted(app, client):
    """V7.3.2: a session cookie not started by a login (no clocks) is not accepted."""
    user = make_user(email="kim@example.kr", password=PW)
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
    assert client.get("/profile").status_code == 302


def _session_cookie(resp, name: str = "session") -> str:
    return next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith(name + "="))


def test_cookie_secure_over_https_and_httponly_samesite(client):
    """V3.3.1 / V3.3.2 / V3.3.4: over HTTPS the session cookie is Secure; always HttpOnly, SameSite=Lax."""
    make_user(email="kim@example.kr", password=PW)
    db.session.commit()
    https = login_form(client, "kim@example.kr", base_url="https://localhost")
    cookie = _session_cookie(https)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.post("/logout", base_url="https://localhost")
    plain = login_form(client, "kim@example.kr")
    assert "Secure" not in _session_cookie(plain)  # development over plain HTTP still works


def test_cookie_secure_in_production_config(database_url, monkeypatch):
    """V3.3.1 / V3.3.3: the production configuration (not debug, not testing) marks cookies
    Secure even behind a proxy that talks plain HTTP to the app, under a ``__Host-`` name
    (no Domain, Path=/); an explicit 0 turns it off."""
    from lms import create_app

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    cfg = {"SECRET_KEY": "a-real-secret-" + "x" * 20, "SQLALCHEMY_DATABASE_URI": database_url,
           "SERVER_NAME": "localhost"}
    prod = create_app(cfg)
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    resp = prod.test_client().get("/login")
    cookie = _session_cookie(resp, "__Host-session")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    monkeypatch.setenv("LMS_SESSION_COOKIE_SECURE", "0")
    assert create_app(cfg).config["SESSION_COOKIE_SECURE"] is False
