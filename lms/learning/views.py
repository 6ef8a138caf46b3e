"""Trainee-facing learning pages: enrol, dashboard, lessons, quizzes, practicals.

Views orchestrate only: load objects (404 for what is not the user's), call a
service, commit once, then flash/redirect/render. Rules live in services.py.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.catalog.labels import EQUIPMENT_LABELS, KIND_LABELS
from lms.catalog.models import Course, Module
from lms.core import nav
from lms.core.authz import policy
from lms.core.i18n import current_locale
from lms.core.markdown import render_markdown
from lms.errors import DomainError
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment

bp = Blueprint("learning", __name__)

nav.register("learning.dashboard", _l("내 학습"), roles=("trainee",), order=20)

STATUS_LABELS = {"active": _l("학습 중"), "completed": _l("수료"), "withdrawn": _l("수강 취소")}
STATE_LABELS = {"done": _l("완료"), "started": _l("진행 중"), "failed": _l("재평가 필요"),
                "blocked": _l("응시 횟수 소진"), "todo": _l("시작 전")}


@bp.context_processor
def _helpers():
    def t(d: dict, key: str) -> str:
        """A ko/en pair from course data (quiz questions, checklists) in the current language."""
        if not d:
            return ""
        if current_locale() == "en" and d.get(f"{key}_en"):
            return d[f"{key}_en"]
        return d.get(f"{key}_ko") or d.get(key) or ""

    def has_endpoint(name: str) -> bool:
        return name in current_app.view_functions

    return {"t": t, "has_endpoint": has_endpoint, "md": render_markdown, "shown_score": services.display_score,
            "kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "state_labels": STATE_LABELS, "equipment_labels": EQUIPMENT_LABELS}


def get_enrollment_for(user, enrollment_id: int) -> Enrollment:
    """The enrollment if it belongs to ``user``; 404 otherwise (nobody learns it exists)."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id:
        abort(404)
    return enrollment


def _module_or_404(enrollment: Enrollment, slug: str) -> Module:
    module = services.module_by_slug(enrollment, slug)
    if module is None or module.retired_at is not None:
        abort(404)
    return module


def _without_leading_h1(text: str | None) -> str:
    """Drop a lesson file's own "# Title" line: the page already shows the module
    title as its one <h1>, and two identical headings read badly."""
    lines = (text or "").lstrip("\ufeff").splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].startswith("# "):
        return "\n".join(lines[i + 1:])
    return text or ""


def _module_url(enrollment: Enrollment, module: Module) -> str:
    return url_for("learning.module", enrollment_id=enrollment.id, slug=module.slug)


# --------------------------------------------------------------------------- enrol / dashboard

@bp.post("/courses/<code>/enroll")
@policy("trainee")
def enroll(code: str):
    """Online self-enrolment from the course page."""
    course = db.session.execute(select(Course).where(Course.code == code)).scalar_one_or_none()
    if course is None or not course.is_published:
        abort(404)
    existing = services.get_active_enrollment(current_user, course)
    try:
        enrollment = services.enroll(current_user, course)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_course_url(course))
    db.session.commit()
    if enrollment.status == "completed":
        flash(_("이미 수료한 과정입니다."), "info")
        return redirect(url_for("learning.dashboard"))
    if existing is None:
        flash(_("수강 신청이 완료되었습니다. 첫 학습을 시작해 보세요."), "success")
    return redirect(url_for("learning.resume", enrollment_id=enrollment.id))


def _course_url(course: Course) -> str:
    if "catalog.course" in current_app.view_functions:
        return url_for("catalog.course", code=course.code)
    return url_for("learning.dashboard")


