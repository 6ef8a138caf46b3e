"""Access by role, filters in the URL, target editing, closing months, the PDF report,
the instructors' page, cache invalidation and the CLI."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from lms.analytics import cache, services
from lms.analytics.filters import Filters
from lms.analytics.models import ClosedMonth, Target
from lms.extensions import db
from tests.analytics.conftest import make_certificate, utc


@pytest.mark.parametrize("role,status", [("trainee", 403), ("instructor", 403), ("ministry", 200), ("admin", 200)])
def test_ministry_access(client, as_role, role, status):
    as_role(role)
    assert client.get("/ministry").status_code == status
    assert client.get("/ministry/export/by_region.csv").status_code == (403 if status == 403 else 200)


def test_anonymous_redirected(client):
    resp = client.get("/ministry")
    assert resp.status_code in (302, 401)


@pytest.mark.parametrize("role,status", [("trainee", 403), ("ministry", 403), ("instructor", 200), ("admin", 200)])
def test_instructor_page_access(client, as_role, role, status):
    as_role(role)
    assert client.get("/instructor/analytics").status_code == status


def test_admin_only_actions(ministry_client):
    assert ministry_client.post("/ministry/target", data={"target_count": 5, "target_date": "2030-01-01"}).status_code == 403
    assert ministry_client.post("/ministry/close-month", data={"month": "2026-01"}).status_code == 403


def test_filters_kept_in_url_and_applied(world, ministry_client):
    html = ministry_client.get(f"/ministry?kind=contract&region=11&course={world.course_x.id}").get_data(as_text=True)
    assert '<option selected value="contract">' in html
    # export links carry the same filters
    assert "kind=contract" in html and "region=11" in html and f"course={world.course_x.id}" in html
    assert "스마트공장 운영인력 양성 통계" in html


def test_default_target_created_and_admin_edits(world, admin_client):
    db.session.execute(sa.delete(Target))
    assert admin_client.get("/ministry").status_code == 200
    target = db.session.execute(sa.select(Target)).scalar_one()
    assert target.target_count == 100_000
    resp = admin_client.post("/ministry/target", data={"target_count": "20", "target_date": "2026-12-31"})
    assert resp.status_code == 302
    target = services.get_target()
    assert (target.target_count, target.target_date) == (20, date(2026, 12, 31))
    html = admin_client.get("/ministry").get_data(as_text=True)
    assert "20명" in html and "2026-12-31" in html


def test_cache_invalidated_by_certificate_change(world):
    first = services.dashboard(Filters(), suppress=False)
    again = services.dashboard(Filters(), suppress=False)
    assert again is first or again == first  # served from the cache
    gen = cache.generation()
    make_certificate(world.seoul_enr[9], utc(2026, 5, 1))  # flush bumps the generation
    assert cache.generation() > gen
    after = services.dashboard(Filters(), suppress=False)
    assert after["headline"]["certified_valid"] == first["headline"]["certified_valid"] + 1


def test_cache_invalidated_by_attendance_and_enrollment(world):
    from lms.labs.models import Attendance

    gen = cache.generation()
    att = db.session.execute(sa.select(Attendance).where(Attendance.status == "absent")).scalar_one()
    att.status = "present"
    db.session.commit()
    assert cache.generation() > gen
    gen = cache.generation()
    world.busan_enr[2].status = "withdrawn"
    db.session.flush()
    assert cache.generation() > gen


def test_close_month_freezes_report_and_flags_changes(world, admin_client):
    resp = admin_client.post("/ministry/close-month", data={"month": "2026-03"})
    assert resp.status_code == 302
    closed = db.session.get(ClosedMonth, "2026-03")
    assert closed.figures["headline"]["certified_valid"] == 10  # end of March: nothing revoked or expired yet
    assert closed.figures["headline"]["enrolled"] == 15
    # A correction afterwards: a certificate issued in March is revoked back-dated.
    world.certs[2].revoked_at = utc(2026, 3, 10)
    db.session.commit()
    assert services.month_report_data("2026-03")[0]["headline"]["certified_valid"] == 10  # frozen
    html = admin_client.get("/ministry").get_data(as_text=True)
    assert "마감 후 변경됨" in html
    # closing twice is refused
    with pytest.raises(Exception):
        services.close_month("2026-03", None)


def test_cannot_close_running_month(world):
    from lms.errors import ValidationError

    with pytest.raises(ValidationError):
        services.close_month("2099-01", None)


def test_report_pdf_text(world, ministry_client):
    resp = ministry_client.get("/ministry/report.pdf?month=2026-06")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert "월간 통계 보고서" in text
    assert "2026년 6월 말 기준" in text
    assert "지역(시·도)별" in text and "<5" in text
    assert "서울훈련생" not in text and "seoul1@" not in text


def test_report_of_closed_month_uses_frozen_figures(world):
    services.close_month("2026-03", None)
    world.certs[3].revoked_at = utc(2026, 3, 10)
    world.certs[4].revoked_at = utc(2026, 3, 10)
    db.session.flush()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(services.report_pdf("2026-03"))).pages)
    assert "확정 수치" in text
    assert services.compute_raw(services.month_filters("2026-03"))["headline"]["certified_valid"] == 8
    assert db.session.get(ClosedMonth, "2026-03").figures["headline"]["certified_valid"] == 10


def test_instructor_sees_own_trainees_only(world, client):
    from tests.conftest import login
    from tests.factories import make_user

    login(client, world.instructor)
    html = client.get("/instructor/analytics").get_data(as_text=True)
    assert "서울훈련생1" in html and "부산훈련생" not in html
    other = make_user(role="instructor")
    db.session.commit()
    login(client, other)
    html = client.get("/instructor/analytics").get_data(as_text=True)
    assert "서울훈련생" not in html


def test_cli_report_and_close_month(world, app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["analytics", "report", "--month", "2026-03", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["analytics", "close-month", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "certified_valid=10" in result.output
    result = runner.invoke(args=["analytics", "close-month", "2026-03"])
    assert result.exit_code != 0


_EXECUTED = []


class _Payload:
    def __reduce__(self):
        return (_EXECUTED.append, ("pickle ran",))


def _use_redis(app, monkeypatch, db_number: int, *, flush: bool = False) -> None:
    """Point the app's cache at a real Redis database (skip when none runs)."""
    import redis

    url = f"redis://127.0.0.1:6379/{db_number}"
    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5)
        client.ping()
        if flush:
            client.flushdb()
    except redis.RedisError:
        pytest.skip("Redis is not running")
    monkeypatch.setitem(app.config, "REDIS_URL", url)


