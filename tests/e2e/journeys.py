"""Shared steps of the browser journeys: reading the course files, registering,
enrolling, reading lessons and passing quizzes through the UI.

Each step drives the pages a person uses (labels, roles and Korean text) and
waits for the page the app leads to next, so the journeys read like what a
trainee does.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import give_required_consents, label

REPO = Path(__file__).resolve().parents[2]
COURSES = REPO / "courses"


def _norm(text: str) -> str:
    """Collapse whitespace so text from the page and from TOML compare equal."""
    return re.sub(r"\s+", " ", text or "").strip()


def course_dir(code: str) -> Path:
    """The folder under courses/ whose course.toml has this code."""
    for toml_path in sorted(COURSES.glob("*/course.toml")):
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        if data.get("code") == code:
            return toml_path.parent
    raise LookupError(f"no course {code} under courses/")


def course_info(code: str) -> dict:
    return tomllib.loads((course_dir(code) / "course.toml").read_text(encoding="utf-8"))


def quiz_key(code: str) -> dict[str, set[str]]:
    """question text (ko) -> set of right choice texts (ko), from courses/<folder>/quiz-*.toml."""
    key: dict[str, set[str]] = {}
    for quiz in sorted(course_dir(code).glob("quiz-*.toml")):
        data = tomllib.loads(quiz.read_text(encoding="utf-8"))
        for q in data["questions"]:
            right = {_norm(c["text_ko"]) for c in q["choices"] if c["id"] in q["answer"]}
            key[_norm(q["text_ko"])] = right
    return key


def register(page: Page, base: str, name: str, email: str, password: str, server=None) -> None:
    """Fill the registration form: required consents ticked, optional ones left unticked;
    then open the confirmation link mailed to ``email`` (read from ``server``'s outbox)
    and finish, which signs the new trainee in."""
    page.goto(base + "/register")
    expect(page.get_by_role("heading", name="회원가입", level=1)).to_be_visible()
    form = page.locator("main form")
    form.get_by_label(label("이름")).fill(name)
    form.get_by_label(label("이메일")).fill(email)
    form.get_by_label(label("비밀번호")).fill(password)
    form.get_by_label(label("비밀번호 확인")).fill(password)
    form.get_by_label("[필수] 이용약관에 동의합니다.").check()
    form.get_by_label("[필수] 개인정보 수집·이용에 동의합니다.").check()
    expect(form.get_by_label("[선택] 마케팅 정보 수신에 동의합니다.")).not_to_be_checked()
    expect(form.get_by_label("[선택] 개인정보 제3자 제공에 동의합니다.")).not_to_be_checked()
    form.get_by_role("button", name="가입하기").click()
    page.wait_for_url(lambda url: "/register" not in url)
    if server is not None:
        mail = next(m for m in server.outbox() if m["recipient"] == email.lower())
        link = re.search(r"https?://\S+/confirm/\S+", mail["body"]).group(0)
        page.goto(link)
        page.locator("main form").get_by_role("button", name="가입 완료하기").click()
        page.wait_for_url(lambda url: "/confirm/" not in url)


def enroll(page: Page, base: str, code: str) -> str:
    """Open the course page and press 수강 신청; the app opens the first module.

    Returns the enrollment's ``/learn/<id>`` URL read from where the app leads.
    """
    page.goto(f"{base}/courses/{code}")
    page.locator("main").get_by_role("button", name="수강 신청").click()
    page.wait_for_url(re.compile(r"/learn/\d+"))
    m = re.search(r"^(.*/learn/\d+)", page.url)
    return m.group(1)


def enrollment_url(page: Page, base: str, code: str) -> str:
    """The /learn/<id> prefix of the trainee's enrollment in the course, read from the dashboard."""
    title = course_info(code)["title_ko"]
    page.goto(base + "/dashboard")
    card = page.locator("main article.enroll-card").filter(has_text=title).first
    href = card.locator("a[href*='/learn/']").first.get_attribute("href")
    m = re.search(r"/learn/(\d+)", href or "")
    assert m, f"no /learn/ link for {code} on the dashboard"
    return f"{base}/learn/{m.group(1)}"


def module_slugs(code: str) -> dict[str, list[str]]:
    """kind -> module titles (ko) in course order."""
    info = course_info(code)
    out: dict[str, list[str]] = {"lesson": [], "quiz": [], "practical": []}
    for m in info["modules"]:
        f = m["file"]
        kind = "quiz" if f.startswith("quiz-") else "practical" if f.startswith("practical-") else "lesson"
        out[kind].append(m["title_ko"])
    return out


def open_module(page: Page, learn_url: str, title: str) -> None:
    """Open a module from the learning table of contents by its title."""
    page.goto(learn_url)
    page.locator("#toc").get_by_role("link", name=title).first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=title).first).to_be_visible()


