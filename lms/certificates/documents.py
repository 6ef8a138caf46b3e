"""Certificate documents as they leave the system: every copy carries the certificate's state.

Every path that hands a PDF out (the trainee's download, the cohort ZIP and
merged PDF, the operator's ``flask certificates render``) and the PDF upload
check go through this module, which asks ``lms.certificates.state`` first:

- ``valid``: the document as issued, byte for byte (its SHA-256 is what the upload check knows);
- ``expired``: the same document stamped "유효기간 만료" / "EXPIRED";
- ``revoked`` / ``superseded``: stamped void ("취소됨 · 효력 없음", "효력 없음 · 재발급됨"),
  and left out of cohort downloads, which are for handing certificates out.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from typing import Callable

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.pdf import merge, render_certificate
from lms.certificates.state import EXPIRED, REVOKED, SUPERSEDED, VALID, VOID, state_of, states_of

LOCALES = ("ko", "en")
# A certificate PDF is about 100 kB; anything far larger is not a stamped copy of one.
_MAX_STAMPED_BYTES = 2 * 1024 * 1024


def _successor_number(cert: Certificate) -> str | None:
    latest = services.latest_in_chain(cert)
    return latest.number if latest is not cert else None


def document(cert: Certificate, locale: str = "ko", today: date | None = None, *,
             state: str | None = None) -> tuple[bytes, str]:
    """(PDF bytes, state) of ``cert`` in ``locale`` ("ko" or "en") as of the Korean date ``today``.

    ``state`` may be passed when already known (lists compute it in one query).
    A valid certificate's PDF is the issued one (its hash is stored on first render).
    """
    locale = "en" if locale == "en" else "ko"
    state = state or state_of(cert, today)
    if state == VALID:
        return services.pdf_for(cert, locale), state
    successor = _successor_number(cert) if state == SUPERSEDED else None
    return render_certificate(cert, locale, state=state, successor_number=successor), state


def file_name(cert: Certificate, locale: str, state: str) -> str:
    """certificate-2026-000123[-en][-expired|-revoked|-superseded].pdf"""
    suffix = ("-en" if locale == "en" else "") + ("" if state == VALID else f"-{state}")
    return f"certificate-{cert.number}{suffix}.pdf"


def _zip_name(cert: Certificate, state: str) -> str:
    return f"{cert.number}.pdf" if state == VALID else f"{cert.number}-{state}.pdf"


@dataclass
class CohortBundle:
    """The certificates of a cohort download: those included (with their PDFs) and those left out."""

    included: list[tuple[Certificate, str, bytes]]  # (certificate, state, pdf)
    left_out: list[tuple[Certificate, str]]  # (certificate, state): revoked or superseded

    def zip_bytes(self) -> bytes:
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for cert, state, data in self.included:
                zf.writestr(_zip_name(cert, state), data)
        return buf.getvalue()

    def merged_pdf(self) -> bytes:
        return merge(data for _, _, data in self.included)


Progress = Callable[[int, int], None]


def _split(cohort, today: date | None):
    certs = services.cohort_certificates(cohort)
    included, left_out = [], []
    for cert, state in zip(certs, states_of(certs, today)):
        (left_out if state in VOID else included).append((cert, state))
    return included, left_out


def cohort_bundle(cohort, locale: str = "ko", today: date | None = None, *,
                  progress: Progress | None = None) -> CohortBundle:
    """The cohort's current certificates: valid ones as issued, expired ones stamped; revoked
    ones (and superseded ones, should a chain end in one) are left out and listed.
    ``progress(done, total)`` after each PDF rendered (total: the certificates included)."""
    wanted, left_out = _split(cohort, today)
    included = []
    for i, (cert, state) in enumerate(wanted, 1):
        included.append((cert, state, document(cert, locale, today, state=state)[0]))
        if progress is not None:
            progress(i, len(wanted))
    return CohortBundle(included, left_out)


FORMATS = {"zip": "application/zip", "pdf": "application/pdf"}


@dataclass
class CohortFile:
    """A cohort download ready to hand out: the bytes, its name and type, and whose data it holds."""

    data: bytes
    filename: str  # certificates-cohort-<id>[-en].zip | .pdf
    mimetype: str
    user_ids: list[int]  # the holders of the certificates included (for the access log)
    left_out: int  # revoked or superseded certificates not included


def cohort_file(cohort, locale: str = "ko", fmt: str = "zip", today: date | None = None, *,
                progress: Progress | None = None) -> CohortFile | None:
    """The cohort's ZIP (``fmt="zip"``, one PDF per certificate) or merged PDF (``"pdf"``) in
    ``locale``, built one certificate at a time (each PDF is added and dropped, so memory
    holds the output, not every PDF twice); None when no certificate is included.
    ``progress(done, total)`` after each certificate. Flushes first-time PDF hashes."""
    import zipfile

    from pypdf import PdfReader, PdfWriter

    if fmt not in FORMATS:
        raise ValueError(f"unknown cohort download format {fmt!r}")
    locale = "en" if locale == "en" else "ko"
    wanted, left_out = _split(cohort, today)
    if not wanted:
        return None
    out = io.BytesIO()
    zf = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) if fmt == "zip" else None
    writer = PdfWriter() if fmt == "pdf" else None
    for i, (cert, state) in enumerate(wanted, 1):
        data = document(cert, locale, today, state=state)[0]
        if zf is not None:
            zf.writestr(_zip_name(cert, state), data)
        else:
            writer.append(PdfReader(io.BytesIO(data)))
        if progress is not None:
            progress(i, len(wanted))
    if zf is not None:
        zf.close()
    else:
        writer.write(out)
    suffix = "-en" if locale == "en" else ""
    return CohortFile(out.getvalue(), f"certificates-cohort-{cohort.id}{suffix}.{fmt}", FORMATS[fmt],
                      [cert.user_id for cert, _state in wanted], len(left_out))


def cohort_left_out(cohort, today: date | None = None) -> list[tuple[Certificate, str]]:
    """(certificate, state) of the cohort's certificates a download leaves out."""
    certs = services.cohort_certificates(cohort)
    return [(c, s) for c, s in zip(certs, states_of(certs, today)) if s in VOID]


