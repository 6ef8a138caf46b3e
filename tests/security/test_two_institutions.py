"""Two institutions: one side's users never reach the other side's records by id.

ASVS 5.0 V8.2.2 (data-specific access: no insecure direct object references), V8.2.3
(field-level), V8.4.1 (multi-tenant isolation: one tenant's users reach no other
tenant's data); PIPA Art. 29 and the safety-measures standard Art. 5 (access to
personal data limited to those who need it).

Institutions A and B each have an instructor, trainees, a cohort with a roster, a smart
lab with sessions, bookings, attendance, sign-offs, enrollments, quiz attempts,
certificates and a meister placement (tests/scale.py builds each side). The walk
takes every rule of ``app.url_map`` that has an id-like argument, fills it with B's
ids, and calls it with every method as each of A's users whose role the endpoint's
policy lets in (trainee, instructor, meister). Every call must answer 404: not 403
(which would confirm the object exists), not 200, not a redirect.

``B_IDS`` says where each id-like argument's value comes from; an argument the walk
does not know fails the test, so a new route must be taught here before it merges.
Admins and ministry officers are programme-wide roles, not tenants: endpoints only
they may call are listed as such; bearer-token public links (the token is the
permission) are listed with the test that covers them.
"""
from __future__ import annotations

import pytest

from lms.core.authz import AUTHENTICATED, PUBLIC
from lms.extensions import db
from tests.conftest import login
from tests.scale import build_world, grow
from tests.security.test_access_matrix import is_bearer_api, expected_policy

TENANT_ROLES = ("trainee", "instructor", "meister")

# Arguments that name a record, and how to find B's record for an endpoint.
B_IDS = {
    "cohort_id": lambda b, ep: b.cohort.id,
    "session_id": lambda b, ep: b.current_session.id if ep in ("labs.checkin", "labs.session_qr") else (
        b.future_session.id if ep == "labs.book" else b.past_session.id),
    "lab_id": lambda b, ep: b.lab.id,
    "module_id": lambda b, ep: b.practical.id,
    "enrollment_id": lambda b, ep: b.me_enrollment.id,
    "attempt_id": lambda b, ep: b.me_attempt.id,
    "booking_id": lambda b, ep: b.me_booking.id,
    "number": lambda b, ep: b.me_cert.number,
    "institution_id": lambda b, ep: b.institution.id,
    "company_id": lambda b, ep: b.sponsors[0].id,
    "user_id": lambda b, ep: b.me.id,
    "message_id": lambda b, ep: b.message_id,
    "programme_id": lambda b, ep: b.programme.id,
    "complex_id": lambda b, ep: b.complex.id,
    "profile_id": lambda b, ep: b.meister.id,
    "placement_id": lambda b, ep: b.placement.id,
    "visit_id": lambda b, ep: b.visit.id,
    "photo_id": lambda b, ep: b.photo.id,
    "class_id": lambda b, ep: b.onsite_class.id,
    "token_id": lambda b, ep: b.api_token.id,
    "job_id": lambda b, ep: b.job.id,  # a job of B's instructor
    "token": lambda b, ep: b.tokens[ep],
    "code": lambda b, ep: {"catalog.course": b.course.code, "learning.enroll": b.course.code}.get(
        ep, b.me_cert.verification_code),
}
# Arguments that choose a format, a kind or a page of an object named by another argument.
NOT_IDS = {
    "slug": lambda b, ep: b.quiz.slug if ep.startswith("learning.quiz_") else b.lessons[0].slug,
    "kind": lambda b, ep: "regions" if ep.startswith("admin.") else "seal",
    "table": lambda b, ep: "by_course",
    "fmt": lambda b, ep: "csv",
    "filename": lambda b, ep: "css/app.css",
}
# Public links whose token (or code) is itself the permission: not a tenant's id.
BEARER = {
    "certificates.verify_code": "tests/certificates (verification code, 192 random bits)",
    "accounts.reset_password": "tests/accounts/test_services.py::test_reset_token_expired_and_tampered",
    "accounts.accept_invitation": "tests/accounts/test_services.py::test_invitation_sets_first_password",
    "accounts.confirm_email": "tests/accounts/test_views.py::test_register_confirms_by_mail_then_logs_in_and_stores_consents",
    "meisters.confirm": "tests/meisters/test_visits.py",
    "meisters.public_report": "tests/meisters (signed report link)",
    # Not a bearer link, but no oracle either: the same redirect for any id, to labs.checkin,
    # which this walk checks answers 404 for B's session.
    "labs.checkin_scan": "tests/labs/test_checkin_journey.py (the check-in page decides)",
}
# Course catalogue: public, and a course belongs to no institution. Enrolling in another
# institution's course is the open self-study route.
SHARED = {"catalog.course", "learning.enroll"}


