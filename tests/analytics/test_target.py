"""The national target line: from the programme's start and baseline (admin settings),
a readable actual series, and no national target on subsets or instructor views (issue 8)."""
from __future__ import annotations

from datetime import date

import numpy as np
import sqlalchemy as sa

from lms.analytics import engine, services
from lms.analytics.filters import Filters
from lms.analytics.models import Target
from lms.analytics.specs import engine_labels
from lms.extensions import db
from tests.analytics.conftest import utc
from tests.conftest import login

NOW = utc(2026, 6, 30)
TARGET = {"count": 1200, "date": date(2027, 12, 31), "start": date(2025, 1, 1), "baseline": 100}


def run(filters=None, target=TARGET):
    return engine.compute(engine.load_base(), filters or Filters(), target, engine_labels(), now=NOW)


def test_target_line_runs_from_start_and_baseline(world):
    cum = run()["tables"]["cumulative"]
    labels, line = list(cum["label"]), cum["target_line"].to_numpy()
    # The series starts at the programme's start, not at the first certificate (2026-02)...
    assert labels[0] == "2025-01" and labels[-1] == "2026-06"
    # ...the line starts near the baseline (end of January 2025: 30 of 1094 days) and rises evenly.
    assert line[0] == round(100 + 1100 * 30 / 1094)
    assert (np.diff(line) > 0).all()
    assert line[labels.index("2026-06")] == round(100 + 1100 * (date(2026, 6, 30) - date(2025, 1, 1)).days / 1094)
    # Months before the first certificate have no one certified yet.
    assert list(cum["certified"][:13]) == [0] * 13


def test_no_national_target_on_subsets_or_instructor_views(world):
    for f in (Filters(region="11"), Filters(kind="contract"), Filters(course_id=world.course_x.id),
              Filters(institution_id=world.uni.id), Filters(date_from=date(2026, 1, 1)),
              Filters().with_scope([world.cohort.id])):
        report = run(f)
        assert report["headline"]["target"] is None and report["headline"]["progress_pct"] is None, f
        assert report["tables"]["cumulative"]["target_line"].isna().all(), f
    whole = run(Filters(date_to=date(2026, 5, 31)))  # an end month only moves time: still national
    assert whole["headline"]["target"] == 1200


def test_pages_show_target_only_for_the_whole_programme(world, client, as_role):
    as_role("ministry")
    national = client.get("/ministry").get_data(as_text=True)
    assert 'id="chart-actual"' in national and 'id="chart-target"' in national
    subset = client.get("/ministry?region=11").get_data(as_text=True)
    assert 'id="chart-actual"' in subset and 'id="chart-target"' not in subset
    assert "100,000명" not in subset and "전국 목표는 필터를 적용하지 않은 전체 화면에만" in subset
    login(client, world.instructor)
    own = client.get("/instructor/analytics").get_data(as_text=True)
    assert 'id="chart-target"' not in own and "100,000명" not in own and "목표 달성률 (" not in own


def test_actual_series_has_its_own_scale(world, client, as_role):
    """At the demo's scale the actual series lay flat under a 100,000 target: the first
    panel's axis is scaled to the actual figures (its top label is not the target)."""
    as_role("ministry")
    html = client.get("/ministry").get_data(as_text=True)
    actual = html[html.index('id="chart-actual"'):]
    actual = actual[:actual.index("</figure>")]
    assert "100,000" not in actual and "목표선" not in actual


def test_admin_sets_start_and_baseline(world, admin_client):
    resp = admin_client.post("/ministry/target", data={"target_count": "5000", "target_date": "2028-12-31",
                                                        "programme_start": "2024-03-01", "baseline_count": "250"})
    assert resp.status_code == 302
    t = services.get_target()
    assert (t.target_count, t.target_date, t.programme_start, t.baseline_count) == (5000, date(2028, 12, 31), date(2024, 3, 1), 250)
    assert services._target_dict()["start"] == date(2024, 3, 1)
    # A baseline above the target or a start after the target date changes nothing.
    for bad in ({"baseline_count": "6000"}, {"programme_start": "2029-01-01"}):
        data = {"target_count": "5000", "target_date": "2028-12-31", "programme_start": "2024-03-01",
                "baseline_count": "250", **bad}
        admin_client.post("/ministry/target", data=data)
        db.session.expire_all()
        t = db.session.execute(sa.select(Target)).scalar_one()
        assert (t.programme_start, t.baseline_count) == (date(2024, 3, 1), 250)
    html = admin_client.get("/ministry").get_data(as_text=True)
    assert 'value="2024-03-01"' in html and 'value="250"' in html
