"""What each analytics table shows: its title and columns, and which columns
count people (subject to suppression) and which are rates of which counts.

Columns whose key starts with "_" (and the "key" column) are working columns:
they feed suppression of rates but are never shown or exported.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

HEATMAP_MONTHS = 12


@dataclass(frozen=True)
class Col:
    key: str
    label: object
    kind: str  # label | count | rate | value
    num: str | None = None  # rate: numerator column
    den: str | None = None  # rate: denominator column
    basis: str | None = None  # value: the people column it is built from (suppressed with it)


@dataclass(frozen=True)
class TableSpec:
    key: str
    title: object
    columns: tuple
    complementary: bool = True  # rows partition a total: hide a second cell when one is hidden


def _breakdown(key, title, first):
    return TableSpec(key, title, (
        Col("label", first, "label"),
        Col("enrolled", _l("수강 인원"), "count"),
        Col("completed", _l("수료 인원"), "count"),
        Col("certified", _l("유효 수료증 보유"), "count"),
        Col("completion_rate", _l("수료율"), "rate", num="completed", den="enrolled"),
    ))


def _heatmap(key, title, first):
    cols = [Col("label", first, "label"), Col("people", _l("인원"), "count")]
    for k in range(1, HEATMAP_MONTHS + 1):
        cols.append(Col(f"m{k}", _l("%(n)d개월", n=k), "rate", num=f"_c{k}", den="people"))
    cols.append(Col("median_days", _l("수료증까지 중앙값(일)"), "value", basis="_certified"))
    return TableSpec(key, title, tuple(cols))


TABLES: dict[str, TableSpec] = {t.key: t for t in (
    TableSpec("cumulative", _l("월별 누적 인증 인원과 목표선"), (
        Col("label", _l("연월"), "label"),
        Col("certified", _l("누적 인증 인원"), "count"),
        Col("target_line", _l("목표선"), "value"),
    ), complementary=False),
    _breakdown("by_region", _l("지역(시·도)별"), _l("시·도")),
    _breakdown("by_kind", _l("사업 유형별"), _l("사업 유형")),
    _breakdown("by_institution", _l("기관별"), _l("기관")),
    _breakdown("by_tech", _l("참여기업 뿌리기술별"), _l("뿌리기술")),
    _breakdown("by_size", _l("참여기업 규모별"), _l("기업 규모")),
    _breakdown("by_course", _l("과정별"), _l("과정")),
    TableSpec("funnel", _l("단계별 인원(퍼널)"), (
        Col("label", _l("단계"), "label"),
        Col("people", _l("인원"), "count"),
        Col("share_of_first", _l("가입 대비"), "rate", num="people", den="_first"),
    ), complementary=False),  # stages are nested, not parts of a total
    _heatmap("cohort_intake", _l("입과 월별 코호트: 기간 내 인증 비율"), _l("입과 월")),
    _heatmap("cohort_contract", _l("계약학과 기수별 코호트: 기간 내 인증 비율"), _l("기수")),
    TableSpec("labs", _l("스마트랩 운영"), (
        Col("label", _l("스마트랩"), "label"),
        Col("sessions", _l("실습 회차"), "value"),
        Col("seats", _l("정원 합계"), "value"),
        Col("booked", _l("예약 인원(연인원)"), "count"),
        Col("attendance_rate", _l("출석률"), "rate", num="attended", den="_expected"),
        Col("noshow_rate", _l("노쇼율"), "rate", num="noshow", den="_expected"),
        Col("seat_use", _l("좌석 이용률"), "rate", num="booked", den="seats"),
        Col("signoffs", _l("실습 평가 건수"), "count"),
        Col("pass_rate", _l("실습 합격률"), "rate", num="passed", den="signoffs"),
    )),
)}

HEADLINE_COUNTS = ("registered", "active30", "enrolled", "completed", "certified_valid", "new_90d")


def kind_labels() -> dict:
    from lms.labs.services import PROGRAMME_KIND_LABELS

    return {k: str(v) for k, v in PROGRAMME_KIND_LABELS.items()}


def engine_labels() -> dict:
    """Translated labels the engine writes into tables (computed per request locale)."""
    return {
        "unknown": str(_l("미상")),
        "no_institution": str(_l("기관 없음(온라인 자율)")),
        "kinds": kind_labels(),
        "funnel": [str(_l("가입")), str(_l("수강 신청")), str(_l("이론 이수")), str(_l("실습 평가 통과")),
                   str(_l("수료증 발급")), str(_l("유효 수료증 보유"))],
    }
