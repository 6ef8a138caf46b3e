"""Visits: logged by the placement's meister from a phone, photos stripped of EXIF/GPS,
confirmed by the company's contact through a signed, expiring link (no account)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.core.outbox import OutboxMessage
from lms.core.timeutil import today_kst
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters import visits as vs
from lms.meisters.models import Visit, VisitPhoto
from tests.conftest import COLLECTED_AT, login
from tests.factories import make_company

TODAY = today_kst(COLLECTED_AT)
pytestmark = pytest.mark.usefixtures("clock_at_collection")


def _placement(admin, meister, start=None, days=90, email="contact@firm.kr"):
    start = start or TODAY - timedelta(days=30)
    return pl.create_placement(admin, meister=meister, company=make_company(name="(주)방문정밀"),
                               purpose="tech_support", starts_on=start, ends_on=start + timedelta(days=days),
                               goals="설비 데이터 수집", contact_name="정담당", contact_email=email)


def gps_jpeg(size=(2400, 1200)) -> bytes:
    """A JPEG carrying EXIF with a GPS position, a camera model and an orientation."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Galaxy S24"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 40.0)}  # GPSInfo (Seoul)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    return data


def test_photo_is_reencoded_upright_small_and_without_any_exif():
    content, w, h = vs.clean_photo(gps_jpeg())
    img = Image.open(io.BytesIO(content))
    assert img.format == "JPEG"
    assert not img.getexif() and not img.getexif().get_ifd(0x8825)
    assert b"Exif" not in content and b"Galaxy" not in content
    assert (w, h) == img.size and max(img.size) == vs.MAX_PHOTO_SIDE and img.height > img.width  # turned upright


@pytest.mark.parametrize("data", [b"not an image", b"GIF89a" + b"\x00" * 20])
def test_unreadable_photo_is_refused(data):
    with pytest.raises(ValidationError):
        vs.clean_photo(data)


@pytest.mark.parametrize("hours, minutes", [("0.5", 30), ("2.5", 150), ("12", 720), ("3,0", 180)])
def test_hours_become_exact_minutes(hours, minutes):
    assert vs.parse_minutes(hours) == minutes


@pytest.mark.parametrize("hours", ["0", "0.25", "12.5", "abc", "-1", "NaN", "Infinity"])
def test_bad_hours_are_refused(hours):
    with pytest.raises(ValidationError):
        vs.parse_minutes(hours)


def test_meister_logs_a_visit_and_the_contact_gets_a_link(make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="3", activity="diagnosis", done="라인 점검",
                     issues="센서 누락", next_steps="PLC 태그 정리", photos=[gps_jpeg()])
    assert v.minutes == 180 and v.confirmed_at is None and v.confirm_sent_at is not None
    stored = db.session.execute(select(VisitPhoto).where(VisitPhoto.visit_id == v.id)).scalar_one()
    assert not Image.open(io.BytesIO(stored.content)).getexif().get_ifd(0x8825)  # GPS gone from what is stored
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "contact@firm.kr")).scalar_one()
    assert "/visits/confirm/" in mail.body
    assert {"visit.create", "visit.confirm_request"} <= set(db.session.execute(select(AuditEvent.action)).scalars())


def test_visit_rules(make_meister, admin_user):
    m, other = make_meister(), make_meister()
    p = _placement(admin_user, m)
    ok = dict(visited_on=TODAY, hours="2", activity="consulting", done="회의")
    with pytest.raises(PermissionDenied):
        vs.log_visit(other.user, p, **ok)
    with pytest.raises(PermissionDenied):
        vs.log_visit(admin_user, p, **ok)
    for bad in (dict(visited_on=TODAY + timedelta(days=1)), dict(visited_on=p.starts_on - timedelta(days=1)),
                dict(activity="lunch"), dict(done="  "), dict(photos=[b"x"] * 6), dict(photos=[b"junk"])):
        with pytest.raises(ValidationError):
            vs.log_visit(m.user, p, **{**ok, **bad})
    assert db.session.execute(select(Visit)).first() is None  # nothing stored by a refused visit
    vs.log_visit(m.user, p, **{**ok, "hours": "8"})
    with pytest.raises(ValidationError):  # 8 + 5 hours on one day
        vs.log_visit(m.user, p, **{**ok, "hours": "5"})


def test_no_visit_on_a_closed_placement(make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    pl.close_placement(admin_user, p, closed_on=TODAY, level_at_end_code="basic", summary="끝",
                       outcomes={g.id: ("achieved", "") for g in p.goals})
    with pytest.raises(Conflict):
        vs.log_visit(m.user, p, visited_on=TODAY, hours="1", activity="consulting", done="x")


def _link_path(recipient="contact@firm.kr"):
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                              .order_by(OutboxMessage.id.desc())).scalars().first()
    return re.search(r"http://localhost(/visits/confirm/\S+)", mail.body).group(1)


