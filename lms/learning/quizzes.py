"""Quiz content rules that need no enrollment: a quiz's settings, the draw of an
attempt's questions from the bank, checking answers, and what a result page may show.

:mod:`lms.learning.services` uses these to start, submit and review attempts (and
re-exports them). Pure functions over ``Module.data`` and ``QuizAttempt`` rows:
nothing here queries or writes the database.
"""
from __future__ import annotations

import math
import random

from flask_babel import gettext as _

from lms.catalog.models import Module
from lms.core.ratio import format_percent, percent_floor
from lms.errors import ValidationError
from lms.learning.models import QuizAttempt

DEFAULT_MAX_ATTEMPTS = 3


def quiz_settings(module: Module) -> dict:
    """pass_mark (module's, else the course's; whole percent), max_attempts (None:
    unlimited), shuffle, questions (the whole bank) and per_attempt (how many
    questions each attempt draws from the bank; equals the bank's size when the
    course sets no ``questions_per_attempt`` or a number at least that large)."""
    data = module.data or {}
    pass_mark = data.get("pass_mark")
    if pass_mark is None:
        pass_mark = module.course.pass_mark if module.course is not None else 60
    max_attempts = data.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
    questions = list(data.get("questions") or [])
    per_attempt = data.get("questions_per_attempt")
    per_attempt = min(int(per_attempt), len(questions)) if per_attempt else len(questions)
    return {
        "pass_mark": int(pass_mark),
        "max_attempts": int(max_attempts) if max_attempts else None,  # 0/None: unlimited
        "shuffle": bool(data.get("shuffle", True)),
        "questions": questions,
        "per_attempt": per_attempt,
    }


def draw_questions(settings: dict, earlier: list[QuizAttempt], rng: random.Random) -> list[dict]:
    """The questions of a new attempt: ``settings["per_attempt"]`` of the bank, in bank order.

    When the bank is larger than the quiz the draw is fresh each attempt: questions
    the trainee has been shown least often (over ``earlier`` attempts) come first, ties
    broken at random, so a retake repeats a question only once the bank runs out."""
    bank = settings["questions"]
    n = settings["per_attempt"]
    if n >= len(bank):
        return list(bank)
    seen: dict[str, int] = {}
    for a in earlier:
        for qid in a.drawn_ids:
            seen[qid] = seen.get(qid, 0) + 1
    keyed = [(seen.get(str(q["id"]), 0), rng.random(), i) for i, q in enumerate(bank)]
    chosen = sorted(i for _seen, _r, i in sorted(keyed)[:n])
    return [bank[i] for i in chosen]


def attempt_questions(attempt: QuizAttempt) -> list[dict]:
    """The questions ``attempt`` got, in the order shown, as they stand in the bank
    (a question removed from the bank since is left out)."""
    by_id = {str(q["id"]): q for q in quiz_settings(attempt.module)["questions"]}
    return [by_id[qid] for qid in attempt.drawn_ids if qid in by_id]


def normalise_answers(questions: list[dict], answers: dict) -> dict[str, list[str]]:
    """Validate submitted choice ids against the questions; unanswered -> []."""
    out: dict[str, list[str]] = {}
    for q in questions:
        qid = str(q["id"])
        valid = {str(c["id"]) for c in q.get("choices", [])}
        raw = answers.get(qid, answers.get(q["id"], [])) or []
        if isinstance(raw, str):
            raw = [raw]
        chosen = sorted({str(x) for x in raw})
        if any(c not in valid for c in chosen):
            raise ValidationError(_("보기에 없는 답이 제출되었습니다."))
        if q.get("type", "single") == "single" and len(chosen) > 1:
            raise ValidationError(_("한 개만 고르는 문항에 여러 답이 제출되었습니다."))
        out[qid] = chosen
    return out


def is_correct(question: dict, chosen: list[str]) -> bool:
    """Correct when the chosen set equals the answer set exactly (no partial credit)."""
    return set(map(str, chosen)) == {str(a) for a in question.get("answer", [])}


def attempt_review(attempt: QuizAttempt, *, reveal: bool = True) -> list[dict]:
    """Per question the attempt got: the choices in the order shown, which were chosen,
    and whether the question was answered correctly.

    With ``reveal`` each choice also says whether it is right and the question keeps
    its explanation; without it (see :func:`answers_revealed`) ``right`` is None and
    the question dict carries no answer and no explanation, so a page cannot show
    them. Only meaningful (and only shown) after the attempt is submitted."""
    out = []
    for q in attempt_questions(attempt):
        qid = str(q["id"])
        by_id = {str(c["id"]): c for c in q.get("choices", [])}
        order = [cid for cid in (attempt.choice_order or {}).get(qid, []) if cid in by_id]
        order += [cid for cid in by_id if cid not in order]  # choices added after the attempt began
        chosen = (attempt.answers or {}).get(qid, [])
        answer = {str(a) for a in q.get("answer", [])}
        shown = q if reveal else {k: v for k, v in q.items() if k != "answer" and not k.startswith("explanation")}
        out.append({
            "question": shown,
            "choices": [{"choice": by_id[cid], "id": cid, "chosen": cid in chosen,
                         "right": (cid in answer) if reveal else None}
                        for cid in order],
            "correct": is_correct(q, chosen),
        })
    return out


def ordered_questions(attempt: QuizAttempt) -> list[dict]:
    """The attempt's questions with their choices in the stored order (for the form;
    no answers, no explanations)."""
    return [{"question": r["question"], "choices": [c["choice"] | {"id": c["id"]} for c in r["choices"]]}
            for r in attempt_review(attempt, reveal=False)]


def display_score(attempt: QuizAttempt) -> str:
    """The attempt's score as shown ("66.6"): rounded DOWN to 0.1 from the exact
    correct/total, so a failed attempt never shows the pass mark. "" before submission."""
    if attempt.submitted_at is None:
        return ""
    if attempt.correct_count is not None and attempt.question_count:
        return format_percent(percent_floor(attempt.correct_count, attempt.question_count))
    # Attempts recorded before correct_count existed: their stored score, rounded down.
    return format_percent(math.floor(round((attempt.score or 0) * 10, 6)) / 10)
