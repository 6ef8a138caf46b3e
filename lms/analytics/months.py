"""Time arithmetic of the analytics frames: epoch seconds and Korean calendar months.

Frames carry instants as float epoch seconds (UTC). Months are counted on the
Korean calendar (UTC+9, no daylight saving since 1988), as everywhere in the
programme's statistics (see :mod:`lms.core.timeutil`).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np

DAY = 86400.0
MONTH = 30.4375 * DAY
KST_OFFSET = 9 * 3600


def epoch_of(dt: datetime | None) -> float | None:
    """Epoch seconds of an aware datetime, or None."""
    return None if dt is None else dt.timestamp()


def month_index(epochs) -> np.ndarray:
    """Months since 1970-01 on the Korean calendar, vectorised (no string formatting per row)."""
    arr = np.asarray(epochs, dtype=np.float64)
    ok = ~np.isnan(arr)
    out = np.full(arr.shape, -1, dtype=np.int64)
    out[ok] = ((arr[ok] + KST_OFFSET).astype("int64").astype("datetime64[s]").astype("datetime64[M]")).astype(np.int64)
    return out


def month_label(index: int) -> str:
    """"2026-10" for a month index of :func:`month_index`."""
    return f"{1970 + index // 12:04d}-{index % 12 + 1:02d}"
