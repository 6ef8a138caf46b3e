"""Issue 11's browser journey on a 360-px phone: the demo meister logs a visit, the
company's contact confirms it through the signed link (no account), a trainee of that
company studies the safety course online, the meister signs the practical off at the
workplace item by item, and the trainee's completion counts it: the certificate appears.

Last, the ministry dashboard on a phone shows the meister section with its row of
trainees assessed on site."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from playwright.sync_api import expect

from lms.config import normalise_db_url

from .conftest import label, login, no_horizontal_overflow, shot
from .journeys import answer_quiz, complete_lesson, course_info, enroll, module_slugs, open_module

CODE = "SAF111"  # its practical allows workplace assessment (courses/saf111-.../course.toml)
PASSWORD = "Operator-pass-2026!"


def _demo_placement(server) -> tuple[int, str, str]:
    """(id, company name, contact e-mail) of meister@demo.kr's placement under way."""
    engine = sa.create_engine(normalise_db_url(server.env["LMS_DATABASE_URL"]))
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT p.id, c.name, p.contact_email FROM placements p JOIN meister_profiles m ON m.id = p.meister_id "
            "JOIN users u ON u.id = m.user_id JOIN companies c ON c.id = p.company_id "
            "WHERE u.email = 'meister@demo.kr' AND p.closed_on IS NULL AND p.cancelled_at IS NULL "
            "AND p.starts_on <= CURRENT_DATE AND p.ends_on >= CURRENT_DATE ORDER BY p.id")).first()
    engine.dispose()
    assert row, "the demo meister has no placement under way"
    return row[0], row[1], row[2]


def _fits(page, name: str) -> None:
    shot(page, name)
    assert no_horizontal_overflow(page) <= 360, f"{name}: the page scrolls sideways at 360 px"


