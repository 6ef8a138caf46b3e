"""QR check-in screens, on the labs blueprint (imported at the end of lms.labs.views).

- ``/labs/checkin/<id>/scan?t=`` is what the QR code holds. It notes the scan (session id,
  token, time) in the signed session cookie and sends the phone on to the check-in page;
  a signed-out phone goes through the login first and the scan is still good for
  :data:`lms.labs.checkin.SCAN_GRACE` (a code scanned at 07:45 checks in at 07:47).
- ``/labs/checkin/<id>`` the trainee's page: the check-in button for a booked trainee,
  a clear message for anyone else, the result after it.
- ``/labs/sessions/<id>/qr`` the current code as an SVG fragment (the session page and
  the full-screen page refresh it); outside the window a styled page with status 409.
- ``/labs/sessions/<id>/qr/screen`` the code full screen, for the room's display.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, redirect, render_template, request, session as cookie, url_for
from flask_login import current_user

from lms.core.authz import get_for, policy
from lms.core.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.labs import checkin as ci
from lms.labs import services as svc
from lms.labs.models import LabSession
from lms.labs.views import _flash_error, bp, get_session_for

_SCAN_KEY = "checkin_scan"


def _pending_scan(session_id: int) -> tuple[str, datetime] | None:
    """The token and time of this session's scan noted in the cookie, if still in grace."""
    scan = cookie.get(_SCAN_KEY) or {}
    if scan.get("sid") != session_id:
        return None
    try:
        at = datetime.fromisoformat(scan["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (at <= utcnow() <= at + ci.SCAN_GRACE):
        return None
    return str(scan.get("t", "")), at


@bp.get("/labs/checkin/<int:session_id>/scan")
@policy("public")
def checkin_scan(session_id: int):
    """Note the scanned code, then continue to the check-in page (through the login when
    signed out). Notes nothing for an unknown session or a code that is not valid now."""
    s = db.session.get(LabSession, session_id)
    token = request.args.get("t", "")[:64]
    now = utcnow()
    if s is not None and ci.token_valid(s, token, now):
        cookie[_SCAN_KEY] = {"sid": s.id, "t": token, "at": now.isoformat()}
    # The same answer for any id: the check-in page decides (404 for what the user may not see).
    return redirect(url_for("labs.checkin", session_id=session_id, t=token), 303)


@bp.route("/labs/checkin/<int:session_id>", methods=["GET", "POST"])
@policy("trainee")
def checkin(session_id: int):
    s = get_for(LabSession, session_id, current_user, svc.trainee_can_see_session)
    token = request.values.get("t", "")[:64]
    pending = _pending_scan(s.id)
    scanned_at = pending[1] if pending and pending[0] == token else None
    booked = ci.is_booked(current_user, s)
    result = None
    if request.method == "POST" and booked:
        try:
            result = ci.check_in(current_user, s, token, scanned_at=scanned_at)
            db.session.commit()
            cookie.pop(_SCAN_KEY, None)
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    return render_template("labs/checkin.html", s=s, token=token, result=result, booked=booked)


def _current_code(session_id: int):
    """(session, the QR's SVG) for the session's instructor, or (session, None) outside the
    check-in window (cancelled, not yet open, ended)."""
    s = get_session_for(current_user, session_id)
    if s.cancelled_at is not None or not ci.in_window(s):
        return s, None
    return s, ci.qr_svg(url_for("labs.checkin_scan", session_id=s.id, t=ci.make_token(s), _external=True))


@bp.route("/labs/sessions/<int:session_id>/qr")
@policy("instructor", "admin")
def session_qr(session_id: int):
    """The current QR code as an SVG fragment; outside the window a styled 409 page."""
    s, svg = _current_code(session_id)
    if svg is None:
        return render_template("labs/qr_closed.html", s=s), 409
    resp = Response(svg, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/labs/sessions/<int:session_id>/qr/screen")
@policy("instructor", "admin")
def session_qr_screen(session_id: int):
    """The code full screen for the room's display; refreshes itself as the token rotates."""
    s, svg = _current_code(session_id)
    if svg is None:
        return render_template("labs/qr_closed.html", s=s), 409
    return render_template("labs/qr_screen.html", s=s, qr=svg)
