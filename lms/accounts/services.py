"""Account rules: creating users, registration with itemised consent, login checks
and rate limiting, ending sessions, password change/reset and invitations,
and the admin's staff-account operations.

Services flush but never commit; the view or CLI command commits once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from lms.accounts.models import ROLES, ConsentRecord, User
from lms.accounts.passwords import MIN_LENGTH, check_new_password
from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.outbox import send_mail
from lms.core.timeutil import today_kst
from lms.errors import Conflict, ValidationError
from lms.extensions import db

MIN_PASSWORD_LENGTH = MIN_LENGTH
STAFF_ROLES = ("instructor", "ministry", "admin")
RESET_SALT = "lms.password-reset"
INVITE_SALT = "lms.invitation"
CONFIRM_SALT = "lms.email-confirm"


# ---------------------------------------------------------------- consent items

@dataclass(frozen=True)
class ConsentItem:
    """One item of the sign-up consent, shown with its own text and checkbox."""

    key: str
    title: object  # lazy string
    text: object  # lazy string
    required: bool


CONSENT_ITEMS: tuple[ConsentItem, ...] = (
    ConsentItem(
        "terms", _l("이용약관 동의"),
        _l("스마트공장 아카데미는 스마트공장 운영인력 양성을 위한 교육 서비스입니다. 회원은 본인의 정보로 가입하고, "
           "계정을 다른 사람과 함께 쓰지 않으며, 학습 평가를 대리로 치르지 않습니다. 이를 어기면 수료가 취소될 수 있습니다."),
        True),
    ConsentItem(
        "privacy_required", _l("개인정보 수집·이용 동의"),
        _l("수집 항목: 이름, 이메일, 비밀번호(암호화 저장), 생년월일·소속 회사(입력한 경우), 학습 기록. "
           "이용 목적: 회원 관리, 교육 운영, 수료증 발급과 진위확인. 보유 기간: 회원 탈퇴 후 수료 기록 확인에 필요한 기간(최대 5년). "
           "동의를 거부할 수 있으나, 거부하면 가입할 수 없습니다. 주민등록번호는 수집하지 않습니다."),
        True),
    ConsentItem(
        "marketing", _l("마케팅 정보 수신 동의"),
        _l("새 과정 개설, 스마트랩 실습 일정, 교육 행사 소식을 이메일로 받습니다. 동의하지 않아도 가입과 학습에는 "
           "지장이 없으며, 내 정보 화면에서 언제든 철회할 수 있습니다."),
        False),
    ConsentItem(
        "third_party", _l("개인정보 제3자 제공 동의"),
        _l("제공받는 자: 소속 회사(훈련비를 지원한 경우)와 교육 주관 기관. 제공 항목: 이름, 과정명, 진도율, 수료 여부. "
           "목적: 교육 지원 확인과 사업 성과 관리. 보유 기간: 제공 목적 달성 시까지. 동의하지 않아도 가입과 학습에는 지장이 없습니다."),
        False),
)
REQUIRED_CONSENTS = tuple(i.key for i in CONSENT_ITEMS if i.required)


# ---------------------------------------------------------------- users

def normalise_email(email: str) -> str:
    """E-mail addresses are compared and stored lower-cased and trimmed."""
    return (email or "").strip().lower()


def get_user_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or None."""
    return db.session.execute(select(User).where(User.email == normalise_email(email))).scalar()


def validate_password(password: str, confirm: str | None = None, *, user: User | None = None,
                      email: str | None = None, name: str | None = None) -> None:
    """Raise ValidationError when a new password breaks the policy (8 to 128 characters,
    not common, not the account's e-mail or name; see lms.accounts.passwords) or does
    not match its confirmation. ``user`` supplies the e-mail and name when given."""
    if user is not None:
        email, name = email or user.email, name or user.name
    check_new_password(password, confirm, email=email, name=name)


def create_user(email: str, name: str, role: str = "trainee", password: str | None = None,
                institution=None, company=None, birth_date: date | None = None, phone: str | None = None) -> User:
    """Create an account. ``password=None`` makes an invited account that cannot log in
    until the invitation link is used. Raises Conflict on a duplicate e-mail."""
    email = normalise_email(email)
    name = (name or "").strip()
    if "@" not in email or len(email) > 255:
        raise ValidationError(_l("올바른 이메일 주소를 입력해 주세요."))
    if not name:
        raise ValidationError(_l("이름을 입력해 주세요."))
    if role not in ROLES:
        raise ValidationError(_l("알 수 없는 역할입니다."))
    if birth_date is not None and (birth_date > today_kst() or birth_date.year < 1900):
        raise ValidationError(_l("생년월일을 확인해 주세요."))
    if get_user_by_email(email) is not None:
        raise Conflict(_l("이미 가입된 이메일입니다."))
    user = User(email=email, name=name[:64], role=role, birth_date=birth_date, phone=(phone or None),
                institution_id=getattr(institution, "id", institution),
                company_id=getattr(company, "id", company), locale="ko", session_version=1, active=True,
                # A trainee account someone else made (roster import, invitation, CLI) owes the
                # required consents; self-registration records them at once (record_consents).
                consent_pending=(role == "trainee"))
    if password is not None:
        validate_password(password, email=email, name=name)
        user.set_password(password)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        # Two sign-ups raced with the same address: the unique index decides.
        raise Conflict(_l("이미 가입된 이메일입니다.")) from None
    return user


