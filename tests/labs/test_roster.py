"""Roster import (CSV in UTF-8 / BOM / CP949, XLSX) with preview, all-or-none and
idempotence; roster and attendance exports with neutralised cells."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.outbox import OutboxMessage
from lms.errors import ImportRejected
from lms.extensions import db
from lms.labs.models import CohortMember
from lms.labs.roster import apply_roster, attendance_table, parse_roster, roster_table
from lms.learning.models import Enrollment
from tests.conftest import login
from tests.exports import download

CSV = (
    "이름,이메일,생년월일,휴대전화,소속회사,학번\n"
    "김민수,minsu@example.kr,1995-03-15,010-1234-5678,(주)테스트정밀,2026001\n"
    "이서연,seoyeon@example.kr,1998.7.2,,(주)새회사,2026002\n"
    "박지훈,jihoon@example.kr,,01098765432,,\n"
)


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_encodings_preview(world, encoding):
    p = parse_roster(world.cohort, CSV.encode(encoding), "명단.csv")
    assert p.errors == []
    assert [r.action for r in p.rows] == ["create"] * 3
    assert p.rows[1].birth_date.isoformat() == "1998-07-02"


def test_import_creates_enrolls_invites_and_is_idempotent(world):
    users_before = _count(User)
    apply_roster(world.cohort, world.instructor, CSV.encode("cp949"), "명단.csv")
    assert _count(User) == users_before + 3
    u = db.session.execute(select(User).where(User.email == "minsu@example.kr")).scalar_one()
    assert u.password_hash is None and u.role == "trainee" and u.phone == "010-1234-5678"
    m = db.session.execute(select(CohortMember).where(CohortMember.user_id == u.id)).scalar_one()
    assert m.sponsor_company_id == world.sponsor.id and m.student_number == "2026001"
    e = db.session.execute(select(Enrollment).where(Enrollment.user_id == u.id)).scalar_one()
    assert (e.cohort_id, e.programme_id, e.sponsor_company_id) == (world.cohort.id, world.programme.id, world.sponsor.id)
    invites = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "accounts.invitation")).scalars().all()
    assert len(invites) == 3 and "2026-1기" in invites[0].subject
    snapshot = (_count(User), _count(CohortMember), _count(Enrollment), _count(OutboxMessage))
    # the same file again: everything skipped, nothing changes
    p = parse_roster(world.cohort, CSV.encode("utf-8"), "명단.csv")
    assert [r.action for r in p.rows] == ["skip"] * 3
    apply_roster(world.cohort, world.instructor, CSV.encode("utf-8"), "명단.csv")
    assert (_count(User), _count(CohortMember), _count(Enrollment), _count(OutboxMessage)) == snapshot


def test_xlsx_import(world):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["이름", "이메일", "생년월일"])
    from datetime import date

    ws.append(["최유나", "yuna@example.kr", date(1990, 1, 2)])
    buf = io.BytesIO()
    wb.save(buf)
    p = parse_roster(world.cohort, buf.getvalue(), "roster.xlsx")
    assert p.errors == [] and p.rows[0].birth_date == date(1990, 1, 2)


def test_errors_by_row_and_column_and_nothing_written(world):
    bad = ("이름,이메일,생년월일\n"
           "김민수,minsu@example.kr,1995-13-45\n"
           ",nobody@example.kr,\n"
           "이서연,not-an-email,\n"
           "박지훈,MINSU@example.kr,\n")
    before = _count(User)
    p = parse_roster(world.cohort, bad.encode(), "bad.csv")
    cells = {(row, col) for row, col, _m in p.errors}
    assert cells == {(2, "생년월일"), (3, "이름"), (4, "이메일"), (5, "이메일")}
    assert any("중복" in m for *_x, m in p.errors)
    with pytest.raises(ImportRejected) as exc:
        apply_roster(world.cohort, world.instructor, bad.encode(), "bad.csv")
    assert len(exc.value.errors) == 4
    assert _count(User) == before


def test_file_level_errors(world):
    assert "필수 열" in parse_roster(world.cohort, "성함,메일\n가,나\n".encode(), "x.csv").errors[0][2]
    assert "인코딩" in parse_roster(world.cohort, b"\xff\xfe\x00\x81\x82broken", "x.csv").errors[0][2]
    assert "5MB" in parse_roster(world.cohort, b"a" * (5 * 1024 * 1024 + 1), "x.csv").errors[0][2]
    assert "CSV 또는 XLSX" in parse_roster(world.cohort, b"x", "x.pdf").errors[0][2]
    from tests.factories import make_user

    make_user("instructor", email="teacher@example.kr")
    # a staff account's address reads like any address (no role revealed); it is never added
    p = parse_roster(world.cohort, "이름,이메일\n선생,teacher@example.kr\n".encode(), "x.csv")
    assert p.errors == [] and p.count("invite") == 1 and p.rows[0].changes == ["초대 메일 발송"]


def test_exports_neutralise_formulas(world):
    evil = "이름,이메일\n=HYPERLINK(\"http://x\"),evil@example.kr\n"
    apply_roster(world.cohort, world.instructor, evil.encode(), "x.csv")
    header, rows = roster_table(world.cohort)
    assert header[0] == "이름" and rows[0][1] == "evil@example.kr"
    from lms.core.tabular import csv_bytes

    data = csv_bytes(header, rows)
    assert data.startswith(b"\xef\xbb\xbf") and "'=HYPERLINK" in data.decode("utf-8-sig")
    assert attendance_table(world.cohort)[1] == []


def test_roster_views_preview_confirm_export(world, client):
    db.session.commit()
    login(client, world.instructor)
    url = f"/labs/cohorts/{world.cohort.id}"
    r = client.post(url + "/roster", data={"file": (io.BytesIO(CSV.encode("cp949")), "명단.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and "명단 미리 보기" in r.text and "초대할 사람" in r.text
    assert db.session.execute(select(User).where(User.email == "minsu@example.kr")).first() is None
    import re

    token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    # another instructor cannot confirm (404 on the cohort), nor reuse the token
    login(client, world.other_instructor)
    assert client.post(url + "/roster/confirm", data={"token": token}).status_code == 404
    login(client, world.instructor)
    r = client.post(url + "/roster/confirm", data={"token": token}, follow_redirects=True)
    # The import ran as a job: its page says what it did and leads back to the cohort.
    assert r.status_code == 200 and "초대 3명" in r.text and f'href="{url}"' in r.text
    assert "김민수" in client.get(url).text
    r = client.post(url + "/roster/confirm", data={"token": token}, follow_redirects=True)
    assert "다시 올려" in r.text  # a token is used once
    r = download(client, url + "/roster.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf") and "김민수" in r.data.decode("utf-8-sig")
    r = download(client, url + "/roster.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert download(client, url + "/attendance.csv").status_code == 200
    assert client.get(url + "/attendance.pdf").status_code == 404
    bad = "이름,이메일\n,x@example.kr\n"
    r = client.post(url + "/roster", data={"file": (io.BytesIO(bad.encode()), "bad.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "오류 1건" in r.text and "가져오기 확정" not in r.text


def test_upload_redirects_to_a_preview_page_that_back_can_reopen(client, world):
    """Issue 13: Back after confirming an import landed on a resubmission page. The upload
    answers with a redirect to a GET preview; after the import that page says it is done."""
    db.session.commit()
    login(client, world.instructor)
    url = f"/labs/cohorts/{world.cohort.id}"
    r = client.post(url + "/roster", data={"file": (io.BytesIO("이름,이메일\n뒤로가기,back@example.kr\n".encode()), "r.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 303 and "/roster/preview?token=" in r.headers["Location"]
    preview = client.get(r.headers["Location"])
    assert preview.status_code == 200 and "명단 미리 보기" in preview.text
    token = r.headers["Location"].split("token=")[1]
    client.post(url + "/roster/confirm", data={"token": token})
    back = client.get(r.headers["Location"], follow_redirects=True)  # the browser's Back
    assert back.status_code == 200 and "이미 가져왔거나 보관 기간이 지난 파일입니다" in back.text
    assert db.session.execute(select(User).where(User.email == "back@example.kr")).scalar_one()
