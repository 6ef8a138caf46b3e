"""Issue 8, "A certificate says the same everywhere": every path that shows or hands out a
certificate shows the state of ``lms.certificates.state.state_of``, at the Korean date today.

The matrix: 7 paths (trainee's list, PDF download, cohort ZIP, cohort merged PDF, /verify
form, QR link, PDF upload check) × 4 states (valid, expired, revoked, superseded).
"valid" is the boundary case: the certificate's printed last day ("유효기간: …까지") is today
in Korea, which the old code called expired on some paths. "expired": that day was yesterday.
A revoked or superseded certificate never leaves the system looking valid: downloads are
stamped void and cohort downloads leave it out.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pypdf import PdfReader

from lms.certificates import services
from lms.certificates.pdf import render_certificate
from lms.certificates.state import state_of
from lms.core.timeutil import KST, today_kst
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment, job_file
from tests.conftest import login
from tests.factories import make_user
from tests.exports import download

STATES = ("valid", "expired", "revoked", "superseded")
PATHS = ("trainee_list", "pdf_download", "cohort_zip", "cohort_pdf", "verify_form", "qr_link", "pdf_upload")

# What a person reads, per state, on each kind of output (literal text, not the code's tables).
LIST_BADGE = {"유효": "valid", "만료": "expired", "취소됨": "revoked", "재발급으로 대체됨": "superseded"}
PUBLIC_HEADLINE = {
    "유효한 수료증입니다": "valid",
    "유효기간이 지난 수료증입니다": "expired",
    "취소된 수료증입니다": "revoked",
    "재발급되어 더 이상 사용되지 않는 수료증입니다": "superseded",
}
PDF_BANNER = {  # compact (whitespace removed) text of the banner on a stamped copy
    "이수료증은유효기간이지났습니다.": "expired",
    "이수료증은발급기관이취소하여효력이없습니다.": "revoked",
    "이수료증은재발급되어효력이없습니다.": "superseded",
}
LEFT_OUT = "left out"


def _kst_midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=KST).astimezone(timezone.utc)


def _as_issued(cert, expires_at):
    """Give ``cert`` a validity as if it had been issued with it (the stored hash follows)."""
    cert.expires_at = expires_at
    cert.pdf_sha256 = hashlib.sha256(render_certificate(cert)).hexdigest()
    db.session.flush()
    return cert


@pytest.fixture
def setup(cohort, institution):
    """(certificate in the wanted state, the PDF the holder received at issue, helpers)."""
    teacher = make_user(role="instructor", institution=institution)
    cohort.instructors.append(teacher)
    # A second, valid certificate in the cohort, so a cohort download exists in every case.
    services.issue_for_enrollment(completed_enrollment(cohort=cohort))
    cert = services.issue_for_enrollment(completed_enrollment(cohort=cohort))
    db.session.flush()

    def make(state: str):
        today = today_kst()
        last_day = today if state != "expired" else today - timedelta(days=1)
        _as_issued(cert, _kst_midnight(last_day))
        issued_pdf = render_certificate(cert)
        admin = make_user(role="admin")
        if state == "revoked":
            services.revoke(cert, admin, "출석부 조작 확인")
        elif state == "superseded":
            services.reissue(cert, admin, name="홍길순", reason="성명 정정")
        db.session.commit()
        assert state_of(cert) == state
        return cert, issued_pdf, teacher

    return make


def _compact(text: str) -> str:
    return "".join(text.split())


def _pdf_state(data: bytes, cert) -> str:
    """The state a reader of this PDF sees: a stamped banner, or none (looks valid)."""
    text = _compact(PdfReader(io.BytesIO(data)).pages[0].extract_text())
    assert cert.number in text
    seen = [s for banner, s in PDF_BANNER.items() if banner in text]
    assert len(seen) <= 1
    if not seen:
        # Looks valid: then it must be exactly the issued document.
        assert hashlib.sha256(data).hexdigest() == cert.pdf_sha256
    return seen[0] if seen else "valid"


def _public_state(html: str) -> str:
    seen = [s for headline, s in PUBLIC_HEADLINE.items() if headline in html]
    assert len(seen) == 1, seen
    return seen[0]


def observe(path: str, client, cert, issued_pdf, teacher) -> str:
    """The state ``path`` shows for ``cert`` (or LEFT_OUT when a cohort download omits it)."""
    if path == "trainee_list":
        login(client, cert.user)
        html = client.get("/certificates").get_data(as_text=True)
        items = [chunk for chunk in html.split('class="card cert-item"')[1:] if f"제 {cert.number} 호" in chunk]
        assert len(items) == 1
        badge = re.search(r'<span class="badge [^"]*">([^<]+)</span>', items[0]).group(1).strip()
        state = LIST_BADGE[badge]
        if state in ("revoked", "superseded"):  # nothing on the list hands it out
            assert f"/certificates/{cert.number}.pdf" not in items[0]
        return state
    if path == "pdf_download":
        login(client, cert.user)
        r = client.get(f"/certificates/{cert.number}.pdf")
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        state = _pdf_state(r.data, cert)
        r_en = client.get(f"/certificates/{cert.number}.pdf?lang=en")
        en_text = PdfReader(io.BytesIO(r_en.data)).pages[0].extract_text()
        en_stamped = any(w in en_text for w in ("REVOKED", "NOT VALID", "EXPIRED"))
        assert en_stamped == (state != "valid")
        return state
    if path == "cohort_zip":
        login(client, teacher)
        r = job_file(client, download(client, f"/certificates/cohorts/{cert.enrollment.cohort_id}/download?format=zip"))
        assert r.status_code == 200
        zf = zipfile.ZipFile(io.BytesIO(r.data))
        names = [n for n in zf.namelist() if n.startswith(cert.number)]
        assert len(names) <= 1
        return _pdf_state(zf.read(names[0]), cert) if names else LEFT_OUT
    if path == "cohort_pdf":
        login(client, teacher)
        r = job_file(client, download(client, f"/certificates/cohorts/{cert.enrollment.cohort_id}/download?format=pdf"))
        assert r.status_code == 200
        reader = PdfReader(io.BytesIO(r.data))
        pages = [p for p in reader.pages if f"제{cert.number}호" in _compact(p.extract_text())]
        assert len(pages) <= 1
        if not pages:
            return LEFT_OUT
        text = _compact(pages[0].extract_text())
        seen = [s for banner, s in PDF_BANNER.items() if banner in text]
        return seen[0] if seen else "valid"
    if path == "verify_form":
        r = client.post("/verify", data={"number": cert.number, "birth_date": "1990-01-02"}, follow_redirects=True)
        by_name = client.post("/verify", data={"number": cert.number, "name": cert.snapshot["name"]}, follow_redirects=True)
        assert _public_state(by_name.get_data(as_text=True)) == _public_state(r.get_data(as_text=True))
        return _public_state(r.get_data(as_text=True))
    if path == "qr_link":
        return _public_state(client.get(f"/verify/{cert.verification_code}").get_data(as_text=True))
    if path == "pdf_upload":
        r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(issued_pdf), "c.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 200
        return _public_state(r.get_data(as_text=True))
    raise AssertionError(path)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("path", PATHS)
def test_every_path_shows_the_same_state(client, setup, path, state):
    cert, issued_pdf, teacher = setup(state)
    seen = observe(path, client, cert, issued_pdf, teacher)
    if path in ("cohort_zip", "cohort_pdf") and state in ("revoked", "superseded"):
        assert seen == LEFT_OUT  # a cohort download is for handing out: void ones stay home
    else:
        assert seen == state


@pytest.mark.parametrize("state", ("expired", "revoked", "superseded"))
def test_a_downloaded_stamped_copy_is_recognised_by_the_upload_check(client, setup, state):
    """What the holder downloads in any state is a genuine copy: the upload check knows it
    and shows the certificate's current state; one changed byte and it does not."""
    cert, _, _ = setup(state)
    login(client, cert.user)
    for lang in ("", "?lang=en"):
        copy = client.get(f"/certificates/{cert.number}.pdf{lang}").data
        r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(copy), "c.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 200 and _public_state(r.get_data(as_text=True)) == state
        assert "상태를 표시해 내려받은 사본과 정확히 일치합니다" in r.get_data(as_text=True)
    tampered = copy.replace(b"/Producer", b"/Producex")
    r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(tampered), "c.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 404