def _b_world():
    b = build_world("B")
    grow(b, trainees=2, sessions=2, logs=1)
    from lms.core.outbox import OutboxMessage
    from lms.labs import invitations
    from tests.factories import make_user
    import sqlalchemy as sa

    b.message_id = db.session.execute(sa.select(sa.func.max(OutboxMessage.id))).scalar()
    newcomer = make_user("trainee", name="초대받은B")
    link = invitations.invite(b.cohort, newcomer, b.instructor)
    b.tokens = {"labs.cohort_invitation": link.rsplit("/", 1)[1]}
    return b


def _targets(app, b):
    """(endpoint, method, url, roles of A that the policy lets in) for every id rule."""
    from flask import url_for

    out, unknown = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        ids = [a for a in rule.arguments if a not in NOT_IDS]
        if not ids or rule.endpoint in BEARER or rule.endpoint in SHARED or rule.endpoint == "static" \
                or is_bearer_api(rule.endpoint):  # walked with B's ids and A's tokens in tests/api/test_access.py
            continue
        allowed = expected_policy(app, rule.endpoint)
        roles = [r for r in TENANT_ROLES if PUBLIC in allowed or AUTHENTICATED in allowed or r in allowed]
        if not roles:
            continue  # admin / ministry only: programme-wide roles
        args = {}
        for a in rule.arguments:
            source = B_IDS.get(a) or NOT_IDS.get(a)
            if source is None:
                unknown.append(f"<{a}> of {rule.endpoint}")
                continue
            args[a] = source(b, rule.endpoint)
        if len(args) == len(rule.arguments):
            url = url_for(rule.endpoint, **args)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, url, roles))
    assert not unknown, ("arguments the two-institution walk does not know; add B's value to B_IDS "
                         "(or NOT_IDS when it names no record): " + ", ".join(unknown))
    return out


@pytest.fixture
def worlds(app, monkeypatch):
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    a = build_world("A")
    grow(a, trainees=2, sessions=2, logs=1)
    b = _b_world()
    # Names no page of A may print: B's trainees (the worlds share the factories' names).
    b.secrets = []
    for k, (user, _e) in enumerate(b.trainees):
        user.name = f"비기관훈련생{k:02d}"
        b.secrets += [user.name, user.email]
    db.session.commit()
    return a, b


def _get(client, user, url):
    with client.session_transaction() as sess:
        sess.clear()
    login(client, user)
    return client.get(url)


@pytest.mark.filterwarnings("ignore")
def test_a_users_get_404_for_every_id_of_b(app, client, worlds):
    a, b = worlds
    a_users = {"trainee": a.me, "instructor": a.instructor, "meister": a.meister_user}
    targets = _targets(app, b)
    assert len(targets) > 40
    leaks = []
    for endpoint, method, url, roles in targets:
        for role in roles:
            with client.session_transaction() as sess:
                sess.clear()
            login(client, a_users[role])
            try:
                resp = client.open(url, method=method, data={})
            except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer like any other
                leaks.append(f"{method} {url} [{endpoint}] as A's {role}: raised {exc!r}")
                continue
            if resp.status_code != 404:
                leaks.append(f"{method} {url} [{endpoint}] as A's {role}: {resp.status_code} "
                             f"{resp.headers.get('Location', '')}")
    assert not leaks, f"{len(leaks)} calls with B's ids did not answer 404:\n" + "\n".join(leaks)


@pytest.mark.filterwarnings("ignore")
def test_b_ids_in_the_query_string_are_not_found_either(client, worlds):
    """Ids taken from the query string go through the same check as those of the path."""
    a, b = worlds
    urls = [f"/labs/cohorts?programme_id={b.programme.id}",
            f"/labs/signoffs/{a.me_enrollment.id}/{a.practical.id}?session_id={b.past_session.id}"]
    for url in urls:
        assert _get(client, a.instructor, url).status_code == 404, url
    assert _get(client, a.instructor, f"/labs/cohorts?programme_id={a.programme.id}").status_code == 200


