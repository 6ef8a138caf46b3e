"""A trainee completes SF101 in the browser (lessons, quiz, a booked lab session
with attendance and a practical sign-off by the lab's instructor), downloads the
certificate PDF, verifies it publicly, and sees it revoked after an admin cancels it."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from playwright.sync_api import expect

from .conftest import login, shot
from .journeys import (answer_quiz, book_first_session, complete_lesson, course_info, end_session_in_the_past,
                       enroll, future_day, module_slugs, open_module, qr_urls_in_pdf, register, schedule_session,
                       sign_off, take_attendance_all_present)

CODE = "SF101"
LAB = "창원 스마트랩"
PASSWORD = "Cert-pass-2026!"
NAME = "남궁하린"
EMAIL = "harin.namgung@example.kr"


def _new_page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    return ctx, page


def test_completion_certificate_verification_and_revocation(page, browser, demo_data):
    base = demo_data.url
    info = course_info(CODE)
    modules = module_slugs(CODE)
    practical = modules["practical"][0]

    # The trainee registers, enrols and does every lesson and the quiz.
    register(page, base, NAME, EMAIL, PASSWORD, server=demo_data)
    learn = enroll(page, base, CODE)
    for title in modules["lesson"]:
        open_module(page, learn, title)
        complete_lesson(page)
        expect(page.get_by_text("학습 완료로 표시했습니다.")).to_be_visible()
    for _title in modules["quiz"]:
        open_module(page, learn, _title)
        answer_quiz(page, CODE)
        expect(page.locator(".result-verdict").get_by_text("합격", exact=True)).to_be_visible()

    # The lab's instructor schedules the practical; the trainee books it.
    ictx, instructor = _new_page(browser)
    try:
        login(instructor, base, "instructor@demo.kr")
        # An evening slot weeks ahead, clear of the demo's daytime sessions in the same room.
        day, shown = future_day(45)
        session_url = schedule_session(instructor, base, LAB, f"{CODE} · {practical}", day, "18:00", "22:00")
        book_first_session(page, base, learn, practical, shown)

        # The session takes place; attendance, then the sign-off completes the course.
        end_session_in_the_past(demo_data, session_url)
        take_attendance_all_present(instructor, session_url, NAME)
        sign_off(instructor, session_url, NAME)
    finally:
        ictx.close()

    page.goto(base + "/dashboard")
    done = page.locator("main section").filter(has=page.get_by_role("heading", name=re.compile("수료한 과정")))
    expect(done.get_by_text(info["title_ko"])).to_be_visible()
    shot(page, "certificate-01-dashboard-completed")

    # 내 수료증 -> PDF download: a PDF with the trainee's name, the number and the check code.
    page.get_by_role("link", name="내 수료증").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="내 수료증", level=1)).to_be_visible()
    expect(page.get_by_text(info["title_ko"]).first).to_be_visible()
    shot(page, "certificate-02-mine")
    number = re.search(r"제 (\S+) 호", page.locator("main .cert-meta").first.inner_text()).group(1)
    with page.expect_download() as dl:
        page.get_by_role("link", name="PDF 내려받기").first.click()
    data = open(dl.value.path(), "rb").read()
    assert data.startswith(b"%PDF-"), "the download is not a PDF"
    assert dl.value.suggested_filename.endswith(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    squashed = re.sub(r"\s+", "", text)
    assert NAME in squashed, f"the PDF does not show the name {NAME}"
    assert number in squashed
    m = re.search(r"확인코드:?([A-Za-z0-9_-]{12,})", squashed)
    assert m, "the PDF shows no verification code"
    code = m.group(1)
    share = page.locator("input.cert-share").first.input_value()
    assert share.endswith("/verify/" + code), (share, code)

    # The QR code on the PDF, read like a phone camera would, leads to /verify/<code>.
    qr = qr_urls_in_pdf(data)
    if qr is not None:
        assert qr == [f"{base}/verify/{code}"], f"the QR code encodes {qr}"
    verify_url = qr[0] if qr else f"{base}/verify/{code}"

    # Anyone opening it sees 유효 (a fresh browser, not logged in).
    vctx, visitor = _new_page(browser)
    try:
        visitor.goto(verify_url)
        expect(visitor.get_by_role("heading", name="유효한 수료증입니다.")).to_be_visible()
        expect(visitor.get_by_text(number)).to_be_visible()
        expect(visitor.get_by_text(info["title_ko"])).to_be_visible()
        shot(visitor, "certificate-03-verify-valid")

        # An admin revokes it from the management screen.
        actx, admin = _new_page(browser)
        try:
            login(admin, base, "admin@demo.kr")
            admin.goto(base + "/certificates/manage")
            admin.get_by_label("수료증 번호").fill(number)
            admin.get_by_role("button", name="찾기").click()
            admin.wait_for_load_state()
            expect(admin.get_by_role("heading", name=f"제 {number} 호")).to_be_visible()
            admin.get_by_label("취소 사유").fill("출석 기록 오류 확인")
            admin.get_by_role("button", name="취소하기").click()
            admin.wait_for_load_state()
            # Irreversible: a confirmation step names the certificate and the reason first.
            expect(admin.get_by_role("heading", name="수료증을 취소할까요?")).to_be_visible()
            admin.get_by_role("button", name="수료증 취소 확정").click()
            admin.wait_for_load_state()
            shot(admin, "certificate-04-admin-revoked")
        finally:
            actx.close()

        visitor.reload()
        expect(visitor.get_by_role("heading", name="취소된 수료증입니다.")).to_be_visible()
        # The reason is internal: the public page never shows it (issue 9).
        expect(visitor.get_by_text("출석 기록 오류 확인")).to_have_count(0)
        shot(visitor, "certificate-05-verify-revoked")
    finally:
        vctx.close()

    # The holder's list says 취소됨 too, and a PDF fetched now is stamped void (issue 8).
    page.goto(base + "/certificates")
    item = page.locator(".cert-item").filter(has_text=number)
    expect(item.locator(".badge")).to_have_text("취소됨")
    expect(item.get_by_role("link", name="PDF 내려받기")).to_have_count(0)
    # fetched by the signed-in page itself (its cookies, as a click would)
    body = bytes(page.evaluate("""async (url) => {
        const r = await fetch(url, {credentials: 'same-origin'});
        return Array.from(new Uint8Array(await r.arrayBuffer())); }""", f"{base}/certificates/{number}.pdf"))
    assert body[:5] == b"%PDF-", body[:200]
    stamped = re.sub(r"\s+", "", PdfReader(io.BytesIO(body)).pages[0].extract_text())
    assert "취소됨·효력없음" in stamped and body != data
