"""The trainee's learning path: enrolment, progress, quizzes and the completion rule.

Every function flushes but never commits: the view or CLI command that calls it
commits once. Rule violations raise exceptions from :mod:`lms.errors` with a
translated (Korean source) message.

Truth per module kind:
- lesson: a ``ModuleProgress`` row with status "completed" (the trainee pressed "학습 완료");
- quiz: a submitted ``QuizAttempt`` that passed (its ModuleProgress is completed at the same time);
- practical: the latest non-superseded ``PracticalSignoff`` has outcome "passed"
  (only the assessor in the labs package writes those).
Retired modules (``Module.retired_at``) count for nothing.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists as sa_exists
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.catalog.models import Course, Module
from lms.core.db import utcnow
from lms.core.ratio import format_percent, meets_percent, percent_floor
from lms.errors import Conflict, DomainError, NotFound
from lms.extensions import db
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.learning.quizzes import (DEFAULT_MAX_ATTEMPTS, attempt_questions, attempt_review,  # noqa: F401 (re-exported)
                                  display_score, draw_questions, is_correct, normalise_answers, ordered_questions,
                                  quiz_settings)
from lms.learning.signals import enrollment_completed, enrollment_withdrawn

OPEN_STATUSES = ("active", "completed")  # statuses in which a trainee may still study


# --------------------------------------------------------------------------- enrolment

def enroll(user, course: Course, *, cohort=None, programme=None, sponsor=None) -> Enrollment:
    """Enrol ``user`` in ``course``; idempotent.

    Returns the user's active (or completed) enrollment when one exists, so a
    double click or a roster re-import never makes a second one. A withdrawn
    enrollment stays as history and a new one is created.
    """
    if course is None:
        raise NotFound(_("과정을 찾을 수 없습니다."))
    # Serialise concurrent enrolments of the same user (double submit): the row
    # lock on the user makes the second request see the first one's enrollment.
    from lms.accounts.models import User

    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    existing = get_active_enrollment(user, course)
    if existing is None:
        existing = _latest(user, course, ("completed",))
    if existing is not None:
        return existing
    if not course.is_published and cohort is None:
        raise DomainError(_("지금은 수강 신청을 받지 않는 과정입니다."))
    enrollment = Enrollment(
        user_id=user.id,
        course_id=course.id,
        cohort_id=getattr(cohort, "id", None),
        programme_id=getattr(programme, "id", None) or (getattr(cohort, "programme_id", None) if cohort else None),
        sponsor_company_id=getattr(sponsor, "id", None),
        status="active",
        enrolled_at=utcnow(),
    )
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def _latest(user, course, statuses) -> Enrollment | None:
    return db.session.execute(
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.course_id == course.id, Enrollment.status.in_(statuses))
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def get_active_enrollment(user, course: Course) -> Enrollment | None:
    """The user's enrollment in ``course`` with status "active", or None."""
    if user is None or not getattr(user, "is_authenticated", True) or course is None:
        return None
    return _latest(user, course, ("active",))


def user_enrollments(user) -> list[Enrollment]:
    """All of a user's enrollments, newest first (for the dashboard), with their courses and
    the courses' modules loaded (three statements)."""
    from sqlalchemy.orm import selectinload

    return list(db.session.execute(
        select(Enrollment).where(Enrollment.user_id == user.id)
        # The lesson text is read on the lesson page only; a dashboard needs titles and kinds.
        .options(selectinload(Enrollment.course).selectinload(Course.modules).defer(Module.body_md))
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    ).scalars())


def withdraw(enrollment: Enrollment) -> Enrollment:
    """Withdraw from an active enrollment (a completed one stays completed).

    Sends ``enrollment_withdrawn``: every lab seat and waiting-list place of the
    enrollment on a session that has not started is released (and the next person
    waiting promoted). Raises DomainError for an enrollment that is not active, or whose
    every module is done (it waits for the completion decision, not for a withdrawal)."""
    if enrollment.status != "active":
        raise DomainError(_("진행 중인 수강만 취소할 수 있습니다."))
    if progress_percent(enrollment) >= 100:
        raise DomainError(_("모든 모듈을 마친 수강은 취소할 수 없습니다. 수료 판정이나 수료증 발급을 기다리는 중입니다."))
    enrollment.status = "withdrawn"
    enrollment.withdrawn_at = utcnow()
    db.session.flush()
    # Subscribers (labs) give back the seats and waiting-list places it held, in this transaction.
    enrollment_withdrawn.send(enrollment)
    return enrollment


