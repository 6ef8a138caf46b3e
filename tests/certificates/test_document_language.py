"""Issue 8, small things: choosing a document's language never changes the UI language.

``?lang=en`` on a certificate PDF (or a cohort download) picks the document's language;
before, it also saved English as the user's language, so the next login was in English.
"""
from __future__ import annotations

import io

from pypdf import PdfReader

from lms.extensions import db
from tests.certificates.conftest import job_file
from tests.conftest import login
from tests.exports import download


def _next_login_is_korean(client, user):
    client.post("/logout")
    r = client.post("/login", data={"email": user.email, "password": "password123!"}, follow_redirects=True)
    assert r.status_code == 200
    assert '<html lang="ko">' in r.get_data(as_text=True)


def test_english_certificate_download_keeps_the_users_language(client, cert):
    user = cert.user
    assert user.locale == "ko"
    login(client, user)
    r = client.get(f"/certificates/{cert.number}.pdf?lang=en")
    assert r.status_code == 200
    assert "CERTIFICATE OF COMPLETION" in PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    db.session.refresh(user)
    assert user.locale == "ko"
    with client.session_transaction() as sess:
        assert sess.get("locale") != "en"
    assert '<html lang="ko">' in client.get("/certificates").get_data(as_text=True)
    _next_login_is_korean(client, user)


def test_english_cohort_download_keeps_the_instructors_language(client, cert, cohort, institution):
    from tests.factories import make_user

    teacher = make_user(role="instructor", institution=institution)
    cohort.instructors.append(teacher)
    db.session.commit()
    login(client, teacher)
    for fmt in ("zip", "pdf"):
        r = job_file(client, download(client, f"/certificates/cohorts/{cohort.id}/download?format={fmt}&lang=en"))
        assert r.status_code == 200
    r = job_file(client, download(client, f"/certificates/cohorts/{cohort.id}/download?format=pdf&lang=en"))
    assert "CERTIFICATE OF COMPLETION" in PdfReader(io.BytesIO(r.data)).pages[0].extract_text()
    db.session.refresh(teacher)
    assert teacher.locale == "ko"
    assert '<html lang="ko">' in client.get(f"/certificates/cohorts/{cohort.id}").get_data(as_text=True)
    _next_login_is_korean(client, teacher)


def test_the_ui_switch_on_a_page_still_persists(client, cert):
    user = cert.user
    login(client, user)
    assert '<html lang="en">' in client.get("/certificates?lang=en").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"
    # ... and a document's language does not switch it back either.
    client.get(f"/certificates/{cert.number}.pdf?lang=ko")
    db.session.refresh(user)
    assert user.locale == "en"
