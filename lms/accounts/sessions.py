"""Session lifecycle: start (fresh id), idle timeout, absolute lifetime, and the
second-factor gate.

OWASP ASVS 5.0 V7.2.4 (a new session token at authentication), V7.3.1 (inactivity
timeout), V7.3.2 (absolute maximum lifetime), V6.3.3 (privileged accounts reach
nothing but enrolment, code entry and logout until the second factor is passed).
PIPA safety-measures standard Art. 6(4) (connections idle for a set time are cut)
and Art. 6(2) (a one-time password for staff).

The session is Flask's signed cookie; these keys live in it:

``_sid``         random id drawn at login (the whole cookie is new then)
``_login_at``    epoch seconds of the login (absolute lifetime)
``_seen_at``     epoch seconds of the last request (idle timeout)
``_2fa``         the user's session id (``"<id>:<version>"``) once the second factor passed
"""
from __future__ import annotations

import secrets
import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.accounts import second_factor

# Endpoints a signed-in user who still owes a second factor may reach.
GATE_OPEN = frozenset({"accounts.second_factor", "accounts.second_factor_setup", "accounts.recovery_codes",
                       "accounts.logout", "static", "health.healthz"})
_SEEN_GRANULARITY = 30  # seconds: the cookie is rewritten at most this often for idle tracking


def begin(user, *, second_factor_done: bool = False) -> None:
    """Log ``user`` in on a brand-new session (nothing of the old cookie survives but
    the language choice) and start its idle and absolute clocks."""
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else session.get("locale")
    session.clear()
    login_user(user)
    now = int(time.time())
    session["_sid"] = secrets.token_urlsafe(24)
    session["_login_at"] = now
    session["_seen_at"] = now
    if second_factor_done:
        session["_2fa"] = user.get_id()
    if locale:
        session["locale"] = locale


def mark_second_factor(user) -> None:
    """Record that the second factor passed, on a new session id."""
    session["_2fa"] = user.get_id()
    session["_sid"] = secrets.token_urlsafe(24)


def second_factor_done(user) -> bool:
    return session.get("_2fa") == user.get_id()


def seed_for_tests(sess, user, *, second_factor_done: bool = True) -> None:
    """Fill a test client's session as a completed login of ``user`` would."""
    now = int(time.time())
    sess["_user_id"] = user.get_id()
    sess["_fresh"] = True
    sess["_sid"] = secrets.token_urlsafe(24)
    sess["_login_at"] = now
    sess["_seen_at"] = now
    if second_factor_done:
        sess["_2fa"] = user.get_id()


def _expired(now: int) -> bool:
    idle = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    absolute = int(current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds())
    login_at, seen_at = session.get("_login_at"), session.get("_seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True  # a session not started by begin() is not trusted
    return now - seen_at > idle or now - login_at > absolute


def init_app(app: Flask) -> None:
    """Before each request: end an idle or too-old session, then hold a user who owes
    a second factor at enrolment or code entry."""

    @app.before_request
    def _session_clocks():
        if request.endpoint == "static" or "_user_id" not in session:
            return None
        now = int(time.time())
        if _expired(now):
            logout_user()
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("오래 사용하지 않았거나 로그인한 지 오래되어 로그아웃되었습니다. 다시 로그인해 주세요."), "info")
            return None
        if now - session["_seen_at"] >= _SEEN_GRANULARITY:
            session["_seen_at"] = now
        return None

    @app.before_request
    def _second_factor_gate():
        if not current_user.is_authenticated or request.endpoint in GATE_OPEN:
            return None
        user = current_user._get_current_object()
        if not second_factor.required_for(user) or second_factor_done(user):
            return None
        target = "accounts.second_factor" if second_factor.enrolled(user) else "accounts.second_factor_setup"
        return redirect(url_for(target))