def test_contact_confirms_with_a_post_without_an_account(app, client, make_meister, admin_user):
    m = make_meister(name="홍마이스터")
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="2.5", activity="training", done="작업자 교육",
                     issues="", next_steps="")
    db.session.commit()
    path = _link_path()
    page = client.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "작업자 교육" in body and "홍마이스터" in body and "2.5" in body
    assert m.user.email not in body and "contact@firm.kr" not in body  # nothing internal on the public page
    assert page.headers["Cache-Control"] == "no-store"
    assert v.confirmed_at is None  # a GET changes nothing
    assert client.post(path).status_code == 302
    assert v.confirmed_at is not None and v.confirmed_email == "contact@firm.kr"
    assert "확인된 방문" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 302  # twice is harmless
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "visit.confirm")).scalars().all().__len__() == 1


def test_confirm_post_needs_the_csrf_token(app, client, make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="1", activity="consulting", done="점검")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(_link_path()).status_code == 400
        assert v.confirmed_at is None
        page = client.get(_link_path()).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post(_link_path(), data={"csrf_token": token}).status_code == 302
        assert v.confirmed_at is not None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_expired_tampered_or_outdated_links_are_refused(app, client, make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="1", activity="consulting", done="점검")
    db.session.commit()
    path = _link_path()
    r = client.get(path[:-3] + "xyz")
    assert r.status_code == 400 and "올바르지 않은 링크" in r.get_data(as_text=True)
    app.config["VISIT_CONFIRM_MAX_AGE"] = "-1"  # text, as an LMS_ variable gives it
    try:
        r = client.post(path)
        assert r.status_code == 400 and "유효 기간" in r.get_data(as_text=True)
    finally:
        app.config["VISIT_CONFIRM_MAX_AGE"] = 14 * 24 * 3600
    p.contact_email = "new@firm.kr"  # the contact changed: the old link no longer confirms
    db.session.commit()
    assert client.post(path).status_code == 400 and v.confirmed_at is None


def test_meister_logs_on_the_phone_form_and_sees_only_own_visits_and_photos(client, make_meister, admin_user):
    m, other = make_meister(), make_meister()
    p = _placement(admin_user, m)
    q = _placement(admin_user, other)
    theirs = vs.log_visit(other.user, q, visited_on=TODAY, hours="1", activity="consulting", done="남의 방문",
                          photos=[gps_jpeg((200, 100))])
    db.session.commit()
    login(client, m.user)
    page = client.get(f"/meister/placements/{p.id}/visits/new")
    assert page.status_code == 200 and 'capture="environment"' in page.get_data(as_text=True)
    r = client.post(f"/meister/placements/{p.id}/visits/new", data={
        "visited_on": TODAY.isoformat(), "hours": "1.5", "activity": "tech_support", "done": "MES 설정",
        "photos": (io.BytesIO(gps_jpeg((300, 200))), "IMG_0001.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 302
    mine = db.session.execute(select(Visit).where(Visit.placement_id == p.id)).scalar_one()
    photo = mine.photos[0]
    got = client.get(f"/meister/visits/{mine.id}/photos/{photo.id}")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert not Image.open(io.BytesIO(got.data)).getexif().get_ifd(0x8825)
    r = client.post(f"/meister/placements/{p.id}/visits/new", data={
        "visited_on": TODAY.isoformat(), "hours": "0.2", "activity": "tech_support", "done": "x"})
    assert r.status_code == 400
    other_photo = theirs.photos[0]
    assert client.get(f"/meister/visits/{theirs.id}/photos/{other_photo.id}").status_code == 404
    assert client.get(f"/meister/visits/{mine.id}/photos/{other_photo.id}").status_code == 404
    assert client.get(f"/meister/placements/{q.id}/visits/new").status_code == 404
    assert client.post(f"/meister/visits/{theirs.id}/resend").status_code == 404
    assert "남의 방문" not in client.get(f"/meister/placements/{p.id}").get_data(as_text=True)


def test_resend_mails_again_until_confirmed(client, make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="1", activity="consulting", done="점검")
    db.session.commit()
    login(client, m.user)
    assert client.post(f"/meister/visits/{v.id}/resend").status_code == 302
    assert len(db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "contact@firm.kr")).all()) == 2
    vs.confirm_visit(vs.make_confirm_token(v))
    db.session.commit()
    client.post(f"/meister/visits/{v.id}/resend")
    assert len(db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "contact@firm.kr")).all()) == 2


def test_contact_disputes_instead_of_confirming(client, make_meister, admin_user):
    m = make_meister()
    p = _placement(admin_user, m)
    v = vs.log_visit(m.user, p, visited_on=TODAY, hours="6", activity="training", done="교육 6시간")
    db.session.commit()
    path = _link_path()
    r = client.post(path, data={"answer": "dispute", "note": "  "})
    assert r.status_code == 400 and "무엇이 다른지" in r.get_data(as_text=True) and v.disputed_at is None
    assert client.post(path, data={"answer": "dispute", "note": "실제로는 2시간이었습니다"}).status_code == 302
    assert v.disputed_at is not None and v.confirmed_at is None and v.dispute_note == "실제로는 2시간이었습니다"
    assert "이의를 제기했습니다" in client.get(path).get_data(as_text=True)
    r = client.post(path)  # no confirming after a dispute through the same link
    assert r.status_code == 400 and v.confirmed_at is None
    with pytest.raises(Conflict):
        vs.request_confirmation(v)
    login(client, m.user)
    page = client.get(f"/meister/placements/{p.id}").get_data(as_text=True)
    assert "기업 이의" in page and "실제로는 2시간이었습니다" in page
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "visit.dispute")).scalar_one()