def _require_open(enrollment: Enrollment) -> None:
    if enrollment.status not in OPEN_STATUSES:
        raise DomainError(_("수강이 취소된 과정입니다. 다시 수강 신청해 주세요."))


def _require_module_of(enrollment: Enrollment, module: Module) -> None:
    if module is None or module.course_id != enrollment.course_id:
        raise NotFound(_("학습 모듈을 찾을 수 없습니다."))
    if module.retired_at is not None:
        raise DomainError(_("더 이상 제공되지 않는 학습 모듈입니다."))


# --------------------------------------------------------------------------- progress

def _progress_row(enrollment: Enrollment, module: Module) -> ModuleProgress | None:
    return db.session.execute(
        select(ModuleProgress).where(ModuleProgress.enrollment_id == enrollment.id,
                                     ModuleProgress.module_id == module.id)
    ).scalar_one_or_none()


def _touch(enrollment: Enrollment, module: Module) -> None:
    now = utcnow()
    enrollment.last_module_id = module.id
    enrollment.last_activity_at = now
    user = enrollment.user
    if user is not None:
        user.last_active_at = now


def record_visit(enrollment: Enrollment, module: Module) -> ModuleProgress | None:
    """Note that the trainee opened ``module``: remembers it for "continue where you
    left off" and starts its progress row (status "started") if there is none.

    A withdrawn enrollment is read-only, so nothing is recorded for it.
    """
    _require_module_of(enrollment, module)
    if enrollment.status not in OPEN_STATUSES:
        return None
    _touch(enrollment, module)
    row = _progress_row(enrollment, module)
    if row is None:
        row = ModuleProgress(enrollment_id=enrollment.id, module_id=module.id, status="started", started_at=utcnow())
        db.session.add(row)
    db.session.flush()
    return row


def complete_module(enrollment: Enrollment, module: Module) -> ModuleProgress:
    """Mark ``module`` completed for ``enrollment``; idempotent.

    Lessons complete when the trainee says so. A quiz completes only once an
    attempt has passed, and a practical only once its latest sign-off passed:
    this function refuses otherwise, so progress can never claim more than the
    records behind it.
    """
    _require_open(enrollment)
    _require_module_of(enrollment, module)
    if module.kind == "quiz" and not _quiz_passed(enrollment, module):
        raise DomainError(_("평가는 합격해야 완료됩니다."))
    if module.kind == "practical":
        signoff = latest_signoff(enrollment, module)
        if signoff is None or signoff.outcome != "passed":
            raise DomainError(_("실습은 평가자의 승인으로만 완료됩니다."))
    now = utcnow()
    row = _progress_row(enrollment, module)
    if row is None:
        row = ModuleProgress(enrollment_id=enrollment.id, module_id=module.id, started_at=now)
        db.session.add(row)
    if row.status != "completed":
        row.status = "completed"
        row.completed_at = now
    _touch(enrollment, module)
    db.session.flush()
    return row


def complete_lesson(enrollment: Enrollment, module: Module) -> CompletionStatus:
    """The trainee pressed "학습 완료" on a lesson: complete it and re-evaluate the course."""
    _require_module_of(enrollment, module)
    if module.kind != "lesson":
        raise DomainError(_("강의만 직접 완료 처리할 수 있습니다."))
    complete_module(enrollment, module)
    return refresh_completion(enrollment)


def active_modules(course: Course) -> list[Module]:
    """The course's modules in order, without retired ones."""
    return [m for m in sorted(course.modules, key=lambda m: (m.position, m.id)) if m.retired_at is None]


