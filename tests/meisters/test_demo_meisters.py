"""The demo seed's meisters: meister@demo.kr with work to show, about one meister per
300 trainees, never more than two placements at once, deterministic from the seed."""
from __future__ import annotations

import hashlib
from collections import defaultdict

import pytest
from sqlalchemy import select

from lms.demo.common import TODAY
from lms.demo.seed import seed_demo
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters.models import MeisterProfile, Placement, PlacementGoal, Visit, meister_regions
from tests.conftest import login
from tests.factories import make_course


@pytest.fixture
def courses():
    return [make_course("DM101", lessons=2, quizzes=1, practicals=1), make_course("DM231", lessons=2, quizzes=1)]


def _digest() -> str:
    h = hashlib.sha256()
    for model in (MeisterProfile, Placement, PlacementGoal, Visit):
        cols = [c for c in model.__table__.c if c.name not in ("created_at", "updated_at")]
        for row in db.session.execute(select(*cols).order_by(model.id)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_demo_meisters(client, courses):
    from lms.accounts.models import User

    report = seed_demo(600, seed=11)
    users = {u.email: u for u in db.session.execute(select(User).where(User.role == "meister")).scalars()}
    assert len(users) == 5 + 1  # 600 trainees / 300 = 2, raised to the small-demo floor of 5, plus meister@demo.kr
    demo = users["meister@demo.kr"]
    assert demo.check_password("demo1234!")
    profile = db.session.execute(select(MeisterProfile).where(MeisterProfile.user_id == demo.id)).scalar_one()
    assert profile.status == "approved"
    placements = db.session.execute(select(Placement).where(Placement.meister_id == profile.id)).scalars().all()
    current = [p for p in placements if p.starts_on <= TODAY <= p.ends_on and p.closed_on is None]
    assert current and any(p.closed_on for p in placements) and any(p.starts_on > TODAY for p in placements)
    visits = db.session.execute(select(Visit).where(Visit.placement_id == current[0].id)).scalars().all()
    assert visits and any(v.confirmed_at is None for v in visits)
    assert report.counts["placement_visits"] > 0

    # The platform's rules hold for every generated meister.
    periods = defaultdict(list)
    regions = defaultdict(set)
    for pid, code in db.session.execute(select(meister_regions.c.profile_id, meister_regions.c.region_code)):
        regions[pid].add(code)
    for p in db.session.execute(select(Placement)).scalars():
        periods[p.meister_id].append((p.starts_on, p.effective_end))
        if p.meister.user.email != "meister@demo.kr":
            assert p.company.region_code in regions[p.meister_id]
        assert p.meister.status != "recruited"
        assert (p.closed_on is None) == all(g.outcome is None for g in p.goals)
    assert all(pl.peak_overlap(v) <= 2 for v in periods.values())
    for v in db.session.execute(select(Visit)).scalars():
        assert v.placement.starts_on <= v.visited_on <= min(v.placement.effective_end, TODAY)
        assert 30 <= v.minutes <= 720

    db.session.commit()
    login(client, demo)
    page = client.get("/meister").get_data(as_text=True)
    assert "방문 기록" in page


def test_demo_meisters_are_deterministic(courses):
    digests = []
    for _ in range(2):
        with db.session.begin_nested() as nested:
            seed_demo(300, seed=5)
            digests.append(_digest())
            nested.rollback()
        db.session.expire_all()
    assert digests[0] == digests[1]
