"""iCalendar (RFC 5545) text for a booking, written by hand: one VEVENT, UTC
times, CRLF line endings, long lines folded at 75 octets, text escaped."""
from __future__ import annotations

from datetime import datetime, timezone

from lms.core.db import utcnow


def _escape(text: str) -> str:
    """Escape TEXT values (RFC 5545 3.3.11)."""
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line to 75 octets per line without splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + n > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += n
    out.append(current)
    return "\r\n ".join(out)


def _utc(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def booking_ics(booking, *, host: str = "smartfactory-academy.kr") -> str:
    """A VCALENDAR with the booked session as a single event."""
    s = booking.session
    summary = f"{s.module.title_ko} 실습"
    location = f"{s.lab.name_ko} {s.room.name_ko}".strip()
    description = f"{s.module.course.title_ko} / {s.lab.name_ko} {s.room.name_ko}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Smart Factory Academy//LMS//KO",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booking-{booking.id}-session-{s.id}@{host}",
        f"DTSTAMP:{_utc(utcnow())}",
        f"DTSTART:{_utc(s.starts_at)}",
        f"DTEND:{_utc(s.ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:" + ("CANCELLED" if booking.status == "cancelled" or s.cancelled_at else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
