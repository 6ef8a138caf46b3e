"""A certificate's state: the one rule every page, document and check uses.

``state_of(cert)`` is the only place that decides whether a certificate is
valid, expired, revoked or superseded. The trainee's list, the PDF download,
the cohort ZIP and merged PDF, the verification pages (form, QR link, PDF
upload) and the CLI all ask it, so a certificate says the same everywhere.

The rule, strongest statement first:

1. ``revoked``    — ``revoked_at`` is set (a revoked re-issue is revoked, not superseded);
2. ``superseded`` — another certificate names it in ``supersedes_id`` (a correction re-issued it);
3. ``expired``    — the Korean date today is after ``expires_on(cert)``, the last day the
   certificate prints as "유효기간: …까지" (so it is valid on that whole Korean day);
4. ``valid``      — otherwise (also when it never expires).

"Today" is the date in Asia/Seoul (``lms.core.timeutil.today_kst``), never the UTC date.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.core.timeutil import to_kst, today_kst
from lms.extensions import db

VALID, EXPIRED, REVOKED, SUPERSEDED = "valid", "expired", "revoked", "superseded"
STATES = (VALID, EXPIRED, REVOKED, SUPERSEDED)
# States in which a certificate no longer attests anything: documents are stamped void.
VOID = (REVOKED, SUPERSEDED)


def expires_on(cert) -> date | None:
    """The last valid day (Korean date of ``expires_at``), as printed on the PDF; None: never expires."""
    return to_kst(cert.expires_at).date() if cert.expires_at is not None else None


def _superseded_ids(ids) -> set[int]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return set()
    from lms.certificates.models import Certificate

    return set(db.session.execute(
        select(Certificate.supersedes_id).where(Certificate.supersedes_id.in_(ids))
    ).scalars())


def state_of(cert, today: date | None = None, *, superseded: bool | None = None) -> str:
    """``cert``'s state on the Korean date ``today`` (default: today in Asia/Seoul).

    ``superseded`` may be given when the caller already knows whether a successor
    exists (``states_of`` does, for lists); otherwise one query finds out.
    Returns one of ``STATES``.
    """
    if cert.revoked_at is not None:
        return REVOKED
    if superseded is None:
        superseded = cert.id is not None and cert.id in _superseded_ids([cert.id])
    if superseded:
        return SUPERSEDED
    last_day = expires_on(cert)
    if last_day is not None and (today or today_kst()) > last_day:
        return EXPIRED
    return VALID


def states_of(certs, today: date | None = None) -> list[str]:
    """``state_of`` for each of ``certs`` (same order) with one query in all."""
    certs = list(certs)
    today = today or today_kst()
    superseded = _superseded_ids([c.id for c in certs])
    return [state_of(c, today, superseded=c.id in superseded) for c in certs]
