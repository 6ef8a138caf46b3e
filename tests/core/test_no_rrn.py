"""Resident registration numbers are refused at every named free-text input and never
reach the database, exports, logs, mails or PDFs (issue 9 item 2).

Each attempt below goes through the real entry point (form, roster import, service)
and must answer a clear Korean message, change nothing, and not echo the number.
PIPA Art. 24-2 and the safety-measures standard (no RRN without a legal basis);
OWASP ASVS 5.0 V2.2.1 (business-rule input validation), V14.2.x (sensitive data
not exposed in responses, logs or exports)."""
from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.validators import RRN_RE
from lms.errors import ImportRejected, ValidationError
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user
from tests.labs.conftest import world  # noqa: F401  (the labs fixture: a cohort with a practical module)
from tests.exports import download

RRN = "900101-1234567"
RRN_PLAIN = "9001012234567"
MESSAGE = "주민등록번호로 보이는 값은 입력할 수 없습니다"


def _no_rrn_in(text: str) -> bool:
    return RRN_RE.search(text) is None


def test_register_name_and_company(client):
    base = {"email": "new@example.kr", "password": "password1!", "confirm": "password1!",
            "consent_terms": "y", "consent_privacy_required": "y"}
    for field, value in (("name", f"김{RRN}"), ("company", f"(주)회사 {RRN_PLAIN}")):
        data = dict(base, name="박가입", company="(주)정상")
        data[field] = value
        r = client.post("/register", data=data)
        assert r.status_code in (200, 400) and MESSAGE in r.text and _no_rrn_in(r.text)
        assert db.session.execute(select(User).where(User.email == "new@example.kr")).first() is None


def test_profile_phone_and_name(client):
    user = make_user("trainee", name="김훈련", phone="010-1111-2222")
    db.session.commit()
    login(client, user)
    for field, value in (("p-phone", RRN), ("p-name", RRN_PLAIN)):
        data = {"p-name": "김훈련", "p-phone": "010-1111-2222", "p-locale": "ko", "p-save_profile": "1"}
        data[field] = value
        r = client.post("/profile", data=data)
        assert r.status_code == 400 and MESSAGE in r.text and _no_rrn_in(r.text)
    db.session.refresh(user)
    assert (user.name, user.phone) == ("김훈련", "010-1111-2222")


