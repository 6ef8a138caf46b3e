"""On-site visits: the meister logs them (with photos cleaned of location data), the
company's contact confirms them through a signed, expiring link mailed to the outbox.

A confirmation link names the visit, the contact's address and a digest of what
the visit says, so it stops working when either changes; it expires after
``VISIT_CONFIRM_MAX_AGE`` seconds. Confirming twice is harmless. Functions flush
but never commit.
"""
from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.outbox import send_mail
from lms.core.timeutil import today_kst
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.meisters.models import ACTIVITY_TYPES, Placement, Visit, VisitPhoto

CONFIRM_SALT = "meister-visit-confirm"
MAX_PHOTOS = 5
MAX_PHOTO_SIDE = 1600  # pixels; larger photos are scaled down
MAX_DAY_MINUTES = 12 * 60  # one meister's visits on one day


# --------------------------------------------------------------------------- photos

def clean_photo(data: bytes) -> tuple[bytes, int, int]:
    """Re-encode an uploaded photo as a JPEG with no metadata at all (no EXIF, so no
    GPS position, device or time), turned upright and at most MAX_PHOTO_SIDE pixels
    on its long side. Returns (jpeg bytes, width, height); ValidationError when the
    file is not a JPEG, PNG or WebP image or is too large to decode safely."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "MPO", "PNG", "WEBP"):
                raise ValidationError(_l("사진은 JPEG, PNG, WebP 파일만 올릴 수 있습니다."))
            img.load()
            upright = ImageOps.exif_transpose(img)
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError(_l("사진 파일을 읽을 수 없습니다. 다른 사진을 골라 주세요.")) from None
    rgb.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    # A fresh image holds pixels only: nothing of the original's info dict survives.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), clean.width, clean.height


# --------------------------------------------------------------------------- logging

def parse_minutes(hours) -> int:
    """Hours typed by the meister (e.g. '2.5') as whole minutes; half-hour steps from
    0.5 to 12. ValidationError otherwise (exact decimal arithmetic, no float)."""
    try:
        value = Decimal(str(hours).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise ValidationError(_l("활동 시간을 숫자로 입력해 주세요. 예: 2.5")) from None
    if not value.is_finite() or value < Decimal("0.5") or value > Decimal(12) or (value * 2) % 1 != 0:
        raise ValidationError(_l("활동 시간은 0.5시간부터 12시간까지 30분 단위로 입력해 주세요."))
    return int(value * 60)


def log_visit(actor, placement: Placement, *, visited_on: date, hours, activity: str, done: str, issues: str = "",
              next_steps: str = "", photos: list[bytes] = ()) -> Visit:
    """The placement's meister logs an on-site visit and the contact is mailed a
    confirmation link. Raises PermissionDenied for anyone but that meister,
    ValidationError for bad input (nothing is stored), Conflict on a closed placement."""
    if not (actor and getattr(actor, "role", None) == "meister" and placement.meister.user_id == actor.id):
        raise PermissionDenied(_l("이 파견의 마이스터만 방문을 기록할 수 있습니다."))
    if placement.closed_on is not None or placement.cancelled_at is not None:
        raise Conflict(_l("종료되거나 취소된 파견에는 방문을 기록할 수 없습니다."))
    if visited_on is None:
        raise ValidationError(_l("방문일을 입력해 주세요."))
    if visited_on > today_kst():
        raise ValidationError(_l("방문일은 오늘보다 늦을 수 없습니다."))
    if visited_on < placement.starts_on or visited_on > placement.effective_end:
        raise ValidationError(_l("방문일이 파견 기간(%(s)s ~ %(e)s) 밖입니다.", s=placement.starts_on.isoformat(),
                                 e=placement.effective_end.isoformat()))
    minutes = parse_minutes(hours)
    if activity not in ACTIVITY_TYPES:
        raise ValidationError(_l("활동 유형을 골라 주세요."))
    done = (done or "").strip()
    if not done:
        raise ValidationError(_l("한 일을 적어 주세요."))
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_l("사진은 %(n)d장까지 올릴 수 있습니다.", n=MAX_PHOTOS))
    cleaned = [clean_photo(p) for p in photos]  # all checked before anything is stored
    same_day = db.session.execute(
        select(sa.func.coalesce(sa.func.sum(Visit.minutes), 0)).join(Placement, Placement.id == Visit.placement_id)
        .where(Placement.meister_id == placement.meister_id, Visit.visited_on == visited_on)).scalar_one()
    if same_day + minutes > MAX_DAY_MINUTES:
        raise ValidationError(_l("하루 활동 시간은 모두 합해 12시간을 넘을 수 없습니다."))
    visit = Visit(placement_id=placement.id, visited_on=visited_on, minutes=minutes, activity=activity,
                  done=done[:4000], issues=(issues or "").strip()[:4000], next_steps=(next_steps or "").strip()[:4000],
                  created_by_id=actor.id, created_at=utcnow(), dispute_note="")
    db.session.add(visit)
    db.session.flush()
    for content, w, h in cleaned:
        db.session.add(VisitPhoto(visit_id=visit.id, content=content, width=w, height=h, created_at=utcnow()))
    record(actor, "visit.create", visit, placement_id=placement.id, minutes=minutes, photos=len(cleaned))
    db.session.flush()
    request_confirmation(visit)
    return visit


# --------------------------------------------------------------------------- confirmation links

def max_age() -> int:
    """Seconds a confirmation link stays valid (VISIT_CONFIRM_MAX_AGE; LMS_ env values are text)."""
    return int(current_app.config["VISIT_CONFIRM_MAX_AGE"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _fingerprint(visit: Visit) -> str:
    """Changes when the visit's content or the contact's address changes."""
    p = visit.placement
    raw = "|".join(str(x) for x in (visit.id, visit.visited_on, visit.minutes, visit.activity, visit.done,
                                     visit.issues, visit.next_steps, p.contact_email))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def make_confirm_token(visit: Visit) -> str:
    return _serializer().dumps({"v": visit.id, "f": _fingerprint(visit)})


def confirm_link(visit: Visit) -> str:
    """The absolute confirmation link (PUBLIC_BASE_URL + path)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if has_request_context():
        path = url_for("meisters.confirm", token=make_confirm_token(visit))
    else:
        with current_app.test_request_context("/"):
            path = url_for("meisters.confirm", token=make_confirm_token(visit))
    return base + path


