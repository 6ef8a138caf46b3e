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
    kind: str  # label | count | rate | value | cmp (num/den against the "all" row, exactly)
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


def _meister(key, title, first, onsite=True):
    cols = [Col("label", first, "label"),
            Col("meisters", _l("활동 마이스터"), "count"),
            Col("companies", _l("지원 기업"), "count"),
            Col("placements", _l("파견 건수"), "count"),
            Col("visits", _l("현장 방문"), "count"),
            Col("confirmed", _l("기업 확인 방문"), "count"),
            Col("hours", _l("방문 시간(시간)"), "count")]
    if onsite:
        cols.append(Col("onsite", _l("현장 평가 훈련생"), "count"))
    return TableSpec(key, title, tuple(cols), complementary=False)


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
    _breakdown("by_complex", _l("참여기업 산업단지별 (스마트산단 우선)"), _l("산업단지")),
    _breakdown("by_priority", _l("우선지원 기업 구분별"), _l("기업 구분")),
    TableSpec("priority_reach", _l("우선지원 기업·스마트산단 훈련생의 수료증 취득"), (
        Col("label", _l("훈련생 구분"), "label"),
        Col("people", _l("수강 인원"), "count"),
        Col("certified", _l("수료증 취득 인원"), "count"),
        Col("reach_rate", _l("취득률"), "rate", num="certified", den="people"),
        Col("vs_all", _l("전체 대비"), "cmp", num="certified", den="people"),
    ), complementary=False),  # the rows overlap (a firm can be both)
    TableSpec("meister_overview", _l("스마트 마이스터 현장 지원 요약"), (
        Col("label", _l("항목"), "label"),
        Col("value", _l("값"), "count"),
    ), complementary=False),
    _meister("meister_by_purpose", _l("마이스터 파견 목적별"), _l("파견 목적"), onsite=False),
    _meister("meister_by_region", _l("마이스터 지원 지역(시·도)별"), _l("시·도")),
    _meister("meister_by_complex", _l("마이스터 지원 산업단지별"), _l("산업단지")),
    TableSpec("meister_levels", _l("지원 기업 스마트공장 수준 변화 (시작 → 종료)"), (
        Col("label", _l("시작 → 종료 수준"), "label"),
        Col("companies", _l("기업 수"), "count"),
        Col("placements", _l("종료된 파견"), "count"),
    )),
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


def purpose_labels() -> dict:
    from lms.meisters.labels import PURPOSE_LABELS

    return {k: str(v) for k, v in PURPOSE_LABELS.items()}


def compare_labels() -> dict:
    return {"higher": str(_l("높음")), "equal": str(_l("같음")), "lower": str(_l("낮음"))}


def engine_labels() -> dict:
    """Translated labels the engine writes into tables (computed per request locale)."""
    return {
        "unknown": str(_l("미상")),
        "no_institution": str(_l("기관 없음(온라인 자율)")),
        "kinds": kind_labels(),
        "other_complex": str(_l("그 밖의 산업단지")),
        "no_complex": str(_l("산업단지 밖·미상")),
        "priority": {"working_hours": str(_l("근로시간 단축 기업")), "root": str(_l("뿌리산업 기업")),
                     "both": str(_l("근로시간 단축·뿌리산업 모두")), "neither": str(_l("해당 없음")),
                     "no_firm": str(_l("소속 기업 없음"))},
        "reach": {"priority": str(_l("우선지원 기업(근로시간 단축·뿌리산업) 훈련생")),
                  "smart_complex": str(_l("스마트산단 기업 훈련생")), "all": str(_l("전체 훈련생"))},
        "purposes": purpose_labels(),
        "meister": {"meisters": str(_l("활동 마이스터(기간 중 파견)")), "placed_now": str(_l("기준일 현재 파견 중인 마이스터")),
                    "companies": str(_l("지원 기업")), "placements": str(_l("파견 건수")),
                    "visits": str(_l("현장 방문 횟수")), "confirmed": str(_l("기업이 확인한 방문")),
                    "hours": str(_l("방문 시간(시간)")), "onsite": str(_l("현장에서 평가받은 훈련생")),
                    "improved": str(_l("수준이 오른 기업(종료된 파견)"))},
        "funnel": [str(_l("가입")), str(_l("수강 신청")), str(_l("이론 이수")), str(_l("실습 평가 통과")),
                   str(_l("수료증 발급")), str(_l("유효 수료증 보유"))],
    }