def latest_signoffs(enrollment: Enrollment) -> dict[int, object]:
    """{module_id: the latest non-superseded PracticalSignoff} for the enrollment."""
    return latest_signoffs_many([enrollment.id]).get(enrollment.id, {})


def latest_signoffs_many(enrollment_ids: list[int]) -> dict[int, dict[int, object]]:
    """{enrollment id: {module_id: latest non-superseded PracticalSignoff}} in one statement."""
    from lms.labs.models import PracticalSignoff as PS

    if not enrollment_ids:
        return {}
    newer = aliased(PS)  # NOT EXISTS looks up these rows' successors by index (never NOT IN over the table)
    rows = db.session.execute(
        select(PS).where(PS.enrollment_id.in_(enrollment_ids), ~sa_exists().where(newer.supersedes_id == PS.id))
        .order_by(PS.created_at, PS.id)
    ).scalars()
    out: dict[int, dict[int, object]] = {}
    for row in rows:  # ordered oldest first, so the newest head wins
        out.setdefault(row.enrollment_id, {})[row.module_id] = row
    return out


def latest_signoff(enrollment: Enrollment, module: Module):
    """The latest non-superseded sign-off of ``module`` for the enrollment, or None."""
    return latest_signoffs(enrollment).get(module.id)


def _completed_module_ids(enrollment: Enrollment) -> set[int]:
    return set(db.session.execute(
        select(ModuleProgress.module_id).where(ModuleProgress.enrollment_id == enrollment.id,
                                               ModuleProgress.status == "completed")
    ).scalars())


def _passed_quiz_ids(enrollment: Enrollment) -> set[int]:
    return set(db.session.execute(
        select(QuizAttempt.module_id).where(QuizAttempt.enrollment_id == enrollment.id,
                                            QuizAttempt.submitted_at.is_not(None),
                                            QuizAttempt.passed.is_(True))
    ).scalars())


def _quiz_passed(enrollment: Enrollment, module: Module) -> bool:
    return module.id in _passed_quiz_ids(enrollment)


def module_states(enrollment: Enrollment) -> dict[int, str]:
    """{module_id: state} for the course's active modules.

    States: "done", "started" (a lesson or practical opened, a quiz attempted but not passed),
    "failed" (practical whose latest sign-off failed), "blocked" (quiz with every
    attempt used and no pass: only staff can help), "todo".
    """
    return module_states_many([enrollment])[enrollment.id]


def module_states_many(enrollments: list[Enrollment], signoffs: dict | None = None) -> dict[int, dict[int, str]]:
    """{enrollment id: :func:`module_states`} for several enrollments (a trainee's dashboard)
    in three statements whatever their number (progress rows, quiz attempts and current
    sign-offs, each for all of them at once), plus the courses' modules unless loaded
    already (:func:`user_enrollments` loads them). ``signoffs``, when the caller has
    read them already (:func:`latest_signoffs_many` of these enrollments), saves the third."""
    if not enrollments:
        return {}
    ids = [e.id for e in enrollments]
    modules_of = {e.course_id: active_modules(e.course) for e in enrollments}
    completed: dict[int, set[int]] = {i: set() for i in ids}
    started: dict[int, set[int]] = {i: set() for i in ids}
    for eid, mid, status in db.session.execute(
            select(ModuleProgress.enrollment_id, ModuleProgress.module_id, ModuleProgress.status)
            .where(ModuleProgress.enrollment_id.in_(ids))):
        started[eid].add(mid)
        if status == "completed":
            completed[eid].add(mid)
    attempts: dict[int, list] = {i: [] for i in ids}
    for eid, mid, sub, ok in db.session.execute(
            select(QuizAttempt.enrollment_id, QuizAttempt.module_id, QuizAttempt.submitted_at, QuizAttempt.passed)
            .where(QuizAttempt.enrollment_id.in_(ids))):
        attempts[eid].append((mid, sub, ok))
    if signoffs is None:
        with_practicals = [e.id for e in enrollments if any(m.kind == "practical" for m in modules_of[e.course_id])]
        signoffs = latest_signoffs_many(with_practicals)
    return {e.id: _states(modules_of[e.course_id], completed[e.id], started[e.id], attempts[e.id],
                          signoffs.get(e.id, {})) for e in enrollments}


