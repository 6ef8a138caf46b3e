"""The demo seed's quiz attempts follow the quiz rules (issue 8): each attempt records
the questions it drew (a subset when the quiz draws from a larger bank) and how many
were right, and passed is the exact comparison of correct/total with the pass mark."""
from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select

from lms.catalog.models import Module
from lms.demo.seed import seed_demo
from lms.extensions import db
from lms.learning.models import QuizAttempt
from tests.factories import make_course, sample_quiz


def test_seeded_attempts_draw_from_the_bank_and_pass_exactly():
    course = make_course("DQ101", lessons=1, quizzes=1, practicals=0, pass_mark=67)
    quiz = next(m for m in course.modules if m.kind == "quiz")
    base = sample_quiz(67)["questions"][0]
    quiz.data = dict(sample_quiz(67), questions_per_attempt=3,
                     questions=[dict(base, id=f"b{k}") for k in range(7)])
    db.session.flush()
    seed_demo(30, seed=3)
    attempts = db.session.execute(select(QuizAttempt).where(QuizAttempt.module_id == quiz.id)).scalars().all()
    assert attempts
    bank = {f"b{k}" for k in range(7)}
    for a in attempts:
        assert len(a.question_ids) == 3 and set(a.question_ids) <= bank
        assert set(a.answers) == set(a.question_ids) == set(a.choice_order)
        # 2 of 3 = 66.7 % is below 67: passed only at 3 of 3
        assert a.passed is (Fraction(a.correct_count, 3) >= Fraction(67, 100))
        assert db.session.get(Module, a.module_id).data["questions_per_attempt"] == 3