def test_roster_columns(world, client):
    from lms.labs.roster import parse_roster

    data = ("이름,이메일,생년월일,휴대전화,소속회사,비고\n"
            f"김민수,minsu@example.kr,{RRN},010-1234-5678,(주)정밀,\n"
            f"이서연,seoyeon@example.kr,,,,{RRN_PLAIN}\n"
            f"박{RRN},park@example.kr,,,,\n").encode("cp949")
    p = parse_roster(world.cohort, data, "명단.csv")
    assert {(row, col) for row, col, _m in p.errors} == {(2, "생년월일"), (3, "비고"), (4, "이름")}
    assert all(MESSAGE in m and _no_rrn_in(m) for *_x, m in p.errors)
    db.session.commit()
    login(client, world.instructor)
    before = db.session.execute(select(sa.func.count()).select_from(User)).scalar_one()
    r = client.post(f"/labs/cohorts/{world.cohort.id}/roster", data={"file": (io.BytesIO(data), "명단.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and MESSAGE in r.text and _no_rrn_in(r.text) and 'name="token"' not in r.text
    assert db.session.execute(select(sa.func.count()).select_from(User)).scalar_one() == before


def test_signoff_form_note_and_comment(world, client):
    from lms.labs.models import PracticalSignoff
    from tests.labs.conftest import enrolled_trainee

    _user, e = enrolled_trainee(world)
    db.session.commit()
    login(client, world.instructor)
    items = [it["id"] for it in world.practical.data["checklist"]]
    for field, value in (("note", f"본인확인 {RRN}"), (f"comment_{items[0]}", RRN_PLAIN)):
        data = {f"passed_{i}": "1" for i in items}
        data.update(outcome="passed", assessed_on="2026-11-20")
        data[field] = value
        r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}", data=data)
        assert r.status_code == 400 and MESSAGE in r.text and _no_rrn_in(r.text)
    assert db.session.execute(select(sa.func.count()).select_from(PracticalSignoff)).scalar_one() == 0


def test_signoff_note_and_comments(world):
    from lms.labs.models import PracticalSignoff
    from lms.labs.signoff import sign_off
    from tests.labs.conftest import enrolled_trainee

    _user, e = enrolled_trainee(world)
    items = world.practical.data["checklist"]
    ok = [{"item": it["id"], "passed": True, "comment": ""} for it in items]
    with pytest.raises(ValidationError) as exc:
        sign_off(world.instructor, e, world.practical, results=ok, outcome="passed", note=f"확인: {RRN}")
    assert MESSAGE in str(exc.value.message)
    bad = [dict(r) for r in ok]
    bad[0]["comment"] = RRN_PLAIN
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=bad, outcome="passed")
    assert db.session.execute(select(sa.func.count()).select_from(PracticalSignoff)).scalar_one() == 0


@pytest.fixture
def certificate():
    from lms.certificates.services import issue_for_enrollment
    from tests.certificates.conftest import completed_enrollment, make_cohort

    cert = issue_for_enrollment(completed_enrollment(cohort=make_cohort()))
    db.session.flush()
    return cert


def test_revocation_and_reissue_reasons(client, certificate):
    from lms.certificates import services

    admin = make_user("admin")
    with pytest.raises(ValidationError):
        services.revoke(certificate, admin, f"본인 확인 {RRN}")
    with pytest.raises(ValidationError):
        services.reissue(certificate, admin, name="홍길동", reason=RRN_PLAIN)
    db.session.commit()
    login(client, admin)
    r = client.post(f"/certificates/manage/{certificate.number}/revoke", data={"reason": f"사유 {RRN}"},
                    follow_redirects=True)
    assert MESSAGE in r.text and _no_rrn_in(r.text)
    r = client.post(f"/certificates/manage/{certificate.number}/reissue", data={"name": RRN, "reason": "정정"},
                    follow_redirects=True)
    assert MESSAGE in r.text and _no_rrn_in(r.text)
    db.session.refresh(certificate)
    assert certificate.revoked_at is None and certificate.revoked_reason is None


def test_revocation_reason_stays_off_the_public_verify_page(client, certificate):
    from lms.certificates import services

    services.revoke(certificate, make_user("admin"), "내부 감사: 출석부 위조 의심")
    db.session.commit()
    html = client.get(f"/verify/{certificate.verification_code}").text
    assert "취소된 수료증입니다" in html and "출석부 위조" not in html and "취소 사유" not in html


def test_admin_reference_label(admin_client, refdata):
    from lms.orgs.models import Region

    region = db.session.execute(select(Region).order_by(Region.code)).scalars().first()
    name = region.name_ko
    r = admin_client.post(f"/admin/reference/regions/{region.code}",
                          data={"code": region.code, "name_ko": f"서울 {RRN}", "name_en": "Seoul"})
    assert r.status_code == 400 and MESSAGE in r.text and _no_rrn_in(r.text)
    db.session.refresh(region)
    assert region.name_ko == name


def _all_text_in_database() -> list[str]:
    out = []
    conn = db.session.connection()
    for table in db.metadata.sorted_tables:
        for row in conn.execute(table.select()):
            out.extend(str(v) for v in row if isinstance(v, (str, dict, list)))
    return out


def test_outputs_never_contain_rrn(world, client, certificate, caplog):
    """Every attempt refused above, then every output this cohort can produce is scanned:
    the database, roster and attendance exports (CSV, XLSX), the certificate PDF, the
    outbox (mails) and every log record written meanwhile."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from lms.certificates import services as certs
    from lms.labs.roster import apply_roster

    caplog.set_level(logging.DEBUG)
    file = ("이름,이메일,생년월일,비고\n"
            "김정상,normal@example.kr,1990-01-01,\n"
            f"이주민{RRN},rrn@example.kr,1990-01-01,{RRN_PLAIN}\n").encode()
    with pytest.raises(ImportRejected):
        apply_roster(world.cohort, world.instructor, file, "명단.csv")
    apply_roster(world.cohort, world.instructor, "이름,이메일\n김정상,normal@example.kr\n".encode(), "명단.csv")
    db.session.commit()
    login(client, world.instructor)
    preview = client.post(f"/labs/cohorts/{world.cohort.id}/roster", data={"file": (io.BytesIO(file), "명단.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    outputs = [preview.text]
    for path in ("roster.csv", "attendance.csv"):
        r = download(client, f"/labs/cohorts/{world.cohort.id}/{path}")
        assert r.status_code == 200
        outputs.append(r.data.decode("utf-8-sig"))
    for path in ("roster.xlsx", "attendance.xlsx"):
        wb = load_workbook(io.BytesIO(download(client, f"/labs/cohorts/{world.cohort.id}/{path}").data))
        outputs.append(" ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row))
    assert "김정상" in outputs[1]
    for locale in ("ko", "en"):
        pdf = PdfReader(io.BytesIO(certs.pdf_for(certificate, locale)))
        outputs.append(" ".join(page.extract_text() or "" for page in pdf.pages))
    assert certificate.number in outputs[-1]
    outputs.extend(_all_text_in_database())
    outputs.extend(rec.getMessage() for rec in caplog.records)
    assert len(outputs) > 10
    leaks = [o[:80] for o in outputs if not _no_rrn_in(o)]
    assert leaks == []
