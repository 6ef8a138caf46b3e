"""The meister section of the ministry dashboard: smart meisters (스마트 마이스터)
placed with firms, their visits, the trainees they assessed on site and the
smart-factory levels of the firms they supported, overall, by purpose, by region
and by industrial complex. Computed in pandas from the three frames of
:mod:`lms.analytics.meister_queries` (no statement per row).

Definitions:

- **Window**: the filter's period, from the first day of its first month (or the
  beginning) to the day of the evaluation instant ``t`` (Korean calendar).
- A **placement counts** when it was not cancelled and its days (start to its
  effective end: the planned end, or the closing day when earlier) meet the
  window. Region and complex are those of the placed firm. With a programme-type,
  institution or course filter only the firms of the view's trainees (sponsor
  firm, else employer) count.
- **Meisters active**: distinct meisters with a counted placement; **placed at
  t**: those whose placement runs on the day of ``t``. **Firms supported**:
  distinct firms with a counted placement.
- **Visits and hours**: visits dated in the window on counted placements; hours
  are the visits' minutes / 60, rounded to whole hours.
- **Trainees assessed on site**: distinct trainees of the view (the engine's
  population rules) with a current on-site sign-off dated by ``t``
  (:func:`lms.analytics.meister_queries.onsite_signoff_clause` says which
  sign-offs are on site); region and complex are the trainee's (region rule,
  employer's complex).
- **Level changes**: placements closed in the window with a level at start and
  at end, counted as distinct firms per (start -> end) pair.

Every number here (meisters, firms, placements, visits, hours, trainees) is
published by the ministry rule of :mod:`lms.analytics.privacy`: a placement or a
visit belongs to one meister and one firm.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lms.analytics.base import UNKNOWN, Base, _lookup
from lms.analytics.filters import Filters
from lms.analytics.firm_groups import complex_groups, complex_label_order
from lms.meisters.models import PURPOSES

DAY = 86400.0
KST_OFFSET = 9 * 3600
ACTIVITY = ("meisters", "companies", "placements", "visits", "confirmed", "hours")


def _day(instant: float) -> float:
    return float(np.floor((instant + KST_OFFSET) / DAY))


def _last_day(t: float) -> float:
    """The last Korean day a record dated by day counts for at ``t`` (a month's end
    instant is midnight of the next day, which belongs to the next month)."""
    return _day(t - 1)


def _firms_of(base: Base, e: pd.DataFrame) -> np.ndarray:
    employer = _lookup(e["user_id"], base.users, "user_id", "company_id", -1).astype(np.int64)
    sponsor = e["sponsor_id"].astype(np.int64)
    return np.unique(sponsor.where(sponsor >= 0, employer).to_numpy())


def _window(base: Base, f: Filters, e: pd.DataFrame, t: float, enrollment_filtered: bool):
    """Counted placements (with region and complex of the firm) and their visits in the window."""
    m = base.meisters
    p, v = m["placements"], m["visits"]
    day_t = _last_day(t)
    t0 = f.start_instant()
    day_0 = _day(t0.timestamp()) if t0 is not None else -np.inf
    keep = (p["cancelled"].to_numpy() == 0) & (p["starts_on"].to_numpy() <= day_t) & (p["ends_on"].to_numpy() >= day_0)
    p = p[keep].copy()
    companies = base.dims["companies"]
    p["region_code"] = _lookup(p["company_id"], companies, "company_id", "region_code", None).fillna(UNKNOWN).to_numpy()
    p["complex_group"] = complex_groups(
        _lookup(p["company_id"], companies, "company_id", "complex_id", -1).astype(np.int64), base.dims["complexes"]).to_numpy()
    if f.region:
        p = p[p["region_code"] == f.region]
    if enrollment_filtered:
        p = p[p["company_id"].isin(_firms_of(base, e))]
    v = v[(v["day"] <= day_t) & (v["day"] >= day_0) & v["placement_id"].isin(p["placement_id"])]
    attrs = p.set_index("placement_id")[["meister_id", "company_id", "purpose", "region_code", "complex_group"]]
    v = v.join(attrs, on="placement_id")
    return p, v, day_t, day_0


def _distinct_per_group(codes: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Distinct ``ids`` per group code (0..n-1): one sort of the (group, id) pairs."""
    if not len(codes):
        return np.zeros(n, dtype=np.int64)
    span = np.int64(ids.max() + 1) if ids.max() >= 0 else np.int64(1)
    pairs = np.unique(codes.astype(np.int64) * span + ids.astype(np.int64))
    return np.bincount((pairs // span).astype(np.int64), minlength=n)


def _activity(p: pd.DataFrame, v: pd.DataFrame, key: str) -> pd.DataFrame:
    """Meisters, firms, placements, visits, confirmed visits and hours per ``key``
    (numpy counts over the group codes: pandas' named aggregations cost more than
    the data here)."""
    codes, uniques = pd.factorize(p[key].to_numpy(), sort=False)
    n = len(uniques)
    vcodes = pd.Index(uniques).get_indexer(v[key].to_numpy()) if len(v) else np.empty(0, dtype=np.int64)
    ok = vcodes >= 0
    vcodes = vcodes[ok]

    def vsum(col):
        return np.bincount(vcodes, weights=v[col].to_numpy(dtype=float)[ok], minlength=n)

    return pd.DataFrame({
        "key": np.asarray(uniques, dtype=object),
        "meisters": _distinct_per_group(codes, p["meister_id"].to_numpy().astype(np.int64), n),
        "companies": _distinct_per_group(codes, p["company_id"].to_numpy().astype(np.int64), n),
        "placements": np.bincount(codes, minlength=n).astype(np.int64),
        "visits": vsum("visits").astype(np.int64),
        "confirmed": vsum("confirmed").astype(np.int64),
        "hours": np.floor(vsum("minutes") / 60.0 + 0.5).astype(np.int64),
    })


def _onsite(base: Base, e: pd.DataFrame, t: float) -> pd.DataFrame:
    """On-site sign-offs of the view's enrollments dated by ``t``, with the trainee's region and complex."""
    o = base.meisters["onsite"]
    o = o[o["enrollment_id"].isin(e["enrollment_id"]) & (o["day"] <= _last_day(t)) & (o["created_at"] <= t)].copy()
    o["region_code"] = _lookup(o["user_id"], base.users, "user_id", "region_code", UNKNOWN).to_numpy()
    employer = _lookup(o["user_id"], base.users, "user_id", "company_id", -1).astype(np.int64)
    o["complex_group"] = complex_groups(
        _lookup(employer, base.dims["companies"], "company_id", "complex_id", -1).astype(np.int64),
        base.dims["complexes"]).to_numpy()
    return o


def _with_onsite(g: pd.DataFrame, o: pd.DataFrame, key: str) -> pd.DataFrame:
    n = o.groupby(key, sort=False)["user_id"].nunique().rename("onsite").reset_index().rename(columns={key: "key"})
    g = g.merge(n, on="key", how="outer")
    for c in ACTIVITY + ("onsite",):
        g[c] = g[c].fillna(0).astype(np.int64)
    return g


def _levels(p: pd.DataFrame, base: Base, day_t: float, day_0: float) -> pd.DataFrame:
    closed = p[p["closed_on"].notna() & (p["closed_on"] <= day_t) & (p["closed_on"] >= day_0)
               & p["level_start"].notna() & p["level_end"].notna()]
    lv = base.dims["levels"]
    names = dict(zip(lv["level_code"], lv["level_name"]))
    pos = dict(zip(lv["level_code"], lv["position"]))
    if closed.empty:
        return pd.DataFrame({"key": [], "label": [], "companies": [], "placements": []})
    g = closed.groupby(["level_start", "level_end"], sort=False).agg(
        companies=("company_id", "nunique"), placements=("placement_id", "size")).reset_index()
    g["key"] = g["level_start"] + ">" + g["level_end"]
    g["label"] = g["level_start"].map(lambda c: names.get(c, c)) + " → " + g["level_end"].map(lambda c: names.get(c, c))
    g["_a"] = g["level_start"].map(lambda c: pos.get(c, 99))
    g["_b"] = g["level_end"].map(lambda c: pos.get(c, 99))
    g = g.sort_values(["_a", "_b"], kind="stable")
    return g[["key", "label", "companies", "placements"]].reset_index(drop=True)


def meister_tables(base: Base, f: Filters, e: pd.DataFrame, t: float, labels: dict,
                   enrollment_filtered: bool) -> dict[str, pd.DataFrame]:
    p, v, day_t, day_0 = _window(base, f, e, t, enrollment_filtered)
    o = _onsite(base, e, t)
    levels = _levels(p, base, day_t, day_0)
    lv = base.dims["levels"]
    pos = dict(zip(lv["level_code"], lv["position"]))
    lab = labels["meister"]
    closed = p[p["closed_on"].notna() & (p["closed_on"] <= day_t) & (p["closed_on"] >= day_0)]
    improved = closed[closed["level_end"].map(lambda c: pos.get(c, -1)).to_numpy()
                      > closed["level_start"].map(lambda c: pos.get(c, 99)).to_numpy()]
    running = p[(p["starts_on"] <= day_t) & (p["ends_on"] >= day_t)]
    hours = int(np.floor(v["minutes"].sum() / 60.0 + 0.5)) if len(v) else 0
    values = {"meisters": p["meister_id"].nunique(), "placed_now": running["meister_id"].nunique(),
              "companies": p["company_id"].nunique(), "placements": len(p), "visits": int(v["visits"].sum()),
              "confirmed": int(v["confirmed"].sum()), "hours": hours, "onsite": o["user_id"].nunique(),
              "improved": improved["company_id"].nunique()}
    overview = pd.DataFrame({"key": list(values), "label": [lab[k] for k in values],
                             "value": [int(x) for x in values.values()]})

    g = _activity(p, v, "purpose")
    g = pd.DataFrame({"key": list(PURPOSES)}).merge(g, on="key", how="left")
    for c in ACTIVITY:
        g[c] = g[c].fillna(0).astype(np.int64)
    g["label"] = g["key"].map(labels["purposes"]).fillna(g["key"])
    by_purpose = g[["key", "label"] + list(ACTIVITY)]

    g = _with_onsite(_activity(p, v, "region_code"), o, "region_code")
    g["label"] = _lookup(g["key"].astype(object), base.dims["regions"], "region_code", "region_name", None).fillna(labels["unknown"]).to_numpy()
    by_region = g.sort_values(["placements", "label"], ascending=[False, True], kind="stable")

    g = _with_onsite(_activity(p, v, "complex_group"), o, "complex_group")
    g["label"], rank = complex_label_order(g["key"].astype(str), base.dims["complexes"], labels)
    by_complex = g.assign(_rank=rank).sort_values(["_rank", "placements", "label"], ascending=[True, False, True],
                                                  kind="stable").drop(columns="_rank")
    cols = ["key", "label"] + list(ACTIVITY) + ["onsite"]
    return {"meister_overview": overview, "meister_by_purpose": by_purpose.reset_index(drop=True),
            "meister_by_region": by_region[cols].reset_index(drop=True),
            "meister_by_complex": by_complex[cols].reset_index(drop=True), "meister_levels": levels}
