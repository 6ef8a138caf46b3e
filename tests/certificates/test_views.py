"""Pages: public verification states, masking, rate limit, PDF upload, downloads, revocation by role,
cohort issuing and downloads, institution images, CLI."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from lms.certificates import services, verify as ratelimit
from lms.certificates.pdf import render_certificate
from lms.core.db import utcnow
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment, job_file, queued_job
from tests.conftest import login
from tests.factories import make_institution, make_user
from tests.exports import download


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_verify_code_valid_shows_masked_name_only(client, cert):
    r = client.get(f"/verify/{cert.verification_code}")
    assert r.status_code == 200
    html = _text(r)
    assert "유효한 수료증입니다" in html
    assert "홍*동" in html and "홍길동" not in html
    assert "1990" not in html  # no birth date on the public page
    assert "스마트공장 기초" in html and "한국스마트대학교" in html and cert.number in html
    assert "2026. 3. 2." in html


def test_verify_code_unknown_is_404(client, cert):
    r = client.get("/verify/" + "x" * 32)
    assert r.status_code == 404
    assert "수료증을 찾을 수 없습니다" in _text(r)


def test_verify_code_expired_revoked_superseded(client, cert):
    cert.expires_at = utcnow() - timedelta(days=2)
    db.session.flush()
    assert "유효기간이 지난 수료증입니다" in _text(client.get(f"/verify/{cert.verification_code}"))
    cert.expires_at = None
    admin = make_user(role="admin")
    new = services.reissue(cert, admin, name="홍길순", reason="성명 정정")
    html = _text(client.get(f"/verify/{cert.verification_code}"))
    assert "재발급되어" in html and new.number in html
    services.revoke(new, admin, "허위 출석")
    db.session.flush()
    html = _text(client.get(f"/verify/{new.verification_code}"))
    assert "취소된 수료증입니다" in html and "허위 출석" not in html  # internal reasons stay off public pages
    assert "홍*순" in html


def test_verify_form_by_number_and_birth_date_or_name(client, cert):
    r = client.post("/verify", data={"number": cert.number, "birth_date": "1990-01-02"}, follow_redirects=True)
    assert r.status_code == 200 and "유효한 수료증입니다" in _text(r)
    r = client.post("/verify", data={"number": cert.number, "name": "홍길동"}, follow_redirects=True)
    assert r.status_code == 200 and "유효한 수료증입니다" in _text(r)
    r = client.post("/verify", data={"number": cert.number, "birth_date": "1991-01-02"}, follow_redirects=True)
    assert r.status_code == 404 and "일치하는 수료증을 찾을 수 없습니다" in _text(r)
    r = client.post("/verify", data={"number": cert.number}, follow_redirects=True)
    assert r.status_code == 200 and "생년월일 또는 성명 중 하나를" in _text(r)
    assert client.get("/verify").status_code == 200


@pytest.fixture
def rate_limited(app):
    old = (app.config["RATELIMIT_ENABLED"], app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT"), app.config.get("REDIS_URL"))
    app.config.update(RATELIMIT_ENABLED=True, CERTIFICATE_VERIFY_RATE_LIMIT="3/600", REDIS_URL=None)
    ratelimit.reset()
    yield
    app.config.update(RATELIMIT_ENABLED=old[0], CERTIFICATE_VERIFY_RATE_LIMIT=old[1], REDIS_URL=old[2])
    ratelimit.reset()


def test_rate_limit_answers_429(client, cert, rate_limited):
    for _ in range(3):
        assert client.get(f"/verify/{cert.verification_code}").status_code == 200
    r = client.get(f"/verify/{cert.verification_code}")
    assert r.status_code == 429
    assert "요청이 너무 많습니다" in _text(r)
    r = client.post("/verify", data={"number": cert.number, "name": "홍길동"}, follow_redirects=True)
    assert r.status_code == 429


def test_rate_limit_in_redis(app, client, cert, rate_limited):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=0.5).ping()
    except Exception:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    ip = f"10.9.{__import__('random').randint(0, 255)}.{__import__('random').randint(0, 255)}"
    codes = [client.get(f"/verify/{cert.verification_code}", environ_base={"REMOTE_ADDR": ip}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_pdf_upload_match_and_mismatch(client, cert):
    data = render_certificate(cert)
    r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(data), "c.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 200 and "정확히 일치합니다" in _text(r) and "홍*동" in _text(r)
    tampered = data.replace(b"/Producer", b"/Producex")
    r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(tampered), "c.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 404 and "일치하는 PDF가 아닙니다" in _text(r)
    r = client.post("/verify/pdf", data={"file-pdf": (io.BytesIO(b"hello"), "c.txt")}, content_type="multipart/form-data")
    assert r.status_code == 302


def test_trainee_lists_and_downloads_own_certificate(client, cert):
    login(client, cert.user)
    html = _text(client.get("/certificates"))
    assert cert.number in html and "확인 링크 복사" in html and cert.verification_code in html
    r = client.get(f"/certificates/{cert.number}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data == render_certificate(cert)
    r = client.get(f"/certificates/{cert.number}.pdf?lang=en")
    assert r.status_code == 200 and b"%PDF" in r.data[:8]


def test_other_trainee_gets_404(client, cert):
    login(client, make_user())
    assert client.get(f"/certificates/{cert.number}.pdf").status_code == 404
    assert client.get("/certificates/2026-999999.pdf").status_code == 404


def test_anonymous_is_sent_to_login(client, cert):
    r = client.get(f"/certificates/{cert.number}.pdf")
    assert r.status_code in (302, 401)


def test_revocation_permissions_in_views(client, cert, institution):
    login(client, make_user(role="instructor", institution=make_institution()))
    assert client.get(f"/certificates/manage/{cert.number}").status_code == 404
    assert client.post(f"/certificates/manage/{cert.number}/revoke", data={"reason": "x"}).status_code == 404
    login(client, make_user())
    assert client.get(f"/certificates/manage/{cert.number}").status_code == 403
    login(client, make_user(role="instructor", institution=institution))
    assert client.get(f"/certificates/manage/{cert.number}").status_code == 200
    r = client.post(f"/certificates/manage/{cert.number}/revoke", data={"reason": ""})
    assert r.status_code == 302 and cert.revoked_at is None
    r = client.post(f"/certificates/manage/{cert.number}/revoke", data={"reason": "출석 부족"})
    assert r.status_code == 200 and "수료증을 취소할까요?" in r.text and "출석 부족" in r.text  # asked first
    db.session.refresh(cert)
    assert cert.revoked_at is None
    r = client.post(f"/certificates/manage/{cert.number}/revoke", data={"reason": "출석 부족", "confirmed": "yes"})
    assert r.status_code == 302
    db.session.refresh(cert)
    assert cert.revoked_reason == "출석 부족"


def test_cohort_instructor_of_another_institution_sees_but_cannot_revoke(client, cert, cohort):
    teacher = make_user(role="instructor", institution=make_institution())
    cohort.instructors.append(teacher)
    db.session.flush()
    login(client, teacher)
    assert client.get(f"/certificates/manage/{cert.number}").status_code == 200
    assert client.post(f"/certificates/manage/{cert.number}/revoke", data={"reason": "x"}).status_code == 403


def test_admin_reissues_in_view(admin_client, cert):
    r = admin_client.post(f"/certificates/manage/{cert.number}/reissue", data={"name": "홍길순", "reason": "정정"})
    assert r.status_code == 302
    new = services.successor(cert)
    assert new is not None and new.snapshot["name"] == "홍길순"
    assert admin_client.get(f"/certificates/manage/{new.number}").status_code == 200


def test_cohort_issue_and_downloads(client, cohort):
    teacher = make_user(role="instructor")
    cohort.instructors.append(teacher)
    for _ in range(2):
        completed_enrollment(cohort=cohort)
    db.session.flush()
    login(client, make_user(role="instructor"))
    assert client.get(f"/certificates/cohorts/{cohort.id}").status_code == 404
    login(client, teacher)
    assert client.get(f"/certificates/cohorts/{cohort.id}").status_code == 200
    job_id = queued_job(client.post(f"/certificates/cohorts/{cohort.id}/issue"))  # a job, run inline in tests
    progress = client.get(f"/jobs/{job_id}")
    assert progress.status_code == 200 and "수료증 2건을 발급했습니다" in progress.get_data(as_text=True)
    certs = services.cohort_certificates(cohort)
    assert len(certs) == 2
    assert client.get(f"/certificates/cohorts/{cohort.id}/download?format=zip").mimetype == "text/html"  # the reason
    r = job_file(client, download(client, f"/certificates/cohorts/{cohort.id}/download?format=zip"))
    assert r.status_code == 200 and r.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert sorted(names) == sorted(f"{c.number}.pdf" for c in certs)
    r = job_file(client, download(client, f"/certificates/cohorts/{cohort.id}/download?format=pdf"))
    assert r.status_code == 200 and len(PdfReader(io.BytesIO(r.data)).pages) == 2
    # Nothing eligible any more: the job says so; nothing to download: no job at all.
    again = client.get(f"/jobs/{queued_job(client.post(f'/certificates/cohorts/{cohort.id}/issue'))}")
    assert "새로 발급할 수료 대상자가 없습니다" in again.get_data(as_text=True)
    for cert in certs:
        services.revoke(cert, make_user(role="admin"), "잘못 발급")
    db.session.commit()
    r = download(client, f"/certificates/cohorts/{cohort.id}/download?format=zip")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/certificates/cohorts/{cohort.id}")


def test_manage_lists_expiring(client, cohort, institution):
    from tests.factories import make_course

    cert = services.issue_for_enrollment(completed_enrollment(course=make_course(valid_for_months=1), cohort=cohort))
    login(client, make_user(role="instructor", institution=institution))
    html = _text(client.get("/certificates/manage?days=60"))
    assert cert.number in html
    r = client.get(f"/certificates/manage?number={cert.number}")
    assert r.status_code == 302


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (32, 32), (200, 0, 0, 255)).save(buf, "PNG")
    return buf.getvalue()


def test_institution_assets_admin_only_and_checked(client, institution):
    login(client, make_user(role="instructor", institution=institution))
    assert client.get(f"/certificates/institutions/{institution.id}/assets").status_code == 403
    login(client, make_user(role="admin"))
    db.session.commit()  # the view rolls back a rejected upload; keep the fixtures
    assert client.get(f"/certificates/institutions/{institution.id}/assets").status_code == 200
    r = client.post(f"/certificates/institutions/{institution.id}/assets",
                    data={"seal": (io.BytesIO(b"GIF89a-not-allowed"), "s.gif")}, content_type="multipart/form-data")
    assert r.status_code == 400
    r = client.post(f"/certificates/institutions/{institution.id}/assets",
                    data={"seal": (io.BytesIO(_png()), "s.png"), "head_name_ko": "박원장"},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert institution.seal_png.startswith(b"\x89PNG") and institution.head_name_ko == "박원장"
    assert client.get(f"/certificates/institutions/{institution.id}/seal.png").status_code == 200


def test_renew_from_the_list(client, cohort):
    from tests.factories import make_course

    e = completed_enrollment(course=make_course(valid_for_months=1), cohort=cohort)
    cert = services.issue_for_enrollment(e)
    login(client, e.user)
    assert "재수강으로 갱신" in _text(client.get("/certificates"))
    r = client.post(f"/certificates/{cert.number}/renew")
    assert r.status_code == 302


def test_cli(app, cert, tmp_path):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["certificates", "list", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert any(row["number"] == cert.number and row["status"] == "valid" for row in rows)
    out = tmp_path / "c.pdf"
    r = runner.invoke(args=["certificates", "render", cert.number, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == render_certificate(cert)
    r = runner.invoke(args=["certificates", "revoke", cert.number, "--reason", "운영자 취소"])
    assert r.exit_code == 0, r.output
    assert services.status_of(services.by_number(cert.number)) == "revoked"
    r = runner.invoke(args=["certificates", "revoke", "1999-000001", "--reason", "x"])
    assert r.exit_code != 0
    r = runner.invoke(args=["certificates", "remind"])
    assert r.exit_code == 0 and "queued" in r.output


def test_cli_issue_for_cohort(app, cohort):
    completed_enrollment(cohort=cohort)
    db.session.flush()
    r = app.test_cli_runner().invoke(args=["certificates", "issue", "--cohort", str(cohort.id)])
    assert r.exit_code == 0, r.output
    assert len(services.cohort_certificates(cohort)) == 1
    assert "issuing:" not in r.stderr  # no terminal, no --progress: no progress lines


def test_cli_issue_shows_progress_when_asked(app, cohort):
    for _ in range(3):
        completed_enrollment(cohort=cohort)
    db.session.flush()
    r = app.test_cli_runner().invoke(args=["certificates", "issue", "--cohort", str(cohort.id), "--progress"])
    assert r.exit_code == 0, r.output
    assert "issuing: 0/3" in r.stderr and "issuing: 3/3" in r.stderr
    assert len(r.stdout.strip().splitlines()) == 3 and "issued 3 certificate(s)" in r.stderr


def test_dashboard_partial_lists_own_certificates(app, client, cert):
    from flask import render_template

    login(client, cert.user)
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(cert.user)
        html = render_template("certificates/_dashboard.html")
    assert cert.snapshot["course_title_ko"] in html and f"/certificates/{cert.number}.pdf" in html
