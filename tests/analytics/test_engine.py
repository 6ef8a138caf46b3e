"""Figures of the engine against hand-counted expectations on the small world (see conftest)."""
from __future__ import annotations

from datetime import date

import pytest

from lms.analytics import engine
from lms.analytics.filters import Filters
from lms.analytics.specs import engine_labels
from tests.analytics.conftest import utc

NOW = utc(2026, 6, 30)
TARGET = {"count": 20, "date": date(2026, 12, 31)}


def run(filters=None, now=NOW, target=TARGET):
    return engine.compute(engine.load_base(), filters or Filters(), target, engine_labels(), now=now)


def rows(df, key="key"):
    return {r[key]: r for r in df.to_dict("records")}


def test_headline(world):
    for u in world.seoul_people[:4]:
        u.last_active_at = utc(2026, 6, 20)
    world.busan_people[0].last_active_at = utc(2026, 5, 1)  # more than 30 days before NOW
    h = run()["headline"]
    assert h["registered"] == 15
    assert h["active30"] == 4
    assert h["enrolled"] == 15
    assert h["completed"] == 10
    assert h["certified_valid"] == 8  # 10 certified, one revoked, one expired
    assert h["progress_pct"] == 40.0
    assert h["new_90d"] == 0 and h["pace_per_day"] == 0 and h["projected_date"] is None
    assert h["needed_per_day"] == pytest.approx(12 / 183.875, abs=0.01)




def test_pace_projection_as_of_april(world):
    h = run(now=utc(2026, 4, 15))
    h = h["headline"]
    # On 15 April the expired certificate was still valid; the revoked one was revoked on 1 April.
    assert h["certified_valid"] == 9
    assert h["new_90d"] == 10
    assert h["pace_per_day"] == pytest.approx(10 / 90, abs=0.01)
    # 11 more at 10 per 90 days: 99 days after 15 April.
    assert h["projected_date"] == "2026-07-23"
    assert h["on_track"] is True


def test_breakdowns(world):
    t = run()["tables"]
    region = rows(t["by_region"])
    assert (region["11"]["enrolled"], region["11"]["completed"], region["11"]["certified"]) == (12, 8, 6)
    assert (region["26"]["enrolled"], region["26"]["completed"], region["26"]["certified"]) == (3, 2, 2)
    assert region["11"]["completion_rate"] == pytest.approx(8 / 12)
    assert region["26"]["label"] == "부산광역시"
    kind = rows(t["by_kind"])
    assert (kind["contract"]["enrolled"], kind["smart_lab"]["enrolled"], kind["online"]["enrolled"]) == (12, 7, 3)
    assert kind["online"]["certified"] == 2 and kind["smart_lab"]["completed"] == 0
    inst = rows(t["by_institution"])
    assert inst[str(world.uni.id)]["enrolled"] == 12 and inst["-1"]["enrolled"] == 3
    tech = rows(t["by_tech"])
    assert tech["welding"]["enrolled"] == 12 and tech["casting"]["certified"] == 2
    size = rows(t["by_size"])
    assert size["small"]["completed"] == 8 and size["medium"]["enrolled"] == 3
    course = rows(t["by_course"])
    assert (course[str(world.course_x.id)]["enrolled"], course[str(world.course_x.id)]["certified"]) == (15, 8)
    assert course[str(world.course_y.id)]["enrolled"] == 7


def test_funnel(world):
    f = run()["tables"]["funnel"]
    assert list(f["people"]) == [15, 15, 12, 12, 10, 8]


def test_cumulative(world):
    c = run()["tables"]["cumulative"]
    got = dict(zip(c["label"], c["certified"]))
    # First certificate per person, revoked ones excluded: 7 in Feb, 2 more in March.
    assert got == {"2026-02": 7, "2026-03": 9, "2026-04": 9, "2026-05": 9, "2026-06": 9}
    assert list(c["target_line"])[-1] <= 20


def test_cohort_heatmap(world):
    t = run()["tables"]
    h = rows(t["cohort_intake"])
    jan = h["2026-01"]
    assert jan["people"] == 12
    assert jan["m1"] == 0 and jan["m2"] == pytest.approx(8 / 12) and jan["m5"] == pytest.approx(8 / 12)
    assert jan["m6"] != jan["m6"]  # NaN: six months have not passed yet
    assert jan["median_days"] == 41
    mar = h["2026-03"]
    assert mar["people"] == 3 and mar["m1"] == pytest.approx(2 / 3) and mar["median_days"] == 15
    assert h["2026-02"]["people"] == 7 and h["2026-02"]["_certified"] == 0
    contract = t["cohort_contract"]
    assert list(contract["people"]) == [12]
    assert "2026-1기" in contract["label"].iloc[0]


