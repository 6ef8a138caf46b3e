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

from lms.analytics.base import UNKNOWN, Base, _lookup, load_base  # noqa: F401  (load_base: public entry point)
from lms.analytics import firm_groups, meister_figures
from lms.analytics.filters import Filters
from lms.analytics.specs import HEATMAP_MONTHS

DAY = 86400.0
MONTH = 30.4375 * DAY
KST_OFFSET = 9 * 3600


# --------------------------------------------------------------------------- compute

def _ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def _month_index(epochs) -> np.ndarray:
    """Months since 1970-01 on the Korean calendar, vectorised (no string formatting per row)."""
    arr = np.asarray(epochs, dtype=np.float64)
    ok = ~np.isnan(arr)
    out = np.full(arr.shape, -1, dtype=np.int64)
    out[ok] = ((arr[ok] + KST_OFFSET).astype("int64").astype("datetime64[s]").astype("datetime64[M]")).astype(np.int64)
    return out


def _month_label(index: int) -> str:
    return f"{1970 + index // 12:04d}-{index % 12 + 1:02d}"


def _month_labels(epochs) -> pd.Series:
    """Korean calendar month ("2026-10") of epoch seconds; labels built once per distinct month."""
    idx = _month_index(epochs)
    uniq, inv = np.unique(idx, return_inverse=True)
    labels = np.array([_month_label(int(u)) for u in uniq], dtype=object)
    return pd.Series(labels[inv])


def _enrollment_filtered(f: Filters) -> bool:
    """Whether ``f`` narrows the population to people with matching enrollments."""
    return bool(f.kind or f.institution_id or f.course_id or f.cohort_ids is not None)


def filter_enrollments(base: Base, f: Filters, t: float) -> pd.DataFrame:
    """The filter's enrollments: made by ``t`` by people of the population (module docstring)."""
    e = base.enr
    m = e["enrolled_at"].to_numpy() <= t
    m &= e["created_at"].to_numpy() <= t
    t0 = _ts(f.start_instant())
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
    t0 = _ts(f.start_instant())
    if t0 is not None:
        um &= (users["created_at"] >= t0).to_numpy()
    if f.region:
        um &= (users["region_code"] == f.region).to_numpy()
    if _enrollment_filtered(f):
        um &= users["user_id"].isin(e["user_id"].unique()).to_numpy()
    return users[um]


def valid_certificates(certs: pd.DataFrame, t: float) -> pd.DataFrame:
    """Certificates valid at ``t``: issued, not revoked, not expired, not superseded."""
    ok = certs["issued_at"] <= t
    for col in ("revoked_at", "expires_at", "superseded_at"):
        ok &= certs[col].isna() | (certs[col] > t)
    return certs[ok]


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
    end = int(_month_index(np.array([t - 1.0]))[0])
    if certs.empty and not national:
        return pd.DataFrame({"label": [], "certified": [], "target_line": []})
    first = certs.groupby("user_id", sort=False)["issued_at"].min()
    months = _month_index(first.to_numpy())
    start = int(months.min()) if len(months) else end
    if national and target.get("start"):
        s0 = target["start"]
        start = min(start, (s0.year - 1970) * 12 + s0.month - 1)
    end = max(end, start)
    counts = np.cumsum(np.bincount(months - start, minlength=end - start + 1)[: end - start + 1])
    index = list(range(start, end + 1))
    line = target_line(target, index) if national else np.full(len(index), np.nan)
    labels = [_month_label(m) for m in index]
    return pd.DataFrame({"label": labels, "certified": counts.astype("int64"), "target_line": line})


