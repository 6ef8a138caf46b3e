"""Statistical disclosure control for everything the ministry sees.

Applied to pandas frames, so the same code guards the screen, the CSV/XLSX
exports and the PDF report. Instructors (who may see their own trainees by name)
get the exact figures.

The rule (also shown on the page, in every export and in the report):

1. **Month grain.** Ministry views are chosen by whole months (the period filter
   takes ``YYYY-MM``; a day sent in the URL is widened to its month, see
   :mod:`lms.analytics.filters`), so two views never differ by a single day.
2. **Every published count of people is rounded to a multiple of 5** (nearest,
   half up: 5-7 -> 5, 8-12 -> 10, ...), and a count below 5 (0 included) shows
   ``<5``. This covers the cards, every table cell, every funnel stage, every month
   of the cumulative series and the working counts behind rates. The meister
   tables publish every number the same way (meisters, firms, placements, visits,
   visit hours, trainees): a placement or a visit belongs to one meister and one firm.
3. **Derived figures come from the rounded counts only**: a rate is the rounded
   numerator over the rounded denominator (hidden as ``<5`` when either is below
   5); progress, pace, projected date and needed pace are computed again from the
   rounded cards; a median (days to certificate) is shown only when at least 10
   people stand behind it, rounded to whole weeks.
4. Working columns (``key`` and ``_*``) never leave this module; no names, e-mails,
   birth dates or per-person rows reach ministry tables.

What this guarantees (tested by differencing random pairs of views in
``tests/analytics/test_differencing.py``): every published count is ``<5`` or a
multiple of 5 that is at least 5, and every published rate is a ratio of two
such counts. So for **any** two views - two months, two filter values, two
consecutive months of the cumulative series - the difference of two published
counts is a multiple of 5, never 1 to 4. A published value ``p`` stands for any
true count from ``p-2`` to ``p+2`` (5 stands for 5-7; ``<5`` for 0-4), so adding
or removing one person either leaves the published value unchanged or moves it
by 5, exactly as a change of 2 to 9 people can: the difference of two views
cannot tell whether one person or several made it, nor that anybody did.

Why not suppression alone (the previous rule): suppression hides small cells,
but two large cells that differ by one person (30 with ``to=2026-10-20``, 31 with
``to=2026-10-21``) are both shown, and their difference is that person; the
same held for consecutive months of the cumulative series. Rounding protects
differences, not only cells; and with every cell rounded a total minus the
other cells no longer recovers a hidden one, so the complementary ``x`` cells
are no longer needed. Deterministic rounding (rather than random noise) keeps a
closed month's report reproducible and the rule explainable in one sentence.

Limit: rounding bounds what one comparison reveals; an analyst who combines many
views whose true counts are already known exactly could narrow intervals, which
is why the grain is a month and the filters are coarse categories.
"""
from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd

from lms.analytics.specs import HEADLINE_COUNTS, TABLES, TableSpec

BASE = 5
THRESHOLD = 5
MEDIAN_MIN_PEOPLE = 10
SUPPRESSED = "<5"
FEW_FOR_MEDIAN = "<10"


def round_count(n):
    """One published count: ``<5`` below 5, else the nearest multiple of 5 (half up).
    ``None``/NaN stay empty."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return None
    n = int(n)
    if n < THRESHOLD:
        return SUPPRESSED
    return BASE * ((n + BASE // 2) // BASE)


def _rounded(values: pd.Series) -> np.ndarray:
    """Counts rounded to multiples of 5 as floats (NaN where empty); below 5 -> 0."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    out = BASE * np.floor((v + BASE // 2) / BASE)
    return np.where(v < THRESHOLD, 0.0, out)


def _publish_counts(values: pd.Series) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    r = _rounded(values)
    out = np.empty(len(v), dtype=object)
    for i, (raw, rv) in enumerate(zip(v, r)):
        out[i] = None if np.isnan(raw) else SUPPRESSED if raw < THRESHOLD else int(rv)
    return pd.Series(out)


