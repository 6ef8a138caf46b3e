"""A visitor becomes a trainee: catalogue, registration, enrolment, a lesson, a
passed quiz with explanations, progress on the dashboard, logout, the English
switch; and the same key pages on a 360-px phone."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, shot
from .journeys import answer_quiz, complete_lesson, course_info, enroll, module_slugs, open_module, register

CODE = "SF101"
PASSWORD = "Trainee-pass-2026!"


def test_visitor_registers_learns_and_passes_quiz(page, live_server):
    base = live_server.url
    info = course_info(CODE)
    modules = module_slugs(CODE)

    # The catalogue is the home page, in Korean by default.
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_text(info["title_ko"]).first).to_be_visible()
    expect(page.get_by_role("link", name="회원가입")).to_be_visible()
    shot(page, "trainee-01-catalogue")

    # Registration: required consents ticked, optional ones left alone.
    register(page, base, "김하늘", "haneul.kim@example.kr", PASSWORD, server=live_server)
    expect(page).to_have_url(re.compile(r"/dashboard"))
    expect(page.get_by_role("heading", name="내 학습", level=1)).to_be_visible()
    expect(page.locator(".user-badge")).to_contain_text("김하늘")
    shot(page, "trainee-02-dashboard-empty")

    # Enrol from the course page; the app opens the first lesson.
    page.goto(f"{base}/courses/{CODE}")
    expect(page.get_by_role("heading", name=info["title_ko"], level=1)).to_be_visible()
    expect(page.get_by_text("수료 조건")).to_be_visible()
    shot(page, "trainee-03-course")
    learn = enroll(page, base, CODE)
    expect(page.get_by_text("수강 신청이 완료되었습니다")).to_be_visible()

    # Read the first lesson and mark it complete.
    open_module(page, learn, modules["lesson"][0])
    expect(page.locator(".lesson-body .prose")).not_to_be_empty()
    shot(page, "trainee-04-lesson")
    complete_lesson(page)
    expect(page.get_by_text("학습 완료로 표시했습니다.")).to_be_visible()

    # The quiz: answered from courses/<folder>/quiz-*.toml by choice text (shuffled order).
    open_module(page, learn, modules["quiz"][0])
    expect(page.get_by_text("합격 기준")).to_be_visible()
    answer_quiz(page, CODE)
    expect(page.locator(".result-verdict").get_by_text("합격", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="문항별 결과와 해설")).to_be_visible()
    expect(page.locator(".explanation").first).to_contain_text("해설")
    expect(page.locator(".review.is-wrong")).to_have_count(0)
    shot(page, "trainee-05-quiz-result")

    # Progress on the dashboard: one lesson and the quiz done.
    page.goto(base + "/dashboard")
    card = page.locator("main").get_by_text(re.compile(r"진도율 \d+% · 2 / \d+ 모듈 완료"))
    expect(card).to_be_visible()
    bar = page.locator("main .progress[role=progressbar]").first
    assert int(bar.get_attribute("aria-valuenow")) > 0
    shot(page, "trainee-06-dashboard-progress")

    # English persists across pages (html lang and course titles), then back to Korean.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text(info["title_en"]).first).to_be_visible()
    hangul = re.findall(r"[가-힣]+", page.locator("main").inner_text())
    assert not hangul, f"Korean left on the English catalogue: {hangul[:10]}"
    page.goto(f"{base}/courses/{CODE}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=info["title_en"], level=1)).to_be_visible()
    expect(page.locator("header").get_by_role("button", name="Log out")).to_be_visible()
    hangul = re.findall(r"[가-힣]+", page.locator("main").inner_text())
    assert not hangul, f"Korean left on the English course page: {hangul[:10]}"
    shot(page, "trainee-07-course-english")
    page.get_by_role("link", name="한국어").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    # Log out: back to a public page with the login link, and the dashboard needs a login.
    page.locator("header").get_by_role("button", name="로그아웃").click()
    page.wait_for_load_state()
    expect(page.locator("header").get_by_role("link", name="로그인")).to_be_visible()
    page.goto(base + "/dashboard")
    expect(page).to_have_url(re.compile(r"/login"))

    # Logging back in shows the progress kept.
    login(page, base, "haneul.kim@example.kr", PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard"))
    expect(page.get_by_text(info["title_ko"]).first).to_be_visible()


def _fits(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    shot(page, name)
    assert width <= 360, f"{name}: page is {width}px wide on a 360-px phone ({page.url})"


def test_trainee_journey_on_a_phone(phone, live_server):
    base = live_server.url
    info = course_info(CODE)
    modules = module_slugs(CODE)
    page = phone

    page.goto(base + "/")
    expect(page.get_by_text(info["title_ko"]).first).to_be_visible()
    _fits(page, "phone-trainee-01-catalogue")

    register(page, base, "이바다", "bada.lee@example.kr", PASSWORD, server=live_server)
    expect(page.get_by_role("heading", name="내 학습", level=1)).to_be_visible()
    _fits(page, "phone-trainee-02-dashboard")

    page.goto(f"{base}/courses/{CODE}")
    _fits(page, "phone-trainee-03-course")
    learn = enroll(page, base, CODE)

    open_module(page, learn, modules["lesson"][0])
    _fits(page, "phone-trainee-04-lesson")
    complete_lesson(page)
    expect(page.get_by_text("학습 완료로 표시했습니다.")).to_be_visible()

    open_module(page, learn, modules["quiz"][0])
    answer_quiz(page, CODE)
    expect(page.locator(".result-verdict").get_by_text("합격", exact=True)).to_be_visible()
    _fits(page, "phone-trainee-05-quiz-result")

    page.goto(base + "/dashboard")
    expect(page.get_by_text(re.compile(r"2 / \d+ 모듈 완료"))).to_be_visible()
    _fits(page, "phone-trainee-06-dashboard-progress")
