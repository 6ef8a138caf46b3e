"""The cohort download built one certificate at a time (documents.cohort_file): the same files
as before, progress per certificate, revoked ones left out, the holders named for the access log."""
from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader

from lms.certificates import documents, services
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment
from tests.factories import make_user


def test_zip_and_merged_pdf_report_progress_and_leave_revoked_out(cohort):
    certs = [services.issue_for_enrollment(completed_enrollment(cohort=cohort)) for _ in range(3)]
    services.revoke(certs[1], make_user(role="admin"), "잘못 발급")
    db.session.flush()
    seen = []
    out = documents.cohort_file(cohort, "ko", "zip", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    assert out.mimetype == "application/zip" and out.filename == f"certificates-cohort-{cohort.id}.zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(out.data)).namelist()) == sorted(
        f"{c.number}.pdf" for c in (certs[0], certs[2]))
    assert sorted(out.user_ids) == sorted([certs[0].user_id, certs[2].user_id]) and out.left_out == 1
    pdf = documents.cohort_file(cohort, "en", "pdf")
    assert pdf.filename.endswith("-en.pdf") and len(PdfReader(io.BytesIO(pdf.data)).pages) == 2
    assert "CERTIFICATE OF COMPLETION" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()


def test_nothing_to_download_is_none(cohort):
    assert documents.cohort_file(cohort, "ko", "zip") is None
