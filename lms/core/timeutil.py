"""Time helpers: store UTC, show Korean time (Asia/Seoul)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


def to_kst(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(KST)


def kst_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time typed by a Korean user, as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return value.astimezone(timezone.utc)


def today_kst() -> date:
    return datetime.now(KST).date()


def korean_date(d: date) -> str:
    """2026년 6월 30일"""
    return f"{d.year}년 {d.month}월 {d.day}일"


def dotted_date(d: date) -> str:
    """2026. 3. 2."""
    return f"{d.year}. {d.month}. {d.day}."
