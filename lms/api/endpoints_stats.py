"""/api/v1/stats: the ministry dashboard's aggregates as data.

Same filters (whole Korean months, region, programme kind, institution, course), the
same suppression (counts of people rounded to multiples of 5, below 5 shown "<5";
lms/analytics/privacy.py) and the same cache as /ministry: it calls
``lms.analytics.services.dashboard(filters, suppress=True)`` like the page does, for
ministry staff and admins alike. Never a person's record.
"""
from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from lms.api import schemas
from lms.api.auth import ApiProblem, api_policy
from lms.api.blueprint import SECURITY, bp


def _filters(args: dict):
    from lms.analytics.filters import Filters

    raw = {("from" if k == "from_" else k): str(v) for k, v in args.items()}
    if raw.get("from") and raw.get("to") and raw["from"] > raw["to"]:
        raise ApiProblem("validation-failed", _("기간의 시작 월이 끝 월보다 늦습니다."),
                         errors=[{"field": "from", "message": _("기간의 시작 월이 끝 월보다 늦습니다.")}])
    return Filters.from_args(MultiDict(raw))


def _tables(data: dict, only: str | None = None) -> list[dict]:
    from lms.analytics.specs import TABLES

    out = []
    for key, table in data["tables"].items():
        if only and key != only:
            continue
        spec = TABLES.get(key)
        labels = {c.key: str(c.label) for c in spec.columns} if spec else {}
        out.append({"key": key, "title": str(spec.title) if spec else key, "columns": table["columns"],
                    "labels": [labels.get(c, c) for c in table["columns"]], "rows": table["rows"]})
    return out


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@bp.route("/stats", methods=["GET"])
@api_policy("read:stats", "ministry", "admin")
@bp.arguments(schemas.StatsQuery, location="query")
@bp.response(200, schemas.Stats)
@bp.doc(security=SECURITY, summary="The ministry dashboard's figures for the filters", tags=["stats"])
def stats(args):
    from lms.analytics import services

    filters = _filters(args)
    data = services.dashboard(filters, suppress=True)
    return {"filters": filters.to_args(), "headline": _plain(data["headline"]), "tables": _tables(data)}


@bp.route("/stats/<string:table>", methods=["GET"])
@api_policy("read:stats", "ministry", "admin")
@bp.arguments(schemas.StatsQuery, location="query")
@bp.response(200, schemas.Stats)
@bp.doc(security=SECURITY, summary="One table of the dashboard (by_region, by_kind, funnel, ...)", tags=["stats"])
def stats_table(args, table: str):
    from lms.analytics import services
    from lms.analytics.specs import TABLES

    if table not in TABLES:
        raise ApiProblem("not-found", _("그런 통계 표가 없습니다: %(t)s", t=table[:40]))
    filters = _filters(args)
    data = services.dashboard(filters, suppress=True)
    return {"filters": filters.to_args(), "headline": _plain(data["headline"]), "tables": _tables(data, table)}
