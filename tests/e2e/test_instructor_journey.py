"""An instructor runs a cohort in the browser: roster import (preview, confirm,
re-upload changes nothing), a lab session scheduled, an invited trainee books it,
attendance taken, the practical signed off."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, logout, shot
from .journeys import (accept_invitation, book_first_session, course_info, end_session_in_the_past,
                       enrollment_url, future_day, import_roster, invitation_link, module_slugs, open_cohort,
                       schedule_session, sign_off, take_attendance_all_present)

CODE = "SF101"
COHORT = "2026-2기"          # the demo instructor's cohort (SF101 among its courses)
LAB = "창원 스마트랩"          # a smart lab the demo instructor teaches in
PASSWORD = "Roster-pass-2026!"


def _roster_csv(tmp_path, rows):
    path = tmp_path / "명단.csv"
    lines = ["이름,이메일,생년월일,휴대전화,소속회사"] + [",".join(r) for r in rows]
    # UTF-8 with BOM, as Excel saves "CSV UTF-8".
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return path


def test_instructor_runs_a_cohort(page, browser, demo_data, tmp_path):
    base = demo_data.url
    practical = module_slugs(CODE)["practical"][0]
    trainee = ("정민호", "minho.jung@example.kr")
    roster = _roster_csv(tmp_path, [
        (trainee[0], trainee[1], "1995-03-14", "010-1234-5678", "(주)한빛정밀"),
        ("오지은", "jieun.oh@example.kr", "1998-11-02", "", "(주)한빛정밀"),
    ])

    login(page, base, "instructor@demo.kr")
    expect(page.locator(".user-badge")).to_contain_text("교강사")
    page.goto(base + "/instructor")
    shot(page, "instructor-01-dashboard")

    # A file without the 이메일 column is refused with a Korean message, naming the column.
    open_cohort(page, base, COHORT)
    shot(page, "instructor-02-cohort")
    bad = tmp_path / "bad.csv"
    bad.write_bytes("이름,휴대전화\n홍길동,010-0000-0000\n".encode("utf-8-sig"))
    import_roster(page, bad)
    expect(page.get_by_role("alert")).to_contain_text("가져올 수 없습니다")
    expect(page.locator("main table")).to_contain_text("필수 열이 없습니다")
    shot(page, "instructor-03a-roster-error")
    page.get_by_role("link", name="다시 올리기").click()
    page.wait_for_load_state()

    # Roster: preview first (2 people to invite; the preview never says who has an account), then confirm.
    import_roster(page, roster)
    stats = page.locator(".stats")
    expect(stats.locator(".card").filter(has_text="초대할 사람").locator(".stat")).to_have_text("2")
    expect(page.locator("main table").get_by_text(trainee[1])).to_be_visible()
    expect(page.locator("main table").get_by_text("초대 메일 발송").first).to_be_visible()
    shot(page, "instructor-03-roster-preview")
    page.get_by_role("button", name="가져오기 확정").click()
    # The import runs as a background job: its progress page ends on what it did.
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    expect(page.locator(".job-badge")).to_have_text("완료", timeout=60000)
    expect(page.get_by_text(re.compile(r"명단을 가져왔습니다: 초대 2명"))).to_be_visible()
    shot(page, "instructor-03b-roster-job")
    page.get_by_role("link", name="결과 보기").click()
    page.wait_for_load_state()
    expect(page.locator("table.roster").get_by_text(trainee[0])).to_be_visible()

    # The same file again changes nothing: the confirm button is disabled.
    import_roster(page, roster)
    expect(stats.locator(".card").filter(has_text="변경 없음").locator(".stat")).to_have_text("2")
    expect(page.get_by_role("button", name="가져오기 확정")).to_be_disabled()
    expect(page.get_by_text("이미 모두 등록되어 있어 바뀔 것이 없습니다.")).to_be_visible()

    # Schedule a session of the SF101 practical in the demo lab.
    day, shown = future_day(44)  # an evening slot weeks ahead, clear of the demo's daytime sessions
    session_url = schedule_session(page, base, LAB, f"{CODE} · {practical}", day, "18:00", "22:00",
                                   capacity=12, cohort_label=COHORT)
    expect(page.get_by_role("heading", name=practical, level=1)).to_be_visible()
    expect(page.get_by_text("예약한 훈련생이 없습니다.")).to_be_visible()
    shot(page, "instructor-04-session-new")

    # The invited trainee sets a password from the mail and books the session.
    tctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    tpage = tctx.new_page()
    tpage.set_default_timeout(15000)
    try:
        accept_invitation(tpage, invitation_link(demo_data, trainee[1]), PASSWORD)
        expect(tpage.get_by_role("heading", name="내 학습", level=1)).to_be_visible()
        expect(tpage.get_by_text(course_info(CODE)["title_ko"]).first).to_be_visible()
        learn = enrollment_url(tpage, base, CODE)
        book_first_session(tpage, base, learn, practical, shown)
        shot(tpage, "instructor-05-trainee-booked")
        tpage.goto(base + "/labs/bookings")
        expect(tpage.get_by_text(practical).first).to_be_visible()
    finally:
        tctx.close()

    # The session day comes; attendance from the session roster: everyone present in one click.
    end_session_in_the_past(demo_data, session_url)
    take_attendance_all_present(page, session_url, trainee[0])
    row = page.locator("table.attendance tr").filter(has_text=trainee[0])
    expect(row.get_by_label("출결")).to_have_value("present")
    shot(page, "instructor-06-attendance")

    # Sign-off against the course's checklist; the roster row then says 합격.
    sign_off(page, session_url, trainee[0], note="모든 점검 항목을 정확히 수행함")
    expect(page.locator("main table").last.get_by_text("현재", exact=True)).to_be_visible()
    shot(page, "instructor-07-signoff")
    page.goto(session_url)
    expect(page.locator("table.attendance tr").filter(has_text=trainee[0]).get_by_role("link", name="합격")).to_be_visible()
    logout(page)


def test_instructor_pages_fit_a_phone(phone, demo_data):
    base = demo_data.url
    login(phone, base, "instructor@demo.kr")
    for path, name in (("/instructor", "phone-instructor-01-dashboard"), ("/labs/cohorts", "phone-instructor-02-cohorts")):
        phone.goto(base + path)
        shot(phone, name)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360-px phone"
    open_cohort(phone, base, COHORT)
    shot(phone, "phone-instructor-03-cohort")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the cohort page is {width}px wide on a 360-px phone"
