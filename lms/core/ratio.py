"""Exact threshold decisions on ratios, and the percentages shown beside them.

A rule such as "80 % attendance" or "pass mark 70" is decided on the exact
ratio ``part / whole`` (integer cross-multiplication, never a rounded float),
so 1,919 of 2,400 minutes (79.958 %) does not meet 80 %. What the page shows is
rounded *down* to the shown precision, so a figure on screen never reaches a
threshold the exact value misses ("79.9 %", not "80 %" beside "기준 80 %").
"""
from __future__ import annotations

from fractions import Fraction
from numbers import Rational

Number = int | Fraction


def _exact(value) -> Fraction:
    """An int, Fraction or decimal string as a Fraction; floats are refused
    (a float threshold is already an approximation)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a quantity")
    if isinstance(value, (int, Rational)):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(value.strip())
    raise TypeError(f"exact quantity expected (int, Fraction or decimal string), got {type(value).__name__}")


def meets_percent(part: Number, whole: Number, percent: Number | str) -> bool:
    """True when ``part / whole`` is at least ``percent`` % (exactly at it counts).

    ``part`` and ``whole`` are counts in the same unit (minutes, questions,
    modules); ``percent`` is 0-100. A ``whole`` of 0 meets nothing (there is no
    ratio to judge), except a threshold of 0. Raises TypeError for floats.
    """
    p, w, t = _exact(part), _exact(whole), _exact(percent)
    if w <= 0:
        return t <= 0
    return p * 100 >= t * w


def percent_floor(part: Number, whole: Number, places: int = 1) -> float | None:
    """``part / whole`` in percent, rounded DOWN to ``places`` decimals, for display
    (None when ``whole`` is 0). 1919/2400 -> 79.9; 2/3 -> 66.6; 1/1 -> 100.0."""
    p, w = _exact(part), _exact(whole)
    if w <= 0:
        return None
    scale = 10 ** places
    return (p * 100 * scale // w) / scale


def format_percent(value: float | None) -> str:
    """A display percentage without trailing zeros: 79.9 -> "79.9", 80.0 -> "80"; None -> ""."""
    if value is None:
        return ""
    return f"{value:.1f}".rstrip("0").rstrip(".")
