"""Lists paginate with opaque cursors (keyset, constant statements per page); lab
bookings and enrollments are personal data (the access-log hook is called); statistics
are the dashboard's, with its suppression."""
from __future__ import annotations

from datetime import timedelta

from lms.core.db import utcnow
from lms.extensions import db
from tests.api.conftest import make_token
from tests.core.test_query_counts import count_statements
from tests.factories import make_enrollment, make_user


def _sessions(two, k):
    from lms.labs.booking import create_session

    for i in range(k):
        starts = utcnow().replace(microsecond=0) + timedelta(days=10 + i)
        create_session(two.a.lab, room_id=two.a.room.id, module=two.practical, starts_at=starts,
                       ends_at=starts + timedelta(hours=2), capacity=5, instructor=two.a.instructor, cohort=two.a.cohort)
    db.session.commit()


def _walk(api, url, secret, limit):
    seen, cursor, pages, counts = [], None, 0, []
    while True:
        with count_statements() as stmts:
            resp = api.get(url + f"?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), secret)
        assert resp.status_code == 200, resp.json
        counts.append(len(stmts))
        seen += [i["id"] for i in resp.json["items"]]
        pages += 1
        cursor = resp.json["next_cursor"]
        if not cursor:
            return seen, pages, counts


def _first_page_statements(api, url, secret):
    api.get(url, secret)  # warm: the first call of a test also opens its savepoint
    with count_statements() as stmts:
        assert api.get(url, secret).status_code == 200
    return len(stmts)


def test_sessions_paginate_newest_first_without_gaps_or_overlaps(api, two):
    _t, secret = make_token(two.a.instructor, ["read:labs"])
    url = f"/api/v1/labs/{two.a.lab.id}/sessions?limit=5"
    few = _first_page_statements(api, url, secret)
    _sessions(two, 11)
    assert _first_page_statements(api, url, secret) == few  # keyset: one SELECT, whatever the table size
    ids, pages, counts = _walk(api, f"/api/v1/labs/{two.a.lab.id}/sessions", secret, 5)
    assert pages == 3 and len(ids) == len(set(ids)) == 12
    resp = api.get(f"/api/v1/labs/{two.a.lab.id}/sessions?limit=100", secret)
    starts = [i["starts_at"] for i in resp.json["items"]]
    assert starts == sorted(starts, reverse=True) and [i["id"] for i in resp.json["items"]] == ids
    assert len(set(counts[1:])) == 1  # the same statements for every later page
    assert "=" not in (api.get(f"/api/v1/labs/{two.a.lab.id}/sessions?limit=1", secret).json["next_cursor"] or "")


def test_bookings_are_the_labs_own_and_reach_the_access_log_hook(api, two, monkeypatch):
    from lms.labs.booking import book

    calls = []
    monkeypatch.setattr("lms.api.endpoints_labs._record_personal_access",
                        lambda user, token, ids, kind: calls.append((user.id, token.id, list(ids), kind)))
    trainees = []
    for i in range(4):
        u = make_user("trainee", name=f"예약자{i}")
        make_enrollment(u, two.course, cohort_id=two.a.cohort.id)
        book(u, two.a.session.id)
        trainees.append(u)
    other = make_user("trainee")
    make_enrollment(other, two.course, cohort_id=two.b.cohort.id)
    book(other, two.b.session.id)
    db.session.commit()
    token, secret = make_token(two.a.instructor, ["read:labs"])
    ids, _pages, counts = _walk(api, f"/api/v1/labs/{two.a.lab.id}/bookings", secret, 3)
    assert len(ids) == 4 and len(set(counts[1:])) == 1
    resp = api.get(f"/api/v1/labs/{two.a.lab.id}/bookings", secret)
    assert {i["trainee_name"] for i in resp.json["items"]} == {f"예약자{i}" for i in range(4)}
    assert calls[-1] == (two.a.instructor.id, token.id, sorted(u.id for u in trainees), "lab_bookings")


def test_my_enrollments_with_progress(api, two, monkeypatch):
    calls = []
    monkeypatch.setattr("lms.api.endpoints_me._record_personal_access",
                        lambda user, token, ids, kind: calls.append((user.id, kind)))
    _t, secret = make_token(two.trainee, ["read:self"])
    resp = api.get("/api/v1/me/enrollments", secret)
    assert resp.status_code == 200
    [item] = resp.json["items"]
    assert item["id"] == two.enrollment.id and item["course"]["title_ko"] == "스마트공장 기초"
    assert item["percent"] == 0 and item["modules_done"] == 0 and item["modules_total"] == 4
    assert item["status"] == "active" and resp.json["next_cursor"] is None
    assert calls == [(two.trainee.id, "enrollments")]


def test_stats_are_the_dashboards_suppressed_figures(api, two):
    from flask_babel import force_locale

    from lms.analytics import services
    from lms.analytics.filters import Filters

    for i in range(7):
        make_enrollment(make_user("trainee"), two.course)
    db.session.commit()
    _t, secret = make_token(two.ministry, ["read:stats"])
    resp = api.get("/api/v1/stats?from=2026-01&to=2026-12&kind=contract", secret)
    assert resp.status_code == 200, resp.json
    assert resp.json["filters"] == {"from": "2026-01", "to": "2026-12", "kind": "contract"}
    with force_locale("ko"):
        page = services.dashboard(Filters.from_args({"from": "2026-01", "to": "2026-12", "kind": "contract"}))
    by_key = {t["key"]: t for t in resp.json["tables"]}
    assert by_key["by_region"]["rows"] == page["tables"]["by_region"]["rows"]
    for table in resp.json["tables"]:  # counts of people: multiples of 5 or "<5", as on the page
        for i, col in enumerate(table["columns"]):
            if col in ("enrolled", "completed", "certified", "people"):
                assert all(r[i] in (None, "<5") or (isinstance(r[i], int) and r[i] % 5 == 0) for r in table["rows"])
    one = api.get("/api/v1/stats/by_region", secret)
    assert [t["key"] for t in one.json["tables"]] == ["by_region"]
    assert api.get("/api/v1/stats/nope", secret).status_code == 404
    bad = api.get("/api/v1/stats?from=2026-13", secret)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "from"
    assert api.get("/api/v1/stats?from=2026-06&to=2026-01", secret).status_code == 422


def test_staff_reading_bookings_through_the_api_lands_in_the_access_log(api, two):
    """PIPA safety-measures standard Art. 8: a read of trainees' data by staff through a
    token is an access like a page view: actor, subjects, action and the token named."""
    import sqlalchemy as sa

    from lms.core.access_log import AccessLogEntry
    from lms.labs.booking import book

    trainees = []
    for i in range(2):
        u = make_user("trainee", name=f"로그대상{i}")
        make_enrollment(u, two.course, cohort_id=two.a.cohort.id)
        book(u, two.a.session.id)
        trainees.append(u)
    db.session.commit()
    token, secret = make_token(two.a.instructor, ["read:labs"])
    assert api.get(f"/api/v1/labs/{two.a.lab.id}/bookings", secret).status_code == 200
    rows = db.session.execute(sa.select(AccessLogEntry).where(AccessLogEntry.actor_id == two.a.instructor.id)).scalars().all()
    assert rows, "the API read was not logged"
    row = rows[-1]
    assert row.action == "view" and f"token {token.id}" in row.description
    assert all(str(u.id) in row.subject_ids for u in trainees)
