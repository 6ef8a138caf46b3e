"""Statistics agree with themselves (issue 8, "Statistics agree with themselves").

Named cases on the hand-counted world (conftest), then the kind: on a small
seeded demo database, identities that must hold for every combination of filters
(hypothesis over the filter space), and the engine's headline figures against
independent SQL written from the same definitions (the benchmark's check).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.analytics import engine, queries
from lms.analytics.filters import Filters
from lms.analytics.specs import engine_labels
from lms.core.db import utcnow
from lms.extensions import db
from tests.analytics.conftest import utc
from tests.factories import make_enrollment, make_user

NOW = utc(2026, 6, 30)
TARGET = {"count": 20, "date": date(2026, 12, 31)}
BREAKDOWNS = ("by_region", "by_kind", "by_institution", "by_tech", "by_size", "by_course")


def run(filters=None, now=NOW, base=None):
    return engine.compute(base or engine.load_base(), filters or Filters(), TARGET, engine_labels(), now=now)


def funnel_people(report) -> list[int]:
    return [int(v) for v in report["tables"]["funnel"]["people"]]


# ---------------------------------------------------------------- named cases (world)

def test_registered_and_active_follow_type_institution_and_course_filters(world):
    """Issue 8: "가입 훈련생" and "최근 30일 활동" ignored these filters."""
    for u in world.seoul_people[:4] + world.busan_people[:1]:
        u.last_active_at = utc(2026, 6, 20)
    online = run(Filters(kind="online"))["headline"]
    assert (online["registered"], online["active30"], online["enrolled"]) == (3, 1, 3)
    inst = run(Filters(institution_id=world.uni.id))["headline"]
    assert (inst["registered"], inst["active30"], inst["enrolled"]) == (12, 4, 12)
    lab_course = run(Filters(course_id=world.course_y.id))["headline"]
    assert (lab_course["registered"], lab_course["active30"], lab_course["enrolled"]) == (7, 4, 7)


def test_a_region_never_has_more_enrolled_than_registered(world):
    """Issue 8: 경상남도 26 registered, 43 enrolled. Trainees without an employer were
    placed in their institution's region for enrollments but nowhere for registration."""
    loner = make_user(name="무소속훈련생", email="loner@example.kr")
    loner.created_at = utc(2026, 1, 5)
    make_enrollment(loner, world.course_x, cohort_id=world.cohort.id, programme_id=world.contract.id,
                    enrolled_at=utc(2026, 1, 10))
    head = run(Filters(region="11"))["headline"]  # the university is in Seoul (11)
    assert head["registered"] == head["enrolled"] == 13
    assert funnel_people(run(Filters(region="11")))[:2] == [13, 13]


