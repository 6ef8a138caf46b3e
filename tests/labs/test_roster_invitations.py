"""Roster import never takes over an account (issue 9 item 1), with two institutions.

Institution A's instructor imports a roster holding the address of institution B's
trainee: B's trainee is only invited (signed, expiring, single-use link they
confirm), nothing of them shows before acceptance, the preview reads the same for
an address with or without an account (any role), and after acceptance A sees only
the cohort's own records (roster export, attendance sheet, cohort page, certificate
pages). OWASP ASVS 5.0 V8.2.2 (data-specific access, IDOR), V8.2.3, V6.3.1/V6.3.8
(no account enumeration), V7.2 / V10 (signed, expiring, single-use tokens);
PIPA Art. 15/17 (consent before personal data is shared with another controller)."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.core.db import utcnow
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from lms.labs.models import Cohort, CohortInvitation, CohortMember, Programme
from lms.labs.roster import apply_roster, attendance_table, parse_roster, roster_table
from lms.learning.models import Enrollment
from tests.conftest import login
from tests.factories import make_course, make_enrollment, make_institution, make_user
from tests.exports import download


@pytest.fixture
def two(world):
    """Institution B with its own cohort (same course as A's) and trainee ``b``, who
    also holds a certificate of a course A's cohort teaches, issued by institution C."""
    from lms.certificates.services import issue_for_enrollment

    inst_b = make_institution(name_ko="B기관")
    prog_b = Programme(institution_id=inst_b.id, kind="contract", name_ko="B 계약학과")
    db.session.add(prog_b)
    cohort_b = Cohort(programme=prog_b, intake_year=2026, term=1, label="B-1기")
    cohort_b.courses = [world.course]
    db.session.add(cohort_b)
    db.session.flush()
    b = make_user("trainee", email="b.trainee@b.example.kr", name="비밀훈련생", birth_date=date(1991, 4, 5),
                  phone="010-5555-6666")
    db.session.add(CohortMember(cohort_id=cohort_b.id, user_id=b.id))
    e_b = make_enrollment(b, world.course, cohort_id=cohort_b.id, programme_id=prog_b.id, status="active")
    other_course = make_course(title_ko="다른기관과정")
    world.cohort.courses.append(other_course)  # A's cohort also teaches the course b finished elsewhere
    done = make_enrollment(b, other_course, status="completed", completed_at=utcnow())
    cert = issue_for_enrollment(done)
    cert.institution_id = make_institution(name_ko="C기관").id
    staff_b = make_user("instructor", email="teacher@b.example.kr", institution_id=inst_b.id)
    admin = make_user("admin", email="root@example.kr")
    db.session.flush()
    return type("Two", (), dict(b=b, cohort_b=cohort_b, e_b=e_b, cert=cert, staff_b=staff_b, admin=admin,
                                inst_b=inst_b))


def _file(*rows) -> bytes:
    return ("이름,이메일,생년월일,휴대전화\n" + "".join(f"{n},{e},{bd},{ph}\n" for n, e, bd, ph in rows)).encode()


def _members(cohort):
    return set(db.session.execute(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)).scalars())


def _invite_link(user) -> str:
    msg = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == user.email,
                                                         OutboxMessage.kind == "labs.cohort_invitation")
                             .order_by(OutboxMessage.id.desc())).scalars().first()
    return re.search(r"http://localhost(/cohort-invitations/\S+)", msg.body).group(1)


