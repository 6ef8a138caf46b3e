"""Read course folders (see courses/README.md), validate them, and upsert the
database by course code.

Two phases, so that a broken file never leaves half a catalogue behind:

1. :func:`read_courses` parses every folder and collects *every* error (file,
   line, Korean message) without touching the database;
2. :func:`sync_courses` writes only when phase 1 found nothing, and only what
   differs, so running it twice changes nothing the second time.

A module that disappears from course.toml is deleted when no learner record
points at it, and retired (``retired_at``) otherwise; it comes back to life
when the file returns. The function flushes but never commits: the CLI does.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from lms.catalog.labels import EQUIPMENT, TOPICS
from lms.catalog.models import LEVELS, Course, Module
from lms.core.db import utcnow
from lms.extensions import db

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

COMPLETION_VALUES = ("all", "none")
QUESTION_TYPES = ("single", "multiple")
MIN_CHECKLIST = 5
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LoadError:
    """One problem in the course files: where it is and what is wrong (Korean)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass
class ModuleSpec:
    """A module as read from disk, ready to compare with the database row."""

    slug: str
    kind: str
    position: int
    title_ko: str
    title_en: str
    hours: float
    body_md: str | None
    data: dict


@dataclass
class CourseSpec:
    """A course folder as read from disk."""

    folder: str
    path: str  # course.toml, relative to the repo when possible
    code: str
    fields: dict
    modules: list[ModuleSpec]
    content_hash: str


@dataclass
class SyncReport:
    """What a sync found and did. ``errors`` non-empty means nothing was written."""

    root: str
    checked_only: bool = False
    courses_seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    modules_created: int = 0
    modules_updated: int = 0
    modules_unchanged: int = 0
    modules_retired: int = 0
    modules_deleted: int = 0
    modules_restored: int = 0
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)
    not_in_folder: list[str] = field(default_factory=list)  # course codes in the DB only

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def retired(self) -> int:
        return self.modules_retired

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.modules_created or self.modules_updated
                    or self.modules_retired or self.modules_deleted or self.modules_restored)

    def summary_lines(self) -> list[str]:
        """Human-readable report (Korean, like the rest of the operator output)."""
        mode = "검사만 했습니다(--check, 저장하지 않음)" if self.checked_only else "동기화했습니다"
        lines = [f"과정 폴더 {self.courses_seen}개를 {mode}: {self.root}"]
        if not self.checked_only and self.ok:
            lines.append(f"과정: 새로 만듦 {self.created}, 변경 {self.updated}, 그대로 {self.unchanged}")
            lines.append(
                f"모듈: 새로 만듦 {self.modules_created}, 변경 {self.modules_updated}, 그대로 {self.modules_unchanged}, "
                f"사용 중지 {self.modules_retired}, 삭제 {self.modules_deleted}, 복원 {self.modules_restored}"
            )
        if self.not_in_folder:
            lines.append("폴더에 없는 과정(데이터베이스에만 있음, 그대로 둠): " + ", ".join(self.not_in_folder))
        return lines


# --------------------------------------------------------------------------- line finding


