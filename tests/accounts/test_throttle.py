"""Throttling of logins and reset mails, and the route rate limits.

ASVS 5.0 V6.3.1 (brute force and credential stuffing), V6.3.8 (no account enumeration
through answers or timing, registration and forgot-password included), V2.4.1
(anti-automation against data exfiltration and mail flooding); PIPA safety-measures
standard Art. 5(6) (access limited after repeated failed authentication) and Art. 6(3).
Every test runs twice: counters in this process, and in the real Redis at
127.0.0.1:6379 under a unique key prefix.
"""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from lms.accounts import services, throttle
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from tests.factories import make_user

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
def limits_on(request, app):
    """Turn limits on with fresh counters in memory or in Redis (unique prefix, deleted after)."""
    old = {k: app.config.get(k) for k in ("RATELIMIT_ENABLED", "REDIS_URL", "RATELIMIT_KEY_PREFIX")}
    prefix = f"lms-test-{secrets.token_hex(6)}"
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
        except Exception:  # pragma: no cover - the CI machine runs Redis
            pytest.skip("no Redis on 127.0.0.1:6379")
        app.config.update(REDIS_URL=REDIS_URL)
    else:
        app.config.update(REDIS_URL=None)
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix)
    app.extensions.pop("lms_counters", None)
    yield request.param
    if request.param == "redis":
        import redis

        r = redis.Redis.from_url(REDIS_URL)
        keys = list(r.scan_iter(f"{prefix}*"))
        if keys:
            r.delete(*keys)
    app.config.update(old)
    app.extensions.pop("lms_counters", None)


def login_from(client, ip, email, password):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_account_is_throttled_across_addresses(limits_on, client):
    """ASVS 5.0 V6.3.1: one account guessed from many addresses is locked for everyone."""
    make_user(email="kim@example.kr", password="password123!")
    db.session.commit()
    for i in range(10):  # ten addresses, one failure each
        assert login_from(client, f"10.0.{i}.1", "kim@example.kr", "wrong-guess").status_code == 401
    r = login_from(client, "10.9.9.9", "kim@example.kr", "password123!")
    assert r.status_code == 429 and "너무 많습니다" in r.get_data(as_text=True)
    # Another account from the same addresses still works.
    make_user(email="lee@example.kr", password="password123!")
    db.session.commit()
    assert login_from(client, "10.0.0.1", "lee@example.kr", "password123!").status_code == 302


def test_address_is_throttled_across_accounts(limits_on, client, monkeypatch):
    """ASVS 5.0 V6.3.1: credential stuffing (many accounts from one address) is stopped."""
    monkeypatch.setattr(throttle, "LOGIN_PER_ADDRESS", "6/15minutes")  # 30 in production; fewer hashes here
    make_user(email="victim@example.kr", password="password123!")
    db.session.commit()
    for i in range(6):
        assert login_from(client, "203.0.113.7", f"user{i}@example.kr", "password123!").status_code == 401
    assert login_from(client, "203.0.113.7", "victim@example.kr", "password123!").status_code == 429
    assert login_from(client, "203.0.113.8", "victim@example.kr", "password123!").status_code == 302


def test_success_does_not_reset_the_address_counter(limits_on, client, monkeypatch):
    """ASVS 5.0 V6.3.1: a stuffing run cannot clear its own counter with one known password."""
    monkeypatch.setattr(throttle, "LOGIN_PER_ADDRESS", "6/15minutes")
    make_user(email="own@example.kr", password="password123!")
    db.session.commit()
    for i in range(5):
        login_from(client, "198.51.100.1", f"u{i}@example.kr", "x-password")
    assert login_from(client, "198.51.100.1", "own@example.kr", "password123!").status_code == 302
    client.post("/logout")
    login_from(client, "198.51.100.1", "u99@example.kr", "x-password")
    assert login_from(client, "198.51.100.1", "own@example.kr", "password123!").status_code == 429


def test_same_answer_for_unknown_wrong_and_locked_accounts(limits_on, client, monkeypatch):
    """ASVS 5.0 V6.3.8: unknown e-mail, wrong password, deactivated account and locked
    account cost the same one password hash; the first three answer identically, and an
    unknown address gets locked exactly like a real one."""
    import werkzeug.security

    make_user(email="real@example.kr", password="password123!")
    make_user(email="gone@example.kr", password="password123!", active=False)
    db.session.commit()
    calls = []
    real = werkzeug.security.check_password_hash
    monkeypatch.setattr(werkzeug.security, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    monkeypatch.setattr("lms.accounts.models.check_password_hash",
                        lambda h, p: calls.append(1) or real(h, p))
    bodies = {}
    for email, pw in (("nobody@example.kr", "password123!"), ("real@example.kr", "wrong-pass"),
                      ("gone@example.kr", "password123!")):
        calls.clear()
        r = login_from(client, "192.0.2.1", email, pw)
        assert r.status_code == 401 and len(calls) == 1, email
        bodies[email] = r.get_data(as_text=True).replace(email, "")
    assert len(set(bodies.values())) == 1
    answers = {}
    for email in ("nobody@example.kr", "real@example.kr"):
        for i in range(10):
            login_from(client, f"192.0.2.{10 + i}", email, "wrong-pass")
        calls.clear()
        r = login_from(client, "192.0.2.99", email, "password123!")
        assert len(calls) == 1
        answers[email] = (r.status_code, r.get_data(as_text=True).replace(email, ""))
    assert answers["nobody@example.kr"] == answers["real@example.kr"] and answers["real@example.kr"][0] == 429


def test_reset_mail_limited_per_address_across_ips(limits_on, client):
    """ASVS 5.0 V2.4.1 / V6.3.8: at most 3 reset mails an hour to one mailbox whatever the
    sender's address; the page answers the same every time."""
    make_user(email="kim@example.kr")
    db.session.commit()
    for i in range(6):
        r = client.post("/forgot", data={"email": "kim@example.kr"}, environ_base={"REMOTE_ADDR": f"10.1.{i}.1"})
        assert r.status_code == 302
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipient == "kim@example.kr"))
    assert sent == 3


