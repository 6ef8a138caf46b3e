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

Phase 1 lives in ``reader`` (course folders), ``modulefiles`` (quiz and practical
files) and ``tomlfile`` (errors with their line); this module is phase 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from lms.catalog.models import Course, Module
from lms.catalog.reader import CourseSpec, read_courses
from lms.catalog.tomlfile import LoadError, _Lines, _rel
from lms.core.db import utcnow
from lms.extensions import db


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
