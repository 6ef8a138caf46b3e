"""The one place where catalog codes (level, topic, module kind, lab equipment)
get their user-facing labels. Other packages import these helpers instead of
translating the codes themselves, so a label reads the same everywhere.

Source strings are Korean (the site's source language); the English catalog is
generated from them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.catalog.models import LEVELS, MODULE_KINDS

TOPICS = ("operation", "automation", "robotics", "mes", "iot", "data", "safety")
EQUIPMENT = ("plc_bench", "cobot", "mes_pop_station", "smt_line", "iot_kit", "other")

LEVEL_LABELS = {
    "beginner": _l("초급"),
    "intermediate": _l("중급"),
    "advanced": _l("고급"),
}

TOPIC_LABELS = {
    "operation": _l("스마트공장 운영"),
    "automation": _l("자동화·PLC"),
    "robotics": _l("로봇"),
    "mes": _l("MES·POP 생산관리"),
    "iot": _l("산업 IoT"),
    "data": _l("제조 데이터"),
    "safety": _l("안전"),
}

KIND_LABELS = {
    "lesson": _l("강의"),
    "quiz": _l("평가"),
    "practical": _l("실습"),
}

EQUIPMENT_LABELS = {
    "plc_bench": _l("PLC 실습대"),
    "cobot": _l("협동로봇"),
    "mes_pop_station": _l("MES/POP 단말"),
    "smt_line": _l("SMT 라인"),
    "iot_kit": _l("IoT 센서 키트"),
    "other": _l("기타 장비"),
}

assert set(LEVEL_LABELS) == set(LEVELS) and set(KIND_LABELS) == set(MODULE_KINDS)


def level_label(level: str | None) -> str:
    """Translated label of a course level (the code itself when unknown)."""
    return str(LEVEL_LABELS.get(level or "", level or ""))


def topic_label(topic: str | None) -> str:
    """Translated label of a course topic (the code itself when unknown)."""
    return str(TOPIC_LABELS.get(topic or "", topic or ""))


def kind_label(kind: str | None) -> str:
    """Translated label of a module kind: lesson, quiz or practical."""
    return str(KIND_LABELS.get(kind or "", kind or ""))


def equipment_label(code: str | None) -> str:
    """Translated label of a piece of smart-lab equipment."""
    return str(EQUIPMENT_LABELS.get(code or "", code or ""))