def _people_by(e: pd.DataFrame, key: str, t: float, valid_enr: np.ndarray, certified=None) -> pd.DataFrame:
    """Distinct enrolled / completed / validly certified people per ``key``.

    One hash pass over the (group, person) pairs; a pair counts as completed /
    certified when any of its enrollments is (three separate distinct-counts
    hashed the pairs three times)."""
    codes, uniques = pd.factorize(e[key], sort=False)
    n = len(uniques)
    users = e["user_id"].to_numpy()
    completed = e["completed_at"].to_numpy() <= t
    if certified is None:
        certified = np.isin(e["enrollment_id"].to_numpy(), valid_enr)
    span = np.int64(users.max() + 1) if len(users) else np.int64(1)
    pair_codes, pairs = pd.factorize(codes.astype(np.int64) * span + users.astype(np.int64), sort=False)
    group_of_pair = (pairs // span).astype(np.int64)
    done = np.zeros(len(pairs), dtype=bool)
    done[pair_codes[completed]] = True
    cert = np.zeros(len(pairs), dtype=bool)
    cert[pair_codes[certified]] = True
    g = pd.DataFrame({key: np.asarray(uniques),
                      "enrolled": np.bincount(group_of_pair, minlength=n),
                      "completed": np.bincount(group_of_pair[done], minlength=n),
                      "certified": np.bincount(group_of_pair[cert], minlength=n)})
    g["completion_rate"] = np.where(g["enrolled"] > 0, g["completed"] / g["enrolled"].clip(lower=1), np.nan)
    return g


def _names(dims, table, key, name, df, col, unknown_label):
    lab = _lookup(df[col].astype(object), dims[table], key, name, None)
    return lab.fillna(unknown_label)


def breakdowns(base: Base, e: pd.DataFrame, t: float, labels: dict) -> dict[str, pd.DataFrame]:
    valid_enr = valid_certificates(base.certs[base.certs["enrollment_id"].isin(e["enrollment_id"])], t)["enrollment_id"].to_numpy()
    certified = np.isin(e["enrollment_id"].to_numpy(), valid_enr)  # once, for every breakdown
    dims = base.dims
    out = {}
    cols = ["label", "enrolled", "completed", "certified", "completion_rate"]

    g = _people_by(e, "region_code", t, valid_enr, certified)
    g["label"] = _names(dims, "regions", "region_code", "region_name", g, "region_code", labels["unknown"])
    out["by_region"] = g.sort_values("enrolled", ascending=False)[["region_code"] + cols].rename(columns={"region_code": "key"})

    g = _people_by(e, "kind", t, valid_enr, certified)
    g["label"] = g["kind"].astype(str).map(labels["kinds"]).fillna(g["kind"].astype(str))
    out["by_kind"] = g[["kind"] + cols].rename(columns={"kind": "key"})

    g = _people_by(e, "institution_id", t, valid_enr, certified)
    g["label"] = _names(dims, "institutions", "institution_id", "institution_name", g, "institution_id", labels["no_institution"])
    out["by_institution"] = g.sort_values("enrolled", ascending=False)[["institution_id"] + cols].rename(columns={"institution_id": "key"})

    g = _people_by(e, "tech_code", t, valid_enr, certified)
    g["label"] = _names(dims, "techs", "tech_code", "tech_name", g, "tech_code", labels["unknown"])
    out["by_tech"] = g.sort_values("enrolled", ascending=False)[["tech_code"] + cols].rename(columns={"tech_code": "key"})

    g = _people_by(e, "size_code", t, valid_enr, certified)
    g["label"] = _names(dims, "sizes", "size_code", "size_name", g, "size_code", labels["unknown"])
    pos = _lookup(g["size_code"].astype(object), dims["sizes"], "size_code", "position", 999)
    g = g.assign(_pos=pos.astype(int)).sort_values("_pos")
    out["by_size"] = g[["size_code"] + cols].rename(columns={"size_code": "key"})

    g = _people_by(e, "course_id", t, valid_enr, certified)
    code = _names(dims, "courses", "course_id", "course_code", g, "course_id", "")
    title = _names(dims, "courses", "course_id", "course_title", g, "course_id", "")
    g["label"] = code + " " + title
    out["by_course"] = g.sort_values("enrolled", ascending=False)[["course_id"] + cols].rename(columns={"course_id": "key"})
    out["by_complex"] = firm_groups.by_complex(base, e, t, valid_enr, certified, labels)
    out["by_priority"] = firm_groups.by_priority(base, e, t, valid_enr, certified, labels)
    for k, v in out.items():
        v["key"] = v["key"].astype(str)
        out[k] = v.reset_index(drop=True)
    return out


def funnel(base: Base, e: pd.DataFrame, t: float, registered: int, labels: dict) -> pd.DataFrame:
    """People per stage; a stage counts everyone who reached it or a later one
    (each person's furthest stage over the filter's enrollments), so the stages
    are nested by construction."""
    certs = base.certs[base.certs["enrollment_id"].isin(e["enrollment_id"])]
    enr_ids = e["enrollment_id"].to_numpy()
    issued = np.isin(enr_ids, certs.loc[certs["issued_at"] <= t, "enrollment_id"].to_numpy())
    valid = np.isin(enr_ids, valid_certificates(certs, t)["enrollment_id"].to_numpy())
    level = np.ones(len(e), dtype=np.int8)
    level = np.where(e["theory_at"].to_numpy() <= t, 2, level)
    level = np.where(e["practical_at"].to_numpy() <= t, 3, level)
    level = np.where(issued, 4, level)
    level = np.where(valid, 5, level)
    furthest = pd.Series(level).groupby(e["user_id"].to_numpy(), sort=False).max().to_numpy()
    counts = [registered] + [int((furthest >= k).sum()) for k in range(1, 6)]
    first = counts[0]
    df = pd.DataFrame({"key": ["registered", "enrolled", "theory", "practical", "certified", "valid"],
                       "label": labels["funnel"], "people": counts})
    df["share_of_first"] = df["people"] / first if first else np.nan
    df["_first"] = first
    return df


def _heatmap(e: pd.DataFrame, group: pd.Series, t: float, start: pd.Series) -> pd.DataFrame:
    """Share of people certified within k months of enrolling, per group; median days.

    One hash group-by on (group, person) finds each person's quickest certificate;
    the k-month counts are then a bincount and a cumulative sum (no loop over rows)."""
    codes, uniques = pd.factorize(group.to_numpy(), sort=False)
    n_groups = len(uniques)
    users = e["user_id"].to_numpy().astype(np.int64)
    span = np.int64(users.max() + 1) if len(users) else np.int64(1)
    cert_at = e["cert_at"].to_numpy()
    delta = np.where(cert_at <= t, cert_at - e["enrolled_at"].to_numpy(), np.nan)
    pairs = codes.astype(np.int64) * span + users
    best = pd.Series(delta).groupby(pairs, sort=False).min()  # NaN when never certified
    pair_group = (best.index.to_numpy() // span).astype(np.int64)
    people = np.bincount(pair_group, minlength=n_groups)
    d = best.to_numpy()
    certified = ~np.isnan(d)
    k = np.maximum(np.ceil(d[certified] / MONTH), 1).astype(np.int64)
    k = np.minimum(k, HEATMAP_MONTHS + 1)  # later than the last column: counted nowhere
    grid = np.zeros((n_groups, HEATMAP_MONTHS + 2), dtype=np.int64)
    np.add.at(grid, (pair_group[certified], k), 1)
    cum = np.cumsum(grid[:, 1:HEATMAP_MONTHS + 1], axis=1)
    keys = pd.Index(uniques)
    elapsed = np.floor((t - start.reindex(keys).to_numpy()) / MONTH)
    out = pd.DataFrame({"key": keys.astype(str), "people": people})
    for j in range(HEATMAP_MONTHS):
        out[f"_c{j + 1}"] = cum[:, j]
        out[f"m{j + 1}"] = np.where(elapsed >= j + 1, cum[:, j] / np.maximum(people, 1), np.nan)
    out["_certified"] = np.bincount(pair_group[certified], minlength=n_groups)
    med = pd.Series(d[certified] / DAY).groupby(pair_group[certified]).median()
    out["median_days"] = med.reindex(range(n_groups)).round(0).to_numpy()
    return out


def cohorts(base: Base, e: pd.DataFrame, t: float) -> dict[str, pd.DataFrame]:
    out = {}
    if e.empty:
        empty = pd.DataFrame({"key": [], "label": [], "people": [], "median_days": []})
        return {"cohort_intake": empty, "cohort_contract": empty.copy()}
    intake = _month_index(e["enrolled_at"].to_numpy())
    uniq = np.unique(intake)
    starts = pd.Series(uniq.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64) - KST_OFFSET, index=uniq)
    h = _heatmap(e, pd.Series(intake), t, starts)
    h["key"] = [_month_label(int(k)) for k in h["key"]]
    h.insert(1, "label", h["key"])
    out["cohort_intake"] = h.sort_values("key").reset_index(drop=True)

    c = e[(e["kind"] == "contract") & (e["cohort_id"] >= 0)]
    if c.empty:
        out["cohort_contract"] = pd.DataFrame({"key": [], "label": [], "people": [], "median_days": []})
    else:
        start = c.groupby("cohort_id")["enrolled_at"].min()
        h = _heatmap(c, c["cohort_id"], t, start)
        coh = base.dims["cohorts"]
        pname = _lookup(coh["programme_id"], base.dims["programmes"], "programme_id", "programme_name", "")
        names = pd.Series((pname + " " + coh["cohort_label"]).to_numpy(), index=coh["cohort_id"].astype(str).to_numpy())
        h.insert(1, "label", h["key"].map(names).fillna(h["key"]))
        # Chronological (first intake of each cohort), so "the most recent" is the tail.
        h["_start"] = start.reindex(h["key"].astype(start.index.dtype)).to_numpy()
        out["cohort_contract"] = h.sort_values(["_start", "label"], kind="stable").drop(columns="_start").reset_index(drop=True)
    return out


def labs(base: Base, f: Filters, t: float) -> pd.DataFrame:
    """Smart-lab operations per lab for ``f`` (see "Smart-lab table" in the module docstring)."""
    lab = base.labs
    day_t = np.floor((t + KST_OFFSET) / DAY)
    m = lab["day"].to_numpy() <= day_t
    t0 = _ts(f.start_instant())
    if t0 is not None:
        m &= lab["day"].to_numpy() >= np.floor((t0 + KST_OFFSET) / DAY)
    if f.course_id:
        m &= (lab["course_id"] == f.course_id).to_numpy()
    if f.cohort_ids is not None:
        m &= lab["cohort_id"].isin(f.cohort_ids).to_numpy()
    if f.kind:
        kind = _lookup(lab["programme_id"], base.dims["programmes"], "programme_id", "kind", "online")
        m &= (kind == f.kind).to_numpy()
    lab = lab[m]
    if f.kind or f.cohort_ids is not None:  # sessions these enrollments used
        lab = lab[(lab["booked"] + lab["attended"] + lab["signoffs"]) > 0]
    dims = base.dims["labs"]
    if f.region or f.institution_id:
        keep = dims
        if f.region:
            inst_region = _lookup(dims["institution_id"], base.dims["institutions"], "institution_id", "region_code", None)
            keep = keep[dims["region_code"].fillna(inst_region) == f.region]
        if f.institution_id:
            keep = keep[keep["institution_id"] == f.institution_id]
        lab = lab[lab["lab_id"].isin(keep["lab_id"])]
    # Rows are sorted by session (queries.load_labs): a session's first row carries its seats.
    ids = lab["session_id"].to_numpy()
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    codes, uniques = pd.factorize(lab["lab_id"].to_numpy(), sort=True)
    n = len(uniques)
    g = pd.DataFrame({"lab_id": np.asarray(uniques, dtype=np.int64),
                      "sessions": np.bincount(codes[first], minlength=n),
                      "seats": np.bincount(codes[first], weights=lab["seats"].to_numpy()[first], minlength=n).astype(np.int64)})
    for c in ("booked", "attended", "excused", "noshow", "signoffs", "passed"):
        g[c] = np.bincount(codes, weights=lab[c].to_numpy(), minlength=n).astype(np.int64)
    g["label"] = _lookup(g["lab_id"], dims, "lab_id", "lab_name", "?")
    g["_expected"] = g["booked"] - g["excused"]
    g["attendance_rate"] = g["attended"] / g["_expected"].where(g["_expected"] > 0)
    g["noshow_rate"] = g["noshow"] / g["_expected"].where(g["_expected"] > 0)
    g["seat_use"] = g["booked"] / g["seats"].where(g["seats"] > 0)
    g["pass_rate"] = g["passed"] / g["signoffs"].where(g["signoffs"] > 0)
    g["key"] = g["lab_id"].astype(str)
    return g[["key", "label", "sessions", "seats", "booked", "attendance_rate", "noshow_rate", "seat_use",
              "signoffs", "pass_rate", "attended", "noshow", "passed", "_expected"]].sort_values("label").reset_index(drop=True)


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
