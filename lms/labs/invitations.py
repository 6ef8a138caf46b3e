"""Cohort invitations: how a roster import reaches an account that belongs elsewhere.

A roster import adds directly only new accounts (which it creates) and this
institution's own trainees (:func:`own_trainee_ids`). Any other existing account,
whatever its role, is never added: the import only invites it (:func:`invite`),
and the roster preview says "will be invited" for it exactly as for an address
that has no account, so an instructor learns nothing about who has an account.

The invitation is mailed as a link with a signed token (itsdangerous, salt
``labs.cohort-invitation``) holding the invitation id and a random secret whose
SHA-256 digest alone is stored. The link expires after INVITATION_MAX_AGE seconds
(also stored as ``expires_at``), works only for the invited account while signed
in, and once (accepting or declining answers it for good). Accepting joins the
cohort with :func:`lms.labs.roster.join_cohort`; until then the cohort's staff see
nothing of the person.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select, update

from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.outbox import send_mail
from lms.errors import NotFound, ValidationError
from lms.extensions import db
from lms.labs.models import Cohort, CohortInvitation, CohortMember, Programme

SALT = "labs.cohort-invitation"


def own_trainee_ids(cohort: Cohort, user_ids) -> set[int]:
    """Which of ``user_ids`` are trainees of the cohort's own institution: trainee
    accounts attached to it (``users.institution_id``) or already on any roster of a
    programme it runs. One query whatever the number of ids (chunked by 500)."""
    from lms.accounts.models import User

    inst = cohort.programme.institution_id
    ids = list(user_ids)
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        on_roster = (select(CohortMember.user_id).join(Cohort, Cohort.id == CohortMember.cohort_id)
                     .join(Programme, Programme.id == Cohort.programme_id)
                     .where(Programme.institution_id == inst))
        out.update(db.session.execute(
            select(User.id).where(User.id.in_(chunk), User.role == "trainee",
                                  or_(User.institution_id == inst, User.id.in_(on_roster)))
        ).scalars())
    return out


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _max_age() -> int:
    return int(current_app.config.get("INVITATION_MAX_AGE", 14 * 24 * 3600))


def _link(token: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if has_request_context():
        path = url_for("labs.cohort_invitation", token=token)
    else:
        with current_app.test_request_context("/"):
            path = url_for("labs.cohort_invitation", token=token)
    return base + path


def pending(cohort: Cohort, user) -> CohortInvitation | None:
    """The unanswered, unexpired invitation of ``user`` to ``cohort``, if any."""
    return db.session.execute(
        select(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id, CohortInvitation.user_id == user.id,
                                       CohortInvitation.answered_at.is_(None),
                                       CohortInvitation.expires_at > utcnow())
    ).scalars().first()


def invite(cohort: Cohort, user, actor, *, sponsor=None, student_number: str | None = None) -> str | None:
    """Mail ``user`` an invitation to join ``cohort``; returns the link, or None when
    nothing was sent (an invitation is already pending, or the account is not an
    active trainee: staff accounts are never put on a roster). Writes no membership."""
    if user.role != "trainee" or not user.active:
        record(actor, "cohort.invitation_skipped", cohort)
        return None
    if pending(cohort, user) is not None:
        return None
    secret = secrets.token_urlsafe(32)
    inv = CohortInvitation(cohort_id=cohort.id, user_id=user.id, invited_by_id=getattr(actor, "id", None),
                           sponsor_company_id=getattr(sponsor, "id", None), student_number=student_number,
                           secret_digest=_digest(secret), expires_at=utcnow() + timedelta(seconds=_max_age()))
    db.session.add(inv)
    db.session.flush()
    link = _link(_serializer().dumps({"i": inv.id, "s": secret}))
    programme = cohort.programme
    send_mail(user.email, _("[스마트공장 아카데미] %(cohort)s 기수 참여 요청", cohort=cohort.label),
              _("%(name)s님, %(institution)s의 %(programme)s %(cohort)s 명단에 회원님의 이메일이 올라왔습니다.\n"
                "수락하면 이 기수에 등록되고, 이 기수의 강사가 회원님의 이름, 연락처와 이 기수에서의 학습 기록을 "
                "보게 됩니다. 수락하기 전에는 아무것도 공유되지 않습니다.\n"
                "로그인한 뒤 아래 링크에서 수락하거나 거절해 주세요. 링크는 %(days)d일 동안 한 번만 쓸 수 있습니다.\n\n"
                "%(link)s\n\n요청한 적이 없다면 이 메일을 무시하셔도 됩니다.",
                name=user.name, institution=programme.institution.name_ko, programme=programme.name_ko,
                cohort=cohort.label, days=max(1, _max_age() // 86400), link=link),
              kind="labs.cohort_invitation")
    record(actor, "cohort.invite", cohort, invitation_id=inv.id)
    return link


def load(token: str, user) -> CohortInvitation:
    """The invitation a link names, for the signed-in ``user``.

    Raises NotFound when the token is forged, names another account or no
    invitation (nothing is revealed); ValidationError (Korean message) when it
    expired or was already answered."""
    try:
        data = _serializer().loads(token or "", max_age=_max_age())
    except SignatureExpired:
        raise ValidationError(_("초대 링크의 유효 기간이 지났습니다. 기수 담당 강사에게 다시 요청해 주세요.")) from None
    except BadSignature:
        raise NotFound() from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("s"), str):
        raise NotFound()
    inv = db.session.get(CohortInvitation, data["i"])
    if inv is None or not hmac.compare_digest(inv.secret_digest, _digest(data["s"])) or inv.user_id != user.id:
        raise NotFound()
    if inv.answered_at is not None:
        raise ValidationError(_("이미 답한 초대입니다. 링크는 한 번만 쓸 수 있습니다."))
    if inv.expires_at <= utcnow():
        raise ValidationError(_("초대 링크의 유효 기간이 지났습니다. 기수 담당 강사에게 다시 요청해 주세요."))
    return inv


def answer(token: str, user, accept: bool) -> CohortInvitation:
    """Accept (join the cohort and its courses) or decline; either way the link is spent.
    Raises as :func:`load`."""
    from lms.labs.roster import join_cohort

    inv = load(token, user)
    # Spend the link atomically: of two concurrent answers only one updates the row.
    spent = db.session.execute(
        update(CohortInvitation).where(CohortInvitation.id == inv.id, CohortInvitation.answered_at.is_(None))
        .values(answered_at=utcnow(), accepted=bool(accept)).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise ValidationError(_("이미 답한 초대입니다. 링크는 한 번만 쓸 수 있습니다."))
    db.session.refresh(inv)
    if accept:
        join_cohort(inv.cohort, user, inv.sponsor, inv.student_number)
    record(user, "cohort.invitation_accepted" if accept else "cohort.invitation_declined", inv.cohort,
           invitation_id=inv.id)
    db.session.flush()
    return inv
