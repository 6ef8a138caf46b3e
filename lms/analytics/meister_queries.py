"""SQL side of the meister figures (smart meisters' placements, visits and on-site
assessments), read-only over the tables of :mod:`lms.meisters` and :mod:`lms.labs`.

Three statements whatever the data size (placements, visits grouped per placement
and day, on-site sign-offs); the engine filters and groups them in pandas
(:mod:`lms.analytics.meister_figures`). Dates become whole days since 1970-01-01
(the Korean calendar day the row carries), so a view "as of" any instant only
compares integers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lms.analytics.sqlread import epoch, frame as _rows

EPOCH_DAY = np.datetime64("1970-01-01", "D")


def days(values: pd.Series) -> np.ndarray:
    """Dates (date objects on PostgreSQL, ISO text on SQLite, None) -> days since 1970 (NaN for none).

    numpy parses ISO dates itself (``pd.to_datetime`` guessed a format per call and
    cost more than the query)."""
    if not len(values):
        return np.empty(0, dtype=np.float64)
    text = ["NaT" if v is None or v != v else str(v)[:10] for v in values]
    d = np.array(text, dtype="datetime64[D]")
    out = (d - EPOCH_DAY).astype(np.float64)
    out[np.isnat(d)] = np.nan
    return out


def onsite_signoff_clause(signoff, assessor):
    """Which practical sign-offs count as *assessed on site*: those a meister gave at the
    trainee's workplace (``practical_signoffs.site == "workplace"``, written by
    ``lms.meisters`` with the placement it belongs to). ``assessor`` is kept in the
    signature for the loader's join."""
    return signoff.site == "workplace"


def load_meisters() -> dict[str, pd.DataFrame]:
    """placements (one row each), visits (per placement and day) and onsite (per
    current on-site sign-off: the trainee, the enrollment and the day)."""
    from lms.accounts.models import User
    from lms.labs.models import PracticalSignoff as S
    from lms.learning.models import Enrollment as E
    from lms.meisters.models import Placement as P
    from lms.meisters.models import Visit as V
    from lms.meisters.models import effective_end_sql

    placements = _rows(
        sa.select(P.id, P.meister_id, P.company_id, P.purpose, P.starts_on, effective_end_sql(), P.closed_on,
                  sa.case((P.cancelled_at.is_(None), 0), else_=1), P.level_at_start_code, P.level_at_end_code),
        ["placement_id", "meister_id", "company_id", "purpose", "starts_on", "ends_on", "closed_on", "cancelled",
         "level_start", "level_end"])
    for col in ("starts_on", "ends_on", "closed_on"):
        placements[col] = days(placements[col])
    visits = _rows(
        sa.select(V.placement_id, V.visited_on, sa.func.count(),
                  sa.func.sum(sa.case((V.confirmed_at.is_not(None), 1), else_=0)), sa.func.sum(V.minutes))
        .group_by(V.placement_id, V.visited_on),
        ["placement_id", "day", "visits", "confirmed", "minutes"])
    visits["day"] = days(visits["day"])
    newer = sa.orm.aliased(S)
    onsite = _rows(
        sa.select(S.enrollment_id, E.user_id, S.assessed_on, epoch(S.created_at))
        .join(E, E.id == S.enrollment_id).join(User, User.id == S.assessor_id)
        .where(onsite_signoff_clause(S, User), ~sa.exists().where(newer.supersedes_id == S.id)),
        ["enrollment_id", "user_id", "day", "created_at"])
    onsite["day"] = days(onsite["day"])
    for frame in (placements, visits, onsite):
        for col in frame.columns:
            if col not in ("purpose", "level_start", "level_end") and frame[col].dtype == object:
                frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return {"placements": placements, "visits": visits, "onsite": onsite}
