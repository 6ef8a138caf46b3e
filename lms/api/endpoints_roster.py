"""PUT/POST /api/v1/cohorts/<id>/roster: upsert a cohort's roster from JSON rows.

The rows become the same table an instructor uploads (Korean column titles, UTF-8 CSV)
and go through ``lms.labs.roster.apply_roster``: the same validation (RRN-shaped
values refused, e-mail, dates, phone, duplicates), the same create / invite / update
decisions, and all-or-nothing (any error: nothing written, 422 with every error by
row, column and the item's index). Access as on the cohort page: instructors of the
cohort and admins; a cohort they may not see is 404.
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from flask_login import current_user

from lms.api import schemas
from lms.api.auth import ApiProblem, api_policy
from lms.api.blueprint import SECURITY, bp
from lms.core.authz import get_for
from lms.errors import ImportRejected
from lms.extensions import db

FIELDS = ("name", "email", "birth_date", "phone", "sponsor", "student_number")
HEADER = {"name": "이름", "email": "이메일", "birth_date": "생년월일", "phone": "휴대전화", "sponsor": "소속회사",
          "student_number": "학번"}


def rows_to_table(rows: list[dict]) -> bytes:
    """The JSON rows as the CSV an instructor would upload (row 2 is the first item)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([HEADER[f] for f in FIELDS])
    for r in rows:
        w.writerow([r.get(f) or "" for f in FIELDS])
    return out.getvalue().encode("utf-8")


def _field_of(column) -> str | None:
    from lms.labs.roster import COLUMN_LABELS

    by_label = {v: k for k, v in COLUMN_LABELS.items()}
    by_label.update({v: k for k, v in HEADER.items()})
    return by_label.get(column)


def _errors(errors) -> list[dict]:
    out = []
    for row, column, message in errors:
        item = {"row": row, "column": column, "field": _field_of(column), "message": str(message)}
        item["index"] = row - 2 if isinstance(row, int) and row >= 2 else None
        out.append(item)
    return out


@bp.route("/cohorts/<int:cohort_id>/roster", methods=["PUT", "POST"])
@api_policy("write:roster", "instructor", "admin")
@bp.arguments(schemas.RosterUpsert)
@bp.response(200, schemas.RosterResult)
@bp.doc(security=SECURITY, summary="Upsert a cohort's roster (all rows or none)", tags=["cohorts"])
def roster_upsert(body, cohort_id: int):
    from lms.labs import roster
    from lms.labs.models import Cohort
    from lms.labs.services import can_see_cohort

    cohort = get_for(Cohort, cohort_id, current_user, can_see_cohort)
    rows = body["rows"]
    try:
        preview = roster.apply_roster(cohort, current_user, rows_to_table(rows), "api-roster.csv")
    except ImportRejected as exc:
        db.session.rollback()
        raise ApiProblem("validation-failed", _("명단에 오류가 있어 아무것도 가져오지 않았습니다."),
                         errors=_errors(exc.errors)) from None
    db.session.commit()
    return {"cohort_id": cohort.id, "rows": len(rows), "invited": preview.count("invite"),
            "updated": preview.count("update"), "unchanged": preview.count("skip")}
