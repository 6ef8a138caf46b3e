"""The module files a course folder lists, validated: ``quiz-*.toml`` (questions,
choices, answers, pass mark, attempts) and ``practical-*.toml`` (equipment, summary,
safety notes, checklist), the module kind a file name stands for, and the
``[[modules]]`` keys that depend on the module (``questions_per_attempt``,
``workplace_assessment``).

Touches no database.
"""
from __future__ import annotations

from pathlib import Path

from lms.catalog.labels import EQUIPMENT
from lms.catalog.tomlfile import _Collector, _is_int, _percent, _read_toml, _rel, _text

QUESTION_TYPES = ("single", "multiple")
MIN_CHECKLIST = 5


def _kind_of(filename: str) -> str | None:
    if filename.endswith(".md"):
        return "lesson"
    if filename.startswith("quiz-") and filename.endswith(".toml"):
        return "quiz"
    if filename.startswith("practical-") and filename.endswith(".toml"):
        return "practical"
    return None



def _read_quiz(path: Path, course_pass_mark: int, out: _Collector) -> dict | None:
    rel = _rel(path)
    data, lines = _read_toml(path, out)
    if data is None:
        return None
    before = len(out.errors)
    pass_mark = _percent(data, "pass_mark", rel, lines.key("pass_mark"), out, course_pass_mark)
    max_attempts = data.get("max_attempts", 3)
    if not _is_int(max_attempts) or max_attempts < 1:
        out.err(rel, lines.key("max_attempts"), "'max_attempts'는 1 이상의 정수여야 합니다.")
    shuffle = data.get("shuffle", True)
    if not isinstance(shuffle, bool):
        out.err(rel, lines.key("shuffle"), "'shuffle'은 true 또는 false여야 합니다.")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        out.err(rel, None, "문항([[questions]])이 하나도 없습니다.")
        return None
    questions: list[dict] = []
    seen_q: dict[str, int] = {}
    for qi, q in enumerate(raw_questions):
        qline = lines.header("questions", qi)
        if not isinstance(q, dict):
            out.err(rel, qline, f"{qi + 1}번째 문항의 형식이 올바르지 않습니다.")
            continue
        qid = q.get("id")
        where = f"문항 {qid!s}: " if isinstance(qid, str) and qid else f"{qi + 1}번째 문항: "
        if not isinstance(qid, str) or not qid.strip():
            out.err(rel, qline, f"{qi + 1}번째 문항에 'id'가 없습니다.")
        elif qid in seen_q:
            out.err(rel, lines.key("id", "questions", qi),
                    f"문항 id '{qid}'가 중복됩니다({seen_q[qid]}번째 문항과 같음).")
        else:
            seen_q[qid] = qi + 1
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            out.err(rel, lines.key("type", "questions", qi),
                    f"{where}'type'은 single 또는 multiple이어야 합니다(현재: {qtype!r}).")
        text_ko = _text(q, "text_ko", rel, lines.key("text_ko", "questions", qi), out, required=True, what=where)
        text_en = _text(q, "text_en", rel, lines.key("text_en", "questions", qi), out, required=False, what=where)
        expl_ko = _text(q, "explanation_ko", rel, lines.key("explanation_ko", "questions", qi), out,
                        required=False, what=where)
        expl_en = _text(q, "explanation_en", rel, lines.key("explanation_en", "questions", qi), out,
                        required=False, what=where)
        if not expl_ko:
            out.warn(rel, qline, f"{where}해설(explanation_ko)이 없습니다.")
        raw_choices = q.get("choices")
        choices: list[dict] = []
        seen_c: set[str] = set()
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            out.err(rel, qline, f"{where}보기([[questions.choices]])가 2개 이상 있어야 합니다.")
            raw_choices = raw_choices if isinstance(raw_choices, list) else []
        for ci, c in enumerate(raw_choices):
            cline = lines.key("id", "questions", qi, sub="choices", sub_index=ci)
            if not isinstance(c, dict):
                out.err(rel, cline, f"{where}{ci + 1}번째 보기의 형식이 올바르지 않습니다.")
                continue
            cid = c.get("id")
            if not isinstance(cid, str) or not cid.strip():
                out.err(rel, cline, f"{where}{ci + 1}번째 보기에 'id'가 없습니다.")
                continue
            if cid in seen_c:
                out.err(rel, cline, f"{where}보기 id '{cid}'가 중복됩니다.")
                continue
            seen_c.add(cid)
            for extra in sorted(set(c) - {"id", "text_ko", "text_en"}):
                # TOML puts keys written after [[questions.choices]] into that choice:
                # usually a question's answer or explanation placed below its choices.
                out.err(rel, lines.key(extra, "questions", qi, sub="choices", sub_index=ci),
                        f"{where}보기 {cid}에 알 수 없는 항목 '{extra}'이(가) 있습니다. 문항의 항목(answer, explanation_ko 등)은 "
                        "[[questions.choices]]보다 앞에 적어야 합니다.")
            c_ko = _text(c, "text_ko", rel, cline, out, required=True, what=f"{where}보기 {cid}: ")
            c_en = _text(c, "text_en", rel, cline, out, required=False, what=f"{where}보기 {cid}: ")
            choices.append({"id": cid, "text_ko": c_ko, "text_en": c_en})
        answer = q.get("answer")
        aline = lines.key("answer", "questions", qi)
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            out.err(rel, aline, f"{where}'answer'는 보기 id의 목록이어야 합니다(예: [\"b\"]).")
            answer = []
        else:
            missing = [a for a in answer if a not in seen_c]
            if missing and seen_c:
                out.err(rel, aline, f"{where}정답 {', '.join(missing)}이(가) 보기 id({', '.join(sorted(seen_c))})에 없습니다.")
            if len(set(answer)) != len(answer):
                out.err(rel, aline, f"{where}정답에 같은 보기가 두 번 있습니다.")
            if qtype == "single" and len(answer) != 1:
                out.err(rel, aline, f"{where}단일 선택(single) 문항은 정답이 정확히 1개여야 합니다(현재 {len(answer)}개).")
        questions.append({
            "id": qid, "type": qtype, "text_ko": text_ko, "text_en": text_en, "choices": choices,
            "answer": list(answer), "explanation_ko": expl_ko, "explanation_en": expl_en,
        })
    if len(out.errors) > before:
        return None
    return {"pass_mark": pass_mark, "max_attempts": max_attempts, "shuffle": shuffle, "questions": questions}


