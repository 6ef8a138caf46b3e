"""Phone-width (360 px) screenshots of the pages the accessibility work is judged on,
on demo data: /ministry, a lesson, the QR check-in pages and /admin.

They go to test-artifacts/a11y/ (``LMS_A11Y_SHOT_TAG`` names the set, "after" by
default) for a person to compare; the test also checks that none of these pages
scrolls sideways at 360 px.
"""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from lms.config import normalise_db_url

from .conftest import login

OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "a11y"


def _first(server, sql: str):
    engine = sa.create_engine(normalise_db_url(server.env["LMS_DATABASE_URL"]))
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


def _shoot(phone, name: str) -> tuple[Path, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    tag = os.environ.get("LMS_A11Y_SHOT_TAG", "after")
    path = OUT / f"{tag}-{name}.png"
    phone.screenshot(path=str(path), full_page=True)
    return path, phone.evaluate("document.documentElement.scrollWidth")


def test_phone_screenshots_of_key_pages(phone, demo_data):
    base = demo_data.url
    widths = {}
    login(phone, base, "ministry@demo.kr")
    phone.goto(base + "/ministry")
    widths["ministry"] = _shoot(phone, "ministry")[1]
    phone.context.clear_cookies()

    login(phone, base, "trainee@demo.kr")
    phone.goto(base + "/dashboard")
    phone.get_by_role("link", name="이어서 학습").or_(phone.get_by_role("link", name="학습 시작")).first.click()
    phone.wait_for_load_state()
    widths["lesson"] = _shoot(phone, "lesson")[1]
    session_id = _first(demo_data, "SELECT min(id) FROM lab_sessions")
    phone.goto(f"{base}/labs/checkin/{session_id}?t=demo")
    widths["checkin"] = _shoot(phone, "checkin")[1]
    phone.context.clear_cookies()

    login(phone, base, "instructor@demo.kr")
    session_id = _first(demo_data, "SELECT s.id FROM lab_sessions s JOIN users u ON u.id = s.instructor_id "
                                   "WHERE u.email = 'instructor@demo.kr' ORDER BY abs(julianday(s.starts_at) - "
                                   "julianday('now')) LIMIT 1" if "sqlite" in demo_data.env["LMS_DATABASE_URL"] else
                        "SELECT s.id FROM lab_sessions s JOIN users u ON u.id = s.instructor_id "
                        "WHERE u.email = 'instructor@demo.kr' ORDER BY abs(extract(epoch from s.starts_at - now())) "
                        "LIMIT 1")
    phone.goto(f"{base}/labs/sessions/{session_id}")
    widths["session-qr"] = _shoot(phone, "session-qr")[1]
    phone.context.clear_cookies()

    login(phone, base, "admin@demo.kr")
    phone.goto(base + "/admin")
    widths["admin"] = _shoot(phone, "admin")[1]
    wide = {name: w for name, w in widths.items() if w > 360}
    assert not wide, f"pages wider than the 360 px phone: {wide}"