def record_consents(user: User, answers: dict[str, bool]) -> list[ConsentRecord]:
    """Store one ConsentRecord per item (granted or not) with the consent text version and time."""
    version = current_app.config["CONSENT_VERSION"]
    now = utcnow()
    rows = []
    for item in CONSENT_ITEMS:
        row = ConsentRecord(user_id=user.id, item=item.key, required=item.required,
                            granted=bool(answers.get(item.key)), text_version=version, recorded_at=now)
        db.session.add(row)
        rows.append(row)
    if all(answers.get(key) for key in REQUIRED_CONSENTS):
        user.consent_pending = False
    db.session.flush()
    return rows


def register_trainee(*, name: str, email: str, password: str, confirm: str | None = None,
                     birth_date: date | None = None, company_name: str | None = None,
                     consents: dict[str, bool]) -> User | None:
    """Self-registration of a trainee: required consents must be given; optional
    ones are stored as answered (unchecked = not granted).

    The answer never tells whether the address already has an account (ASVS 5.0
    V6.3.8): a new account is created pending and mailed a confirmation link
    (returned); for a known address the owner is mailed a notice instead and None
    is returned, after the same password-hashing work. Raises ValidationError for
    missing consents or a password that breaks the policy."""
    missing = [i for i in CONSENT_ITEMS if i.required and not consents.get(i.key)]
    if missing:
        raise ValidationError(_l("필수 동의 항목에 모두 동의해야 가입할 수 있습니다."))
    validate_password(password, confirm, email=email, name=name)
    from lms.orgs.services import find_or_create_company

    existing = get_user_by_email(email)
    if existing is None:
        company = find_or_create_company(company_name) if company_name else None
        try:
            user = create_user(email, name, "trainee", password, company=company, birth_date=birth_date)
        except Conflict:  # another sign-up with this address won the race
            existing = get_user_by_email(email)
        else:
            user.email_confirm_pending = True
            record_consents(user, consents)
            _mail_confirmation(user)
            return user
    spend_password_check(password)  # the work a new account's hash would have cost
    from lms.accounts.throttle import notice_mail_allowed

    if existing is not None and notice_mail_allowed(existing.email):
        _mail_already_registered(existing)
    return None


def _mail_confirmation(user: User) -> None:
    days = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 86400
    body = _l("%(name)s님, 안녕하세요.\n\n스마트공장 아카데미 가입 신청을 받았습니다. 아래 링크를 열어 가입을 마쳐 주세요. "
              "링크는 %(days)d일 동안 유효합니다.\n\n%(link)s\n\n가입을 신청하지 않았다면 이 메일을 무시하셔도 됩니다.\n\n스마트공장 아카데미",
              name=user.name, days=days,
              link=_public_url("accounts.confirm_email", token=make_token(user, CONFIRM_SALT)))
    send_mail(user.email, str(_l("[스마트공장 아카데미] 가입 확인")), str(body), kind="email_confirm")


def _mail_already_registered(user: User) -> None:
    body = _l("%(name)s님, 안녕하세요.\n\n이 주소로 스마트공장 아카데미 가입 신청이 들어왔지만, 이미 가입된 주소입니다. "
              "본인이라면 로그인해 주세요. 비밀번호가 기억나지 않으면 아래 주소에서 재설정할 수 있습니다.\n\n%(link)s\n\n"
              "신청하지 않았다면 이 메일을 무시하셔도 됩니다.\n\n스마트공장 아카데미",
              name=user.name, link=_public_url("accounts.forgot_password"))
    send_mail(user.email, str(_l("[스마트공장 아카데미] 가입 신청 안내")), str(body), kind="already_registered")


def confirm_email(token: str) -> User:
    """Finish a self-registration from its mailed link; ValidationError when the link
    is expired, tampered with or already used."""
    user = user_from_token(token, CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if not user.email_confirm_pending:
        raise ValidationError(_l("이미 가입을 마친 계정입니다. 로그인해 주세요."))
    user.email_confirm_pending = False
    record(user, "account.email_confirmed", user)
    db.session.flush()
    return user


def current_consents(user: User) -> dict[str, bool]:
    """The latest answer per consent item."""
    rows = db.session.execute(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.recorded_at,
                                                                               ConsentRecord.id)).scalars()
    out: dict[str, bool] = {}
    for r in rows:
        out[r.item] = r.granted
    return out


