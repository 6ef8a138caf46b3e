"""Placements: capacity (never more than N at once, for any periods), validation,
matching (expertise and region fit; priority firms first), closing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters.models import Placement
from tests.factories import make_company

D0 = date(2026, 1, 5)


def _place(admin, meister, company, start, end, **kw):
    return pl.create_placement(admin, meister=meister, company=company, purpose=kw.pop("purpose", "tech_support"),
                               starts_on=start, ends_on=end, goals=kw.pop("goals", "MES 도입\n불량률 10% 감소"),
                               contact_name="이담당", contact_email=kw.pop("contact_email", "Lee@Company.kr"), **kw)


def test_peak_overlap_counts_days_with_ends_included():
    d = date(2026, 3, 1)
    assert pl.peak_overlap([]) == 0
    assert pl.peak_overlap([(d, d), (d, d)]) == 2
    assert pl.peak_overlap([(d, d + timedelta(days=1)), (d + timedelta(days=2), d + timedelta(days=3))]) == 1
    assert pl.peak_overlap([(d, d + timedelta(days=2)), (d + timedelta(days=2), d + timedelta(days=5))]) == 2
    assert pl.peak_overlap([(d, d + timedelta(days=9))], within=(d + timedelta(days=10), d + timedelta(days=12))) == 0


def test_a_third_overlapping_placement_is_refused(make_meister, admin_user):
    m = make_meister()
    a, b, c = make_company(region_code="48"), make_company(region_code="48"), make_company(region_code="48")
    _place(admin_user, m, a, D0, D0 + timedelta(days=90))
    _place(admin_user, m, b, D0 + timedelta(days=30), D0 + timedelta(days=120))
    with pytest.raises(Conflict) as exc:
        _place(admin_user, m, c, D0 + timedelta(days=90), D0 + timedelta(days=100))  # day 90: a and b
    assert "2곳" in str(exc.value.message)
    _place(admin_user, m, c, D0 + timedelta(days=91), D0 + timedelta(days=100))  # a is over by then


def test_setting_changes_the_limit(app, make_meister, admin_user):
    m = make_meister()
    app.config["MEISTER_MAX_CONCURRENT_PLACEMENTS"] = "1"  # as LMS_MEISTER_MAX_CONCURRENT_PLACEMENTS=1 gives it
    try:
        _place(admin_user, m, make_company(), D0, D0 + timedelta(days=10))
        with pytest.raises(Conflict):
            _place(admin_user, m, make_company(), D0 + timedelta(days=10), D0 + timedelta(days=20))
    finally:
        app.config["MEISTER_MAX_CONCURRENT_PLACEMENTS"] = 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(periods=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)), min_size=1, max_size=8))
def test_no_day_ever_holds_more_than_the_limit_and_refusals_are_justified(make_meister, admin_user, periods):
    """For any sequence of requested periods: accepted placements never exceed the
    limit on any day, and each refused one would have exceeded it."""
    m = make_meister()
    company = make_company()
    accepted: list[tuple[date, date]] = []
    with db.session.begin_nested() as outer:
        for offset, length in periods:
            start = D0 + timedelta(days=offset)
            end = start + timedelta(days=length)
            try:
                with db.session.begin_nested():
                    _place(admin_user, m, company, start, end)
                accepted.append((start, end))
            except Conflict:
                assert pl.peak_overlap(accepted + [(start, end)], (start, end)) > 2
        assert pl.peak_overlap(accepted) <= 2
        stored = db.session.execute(select(Placement.starts_on, Placement.ends_on)
                                    .where(Placement.meister_id == m.id)).all()
        assert sorted(stored) == sorted(accepted)
        outer.rollback()


@pytest.mark.parametrize("kw, message", [
    (dict(purpose="party"), "목적"),
    (dict(goals="  \n "), "목표"),
    (dict(contact_email="not-an-email"), "이메일"),
    (dict(level_at_start_code="superb"), "수준"),
])
def test_bad_input_is_refused_with_a_message(make_meister, admin_user, kw, message):
    m = make_meister()
    with pytest.raises(ValidationError) as exc:
        _place(admin_user, m, make_company(), D0, D0 + timedelta(days=30), **kw)
    assert message in str(exc.value.message)
    assert db.session.execute(select(Placement)).first() is None


def test_only_approved_meisters_within_their_availability_are_placed(make_meister, admin_user):
    with pytest.raises(ValidationError):
        _place(admin_user, make_meister(approved=False), make_company(), D0, D0 + timedelta(days=5))
    limited = make_meister(available_until=D0 + timedelta(days=10))
    with pytest.raises(ValidationError):
        _place(admin_user, limited, make_company(), D0, D0 + timedelta(days=30))
    with pytest.raises(ValidationError):
        _place(admin_user, make_meister(), make_company(), D0 + timedelta(days=5), D0)


def test_placement_is_audited_and_contact_email_normalised(make_meister, admin_user):
    p = _place(admin_user, make_meister(), make_company(), D0, D0 + timedelta(days=90))
    assert p.contact_email == "lee@company.kr" and [g.text for g in p.goals] == ["MES 도입", "불량률 10% 감소"]
    assert all(g.outcome is None for g in p.goals)  # nothing judged by default
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "placement.create")).scalar_one()
    assert ev.details["goals"] == 2


def test_matching_fits_region_and_expertise_and_skips_full_meisters(make_meister, admin_user):
    company = make_company(region_code="48", root_technology_code="welding")
    plc_here = make_meister(regions=("48",), fields=("plc",), name="PLC경남")
    welder_here = make_meister(regions=("48", "26"), fields=("quality",), roots=("welding",), name="용접경남")
    make_meister(regions=("41",), fields=("plc",), name="PLC경기")  # wrong region
    make_meister(regions=("48",), fields=("safety",), name="안전경남")  # no fit
    make_meister(regions=("48",), fields=("plc",), approved=False, name="미승인")
    busy = make_meister(regions=("48",), fields=("plc",), name="바쁜PLC")
    for _ in range(2):
        _place(admin_user, busy, make_company(), D0, D0 + timedelta(days=100))
    got = pl.suggest_meisters(company, fields=["plc"], starts_on=D0, ends_on=D0 + timedelta(days=60))
    assert [s.profile.user.name for s in got] == ["PLC경남", "용접경남"]
    assert got[0].fields == ["plc"] and got[1].root_match
    assert welder_here.id in {s.profile.id for s in pl.suggest_meisters(company)}


def test_company_suggestions_put_priority_firms_first(make_meister, admin_user):
    m = make_meister(regions=("48",))
    plain = make_company(name="가나다 일반", region_code="48")
    hours = make_company(name="나 근로시간", region_code="48", cuts_working_hours=True)
    both = make_company(name="다 둘다", region_code="48", cuts_working_hours=True, is_root_industry=True)
    root = make_company(name="라 뿌리", region_code="48", is_root_industry=True)
    make_company(name="마 경기", region_code="41", cuts_working_hours=True, is_root_industry=True)
    names = [c.name for c in pl.suggest_companies(m)]
    assert names == [both.name, hours.name, root.name, plain.name]


def test_rollup_is_one_grouped_query(make_meister, admin_user):
    from lms.meisters.models import Visit

    p = _place(admin_user, make_meister(), make_company(), D0, D0 + timedelta(days=90))
    q = _place(admin_user, make_meister(), make_company(), D0, D0 + timedelta(days=90))
    for i, minutes in enumerate((120, 90, 30)):
        db.session.add(Visit(placement_id=p.id, visited_on=D0 + timedelta(days=i), minutes=minutes, activity="consulting",
                             done="점검", issues="", next_steps="", confirmed_at=db.func.now() if i == 0 else None))
    db.session.flush()
    r = pl.rollups([p.id, q.id])
    assert (r[p.id].visits, r[p.id].minutes, r[p.id].confirmed, r[p.id].confirmed_minutes) == (3, 240, 1, 120)
    assert r[q.id].visits == 0


def test_closing_judges_every_goal_and_frees_the_meister(make_meister, admin_user, refdata):
    m = make_meister()
    p = _place(admin_user, m, make_company(), D0, D0 + timedelta(days=90), level_at_start_code="basic")
    g1, g2 = p.goals
    with pytest.raises(ValidationError):
        pl.close_placement(admin_user, p, closed_on=D0 + timedelta(days=30), level_at_end_code="intermediate1",
                           summary="요약", outcomes={g1.id: ("achieved", "")})
    assert p.closed_on is None and g1.outcome is None
    pl.close_placement(admin_user, p, closed_on=D0 + timedelta(days=30), level_at_end_code="intermediate1",
                       summary="MES 구축 완료", outcomes={g1.id: ("achieved", "완료"), g2.id: ("partly", "7%")})
    assert p.effective_end == D0 + timedelta(days=30) and g2.outcome == "partly"
    with pytest.raises(Conflict):
        pl.close_placement(admin_user, p, closed_on=D0 + timedelta(days=30), level_at_end_code="basic",
                           summary="x", outcomes={})
    _place(admin_user, m, make_company(), D0 + timedelta(days=31), D0 + timedelta(days=60))
    _place(admin_user, m, make_company(), D0 + timedelta(days=31), D0 + timedelta(days=60))  # two free again


def test_cancelling_an_unvisited_placement_frees_the_meister(make_meister, admin_user):
    from lms.meisters import visits as vs
    from lms.core.timeutil import today_kst

    m = make_meister()
    a = _place(admin_user, m, make_company(), D0, D0 + timedelta(days=90))
    b = _place(admin_user, m, make_company(), D0, D0 + timedelta(days=90))
    with pytest.raises(Conflict):
        _place(admin_user, m, make_company(), D0, D0 + timedelta(days=90))
    with pytest.raises(ValidationError):
        pl.cancel_placement(admin_user, a, reason="  ")
    pl.cancel_placement(admin_user, a, reason="기업 사정으로 철회")
    assert a.cancelled_at is not None
    _place(admin_user, m, make_company(), D0, D0 + timedelta(days=90))  # room again
    with pytest.raises(Conflict):
        pl.cancel_placement(admin_user, a, reason="again")
    with pytest.raises(Conflict):
        pl.close_placement(admin_user, a, closed_on=D0, level_at_end_code="basic", summary="x", outcomes={})
    with pytest.raises(Conflict):
        vs.log_visit(m.user, a, visited_on=D0, hours="1", activity="consulting", done="x")
    today = today_kst()
    c = _place(admin_user, make_meister(), make_company(), today - timedelta(days=5), today + timedelta(days=5))
    vs.log_visit(c.meister.user, c, visited_on=today, hours="1", activity="consulting", done="x")
    with pytest.raises(Conflict):  # visits keep their placement: close it instead
        pl.cancel_placement(admin_user, c, reason="실수")
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "placement.cancel")).scalar_one()
    assert ev.details["reason"] == "기업 사정으로 철회"
    assert b.cancelled_at is None