def test_reset_mail_limited_per_ip_across_addresses(limits_on, client):
    """ASVS 5.0 V2.4.1: one address cannot send reset mails to many mailboxes."""
    for i in range(12):
        make_user(email=f"m{i}@example.kr")
    db.session.commit()
    for i in range(12):
        client.post("/forgot", data={"email": f"m{i}@example.kr"}, environ_base={"REMOTE_ADDR": "10.2.0.1"})
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "password_reset"))
    assert sent == 10


def test_counters_are_shared_and_survive_a_flood(limits_on, app):
    """ASVS 5.0 V6.3.1: a flood of other keys cannot wipe an account's counter, and in
    Redis the counter is shared by every worker (a second connection sees it)."""
    with app.test_request_context():
        for _ in range(10):
            throttle.login_failed("10.3.0.1", "target@example.kr")
        for i in range(10_050):  # more distinct addresses than the old in-process cap of 10,000
            throttle.login_failed(f"ip-{i}", f"spray{i % 50}@example.kr")
        assert throttle.login_blocked("10.3.0.9", "target@example.kr")
        if limits_on == "redis":
            app.extensions.pop("lms_counters", None)  # a fresh client, as another worker has
            assert throttle.login_blocked("10.3.0.9", "TARGET@example.kr")
            import redis

            ttl = redis.Redis.from_url(REDIS_URL).ttl(
                next(redis.Redis.from_url(REDIS_URL).scan_iter(f"{app.config['RATELIMIT_KEY_PREFIX']}*account*target*")))
            assert 0 < ttl <= 15 * 60  # a fixed key that expires with its window


def test_verify_birth_date_check_limited_per_certificate_across_addresses(limits_on, client):
    """ASVS 5.0 V2.4.1 / V6.3.1: a certificate's birth date cannot be guessed from many
    addresses: 10 checks an hour per number, then 429 (other numbers unaffected)."""
    for i in range(10):
        r = client.post("/verify", data={"number": "2026-000777", "birth_date": f"1990-01-{i + 1:02d}"},
                        follow_redirects=True, environ_base={"REMOTE_ADDR": f"10.4.{i}.1"})
        assert r.status_code == 404
    r = client.post("/verify", data={"number": "2026-000777", "birth_date": "1990-02-01"}, follow_redirects=True,
                    environ_base={"REMOTE_ADDR": "10.4.99.1"})
    assert r.status_code == 429
    r = client.post("/verify", data={"number": "2026-000778", "birth_date": "1990-02-01"}, follow_redirects=True,
                    environ_base={"REMOTE_ADDR": "10.4.99.2"})
    assert r.status_code == 404


def test_personal_data_downloads_are_rate_limited_per_account(limits_on, app, client, as_role):
    """ASVS 5.0 V2.4.1, PIPA safety measures Art. 6: exports and downloads of personal
    data share one budget per account (60 an hour); past it every one answers 429."""
    from lms.core.ratelimit import PERSONAL_DATA_DOWNLOADS

    as_role("instructor")
    urls = {}
    with app.test_request_context():
        from flask import url_for

        for ep in PERSONAL_DATA_DOWNLOADS:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == ep)
            args = {a: (999999 if "id" in a else ("csv" if a == "fmt" else "2026-999999" if a == "number" else "x"))
                    for a in rule.arguments}
            urls[ep] = url_for(ep, **args)
    order = list(urls.values())
    codes = [client.get(order[i % len(order)]).status_code for i in range(60)]
    assert 429 not in codes
    for ep, url in urls.items():
        assert client.get(url).status_code == 429, ep


def test_registration_cannot_flood_a_known_mailbox(limits_on, client):
    """ASVS 5.0 V2.4.1: sign-ups with a known address mail its owner at most 3 notices an hour,
    and one address may post at most 10 sign-ups an hour."""
    make_user(email="known@example.kr")
    db.session.commit()
    data = {"name": "누군가", "email": "known@example.kr", "password": "lantern-river-42",
            "confirm": "lantern-river-42", "consent_terms": "y", "consent_privacy_required": "y"}
    for i in range(5):
        assert client.post("/register", data=data, environ_base={"REMOTE_ADDR": f"10.5.{i}.1"}).status_code == 302
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipient == "known@example.kr"))
    assert sent == 3
    codes = [client.post("/register", data={**data, "email": f"n{i}@example.kr"},
                         environ_base={"REMOTE_ADDR": "10.6.0.1"}).status_code for i in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429