def complete_lesson(page: Page) -> None:
    """Press 학습 완료 on an open lesson page and see it marked done."""
    page.get_by_role("button", name="학습 완료").click()
    page.wait_for_load_state()


def answer_quiz(page: Page, code: str, *, correct: bool = True) -> None:
    """Start the quiz on its open page and answer every question from the course files.

    Choices are shuffled, so each is found by its text. With ``correct=False`` the
    first wrong choice of every question is picked.
    """
    key = quiz_key(code)
    page.get_by_role("button", name=re.compile("평가 시작|다시 응시하기")).click()
    page.wait_for_load_state()
    questions = page.locator("#quiz-form fieldset.question")
    count = questions.count()
    assert count > 0, "the quiz shows no questions"
    for i in range(count):
        q = questions.nth(i)
        text = _norm(q.locator(".q-text").inner_text())
        assert text in key, f"question not found in the course files: {text}"
        right = key[text]
        labels = q.locator("ul.choices label")
        picked = False
        for j in range(labels.count()):
            label = labels.nth(j)
            choice = _norm(label.inner_text())
            if (choice in right) == correct and (correct or not picked):
                label.locator("input").check()
                picked = True
    page.get_by_role("button", name="답안 제출").click()
    page.wait_for_load_state()


def invitation_link(live_server, email: str) -> str:
    """The invitation URL mailed to ``email`` (newest message in the server's outbox)."""
    for msg in live_server.outbox():
        if msg["recipient"] == email:
            m = re.search(r"https?://\S+/invite/\S+", msg["body"])
            if m:
                return m.group(0)
    raise AssertionError(f"no invitation mail for {email} in the outbox")


def accept_invitation(page: Page, link: str, password: str) -> None:
    """Open the mailed link, set a password; the app signs the trainee in and, for an
    account made by a roster import, asks the required consents first (optional ones unticked)."""
    page.goto(link)
    page.get_by_label(label("새 비밀번호")).fill(password)
    page.get_by_label(label("비밀번호 확인")).fill(password)
    page.locator("main form").get_by_role("button", name="비밀번호 설정").click()
    page.wait_for_url(lambda url: "/invite/" not in url)
    give_required_consents(page)


def open_cohort(page: Page, base: str, label: str) -> None:
    """Instructor: 기수 list -> the cohort page."""
    page.goto(base + "/labs/cohorts")
    page.locator("main").get_by_role("link", name=re.compile(re.escape(label))).first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="명단 가져오기")).to_be_visible()


def import_roster(page: Page, csv_path: Path) -> None:
    """On an open cohort page: upload the file, check the preview, confirm."""
    page.get_by_label("명단 파일(CSV 또는 XLSX)").set_input_files(str(csv_path))
    page.get_by_role("button", name="미리 보기").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="명단 미리 보기")).to_be_visible()


def schedule_session(page: Page, base: str, lab_name: str, module_label: str, day: str,
                     start: str, end: str, capacity: int = 10, cohort_label: str | None = None) -> str:
    """Instructor: 스마트랩 -> lab -> 세션 편성 form; returns the new session's URL."""
    page.goto(base + "/labs/smartlabs")
    page.locator("main").get_by_role("link", name=lab_name).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="세션 편성").click()
    page.wait_for_load_state()
    page.get_by_label("실습 모듈").select_option(label=module_label)
    room = page.get_by_label(label("실습실"))
    if not room.input_value():  # a required select starts unanswered: take the lab's first room
        room.select_option(index=1)
    page.get_by_label("날짜").fill(day)
    page.get_by_label("시작 시각(한국 시간)").fill(start)
    page.get_by_label("종료 시각(한국 시간)").fill(end)
    page.get_by_label("정원").fill(str(capacity))
    if cohort_label:
        page.get_by_label("기수(선택)").select_option(label=cohort_label)
    page.locator("main form").get_by_role("button", name="저장").click()
    page.wait_for_url(re.compile(r"/labs/sessions/\d+$"))
    expect(page.get_by_text("세션을 편성했습니다.")).to_be_visible()
    return page.url


