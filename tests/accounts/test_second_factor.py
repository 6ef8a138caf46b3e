"""Second factor (TOTP with recovery codes) for ministry and admin accounts, opt-in for instructors.

ASVS 5.0 V6.3.3 (L2: multi-factor authentication), V6.5.1 (a one-time code or recovery
code is usable once), V6.5.2 (recovery codes stored hashed), V6.5.3 (CSPRNG), V6.5.5
(TOTP step 30 s), V6.4.3 (a password reset does not bypass the factor), V6.4.4 (a lost
factor is replaced only by an operator after identity checks), V13.3.1 (TOTP seeds
protected); PIPA safety-measures standard Art. 6(2) (one-time passwords for staff who
reach personal data from outside) and Art. 5(5) (authentication means managed safely).
"""
from __future__ import annotations

import hashlib
import math
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from lms.accounts import second_factor as tf
from lms.accounts.models import RecoveryCode
from lms.extensions import db
from tests.factories import make_user

PW = "lantern-river-42"


def login_form(client, email, password=PW, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def enrol(client, user):
    """Enrol ``user`` (already past the password) and return (secret, recovery codes)."""
    r = client.get("/account/second-factor/setup")
    assert r.status_code == 200
    secret = tf.secret_of(user)
    codes_page = client.post("/account/second-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert codes_page.status_code == 200
    codes = re.findall(r"<code>((?:[a-z2-9]{4}-){5}[a-z2-9]{4})</code>", codes_page.get_data(as_text=True))
    return secret, codes


def next_code(secret):
    return pyotp.TOTP(secret).at(time.time() + tf.STEP_SECONDS)


@pytest.mark.parametrize("role", ["ministry", "admin"])
def test_privileged_login_without_second_factor_reaches_only_enrolment_and_logout(app, client, role):
    """ASVS 5.0 V6.3.3: after the password a ministry/admin session reaches no page
    (GET or POST, any endpoint) but enrolment, code entry and logout."""
    make_user(role=role, email="boss@example.kr", password=PW)
    db.session.commit()
    r = login_form(client, "boss@example.kr")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/second-factor/setup")
    from lms.accounts.sessions import GATE_OPEN

    with app.test_request_context():
        from flask import url_for

        urls = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint in GATE_OPEN:
                continue
            args = {a: (1 if a.endswith("id") else "csv" if a == "fmt" else "x") for a in rule.arguments}
            try:
                urls.append((rule.endpoint, sorted(rule.methods - {"HEAD", "OPTIONS"}), url_for(rule.endpoint, **args)))
            except Exception:  # a converter that refuses the dummy value: try the string form
                continue
    assert len(urls) > 50
    for endpoint, methods, url in urls:
        for method in methods:
            resp = client.open(url, method=method)
            assert resp.status_code == 302, (endpoint, method, resp.status_code)
            assert resp.headers["Location"].endswith("/account/second-factor/setup"), (endpoint, method)
    assert client.get("/account/second-factor/setup").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/account/second-factor/setup").status_code == 302  # logged out now


def test_enrolment_login_with_code_and_replay_refused(client):
    """ASVS 5.0 V6.3.3 enrolment and code at login, V6.5.1 a used code is refused."""
    user = make_user(role="ministry", email="gov@example.kr", password=PW)
    db.session.commit()
    login_form(client, "gov@example.kr")
    r = client.post("/account/second-factor/setup", data={"code": "000000"})
    assert r.status_code == 400 and user.totp_enabled_at is None
    body = client.get("/account/second-factor/setup").get_data(as_text=True)
    secret = tf.secret_of(user)
    assert "<svg" in body and secret in body and secret not in user.totp_secret  # stored sealed only
    first = pyotp.TOTP(secret).now()
    secret, codes = enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/ministry").status_code == 200  # enrolled and passed: in
    client.post("/logout")

    r = login_form(client, "gov@example.kr", query_string={"next": "/profile"})
    assert r.headers["Location"].endswith("/login/second-factor")
    assert client.get("/ministry").status_code == 302
    r = client.post("/login/second-factor", data={"code": first})  # the enrolment code again
    assert r.status_code == 401 and "이미 사용한" in r.get_data(as_text=True)
    code = next_code(secret)
    r = client.post("/login/second-factor", data={"code": code})
    assert r.status_code == 302 and r.headers["Location"].endswith("/profile")
    assert client.get("/ministry").status_code == 200
    client.post("/logout")
    login_form(client, "gov@example.kr")
    assert client.post("/login/second-factor", data={"code": code}).status_code == 401  # replay
    assert client.get("/ministry").status_code == 302


def test_recovery_codes_are_hashed_and_single_use(client):
    """ASVS 5.0 V6.5.1 / V6.5.2: recovery codes stored as digests only, each works once."""
    user = make_user(role="admin", email="root@example.kr", password=PW)
    db.session.commit()
    login_form(client, "root@example.kr")
    _, codes = enrol(client, user)
    stored = db.session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars().all()
    assert len(stored) == 10 and not any(c in s or c.replace("-", "") in s for c in codes for s in stored)
    assert all(len(c.replace("-", "")) * math.log2(31) >= 112 for c in codes)  # V6.5.2: plain hash allowed
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored
    client.post("/logout")
    login_form(client, "root@example.kr")
    assert client.post("/login/second-factor", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert tf.remaining_recovery_codes(user) == 9
    client.post("/logout")
    login_form(client, "root@example.kr")
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 401
    assert client.post("/login/second-factor", data={"code": codes[1]}).status_code == 302


def test_enrolled_user_cannot_re_enrol_to_skip_the_code(client):
    """ASVS 5.0 V6.3.3: a session past only the password cannot replace the enrolled secret."""
    user = make_user(role="ministry", email="gov@example.kr", password=PW)
    db.session.commit()
    login_form(client, "gov@example.kr")
    secret, _ = enrol(client, user)
    client.post("/logout")
    login_form(client, "gov@example.kr")
    r = client.get("/account/second-factor/setup")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/second-factor")
    client.post("/account/second-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert tf.secret_of(user) == secret and client.get("/ministry").status_code == 302


def test_instructor_may_opt_in_and_out(client):
    """ASVS 5.0 V6.3.3: instructors choose the factor from their profile; once on, login asks for it."""
    user = make_user(role="instructor", email="prof@example.kr", password=PW)
    db.session.commit()
    assert login_form(client, "prof@example.kr").headers["Location"].endswith("/instructor")
    page = client.get("/profile").get_data(as_text=True)
    assert "/account/second-factor/setup" in page
    secret, codes = enrol(client, user)
    client.post("/logout")
    assert login_form(client, "prof@example.kr").headers["Location"].endswith("/login/second-factor")
    assert client.get("/instructor").status_code == 302
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 302
    r = client.post("/account/second-factor/disable", data={"tf-code": "123456"})
    assert user.totp_enabled_at is not None
    r = client.post("/account/second-factor/disable", data={"tf-code": next_code(secret)})
    assert r.status_code == 302 and user.totp_enabled_at is None
    client.post("/logout")
    assert login_form(client, "prof@example.kr").headers["Location"].endswith("/instructor")


def test_trainee_cannot_enrol_and_is_not_asked(client):
    """ASVS 5.0 V6.3.4: the pathways are the documented ones (trainees: password only)."""
    make_user(role="trainee", email="t@example.kr", password=PW)
    db.session.commit()
    assert "/second-factor" not in login_form(client, "t@example.kr").headers["Location"]
    assert client.get("/account/second-factor/setup").status_code == 403


def test_wrong_codes_are_throttled(app, client):
    """ASVS 5.0 V6.3.1: guessing the 6 digits is stopped after 5 wrong codes per 15 minutes."""
    user = make_user(role="ministry", email="gov@example.kr", password=PW)
    db.session.commit()
    login_form(client, "gov@example.kr")
    secret, _ = enrol(client, user)
    client.post("/logout")
    login_form(client, "gov@example.kr")
    app.config["RATELIMIT_ENABLED"] = True
    app.extensions.pop("lms_counters", None)
    try:
        for _ in range(5):
            assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 401
        r = client.post("/login/second-factor", data={"code": next_code(secret)})
        assert r.status_code == 429
    finally:
        app.config["RATELIMIT_ENABLED"] = False
        app.extensions.pop("lms_counters", None)


def test_replayed_code_refused_even_when_requests_race(app):
    """ASVS 5.0 V6.5.1: the last used step is compared in the UPDATE itself."""
    user = make_user(role="ministry")
    tf.start_enrolment(user)
    now = time.time()
    secret = tf.secret_of(user)
    assert tf.confirm_enrolment(user, pyotp.TOTP(secret).at(now), now=now) is not None
    code = pyotp.TOTP(secret).at(now + 30)
    assert tf.verify(user, code, now=now + 30) is True
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(user, "totp_last_step", None)  # a stale copy, as another worker may hold...
    assert tf.verify(user, code, now=now + 30) is False  # ...still loses: the database decides


def test_cli_reset_second_factor_forces_new_enrolment(app, client):
    """ASVS 5.0 V6.4.4: a lost factor is removed by an operator (after checking identity out of band); the account enrols again."""
    user = make_user(role="admin", email="root@example.kr", password=PW)
    db.session.commit()
    login_form(client, "root@example.kr")
    enrol(client, user)
    r = app.test_cli_runner().invoke(args=["users", "reset-second-factor", "--email", "root@example.kr"])
    assert r.exit_code == 0, r.output
    assert user.totp_secret is None and tf.remaining_recovery_codes(user) == 0
    assert client.get("/admin/").status_code == 302  # its sessions ended
    r = login_form(client, "root@example.kr")
    assert r.headers["Location"].endswith("/account/second-factor/setup")


def test_password_reset_does_not_bypass_the_second_factor(client):
    """ASVS 5.0 V6.4.3: a reset link signs the user in only as far as the second factor."""
    from lms.accounts import services

    user = make_user(role="ministry", email="gov@example.kr", password=PW)
    db.session.commit()
    login_form(client, "gov@example.kr")
    enrol(client, user)
    client.post("/logout")
    path = services.make_password_reset_link(user).replace("http://localhost", "")
    r = client.post(path, data={"password": "harbour-lights-77", "confirm": "harbour-lights-77"})
    assert r.status_code == 302
    r = client.get("/ministry")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/second-factor")


def test_totp_secret_is_stored_encrypted(app):
    """ASVS 5.0 V13.3.1: the database holds the TOTP seed only sealed under the app's key."""
    user = make_user(role="admin")
    secret = tf.start_enrolment(user)
    assert secret not in user.totp_secret and tf.secret_of(user) == secret
    app.config["TOTP_ENCRYPTION_KEY"] = __import__("cryptography.fernet").fernet.Fernet.generate_key()
    try:
        assert tf.secret_of(user) is None  # another key cannot open it
    finally:
        app.config.pop("TOTP_ENCRYPTION_KEY")