class _Lines:
    """Find the line of a key or an id in a TOML file's text.

    tomllib gives no positions for values, so semantic errors are located by
    scanning the text: the n-th ``[[header]]`` block, then a ``key =`` inside it.
    Good enough for the hand-written files of courses/; ``None`` when not found.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _headers(self, header: str) -> list[int]:
        pat = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(#.*)?$")
        return [i for i, line in enumerate(self.lines) if pat.match(line)]

    def _any_header(self, i: int) -> bool:
        return bool(re.match(r"^\s*\[", self.lines[i]))

    def key(self, key: str, header: str | None = None, index: int = 0, sub: str | None = None,
            sub_index: int = 0) -> int | None:
        """Line (1-based) of ``key =`` at top level, or inside the ``index``-th
        ``[[header]]`` block (optionally its ``sub_index``-th ``[[header.sub]]``)."""
        start, end = self._block(header, index)
        if start is None:
            return None
        if sub is not None:
            subs = [i for i in self._headers(f"{header}.{sub}") if start <= i < end]
            if sub_index >= len(subs):
                return start + 1
            start = subs[sub_index]
            end = next((i for i in range(start + 1, end) if self._any_header(i)), end)
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start, end):
            if i > start and header is None and self._any_header(i):
                break
            if header is not None and i > start and self._any_header(i) and sub is None:
                # Nested tables such as [[questions.choices]] belong to the block,
                # but the block's own keys come before them.
                break
            if pat.match(self.lines[i]):
                return i + 1
        return start + 1 if header is not None else None

    def header(self, header: str, index: int) -> int | None:
        hs = self._headers(header)
        return hs[index] + 1 if index < len(hs) else None

    def _block(self, header: str | None, index: int) -> tuple[int | None, int]:
        n = len(self.lines)
        if header is None:
            return 0, n
        hs = self._headers(header)
        if index >= len(hs):
            return None, n
        start = hs[index]
        end = hs[index + 1] if index + 1 < len(hs) else n
        # A different top-level array ([[modules]] after [[checklist]]...) also ends it.
        top = header.split(".")[0]
        for i in range(start + 1, end):
            m = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", self.lines[i])
            if m and m.group(1).split(".")[0] != top:
                return start, i
        return start, end


# --------------------------------------------------------------------------- reading


def _rel(path: Path) -> str:
    """The path as operators see it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class _Collector:
    def __init__(self):
        self.errors: list[LoadError] = []
        self.warnings: list[LoadError] = []

    def err(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(LoadError(path, line, message))

    def warn(self, path: str, line: int | None, message: str) -> None:
        self.warnings.append(LoadError(path, line, message))


def _read_toml(path: Path, out: _Collector) -> tuple[dict | None, _Lines | None]:
    rel = _rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        out.err(rel, None, "파일이 없습니다.")
        return None, None
    except UnicodeDecodeError:
        out.err(rel, None, "UTF-8 인코딩이 아닙니다. 파일을 UTF-8로 저장해 주세요.")
        return None, None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if m:
            detail += f" ({m.group(2)}번째 글자)"
        out.err(rel, line, f"TOML 문법 오류입니다: {detail}")
        return None, None
    return data, _Lines(text)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _text(d: dict, key: str, rel: str, line: int | None, out: _Collector, *, required: bool,
          what: str = "") -> str:
    """A string value; reports a missing required key or a non-string value."""
    v = d.get(key)
    if v is None:
        if required:
            out.err(rel, line, f"{what}필수 항목 '{key}'이(가) 없습니다.")
        return ""
    if not isinstance(v, str):
        out.err(rel, line, f"{what}'{key}'은(는) 문자열이어야 합니다.")
        return ""
    if required and not v.strip():
        out.err(rel, line, f"{what}'{key}'이(가) 비어 있습니다.")
    return v.strip()


def _kind_of(filename: str) -> str | None:
    if filename.endswith(".md"):
        return "lesson"
    if filename.startswith("quiz-") and filename.endswith(".toml"):
        return "quiz"
    if filename.startswith("practical-") and filename.endswith(".toml"):
        return "practical"
    return None


def _percent(d: dict, key: str, rel: str, line: int | None, out: _Collector, default: int | None) -> int | None:
    v = d.get(key, default)
    if v is None:
        return None
    if not _is_int(v) or not 0 <= v <= 100:
        out.err(rel, line, f"'{key}'은(는) 0에서 100 사이의 정수(퍼센트)여야 합니다.")
        return default
    return v


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


def _read_course(folder: Path, out: _Collector) -> CourseSpec | None:
    toml_path = folder / "course.toml"
    rel = _rel(toml_path)
    if not toml_path.is_file():
        out.err(_rel(folder), None, "course.toml이 없습니다. 과정 폴더마다 course.toml이 있어야 합니다.")
        return None
    data, lines = _read_toml(toml_path, out)
    if data is None:
        return None
    before = len(out.errors)

    code = _text(data, "code", rel, lines.key("code"), out, required=True)
    if code and not CODE_RE.match(code):
        out.err(rel, lines.key("code"), f"과정 코드 '{code}'는 영문 대문자로 시작하는 대문자·숫자 코드여야 합니다(예: SF101).")
    fields: dict[str, Any] = {"slug": folder.name, "code": code}
    for key in ("title_ko", "title_en", "summary_ko", "summary_en", "ncs_code"):
        fields[key] = _text(data, key, rel, lines.key(key), out, required=True)
    hours = data.get("hours")
    if hours is None:
        out.err(rel, None, "필수 항목 'hours'가 없습니다.")
    elif not _is_number(hours):
        out.err(rel, lines.key("hours"), f"'hours'는 숫자여야 합니다(현재: {hours!r}).")
    elif not _is_int(hours) and not float(hours).is_integer():
        out.err(rel, lines.key("hours"), f"과정의 'hours'는 정수여야 합니다(현재: {hours}).")
    elif hours <= 0:
        out.err(rel, lines.key("hours"), "'hours'는 0보다 커야 합니다.")
    fields["hours"] = int(hours) if _is_number(hours) else 0
    for key, allowed in (("level", LEVELS), ("topic", TOPICS)):
        v = data.get(key)
        if v is None:
            out.err(rel, None, f"필수 항목 '{key}'가 없습니다.")
        elif v not in allowed:
            out.err(rel, lines.key(key), f"알 수 없는 {key} '{v}'입니다. 가능한 값: {', '.join(allowed)}")
        fields[key] = v
    fields["pass_mark"] = _percent(data, "pass_mark", rel, lines.key("pass_mark"), out, 60)
    vfm = data.get("valid_for_months")
    if vfm is not None and (not _is_int(vfm) or vfm <= 0):
        out.err(rel, lines.key("valid_for_months"), "'valid_for_months'는 1 이상의 정수(개월)여야 합니다.")
        vfm = None
    fields["valid_for_months"] = vfm

    completion = data.get("completion", {"lessons": "all", "quizzes": "all", "practicals": "all"})
    cline = lines.header("completion", 0) or _find_table(lines, "completion")
    rule: dict[str, Any] = {}
    if not isinstance(completion, dict):
        out.err(rel, cline, "[completion]은 표(table)여야 합니다.")
    else:
        for key in ("lessons", "quizzes", "practicals"):
            v = completion.get(key, "all")
            # "all", "none", or how many modules of that kind are required.
            if v not in COMPLETION_VALUES and not (_is_int(v) and v >= 0):
                out.err(rel, _key_after(lines, cline, key),
                        f"[completion] '{key}'는 \"all\", \"none\" 또는 0 이상의 정수여야 합니다.")
            rule[key] = v
        if "attendance_min_percent" in completion:
            rule["attendance_min_percent"] = _percent(
                completion, "attendance_min_percent", rel, _key_after(lines, cline, "attendance_min_percent"), out, None)
        for key in completion:
            if key not in ("lessons", "quizzes", "practicals", "attendance_min_percent"):
                out.warn(rel, _key_after(lines, cline, key), f"[completion]의 알 수 없는 항목 '{key}'는 무시합니다.")
    fields["completion_rule"] = rule

    raw_modules = data.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        out.err(rel, None, "모듈([[modules]])이 하나도 없습니다.")
        raw_modules = []
    modules: list[ModuleSpec] = []
    seen_files: dict[str, int] = {}
    hashed: list[Path] = [toml_path]
    module_hours = 0.0
    for i, m in enumerate(raw_modules):
        mline = lines.header("modules", i)
        if not isinstance(m, dict):
            out.err(rel, mline, f"{i + 1}번째 모듈의 형식이 올바르지 않습니다.")
            continue
        fname = m.get("file")
        fline = lines.key("file", "modules", i)
        if not isinstance(fname, str) or not fname.strip():
            out.err(rel, mline, f"{i + 1}번째 모듈에 'file'이 없습니다.")
            continue
        where = f"모듈 {fname}: "
        if "/" in fname or "\\" in fname or fname.startswith("."):
            out.err(rel, fline, f"{where}파일 이름만 적어야 합니다(하위 폴더·상위 경로 불가).")
            continue
        if fname in seen_files:
            out.err(rel, fline, f"{where}같은 파일이 {seen_files[fname]}번째 모듈에도 있습니다.")
            continue
        seen_files[fname] = i + 1
        kind = _kind_of(fname)
        if kind is None:
            out.err(rel, fline, f"{where}모듈 종류를 알 수 없습니다. 파일 이름은 *.md(강의), quiz-*.toml(평가), "
                                "practical-*.toml(실습) 중 하나여야 합니다.")
            continue
        title_ko = _text(m, "title_ko", rel, lines.key("title_ko", "modules", i), out, required=True, what=where)
        title_en = _text(m, "title_en", rel, lines.key("title_en", "modules", i), out, required=False, what=where)
        mh = m.get("hours")
        if mh is None:
            out.err(rel, mline, f"{where}필수 항목 'hours'가 없습니다.")
            mh = 0
        elif not _is_number(mh) or mh < 0:
            out.err(rel, lines.key("hours", "modules", i), f"{where}'hours'는 0 이상의 숫자여야 합니다(현재: {mh!r}).")
            mh = 0
        module_hours += float(mh)
        fpath = folder / fname
        if not fpath.is_file():
            out.err(rel, fline, f"{where}파일 {_rel(fpath)}이(가) 없습니다.")
            continue
        hashed.append(fpath)
        body_md, mdata = None, {}
        if kind == "lesson":
            try:
                body_md = fpath.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                out.err(_rel(fpath), None, "UTF-8 인코딩이 아닙니다. 파일을 UTF-8로 저장해 주세요.")
                continue
            if not body_md.strip():
                out.err(_rel(fpath), 1, "강의 파일이 비어 있습니다.")
        elif kind == "quiz":
            mdata = _read_quiz(fpath, fields["pass_mark"] or 60, out)
        else:
            mdata = _read_practical(fpath, out)
        if "questions_per_attempt" in m:
            draw = _questions_per_attempt(m, kind, mdata, where, rel,
                                          lines.key("questions_per_attempt", "modules", i), fpath, out)
            if draw is not None and mdata is not None:
                mdata = dict(mdata, questions_per_attempt=draw)
        if "workplace_assessment" in m:
            allowed = _workplace_assessment(m, kind, where, rel, lines.key("workplace_assessment", "modules", i), out)
            if allowed and mdata is not None:
                mdata = dict(mdata, workplace_assessment=True)
        if mdata is None:
            continue
        modules.append(ModuleSpec(slug=Path(fname).stem, kind=kind, position=i + 1, title_ko=title_ko,
                                  title_en=title_en, hours=float(mh), body_md=body_md, data=mdata))
    if _is_number(hours) and raw_modules and abs(module_hours - float(hours)) > 1e-6:
        out.warn(rel, lines.key("hours"),
                 f"모듈 시간의 합({module_hours:g}시간)이 과정 시간({hours}시간)과 다릅니다.")
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name != "course.toml" and f.name not in seen_files and _kind_of(f.name):
            out.warn(_rel(f), None, "course.toml의 [[modules]]에 없는 파일이라 불러오지 않습니다.")
    if len(out.errors) > before:
        return None
    digest = hashlib.sha256()
    for p in hashed:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return CourseSpec(folder=folder.name, path=rel, code=code, fields=fields, modules=modules,
                      content_hash=digest.hexdigest())


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


def _find_table(lines: _Lines, name: str) -> int | None:
    pat = re.compile(r"^\s*\[\s*" + re.escape(name) + r"\s*\]")
    return next((i + 1 for i, line in enumerate(lines.lines) if pat.match(line)), None)


def _key_after(lines: _Lines, start: int | None, key: str) -> int | None:
    """Line of ``key =`` in the [table] that begins at line ``start``."""
    if start is None:
        return None
    pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines.lines)):
        if re.match(r"^\s*\[", lines.lines[i]):
            break
        if pat.match(lines.lines[i]):
            return i + 1
    return start


