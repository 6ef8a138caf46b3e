"""Access: another instructor's cohort, lab or session is a 404 on every id URL;
trainees and ministry staff cannot reach instructor or admin screens."""
from __future__ import annotations


import pytest

from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user
from tests.labs.conftest import enrolled_trainee, make_session


def _id_urls(world, s, e):
    c, lab = world.cohort.id, world.lab.id
    return [
        ("get", f"/labs/cohorts/{c}"),
        ("post", f"/labs/cohorts/{c}/roster"),
        ("post", f"/labs/cohorts/{c}/roster/confirm"),
        ("get", f"/labs/cohorts/{c}/roster.csv"),
        ("get", f"/labs/cohorts/{c}/roster.xlsx"),
        ("get", f"/labs/cohorts/{c}/attendance.csv"),
        ("post", f"/labs/cohorts/{c}/roster.csv"),  # with or without an export reason: 404 first
        ("post", f"/labs/cohorts/{c}/attendance.xlsx"),
        ("get", f"/labs/smartlabs/{lab}"),
        ("get", f"/labs/smartlabs/{lab}/sessions/new"),
        ("post", f"/labs/smartlabs/{lab}/sessions/new"),
        ("get", f"/labs/sessions/{s.id}"),
        ("get", f"/labs/sessions/{s.id}/qr"),
        ("post", f"/labs/sessions/{s.id}/attendance"),
        ("post", f"/labs/sessions/{s.id}/cancel"),
        ("get", f"/labs/signoffs/{e.id}/{world.practical.id}"),
        ("post", f"/labs/signoffs/{e.id}/{world.practical.id}"),
    ]


def test_other_instructor_gets_404_everywhere(world, client):
    s = make_session(world)
    _, e = enrolled_trainee(world)
    db.session.commit()
    login(client, world.other_instructor)
    for method, url in _id_urls(world, s, e):
        r = getattr(client, method)(url)
        assert r.status_code == 404, (method, url, r.status_code)
    # and the lists do not show them
    assert "2026-1기" not in client.get("/labs/cohorts").text
    assert "창원 스마트랩" not in client.get("/labs/smartlabs").text


def test_own_instructor_and_admin_see_them(world, client):
    s = make_session(world)
    _, e = enrolled_trainee(world)
    admin = make_user("admin")
    db.session.commit()
    for user in (world.instructor, admin):
        login(client, user)
        for method, url in _id_urls(world, s, e):
            if method == "get":
                expected = 409 if url.endswith("/qr") else 200  # QR only inside the check-in window
                assert getattr(client, method)(url).status_code == expected, (user.role, url)
    assert "2026-1기" in client.get("/labs/cohorts").text


def test_missing_ids_are_404(world, client):
    login(client, world.instructor)
    db.session.commit()
    for url in ("/labs/cohorts/999999", "/labs/smartlabs/999999", "/labs/sessions/999999",
                "/labs/signoffs/999999/1"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["trainee", "ministry"])
def test_roles_that_may_not(world, client, role):
    user = make_user(role)
    db.session.commit()
    login(client, user)
    for url in ("/instructor", "/labs/cohorts", "/labs/smartlabs", "/labs/programmes",
                f"/labs/cohorts/{world.cohort.id}", "/labs/cohorts/new"):
        assert client.get(url).status_code == 403, url


def test_instructor_cannot_use_admin_screens(world, client):
    login(client, world.instructor)
    db.session.commit()
    for url in ("/labs/programmes", "/labs/programmes/new", "/labs/cohorts/new",
                f"/labs/cohorts/{world.cohort.id}/edit", "/labs/smartlabs/new", f"/labs/smartlabs/{world.lab.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/labs/smartlabs/{world.lab.id}/rooms", data={"room-name_ko": "x", "room-seats": 3}).status_code == 403


def test_instructor_and_trainee_pages_render(world, client):
    s = make_session(world)
    user, e = enrolled_trainee(world)
    db.session.commit()
    login(client, world.instructor)
    r = client.get("/instructor")
    assert r.status_code == 200 and "내 기수" in r.text and "2026-1기" in r.text
    login(client, user)
    assert client.get("/labs/bookings").status_code == 200
    assert client.get(f"/labs/modules/{world.practical.id}/sessions").status_code == 200
    # instructor-only URLs of sessions: a trainee is refused by role
    assert client.get(f"/labs/sessions/{s.id}").status_code == 403


def test_anonymous_is_sent_to_login(world, client):
    r = client.get("/instructor")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
