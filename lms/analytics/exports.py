"""CSV (UTF-8 with BOM) and XLSX files of the analytics tables.

Every file starts with preamble rows: what it is, the filters applied, the
moment the figures describe and the suppression rule; the values are the same
suppressed values the screen shows (``<5``), rates as percentages.
"""
from __future__ import annotations

from flask_babel import gettext as _

from lms.analytics.filters import Filters
from lms.analytics.specs import TABLES
from lms.core.tabular import csv_bytes, xlsx_bytes
from lms.core.timeutil import to_kst

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def describe_filters(filters: Filters) -> str:
    """The filters in words, e.g. "기간: 2026-01-01 ~ 2026-06-30 · 지역: 경상남도"."""
    from lms.extensions import db
    from lms.catalog.models import Course
    from lms.orgs.models import Institution, Region
    from lms.analytics.specs import kind_labels

    parts = []
    if filters.date_from or filters.date_to:
        month = lambda d: d.strftime("%Y-%m") if d else ""  # noqa: E731  (periods are whole months)
        parts.append(_("기간: %(a)s ~ %(b)s", a=month(filters.date_from), b=month(filters.date_to)))
    if filters.region:
        region = db.session.get(Region, filters.region)
        parts.append(_("지역: %(r)s", r=region.name_ko if region else filters.region))
    if filters.kind:
        parts.append(_("사업 유형: %(k)s", k=kind_labels().get(filters.kind, filters.kind)))
    if filters.institution_id:
        inst = db.session.get(Institution, filters.institution_id)
        parts.append(_("기관: %(i)s", i=inst.name_ko if inst else filters.institution_id))
    if filters.course_id:
        course = db.session.get(Course, filters.course_id)
        parts.append(_("과정: %(c)s", c=f"{course.code} {course.title_ko}" if course else filters.course_id))
    if filters.cohort_ids is not None:
        parts.append(_("담당 기수만"))
    return " · ".join(parts) if parts else _("전체 (필터 없음)")


def suppression_rule() -> str:
    """The published rule of :mod:`lms.analytics.privacy`, in the user's language."""
    return _("개인을 알아볼 수 없도록 모든 인원 수는 5의 배수로 반올림해 보여 주고(5명 미만은 '<5'), 비율·달성률·속도는 반올림한 인원으로 계산합니다. 기간은 월 단위로만 고를 수 있어, 어느 두 화면의 수치를 빼 보아도 한 사람의 변화는 드러나지 않습니다(차이는 늘 5의 배수). 중앙값은 10명 이상일 때만 주 단위로 보여 줍니다.")


def definitions_note() -> str:
    """How the filters select people (engine docstring), in the user's language."""
    return _("기간 필터는 그 달들에 가입한 훈련생을 고르고, 그들이 기간 말까지 한 일을 셉니다. 지역은 훈련생 소속 기업의 시·도입니다. 사업 유형·기관·과정 필터를 고르면 해당 수강 신청이 있는 훈련생만 모든 지표에 셉니다. 퍼널의 각 단계는 그 단계 이상에 이른 사람 수입니다.")


def format_cell(value, kind: str):
    """Rates become percentages with one decimal; suppressed and empty cells stay as they are."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if kind == "rate":
        return round(float(value) * 100, 1)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_rows(data: dict, key: str) -> tuple[list[str], list[list]]:
    spec = TABLES[key]
    table = data["tables"][key]
    header = [str(c.label) + (" (%)" if c.kind == "rate" else "") for c in spec.columns]
    idx = {c: i for i, c in enumerate(table["columns"])}
    rows = [[format_cell(r[idx[c.key]], c.kind) for c in spec.columns] for r in table["rows"]]
    return header, rows


def preamble(data: dict, filters: Filters, suppress: bool, title: str) -> list[list]:
    as_of = data["headline"].get("as_of")
    when = ""
    if as_of:
        from datetime import datetime

        when = to_kst(datetime.fromisoformat(as_of)).strftime("%Y-%m-%d %H:%M")
    rows = [[_("스마트공장 아카데미 통계"), title],
            [_("적용 필터"), describe_filters(filters)],
            [_("기준 시각(KST)"), when]]
    if suppress:
        rows.append([_("공개 기준"), suppression_rule()])
    rows.append([])
    return rows


def build(data: dict, table_key: str, fmt: str, filters: Filters, suppress: bool) -> tuple[bytes, str, str]:
    keys = list(data["tables"]) if table_key == "all" else [table_key]
    stamp = (data["headline"].get("as_of") or "")[:10]
    if fmt == "csv":
        header, rows = table_rows(data, table_key)
        title = str(TABLES[table_key].title)
        return (csv_bytes(header, rows, preamble=preamble(data, filters, suppress, title)),
                f"analytics-{table_key}-{stamp}.csv", CSV_MIME)
    sheets = []
    for key in keys:
        header, rows = table_rows(data, key)
        sheets.append((str(TABLES[key].title)[:31].replace(":", " "), header, rows))
    title = _("전체 표") if table_key == "all" else str(TABLES[table_key].title)
    return (xlsx_bytes(sheets, preamble=preamble(data, filters, suppress, title)),
            f"analytics-{table_key}-{stamp}.xlsx", XLSX_MIME)
