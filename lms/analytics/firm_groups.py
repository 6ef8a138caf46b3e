"""Breakdowns by the sponsor firm's industrial complex and priority group, and how
many trainees of priority firms and of smart complexes reached a certificate.

Definitions (added to those of :mod:`lms.analytics.engine`):

- **Firm of an enrollment**: the sponsor class rule (the sponsor firm, else the
  trainee's employer), as for root technology and size.
- **Complex rows**: one row per designated smart complex (스마트산단, the
  complex's ``is_smart`` flag as the reference table holds it today), then the
  firms in any other complex as one row (그 밖의 산업단지), then enrollments whose
  firm lies outside any complex or is unknown (산업단지 밖·미상).
- **Priority groups** (the programme supports these firms first): working-hours
  reduction only, root industry only, both, neither; enrollments without a firm
  form their own row.
- **Reached a certificate**: a certificate issued by ``t`` on one of the group's
  enrollments and not revoked by ``t`` (an expired or re-issued certificate was
  reached all the same; a revoked one should never have been issued).
- The reach table compares each group's rate with that of all trainees of the
  view exactly (cross-multiplied counts, :mod:`lms.core.ratio`), on the published
  counts for the ministry (:mod:`lms.analytics.privacy`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lms.analytics.base import Base, _lookup
from lms.analytics.people import people_by

PRIORITY_KEYS = {1: "working_hours", 2: "root", 3: "both", 0: "neither", -1: "no_firm"}
PRIORITY_ORDER = ("working_hours", "root", "both", "neither", "no_firm")


OTHER, NONE = -2, -1  # complex group codes besides a smart complex's own id


def complex_codes(complex_ids: pd.Series, complexes: pd.DataFrame) -> np.ndarray:
    """Group code per complex id, as integers (no string per row): the id itself for
    a smart complex, ``OTHER`` for any other complex, ``NONE`` for no (or an unknown) complex."""
    ids = complex_ids.to_numpy().astype(np.int64)
    if complexes.empty:
        return np.full(len(ids), NONE, dtype=np.int64)
    smart = _lookup(pd.Series(ids), complexes, "complex_id", "is_smart", -1).astype(int).to_numpy()
    return np.where(smart == 1, ids, np.where(smart == 0, OTHER, NONE))


def group_key(code: int) -> str:
    """Row key of a group code: ``c<id>``, ``other`` or ``none``."""
    return f"c{int(code)}" if code >= 0 else "other" if code == OTHER else "none"


def complex_groups(complex_ids: pd.Series, complexes: pd.DataFrame) -> pd.Series:
    """Row key per complex id (``c<id>`` / ``other`` / ``none``), for small frames."""
    codes = complex_codes(complex_ids, complexes)
    uniq, inv = np.unique(codes, return_inverse=True)
    keys = np.array([group_key(c) for c in uniq], dtype=object)
    return pd.Series(keys[inv] if len(codes) else np.array([], dtype=object), index=complex_ids.index)


def complex_label_order(keys: pd.Series, complexes: pd.DataFrame, labels: dict) -> tuple[pd.Series, np.ndarray]:
    """Labels and an order rank (smart complexes first, then the grouped rows)."""
    names = dict(zip("c" + complexes["complex_id"].astype(int).astype(str), complexes["complex_name"]))
    lab = keys.map(lambda k: names.get(k) or (labels["other_complex"] if k == "other" else labels["no_complex"]))
    rank = keys.map(lambda k: 0 if k.startswith("c") else 1 if k == "other" else 2).to_numpy()
    return lab, rank


def by_complex(base: Base, e: pd.DataFrame, t: float, valid_enr, certified, labels: dict) -> pd.DataFrame:

    e = e.assign(complex_group=complex_codes(e["complex_id"], base.dims["complexes"]))
    g = people_by(e, "complex_group", t, valid_enr, certified)
    g["complex_group"] = [group_key(c) for c in g["complex_group"]]
    g["label"], rank = complex_label_order(g["complex_group"].astype(str), base.dims["complexes"], labels)
    g = g.assign(_rank=rank).sort_values(["_rank", "enrolled", "label"], ascending=[True, False, True], kind="stable")
    cols = ["label", "enrolled", "completed", "certified", "completion_rate"]
    return g[["complex_group"] + cols].rename(columns={"complex_group": "key"}).reset_index(drop=True)


def by_priority(base: Base, e: pd.DataFrame, t: float, valid_enr, certified, labels: dict) -> pd.DataFrame:

    g = people_by(e.assign(priority_group=e["priority"].to_numpy().astype(np.int64)), "priority_group", t,
                   valid_enr, certified)
    g["key"] = [PRIORITY_KEYS.get(int(c), "no_firm") for c in g["priority_group"]]
    # The four groups always show (an empty one as 0); "no firm" only when it has people.
    g = pd.DataFrame({"key": list(PRIORITY_ORDER[:4])}).merge(g, on="key", how="outer")
    for c in ("enrolled", "completed", "certified"):
        g[c] = g[c].fillna(0).astype(np.int64)
    g["label"] = g["key"].map(labels["priority"])
    g = g.assign(_rank=g["key"].map(PRIORITY_ORDER.index)).sort_values("_rank")
    return g[["key", "label", "enrolled", "completed", "certified", "completion_rate"]].reset_index(drop=True)


def reached(base: Base, e: pd.DataFrame, t: float) -> np.ndarray:
    """Per enrollment of ``e``: a certificate issued by ``t`` and not revoked by ``t``."""
    c = base.certs
    ok = c[(c["issued_at"] <= t) & (c["revoked_at"].isna() | (c["revoked_at"] > t))]
    return np.isin(e["enrollment_id"].to_numpy(), ok["enrollment_id"].to_numpy())


def priority_reach(base: Base, e: pd.DataFrame, t: float, labels: dict) -> pd.DataFrame:
    """Trainees of priority firms and of smart complexes who reached a certificate,
    against all trainees of the view (distinct people; a person counts in a row when
    one of their enrollments belongs to it, and as certified when that enrollment
    reached a certificate)."""
    users = e["user_id"].to_numpy()
    got = reached(base, e, t)
    # Distinct people per row: one sort of the ids (np.unique), not a hash per row.
    smart = complex_codes(e["complex_id"], base.dims["complexes"]) >= 0
    rows = (("priority", (e["priority"] > 0).to_numpy()), ("smart_complex", smart),
            ("all", np.ones(len(e), dtype=bool)))
    out = []
    for key, mask in rows:
        people = int(np.unique(users[mask]).size)
        certified = int(np.unique(users[mask & got]).size)
        out.append({"key": key, "label": labels["reach"][key], "people": people, "certified": certified,
                    "reach_rate": certified / people if people else np.nan, "vs_all": None})
    return pd.DataFrame(out)