def _states(modules, completed: set[int], started: set[int], attempts: list, signoffs: dict) -> dict[int, str]:
    passed_quizzes = {mid for mid, sub, ok in attempts if sub is not None and ok}
    open_quizzes = {mid for mid, sub, _ok in attempts if sub is None}
    used: dict[int, int] = {}
    for mid, _sub, _ok in attempts:
        used[mid] = used.get(mid, 0) + 1
    states: dict[int, str] = {}
    for m in modules:
        if m.kind == "practical":
            s = signoffs.get(m.id)
            if s is not None and s.outcome == "passed":
                states[m.id] = "done"
            elif s is not None:
                states[m.id] = "failed"
            else:
                states[m.id] = "started" if m.id in started else "todo"
        elif m.kind == "quiz":
            limit = quiz_settings(m)["max_attempts"]
            if m.id in passed_quizzes:
                states[m.id] = "done"
            elif m.id not in open_quizzes and limit is not None and used.get(m.id, 0) >= limit:
                states[m.id] = "blocked"  # every attempt used without a pass
            else:
                # Opening the quiz's page is not taking it: in progress once an attempt exists.
                states[m.id] = "started" if used.get(m.id, 0) else "todo"
        else:
            states[m.id] = "done" if m.id in completed else ("started" if m.id in started else "todo")
    return states