@bp.get("/dashboard")
@policy("trainee")
def dashboard():
    """The trainee's home: every enrollment with progress and "continue where you left off"."""
    cards = []
    enrollments = services.user_enrollments(current_user)
    # the current sign-offs of every enrollment, read once for the module states and the completion status
    signoffs = services.latest_signoffs_many([e.id for e in enrollments])
    all_states = services.module_states_many(enrollments, signoffs)  # two statements more for all of them
    for e in enrollments:
        states = all_states[e.id]
        cards.append({
            "enrollment": e,
            "course": e.course,
            "percent": services.progress_percent(e, states),
            "done": sum(1 for s in states.values() if s == "done"),
            "total": len(states),
            "next": services.next_module(e, states) if e.status == "active" else None,
            "blocked": [m for m in services.active_modules(e.course) if states.get(m.id) == "blocked"],
            "status": services.completion_status(e, states, signoffs.get(e.id, {})) if e.status == "active" else None,
        })
    active = [c for c in cards if c["enrollment"].status == "active"]
    completed = [c for c in cards if c["enrollment"].status == "completed"]
    withdrawn = [c for c in cards if c["enrollment"].status == "withdrawn"]
    return render_template("learning/dashboard.html", active=active, completed=completed, withdrawn=withdrawn)


@bp.get("/learn/<int:enrollment_id>")
@policy("trainee")
def resume(enrollment_id: int):
    """"이어서 학습": open the module the trainee should work on next."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    module = services.next_module(enrollment)
    if module is None:
        modules = services.active_modules(enrollment.course)
        if not modules:
            flash(_("이 과정에는 아직 학습 모듈이 없습니다."), "info")
            return redirect(url_for("learning.dashboard"))
        module = modules[0]
    return redirect(_module_url(enrollment, module))


@bp.post("/learn/<int:enrollment_id>/withdraw")
@policy("trainee")
def withdraw(enrollment_id: int):
    enrollment = get_enrollment_for(current_user, enrollment_id)
    try:
        services.withdraw(enrollment)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("learning.dashboard"))
    db.session.commit()
    flash(_("수강을 취소했습니다. 학습 기록은 그대로 남습니다."), "info")
    return redirect(url_for("learning.dashboard"))


# --------------------------------------------------------------------------- module pages

def _module_context(enrollment: Enrollment, module: Module) -> dict:
    modules = services.active_modules(enrollment.course)
    states = services.module_states(enrollment)
    idx = next((i for i, m in enumerate(modules) if m.id == module.id), 0)
    return {
        "enrollment": enrollment,
        "course": enrollment.course,
        "module": module,
        "modules": modules,
        "states": states,
        "state": states.get(module.id, "todo"),
        "percent": services.progress_percent(enrollment, states),
        "done_count": sum(1 for s in states.values() if s == "done"),
        "prev_module": modules[idx - 1] if idx > 0 else None,
        "next_module": modules[idx + 1] if idx + 1 < len(modules) else None,
        "read_only": enrollment.status not in services.OPEN_STATUSES,
    }


@bp.get("/learn/<int:enrollment_id>/<slug>")
@policy("trainee")
def module(enrollment_id: int, slug: str):
    """A lesson, quiz or practical page, with the course's module list beside it."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    mod = _module_or_404(enrollment, slug)
    services.record_visit(enrollment, mod)
    db.session.commit()
    ctx = _module_context(enrollment, mod)
    if mod.kind == "lesson":
        return render_template("learning/lesson.html", body=render_markdown(_without_leading_h1(mod.body_md)), **ctx)
    if mod.kind == "quiz":
        attempts = services.quiz_attempts(enrollment, mod)
        current = next((a for a in attempts if a.submitted_at is None), None)
        return render_template(
            "learning/quiz.html",
            settings=services.quiz_settings(mod),
            attempts=[a for a in attempts if a.submitted_at is not None],
            attempt=current,
            questions=services.ordered_questions(current) if current else None,
            attempts_left=services.attempts_left(enrollment, mod),
            passed=any(a.passed for a in attempts if a.submitted_at is not None),
            **ctx,
        )
    signoff = services.latest_signoff(enrollment, mod)
    status = services.completion_status(enrollment)
    return render_template("learning/practical.html", data=mod.data or {}, signoff=signoff,
                           completion=status, **ctx)