def test_meister_visit_confirmation_and_workplace_signoff(browser, demo_data):
    server = demo_data
    base = server.url
    placement_id, company, contact = _demo_placement(server)
    phone_ctx = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR", device_scale_factor=2,
                                    is_mobile=True, has_touch=True)
    desk_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    phone, desk = phone_ctx.new_page(), desk_ctx.new_page()
    for p in (phone, desk):
        p.set_default_timeout(20000)
    try:
        # 1. The meister logs a visit on the phone.
        login(phone, base, "meister@demo.kr")
        phone.goto(base + "/meister")
        expect(phone.get_by_role("heading", name="내 파견", level=1)).to_be_visible()
        _fits(phone, "meister-01-home")
        phone.goto(f"{base}/meister/placements/{placement_id}")
        phone.get_by_role("link", name="방문 기록").first.click()
        phone.get_by_label(label("활동 시간 (시간)")).fill("2.5")
        phone.get_by_label(label("활동 유형")).select_option(label="현장 교육")
        phone.get_by_label(label("한 일")).fill("안전 작업 절차(LOTO) 현장 점검과 작업자 면담")
        phone.get_by_label(label("발견한 문제")).fill("잠금장치 보관함 위치 표시 없음")
        _fits(phone, "meister-02-visit-form")
        phone.get_by_role("button", name="저장하고 확인 요청 보내기").click()
        expect(phone.get_by_text("방문을 기록했습니다.")).to_be_visible()
        expect(phone.locator(".badge", has_text="확인 대기").first).to_be_visible()
        _fits(phone, "meister-03-placement")

        # 2. The company's contact confirms it from the mailed link, without an account.
        mail = next(m for m in server.outbox() if m["recipient"] == contact)
        link = re.search(r"https?://\S+/visits/confirm/\S+", mail["body"]).group(0)
        contact_ctx = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR", is_mobile=True)
        contact_page = contact_ctx.new_page()
        contact_page.goto(link)
        expect(contact_page.get_by_role("heading", name="마이스터 방문 확인")).to_be_visible()
        expect(contact_page.get_by_text("안전 작업 절차(LOTO) 현장 점검과 작업자 면담")).to_be_visible()
        _fits(contact_page, "meister-04-contact-confirm")
        contact_page.get_by_role("button", name="방문 사실 확인").click()
        contact_page.wait_for_load_state()
        _fits(contact_page, "meister-05-contact-confirmed")
        contact_ctx.close()
        phone.reload()
        expect(phone.locator(".badge", has_text="기업 확인").first).to_be_visible()

        # 3. An operator of that company studies the course online (its practical is left).
        desk.goto(base + "/register")
        form = desk.locator("main form")
        form.get_by_label(label("이름")).fill("한작업")
        form.get_by_label(label("이메일")).fill("operator.han@example.kr")
        form.get_by_label(label("비밀번호")).fill(PASSWORD)
        form.get_by_label(label("비밀번호 확인")).fill(PASSWORD)
        form.get_by_label(label("소속 회사 (선택)")).fill(company)
        form.get_by_label("[필수] 이용약관에 동의합니다.").check()
        form.get_by_label("[필수] 개인정보 수집·이용에 동의합니다.").check()
        form.get_by_role("button", name="가입하기").click()
        desk.wait_for_url(lambda url: "/register" not in url)
        mail = next(m for m in server.outbox() if m["recipient"] == "operator.han@example.kr")
        desk.goto(re.search(r"https?://\S+/confirm/\S+", mail["body"]).group(0))
        desk.locator("main form").get_by_role("button", name="가입 완료하기").click()
        desk.wait_for_url(lambda url: "/confirm/" not in url)
        learn = enroll(desk, base, CODE)
        modules = module_slugs(CODE)
        for title in modules["lesson"]:
            open_module(desk, learn, title)
            complete_lesson(desk)
        open_module(desk, learn, modules["quiz"][0])
        answer_quiz(desk, CODE)
        expect(desk.locator(".result-verdict").get_by_text("합격", exact=True)).to_be_visible()
        desk.goto(base + "/certificates")
        expect(desk.get_by_text(course_info(CODE)["title_ko"])).to_have_count(0)

        # 4. The meister signs the practical off at the workplace, item by item, on the phone.
        phone.goto(f"{base}/meister/placements/{placement_id}")
        phone.get_by_role("link", name="현장 평가").click()
        expect(phone.get_by_role("heading", name="현장 평가", level=1)).to_be_visible()
        row = phone.locator("tr", has_text="한작업")
        expect(row).to_be_visible()
        _fits(phone, "meister-06-workplace-list")
        row.get_by_role("link", name="평가하기").click()
        expect(phone.locator("input[type=radio]:checked")).to_have_count(0)  # nothing judged in advance
        groups = phone.locator(".check-choice")
        for i in range(groups.count()):
            groups.nth(i).get_by_label("통과", exact=True).check()
        phone.get_by_label("종합 판정").select_option("passed")
        _fits(phone, "meister-07-workplace-signoff")
        phone.get_by_role("button", name="평가 저장").click()
        expect(phone.get_by_text("현장 평가를 기록했습니다.")).to_be_visible()
        expect(phone.locator(".badge", has_text="현재").first).to_be_visible()
        _fits(phone, "meister-08-workplace-signed")

        # 4b. A short on-site class for the company's operators, attendance taken on the phone.
        phone.goto(f"{base}/meister/placements/{placement_id}")
        phone.get_by_role("link", name="현장 교육").click()
        phone.get_by_role("link", name="현장 교육 등록").click()
        now_kst = datetime.now(timezone(timedelta(hours=9)))
        phone.get_by_label(label("교육일")).fill(now_kst.date().isoformat())
        phone.get_by_label(label("시작 시각 (한국 시간)")).fill(now_kst.strftime("%H:%M"))
        phone.get_by_label(label("교육 시간 (분)")).fill("60")
        phone.get_by_label(label("교육 주제")).fill("잠금장치 사용법 현장 교육")
        _fits(phone, "meister-08a-class-form")
        phone.get_by_role("button", name="등록").click()
        expect(phone.get_by_text("현장 교육을 등록했습니다.")).to_be_visible()
        phone.get_by_role("link", name="수강 훈련생 추가").click()
        phone.get_by_label(re.compile("한작업")).check()
        _fits(phone, "meister-08b-class-trainees")
        phone.get_by_role("button", name="선택한 훈련생 추가").click()
        expect(phone.get_by_text("훈련생 1명을 추가했습니다.")).to_be_visible()
        phone.get_by_role("button", name="모두 출석 처리").click()
        expect(phone.get_by_text("아직 기록되지 않은 훈련생을 모두 출석으로 기록했습니다.")).to_be_visible()
        expect(phone.get_by_label("출결", exact=True).first).to_have_value("present")
        _fits(phone, "meister-08c-class-attendance")

        # 5. The trainee's completion counts it: the certificate appears.
        desk.goto(base + "/certificates")
        expect(desk.get_by_text(course_info(CODE)["title_ko"]).first).to_be_visible()
        shot(desk, "meister-09-trainee-certificate")
        phone_ctx2 = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR", is_mobile=True)
        trainee_phone = phone_ctx2.new_page()
        login(trainee_phone, base, "operator.han@example.kr", PASSWORD)
        trainee_phone.goto(base + "/certificates")
        expect(trainee_phone.get_by_text(course_info(CODE)["title_ko"]).first).to_be_visible()
        _fits(trainee_phone, "meister-10-trainee-certificate-phone")
        phone_ctx2.close()

        # 6. The ministry sees it in the meister breakdowns: the workplace sign-off is among the
        #    trainees assessed on site (figures rounded to 5, so the row, not the exact count).
        engine = sa.create_engine(normalise_db_url(server.env["LMS_DATABASE_URL"]))
        with engine.connect() as conn:
            onsite = conn.execute(sa.text(
                "SELECT COUNT(*) FROM practical_signoffs s JOIN enrollments e ON e.id = s.enrollment_id "
                "JOIN users u ON u.id = e.user_id WHERE s.site = 'workplace' AND s.placement_id = :p "
                "AND u.email = 'operator.han@example.kr'"), {"p": placement_id}).scalar()
        engine.dispose()
        assert onsite >= 1, "the workplace sign-off is not recorded as one"
        ministry_ctx = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR", is_mobile=True)
        ministry = ministry_ctx.new_page()
        login(ministry, base, "ministry@demo.kr")
        ministry.goto(base + "/ministry")
        section = ministry.locator("section.meister-section")
        expect(section.get_by_role("heading", name="스마트 마이스터 현장 지원")).to_be_visible()
        row = section.locator("tr", has_text="현장에서 평가받은 훈련생").first
        expect(row).to_be_visible()
        assert re.search(r"\d", row.inner_text()), "the on-site row shows no figure"
        _fits(ministry, "meister-11-ministry-breakdowns-phone")
        ministry_ctx.close()
    finally:
        phone_ctx.close()
        desk_ctx.close()