def progress_percent(enrollment: Enrollment, states: dict[int, str] | None = None) -> int:
    """Share of the course's active modules that are done, 0-100 (whole percent)."""
    states = module_states(enrollment) if states is None else states
    if not states:
        return 0
    done = sum(1 for s in states.values() if s == "done")
    return int(done * 100 // len(states))


def next_module(enrollment: Enrollment, states: dict[int, str] | None = None) -> Module | None:
    """Where "이어서 학습" leads: the module last opened if it is not done yet, else
    the first module (in course order) that is not done. None when all are done.

    A practical waits for a lab session and the assessor, not for the trainee (and a
    quiz with no attempts left waits for staff), so these are only suggested once
    nothing else is left to do online.
    """
    states = module_states(enrollment) if states is None else states
    modules = active_modules(enrollment.course)
    by_id = {m.id: m for m in modules}
    last = by_id.get(enrollment.last_module_id) if enrollment.last_module_id else None
    if last is not None and last.kind != "practical" and states.get(last.id) not in ("done", "blocked"):
        return last
    pending = [m for m in modules if states.get(m.id) != "done"]
    online = [m for m in pending if m.kind != "practical" and states.get(m.id) != "blocked"]
    if online:
        return online[0]
    return pending[0] if pending else None


def module_by_slug(enrollment: Enrollment, slug: str) -> Module | None:
    """The course's module with ``slug`` (retired ones included, so old links still resolve)."""
    return db.session.execute(
        select(Module).where(Module.course_id == enrollment.course_id, Module.slug == slug)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- completion rule

@dataclass
class CompletionStatus:
    """How far an enrollment is from its course's completion rule."""

    lessons_done: int = 0
    lessons_total: int = 0
    quizzes_passed: int = 0
    quizzes_total: int = 0
    practicals_passed: int = 0
    practicals_total: int = 0
    attendance_percent: float | None = None
    attendance_in_progress: int = 0  # sessions running now with the trainee's attendance recorded
    attendance_required: int | None = None
    complete: bool = False
    missing: list[str] = field(default_factory=list)


def required_count(rule: dict, key: str, total: int) -> int:
    """How many modules of a kind the rule requires: "all" (the default, the safe
    reading for a certificate), a number, or "none"/0/false."""
    value = rule.get(key, "all")
    # Identity checks for booleans: 1 == True in Python, and 1 means "one module".
    if value is None or value is True or value == "all":
        return total
    if value is False or value in ("none", 0, "0"):
        return 0
    try:
        return max(0, min(total, int(value)))
    except (TypeError, ValueError):
        return total


def _attendance(enrollment: Enrollment):
    """The labs service's AttendanceSummary, or None when labs is not available."""
    try:
        from lms.labs.services import attendance_summary
    except ImportError:
        return None
    return attendance_summary(enrollment)


def completion_status(enrollment: Enrollment, states: dict[int, str] | None = None,
                      signoffs: dict | None = None) -> CompletionStatus:
    """Evaluate the course's completion rule (``Course.completion_rule``) for the enrollment.

    lessons: completed; quizzes: passed at the pass mark; practicals: latest
    non-superseded sign-off passed; attendance (only when the course has practical
    modules and the rule sets ``attendance_min_percent``): the labs service's
    percentage must be at least the threshold. ``missing`` lists in words what is
    still needed. ``states`` is ``module_states(enrollment)`` and ``signoffs``
    ``latest_signoffs(enrollment)`` when the caller has them already (the dashboard loads
    them for every enrollment at once).
    """
    course = enrollment.course
    rule = course.completion_rule or {}
    modules = active_modules(course)
    if states is None:
        states = module_states(enrollment)
    lessons = [m for m in modules if m.kind == "lesson"]
    quizzes = [m for m in modules if m.kind == "quiz"]
    practicals = [m for m in modules if m.kind == "practical"]
    st = CompletionStatus(
        lessons_done=sum(1 for m in lessons if states.get(m.id) == "done"),
        lessons_total=len(lessons),
        quizzes_passed=sum(1 for m in quizzes if states.get(m.id) == "done"),
        quizzes_total=len(quizzes),
        practicals_passed=sum(1 for m in practicals if states.get(m.id) == "done"),
        practicals_total=len(practicals),
    )
    missing: list[str] = []
    need = required_count(rule, "lessons", st.lessons_total)
    if st.lessons_done < need:
        left = need - st.lessons_done
        missing.append(ngettext("강의 %(num)d개를 더 완료해야 합니다.", "강의 %(num)d개를 더 완료해야 합니다.", left))
    need = required_count(rule, "quizzes", st.quizzes_total)
    if st.quizzes_passed < need:
        left = need - st.quizzes_passed
        missing.append(ngettext("평가 %(num)d개에 더 합격해야 합니다.", "평가 %(num)d개에 더 합격해야 합니다.", left))
    need = required_count(rule, "practicals", st.practicals_total)
    if st.practicals_passed < need:
        left = need - st.practicals_passed
        missing.append(ngettext("실습 %(num)d개의 평가자 승인이 필요합니다.", "실습 %(num)d개의 평가자 승인이 필요합니다.", left))

    threshold = rule.get("attendance_min_percent")
    if practicals and threshold not in (None, "", 0, False) and not _assessed_at_workplace(enrollment, practicals,
                                                                                            signoffs):
        st.attendance_required = int(threshold)
        summary = _attendance(enrollment)
        st.attendance_percent = summary.percent if summary is not None else None
        st.attendance_in_progress = summary.recorded_in_progress if summary is not None else 0
        if summary is None:
            missing.append(_("실습 출석률을 아직 집계할 수 없습니다."))
        elif summary.percent is None and summary.recorded_in_progress:
            missing.append(_("출석이 기록되었습니다. 실습 세션이 끝나면 출석률에 반영됩니다."))
        elif summary.percent is None:
            missing.append(_("실습 출석 기록이 아직 없습니다."))
        elif not summary.meets(st.attendance_required):
            # Decided on exact minutes; the percentage shown is rounded down, so it
            # never reads as the threshold itself (79.9 %, not 80 %).
            missing.append(_("실습 출석률이 %(percent)s%%로 기준(%(required)d%%)에 못 미칩니다.",
                             percent=format_percent(summary.percent), required=st.attendance_required))
    if not modules:
        missing.append(_("과정에 학습 모듈이 없습니다."))
    st.missing = missing
    st.complete = not missing
    return st


def _assessed_at_workplace(enrollment: Enrollment, practicals: list[Module], signoffs: dict | None = None) -> bool:
    """True when every practical's current sign-off was made at the trainee's workplace
    (by a meister, lms.meisters.workplace). The attendance threshold measures the lab
    hours of practicals assessed in a lab; a trainee whose practicals were all assessed
    at work booked none, so the threshold does not apply to them. A lab sign-off of
    any practical brings it back."""
    signoffs = latest_signoffs(enrollment) if signoffs is None else signoffs
    return all(getattr(signoffs.get(m.id), "site", None) == "workplace" for m in practicals)


def refresh_completion(enrollment: Enrollment) -> CompletionStatus:
    """Re-evaluate the rule; complete the enrollment the first time it is met.

    Moves "active" to "completed" (with ``completed_at``), flushes and sends
    ``enrollment_completed`` exactly once per enrollment. Labs calls this after a
    sign-off or attendance change; learning after a lesson or a passed quiz.
    """
    # Lock the enrollment row so two requests finishing the last module at once
    # cannot both see "active" and both send the signal (PostgreSQL; SQLite
    # serialises writers with BEGIN IMMEDIATE).
    if enrollment.id is not None:
        db.session.execute(
            select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update()
        )
        db.session.refresh(enrollment, attribute_names=["status", "completed_at"])
    status = completion_status(enrollment)
    _sync_practical_progress(enrollment)
    if status.complete and enrollment.status == "active":
        enrollment.status = "completed"
        enrollment.completed_at = utcnow()
        db.session.flush()
        enrollment_completed.send(enrollment)
    return status


def _sync_practical_progress(enrollment: Enrollment) -> None:
    """Keep ModuleProgress of practicals in step with their latest sign-off, so
    statistics reading progress rows see what the assessor decided (a failed
    correction takes a completion back)."""
    practicals = [m for m in active_modules(enrollment.course) if m.kind == "practical"]
    if not practicals:
        return
    signoffs = latest_signoffs(enrollment)
    for m in practicals:
        s = signoffs.get(m.id)
        row = _progress_row(enrollment, m)
        if s is not None and s.outcome == "passed":
            if row is None:
                row = ModuleProgress(enrollment_id=enrollment.id, module_id=m.id, started_at=utcnow())
                db.session.add(row)
            if row.status != "completed":
                row.status = "completed"
                row.completed_at = utcnow()
        elif row is not None and row.status == "completed":
            row.status = "started"
            row.completed_at = None
    db.session.flush()


# --------------------------------------------------------------------------- quizzes

def quiz_attempts(enrollment: Enrollment, module: Module) -> list[QuizAttempt]:
    """All attempts at the quiz for the enrollment, oldest first."""
    return list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.module_id == module.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).scalars())