def book_first_session(page: Page, base: str, learn_url: str, practical_title: str, when_text: str) -> None:
    """Trainee: practical module page -> 실습 일정 보기·예약 -> 예약하기 on the session shown as ``when_text``."""
    open_module(page, learn_url, practical_title)
    page.get_by_role("link", name="실습 일정 보기·예약").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="실습 세션 예약")).to_be_visible()
    item = page.locator("li.session-item").filter(has_text=when_text).first
    item.get_by_role("button", name="예약하기").click()
    page.wait_for_load_state()
    expect(page.locator("li.session-item").filter(has_text=when_text).first.get_by_text("예약됨")).to_be_visible()


def take_attendance_all_present(page: Page, session_url: str, trainee_name: str) -> None:
    """Instructor: the session page -> 모두 출석 처리; the trainee's row shows 출석."""
    page.goto(session_url)
    row = page.locator("table.attendance tr").filter(has_text=trainee_name)
    expect(row).to_be_visible()
    page.get_by_role("button", name="모두 출석 처리").click()
    page.wait_for_load_state()
    expect(page.get_by_text("아직 기록되지 않은 훈련생을 모두 출석으로 기록했습니다.")).to_be_visible()


def sign_off(page: Page, session_url: str, trainee_name: str, note: str = "") -> None:
    """Instructor: from the session roster open 평가하기, pass every item, 합격, save."""
    page.goto(session_url)
    row = page.locator("table.attendance tr").filter(has_text=trainee_name)
    row.get_by_role("link", name="평가하기").click()
    page.wait_for_url(re.compile(r"/labs/signoffs/\d+/\d+"))
    expect(page.get_by_text("점검 항목", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text(trainee_name)
    items = page.locator(".check-item")
    assert items.count() >= 5, "the checklist should have at least 5 items"
    for i in range(items.count()):
        items.nth(i).get_by_label(label("통과")).check()
    page.get_by_label("종합 판정").select_option(label="합격")
    if note:
        page.get_by_label("메모").fill(note)
    page.get_by_role("button", name="평가 저장").click()
    page.wait_for_load_state()
    expect(page.get_by_text("실습 평가를 기록했습니다.")).to_be_visible()


def end_session_in_the_past(live_server, session_url: str) -> None:
    """Let time pass: move a booked session so that it ended an hour ago (same length).

    Bookings are only possible for future sessions and attendance counts only ended
    ones, so a journey that completes a course in one run needs the clock to move.
    Written straight to the server's database with the app's own UTC column type."""
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.config import normalise_db_url
    from lms.core.db import UTCDateTime, utcnow

    session_id = int(re.search(r"/labs/sessions/(\d+)", session_url).group(1))
    sessions = sa.table("lab_sessions", sa.column("id", sa.Integer), sa.column("starts_at", UTCDateTime()),
                        sa.column("ends_at", UTCDateTime()))
    engine = sa.create_engine(normalise_db_url(live_server.env["LMS_DATABASE_URL"]))
    try:
        with engine.begin() as conn:
            starts, ends = conn.execute(sa.select(sessions.c.starts_at, sessions.c.ends_at)
                                        .where(sessions.c.id == session_id)).one()
            new_end = utcnow() - timedelta(hours=1)
            conn.execute(sa.update(sessions).where(sessions.c.id == session_id)
                         .values(starts_at=new_end - (ends - starts), ends_at=new_end))
    finally:
        engine.dispose()


def future_day(days_ahead: int) -> tuple[str, str]:
    """A day ``days_ahead`` after today (KST): (ISO date for the form, how the booking list shows it)."""
    from datetime import datetime, timedelta, timezone

    day = (datetime.now(timezone(timedelta(hours=9))) + timedelta(days=days_ahead)).date()
    return day.isoformat(), f"{day.month}월 {day.day}일"


def qr_urls_in_pdf(data: bytes) -> list[str] | None:
    """The URLs in the QR codes on the PDF's first page, decoded like a phone camera would.

    Renders the page with poppler's ``pdftoppm`` (rasterised, so the drawn path is what is
    read) and decodes the image with zxing-cpp. Returns None when either is missing (the
    caller then falls back to the printed verification code).
    """
    import shutil
    import subprocess
    import tempfile

    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    if shutil.which("pdftoppm") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "page")],
                       check=True, timeout=60)
        png = next(Path(tmp).glob("page*.png"))
        with Image.open(png) as img:
            return [r.text for r in zxingcpp.read_barcodes(img)]
