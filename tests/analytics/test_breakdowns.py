"""Issue 11, "Complexes and priority firms in the figures": the breakdowns by industrial
complex and priority group, the meister section, and how many trainees of priority
firms and smart complexes reached a certificate (ministry and instructors).

The world of tests/analytics/conftest.py, plus:
- the Seoul firm sits in the 창원 smart complex and is both a working-hours-reduction
  and a root-industry firm; the Busan firm sits in a general (not smart) complex and
  is a root-industry firm only;
- meister A: placement P1 at the Seoul firm (기술지원, 2026-02-01..04-30, closed
  2026-04-20, level 기초 -> 중간1) with 7 weekly visits of 60 minutes from 02-03 (one confirmed), and P2 at
  the Busan firm (구축 컨설팅, 2026-03-01..08-31) with one visit of 60 minutes; a cancelled
  placement P3 at the Busan firm with a visit;
- meister B: P4 at the Seoul firm (사후관리, 2026-01-05..12-31), no visit; P5 at the Busan
  firm starting 2026-09-01 (after the view);
- on-site sign-offs by meister A (no lab session) of Seoul trainees 8 and 9 (trainee 9
  twice: a failed sign-off superseded by a passed one), and one by the instructor in no
  session (not on site).
Evaluated at 2026-06-30 12:00 KST.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.analytics import engine, services
from lms.analytics.filters import Filters
from lms.analytics.specs import engine_labels
from lms.extensions import db
from tests.analytics.conftest import utc
from tests.factories import make_company, make_enrollment, make_user

NOW = utc(2026, 6, 30)
TARGET = {"count": 1000, "date": date(2030, 12, 31)}


def raw(f: Filters, now=NOW) -> dict:
    return engine.to_plain(engine.compute(engine.load_base(), f, TARGET, engine_labels(), now=now))


def rows(data: dict, key: str) -> dict:
    """{row key or label: {column: value}} of a raw or presented table."""
    t = data["tables"][key]
    ident = "key" if "key" in t["columns"] else "label"
    return {r[t["columns"].index(ident)]: dict(zip(t["columns"], r)) for r in t["rows"]}


def add_meister(email: str):
    from lms.meisters.models import MeisterProfile

    user = make_user(role="meister", email=email, name="마이스터")
    profile = MeisterProfile(user_id=user.id, former_company="대기업", years_experience=30, status="approved",
                             approved_at=utc(2025, 12, 1))
    db.session.add(profile)
    db.session.flush()
    return user, profile


def place(profile, company, purpose, start, end, **kw):
    from lms.meisters.models import Placement

    p = Placement(meister_id=profile.id, company_id=company.id, purpose=purpose, starts_on=start, ends_on=end,
                  contact_name="담당자", contact_email="contact@example.kr", **kw)
    db.session.add(p)
    db.session.flush()
    return p


def visit(placement, day, minutes=60, confirmed=False):
    from lms.meisters.models import Visit

    db.session.add(Visit(placement_id=placement.id, visited_on=day, minutes=minutes, activity="consulting",
                         done="점검", confirmed_at=utc(day.year, day.month, day.day) if confirmed else None))


def onsite_signoff(enrollment, module, assessor, outcome="passed", supersedes=None, session_id=None,
                   site="workplace"):
    """A sign-off at the workplace (``site="workplace"``), as lms.meisters records one and
    lms.analytics.meister_queries.onsite_signoff_clause counts it; ``site="lab"`` for a
    lab sign-off that must not count."""
    from lms.labs.models import PracticalSignoff

    s = PracticalSignoff(enrollment_id=enrollment.id, module_id=module.id, session_id=session_id, site=site,
                         assessor_id=assessor.id, outcome=outcome, assessed_on=date(2026, 5, 12), results=[],
                         supersedes_id=supersedes.id if supersedes else None, created_at=utc(2026, 5, 12))
    db.session.add(s)
    db.session.flush()
    return s


@pytest.fixture
def firms(world):
    from lms.orgs.models import IndustrialComplex

    changwon = db.session.execute(sa.select(IndustrialComplex).where(IndustrialComplex.code == "changwon")).scalar_one()
    general = IndustrialComplex(code="test-general", name_ko="시험일반산업단지", kind="general", region_code="26",
                                is_smart=False)
    db.session.add(general)
    db.session.flush()
    world.seoul.industrial_complex_id = changwon.id
    world.seoul.cuts_working_hours = True
    world.seoul.is_root_industry = True
    world.busan.industrial_complex_id = general.id
    world.busan.is_root_industry = True

    user_a, a = add_meister("meister-a@example.kr")
    _user_b, b = add_meister("meister-b@example.kr")
    p1 = place(a, world.seoul, "tech_support", date(2026, 2, 1), date(2026, 4, 30), closed_on=date(2026, 4, 20),
               level_at_start_code="basic", level_at_end_code="intermediate1")
    for k in range(7):  # 02-03, 02-10, 02-17, 02-24, 03-03, 03-10, 03-17
        visit(p1, date(2026, 2, 3) + timedelta(days=7 * k), confirmed=k == 0)
    p2 = place(a, world.busan, "build_consulting", date(2026, 3, 1), date(2026, 8, 31), level_at_start_code="none")
    visit(p2, date(2026, 3, 20))
    p3 = place(a, world.busan, "knowhow", date(2026, 3, 1), date(2026, 3, 31), cancelled_at=utc(2026, 3, 2))
    visit(p3, date(2026, 3, 3))
    place(b, world.seoul, "aftercare", date(2026, 1, 5), date(2026, 12, 31))
    place(b, world.busan, "aftercare", date(2026, 9, 1), date(2026, 11, 30))

    practical = [m for m in world.course_y.modules if m.kind == "practical"][0]
    e8 = make_enrollment(world.seoul_people[8], world.course_y, enrolled_at=utc(2026, 5, 1))
    e9 = make_enrollment(world.seoul_people[9], world.course_y, enrolled_at=utc(2026, 5, 1))
    e10 = make_enrollment(world.seoul_people[10], world.course_y, enrolled_at=utc(2026, 5, 1))
    onsite_signoff(e8, practical, user_a)
    first = onsite_signoff(e9, practical, user_a, outcome="failed")
    onsite_signoff(e9, practical, user_a, supersedes=first)
    onsite_signoff(e10, practical, world.instructor, site="lab")  # a lab sign-off: not on site
    db.session.flush()
    return SimpleNamespace(world=world, changwon=changwon, general=general, a=a, b=b, p1=p1)


# ---------------------------------------------------------------- hand-computed figures

def test_complex_rows_put_smart_complexes_first_and_group_the_others(firms):
    data = raw(Filters())
    t = data["tables"]["by_complex"]
    labels = [r[t["columns"].index("label")] for r in t["rows"]]
    assert labels == ["창원국가산업단지", "그 밖의 산업단지"]
    by = rows(data, "by_complex")
    smart = by[f"c{firms.changwon.id}"]
    assert (smart["enrolled"], smart["completed"], smart["certified"]) == (12, 8, 6)  # 1 revoked, 1 expired
    other = by["other"]
    assert (other["enrolled"], other["completed"], other["certified"]) == (3, 2, 2)


def test_a_firm_outside_any_complex_is_its_own_row(firms):
    outside = make_company(region_code="11", size_code="small")
    u = make_user(company_id=outside.id, email="outside@example.kr")
    u.created_at = utc(2026, 1, 5)
    make_enrollment(u, firms.world.course_x, enrolled_at=utc(2026, 1, 10))
    db.session.flush()
    t = raw(Filters())["tables"]["by_complex"]
    labels = [r[t["columns"].index("label")] for r in t["rows"]]
    assert labels == ["창원국가산업단지", "그 밖의 산업단지", "산업단지 밖·미상"]
    assert rows(raw(Filters()), "by_complex")["none"]["enrolled"] == 1


def test_priority_groups_are_the_four_groups(firms):
    data = raw(Filters())
    t = data["tables"]["by_priority"]
    labels = [r[t["columns"].index("label")] for r in t["rows"]]
    assert labels == ["근로시간 단축 기업", "뿌리산업 기업", "근로시간 단축·뿌리산업 모두", "해당 없음"]
    by = rows(data, "by_priority")
    assert (by["both"]["enrolled"], by["both"]["completed"], by["both"]["certified"]) == (12, 8, 6)
    assert (by["root"]["enrolled"], by["root"]["completed"], by["root"]["certified"]) == (3, 2, 2)
    assert by["working_hours"]["enrolled"] == 0 and by["neither"]["enrolled"] == 0


def test_region_filter_narrows_the_new_breakdowns(firms):
    data = raw(Filters(region="26"))
    assert list(rows(data, "by_complex")) == ["other"]
    assert rows(data, "meister_by_region").keys() == {"26"}
    over = rows(data, "meister_overview")
    assert over["placements"]["value"] == 1 and over["onsite"]["value"] == 0
    # A course filter keeps the placements at the firms of that course's trainees (Seoul: P1, P4).
    data = raw(Filters(course_id=firms.world.course_y.id))
    assert rows(data, "meister_by_region").keys() == {"11"}
    assert rows(data, "meister_overview")["placements"]["value"] == 2


def test_reach_of_priority_firms_and_smart_complexes_against_all(firms):
    """Reached a certificate: issued by then and not revoked (the expired one counts)."""
    from lms.analytics import privacy
    from lms.analytics.specs import TABLES

    data = raw(Filters())
    by = rows(data, "priority_reach")
    assert (by["priority"]["people"], by["priority"]["certified"]) == (15, 9)
    assert (by["smart_complex"]["people"], by["smart_complex"]["certified"]) == (12, 7)
    assert (by["all"]["people"], by["all"]["certified"]) == (15, 9)
    exact = services.present(data, suppress=False)
    col = exact["tables"]["priority_reach"]["columns"]
    cmp = {r[col.index("label")]: r[col.index("vs_all")] for r in exact["tables"]["priority_reach"]["rows"]}
    assert cmp["우선지원 기업(근로시간 단축·뿌리산업) 훈련생"] == "같음"  # 9/15 = 9/15
    assert cmp["스마트산단 기업 훈련생"] == "낮음"  # 7/12 < 9/15
    assert cmp["전체 훈련생"] is None
    # Exact, not float: 1/3 against 333333/1000000 is higher, whatever the float says.
    import pandas as pd

    df = pd.DataFrame({"key": ["x", "all"], "certified": [1, 333333], "people": [3, 1000000]})
    spec = TABLES["priority_reach"]
    assert privacy.visible_frame(df, spec)["vs_all"][0] == "높음"


def test_meister_section_equals_hand_counts(firms):
    data = raw(Filters())
    over = {k: v["value"] for k, v in rows(data, "meister_overview").items()}
    assert over == {"meisters": 2, "placed_now": 2, "companies": 2, "placements": 3, "visits": 8, "confirmed": 1,
                    "hours": 8, "onsite": 2, "improved": 1}
    purpose = rows(data, "meister_by_purpose")
    assert list(purpose) == ["build_consulting", "tech_support", "aftercare", "knowhow"]
    assert {k: (v["placements"], v["visits"], v["hours"]) for k, v in purpose.items()} == {
        "build_consulting": (1, 1, 1), "tech_support": (1, 7, 7), "aftercare": (1, 0, 0), "knowhow": (0, 0, 0)}
    region = rows(data, "meister_by_region")
    assert {k: (v["meisters"], v["companies"], v["placements"], v["visits"], v["hours"], v["onsite"])
            for k, v in region.items()} == {"11": (2, 1, 2, 7, 7, 2), "26": (1, 1, 1, 1, 1, 0)}
    cx = rows(data, "meister_by_complex")
    assert list(cx) == [f"c{firms.changwon.id}", "other"]
    assert cx[f"c{firms.changwon.id}"]["onsite"] == 2 and cx["other"]["placements"] == 1
    levels = rows(data, "meister_levels")
    assert {v["label"]: (v["companies"], v["placements"]) for v in levels.values()} == {"기초 → 중간1": (1, 1)}


def test_meister_section_follows_the_period(firms):
    """A period of 2026-05..2026-06 (people who joined then: none) still counts the
    placements and visits dated in it: P2 and P4 run, no visit, nothing closed."""
    data = raw(Filters(date_from=date(2026, 5, 1), date_to=date(2026, 6, 30)))
    over = {k: v["value"] for k, v in rows(data, "meister_overview").items()}
    assert (over["placements"], over["visits"], over["hours"], over["improved"]) == (2, 0, 0, 0)
    early = raw(Filters(date_to=date(2026, 2, 28)), now=NOW)
    over = {k: v["value"] for k, v in rows(early, "meister_overview").items()}
    assert (over["placements"], over["visits"], over["onsite"]) == (2, 4, 0)  # P1 and P4 by February's end


# ---------------------------------------------------------------- what the ministry sees

def test_ministry_sees_the_new_tables_rounded(firms):
    shown = services.present(raw(Filters()), suppress=True)  # published tables carry labels, no keys
    over = {k: v["value"] for k, v in rows(shown, "meister_overview").items()}
    assert over["현장 방문 횟수"] == 10 and over["방문 시간(시간)"] == 10  # 8 -> 10
    assert over["활동 마이스터(기간 중 파견)"] == "<5" and over["현장에서 평가받은 훈련생"] == "<5"
    by = rows(shown, "by_complex")
    assert by["창원국가산업단지"]["enrolled"] == 10 and by["그 밖의 산업단지"]["enrolled"] == "<5"
    reach = rows(shown, "priority_reach")["스마트산단 기업 훈련생"]
    assert (reach["people"], reach["certified"]) == (10, 5)
    assert reach["reach_rate"] == pytest.approx(0.5)  # published 5 / 10, not 7 / 12
    assert reach["vs_all"] == "낮음"  # 5/10 against 10/15, the published counts
    for key in ("by_complex", "by_priority", "priority_reach", "meister_by_purpose", "meister_by_region",
                "meister_by_complex", "meister_levels", "meister_overview"):
        for row in shown["tables"][key]["rows"]:
            for v in row:
                assert not (isinstance(v, int) and v % 5), (key, row)


def test_ministry_page_shows_the_sections(firms, ministry_client):
    db.session.commit()
    html = ministry_client.get("/ministry?to=2026-06").get_data(as_text=True)
    for key in ("by_complex", "by_priority", "priority_reach", "meister_overview", "meister_by_purpose",
                "meister_by_region", "meister_by_complex", "meister_levels"):
        assert f'id="table-{key}"' in html, key
    assert "스마트 마이스터 현장 지원" in html and "창원국가산업단지" in html


def test_instructor_sees_reach_of_their_cohort_exactly_and_no_meister_section(firms, client):
    from tests.conftest import login

    db.session.commit()
    login(client, firms.world.instructor)
    html = client.get("/instructor/analytics?to=2026-06").get_data(as_text=True)
    assert 'id="table-priority_reach"' in html and 'id="table-meister_overview"' not in html
    data = raw(Filters().with_scope([firms.world.cohort.id]))
    by = rows(data, "priority_reach")
    assert (by["priority"]["people"], by["priority"]["certified"]) == (12, 7)  # the cohort's Seoul trainees
    assert (by["all"]["people"], by["all"]["certified"]) == (12, 7)
    assert "meister_overview" not in data["tables"]
    # Nor can the instructor export it.
    assert client.get("/instructor/analytics/export/meister_overview.csv").status_code == 404


def test_exports_contain_the_new_tables(firms, ministry_client):
    from openpyxl import load_workbook

    db.session.commit()
    resp = ministry_client.get("/ministry/export/all.xlsx?to=2026-06")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    text = "\n".join(wb.sheetnames + [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                                       if c.value is not None])
    for title in ("참여기업 산업단지별", "우선지원 기업 구분별", "우선지원 기업·스마트산단 훈련생의 수료증 취득",
                  "스마트 마이스터 현장 지원 요약", "마이스터 파견 목적별", "마이스터 지원 산업단지별"):
        assert title in text, title
    csv = ministry_client.get("/ministry/export/meister_by_complex.csv?to=2026-06").data.decode("utf-8-sig")
    assert "창원국가산업단지" in csv and "현장 평가 훈련생" in csv and "<5" in csv
    csv = ministry_client.get("/ministry/export/meister_overview.csv?to=2026-06").data.decode("utf-8-sig")
    assert "현장 방문 횟수,10" in csv  # 8 visits published as 10


def test_monthly_report_has_the_new_headings(firms, ministry_client):
    import shutil
    import subprocess
    import tempfile

    db.session.commit()
    resp = ministry_client.get("/ministry/report.pdf?month=2026-06")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
            fh.write(resp.data)
            fh.flush()
            text = subprocess.run(["pdftotext", "-layout", fh.name, "-"], capture_output=True, check=True,
                                  text=True).stdout
    else:
        from tests.analytics.test_report_pdf import pdf_text

        text = "\n".join(pdf_text(resp.data))
    for heading in ("참여기업 산업단지별", "우선지원 기업 구분별", "스마트 마이스터 현장 지원 요약",
                    "마이스터 파견 목적별", "마이스터 지원 지역(시·도)별", "마이스터 지원 산업단지별",
                    "지원 기업 스마트공장 수준 변화"):
        assert heading in text, heading
    assert "창원국가산업단지" in text


# ---------------------------------------------------------------- constant statements

def test_loading_the_figures_takes_the_same_statements_for_more_meister_data(firms):
    from tests.core.test_query_counts import count_statements

    def measure():
        with count_statements() as seen:
            engine.compute(engine.load_base(), Filters(), TARGET, engine_labels(), now=NOW)
        return len(seen)

    small = measure()
    w = firms.world
    practical = [m for m in w.course_y.modules if m.kind == "practical"][0]
    for k in range(6):
        c = make_company(region_code="48", industrial_complex_id=firms.general.id, cuts_working_hours=True)
        p = place(firms.b, c, "knowhow", date(2026, 1, 1), date(2026, 1, 31), closed_on=date(2026, 1, 30),
                  level_at_start_code="none", level_at_end_code="basic")
        for d in range(1, 4):
            visit(p, date(2026, 1, d * 5), confirmed=True)
        u = make_user(company_id=c.id, email=f"grown{k}@example.kr")
        e = make_enrollment(u, w.course_y, enrolled_at=utc(2026, 1, 20))
        onsite_signoff(e, practical, firms.a.user)
    db.session.flush()
    assert measure() == small
    assert rows(raw(Filters()), "meister_overview")["placements"]["value"] == 9
