"""Every GET page issues the same number of SQL statements whatever the data size.

The test walks ``app.url_map``, renders each GET endpoint for every role its policy
lets in, counting statements with a ``before_cursor_execute`` hook, once with a
small world (3 trainees, 2+2 sessions, a few log rows) and again after the same
world has grown (25 trainees, 12+12 sessions, more certificates, audit events and
outbox messages). A page whose count moved does a query per row somewhere.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lms.extensions import db
from tests.conftest import login
from tests.scale import build_world, grow

# Endpoints that are not pages of the app's data.
SKIP = {
    "static": "files on disk",
}
# Pages answered on purpose with another status for the world's arguments (still counted).
EXPECTED_STATUS = {
    "accounts.accept_invitation": {400},  # an invalid link shows its explanation page
    "accounts.reset_password": {400},
    "accounts.confirm_email": {400},
    "labs.cohort_invitation": {404},
    "accounts.second_factor_setup": {200, 403},  # staff only, whatever the policy lets in
    "meisters.report": {404},  # a placement's report exists once it is closed; the world's is open
    "meisters.public_report": {400},
    # A job is its owner's (the instructor's): every other role gets 404 (admins see it).
    "jobs.detail": {200, 404},
    "jobs.status": {200, 404},
    "jobs.result": {200, 404},
}


@contextmanager
def count_statements():
    """Yield a list whose length is the number of statements run inside the block."""
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        # Savepoints are the test harness's transaction bookkeeping (one session serves every
        # request here, so where a request's transaction begins depends on the one before).
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)


def _args(w, endpoint: str, arguments: set[str]) -> dict:
    """URL arguments of ``endpoint`` filled from the world."""
    lesson = w.lessons[0]
    quiz = w.quiz
    out = {}
    for name in arguments:
        if name == "cohort_id":
            out[name] = w.cohort.id
        elif name == "session_id":
            out[name] = w.current_session.id if endpoint in ("labs.checkin", "labs.session_qr", "labs.session_qr_screen", "labs.checkin_scan") else w.past_session.id
        elif name == "lab_id":
            out[name] = w.lab.id
        elif name == "module_id":
            out[name] = w.practical.id
        elif name == "enrollment_id":
            out[name] = w.me_enrollment.id
        elif name == "slug":
            out[name] = quiz.slug if endpoint == "learning.quiz_result" else lesson.slug
        elif name == "attempt_id":
            out[name] = w.me_attempt.id
        elif name == "booking_id":
            out[name] = w.me_booking.id
        elif name == "number":
            out[name] = w.me_cert.number
        elif name == "code":
            out[name] = {"admin.reference_edit": "11", "catalog.course": w.course.code}.get(
                endpoint, w.me_cert.verification_code)
        elif name == "token":
            if endpoint == "meisters.confirm":
                from lms.meisters.visits import make_confirm_token

                out[name] = make_confirm_token(w.visit)
            elif endpoint == "meisters.public_report":
                from lms.meisters.reports import report_link

                out[name] = report_link(w.placement).rsplit("/", 1)[1]
            else:
                out[name] = "not-a-token"
        elif name == "kind":
            out[name] = "regions" if endpoint.startswith("admin.") else "seal"
        elif name == "institution_id":
            out[name] = w.institution.id
        elif name == "company_id":
            out[name] = w.sponsors[0].id
        elif name == "user_id":
            out[name] = w.me.id
        elif name == "message_id":
            from lms.core.outbox import OutboxMessage

            out[name] = db.session.execute(sa.select(sa.func.min(OutboxMessage.id))).scalar()
        elif name == "programme_id":
            out[name] = w.programme.id
        elif name == "complex_id":
            out[name] = w.complex.id
        elif name == "profile_id":
            out[name] = w.meister.id
        elif name == "placement_id":
            out[name] = w.placement.id
        elif name == "visit_id":
            out[name] = w.visit.id
        elif name == "class_id":
            out[name] = w.onsite_class.id
        elif name == "job_id":
            out[name] = w.job.id
        elif name == "token_id":
            out[name] = w.api_token.id
        elif name == "photo_id":
            out[name] = w.photo.id
        elif name == "table":
            out[name] = "by_course"
        elif name == "fmt":
            out[name] = "csv"
        else:
            raise AssertionError(f"no value for <{name}> of {endpoint}: teach _args")
    return out


def _users(w) -> dict:
    return {"trainee": w.me, "instructor": w.instructor, "admin": w.admin, "ministry": w.ministry,
            "meister": w.meister_user}


def _targets(app, w):
    """(endpoint, role or None, url) for every GET endpoint and role allowed on it."""
    from flask import url_for

    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi_json", "api.docs"):
            continue  # bearer-token JSON API: tests/api/ counts its statements per page
        allowed = getattr(app.view_functions[rule.endpoint], "__policy__", ())
        if "public" in allowed:
            roles = [None]
        elif "authenticated" in allowed:
            roles = ["trainee", "instructor", "ministry", "admin", "meister"]
        else:
            roles = list(allowed)
        url = url_for(rule.endpoint, **_args(w, rule.endpoint, set(rule.arguments)))
        if rule.endpoint == "certificates.institution_image":
            continue  # no seal uploaded in this world: a 404 by design
        for role in roles:
            out.append((rule.endpoint, role, url))
        if rule.endpoint == "learning.module":  # a quiz and a practical render other pages
            for kind, module in (("quiz", w.quiz), ("practical", w.practical)):
                out.append((f"learning.module[{kind}]", "trainee",
                            url_for(rule.endpoint, enrollment_id=w.me_enrollment.id, slug=module.slug)))
    return out


def _measure(app, client, w, targets) -> dict:
    from lms.analytics import cache

    users = _users(w)
    db.session.commit()  # the requests read what the world wrote
    counts = {}
    bad: list[str] = []
    for endpoint, role, url in targets:
        with client.session_transaction() as sess:
            sess.clear()
        if role:
            login(client, users[role])
        cache.clear()  # measure the cold path of cached pages too
        # A server's request starts with an empty session; here one session serves every
        # request, so forget what earlier requests loaded (else the count depends on them).
        db.session.expire_all()
        with count_statements() as seen:
            resp = client.get(url)
        expected = EXPECTED_STATUS.get(endpoint.split("[")[0])
        if not (resp.status_code in expected if expected else resp.status_code < 400):
            bad.append(f"{endpoint} as {role}: {url} answered {resp.status_code}")
        counts[(endpoint, role)] = (len(seen), url)
    assert not bad, "pages not rendered:\n" + "\n".join(bad)
    return counts


@pytest.mark.filterwarnings("ignore")
def test_no_page_issues_more_statements_for_more_data(app, client, monkeypatch):
    # Rendering PDFs is slow and not what is measured; downloads still run their queries.
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    w = build_world()
    grow(w, trainees=2, sessions=2, logs=3)
    targets = _targets(app, w)
    _measure(app, client, w, targets)  # first visits may create defaults (the target row): not data size
    small = _measure(app, client, w, targets)

    grow(w, trainees=22, sessions=10, logs=30)
    large = _measure(app, client, w, _targets(app, w))

    grown = {key: (small[key][0], large[key][0], large[key][1]) for key in small if small[key][0] != large[key][0]}
    report = "\n".join(f"  {ep} as {role}: {a} -> {b} statements ({url})" for (ep, role), (a, b, url) in sorted(
        grown.items(), key=lambda kv: kv[0][0]))
    assert not grown, f"pages whose statement count grows with the data:\n{report}"
    # The walk really rendered the pages of the issue's table.
    for endpoint in ("labs.instructor_dashboard", "labs.cohort", "certificates.cohort", "labs.cohorts",
                     "certificates.manage", "admin.index", "admin.audit", "labs.session", "learning.dashboard"):
        assert any(ep == endpoint for ep, _role in small), endpoint
