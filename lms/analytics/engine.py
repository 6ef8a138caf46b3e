"""The pandas analytics engine: base frames loaded once, figures computed vectorised.

``load_base()`` reads the columns the figures need (see :mod:`lms.analytics.queries`
for what the database groups) and enriches each enrollment with its programme
type, institution, region, sponsor class and the moments it passed theory and
practice. ``compute(filters, base, target)`` then filters and evaluates every
figure "as of" the filter's end, so one loaded base serves every filter and the
monthly report of any past month.

Definitions (one set, used by every card, table, chart and funnel stage):

- **Who is counted**: trainee accounts (role ``trainee``) only; staff who enrol in a
  course for a look are not trainees. A record counts once its moment has come:
  an account created, an enrollment made, a completion or a certificate dated
  after the evaluation instant ``t`` (the end of the period, or now) does not
  count yet. (The demo seed with ``--today now`` dates records up to 18:00 KST of
  the day; the benchmark's SQL yardstick applies the same "up to now" rule.)
- **Population** of a filter: trainees registered by ``t`` (and, with a period,
  registered within it: a period selects the people who joined in those
  months), in the chosen region. With a programme-type, institution, course or
  cohort filter the population is narrowed to the people with at least one
  matching enrollment; every figure then describes those people and those
  enrollments. Hence registered >= enrolled >= ... on every filter.
- **Counting rule**: figures count distinct **people** (a trainee with two
  enrollments in a group counts once), because the privacy rule is about people.
- **Region rule** (a property of the person, so a region's parts never exceed it):
  the 시·도 of the trainee's employer (Company.region_code); trainees without an
  employer fall back to the region of the institution running their earliest
  institution-run enrollment, else "미상".
- **Funnel**: each person's furthest stage over the filter's enrollments
  (enrolled, theory passed, practical passed, certificate issued, certificate
  valid); a stage counts everyone who reached it *or a later one*, so no stage
  exceeds the one before it.
- **Sponsor class rule**: the sponsor firm of the enrollment (Enrollment.sponsor_company_id);
  self-funded enrollments fall back to the trainee's employer.
- **Smart-lab table**: ended, not-cancelled sessions held by ``t`` (and within the
  period); region and institution filters select labs by their site and operator;
  programme-type, cohort and course filters count the bookings, attendance and
  sign-offs of matching enrollments, and a session counts when such an enrollment
  used it (booked, attended or was signed off).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from lms.analytics import firm_groups, meister_figures
from lms.analytics.base import Base, load_base  # noqa: F401  (load_base: public entry point)
from lms.analytics.filters import Filters
from lms.analytics.months import DAY, epoch_of, month_index, month_label
from lms.analytics.people import valid_certificates
from lms.analytics.tables import breakdowns, cohorts, funnel, labs


# --------------------------------------------------------------------------- compute

def _enrollment_filtered(f: Filters) -> bool:
    """Whether ``f`` narrows the population to people with matching enrollments."""
    return bool(f.kind or f.institution_id or f.course_id or f.cohort_ids is not None)


def filter_enrollments(base: Base, f: Filters, t: float) -> pd.DataFrame:
    """The filter's enrollments: made by ``t`` by people of the population (module docstring)."""
    e = base.enr
    m = e["enrolled_at"].to_numpy() <= t
    m &= e["created_at"].to_numpy() <= t
    t0 = epoch_of(f.start_instant())
    if t0 is not None:
        m &= e["created_at"].to_numpy() >= t0
    if f.region:
        m &= (e["region_code"] == f.region).to_numpy()
    if f.kind:
        m &= (e["kind"] == f.kind).to_numpy()
    if f.institution_id:
        m &= (e["institution_id"] == f.institution_id).to_numpy()
    if f.course_id:
        m &= (e["course_id"] == f.course_id).to_numpy()
    if f.cohort_ids is not None:
        m &= e["cohort_id"].isin(f.cohort_ids).to_numpy()
    # The whole programme now (the default view): no copy of 400,000 rows. Callers
    # only read the frame (the base is shared by every filter and request).
    return e if m.all() else e[m]