def suppress_frame(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The visible columns of ``df`` as published to the ministry (object dtype)."""
    df = df.reset_index(drop=True)
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        if col.key not in df.columns:
            out[col.key] = None
            continue
        if col.kind == "count":
            out[col.key] = _publish_counts(df[col.key])
        elif col.kind == "rate":
            raw = pd.to_numeric(df[col.key], errors="coerce").to_numpy(dtype=float)
            num = _rounded(df[col.num]) if col.num in df.columns else np.full(len(df), np.nan)
            den_raw = pd.to_numeric(df[col.den], errors="coerce").to_numpy(dtype=float) if col.den in df.columns \
                else np.full(len(df), np.nan)
            people_den = col.den != "seats"  # seats are chairs, not people: not rounded
            den = _rounded(df[col.den]) if people_den else den_raw
            vals = np.empty(len(df), dtype=object)
            for i in range(len(df)):
                if np.isnan(raw[i]):
                    vals[i] = None
                elif num[i] < THRESHOLD or (people_den and den[i] < THRESHOLD) or not den[i] > 0:
                    vals[i] = SUPPRESSED
                else:
                    vals[i] = float(num[i] / den[i])
            out[col.key] = vals
        elif col.kind == "cmp":
            out[col.key] = compare_column(df, col, rounded=True)
        elif col.kind == "value" and col.basis:
            basis = pd.to_numeric(df[col.basis], errors="coerce").to_numpy(dtype=float) if col.basis in df.columns \
                else np.zeros(len(df))
            raw = pd.to_numeric(df[col.key], errors="coerce").to_numpy(dtype=float)
            vals = np.empty(len(df), dtype=object)
            for i in range(len(df)):
                if np.isnan(raw[i]):
                    vals[i] = None
                elif basis[i] < MEDIAN_MIN_PEOPLE:
                    vals[i] = FEW_FOR_MEDIAN
                else:
                    vals[i] = int(7 * round(raw[i] / 7))
            out[col.key] = vals
        else:
            out[col.key] = df[col.key].astype(object)
    return out


def visible_frame(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The visible columns without rounding (instructors, who may see people)."""
    df = df.reset_index(drop=True)
    return pd.DataFrame({c.key: (compare_column(df, c, rounded=False) if c.kind == "cmp"
                                 else df[c.key] if c.key in df.columns else None) for c in spec.columns})


def compare_column(df: pd.DataFrame, col, *, rounded: bool) -> pd.Series:
    """Each row's ``num/den`` against the row keyed ``all``, compared exactly
    (cross-multiplied integers): 높음 / 같음 / 낮음. For the ministry (``rounded``)
    the comparison uses the published counts (rule 3) and says ``<5`` when any of
    the four is below 5; the ``all`` row itself is left blank."""
    from fractions import Fraction

    from lms.analytics.specs import compare_labels

    out = pd.Series([None] * len(df), dtype=object)
    if "key" not in df.columns or col.num not in df.columns or col.den not in df.columns:
        return out
    keys = df["key"].astype(str).to_numpy()
    num = _rounded(df[col.num]) if rounded else pd.to_numeric(df[col.num], errors="coerce").to_numpy(dtype=float)
    den = _rounded(df[col.den]) if rounded else pd.to_numeric(df[col.den], errors="coerce").to_numpy(dtype=float)
    ref = np.flatnonzero(keys == "all")
    if not len(ref):
        return out
    r = int(ref[0])
    words = compare_labels()
    for i in range(len(df)):
        if i == r:
            continue
        parts = (num[i], den[i], num[r], den[r])
        if any(np.isnan(x) for x in parts):
            continue
        if rounded and any(x < THRESHOLD for x in parts):
            out[i] = SUPPRESSED
            continue
        if den[i] <= 0 or den[r] <= 0:
            continue
        a, b = Fraction(int(num[i]), int(den[i])), Fraction(int(num[r]), int(den[r]))
        out[i] = words["higher"] if a > b else words["lower"] if a < b else words["equal"]
    return out


def suppress_headline(head: dict) -> dict:
    """Headline cards as published: counts rounded (rule 2), and progress, pace and
    projections computed again from the rounded counts (rule 3)."""
    from lms.analytics.engine import pace_figures

    out = dict(head)
    for key in HEADLINE_COUNTS:
        if isinstance(out.get(key), (int, float)):
            out[key] = round_count(out[key])
    if not isinstance(head.get("target"), (int, float)):  # a subset: no national target, only the pace
        new90 = out["new_90d"] if isinstance(out.get("new_90d"), int) else 0
        out["pace_per_day"] = round(new90 / 90.0, 2)
    elif head.get("target_date") and head.get("as_of"):
        valid = out["certified_valid"] if isinstance(out.get("certified_valid"), int) else 0
        new90 = out["new_90d"] if isinstance(out.get("new_90d"), int) else 0
        t = datetime.fromisoformat(head["as_of"]).timestamp()
        out.update(pace_figures(valid, new90, int(head["target"]), date.fromisoformat(head["target_date"]), t))
    if out.get("certified_valid") == SUPPRESSED:
        out["progress_pct"] = SUPPRESSED
    if out.get("new_90d") == SUPPRESSED:
        out["pace_per_day"] = SUPPRESSED
        out["projected_date"] = None
        out["on_track"] = False
    return out


def public_tables(tables: dict[str, pd.DataFrame], suppress: bool = True) -> dict[str, pd.DataFrame]:
    """Every known table, visible columns only, as published when ``suppress``."""
    out = {}
    for key, spec in TABLES.items():
        if key not in tables:
            continue
        out[key] = suppress_frame(tables[key], spec) if suppress else visible_frame(tables[key], spec)
    return out
