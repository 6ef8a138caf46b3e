"""Racing placements of one meister: the capacity rule holds with real concurrent commits."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lms.errors import Conflict
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters.models import MeisterProfile, Placement
from lms.orgs.models import Company
from tests.concurrency import run_threads
from tests.factories import make_company

D0 = date(2026, 4, 1)


def _place(meister_id: int, company_id: int, offset: int):
    pl.create_placement(None, meister=db.session.get(MeisterProfile, meister_id),
                        company=db.session.get(Company, company_id), purpose="tech_support",
                        starts_on=D0 + timedelta(days=offset), ends_on=D0 + timedelta(days=60 + offset),
                        goals="동시성 시험", contact_name="담당", contact_email="c@firm.kr")


def test_six_racing_overlapping_placements_leave_exactly_two(app, live_db, make_meister):
    meister_id = make_meister().id
    company_ids = [make_company().id for _ in range(6)]
    db.session.commit()
    errors = run_threads(app, _place, [(meister_id, cid, i) for i, cid in enumerate(company_ids)])
    assert len(errors) == 4 and all(isinstance(e, Conflict) for e in errors), errors
    stored = db.session.execute(select(Placement.starts_on, Placement.ends_on)
                                .where(Placement.meister_id == meister_id)).all()
    assert len(stored) == 2 and pl.peak_overlap(stored) == 2