def open_attempt(enrollment: Enrollment, module: Module) -> QuizAttempt | None:
    """The attempt started but not yet submitted, if any."""
    for a in quiz_attempts(enrollment, module):
        if a.submitted_at is None:
            return a
    return None


def attempts_left(enrollment: Enrollment, module: Module) -> int | None:
    """How many new attempts may still be started (None: no limit). An open attempt counts as used."""
    limit = quiz_settings(module)["max_attempts"]
    if limit is None:
        return None
    return max(0, limit - len(quiz_attempts(enrollment, module)))


def start_attempt(enrollment: Enrollment, module: Module, *, rng: random.Random | None = None) -> QuizAttempt:
    """Start (or resume) an attempt at a quiz.

    Returns the open attempt if there is one. Otherwise refuses when the quiz is
    already passed or every allowed attempt is used, and creates a new attempt
    storing, per question, the order its choices are shown in (shuffled when
    the quiz says so), so a reload shows the same order.
    """
    _require_open(enrollment)
    _require_module_of(enrollment, module)
    if module.kind != "quiz":
        raise DomainError(_("평가 모듈이 아닙니다."))
    # One attempt at a time per enrollment: lock the enrollment row.
    db.session.execute(select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update())
    current = open_attempt(enrollment, module)
    if current is not None:
        return current
    if _quiz_passed(enrollment, module):
        raise DomainError(_("이미 합격한 평가입니다."))
    left = attempts_left(enrollment, module)
    if left is not None and left <= 0:
        raise DomainError(_("응시 가능 횟수를 모두 사용했습니다."))
    settings = quiz_settings(module)
    rng = rng or secrets.SystemRandom()
    drawn = draw_questions(settings, quiz_attempts(enrollment, module), rng)
    order: dict[str, list[str]] = {}
    for q in drawn:
        ids = [str(c["id"]) for c in q.get("choices", [])]
        if settings["shuffle"]:
            rng.shuffle(ids)
        order[str(q["id"])] = ids
    attempt = QuizAttempt(enrollment_id=enrollment.id, module_id=module.id, started_at=utcnow(),
                          question_ids=[str(q["id"]) for q in drawn], choice_order=order, answers={})
    db.session.add(attempt)
    if _progress_row(enrollment, module) is None:
        db.session.add(ModuleProgress(enrollment_id=enrollment.id, module_id=module.id, status="started",
                                      started_at=utcnow()))
    _touch(enrollment, module)
    db.session.flush()
    return attempt