def request_confirmation(visit: Visit) -> None:
    """Mail the company's contact a link to confirm the visit (to the outbox when no
    mail server is set). Conflict when the visit is confirmed already."""
    if visit.confirmed_at is not None:
        raise Conflict(_l("이미 기업이 확인한 방문입니다."))
    if visit.disputed_at is not None:
        raise Conflict(_l("기업이 이의를 제기한 방문입니다. 사무국과 내용을 확인해 주세요."))
    p = visit.placement
    days = max_age() // 86400
    body = _l("%(contact)s님, 안녕하세요.\n\n스마트 마이스터 %(meister)s님이 %(day)s에 %(company)s을(를) 방문한 기록을 "
              "남겼습니다. 아래 링크에서 내용을 보고 방문 사실을 확인해 주세요. 계정이 없어도 됩니다. 링크는 %(days)d일 동안 "
              "유효합니다.\n\n%(link)s\n\n스마트공장 아카데미", contact=p.contact_name, meister=p.meister.user.name,
              day=visit.visited_on.isoformat(), company=p.company.name, days=days, link=confirm_link(visit))
    send_mail(p.contact_email, str(_l("[스마트공장 아카데미] 마이스터 방문 확인 요청")), str(body),
              kind="meister_visit_confirm")
    visit.confirm_sent_at = utcnow()
    record(None, "visit.confirm_request", visit, placement_id=p.id)
    db.session.flush()


_INVALID = _l("올바르지 않은 링크입니다. 메일에 있는 링크 주소 전체를 그대로 열었는지 확인해 주세요.")


def visit_from_token(token: str) -> Visit:
    """The visit a confirmation link names; ValidationError with a clear message when
    the link is expired, tampered with, or the visit or contact changed since."""
    try:
        data = _serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise ValidationError(_l("확인 링크의 유효 기간이 지났습니다. 마이스터에게 확인 요청을 다시 보내 달라고 해 주세요.")) from None
    except BadSignature:
        raise ValidationError(_INVALID) from None
    visit = db.session.get(Visit, data.get("v")) if isinstance(data, dict) else None
    if visit is None:
        raise ValidationError(_INVALID)
    if data.get("f") != _fingerprint(visit):
        raise ValidationError(_l("방문 기록이나 담당자가 바뀌어 이 링크는 더 이상 쓸 수 없습니다. 새 확인 요청 메일의 링크를 열어 주세요."))
    return visit


def confirm_visit(token: str) -> Visit:
    """Confirm the visit a valid link names (again: no change). Audited without a user.
    Conflict when the contact has disputed it already."""
    visit = visit_from_token(token)
    if visit.disputed_at is not None:
        raise Conflict(_l("이미 이의를 제기한 방문입니다. 마이스터나 사무국에 연락해 주세요."))
    if visit.confirmed_at is None:
        visit.confirmed_at = utcnow()
        visit.confirmed_email = visit.placement.contact_email
        record(None, "visit.confirm", visit, placement_id=visit.placement_id)
        db.session.flush()
    return visit


def dispute_visit(token: str, note: str) -> Visit:
    """The contact says the visit record is wrong, saying what differs (1..2000
    characters). Audited without a user; the visit then cannot be confirmed through
    the link and no new request is mailed. Conflict when already confirmed or disputed."""
    visit = visit_from_token(token)
    if visit.confirmed_at is not None:
        raise Conflict(_l("이미 확인한 방문입니다."))
    if visit.disputed_at is not None:
        raise Conflict(_l("이미 이의를 제기한 방문입니다. 마이스터나 사무국에 연락해 주세요."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_l("무엇이 다른지 적어 주세요."))
    visit.disputed_at = utcnow()
    visit.dispute_note = note[:2000]
    record(None, "visit.dispute", visit, placement_id=visit.placement_id)
    db.session.flush()
    return visit
