"""Write small, valid course folders (courses/README.md format) into a temp dir."""
from __future__ import annotations

from pathlib import Path

COURSE_TOML = '''code = "{code}"
title_ko = "{title_ko}"
title_en = "{title_en}"
summary_ko = """스마트공장 운영의 기초를 배웁니다."""
summary_en = """Learn the basics of running a smart factory."""
hours = 7
level = "{level}"
topic = "{topic}"
ncs_code = "1903060101_19v3"
pass_mark = 70
valid_for_months = 36

[completion]
lessons = "all"
quizzes = "all"
practicals = "all"
attendance_min_percent = 80

[[modules]]
file = "01-intro.md"
title_ko = "스마트공장이란"
title_en = "What a smart factory is"
hours = 2

[[modules]]
file = "quiz-basics.toml"
title_ko = "이해도 평가"
title_en = "Knowledge check"
hours = 1

[[modules]]
file = "practical-line-walk.toml"
title_ko = "실습: 생산라인 점검"
title_en = "Practical: line walk"
hours = 4
'''

QUIZ_TOML = '''pass_mark = 80
max_attempts = 2
shuffle = true

[[questions]]
id = "q1"
type = "single"
text_ko = "PLC의 뜻은?"
text_en = "What is a PLC?"
answer = ["b"]
explanation_ko = "프로그래머블 로직 컨트롤러입니다."
explanation_en = "A programmable logic controller."
  [[questions.choices]]
  id = "a"
  text_ko = "생산 계획 시스템"
  text_en = "Production planning system"
  [[questions.choices]]
  id = "b"
  text_ko = "프로그래머블 로직 컨트롤러"
  text_en = "Programmable logic controller"

[[questions]]
id = "q2"
type = "multiple"
text_ko = "MES의 기능을 모두 고르세요."
text_en = "Pick every MES function."
answer = ["a", "b"]
explanation_ko = "급여는 ERP의 기능입니다."
explanation_en = "Payroll belongs to ERP."
  [[questions.choices]]
  id = "a"
  text_ko = "작업지시"
  text_en = "Work orders"
  [[questions.choices]]
  id = "b"
  text_ko = "실적 수집"
  text_en = "Production records"
  [[questions.choices]]
  id = "c"
  text_ko = "급여 계산"
  text_en = "Payroll"
'''

PRACTICAL_TOML = '''equipment = ["plc_bench"]
summary_ko = """생산라인을 걸으며 설비 상태를 점검합니다."""
summary_en = """Walk the line and check the equipment."""
safety_ko = """안전화를 착용합니다."""
safety_en = """Wear safety shoes."""
''' + "".join(
    f'''
[[checklist]]
id = "c{i}"
text_ko = "점검 항목 {i}을 수행한다"
text_en = "Performs check {i}"
''' for i in range(1, 6))


def write_course(root: Path, folder: str = "sf101-basics", *, code: str = "SF101", title_ko: str = "스마트공장 운영 기초",
                 title_en: str = "Smart Factory Operation Basics", level: str = "beginner",
                 topic: str = "operation") -> Path:
    """A complete valid course folder; returns its path."""
    d = Path(root) / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / "course.toml").write_text(COURSE_TOML.format(code=code, title_ko=title_ko, title_en=title_en,
                                                      level=level, topic=topic), encoding="utf-8")
    (d / "01-intro.md").write_text("# 스마트공장이란\n\n공장의 설비와 시스템이 연결되어 있습니다.\n", encoding="utf-8")
    (d / "quiz-basics.toml").write_text(QUIZ_TOML, encoding="utf-8")
    (d / "practical-line-walk.toml").write_text(PRACTICAL_TOML, encoding="utf-8")
    return d


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line containing ``needle``."""
    seen = 0
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return i
    raise AssertionError(f"{needle!r} not in {path}")