def test_preview_reads_the_same_for_any_address(world, two, client):
    data = _file(("새사람", "new.person@example.kr", "1990-01-01", ""),
                 ("다른훈련생", two.b.email, "1990-01-01", ""),
                 ("다른강사", two.staff_b.email, "1990-01-01", ""),
                 ("관리자", two.admin.email, "1990-01-01", ""))
    p = parse_roster(world.cohort, data, "r.csv")
    assert p.errors == []
    assert [r.changes for r in p.rows] == [["초대 메일 발송"]] * 4 and p.count("invite") == 4
    db.session.commit()
    login(client, world.instructor)
    r = client.post(f"/labs/cohorts/{world.cohort.id}/roster", data={"file": (io.BytesIO(data), "r.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    body = r.text
    rows = re.findall(r"<tr>\s*<td class=\"num\">\d+</td>(.*?)</tr>", body, re.S)
    assert len(rows) == 4
    masked = {re.sub(r"<td>[^<]*</td><td>[^<]*@[^<]*</td>", "", row) for row in rows}
    assert len(masked) == 1  # apart from the file's own name and email, every row is identical
    content = body[body.index("<h1>"):]
    for name in ("새사람", "다른훈련생", "다른강사", "관리자"):  # the file's own words, shown back
        content = content.replace(f"<td>{name}</td>", "")
    for leak in ("강사", "관리자", "instructor", "admin", "이미 가입", "1991-04-05", "010-5555", "B기관"):
        assert leak not in content


def test_import_only_invites_an_account_of_another_institution(world, two, client):
    data = _file(("비밀훈련생", two.b.email, "1999-09-09", "010-1111-2222"))
    apply_roster(world.cohort, world.instructor, data, "r.csv")
    assert two.b.id not in _members(world.cohort)
    assert two.b.birth_date == date(1991, 4, 5) and two.b.phone == "010-5555-6666"  # the file changes nothing of b
    inv = db.session.execute(select(CohortInvitation).where(CohortInvitation.user_id == two.b.id)).scalar_one()
    assert inv.answered_at is None and inv.expires_at > utcnow() and len(inv.secret_digest) == 64
    assert _invite_link(two.b).startswith("/cohort-invitations/")
    _, rows = roster_table(world.cohort)
    assert not any(two.b.email in map(str, row) for row in rows)
    assert attendance_table(world.cohort)[1] == []
    db.session.commit()
    login(client, world.instructor)
    page = client.get(f"/labs/cohorts/{world.cohort.id}").text
    assert "비밀훈련생" not in page
    assert "비밀훈련생" not in download(client, f"/labs/cohorts/{world.cohort.id}/roster.csv").data.decode("utf-8-sig")
    assert client.get(f"/certificates/manage/{two.cert.number}").status_code == 404
    assert client.get(f"/certificates/{two.cert.number}.pdf").status_code == 404
    # the same file again sends no second invitation
    apply_roster(world.cohort, world.instructor, data, "r.csv")
    assert db.session.execute(select(func.count()).select_from(CohortInvitation)).scalar_one() == 1


def test_staff_accounts_are_never_added_nor_invited(world, two):
    apply_roster(world.cohort, world.instructor, _file(("강사", two.staff_b.email, "", ""),
                                                       ("관리자", two.admin.email, "", "")), "r.csv")
    assert _members(world.cohort) == set()
    assert db.session.execute(select(func.count()).select_from(CohortInvitation)).scalar_one() == 0
    assert two.staff_b.role == "instructor" and two.admin.role == "admin"


def test_own_institution_trainee_and_new_accounts_added_directly(world, two):
    other = Cohort(programme=world.programme, intake_year=2025, term=2, label="2025-2기")
    db.session.add(other)
    db.session.flush()
    own = make_user("trainee", email="own@example.kr")
    db.session.add(CohortMember(cohort_id=other.id, user_id=own.id))
    db.session.flush()
    p = parse_roster(world.cohort, _file(("우리훈련생", own.email, "", ""), ("새", "fresh@example.kr", "", "")), "r.csv")
    assert [r.action for r in p.rows] == ["update", "create"] and "기수에 추가" in p.rows[0].changes
    apply_roster(world.cohort, world.instructor, _file(("우리훈련생", own.email, "", ""),
                                                       ("새", "fresh@example.kr", "", "")), "r.csv")
    assert own.id in _members(world.cohort) and len(_members(world.cohort)) == 2


def test_acceptance_joins_and_shows_only_the_cohorts_own_records(world, two, client):
    apply_roster(world.cohort, world.instructor, _file(("비밀훈련생", two.b.email, "", "")), "r.csv")
    link = _invite_link(two.b)
    intruder = make_user("trainee")
    db.session.commit()
    # anonymous: sent to log in; another trainee: 404; the invited trainee: a page that changes nothing
    assert client.get(link).status_code == 302
    login(client, intruder)
    assert client.get(link).status_code == 404 and client.post(link, data={"answer": "accept"}).status_code == 404
    login(client, two.b)
    r = client.get(link)
    assert r.status_code == 200 and world.cohort.label in r.text and world.institution.name_ko in r.text
    assert two.b.id not in _members(world.cohort)
    assert client.post(link, data={"answer": "accept"}).status_code == 302
    assert two.b.id in _members(world.cohort)
    r = client.post(link, data={"answer": "accept"})
    assert r.status_code == 400 and "이미 답한" in r.text  # single use
    # A now sees b on the roster, but nothing b did in cohort B or got elsewhere
    _, rows = roster_table(world.cohort)
    b_rows = [row for row in rows if row[1] == two.b.email]
    assert b_rows and all(row[6] == "" for row in b_rows)  # no course row: b's enrollment is cohort B's
    assert db.session.get(Enrollment, two.e_b.id).cohort_id == two.cohort_b.id
    assert two.cert.enrollment.cohort_id is None
    login(client, world.instructor)
    assert client.get(f"/certificates/manage/{two.cert.number}").status_code == 404
    assert client.get(f"/certificates/{two.cert.number}.pdf").status_code == 404
    # progress and sign-off of b's enrollment in cohort B stay out of reach
    assert client.get(f"/labs/signoffs/{two.e_b.id}/{world.practical.id}").status_code == 404
    page = client.get(f"/labs/cohorts/{world.cohort.id}").text
    assert "비밀훈련생" in page and f"/labs/signoffs/{two.e_b.id}/" not in page


def test_decline_expiry_and_tampering(world, two, client, app, monkeypatch):
    apply_roster(world.cohort, world.instructor, _file(("비밀훈련생", two.b.email, "", "")), "r.csv")
    link = _invite_link(two.b)
    db.session.commit()
    login(client, two.b)
    assert client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")).status_code == 404
    assert client.post(link, data={"answer": "decline"}).status_code == 302
    assert two.b.id not in _members(world.cohort)
    assert client.post(link, data={"answer": "accept"}).status_code == 400
    assert two.b.id not in _members(world.cohort)
    # a new invitation past its expiry is refused with a clear message
    apply_roster(world.cohort, world.instructor, _file(("비밀훈련생", two.b.email, "", "")), "r.csv")
    link2 = _invite_link(two.b)
    inv = db.session.execute(select(CohortInvitation).where(CohortInvitation.answered_at.is_(None))).scalar_one()
    inv.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = client.post(link2, data={"answer": "accept"})
    assert r.status_code == 400 and "유효 기간" in r.text and two.b.id not in _members(world.cohort)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)  # the signature's own age check too
    assert "유효 기간" in client.get(link2).text