def submit_attempt(attempt: QuizAttempt, answers: dict) -> QuizAttempt:
    """Score and close an attempt; ``answers`` is {question id: [choice ids]}.

    Only the questions the attempt drew count (answers to others are ignored).
    Passed when correct/total is at least the pass mark, compared exactly
    (``correct * 100 >= pass_mark * total``: exactly at the mark passes, one
    question below fails); ``score`` (percent, rounded down to 0.01) is for
    display only. A submitted attempt is never changed: a second submit raises
    Conflict. A pass completes the quiz module and re-evaluates the course.
    """
    # Lock and re-read: two tabs submitting the same attempt must not both score it.
    locked = db.session.execute(
        select(QuizAttempt).where(QuizAttempt.id == attempt.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if locked.submitted_at is not None:
        raise Conflict(_("이미 제출한 응시입니다. 제출한 답안은 바꿀 수 없습니다."))
    enrollment = locked.enrollment
    _require_open(enrollment)
    module = locked.module
    settings = quiz_settings(module)
    questions = attempt_questions(locked)
    chosen = normalise_answers(questions, answers or {})
    correct = sum(1 for q in questions if is_correct(q, chosen[str(q["id"])]))
    total = len(questions)
    locked.question_ids = [str(q["id"]) for q in questions]
    locked.answers = chosen
    locked.correct_count = correct
    locked.score = percent_floor(correct, total, 2) if total else 0.0
    # Exact comparison: 2 of 3 right against a pass mark of 66 passes, 67 fails.
    locked.passed = bool(total) and meets_percent(correct, total, settings["pass_mark"])
    locked.submitted_at = utcnow()
    _touch(enrollment, module)
    db.session.flush()
    if locked.passed:
        complete_module(enrollment, module)
        refresh_completion(enrollment)
    return locked


def answers_revealed(enrollment: Enrollment, module: Module) -> bool:
    """May the trainee see correct choices and explanations of this quiz?

    Only once the quiz is passed or no attempt is left (every allowed attempt
    submitted). While a retake is possible a result shows right/wrong per question
    only, so the next attempt is not a copy of the review."""
    attempts = quiz_attempts(enrollment, module)
    if any(a.submitted_at is not None and a.passed for a in attempts):
        return True
    limit = quiz_settings(module)["max_attempts"]
    submitted = sum(1 for a in attempts if a.submitted_at is not None)
    return limit is not None and submitted >= limit


def get_attempt(enrollment: Enrollment, module: Module, attempt_id: int) -> QuizAttempt:
    """The attempt ``attempt_id`` of this enrollment and quiz; NotFound otherwise."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.enrollment_id != enrollment.id or attempt.module_id != module.id:
        raise NotFound(_("응시 기록을 찾을 수 없습니다."))
    return attempt