def _title(data: bytes) -> tuple[str, str] | None:
    """(number, state) from a stamped copy's title metadata ("수료증 2026-000123 [revoked]")."""
    try:
        from pypdf import PdfReader

        title = str((PdfReader(io.BytesIO(data)).metadata or {}).get("/Title") or "")
    except Exception:  # not a PDF pypdf can read: not one of ours
        return None
    parts = title.split()
    if len(parts) != 3 or not (parts[2].startswith("[") and parts[2].endswith("]")):
        return None
    return parts[1], parts[2][1:-1]


def match_upload(data: bytes) -> tuple[Certificate | None, bool]:
    """(certificate, is_issued_pdf): the certificate of which ``data`` is a copy this
    system made, byte for byte, and whether it is the PDF as issued.

    That is the issued PDF (Korean or English; ``is_issued_pdf`` True), or a stamped
    copy (expired, revoked, superseded) as a download makes it (False). Anything
    else, even one changed byte, answers (None, False). The caller shows the
    certificate's CURRENT state, whichever copy was uploaded.
    """
    cert = services.match_pdf(data)
    if cert is not None:
        return cert, True
    if len(data) > _MAX_STAMPED_BYTES:
        return None, False
    found = _title(data)
    if found is None or found[1] not in (EXPIRED, REVOKED, SUPERSEDED):
        return None, False
    number, state = found
    cert = services.by_number(number)
    if cert is None:
        return None, False
    sha = hashlib.sha256(data).hexdigest()
    successor = _successor_number(cert) if state == SUPERSEDED else None
    for locale in LOCALES:
        if hashlib.sha256(render_certificate(cert, locale, state=state, successor_number=successor)).hexdigest() == sha:
            return cert, False
    return None, False
