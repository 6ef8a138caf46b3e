"""Fixtures of the certificates tests: institutions, cohorts and completed enrollments."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.core.db import utcnow
from lms.extensions import db
from tests.factories import make_company, make_course, make_enrollment, make_institution, make_user


def make_cohort(institution=None, *, instructors=(), starts_on=date(2026, 3, 2)):
    from lms.labs.models import Cohort, Programme

    institution = institution or make_institution()
    prog = Programme(institution_id=institution.id, kind="contract", name_ko="스마트공장 계약학과", name_en="Smart Factory Dept.")
    db.session.add(prog)
    db.session.flush()
    cohort = Cohort(programme_id=prog.id, intake_year=2026, term=1, label="2026-1기", starts_on=starts_on)
    cohort.instructors.extend(instructors)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def completed_enrollment(user=None, course=None, cohort=None, **kw):
    """A completed enrollment (the completion rule itself is learning's business)."""
    user = user or make_user(name="홍길동", birth_date=date(1990, 1, 2), company=make_company(name="(주)스마트정밀"))
    course = course or make_course(title_ko="스마트공장 기초", title_en="Smart Factory Basics", hours=40)
    return make_enrollment(user, course, status="completed", completed_at=utcnow(),
                           enrolled_at=utcnow() - timedelta(days=30),
                           cohort_id=cohort.id if cohort is not None else None,
                           programme_id=cohort.programme_id if cohort is not None else None, **kw)


@pytest.fixture
def institution():
    return make_institution(name_ko="한국스마트대학교", name_en="Korea Smart University", head_name_ko="김총장",
                            head_name_en="Kim Chong-jang")


@pytest.fixture
def cohort(institution):
    return make_cohort(institution)


@pytest.fixture
def enrollment(cohort):
    return completed_enrollment(cohort=cohort)


@pytest.fixture
def cert(enrollment):
    from lms.certificates.services import issue_for_enrollment

    c = issue_for_enrollment(enrollment)
    db.session.flush()
    return c


def queued_job(resp) -> str:
    """The id of the job a view queued and redirected to (its progress page ``/jobs/<id>``)."""
    import re

    assert resp.status_code in (302, 303), resp.status_code
    m = re.search(r"/jobs/([0-9a-f]{32})$", resp.headers["Location"])
    assert m, resp.headers["Location"]
    return m.group(1)


def job_file(client, resp):
    """Follow a view that queued a file-making job (run inline in tests) to the file's download."""
    return client.get(f"/jobs/{queued_job(resp)}/result")
