"""``/healthz``: JSON status of the app and its database, for load balancers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from lms.core.authz import policy
from lms.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@policy("public")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        db_status = "ok"
    except Exception as exc:  # report, don't crash: this is what monitors read
        db_status = f"error: {exc.__class__.__name__}"
    ok = db_status == "ok"
    return jsonify(status="ok" if ok else "degraded", database=db_status,
                   dialect=db.engine.dialect.name), (200 if ok else 503)
