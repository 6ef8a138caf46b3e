"""Account deletion at the person's request: erase or pseudonymise, never drop rows
(PIPA Art. 21 destruction, Art. 36 erasure, Art. 2(1-2) pseudonymisation; ASVS 5.0 V8.3.2).

Rows that are evidence or statistics stay, linked to the same user id: enrollments,
progress, quiz attempts, attendance, sign-offs, cohort memberships, consent records,
certificates and audit events. So the ministry's counts do not move and an issued
certificate still verifies on /verify, which shows only the masked name of the
certificate's frozen snapshot.

Per field of ``users`` (the reasons are in docs/ARCHITECTURE.md):

========================  ==========================================================
name                      masked (홍길동 -> 홍*동, lms.core.masking), as /verify shows it
email                     ``deleted-<id>@deleted.invalid`` (unique, undeliverable)
phone, birth_date         erased
company_id                kept: the employer's size and region feed the statistics
institution_id, role      kept (statistics, the staff screens' grouping)
password_hash, TOTP       erased, recovery codes deleted: nobody can log in
active                    False, ``session_version`` bumped: every session ends
last_login_at             erased; ``created_at`` and ``last_active_at`` kept (statistics)
pseudonymised_at          set: the account cannot be reactivated
========================  ==========================================================

Also: bookings on sessions that have not started are cancelled, freeing the seats for the
waiting list; pending cohort invitations are answered as declined; a cohort's student
number is erased; mail in the outbox addressed to the person loses its address and body.

Only trainee accounts are deleted this way. Staff (instructors, ministry, admins) and
meisters sign evidence others rely on (sign-offs, attendance, visit confirmations):
their accounts are deactivated by an admin instead.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.accounts.models import RecoveryCode, User
from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.masking import mask_name
from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.labs import booking
from lms.labs.models import Booking, CohortInvitation, CohortMember, LabSession

ERASED_BODY = "(탈퇴한 회원에게 보낸 메일: 본문을 지웠습니다.)"


def placeholder_email(user_id: int) -> str:
    """The unique address a deleted account keeps (``.invalid`` never resolves, RFC 2606)."""
    return f"deleted-{user_id}@deleted.invalid"


def check_may_delete(user: User) -> None:
    """Raise ValidationError (Korean message) when ``user``'s account cannot be deleted this way."""
    if user.pseudonymised_at is not None:
        raise Conflict(_l("이미 탈퇴 처리된 계정입니다."))
    if user.role != "trainee":
        raise ValidationError(_l("직원·마이스터 계정은 스스로 탈퇴할 수 없습니다. 계정 정리는 관리자에게 요청해 주세요. "
                                 "관리자가 계정을 비활성화합니다."))


def delete_own_account(user: User, password: str, confirmed: bool) -> User:
    """The person deletes their own account after typing the password again and ticking
    the confirmation. Raises ValidationError with a clear message otherwise."""
    check_may_delete(user)
    if not confirmed:
        raise ValidationError(_l("탈퇴 안내를 확인했다는 항목에 표시해 주세요."))
    if not user.check_password(password or ""):
        raise ValidationError(_l("현재 비밀번호가 올바르지 않습니다."))
    return pseudonymise(user, actor=user)


def pseudonymise(user: User, actor, *, reason: str | None = None) -> User:
    """Erase or mask ``user``'s personal fields (see the module docstring). Audited;
    flushes. ``actor`` is the person themself or the admin acting on their request."""
    check_may_delete(user)
    cancelled = _cancel_pending_bookings(user)
    now = utcnow()
    old_email = user.email
    db.session.execute(update(CohortInvitation).where(CohortInvitation.user_id == user.id,
                                                      CohortInvitation.answered_at.is_(None))
                       .values(answered_at=now, accepted=False).execution_options(synchronize_session=False))
    db.session.execute(update(CohortMember).where(CohortMember.user_id == user.id)
                       .values(student_number=None).execution_options(synchronize_session=False))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.recipient == old_email)
                       .values(recipient=placeholder_email(user.id), body=ERASED_BODY)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    user.name = mask_name(user.name) or "*"
    user.email = placeholder_email(user.id)
    user.phone = None
    user.birth_date = None
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.last_login_at = None
    user.email_confirm_pending = False
    user.consent_pending = False
    user.active = False
    user.session_version = (user.session_version or 0) + 1
    user.pseudonymised_at = now
    by = "self" if getattr(actor, "id", None) == user.id else "admin"
    details = {"by": by, "bookings_cancelled": cancelled}
    if reason:
        details["reason"] = reason
    record(actor, "account.pseudonymise", user, **details)
    db.session.flush()
    return user


def _cancel_pending_bookings(user: User) -> int:
    """Cancel the seats and waiting places on sessions that have not started (a seat in a
    started or past session is the attendance record and stays); the next trainee waiting
    is promoted. One cancellation per booking, in session order (no lock cycles)."""
    ids = db.session.execute(
        select(Booking.id).join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.user_id == user.id, Booking.status.in_(booking.ACTIVE_STATUSES),
               sa.or_(LabSession.starts_at > utcnow(), Booking.status == "waitlisted"))
        .order_by(Booking.session_id, Booking.id)).scalars().all()
    for booking_id in ids:
        booking.cancel_booking(user, booking_id, by_staff=True)
    return len(ids)
