"""Quiz integrity (issue 8): no answers or explanations while a retake is possible,
and a fresh draw from a larger question bank on every attempt, scored on the draw."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.extensions import db
from lms.learning import services
from lms.learning.models import QuizAttempt
from tests.factories import sample_quiz
from tests.learning.test_views import RIGHT_FORM, mods, module_url, setup_trainee

WRONG_FORM = {"q-q1": "b", "q-q2": ["c"], "q-q3": "b"}
EXPLANATIONS = ("PLC는 프로그래머블 로직 컨트롤러입니다.", "급여는 ERP의 기능입니다.", "비상정지 동작을 먼저 확인합니다.")


def _submit(client, e, quiz, form):
    client.post(module_url(e, quiz) + "/attempts")
    attempt = db.session.execute(select(QuizAttempt).where(QuizAttempt.enrollment_id == e.id,
                                                           QuizAttempt.submitted_at.is_(None))).scalar_one()
    r = client.post(module_url(e, quiz) + f"/attempts/{attempt.id}", data=form)
    assert r.status_code == 302
    return attempt, client.get(r.headers["Location"]).get_data(as_text=True)


def _reveals(html: str) -> bool:
    shown = [text in html for text in EXPLANATIONS]
    marks = "choice-correct" in html
    assert all(shown) == any(shown) == marks, "answers must be revealed all together or not at all"
    return marks


def test_failed_attempt_with_attempts_left_shows_right_wrong_only(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    db.session.commit()
    _a, html = _submit(client, e, quiz, {"q-q1": "a", "q-q2": ["c"], "q-q3": "b"})
    assert "불합격" in html and "남은 응시 기회: 2회" in html
    assert html.count('badge badge-ok">정답') == 1 and html.count('badge badge-err">오답') == 2
    assert not _reveals(html)
    assert "정답과 해설은 합격하거나 응시 기회를 모두 쓴 뒤에 공개됩니다" in html


def test_answers_revealed_when_no_attempt_is_left(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    db.session.commit()
    first, html = _submit(client, e, quiz, WRONG_FORM)
    assert not _reveals(html)
    _submit(client, e, quiz, WRONG_FORM)
    _a, html = _submit(client, e, quiz, WRONG_FORM)  # the third and last attempt
    assert "응시 가능 횟수를 모두 사용했습니다" in html
    assert _reveals(html)
    # ... and on every earlier result page too
    assert _reveals(client.get(module_url(e, quiz) + f"/attempts/{first.id}").get_data(as_text=True))


def test_answers_revealed_after_a_pass_including_earlier_failed_attempts(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    db.session.commit()
    failed, html = _submit(client, e, quiz, WRONG_FORM)
    assert not _reveals(html)
    _a, html = _submit(client, e, quiz, RIGHT_FORM)
    assert "합격" in html and _reveals(html)
    assert _reveals(client.get(module_url(e, quiz) + f"/attempts/{failed.id}").get_data(as_text=True))


def test_unlimited_attempts_reveal_only_after_a_pass(client):
    user, course = setup_trainee(client)
    quiz = mods(course, "quiz")[0]
    quiz.data = dict(quiz.data, max_attempts=0)
    e = services.enroll(user, course)
    db.session.commit()
    for _ in range(4):
        _a, html = _submit(client, e, quiz, WRONG_FORM)
        assert not _reveals(html)


def test_review_without_reveal_carries_no_answer_at_all():
    """The service itself strips answers, so no page can leak them by accident."""
    course = setup_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(_user(), course)
    a = services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["b"]})
    assert services.answers_revealed(e, quiz) is False
    for r in services.attempt_review(a, reveal=False):
        assert "answer" not in r["question"] and not any(k.startswith("explanation") for k in r["question"])
        assert all(c["right"] is None for c in r["choices"])
    for item in services.ordered_questions(services.start_attempt(e, quiz)):
        assert "answer" not in item["question"]


# ------------------------------------------------------------------ a fresh draw per attempt

def _bank(size: int, per_attempt: int | None, max_attempts: int = 3) -> dict:
    base = sample_quiz(60)["questions"][0]
    data = dict(sample_quiz(60), max_attempts=max_attempts,
                questions=[dict(base, id=f"b{k}", text_ko=f"문제은행 {k}번 문항") for k in range(size)])
    if per_attempt:
        data["questions_per_attempt"] = per_attempt
    return data


def setup_course(**kw):
    from tests.factories import make_course

    return make_course(completion_rule={"lessons": "all", "quizzes": "all"}, **kw)


def _user():
    from tests.factories import make_user

    return make_user()


def test_retake_draws_fresh_questions_and_scores_only_the_draw():
    course = setup_course()
    quiz = mods(course, "quiz")[0]
    quiz.data = _bank(6, 3)
    db.session.flush()
    e = services.enroll(_user(), course)
    first = services.start_attempt(e, quiz, rng=random.Random(7))
    assert len(first.question_ids) == 3 and set(first.choice_order) == set(first.question_ids)
    # answering questions the attempt did not get changes nothing; 1 of 3 right fails
    answers = {qid: ["a"] for qid in first.question_ids[:1]}
    answers.update({qid: ["b"] for qid in first.question_ids[1:]})
    answers.update({f"b{k}": ["a"] for k in range(6) if f"b{k}" not in first.question_ids})
    done = services.submit_attempt(first, answers)
    assert (done.correct_count, done.question_count, done.passed) == (1, 3, False)
    second = services.start_attempt(e, quiz, rng=random.Random(7))
    assert set(second.question_ids).isdisjoint(first.question_ids)  # not a copy of the first
    done = services.submit_attempt(second, {qid: ["a"] for qid in second.question_ids})
    assert (done.correct_count, done.question_count, done.passed, done.score) == (3, 3, True, 100)
    review = services.attempt_review(done)
    assert [r["question"]["id"] for r in review] == second.question_ids


def test_quiz_page_shows_only_the_drawn_questions(client):
    user, course = setup_trainee(client)
    quiz = mods(course, "quiz")[0]
    quiz.data = _bank(8, 4)
    e = services.enroll(user, course)
    db.session.commit()
    client.post(module_url(e, quiz) + "/attempts")
    attempt = db.session.execute(select(QuizAttempt).where(QuizAttempt.enrollment_id == e.id)).scalar_one()
    html = client.get(module_url(e, quiz)).get_data(as_text=True)
    shown = {f"b{k}" for k in range(8) if f'name="q-b{k}"' in html}
    assert shown == set(attempt.question_ids) and len(shown) == 4
    assert "4문항" in html and "문제은행 8문항" in html
    r = client.post(module_url(e, quiz) + f"/attempts/{attempt.id}",
                    data={f"q-{qid}": "a" for qid in attempt.question_ids})
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "4/4 문항 정답" in html and "100점" in html


@settings(max_examples=200, deadline=None)
@given(bank=st.integers(min_value=1, max_value=40), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_draws_are_fresh_until_the_bank_runs_out(bank, data, seed):
    """Every attempt gets ``n`` distinct bank questions in bank order; no question comes
    back before every question has been drawn as often, i.e. the draw spreads evenly."""
    n = data.draw(st.integers(min_value=1, max_value=bank))
    qs = [{"id": f"q{k}"} for k in range(bank)]
    cfg = {"questions": qs, "per_attempt": n}
    rng = random.Random(seed)
    earlier, seen = [], {q["id"]: 0 for q in qs}
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        drawn = [q["id"] for q in services.draw_questions(cfg, earlier, rng)]
        assert len(drawn) == len(set(drawn)) == n
        assert drawn == sorted(drawn, key=lambda qid: int(qid[1:]))
        low = min(seen.values())
        # only questions seen the fewest times (or the next level once those run out) are drawn
        fewest = [q for q, c in seen.items() if c == low]
        if n <= len(fewest):
            assert all(seen[q] == low for q in drawn)
        else:
            assert set(fewest) <= set(drawn)
        for q in drawn:
            seen[q] += 1
        earlier.append(SimpleNamespace(drawn_ids=drawn))


def test_attempts_older_than_the_draw_keep_their_questions():
    """An attempt without stored question_ids (made before the draw existed) is scored
    and reviewed on the questions it was shown (its stored choice order)."""
    course = setup_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(_user(), course)
    a = services.start_attempt(e, quiz)
    a.question_ids = None
    db.session.flush()
    assert a.drawn_ids == ["q1", "q2", "q3"]
    done = services.submit_attempt(a, {"q1": ["a"], "q2": ["a", "b"], "q3": ["a"]})
    assert done.passed and done.question_ids == ["q1", "q2", "q3"]


@pytest.mark.parametrize("per_attempt,expected", [(None, 3), (2, 2), (3, 3), (10, 3)])
def test_quiz_settings_per_attempt(per_attempt, expected):
    course = setup_course()
    quiz = mods(course, "quiz")[0]
    if per_attempt:
        quiz.data = dict(quiz.data, questions_per_attempt=per_attempt)
    assert services.quiz_settings(quiz)["per_attempt"] == expected


@pytest.mark.parametrize("right,passed", [(8, True), (7, False)])
def test_pass_mark_applies_to_the_drawn_questions(right, passed):
    """Bank of 20 drawing 10 with pass mark 80 (like SAF111): 8 of 10 pass, 7 fail."""
    course = setup_course(pass_mark=80)
    quiz = mods(course, "quiz")[0]
    quiz.data = dict(_bank(20, 10), pass_mark=80)
    db.session.flush()
    e = services.enroll(_user(), course)
    a = services.start_attempt(e, quiz)
    answers = {qid: (["a"] if k < right else ["b"]) for k, qid in enumerate(a.question_ids)}
    done = services.submit_attempt(a, answers)
    assert (done.correct_count, done.question_count, done.passed) == (right, 10, passed)
    assert services.display_score(done) == str(right * 10)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(limit=st.integers(min_value=0, max_value=3), outcomes=st.lists(st.booleans(), min_size=1, max_size=4))
def test_answers_revealed_exactly_after_a_pass_or_the_last_attempt(limit, outcomes):
    """For any attempt limit (0 = unlimited) and any run of failed/passed attempts
    (stopping at the first pass or at the limit): answers are revealed iff an
    attempt passed or every allowed attempt was submitted."""
    course = setup_course()
    quiz = mods(course, "quiz")[0]
    quiz.data = dict(quiz.data, max_attempts=limit)
    db.session.flush()
    e = services.enroll(_user(), course)
    right = {"q1": ["a"], "q2": ["a", "b"], "q3": ["a"]}
    submitted = 0
    for ok in outcomes:
        if limit and submitted >= limit:
            break
        services.submit_attempt(services.start_attempt(e, quiz), right if ok else {"q1": ["b"]})
        submitted += 1
        expected = ok or bool(limit and submitted >= limit)
        assert services.answers_revealed(e, quiz) is expected
        for a in services.quiz_attempts(e, quiz):
            review = services.attempt_review(a, reveal=services.answers_revealed(e, quiz))
            assert all((c["right"] is None) is (not expected) for r in review for c in r["choices"])
        if ok:
            break