def update_optional_consents(user: User, answers: dict[str, bool]) -> None:
    """Record changed answers to optional items (new rows; old ones stay as history)."""
    now_state = current_consents(user)
    version = current_app.config["CONSENT_VERSION"]
    for item in CONSENT_ITEMS:
        if item.required or item.key not in answers:
            continue
        if bool(answers[item.key]) != now_state.get(item.key, False):
            db.session.add(ConsentRecord(user_id=user.id, item=item.key, required=False,
                                         granted=bool(answers[item.key]), text_version=version, recorded_at=utcnow()))
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (the caller shows one generic message).

    Every path costs one password hash: an unknown address, an invited account without
    a password and a deactivated account take as long as a wrong password (ASVS 5.0 V6.3.8)."""
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        spend_password_check(password)
        return None
    if not user.check_password(password or "") or not user.active or user.email_confirm_pending:
        return None
    return user


def spend_password_check(password: str | None) -> None:
    """Check ``password`` against a dummy hash: the time of a real check, no result."""
    from werkzeug.security import check_password_hash, generate_password_hash

    if not _DUMMY:
        _DUMMY.append(generate_password_hash("not-a-real-password"))
    check_password_hash(_DUMMY[0], password or "")


_DUMMY: list[str] = []


def mark_login(user: User) -> None:
    """Remember when the user last logged in."""
    user.last_login_at = utcnow()
    user.last_active_at = user.last_login_at
    db.session.flush()


def logout_everywhere(user: User) -> None:
    """End every session of ``user``: the session id embeds the version the loader checks."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def change_password(user: User, current: str, new: str, confirm: str | None = None) -> None:
    """Change a password after checking the current one; ends all other sessions."""
    if not user.check_password(current or ""):
        raise ValidationError(_l("현재 비밀번호가 올바르지 않습니다."))
    validate_password(new, confirm, user=user)
    user.set_password(new)
    logout_everywhere(user)


def set_locale(user: User, locale: str) -> None:
    """Save the user's interface language (ko or en)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationError(_l("지원하지 않는 언어입니다."))
    user.locale = locale
    db.session.flush()


def update_profile(user: User, *, name: str, phone: str | None, birth_date: date | None, locale: str) -> None:
    """Change the fields a user may set on themselves (never role, institution or status)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_l("이름을 입력해 주세요."))
    if birth_date is not None and (birth_date > today_kst() or birth_date.year < 1900):
        raise ValidationError(_l("생년월일을 확인해 주세요."))
    user.name = name[:64]
    user.phone = (phone or "").strip() or None
    user.birth_date = birth_date
    set_locale(user, locale)


# ---------------------------------------------------------------- signed links

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Changes when the password changes (every new hash has a fresh salt), so a link
    # works once. Not tied to the session version: a logout elsewhere or a role change
    # should not spoil a reset link the user is about to open.
    # A digest, because the token payload is readable (signed, not encrypted).
    raw = f"{user.id}|{user.password_hash or ''}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def make_token(user: User, salt: str) -> str:
    """A signed token naming ``user`` and the current state of the password."""
    return _serializer(salt).dumps({"u": user.id, "f": _fingerprint(user)})


def _public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    from flask import has_request_context

    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return base + path


def make_password_reset_link(user: User) -> str:
    """An absolute link to the reset form, valid for PASSWORD_RESET_MAX_AGE seconds, once."""
    return _public_url("accounts.reset_password", token=make_token(user, RESET_SALT))


def make_invitation_link(user: User) -> str:
    """An absolute link to set a first password, valid for INVITATION_MAX_AGE seconds, once."""
    return _public_url("accounts.accept_invitation", token=make_token(user, INVITE_SALT))