def test_labs(world):
    lab = run()["tables"]["labs"].iloc[0]
    assert lab["label"] == "창원 스마트랩"
    assert (lab["sessions"], lab["seats"], lab["booked"], lab["signoffs"]) == (1, 10, 7, 6)
    assert lab["attendance_rate"] == pytest.approx(5 / 6)
    assert lab["noshow_rate"] == pytest.approx(1 / 6)
    assert lab["seat_use"] == pytest.approx(0.7)
    assert lab["pass_rate"] == pytest.approx(5 / 6)


def test_filters_combine(world):
    assert run(Filters(region="26"))["headline"]["enrolled"] == 3
    assert run(Filters(kind="contract"))["headline"]["enrolled"] == 12
    assert run(Filters(kind="online"))["headline"]["certified_valid"] == 2
    assert run(Filters(course_id=world.course_y.id))["headline"]["enrolled"] == 7
    assert run(Filters(institution_id=world.uni.id))["headline"]["completed"] == 8
    # A period selects the people who registered in it (and what they did by its end).
    for u in world.busan_people:
        u.created_at = utc(2026, 3, 1)
    assert run(Filters(date_from=date(2026, 3, 1)))["headline"]["enrolled"] == 3
    assert run(Filters(date_from=date(2026, 3, 1)))["headline"]["registered"] == 3
    # Combined: Seoul AND smart lab programme
    both = run(Filters(region="11", kind="smart_lab"))
    assert both["headline"]["enrolled"] == 7 and both["headline"]["completed"] == 0
    assert run(Filters(region="26", kind="contract"))["headline"]["enrolled"] == 0
    # A period ending before the March enrollments: states as of 28 Feb.
    feb = run(Filters(date_to=date(2026, 2, 28)))["headline"]
    assert feb["enrolled"] == 12 and feb["certified_valid"] == 8 - 0  # all Feb certificates still valid then


def test_instructor_scope(world):
    h = run(Filters().with_scope([world.cohort.id]))["headline"]
    assert h["enrolled"] == 12 and h["registered"] == 12


def test_filters_roundtrip():
    f = Filters.from_args({"from": "2026-01-01", "to": "2026-06-30", "region": "11", "kind": "contract",
                           "institution": "3", "course": "x"})
    assert f.course_id is None  # malformed values are ignored
    # Days are widened to whole months (privacy: views never differ by one day).
    assert f.to_args() == {"from": "2026-01", "to": "2026-06", "region": "11", "kind": "contract", "institution": "3"}
    assert (f.date_from, f.date_to) == (date(2026, 1, 1), date(2026, 6, 30))
    assert Filters.from_args(f.to_args()) == f
    assert Filters.from_args({"kind": "bogus", "from": "not-a-date"}).is_empty()


def test_sql_group_by_agrees(world):
    from lms.analytics.queries import headline_group_by_sql

    sql = headline_group_by_sql()
    h = run(now=None)["headline"] if False else engine.compute(engine.load_base(), Filters(), TARGET, engine_labels())["headline"]
    assert sql["enrolled"] == h["enrolled"] == 15
    assert sql["completed"] == h["completed"]
    assert sql["valid"] == h["certified_valid"]


def test_parallel_load_reads_the_same_frames(app, live_db, world, monkeypatch):
    """Outside tests the loaders run in threads on their own connections (raw, in
    autocommit on SQLite); they must read exactly what the sequential load reads,
    and give the same figures."""
    import pandas as pd

    live_db.session.commit()  # the threads' connections only see committed rows
    sequential = engine.load_base()
    app.testing, parallel_flag = False, app.config.get("ANALYTICS_PARALLEL_LOAD")
    app.config["ANALYTICS_PARALLEL_LOAD"] = True
    from lms.analytics import queries, sqlread

    own_connection = []
    real = queries.load_trainees
    monkeypatch.setattr(queries, "load_trainees", lambda: own_connection.append(sqlread.connection.get() is not None) or real())
    try:
        parallel = engine.load_base()
    finally:
        app.testing = True
        app.config["ANALYTICS_PARALLEL_LOAD"] = parallel_flag
    for name in ("enr", "users", "certs", "labs"):
        pd.testing.assert_frame_equal(getattr(sequential, name), getattr(parallel, name))
    a = engine.compute(sequential, Filters(), TARGET, engine_labels(), now=NOW)
    b = engine.compute(parallel, Filters(), TARGET, engine_labels(), now=NOW)
    assert a["headline"] == b["headline"]
    assert a["headline"]["enrolled"] == 15
    assert own_connection == [True]  # the parallel path really ran
