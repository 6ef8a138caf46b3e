"""Roster upsert through the API (issue 12): the upload's rules and all-or-nothing
(lms.labs.roster.apply_roster), errors naming the row, the column and the item."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from lms.labs.models import CohortMember
from tests.api.conftest import make_token

ROWS = [
    {"name": "김민수", "email": "minsu@example.kr", "birth_date": "1995-03-15", "phone": "010-1234-5678",
     "sponsor": "(주)테스트정밀", "student_number": "2026001"},
    {"name": "이서연", "email": "seoyeon@example.kr", "birth_date": "1998.7.2"},
    {"name": "박지훈", "email": "jihoon@example.kr"},
]


def _counts():
    return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one()
                 for m in (User, CohortMember, OutboxMessage))


def test_upsert_adds_and_is_idempotent(api, two):
    _t, secret = make_token(two.a.instructor, ["write:roster"])
    url = f"/api/v1/cohorts/{two.a.cohort.id}/roster"
    resp = api.put(url, secret, json={"rows": ROWS})
    assert resp.status_code == 200, resp.json
    assert resp.json == {"cohort_id": two.a.cohort.id, "rows": 3, "invited": 3, "updated": 0, "unchanged": 0}
    u = db.session.execute(select(User).where(User.email == "minsu@example.kr")).scalar_one()
    member = db.session.execute(select(CohortMember).where(CohortMember.user_id == u.id)).scalar_one()
    assert member.cohort_id == two.a.cohort.id and member.student_number == "2026001"
    before = _counts()
    again = api.post(url, secret, json={"rows": ROWS})  # POST and PUT both upsert
    assert again.status_code == 200 and again.json["unchanged"] == 3
    assert _counts() == before


def test_one_bad_row_writes_nothing_and_names_row_column_and_item(api, two):
    _t, secret = make_token(two.admin, ["write:roster"])
    before = _counts()
    rows = ROWS[:2] + [{"name": "최오류", "email": "not-an-email"},
                       {"name": "정전화", "email": "phone@example.kr", "phone": "12345"}]
    resp = api.put(f"/api/v1/cohorts/{two.a.cohort.id}/roster", secret, json={"rows": rows})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert resp.json["detail"] == "명단에 오류가 있어 아무것도 가져오지 않았습니다."
    errors = resp.json["errors"]
    assert [(e["row"], e["column"], e["field"], e["index"]) for e in errors] == [
        (4, "이메일", "email", 2), (5, "휴대전화", "phone", 3)]
    assert "not-an-email" in errors[0]["message"]
    assert _counts() == before


def test_resident_registration_numbers_are_refused(api, two):
    _t, secret = make_token(two.a.instructor, ["write:roster"])
    before = _counts()
    rows = [{"name": "김민수", "email": "minsu@example.kr", "student_number": "900101-1234567"}]
    resp = api.put(f"/api/v1/cohorts/{two.a.cohort.id}/roster", secret, json=rows and {"rows": rows})
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "student_number"
    assert "900101-1234567" not in resp.get_data(as_text=True)
    assert _counts() == before


def test_english_errors_on_request(api, two):
    _t, secret = make_token(two.a.instructor, ["write:roster"])
    resp = api.put(f"/api/v1/cohorts/{two.a.cohort.id}/roster", secret,
                   json={"rows": [{"name": "김민수", "email": "a@example.kr", "birth_date": "1990-13-45"}]},
                   headers={"Accept-Language": "en"})
    assert resp.status_code == 422
    assert resp.json["title"] == "Validation failed"
    assert resp.json["detail"] == "The roster has errors, so nothing was imported."
    assert resp.json["errors"][0]["row"] == 2 and resp.json["errors"][0]["field"] == "birth_date"


def test_rows_the_schema_refuses_name_the_item_and_field(api, two):
    _t, secret = make_token(two.a.instructor, ["write:roster"])
    resp = api.put(f"/api/v1/cohorts/{two.a.cohort.id}/roster", secret,
                   json={"rows": [ROWS[0], {"name": "", "email": "a@example.kr"}]})
    assert resp.status_code == 422
    assert resp.json["errors"] == [{"field": "rows.1.name", "message": resp.json["errors"][0]["message"]}]