def test_cohort_page_says_how_many_a_download_leaves_out(client, setup):
    cert, _, teacher = setup("revoked")
    login(client, teacher)
    html = client.get(f"/certificates/cohorts/{cert.enrollment.cohort_id}").get_data(as_text=True)
    assert "재발급으로 대체된 수료증 1건은 내려받기에서 제외됩니다" in html


# --- the rule itself, at Korean dates ---------------------------------------------------------

def test_the_printed_last_day_is_valid_in_korea_and_the_next_korean_day_is_not(cert):
    """Expiry 2028-03-01 00:30 KST (2028-02-29 15:30 UTC): the PDF says "2028. 3. 1.까지"."""
    from lms.certificates.snapshot import doc_for

    cert.expires_at = datetime(2028, 2, 29, 15, 30, tzinfo=timezone.utc)
    assert doc_for(cert).expires_on.isoformat() == "2028-03-01"
    # 2028-03-01 10:00 KST: still the printed last day.
    assert services.status_of(cert, datetime(2028, 3, 1, 1, 0, tzinfo=timezone.utc)) == "valid"
    # 2028-03-01 23:59 KST.
    assert services.status_of(cert, datetime(2028, 3, 1, 14, 59, tzinfo=timezone.utc)) == "valid"
    # 2028-03-02 00:00 KST is still 2028-03-01 in UTC: expired in Korea.
    assert services.status_of(cert, datetime(2028, 3, 1, 15, 0, tzinfo=timezone.utc)) == "expired"


# The fixture's certificate is only re-dated per example (every example sets expires_at first).
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expires=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31)),
       delta_minutes=st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60))
def test_state_follows_the_printed_korean_date_for_all_instants(cert, expires, delta_minutes):
    """For every expiry instant and every moment around it: expired exactly when the Korean date
    of the moment is after the Korean date printed on the certificate."""
    from lms.certificates.snapshot import doc_for

    expires = expires.replace(tzinfo=timezone.utc)
    cert.expires_at = expires
    now = expires + timedelta(minutes=delta_minutes)
    printed = doc_for(cert).expires_on
    expected = "expired" if now.astimezone(KST).date() > printed else "valid"
    assert services.status_of(cert, now) == expected
    assert state_of(cert, now.astimezone(KST).date()) == expected


def test_the_strongest_statement_wins(cert):
    """Revoked beats superseded beats expired: a superseded, expired certificate that is then
    revoked reads "revoked" on every page; lists get the same answers in one query."""
    from lms.certificates.state import states_of

    admin = make_user(role="admin")
    cert.expires_at = _kst_midnight(today_kst() - timedelta(days=10))
    assert state_of(cert) == "expired"
    new = services.reissue(cert, admin, name="홍길순", reason="정정")
    assert state_of(cert) == "superseded"
    services.revoke(cert, admin, "중복 발급")
    assert state_of(cert) == "revoked"
    assert states_of([cert, new]) == [state_of(cert), state_of(new)] == ["revoked", "expired"]