@pytest.mark.filterwarnings("ignore")
def test_no_page_of_a_shows_b_trainees(app, client, worlds):
    """Every GET page and export A's users may open, with A's ids (and with B's
    institution and course as analytics filters), names none of B's trainees."""
    from flask import url_for

    from tests.security.test_access_matrix import admits, world_args

    a, b = worlds
    a_users = {"trainee": a.me, "instructor": a.instructor, "meister": a.meister_user}
    shown, walked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint == "static" or is_bearer_api(rule.endpoint):
            continue
        url = url_for(rule.endpoint, **world_args(a, rule.endpoint, set(rule.arguments)))
        if rule.endpoint.startswith("analytics.instructor"):
            url += f"?institution={b.institution.id}&course={b.course.id}"
        for role, user in a_users.items():
            if not admits(expected_policy(app, rule.endpoint), role):
                continue
            walked += 1
            body = _get(client, user, url).get_data()
            text = body.decode("utf-8", "replace")
            hits = [s for s in b.secrets if s in text]
            if hits:
                shown.append(f"{url} as A's {role}: {hits}")
    assert walked > 30
    assert not shown, "pages of A that show B's trainees:\n" + "\n".join(shown)


@pytest.mark.filterwarnings("ignore")
def test_b_roster_upload_token_imports_nothing_for_a(client, worlds):
    """The roster preview's token (a job id kept between upload and confirmation) is bound
    to its cohort and uploader: A's instructor confirming with B's token imports nothing,
    and B's upload stays for B (ASVS V8.2.2)."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.labs import roster

    a, b = worlds
    data = "이름,이메일,생년월일,휴대전화\n비밀신입,b.newcomer@example.kr,1990-01-01,\n".encode()
    token = roster.store_upload(b.cohort, b.instructor, data, "b.csv")
    for cohort_id in (a.cohort.id, b.cohort.id):
        resp = _get(client, a.instructor, "/instructor")  # signed in as A's instructor
        resp = client.post(f"/labs/cohorts/{cohort_id}/roster/confirm", data={"token": token})
        assert resp.status_code in (302, 404) and f"/labs/cohorts/{b.cohort.id}" not in resp.headers.get("Location", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email == "b.newcomer@example.kr")) == 0
    assert roster.load_upload(b.cohort, b.instructor, token)[0] == data


@pytest.mark.filterwarnings("ignore")
def test_one_b_id_among_a_ids_is_not_found(app, client, worlds):
    """A URL with several ids (an enrollment and an attempt, a visit and a photo, an
    enrollment and a module) is checked for each: A's own ids with one of B's slipped
    in answer 404, so no lookup trusts its parent's check."""
    from flask import url_for

    from tests.security.test_access_matrix import world_args

    a, b = worlds
    a_users = {"trainee": a.me, "instructor": a.instructor, "meister": a.meister_user}
    leaks, walked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        ids = [x for x in rule.arguments if x not in NOT_IDS]
        if len(ids) < 2 or rule.endpoint in BEARER or rule.endpoint in SHARED or is_bearer_api(rule.endpoint):
            continue
        allowed = expected_policy(app, rule.endpoint)
        roles = [r for r in TENANT_ROLES if r in allowed or AUTHENTICATED in allowed]
        own = world_args(a, rule.endpoint, set(rule.arguments))
        for name in ids:
            url = url_for(rule.endpoint, **{**own, name: B_IDS[name](b, rule.endpoint)})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for role in roles:
                    walked += 1
                    with client.session_transaction() as sess:
                        sess.clear()
                    login(client, a_users[role])
                    resp = client.open(url, method=method, data={})
                    if resp.status_code != 404:
                        leaks.append(f"{method} {url} [{rule.endpoint}, B's {name}] as A's {role}: {resp.status_code}")
    assert walked >= 8
    assert not leaks, "\n".join(leaks)


@pytest.mark.filterwarnings("ignore")
def test_a_trainee_keeps_the_sessions_of_a_booking_after_withdrawing(client, worlds):
    """The visibility rule lets a trainee back to what their own bookings link to, and no further."""
    a, b = worlds
    a.me_enrollment.status = "withdrawn"
    db.session.commit()
    assert _get(client, a.me, f"/labs/modules/{a.practical.id}/sessions").status_code == 200
    assert _get(client, a.me, f"/labs/checkin/{a.past_session.id}").status_code == 200
    assert _get(client, a.me, f"/labs/modules/{b.practical.id}/sessions").status_code == 404
