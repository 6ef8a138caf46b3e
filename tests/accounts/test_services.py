"""Account services: registration with consent, sessions, reset links and invitations."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import ConsentRecord, User
from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from tests.factories import make_company, make_institution, make_user

ALL_REQUIRED = {"terms": True, "privacy_required": True}


def register(**kw):
    args = dict(name="김훈련", email="Kim@Example.kr", password="password1!", confirm="password1!",
                consents=dict(ALL_REQUIRED))
    args.update(kw)
    return services.register_trainee(**args)


def test_registration_stores_every_consent_with_version_and_time(app):
    user = register(consents={**ALL_REQUIRED, "marketing": True})
    rows = {r.item: r for r in db.session.execute(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id)).scalars()}
    assert set(rows) == {"terms", "privacy_required", "marketing", "third_party"}
    assert rows["terms"].granted and rows["terms"].required
    assert rows["marketing"].granted and not rows["marketing"].required
    assert rows["third_party"].granted is False  # optional, unchecked, stays false
    assert all(r.text_version == app.config["CONSENT_VERSION"] for r in rows.values())
    assert all(r.recorded_at is not None and r.recorded_at.tzinfo is not None for r in rows.values())
    assert user.email == "kim@example.kr" and user.role == "trainee"


def test_registration_requires_required_consents():
    with pytest.raises(ValidationError):
        register(consents={"terms": True, "marketing": True})
    assert services.get_user_by_email("kim@example.kr") is None


def test_registration_password_rules():
    with pytest.raises(ValidationError, match="8자"):
        register(password="short", confirm="short")
    with pytest.raises(ValidationError, match="일치"):
        register(password="password1!", confirm="password2!")


def test_duplicate_email_is_conflict_case_insensitive():
    first = register()
    # Registration does not say so (ASVS 5.0 V6.3.8): no second account, the owner gets a notice.
    assert register(email="KIM@example.kr") is None
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "kim@example.kr")) == 1
    assert first.email_confirm_pending
    kinds = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == "kim@example.kr")
                               .order_by(OutboxMessage.id)).scalars().all()
    assert kinds == ["email_confirm", "already_registered"]
    with pytest.raises(Conflict):
        services.create_user("kim@EXAMPLE.kr", "다른사람")


def test_registration_matches_or_creates_company():
    existing = make_company(name="(주)대한정밀")
    a = register(email="a@example.kr", company_name=" (주)대한정밀 ")
    b = register(email="b@example.kr", company_name="새로운기계")
    assert a.company_id == existing.id
    assert b.company is not None and b.company.name == "새로운기계"


def test_authenticate_is_case_insensitive_and_rejects_inactive():
    user = make_user(email="lee@example.kr", password="password123!")
    assert services.authenticate("LEE@example.kr ", "password123!") is user
    assert services.authenticate("lee@example.kr", "wrong-password") is None
    assert services.authenticate("nobody@example.kr", "password123!") is None
    user.active = False
    assert services.authenticate("lee@example.kr", "password123!") is None


def test_logout_everywhere_changes_session_id():
    user = make_user()
    old = user.get_id()
    services.logout_everywhere(user)
    assert user.get_id() != old
    from lms.accounts.loader import load_user

    assert load_user(old) is None
    assert load_user(user.get_id()) is user


def test_change_password_checks_current_and_ends_sessions():
    user = make_user(password="password123!")
    v = user.session_version
    with pytest.raises(ValidationError):
        services.change_password(user, "wrong", "newpassword1", "newpassword1")
    services.change_password(user, "password123!", "newpassword1", "newpassword1")
    assert user.check_password("newpassword1") and user.session_version == v + 1


def test_reset_request_sends_link_only_for_known_accounts():
    make_user(email="park@example.kr")
    services.request_password_reset("nobody@example.kr")
    services.request_password_reset("PARK@example.kr")
    msgs = db.session.execute(select(OutboxMessage)).scalars().all()
    assert [m.recipient for m in msgs] == ["park@example.kr"]
    assert "/reset/" in msgs[0].body and msgs[0].kind == "password_reset"


def test_reset_token_valid_once(app):
    user = make_user(password="password123!")
    token = services.make_token(user, services.RESET_SALT)
    services.reset_password(token, "brandnew123", "brandnew123")
    assert user.check_password("brandnew123")
    with pytest.raises(ValidationError, match="이미 사용한"):
        services.reset_password(token, "another1234", "another1234")


def test_reset_token_expired_and_tampered(app, monkeypatch):
    user = make_user()
    token = services.make_token(user, services.RESET_SALT)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + app.config["PASSWORD_RESET_MAX_AGE"] + 60)
    with pytest.raises(ValidationError, match="유효 기간"):
        services.reset_password(token, "brandnew123", "brandnew123")
    monkeypatch.setattr(time, "time", real)
    with pytest.raises(ValidationError, match="올바르지 않은"):
        services.reset_password(token[:-3] + "xyz", "brandnew123", "brandnew123")
    # A reset token is not an invitation token (different salt).
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "brandnew123", "brandnew123")


def test_invitation_sets_first_password(app):
    user = services.create_user("invited@example.kr", "초대받은사람", role="trainee")
    assert user.password_hash is None
    assert services.authenticate("invited@example.kr", "") is None
    link = services.make_invitation_link(user)
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/invite/")
    token = link.rsplit("/", 1)[1]
    services.accept_invitation(token, "firstpass1", "firstpass1")
    assert services.authenticate("invited@example.kr", "firstpass1") is user
    with pytest.raises(ValidationError):
        services.accept_invitation(token, "secondpass1", "secondpass1")


def test_create_staff_requires_institution_for_instructor_and_sends_invitation():
    admin = make_user(role="admin")
    with pytest.raises(ValidationError):
        services.create_staff(admin, email="t@example.kr", name="교강사", role="instructor")
    with pytest.raises(ValidationError):
        services.create_staff(admin, email="t@example.kr", name="훈련생", role="trainee")
    inst = make_institution()
    user = services.create_staff(admin, email="t@example.kr", name="교강사", role="instructor", institution=inst)
    assert user.institution_id == inst.id and user.password_hash is None
    msg = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "t@example.kr")).scalar_one()
    assert "/invite/" in msg.body


def test_deactivate_and_role_change_are_audited_and_end_sessions():
    from lms.core.audit import AuditEvent

    admin = make_user(role="admin")
    user = make_user()
    v = user.session_version
    services.set_active(admin, user, False)
    assert not user.active and user.session_version == v + 1
    services.set_active(admin, user, True)
    services.change_role(admin, user, "ministry")
    assert user.role == "ministry"
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).scalars().all()
    assert {"account.deactivate", "account.activate", "account.role_change"} <= set(actions)
    with pytest.raises(ValidationError):
        services.set_active(admin, admin, False)
    with pytest.raises(ValidationError):
        services.change_role(admin, admin, "trainee")


def test_optional_consent_change_keeps_history():
    user = register()
    services.update_optional_consents(user, {"marketing": True, "third_party": False})
    assert services.current_consents(user)["marketing"] is True
    n = db.session.execute(select(ConsentRecord).where(ConsentRecord.user_id == user.id,
                                                       ConsentRecord.item == "marketing")).scalars().all()
    assert len(n) == 2


def test_reset_link_survives_logout_elsewhere_but_not_a_password_change():
    user = make_user(password="password123!")
    token = services.make_token(user, services.RESET_SALT)
    services.logout_everywhere(user)
    assert services.user_from_token(token, services.RESET_SALT, 3600) is user
    services.change_password(user, "password123!", "otherpass1", "otherpass1")
    with pytest.raises(ValidationError, match="이미 사용한"):
        services.user_from_token(token, services.RESET_SALT, 3600)