def test_a_period_funnel_never_exceeds_its_first_stage(world):
    """Issue 8: with a date range the funnel showed 117.6 % and 102.9 %."""
    for u in world.busan_people:
        u.created_at = utc(2026, 3, 1)
    for f in (Filters(date_from=date(2026, 2, 1)), Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)),
              Filters(date_to=date(2026, 2, 28))):
        report = run(f)
        people = funnel_people(report)
        assert people == sorted(people, reverse=True), (f, people)
        shares = report["tables"]["funnel"]["share_of_first"].dropna()
        assert (shares <= 1).all(), (f, list(shares))
    # The March registrants: 3 people, all enrolled in March, 2 certified.
    march = run(Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    assert funnel_people(march) == [3, 3, 2, 2, 2, 2]


def test_staff_enrollments_are_not_trainees(world):
    staff = make_user(role="instructor", name="둘러보는교수")
    make_enrollment(staff, world.course_x, enrolled_at=utc(2026, 2, 1))
    head = run()["headline"]
    assert head["registered"] == head["enrolled"] == 15


# ---------------------------------------------------------------- the kind (seeded database)

def _sql_by(column_sql: str, now) -> dict:
    """Distinct trainees enrolled by ``now`` per group, by a hand-written SQL GROUP BY."""
    rows = db.session.execute(sa.text(f"""
        SELECT {column_sql} AS k, COUNT(DISTINCT e.user_id)
        FROM enrollments e JOIN users u ON u.id = e.user_id
        LEFT JOIN programmes p ON p.id = e.programme_id
        WHERE u.role = 'trainee' AND u.created_at <= :now AND e.enrolled_at <= :now
        GROUP BY {column_sql}"""), {"now": now}).all()
    return {str(k): int(n) for k, n in rows}


def test_engine_agrees_with_independent_sql(seeded_world):
    """Task 2 / bench: the dashboard's enrolled figure (and every headline count) equals
    the SQL GROUP BY written from the same definitions, at the same instant."""
    now = utcnow()
    report = run(now=now)
    sql = queries.headline_group_by_sql()  # its own "now", a moment later: nothing is dated in between
    head = report["headline"]
    assert {"registered": head["registered"], "enrolled": head["enrolled"], "completed": head["completed"],
            "valid": head["certified_valid"]} == sql
    for table, column in (("by_course", "e.course_id"), ("by_kind", "COALESCE(p.kind, 'online')")):
        engine_rows = {r["key"]: int(r["enrolled"]) for r in report["tables"][table].to_dict("records")}
        assert engine_rows == _sql_by(column, now), table


def _filter_space(base):
    enr = base.enr
    regions = sorted({str(r) for r in base.users["region_code"].unique()})
    institutions = sorted(int(i) for i in enr["institution_id"].unique() if i > 0)
    courses = sorted(int(c) for c in enr["course_id"].unique())
    cohorts = sorted(int(c) for c in enr["cohort_id"].unique() if c > 0)
    months = [date(y, m, 1) for y in range(2019, 2027) for m in (1, 4, 7, 10)]
    opt = lambda xs: st.one_of(st.none(), st.sampled_from(xs)) if xs else st.none()  # noqa: E731

    @st.composite
    def filters(draw):
        start, end = draw(opt(months)), draw(opt(months))
        if start and end and end < start:
            start, end = end, start
        f = Filters(date_from=start, date_to=(end + timedelta(days=92)) if end else None, region=draw(opt(regions)),
                    kind=draw(opt(["contract", "smart_lab", "online"])), institution_id=draw(opt(institutions)),
                    course_id=draw(opt(courses)))
        if cohorts and draw(st.integers(0, 4)) == 0:
            f = f.with_scope(draw(st.lists(st.sampled_from(cohorts), min_size=1, max_size=3)))
        return f

    return filters()


DRILL = {"by_region": "region", "by_kind": "kind", "by_institution": "institution_id", "by_course": "course_id"}


def check_identities(base, f: Filters, now) -> None:
    """Every identity the dashboard must satisfy for one filter set."""
    from dataclasses import replace

    report = run(f, now=now, base=base)
    head, tables = report["headline"], report["tables"]
    people = funnel_people(report)
    # The funnel is nested and starts with the cards.
    assert people == sorted(people, reverse=True), people
    assert people[0] == head["registered"] and people[1] == head["enrolled"] and people[5] == head["certified_valid"]
    assert head["registered"] >= head["active30"]
    assert head["enrolled"] >= head["completed"] and head["enrolled"] >= head["certified_valid"]
    # Regions partition the people; other breakdowns may count a person in several rows.
    region = tables["by_region"]
    for col, key in (("enrolled", "enrolled"), ("completed", "completed"), ("certified", "certified_valid")):
        assert int(region[col].sum()) == head[key], col
    for key in BREAKDOWNS:
        t = tables[key]
        if t.empty:
            assert head["enrolled"] == 0
            continue
        assert int(t["enrolled"].max()) <= head["enrolled"] <= int(t["enrolled"].sum()), key
        assert (t["completed"] <= t["enrolled"]).all() and (t["certified"] <= t["enrolled"]).all(), key
        assert int(t["certified"].max()) <= head["certified_valid"], key
    cum = tables["cumulative"]
    if len(cum):
        series = cum["certified"].to_numpy()
        assert (np.diff(series) >= 0).all()
        assert head["certified_valid"] <= series[-1] <= people[4]
    else:
        assert head["certified_valid"] == 0
    # A breakdown row is the same figure as the view filtered to that row.
    for key, attr in DRILL.items():
        t = tables[key]
        if t.empty or getattr(f, attr) is not None:
            continue
        row = t.sort_values("enrolled").iloc[len(t) // 2]
        if row["key"] in ("-1", "?"):
            continue
        value = row["key"] if attr in ("region", "kind") else int(row["key"])
        sub = run(replace(f, **{attr: value}), now=now, base=base)["headline"]
        assert (sub["enrolled"], sub["completed"], sub["certified_valid"]) == \
               (row["enrolled"], row["completed"], row["certified"]), (key, value)
        assert sub["registered"] <= head["registered"]
    # Smart labs: a narrower filter never shows more sessions or bookings for a lab.
    if f.kind is None and f.cohort_ids is None:
        labs_all = tables["labs"].set_index("key")
        for kind in ("contract", "smart_lab", "online"):
            sub = run(replace(f, kind=kind), now=now, base=base)["tables"]["labs"].set_index("key")
            for k, r in sub.iterrows():
                assert r["sessions"] <= labs_all.loc[k, "sessions"] and r["booked"] <= labs_all.loc[k, "booked"]


def test_identities_hold_for_random_filter_combinations(seeded_world):
    now = utcnow()
    base = engine.load_base()
    check_identities(base, Filters(), now)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(_filter_space(base))
    def holds(f):
        check_identities(base, f, now)

    holds()


# ---------------------------------------------------------------- instructor's smart-lab table

def test_instructor_lab_table_counts_the_sessions_their_cohort_used(world, client):
    """Issue 8: the instructor's 스마트랩 운영 showed 1 session and 0 bookings for a cohort
    with six finished sessions with bookings and attendance: sessions open to every
    cohort (no cohort_id) were not counted, only the one reserved for the cohort."""
    from lms.labs.models import Attendance, Booking, LabRoom, LabSession
    from tests.conftest import login

    practical = [m for m in world.course_y.modules if m.kind == "practical"][0]
    room = db.session.execute(sa.select(LabRoom).where(LabRoom.lab_id == world.lab.id)).scalar_one()
    members = world.seoul_people[7:12]
    enrs = [make_enrollment(u, world.course_y, cohort_id=world.cohort.id, programme_id=world.contract.id,
                            enrolled_at=utc(2026, 3, 10)) for u in members]
    db.session.add(LabSession(lab_id=world.lab.id, room_id=room.id, module_id=practical.id, cohort_id=world.cohort.id,
                              starts_at=utc(2026, 4, 1, 0), ends_at=utc(2026, 4, 1, 4), capacity=10))
    for k in range(6):
        s = LabSession(lab_id=world.lab.id, room_id=room.id, module_id=practical.id, starts_at=utc(2026, 4, 2 + k, 0),
                       ends_at=utc(2026, 4, 2 + k, 4), capacity=10, booked_count=2)
        db.session.add(s)
        db.session.flush()
        for e in (enrs[k % 5], enrs[(k + 1) % 5]):
            db.session.add(Booking(session_id=s.id, user_id=e.user_id, enrollment_id=e.id, status="booked"))
            db.session.add(Attendance(session_id=s.id, user_id=e.user_id, enrollment_id=e.id, status="present", minutes=240))
    db.session.flush()
    labs = run(Filters().with_scope([world.cohort.id]))["tables"]["labs"]
    row = labs.iloc[0]
    assert (row["sessions"], row["booked"], row["attended"]) == (6, 12, 12)
    everyone = run()["tables"]["labs"].iloc[0]
    assert (everyone["sessions"], everyone["booked"]) == (8, 19)  # the world's session, the reserved one, six more

    db.session.commit()
    login(client, world.instructor)
    html = client.get("/instructor/analytics").get_data(as_text=True)
    table = html[html.index('id="table-labs"'):]
    table = table[:table.index("</table>")]
    assert "창원 스마트랩" in table and ">6<" in table and ">12<" in table
