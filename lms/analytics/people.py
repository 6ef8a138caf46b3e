"""The counting rule of every figure: distinct people, and certificates valid at an instant.

Figures count distinct **people** (a trainee with two enrollments in a group
counts once), because the privacy rule is about people (see
:mod:`lms.analytics.engine` for the definitions).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def valid_certificates(certs: pd.DataFrame, t: float) -> pd.DataFrame:
    """Certificates valid at ``t``: issued, not revoked, not expired, not superseded."""
    ok = certs["issued_at"] <= t
    for col in ("revoked_at", "expires_at", "superseded_at"):
        ok &= certs[col].isna() | (certs[col] > t)
    return certs[ok]


def people_by(e: pd.DataFrame, key: str, t: float, valid_enr: np.ndarray, certified=None) -> pd.DataFrame:
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