def population(base: Base, f: Filters, e: pd.DataFrame, t: float) -> pd.DataFrame:
    """The trainees the figures of ``f`` describe (rows of ``base.users``)."""
    users = base.users
    um = (users["created_at"] <= t).to_numpy()
    t0 = epoch_of(f.start_instant())
    if t0 is not None:
        um &= (users["created_at"] >= t0).to_numpy()
    if f.region:
        um &= (users["region_code"] == f.region).to_numpy()
    if _enrollment_filtered(f):
        um &= users["user_id"].isin(e["user_id"].unique()).to_numpy()
    return users[um]


def headline(base: Base, f: Filters, e: pd.DataFrame, t: float, target: dict) -> dict:
    """The headline figures (raw numbers; suppression happens in privacy)."""
    users = population(base, f, e, t)
    active = users["last_active_at"].between(t - 30 * DAY, t).sum()
    certs = base.certs[base.certs["enrollment_id"].isin(e["enrollment_id"])]
    valid = valid_certificates(certs, t)
    n_valid = int(valid["user_id"].nunique())
    new90 = certs[(certs["supersedes_id"] < 0) & (certs["issued_at"] > t - 90 * DAY) & (certs["issued_at"] <= t)]
    n_new90 = int(new90["user_id"].nunique())
    goal = int(target["count"])
    head = {
        "registered": int(len(users)),
        "active30": int(active),
        "enrolled": int(e["user_id"].nunique()),
        "completed": int(e.loc[e["completed_at"] <= t, "user_id"].nunique()),
        "certified_valid": n_valid,
        "target": goal,
        "target_date": target["date"].isoformat(),
        "new_90d": n_new90,
        "as_of": datetime.fromtimestamp(t, tz=timezone.utc).isoformat(),
    }
    if target.get("national", True):
        head.update(pace_figures(n_valid, n_new90, goal, target["date"], t))
    else:  # the national target means nothing for a subset or one instructor's cohorts
        head.update(target=None, target_date=None, progress_pct=None, projected_date=None, on_track=False,
                    needed_per_day=None, pace_per_day=round(n_new90 / 90.0, 2))
    return head


def pace_figures(n_valid: int, n_new90: int, goal: int, target_date, t: float) -> dict:
    """Progress towards the target from two counts (people): progress in percent,
    the pace of the last 90 days (people/day), the projected date at that pace
    (ISO date or None), whether that is on time, and the pace still needed
    (people/day, None when the date has passed). The privacy layer calls it again
    with the published (rounded) counts, so no derived figure is finer than they are."""
    pace = n_new90 / 90.0
    remaining = max(goal - n_valid, 0)
    target_ts = datetime.combine(target_date, datetime.min.time(), tzinfo=timezone.utc).timestamp()
    days_left = (target_ts - t) / DAY
    projected = None
    if remaining == 0:
        projected = datetime.fromtimestamp(t, tz=timezone.utc).date().isoformat()
    elif pace > 0 and remaining / pace < 365 * 200:  # beyond two centuries is "never" for a dashboard
        projected = datetime.fromtimestamp(t + remaining / pace * DAY, tz=timezone.utc).date().isoformat()
    needed = remaining / days_left if days_left > 0 else None
    return {
        "progress_pct": round(100.0 * n_valid / goal, 2) if goal else None,
        "pace_per_day": round(pace, 2),
        "projected_date": projected,
        "on_track": bool(projected is not None and projected <= target_date.isoformat()),
        "needed_per_day": round(needed, 2) if needed is not None else None,
    }


