"""What a certificate states, frozen at issue, and the plain document built from it.

The snapshot keys are the contract shared with the demo seed: name, birth_date,
company, course_code, course_title_ko/en, hours, period_start, period_end,
institution_ko/en, head_title_ko/en, head_name_ko/en, completed_on, and ``layout``
(the PDF layout it was issued with, ``lms.certificates.pdf.LAYOUT``; absent = 1, so
certificates issued before it are re-drawn byte for byte as issued).
The certificates package adds three optional keys: ``verify_url`` (the QR target
at issue, so a later change of PUBLIC_BASE_URL does not change a re-render) and
``seal_sha256`` / ``logo_sha256`` (images kept in ``CertificateImage``).
"""
from __future__ import annotations

from datetime import date

from flask import current_app

from lms.certificates.pdf import CertificateDoc
from lms.certificates.state import expires_on
from lms.core.timeutil import to_kst
from lms.extensions import db


def _date(value) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def verify_url_for(code: str) -> str:
    """The public verification URL a QR code opens."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/verify/{code}"


def _image(sha: str | None) -> bytes | None:
    if not sha:
        return None
    from lms.certificates.models import CertificateImage

    img = db.session.get(CertificateImage, sha)
    return img.data if img else None


def doc_for(cert) -> CertificateDoc:
    """The printable document of ``cert``, from its snapshot and stored fields only."""
    s = cert.snapshot or {}
    issued_on = to_kst(cert.issued_at).date()
    completed_on = _date(s.get("completed_on")) or issued_on
    seal = _image(s.get("seal_sha256"))
    if seal is None and "seal_sha256" not in s and cert.institution is not None:
        # Demo-seeded certificates carry no image hash: use the institution's seal.
        seal = cert.institution.seal_png
    return CertificateDoc(
        number=cert.number,
        verification_code=cert.verification_code,
        verify_url=s.get("verify_url") or verify_url_for(cert.verification_code),
        issued_on=issued_on,
        expires_on=expires_on(cert),  # the same last day the state rule uses
        name=s.get("name") or "",
        birth_date=_date(s.get("birth_date")),
        company=s.get("company") or None,
        course_title_ko=s.get("course_title_ko") or "",
        course_title_en=s.get("course_title_en") or "",
        hours=s.get("hours") or 0,
        period_start=_date(s.get("period_start")) or completed_on,
        period_end=_date(s.get("period_end")) or completed_on,
        institution_ko=s.get("institution_ko") or "",
        institution_en=s.get("institution_en") or "",
        head_title_ko=s.get("head_title_ko") or "",
        head_title_en=s.get("head_title_en") or "",
        head_name_ko=s.get("head_name_ko") or "",
        head_name_en=s.get("head_name_en") or "",
        seal_png=seal,
        logo_png=_image(s.get("logo_sha256")),
        layout=int(s.get("layout") or 1),  # certificates issued before layouts were numbered: 1
    )