def read_courses(root: Path | str) -> tuple[list[CourseSpec], list[LoadError], list[LoadError]]:
    """Parse and validate every course folder under ``root``; touch no database.

    Returns (courses, errors, warnings). Folders whose name starts with "." or
    "_" are skipped (drafts, tooling); files directly in ``root`` are ignored.
    """
    root = Path(root)
    out = _Collector()
    if not root.is_dir():
        out.err(_rel(root), None, "과정 폴더가 없습니다.")
        return [], out.errors, out.warnings
    specs: list[CourseSpec] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        spec = _read_course(folder, out)
        if spec is not None:
            specs.append(spec)
    # Codes are checked across folders too, on the raw files, so that a
    # duplicate is reported even when one of the two folders has other errors.
    by_code: dict[str, list[CourseSpec]] = {}
    for spec in specs:
        by_code.setdefault(spec.code, []).append(spec)
    for code, group in by_code.items():
        if len(group) > 1:
            for spec in group:
                others = ", ".join(s.folder for s in group if s is not spec)
                line = _Lines((root / spec.folder / "course.toml").read_text(encoding="utf-8")).key("code")
                out.err(spec.path, line, f"과정 코드 '{code}'가 다른 폴더({others})에도 있습니다. 코드는 과정마다 달라야 합니다.")
    return specs, out.errors, out.warnings


