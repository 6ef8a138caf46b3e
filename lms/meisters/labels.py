"""Display labels of the meister domain, one set for every screen and the PDF."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.meisters.services import FIELD_LABELS, STATUS_LABELS

PURPOSE_LABELS = {
    "build_consulting": _l("구축 컨설팅"),
    "tech_support": _l("기술지원"),
    "aftercare": _l("사후관리"),
    "knowhow": _l("노하우 전수"),
}
ACTIVITY_LABELS = {
    "diagnosis": _l("현장 진단"),
    "consulting": _l("컨설팅"),
    "tech_support": _l("기술 지원"),
    "training": _l("현장 교육"),
    "follow_up": _l("사후 점검"),
}
OUTCOME_LABELS = {"achieved": _l("달성"), "partly": _l("일부 달성"), "not_achieved": _l("미달성")}


def field(code: str) -> str:
    return str(FIELD_LABELS.get(code, code))


def status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def purpose(code: str) -> str:
    return str(PURPOSE_LABELS.get(code, code))


def activity(code: str) -> str:
    return str(ACTIVITY_LABELS.get(code, code))


def outcome(code: str | None) -> str:
    return str(OUTCOME_LABELS.get(code, "")) if code else ""


def hours(minutes: int | None) -> str:
    """Minutes as hours for display: 150 -> '2.5'."""
    m = int(minutes or 0)
    whole, rest = divmod(m, 60)
    if rest == 0:
        return str(whole)
    return f"{m / 60:.2f}".rstrip("0").rstrip(".")
