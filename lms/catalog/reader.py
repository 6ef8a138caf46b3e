"""Phase 1 of a course sync: read every course folder under courses/ (see
courses/README.md) into ``CourseSpec``s and collect *every* error (file, line,
Korean message): course.toml's fields, the completion rule, the ``[[modules]]``
list and its files, the content hash, and course codes unique across folders.

Touches no database; ``lms.catalog.loader.sync_courses`` writes what it returns.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.catalog.labels import TOPICS
from lms.catalog.models import LEVELS
from lms.catalog.modulefiles import (_kind_of, _questions_per_attempt, _read_practical, _read_quiz,
                                     _workplace_assessment)
from lms.catalog.tomlfile import (LoadError, _Collector, _find_table, _is_int, _is_number, _key_after, _Lines,
                                  _percent, _read_toml, _rel, _text)

COMPLETION_VALUES = ("all", "none")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")



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


