"""Breakdown tables of the dashboard: by region, programme type, institution, root
technology, company size, course, complex and priority group; the funnel; the
cohort heat maps; the smart-lab table.

Each function takes the loaded :class:`~lms.analytics.base.Base`, the filter's
enrollments ``e`` and the evaluation instant ``t`` (epoch seconds) and returns
plain DataFrames of counts (suppression happens later, in
:mod:`lms.analytics.privacy`). Definitions: :mod:`lms.analytics.engine`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lms.analytics import firm_groups
from lms.analytics.base import Base, _lookup
from lms.analytics.filters import Filters
from lms.analytics.months import DAY, KST_OFFSET, MONTH, epoch_of, month_index, month_label
from lms.analytics.people import people_by, valid_certificates
from lms.analytics.specs import HEATMAP_MONTHS


def _names(dims, table, key, name, df, col, unknown_label):
    lab = _lookup(df[col].astype(object), dims[table], key, name, None)
    return lab.fillna(unknown_label)


def breakdowns(base: Base, e: pd.DataFrame, t: float, labels: dict) -> dict[str, pd.DataFrame]:
    valid_enr = valid_certificates(base.certs[base.certs["enrollment_id"].isin(e["enrollment_id"])], t)["enrollment_id"].to_numpy()
    certified = np.isin(e["enrollment_id"].to_numpy(), valid_enr)  # once, for every breakdown
    dims = base.dims
    out = {}
    cols = ["label", "enrolled", "completed", "certified", "completion_rate"]

    g = people_by(e, "region_code", t, valid_enr, certified)
    g["label"] = _names(dims, "regions", "region_code", "region_name", g, "region_code", labels["unknown"])
    out["by_region"] = g.sort_values("enrolled", ascending=False)[["region_code"] + cols].rename(columns={"region_code": "key"})

    g = people_by(e, "kind", t, valid_enr, certified)
    g["label"] = g["kind"].astype(str).map(labels["kinds"]).fillna(g["kind"].astype(str))
    out["by_kind"] = g[["kind"] + cols].rename(columns={"kind": "key"})

    g = people_by(e, "institution_id", t, valid_enr, certified)
    g["label"] = _names(dims, "institutions", "institution_id", "institution_name", g, "institution_id", labels["no_institution"])
    out["by_institution"] = g.sort_values("enrolled", ascending=False)[["institution_id"] + cols].rename(columns={"institution_id": "key"})

    g = people_by(e, "tech_code", t, valid_enr, certified)
    g["label"] = _names(dims, "techs", "tech_code", "tech_name", g, "tech_code", labels["unknown"])
    out["by_tech"] = g.sort_values("enrolled", ascending=False)[["tech_code"] + cols].rename(columns={"tech_code": "key"})

    g = people_by(e, "size_code", t, valid_enr, certified)
    g["label"] = _names(dims, "sizes", "size_code", "size_name", g, "size_code", labels["unknown"])
    pos = _lookup(g["size_code"].astype(object), dims["sizes"], "size_code", "position", 999)
    g = g.assign(_pos=pos.astype(int)).sort_values("_pos")
    out["by_size"] = g[["size_code"] + cols].rename(columns={"size_code": "key"})

    g = people_by(e, "course_id", t, valid_enr, certified)
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
    intake = month_index(e["enrolled_at"].to_numpy())
    uniq = np.unique(intake)
    starts = pd.Series(uniq.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64) - KST_OFFSET, index=uniq)
    h = _heatmap(e, pd.Series(intake), t, starts)
    h["key"] = [month_label(int(k)) for k in h["key"]]
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
    t0 = epoch_of(f.start_instant())
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
