"""Closing a placement: level at the end, every goal judged, the report PDF (escaped text,
Korean fonts) for the programme office, the meister and the company's contact."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.core.outbox import OutboxMessage
from lms.core.timeutil import today_kst
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters import visits as vs
from lms.meisters.report_pdf import render_report
from tests.conftest import COLLECTED_AT, login
from tests.factories import make_company

TODAY = today_kst(COLLECTED_AT)
pytestmark = pytest.mark.usefixtures("clock_at_collection")


def _placement(admin, meister, goals="<b>불량 & 폐기</b> 30% 감소\nMES 도입"):
    return pl.create_placement(admin, meister=meister, company=make_company(name="(주)종료정밀"),
                               purpose="aftercare", starts_on=TODAY - timedelta(days=60),
                               ends_on=TODAY + timedelta(days=30), goals=goals, contact_name="윤담당",
                               contact_email="yoon@firm.kr", level_at_start_code="basic")


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_pdf_prints_user_text_as_typed(make_meister, admin_user):
    m = make_meister(name="장마이스터")
    p = _placement(admin_user, m)
    vs.log_visit(m.user, p, visited_on=TODAY - timedelta(days=3), hours="4", activity="diagnosis", done="진단")
    g1, g2 = p.goals
    pl.close_placement(admin_user, p, closed_on=TODAY, level_at_end_code="intermediate1", summary="라인 <i>안정화</i> & 교육",
                       outcomes={g1.id: ("achieved", "35% 감소"), g2.id: ("not_achieved", "예산")})
    text = _text(render_report(p, pl.rollups([p.id])[p.id]))
    for expected in ("(주)종료정밀", "장마이스터", "사후관리", "<b>불량 & 폐기</b> 30% 감소", "라인 <i>안정화</i> & 교육",
                     "기초", "중간1", "달성", "미달성", "방문 1회", "4시간"):
        assert expected in text, expected


def test_meister_closes_on_screen_and_the_contact_gets_the_report(client, make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    db.session.commit()
    login(client, m.user)
    assert client.get(f"/meister/placements/{p.id}/report.pdf").status_code == 404  # not closed yet
    g1, g2 = p.goals
    data = {"closed_on": TODAY.isoformat(), "level_at_end_code": "intermediate1", "closing_summary": "완료",
            f"goal-{g1.id}-outcome": "achieved", f"goal-{g1.id}-note": "목표 초과"}
    r = client.post(f"/meister/placements/{p.id}/close", data=data)
    assert r.status_code == 400 and "모든 목표" in r.get_data(as_text=True)
    assert 'value="목표 초과"' in r.get_data(as_text=True)  # what was typed stays
    assert p.closed_on is None
    r = client.post(f"/meister/placements/{p.id}/close", data={**data, f"goal-{g2.id}-outcome": "partly"})
    assert r.status_code == 302 and p.closed_on == TODAY and p.level_at_end_code == "intermediate1"
    pdf = client.get(f"/meister/placements/{p.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "목표 초과" in _text(pdf.data)
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "meister_placement_report")).scalar_one()
    assert mail.recipient == "yoon@firm.kr"
    path = re.search(r"http://localhost(/placements/report/\S+)", mail.body).group(1)
    client.post("/logout")
    public = client.get(path)
    assert public.status_code == 200 and "(주)종료정밀" in _text(public.data)
    assert client.get(path[:-4] + "abcd").status_code == 400


def test_admin_can_close_and_read_every_report(admin_client, make_meister, admin_user):
    p = _placement(admin_user, make_meister())
    db.session.commit()
    g1, g2 = p.goals
    r = admin_client.post(f"/meister/placements/{p.id}/close", data={
        "closed_on": TODAY.isoformat(), "level_at_end_code": "basic", "closing_summary": "사무국 종료",
        f"goal-{g1.id}-outcome": "partly", f"goal-{g2.id}-outcome": "partly"})
    assert r.status_code == 302
    assert admin_client.get(f"/meister/placements/{p.id}/report.pdf").status_code == 200


def test_other_meisters_and_roles_cannot_close_or_read(client, as_role, make_meister, admin_user):
    p = _placement(admin_user, make_meister())
    other = make_meister()
    db.session.commit()
    login(client, other.user)
    assert client.get(f"/meister/placements/{p.id}/close").status_code == 404
    assert client.post(f"/meister/placements/{p.id}/close", data={}).status_code == 404
    assert client.get(f"/meister/placements/{p.id}/report.pdf").status_code == 404
    for role in ("trainee", "instructor", "ministry"):
        as_role(role)
        assert client.get(f"/meister/placements/{p.id}/close").status_code == 403
        assert client.get(f"/meister/placements/{p.id}/report.pdf").status_code == 403