# --------------------------------------------------------------------------- writing


_COURSE_FIELDS = ("slug", "title_ko", "title_en", "summary_ko", "summary_en", "hours", "level", "topic",
                  "ncs_code", "pass_mark", "valid_for_months", "completion_rule")
_MODULE_FIELDS = ("kind", "position", "title_ko", "title_en", "hours", "body_md", "data")


def _assign(obj, values: dict) -> bool:
    """Set attributes that differ; True when anything changed (so unchanged rows stay untouched)."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _module_fk_columns() -> list[sa.Column]:
    """Every column in the schema that references modules.id: learner records of
    any package (progress, attempts, sign-offs, lab sessions, last position)."""
    cols = []
    for table in db.metadata.tables.values():
        if table.name == "modules":
            continue
        for col in table.columns:
            if any(fk.column.table.name == "modules" and fk.column.name == "id" for fk in col.foreign_keys):
                cols.append(col)
    return cols


def module_has_records(module: Module) -> bool:
    """True when any row in the database points at ``module`` (it must then be retired, not deleted)."""
    for col in _module_fk_columns():
        if db.session.execute(select(sa.literal(1)).select_from(col.table).where(col == module.id).limit(1)).first():
            return True
    return False


def sync_courses(root: Path | str, *, check: bool = False, progress=None) -> SyncReport:
    """Validate ``root`` and, when valid and not ``check``, upsert it by course code.

    Nothing is written when there is any error. Only differing fields are
    written, so a second run reports everything unchanged. Flushes, never commits.
    ``progress(done, total)`` is called as each course is upserted.
    """
    root = Path(root)
    specs, errors, warnings = read_courses(root)
    report = SyncReport(root=_rel(root), checked_only=check, courses_seen=len(specs), errors=errors, warnings=warnings)
    if errors:
        return report
    if check and not sa.inspect(db.session.connection()).has_table(Course.__tablename__):
        return report  # validating files needs no database; there is nothing to compare with

    existing = {c.code: c for c in db.session.execute(select(Course)).scalars()}
    report.not_in_folder = sorted(set(existing) - {s.code for s in specs})
    # A folder name (slug) still held by a course that is no longer in the folder
    # cannot be taken over silently: the operator decides what happens to it.
    stale = {existing[code].slug: code for code in report.not_in_folder}
    for spec in specs:
        other = stale.get(spec.folder)
        if other is not None:
            line = _Lines((root / spec.folder / "course.toml").read_text(encoding="utf-8")).key("code")
            report.errors.append(LoadError(spec.path, line, f"폴더 이름 '{spec.folder}'을(를) 데이터베이스의 다른 과정 "
                                                         f"{other}이(가) 쓰고 있습니다. 과정 코드를 바꾸려면 폴더 이름도 바꿔 주세요."))
    if report.errors or check:
        return report
    # Renamed folders may swap names: park moving courses on a temporary slug
    # first so the unique constraint never sees two rows with one slug mid-flush.
    moving = [existing[s.code] for s in specs if s.code in existing and existing[s.code].slug != s.folder]
    if moving:
        for course in moving:
            course.slug = f"~{course.code}"
        db.session.flush()

    step = progress or (lambda done, total: None)
    with db.session.no_autoflush:
        for done, spec in enumerate(specs, 1):
            step(done, len(specs))
            course = existing.get(spec.code)
            if course is None:
                course = Course(code=spec.code, is_published=True, modules=[])
                _assign(course, {k: spec.fields[k] for k in _COURSE_FIELDS})
                course.content_hash = spec.content_hash
                db.session.add(course)
                report.created += 1
                for ms in spec.modules:
                    course.modules.append(Module(slug=ms.slug, **{k: getattr(ms, k) for k in _MODULE_FIELDS}))
                    report.modules_created += 1
                continue
            changed = _assign(course, {k: spec.fields[k] for k in _COURSE_FIELDS})
            changed |= _sync_modules(course, spec, report)
            if course.content_hash != spec.content_hash:
                course.content_hash = spec.content_hash
                changed = True
            if changed:
                report.updated += 1
            else:
                report.unchanged += 1
    db.session.flush()
    if report.created or report.updated:
        from lms.core.db import analyze

        analyze(db.session, ["courses", "modules"])
    return report


def _sync_modules(course: Course, spec: CourseSpec, report: SyncReport) -> bool:
    changed = False
    by_slug = {m.slug: m for m in course.modules}
    wanted = {ms.slug for ms in spec.modules}
    for ms in spec.modules:
        values = {k: getattr(ms, k) for k in _MODULE_FIELDS}
        module = by_slug.get(ms.slug)
        if module is None:
            course.modules.append(Module(slug=ms.slug, **values))
            report.modules_created += 1
            changed = True
            continue
        restored = module.retired_at is not None
        if restored:
            module.retired_at = None
            report.modules_restored += 1
        if _assign(module, values):
            report.modules_updated += 1
            changed = True
        elif not restored:
            report.modules_unchanged += 1
        changed |= restored
    # Removed modules go after the active ones so positions stay unique among the live ones.
    tail = len(spec.modules)
    for module in sorted(course.modules, key=lambda m: m.position):
        if module.slug in wanted or module.retired_at is not None:
            continue
        changed = True
        if module.id is not None and module_has_records(module):
            module.retired_at = utcnow()
            tail += 1
            module.position = tail
            report.modules_retired += 1
        else:
            course.modules.remove(module)  # delete-orphan cascade removes the row
            report.modules_deleted += 1
    return changed
