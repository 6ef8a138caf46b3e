"""Every endpoint, every method, every role: the answer the access policy promises.

ASVS 5.0 V8.2.1 (function-level access: a user reaches only the functions their role
allows), V8.2.2 (data-specific access), V8.3.1 (authorisation enforced on the server
for every request), V3.5.1 (anti-CSRF on every state-changing request), V3.4 and
V14.3.2 (every answer of the walk, real pages with real data included, carries the
security headers, and ``Cache-Control: no-store`` where it shows personal data); PIPA
safety-measures standard Art. 5 (access rights to personal data by role).

The walk calls every rule of ``app.url_map`` with every method it accepts, as a visitor
and as a trainee, instructor, ministry officer, admin and meister, with URL arguments
taken from one world (tests/scale.py). The expected answer comes from the endpoint's
reviewed policy (``REVIEWED`` below, or for an endpoint added later its declared
``@policy``): a visitor on a non-public page is sent to /login, a role the policy
leaves out gets 403, a role it lets in gets the page (200, or a redirect that is not
the login page). ``OVERRIDES`` lists the answers that legitimately differ, with why.

``REVIEWED`` is the policy table as reviewed: a decorator removed, or widened to more
roles than the table grants, fails ``test_no_endpoint_is_wider_than_reviewed`` and the
walk (the walk still expects the reviewed answers). Endpoints added later are walked
with their declared policy; a new public endpoint must be added to ``REVIEWED``.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lms.core.authz import AUTHENTICATED, PUBLIC, ROLES
from lms.extensions import db
from tests.conftest import login
from tests.core.test_query_counts import _args, _users
from tests.scale import build_world, grow
from tests.security.test_headers import check_headers

def is_bearer_api(endpoint: str) -> bool:
    """JSON API v1 endpoints take a bearer token and no session cookie: a cookie call is 401
    by design. Their roles, scopes and 404s are walked with tokens in tests/api/test_access.py;
    the document and its page are public pages and stay in the walks here."""
    return endpoint.startswith("api.") and endpoint not in ("api.openapi_json", "api.docs")


_TABLE = {
    (PUBLIC,): """catalog.index catalog.course health.healthz accounts.login accounts.logout accounts.register
        accounts.forgot_password accounts.reset_password accounts.accept_invitation accounts.confirm_email
        certificates.verify certificates.verify_code certificates.verify_pdf meisters.public_report
        meisters.confirm catalog.courses labs.checkin_scan certificates.verify_pdf_form api.openapi_json
        api.docs""",
    (AUTHENTICATED,): "accounts.profile accounts.second_factor accounts.second_factor_setup",
    ("trainee", "instructor", "ministry", "admin", "meister"): "jobs.mine jobs.detail jobs.status jobs.result jobs.retry",
    ("trainee",): """learning.dashboard learning.enroll learning.resume learning.module learning.quiz_start
        learning.quiz_submit learning.quiz_result learning.complete learning.withdraw labs.my_bookings
        labs.booking_ics labs.booking_cancel labs.checkin labs.module_sessions labs.book labs.cohort_invitation
        certificates.renew""",
    ("instructor",): "accounts.second_factor_disable",
    ("trainee", "instructor", "admin"): "certificates.mine certificates.download",
    ("instructor", "admin"): """certificates.cohort certificates.cohort_download certificates.cohort_issue
        certificates.manage certificates.detail certificates.reissue certificates.revoke labs.instructor_dashboard
        analytics.instructor analytics.instructor_export labs.cohorts labs.cohort labs.attendance_export
        labs.roster_upload labs.roster_export labs.roster_confirm labs.session labs.attendance_save
        labs.session_cancel labs.session_qr labs.signoff labs.smartlabs labs.smartlab labs.session_new""",
    ("ministry", "admin"): "analytics.dashboard analytics.export analytics.report analytics.report_job",
    ("meister",): "meisters.home meisters.visit_new meisters.visit_resend",
    ("meister", "admin"): "meisters.placement meisters.close meisters.report meisters.photo",
    ("admin",): """admin.index admin.audit admin.companies admin.company_edit admin.company_new admin.institutions
        admin.institution_edit admin.institution_new admin.outbox admin.outbox_message admin.reference_index
        admin.reference_list admin.reference_edit admin.complexes admin.complex_edit admin.complex_new
        admin.region_new admin.users admin.user_detail admin.user_active admin.user_invite admin.user_role
        admin.user_new meisters.admin_meisters meisters.admin_meister meisters.admin_meister_approve
        meisters.admin_meister_deactivate meisters.admin_match meisters.admin_meister_new
        meisters.admin_placements meisters.admin_placement_cancel meisters.admin_placement_contact
        meisters.admin_placement_new certificates.institution_image certificates.institution_assets
        labs.cohort_edit labs.cohort_new labs.programmes labs.programme_edit labs.programme_new
        labs.smartlab_edit labs.equipment_add labs.room_add labs.smartlab_new analytics.close_month
        analytics.target""",
}
REVIEWED: dict[str, tuple[str, ...]] = {ep: roles for roles, names in _TABLE.items() for ep in names.split()}

# Public pages that show a person's data or take a secret: never stored by a cache either
# (ASVS V14.3.2), like every page a signed-in user sees.
PERSONAL_PUBLIC = {"certificates.verify", "certificates.verify_code", "certificates.verify_pdf",
                   "accounts.reset_password", "accounts.accept_invitation", "accounts.confirm_email",
                   "accounts.login", "accounts.register", "accounts.forgot_password", "meisters.confirm",
                   "meisters.public_report"}

OK, LOGIN = "ok", "login"
# (endpoint, method) -> {role or "*": allowed statuses}: answers that differ from the policy's default.
OVERRIDES: dict[tuple[str, str], dict[str, set[int]]] = {
    # A background job is its owner's (the world's instructor): others get 404; an admin
    # sees it (to help) but may not retry someone else's job.
    **{(ep, "GET"): {"trainee": {404}, "ministry": {404}, "meister": {404}}
       for ep in ("jobs.detail", "jobs.status", "jobs.result")},
    ("jobs.retry", "POST"): {"trainee": {404}, "ministry": {404}, "meister": {404}, "admin": {403}},
    # Token links with a token that is not one: the page explains (400) or, for a
    # cohort invitation, is not found; the world's own tokens are used where it has them.
    ("accounts.reset_password", "GET"): {"*": {400}}, ("accounts.reset_password", "POST"): {"*": {400}},
    ("accounts.accept_invitation", "GET"): {"*": {400}}, ("accounts.accept_invitation", "POST"): {"*": {400}},
    ("accounts.confirm_email", "GET"): {"*": {400}}, ("accounts.confirm_email", "POST"): {"*": {400}},
    ("labs.cohort_invitation", "GET"): {"trainee": {404}}, ("labs.cohort_invitation", "POST"): {"trainee": {404}},
    ("meisters.public_report", "GET"): {"*": {400}},  # the world's placement is still open: no report yet
    ("meisters.report", "GET"): {"meister": {404}, "admin": {404}},
    # The second-factor pages are for staff who use one: others are refused by the page itself.
    ("accounts.second_factor_setup", "GET"): {"trainee": {403}, "meister": {403}},
    ("accounts.second_factor_setup", "POST"): {"trainee": {403}, "meister": {403}},
    # No seal uploaded in the world: the image is missing.
    ("certificates.institution_image", "GET"): {"admin": {404}},
    # Addresses that only lead on: a trimmed course address to the catalogue, a GET of the
    # PDF check to its form, a scanned QR code to the check-in page (the same redirect for any id).
    ("catalog.courses", "GET"): {"*": {301}},
    ("certificates.verify_pdf_form", "GET"): {"*": {303}},
    ("labs.checkin_scan", "GET"): {"*": {303}},
    # The world's token is the trainee's: anyone else's revoke finds no such token.
    ("api_tokens.revoke", "POST"): {"instructor": {404}, "ministry": {404}, "admin": {404}, "meister": {404}},
}


def expected_policy(app, endpoint: str) -> tuple[str, ...]:
    return REVIEWED.get(endpoint) or getattr(app.view_functions[endpoint], "__policy__", ())


def admits(allowed: tuple[str, ...], role: str | None) -> bool:
    if PUBLIC in allowed:
        return True
    if role is None:
        return False
    return AUTHENTICATED in allowed or role in allowed


def expectation(app, endpoint: str, method: str, role: str | None):
    """The statuses (or OK / LOGIN) an endpoint must answer ``role`` with."""
    over = OVERRIDES.get((endpoint, method), {})
    key = role or "anonymous"
    if key in over:
        return over[key]
    allowed = expected_policy(app, endpoint)
    if not admits(allowed, role):
        return LOGIN if role is None else {403}
    return over.get("*", OK)


def _meets(resp, want, method: str) -> bool:
    location = urlsplit(resp.headers.get("Location", "")).path
    if want == LOGIN:
        return resp.status_code == 302 and location == "/login"
    if want == OK:
        if resp.status_code == 302:
            return location != "/login"
        return resp.status_code in ({200, 400} if method == "POST" else {200})
    return resp.status_code in want


def test_no_endpoint_is_wider_than_reviewed(app):
    """A decorator removed, or widened beyond the reviewed table, fails here; a new public
    endpoint must be reviewed (added to REVIEWED) before it ships."""
    wider, unreviewed_public, stale = [], [], []
    every = ("anonymous",) + ROLES
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        declared = getattr(app.view_functions[rule.endpoint], "__policy__", None)
        reviewed = REVIEWED.get(rule.endpoint)
        if declared is None:
            wider.append(f"{rule.endpoint}: no @policy")
        elif reviewed is None:
            if PUBLIC in declared:
                unreviewed_public.append(rule.endpoint)
        else:
            extra = [r for r in every if admits(declared, None if r == "anonymous" else r)
                     and not admits(reviewed, None if r == "anonymous" else r)]
            if extra:
                wider.append(f"{rule.endpoint}: {declared} lets in {extra} beyond reviewed {reviewed}")
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    stale = sorted(set(REVIEWED) - endpoints)
    assert not wider, "\n".join(wider)
    assert not unreviewed_public, f"public endpoints not in REVIEWED: {unreviewed_public}"
    assert not stale, f"REVIEWED names endpoints that no longer exist: {stale}"


def world_args(w, endpoint: str, arguments: set[str]) -> dict:
    """URL arguments from the world (the query-count test's table), with a quiz's slug
    where a quiz is meant and a course code where a course is."""
    out = _args(w, endpoint, arguments)
    if endpoint.startswith("learning.quiz_"):
        out["slug"] = w.quiz.slug
    if endpoint == "learning.enroll":
        out["code"] = w.course.code
    return out


def _calls(app, w):
    """(endpoint, method, url) for every rule and method; GETs first, then POSTs, so a
    state-changing POST cannot change what a later GET sees."""
    from flask import url_for

    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint == "static" or is_bearer_api(rule.endpoint):
            continue
        url = url_for(rule.endpoint, **world_args(w, rule.endpoint, set(rule.arguments)))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    order = {"GET": 0}
    return sorted(out, key=lambda c: (order.get(c[1], 1), c[0]))


# Endpoints whose allowed POST ends a session or an object other calls use: walked last,
# in this order (the trainee's own withdrawal before the admin deactivates that trainee).
_DESTRUCTIVE = ("learning.withdraw", "accounts.second_factor_disable", "labs.session_cancel",
                "meisters.admin_placement_cancel", "meisters.admin_meister_deactivate", "admin.user_role",
                "accounts.logout", "admin.user_active")


def _jobs(app, calls):
    """(endpoint, method, url, role) in walking order: everything else, then _DESTRUCTIVE."""
    first, last = [], []
    for endpoint, method, url in calls:
        for role in (None,) + ROLES:
            late = (role is not None and method != "GET" and endpoint in _DESTRUCTIVE
                    and expectation(app, endpoint, method, role) == OK)
            (last if late else first).append((endpoint, method, url, role))
    last.sort(key=lambda j: _DESTRUCTIVE.index(j[0]))
    return first + last


@pytest.mark.filterwarnings("ignore")
def test_every_endpoint_answers_every_role_as_its_policy_says(app, client, monkeypatch):
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    w = build_world()
    grow(w, trainees=2, sessions=2, logs=2)
    users = _users(w)
    db.session.commit()
    calls = _calls(app, w)
    assert len({c[0] for c in calls}) > 100
    wrong, walked = [], 0
    for endpoint, method, url, role in _jobs(app, calls):
        want = expectation(app, endpoint, method, role)
        with client.session_transaction() as sess:
            sess.clear()
        if role is not None:
            login(client, users[role])
        walked += 1
        try:
            resp = client.open(url, method=method, data={})
        except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer like any other
            wrong.append(f"{method} {url} [{endpoint}] as {role or 'anonymous'}: raised {exc!r}")
            continue
        if not _meets(resp, want, method):
            wrong.append(f"{method} {url} [{endpoint}] as {role or 'anonymous'}: {resp.status_code} "
                         f"{resp.headers.get('Location', '')} (want {want})")
        where = f"{method} {url} [{endpoint}] as {role or 'anonymous'} -> {resp.status_code}"
        try:
            check_headers(resp, where)
        except AssertionError as exc:
            wrong.append(f"security headers: {exc}")
        signed_in = role is not None and endpoint != "accounts.logout"  # logout's answer has no one's data
        if (signed_in or endpoint in PERSONAL_PUBLIC) and "no-store" not in resp.headers.get("Cache-Control", ""):
            wrong.append(f"{where}: no Cache-Control: no-store on a page with personal data")
    assert not wrong, f"{len(wrong)} of {walked} calls answered otherwise:\n" + "\n".join(wrong)


def test_every_post_without_a_csrf_token_is_refused(app, client, monkeypatch):
    """V3.5.1: with CSRF protection on (as outside tests), every POST of every endpoint
    without a token is refused with 400 before the view runs, signed in or not; the same
    POST with the page's token gets past the check."""
    import re

    from flask import url_for

    from flask_wtf.csrf import CSRFError

    from lms.extensions import csrf
    from tests.factories import make_user

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused: list[bool] = []
    protect = csrf.protect

    def spy():  # records whether the CSRF check refused the request
        try:
            protect()
        except CSRFError:
            refused.append(True)
            raise
        refused.append(False)

    monkeypatch.setattr(csrf, "protect", spy)

    admin = make_user("admin")
    db.session.commit()
    posts = []
    for rule in app.url_map.iter_rules():
        if is_bearer_api(rule.endpoint):
            continue  # bearer tokens only, no cookie counts there (tests/api/test_access.py): no CSRF surface
        if "POST" in rule.methods:
            args = {a: 1 if a.endswith("_id") else {"fmt": "csv", "kind": "regions"}.get(a, "x") for a in rule.arguments}
            posts.append((rule.endpoint, url_for(rule.endpoint, **args)))
    assert len(posts) > 50
    accepted = []
    for who in (None, admin):
        with client.session_transaction() as sess:
            sess.clear()
        if who is not None:
            login(client, who)
        for endpoint, url in posts:
            refused.clear()
            resp = client.post(url, data={"x": "1"})
            if resp.status_code != 400 or refused != [True]:
                accepted.append(f"{endpoint} as {who and who.role}: {resp.status_code}")
    assert not accepted, "POSTs without a CSRF token not refused:\n" + "\n".join(accepted)
    # With the page's token the same kind of request passes the check (the form answers instead).
    from flask import g

    with client.session_transaction() as sess:
        sess.clear()
    g.pop("csrf_token", None)  # the test's app context outlives requests; a server's does not
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused.clear()
    resp = client.post("/login", data={"csrf_token": token, "email": "nobody@example.kr", "password": "x" * 10})
    assert refused == [False] and resp.status_code == 401  # the login form's own answer to unknown credentials
