"""Statistical disclosure control for everything the ministry sees.

Rules (applied to pandas frames, so the same code guards the screen, the CSV/XLSX
exports and the PDF report):

1. Primary suppression: a cell counting fewer than 5 people (0 included: a cell
   "built from fewer than 5 people") shows ``<5``.
2. Complementary suppression: in a table whose rows are parts of a total (the
   headline or a total row), if exactly one cell of a column is hidden, the
   next-smallest visible cell of that column is hidden as well, so the hidden
   one cannot be recovered by subtracting the visible ones from the total. Such a
   cell is not small itself, so it shows ``x`` (as Statistics Korea marks
   confidential cells) rather than a misleading ``<5``.
3. A rate is hidden when its numerator or denominator counts fewer than 5
   people or when either of those cells was hidden; a value built from people
   (median days) is hidden with its basis.
4. Working columns (``key`` and ``_*``) never leave this module.

Nothing here adds names, e-mails, birth dates or per-person rows: the engine
never produces them for ministry tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lms.analytics.specs import HEADLINE_COUNTS, TABLES, TableSpec

THRESHOLD = 5
SUPPRESSED = "<5"
SECONDARY = "x"  # hidden only so that a "<5" cell cannot be worked out (not itself small)


def _small(values: pd.Series) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce")
    return (v.notna() & (v < THRESHOLD)).to_numpy()


def suppression_mask(df: pd.DataFrame, spec: TableSpec) -> dict[str, np.ndarray]:
    """Per visible column: 0 show, 1 hide as ``<5`` (small), 2 hide as ``x`` (complementary)."""
    masks: dict[str, np.ndarray] = {}
    n = len(df)
    for col in spec.columns:
        if col.kind != "count":
            continue
        m = _small(df[col.key]).astype(np.int8)
        if spec.complementary and (m == 1).sum() == 1 and n > 1:
            values = pd.to_numeric(df[col.key], errors="coerce").to_numpy(dtype=float)
            candidates = np.where((m == 0) & ~np.isnan(values), values, np.inf)
            if np.isfinite(candidates).any():
                m[int(np.argmin(candidates))] = 2
        masks[col.key] = m
    for col in spec.columns:
        if col.kind == "rate":
            m = np.zeros(n, dtype=np.int8)
            for part in (col.num, col.den):
                if part in masks:
                    m = np.maximum(m, masks[part])
                if part in df.columns and part != "seats":  # seats are chairs, not people
                    m = np.where(_small(df[part]), 1, m).astype(np.int8)
            masks[col.key] = m
        elif col.kind == "value" and col.basis:
            masks[col.key] = (_small(df[col.basis]) if col.basis in df.columns else np.zeros(n, dtype=bool)).astype(np.int8)
    return masks


def suppress_frame(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The visible columns of ``df`` with hidden cells replaced by ``<5`` or ``x`` (object dtype)."""
    masks = suppression_mask(df, spec)
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        if col.key not in df.columns:
            out[col.key] = None
            continue
        s = df[col.key].astype(object)
        if col.key in masks:
            m = masks[col.key]
            s = s.where(m != 1, SUPPRESSED).where(m != 2, SECONDARY)
        out[col.key] = s
    return out.reset_index(drop=True)


def visible_frame(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The visible columns without suppression (instructors, who may see people)."""
    return pd.DataFrame({c.key: (df[c.key] if c.key in df.columns else None) for c in spec.columns}).reset_index(drop=True)


def suppress_headline(head: dict) -> dict:
    """Headline figures with small counts (and the pace built from them) hidden."""
    out = dict(head)
    for key in HEADLINE_COUNTS:
        if isinstance(out.get(key), (int, float)) and out[key] < THRESHOLD:
            out[key] = SUPPRESSED
    if out.get("certified_valid") == SUPPRESSED:
        out["progress_pct"] = SUPPRESSED
    if out.get("new_90d") == SUPPRESSED:
        out["pace_per_day"] = SUPPRESSED
        out["projected_date"] = None
    return out


def public_tables(tables: dict[str, pd.DataFrame], suppress: bool = True) -> dict[str, pd.DataFrame]:
    """Every known table, visible columns only, suppressed when ``suppress``."""
    out = {}
    for key, spec in TABLES.items():
        if key not in tables:
            continue
        out[key] = suppress_frame(tables[key], spec) if suppress else visible_frame(tables[key], spec)
    return out
