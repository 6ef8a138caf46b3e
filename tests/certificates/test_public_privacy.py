"""Issue 9 item 2 (public half): nothing internal reaches a public page.

The revocation reason, re-issue reasons, staff names and e-mail addresses, the holder's
e-mail, full name and birth date stay off the verification form result, the QR page and
the PDF upload check (and off the copies a download hands out), in Korean and English.
"""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from lms.certificates import services
from lms.certificates.pdf import render_certificate
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user

REASON = "내부감사 메모 XQ-7731: 담당 kim.audit@example.kr 확인, 출석부 위조"
REISSUE_REASON = "민원 ZR-5519 처리 메모"


@pytest.fixture
def revoked(cert):
    cert.user.email = "holder.private@example.kr"
    issued_pdf = render_certificate(cert)
    staff = make_user(role="admin", email="revoker.xq@example.kr", name="감사관김철수")
    services.revoke(cert, staff, REASON)
    db.session.commit()
    return cert, issued_pdf, staff


@pytest.fixture
def superseded(cert):
    staff = make_user(role="admin", email="reissuer.zr@example.kr", name="정정담당박영희")
    new = services.reissue(cert, staff, name="홍길순", reason=REISSUE_REASON)
    db.session.commit()
    return cert, new, staff


def _secrets(cert, staff) -> list[str]:
    return [REASON, "XQ-7731", "kim.audit@example.kr", REISSUE_REASON, "ZR-5519", staff.email, staff.name,
            cert.user.email, "홍길동", "1990-01-02", "1990. 1. 2.", "1990.1.2"]


def _shown(resp) -> str:
    """The page without its forms: a visitor's own typed birth date or name may be echoed there."""
    return re.sub(r"<form.*?</form>", "", resp.get_data(as_text=True), flags=re.S)


def _public_pages(client, cert, issued_pdf, downloaded):
    for lang in ("ko", "en"):
        yield client.post(f"/verify?lang={lang}", data={"number": cert.number, "birth_date": "1990-01-02"}, follow_redirects=True)
        yield client.post("/verify", data={"number": cert.number, "name": cert.snapshot["name"]}, follow_redirects=True)
        yield client.get(f"/verify/{cert.verification_code}?lang={lang}")
        for pdf in (issued_pdf, downloaded):
            yield client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(pdf), "c.pdf")},
                              content_type="multipart/form-data")


def test_revocation_reason_and_staff_never_on_public_pages(client, revoked):
    cert, issued_pdf, staff = revoked
    login(client, cert.user)
    downloaded = client.get(f"/certificates/{cert.number}.pdf").data
    with client.session_transaction() as sess:
        sess.clear()
    pages = list(_public_pages(client, cert, issued_pdf, downloaded))
    assert len(pages) == 10
    for r in pages:
        html = _shown(r)
        assert r.status_code == 200 and 'class="card cert-result cert-revoked"' in html
        for secret in _secrets(cert, staff):
            assert secret not in html, secret
    text = "".join(PdfReader(io.BytesIO(downloaded)).pages[0].extract_text().split())
    assert "XQ-7731" not in text and "".join(REASON.split()) not in text


def test_reissue_reason_and_staff_never_on_public_pages(client, superseded):
    old, new, staff = superseded
    for cert in (old, new):
        html = _shown(client.get(f"/verify/{cert.verification_code}"))
        for secret in _secrets(cert, staff):
            assert secret not in html, secret
