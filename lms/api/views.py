"""/api/v1: the document, its page, the error handlers, and the endpoint modules.

The factory imports this module (no ``bp`` attribute: the API registers its own) and calls :func:`init_app`, which builds the Api
(OpenAPI 3.1 from the code), registers the API blueprint (CSRF-exempt: bearer tokens,
no cookies) and the profile's token pages.
"""
from __future__ import annotations

import flask
from flask import current_app, jsonify, render_template
from werkzeug.exceptions import HTTPException

from lms.api.blueprint import SPEC_OPTIONS, LmsApi, bp as api_bp
from lms.core.authz import policy
from lms.core.problems import problem
from lms.errors import DomainError, ImportRejected
from lms.extensions import db

# The endpoint modules add their routes to ``bp`` when imported.
from lms.api import endpoints_certificates, endpoints_labs, endpoints_me, endpoints_roster, endpoints_stats  # noqa: E402,F401


@policy("public")
def openapi_json():
    """The OpenAPI 3.1 document, generated from the code."""
    return jsonify(current_app.extensions["lms_api"].spec.to_dict())


@policy("public")
def docs():
    """A readable page of the document (Swagger UI from static/vendor, no CDN)."""
    return render_template("api/docs.html")


# Flask's own add_url_rule: these two pages are not operations of the document.
flask.Blueprint.add_url_rule(api_bp, "/openapi.json", view_func=openapi_json, methods=["GET"])
flask.Blueprint.add_url_rule(api_bp, "/docs", view_func=docs, methods=["GET"])


@api_bp.after_request
def _no_store(response):
    """API answers carry personal data or a token's view of it: never cached on the way."""
    if flask.request.endpoint not in ("api.openapi_json", "api.docs"):
        response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if error.code == 422 and messages:
        return problem(422, kind="validation-failed", errors=_flatten(messages))
    return problem(error.code or 500)


@api_bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    extra = {}
    if isinstance(error, ImportRejected):
        extra["errors"] = [_row_error(e) for e in error.errors]
    status = error.status_code
    kind = {400: "bad-request", 403: "forbidden", 404: "not-found", 409: "conflict"}.get(status)
    if status == 400 and extra:
        status, kind = 422, "validation-failed"
    return problem(status, kind=kind, detail=str(error.message) if error.message else None, **extra)


def _row_error(err) -> dict:
    row, column, message = (list(err) + [None, None, None])[:3]
    out = {"row": row, "column": column, "message": str(message)}
    if isinstance(row, int) and row >= 2:
        out["index"] = row - 2  # the item's position in the request's rows (row 1 is the header)
    return out


def _flatten(messages, path: str = "") -> list[dict]:
    """webargs' nested {location: {field: [messages]}} as a list of {field, message}."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            sub = str(key) if not path else f"{path}.{key}"
            if path == "" and key in ("json", "query", "path", "headers", "form"):
                sub = ""
            out.extend(_flatten(value, sub))
    elif isinstance(messages, (list, tuple)):
        for m in messages:
            if isinstance(m, (dict, list)):
                out.extend(_flatten(m, path))
            else:
                out.append({"field": path or None, "message": str(m)})
    else:
        out.append({"field": path or None, "message": str(messages)})
    return out


def init_app(app) -> None:
    from lms.api import token_views
    from lms.extensions import csrf

    app.config.setdefault("API_TITLE", "Smart Factory Academy API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    api = LmsApi(app)
    csrf.exempt(api_bp)
    api.register_blueprint(api_bp)
    app.extensions["lms_api"] = api
    app.register_blueprint(token_views.bp)