def _read_practical(path: Path, out: _Collector) -> dict | None:
    rel = _rel(path)
    data, lines = _read_toml(path, out)
    if data is None:
        return None
    before = len(out.errors)
    equipment = data.get("equipment")
    eline = lines.key("equipment")
    if not isinstance(equipment, list) or not equipment or not all(isinstance(e, str) for e in equipment):
        out.err(rel, eline, "'equipment'는 장비 코드의 목록이어야 합니다(예: [\"plc_bench\"]).")
        equipment = []
    else:
        unknown = [e for e in equipment if e not in EQUIPMENT]
        if unknown:
            out.err(rel, eline, f"알 수 없는 장비 {', '.join(unknown)}입니다. 가능한 값: {', '.join(EQUIPMENT)}")
    summary_ko = _text(data, "summary_ko", rel, lines.key("summary_ko"), out, required=True)
    summary_en = _text(data, "summary_en", rel, lines.key("summary_en"), out, required=False)
    safety_ko = _text(data, "safety_ko", rel, lines.key("safety_ko"), out, required=False)
    safety_en = _text(data, "safety_en", rel, lines.key("safety_en"), out, required=False)
    raw = data.get("checklist")
    raw = raw if isinstance(raw, list) else []
    if len(raw) < MIN_CHECKLIST:
        out.err(rel, lines.header("checklist", 0),
                f"점검 항목([[checklist]])이 {len(raw)}개입니다. 관찰 가능한 항목이 {MIN_CHECKLIST}개 이상 있어야 합니다.")
    checklist: list[dict] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        iline = lines.key("id", "checklist", i)
        if not isinstance(item, dict):
            out.err(rel, iline, f"{i + 1}번째 점검 항목의 형식이 올바르지 않습니다.")
            continue
        cid = item.get("id")
        if not isinstance(cid, str) or not cid.strip():
            out.err(rel, lines.header("checklist", i), f"{i + 1}번째 점검 항목에 'id'가 없습니다.")
            continue
        if cid in seen:
            out.err(rel, iline, f"점검 항목 id '{cid}'가 중복됩니다.")
            continue
        seen.add(cid)
        t_ko = _text(item, "text_ko", rel, lines.key("text_ko", "checklist", i), out, required=True,
                     what=f"점검 항목 {cid}: ")
        t_en = _text(item, "text_en", rel, lines.key("text_en", "checklist", i), out, required=False,
                     what=f"점검 항목 {cid}: ")
        checklist.append({"id": cid, "text_ko": t_ko, "text_en": t_en})
    if len(out.errors) > before:
        return None
    return {"equipment": list(equipment), "summary_ko": summary_ko, "summary_en": summary_en,
            "safety_ko": safety_ko, "safety_en": safety_en, "checklist": checklist}



def _questions_per_attempt(m: dict, kind: str, mdata: dict | None, where: str, rel: str, line: int | None,
                           fpath: Path, out: _Collector) -> int | None:
    """``questions_per_attempt`` of a quiz's [[modules]] entry: how many questions each
    attempt draws from the quiz's bank (a whole number from 1 to the bank's size).
    Reports an error (path:line) and returns None for anything else."""
    value = m.get("questions_per_attempt")
    if kind != "quiz":
        out.err(rel, line, f"{where}'questions_per_attempt'는 평가(quiz-*.toml) 모듈에만 쓸 수 있습니다.")
        return None
    if not _is_int(value) or value < 1:
        out.err(rel, line, f"{where}'questions_per_attempt'는 1 이상의 정수여야 합니다(현재: {value!r}).")
        return None
    if mdata is not None and value > len(mdata["questions"]):
        out.err(rel, line, f"{where}'questions_per_attempt'({value})가 {_rel(fpath)}의 문항 수"
                           f"({len(mdata['questions'])})보다 많습니다.")
        return None
    return value


def _workplace_assessment(m: dict, kind: str, where: str, rel: str, line: int | None, out: _Collector) -> bool:
    """``workplace_assessment`` of a practical's [[modules]] entry: true lets a smart
    meister placed with the trainee's company sign the checklist off at the workplace
    (lms.meisters.workplace). Reports an error (path:line) for anything but a boolean
    on a practical module."""
    value = m.get("workplace_assessment")
    if kind != "practical":
        out.err(rel, line, f"{where}'workplace_assessment'는 실습(practical-*.toml) 모듈에만 쓸 수 있습니다.")
        return False
    if not isinstance(value, bool):
        out.err(rel, line, f"{where}'workplace_assessment'는 true 또는 false여야 합니다(현재: {value!r}).")
        return False
    return value