@bp.post("/learn/<int:enrollment_id>/<slug>/complete")
@policy("trainee")
def complete(enrollment_id: int, slug: str):
    """"학습 완료" on a lesson."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    mod = _module_or_404(enrollment, slug)
    was_active = enrollment.status == "active"
    try:
        services.complete_lesson(enrollment, mod)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_module_url(enrollment, mod))
    db.session.commit()
    if was_active and enrollment.status == "completed":
        flash(_("축하합니다! 과정의 수료 요건을 모두 채웠습니다."), "success")
        return redirect(url_for("learning.dashboard"))
    flash(_("학습 완료로 표시했습니다."), "success")
    modules = services.active_modules(enrollment.course)
    idx = next(i for i, m in enumerate(modules) if m.id == mod.id)
    if idx + 1 < len(modules):
        return redirect(_module_url(enrollment, modules[idx + 1]))
    return redirect(_module_url(enrollment, mod))


@bp.post("/learn/<int:enrollment_id>/<slug>/attempts")
@policy("trainee")
def quiz_start(enrollment_id: int, slug: str):
    """Start (or resume) a quiz attempt."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    mod = _module_or_404(enrollment, slug)
    try:
        services.start_attempt(enrollment, mod)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_module_url(enrollment, mod))
    db.session.commit()
    return redirect(_module_url(enrollment, mod) + "#quiz-form")


@bp.post("/learn/<int:enrollment_id>/<slug>/attempts/<int:attempt_id>")
@policy("trainee")
def quiz_submit(enrollment_id: int, slug: str, attempt_id: int):
    """Submit the answers of an open attempt; shows the result page."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    mod = _module_or_404(enrollment, slug)
    try:
        attempt = services.get_attempt(enrollment, mod, attempt_id)
    except DomainError:
        abort(404)
    was_active = enrollment.status == "active"
    answers = {}
    for q in services.attempt_questions(attempt):
        qid = str(q["id"])
        answers[qid] = request.form.getlist(f"q-{qid}")
    try:
        attempt = services.submit_attempt(attempt, answers)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_module_url(enrollment, mod))
    db.session.commit()
    if was_active and enrollment.status == "completed":
        flash(_("축하합니다! 과정의 수료 요건을 모두 채웠습니다."), "success")
    return redirect(url_for("learning.quiz_result", enrollment_id=enrollment.id, slug=mod.slug, attempt_id=attempt.id))


@bp.get("/learn/<int:enrollment_id>/<slug>/attempts/<int:attempt_id>")
@policy("trainee")
def quiz_result(enrollment_id: int, slug: str, attempt_id: int):
    """Score, pass/fail and per-question right/wrong (submitted attempts only); the
    correct choices and explanations only once the quiz is passed or no attempt is left."""
    enrollment = get_enrollment_for(current_user, enrollment_id)
    mod = _module_or_404(enrollment, slug)
    try:
        attempt = services.get_attempt(enrollment, mod, attempt_id)
    except DomainError:
        abort(404)
    if attempt.submitted_at is None:
        # Explanations would give the answers away before submitting.
        return redirect(_module_url(enrollment, mod) + "#quiz-form")
    attempts = services.quiz_attempts(enrollment, mod)
    number = next(i for i, a in enumerate(attempts, 1) if a.id == attempt.id)
    reveal = services.answers_revealed(enrollment, mod)
    review = services.attempt_review(attempt, reveal=reveal)
    return render_template(
        "learning/quiz_result.html",
        attempt=attempt,
        number=number,
        review=review,
        reveal=reveal,
        correct_count=sum(1 for r in review if r["correct"]),
        settings=services.quiz_settings(mod),
        attempts_left=services.attempts_left(enrollment, mod),
        passed_any=any(a.passed for a in attempts if a.submitted_at is not None),
        **_module_context(enrollment, mod),
    )