def test_redis_cache_holds_json_never_runs_pickles(world, app, monkeypatch):
    """Issue 9 (bandit: pickle in the analytics cache): values go to Redis as JSON; a
    pickle planted under a cache key is never unpickled (ASVS 5.0 V1.5 safe deserialisation)."""
    import pickle

    _use_redis(app, monkeypatch, 0)
    key = f"test-h8-{id(world)}"
    cache.put(key, {"rows": [[1, "<5", None, 0.5]]}, 30)
    cache.clear()  # drop the in-process copy: the value must come back from Redis
    assert cache.get(key) == {"rows": [[1, "<5", None, 0.5]]}
    client = cache._redis()
    assert client.get(f"lms:analytics:{cache.generation()}:{key}").startswith(b"{")
    client.setex(f"lms:analytics:{cache.generation()}:{key}", 30, pickle.dumps(_Payload()))
    assert cache.get(key) is None and _EXECUTED == []
    first = services.dashboard(Filters(), suppress=True)
    cache.clear()
    assert services.dashboard(Filters(), suppress=True) == first  # the dashboard survives the JSON round trip


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
def test_writes_inside_the_refresh_window_move_the_generation_once(world, app, monkeypatch, shared):
    """Issue 10: at national scale bookings and attendance are saved every few seconds; with
    ANALYTICS_REFRESH_SECONDS the figures are recomputed at most once per window (the
    dashboard shows when they were computed), not after every write. The same holds for
    the generation every app server shares through Redis."""
    from lms.labs.models import Attendance

    if shared:
        _use_redis(app, monkeypatch, 12, flush=True)
    clock = {"t": 1_000_000.0}
    monkeypatch.setattr(cache.time, "time", lambda: clock["t"])
    monkeypatch.setitem(app.config, "ANALYTICS_REFRESH_SECONDS", 60)
    cache.clear()
    cache.bump()  # the window starts now
    first = services.dashboard(Filters(), suppress=False)
    gen = cache.generation()
    for status in ("present", "late", "present"):  # three writes inside the window
        clock["t"] += 5
        att = db.session.execute(sa.select(Attendance).order_by(Attendance.id)).scalars().first()
        att.status = status
        db.session.commit()
    assert cache.generation() == gen  # pending: the cached figures are served
    assert services.dashboard(Filters(), suppress=False) == first
    make_certificate(world.seoul_enr[9], utc(2026, 5, 1))
    db.session.commit()
    clock["t"] += 60  # the window has passed: the first read applies the pending change once
    assert cache.generation() == gen + 1
    assert cache.generation() == gen + 1
    after = services.dashboard(Filters(), suppress=False)
    assert after["headline"]["certified_valid"] == first["headline"]["certified_valid"] + 1