def target_line(target: dict, months: list[int]) -> np.ndarray:
    """The national target at the end of each Korean month (month index since 1970-01):
    a straight line from ``baseline`` people at ``start`` to ``count`` at ``date``,
    NaN before the start month, ``count`` after the target date."""
    start = target.get("start") or date(1970, 1, 1)
    baseline = int(target.get("baseline") or 0)
    goal, end = int(target["count"]), target["date"]
    span = max((end - start).days, 1)
    out = np.full(len(months), np.nan)
    start_index = (start.year - 1970) * 12 + start.month - 1
    for i, m in enumerate(months):
        if m < start_index:
            continue
        y, mo = 1970 + (m + 1) // 12, (m + 1) % 12 + 1
        month_end = date(y, mo, 1) - timedelta(days=1)
        frac = min(max((month_end - start).days / span, 0.0), 1.0)
        out[i] = round(baseline + (goal - baseline) * frac)
    return out


def cumulative(base: Base, e: pd.DataFrame, t: float, target: dict) -> pd.DataFrame:
    """Cumulative certified people by Korean month (first certificate) and, for the
    national view only (``target["national"]``), the target line from the programme's
    start and baseline (:func:`target_line`); the series then starts at the
    programme's start. A revoked certificate never counted (it should not have been
    issued); an expired one did count: the person was certified then."""
    c = base.certs
    certs = c[c["enrollment_id"].isin(e["enrollment_id"]) & (c["issued_at"] <= t)
              & (c["revoked_at"].isna() | (c["revoked_at"] > t))]
    national = target.get("national", True)
    # The month of the last instant counted: a view "to 2026-03" is evaluated at 2026-04-01
    # 00:00 KST, which must not add an April row.
    end = int(month_index(np.array([t - 1.0]))[0])
    if certs.empty and not national:
        return pd.DataFrame({"label": [], "certified": [], "target_line": []})
    first = certs.groupby("user_id", sort=False)["issued_at"].min()
    months = month_index(first.to_numpy())
    start = int(months.min()) if len(months) else end
    if national and target.get("start"):
        s0 = target["start"]
        start = min(start, (s0.year - 1970) * 12 + s0.month - 1)
    end = max(end, start)
    counts = np.cumsum(np.bincount(months - start, minlength=end - start + 1)[: end - start + 1])
    index = list(range(start, end + 1))
    line = target_line(target, index) if national else np.full(len(index), np.nan)
    labels = [month_label(m) for m in index]
    return pd.DataFrame({"label": labels, "certified": counts.astype("int64"), "target_line": line})


def compute(base: Base, f: Filters, target: dict, labels: dict, now: datetime | None = None) -> dict:
    """Every figure of the dashboard for ``f`` (raw numbers in DataFrames)."""
    t = f.evaluation_instant(now).timestamp()
    target = dict(target, national=f.is_national())
    e = filter_enrollments(base, f, t)
    head = headline(base, f, e, t, target)
    tables = {"cumulative": cumulative(base, e, t, target)}
    tables.update(breakdowns(base, e, t, labels))
    tables["funnel"] = funnel(base, e, t, head["registered"], labels)
    tables.update(cohorts(base, e, t))
    tables["labs"] = labs(base, f, t)
    tables["priority_reach"] = firm_groups.priority_reach(base, e, t, labels)
    if f.cohort_ids is None:  # the programme's meister support: not part of an instructor's cohorts
        tables.update(meister_figures.meister_tables(base, f, e, t, labels, _enrollment_filtered(f)))
    return {"headline": head, "tables": tables}


def to_plain(report: dict) -> dict:
    """JSON-able copy (lists, None for NaN), for the cache and for closed months."""
    tables = {}
    for key, df in report["tables"].items():
        rows = []
        for rec in df.itertuples(index=False, name=None):
            rows.append([_py(v) for v in rec])
        tables[key] = {"columns": list(df.columns), "rows": rows}
    return {"headline": report["headline"], "tables": tables}


def from_plain(plain: dict) -> dict:
    return {"headline": plain["headline"],
            "tables": {k: pd.DataFrame(v["rows"], columns=v["columns"]) for k, v in plain["tables"].items()}}


def _py(v):
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v if isinstance(v, (int, str, bool)) else str(v)
