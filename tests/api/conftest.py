"""Fixtures of the API tests: tokens per role, two institutions, and a bearer client."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from lms.extensions import db
from tests.factories import make_course, make_enrollment, make_institution, make_user


def make_token(user, scopes=None, *, days: int = 30, name: str = "테스트 토큰"):
    """(token row, secret) for ``user`` with ``scopes`` (default: every scope the role may hold)."""
    from lms.api import tokens
    from lms.core.timeutil import today_kst

    token, secret = tokens.create_token(user, name, scopes or tokens.scopes_for_role(user.role),
                                        today_kst() + timedelta(days=days))
    db.session.commit()
    return token, secret


def bearer(secret: str, **extra) -> dict:
    return {"Authorization": f"Bearer {secret}", **extra}


@pytest.fixture
def api(client):
    """``api.get(url, secret)`` / ``api.post(url, secret, json=...)``: calls with a bearer token."""

    class Api:
        def _call(self, method, url, secret=None, *, headers=None, **kw):
            h = dict(headers or {})
            if secret:
                h["Authorization"] = f"Bearer {secret}"
            return client.open(url, method=method, headers=h, **kw)

        def get(self, url, secret=None, **kw):
            return self._call("GET", url, secret, **kw)

        def post(self, url, secret=None, **kw):
            return self._call("POST", url, secret, **kw)

        def put(self, url, secret=None, **kw):
            return self._call("PUT", url, secret, **kw)

    return Api()


@pytest.fixture
def two():
    """Two institutions, each with a cohort (one instructor) and a smart lab with a room and a
    session; a trainee enrolled in A's cohort; ministry and admin users."""
    from lms.labs.booking import create_session
    from lms.labs.models import Cohort, LabRoom, Programme, SmartLab
    from lms.core.db import utcnow

    out = SimpleNamespace()
    course = make_course(practicals=1, title_ko="스마트공장 기초", title_en="Smart Factory Basics")
    practical = [m for m in course.modules if m.kind == "practical"][0]
    for key in ("a", "b"):
        inst = make_institution()
        teacher = make_user("instructor", institution_id=inst.id)
        prog = Programme(institution_id=inst.id, kind="contract", name_ko=f"계약학과 {key}", contract_type="hire", quota=30)
        db.session.add(prog)
        cohort = Cohort(programme=prog, intake_year=2026, term=1, label=f"2026-1기{key}")
        cohort.courses = [course]
        cohort.instructors = [teacher]
        lab = SmartLab(institution_id=inst.id, name_ko=f"스마트랩 {key}")
        lab.instructors = [teacher]
        db.session.add_all([cohort, lab])
        db.session.flush()
        room = LabRoom(lab_id=lab.id, name_ko="실습실", seats=30)
        db.session.add(room)
        db.session.flush()
        starts = utcnow().replace(microsecond=0) + timedelta(days=3)
        session = create_session(lab, room_id=room.id, module=practical, starts_at=starts,
                                 ends_at=starts + timedelta(hours=4), capacity=20, instructor=teacher, cohort=cohort)
        setattr(out, key, SimpleNamespace(institution=inst, instructor=teacher, programme=prog, cohort=cohort, lab=lab,
                                          room=room, session=session))
    out.course, out.practical = course, practical
    out.trainee = make_user("trainee", name="김훈련", birth_date=date(1995, 5, 5), institution_id=out.a.institution.id)
    out.enrollment = make_enrollment(out.trainee, course, cohort_id=out.a.cohort.id, programme_id=out.a.programme.id)
    out.ministry = make_user("ministry")
    out.admin = make_user("admin")
    out.meister = make_user("meister")
    db.session.commit()
    return out