def user_from_token(token: str, salt: str, max_age: int) -> User:
    """The user a token names; ValidationError with a clear message when the link is
    expired, already used (the password changed since) or tampered with."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError(_l("링크의 유효 기간이 지났습니다. 새 링크를 요청해 주세요.")) from None
    except BadSignature:
        raise ValidationError(_l("올바르지 않은 링크입니다. 받은 링크 주소 전체를 그대로 열었는지 확인해 주세요.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise ValidationError(_l("올바르지 않은 링크입니다. 받은 링크 주소 전체를 그대로 열었는지 확인해 주세요."))
    if data.get("f") != _fingerprint(user):
        raise ValidationError(_l("이미 사용한 링크입니다. 새 링크가 필요하면 다시 요청해 주세요."))
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active account. Says nothing
    either way (the view shows the same message), so addresses cannot be probed."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _l("%(name)s님, 안녕하세요.\n\n아래 링크에서 새 비밀번호를 설정해 주세요. 링크는 %(minutes)d분 동안 한 번만 쓸 수 있습니다.\n\n"
              "%(link)s\n\n비밀번호 재설정을 요청하지 않았다면 이 메일을 무시하셔도 됩니다.\n\n스마트공장 아카데미",
              name=user.name, minutes=minutes, link=make_password_reset_link(user))
    send_mail(user.email, str(_l("[스마트공장 아카데미] 비밀번호 재설정 안내")), str(body), kind="password_reset")


def reset_password(token: str, password: str, confirm: str | None = None) -> User:
    """Set a new password from a reset link; the link then stops working and every session ends."""
    user = user_from_token(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    validate_password(password, confirm, user=user)
    user.set_password(password)
    user.email_confirm_pending = False  # the link proved the mailbox
    logout_everywhere(user)
    record(user, "account.password_reset", user)
    return user


def send_invitation(user: User) -> str:
    """Mail ``user`` a link to set their first password; returns the link."""
    link = make_invitation_link(user)
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    body = _l("%(name)s님, 안녕하세요.\n\n스마트공장 아카데미 계정이 만들어졌습니다. 아래 링크에서 비밀번호를 설정하면 "
              "바로 로그인할 수 있습니다. 링크는 %(days)d일 동안 유효합니다.\n\n%(link)s\n\n스마트공장 아카데미",
              name=user.name, days=days, link=link)
    send_mail(user.email, str(_l("[스마트공장 아카데미] 계정 초대")), str(body), kind="invitation")
    return link


def accept_invitation(token: str, password: str, confirm: str | None = None) -> User:
    """Set the first password of an invited account (or a new one if an admin re-invited)."""
    user = user_from_token(token, INVITE_SALT, current_app.config["INVITATION_MAX_AGE"])
    validate_password(password, confirm, user=user)
    user.set_password(password)
    user.email_confirm_pending = False
    logout_everywhere(user)
    record(user, "account.invitation_accepted", user)
    return user


# ---------------------------------------------------------------- staff accounts (admin)

def create_staff(actor, *, email: str, name: str, role: str, institution=None,
                 password: str | None = None) -> User:
    """An admin creates an instructor, ministry or admin account; without a password an
    invitation is mailed. Instructors belong to an institution."""
    if role not in STAFF_ROLES:
        raise ValidationError(_l("직원 계정의 역할은 교강사, 정부 담당자, 관리자 중 하나입니다."))
    if role == "instructor" and institution is None:
        raise ValidationError(_l("교강사는 소속 기관을 선택해야 합니다."))
    user = create_user(email, name, role, password, institution=institution if role == "instructor" else None)
    record(actor, "account.create", user, role=role)
    if password is None:
        send_invitation(user)
    return user


def set_active(actor, user: User, active: bool) -> None:
    """Deactivate (ends every session at once) or reactivate an account."""
    if getattr(actor, "id", None) == user.id and not active:
        raise ValidationError(_l("자기 자신의 계정은 비활성화할 수 없습니다."))
    if active and user.pseudonymised_at is not None:
        raise ValidationError(_l("탈퇴 처리(가명처리)된 계정은 다시 활성화할 수 없습니다."))
    if user.active == active:
        return
    user.active = active
    if not active:
        logout_everywhere(user)
    record(actor, "account.activate" if active else "account.deactivate", user)
    db.session.flush()


def change_role(actor, user: User, role: str, institution=None) -> None:
    """Change a user's role (audited). Their sessions end so the new rights apply at once."""
    if role not in ROLES:
        raise ValidationError(_l("알 수 없는 역할입니다."))
    if role == "meister" or user.role == "meister":
        # A meister has a profile and placements: recruited and deactivated in the meister screens.
        raise ValidationError(_l("마이스터 계정은 마이스터 관리 화면에서 모집하고 비활성화합니다."))
    if getattr(actor, "id", None) == user.id and role != "admin":
        raise ValidationError(_l("자기 자신의 관리자 권한은 해제할 수 없습니다."))
    if role == "instructor" and institution is None and user.institution_id is None:
        raise ValidationError(_l("교강사는 소속 기관을 선택해야 합니다."))
    old = user.role
    new_inst = getattr(institution, "id", institution)
    if old == role and (new_inst is None or new_inst == user.institution_id):
        return
    user.role = role
    if new_inst is not None:
        user.institution_id = new_inst
    logout_everywhere(user)
    record(actor, "account.role_change", user, old=old, new=role, institution_id=user.institution_id)
    db.session.flush()


def search_users(q: str | None = None, role: str | None = None):
    """A select() of users filtered by name/e-mail text and role, newest first."""
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    return stmt
