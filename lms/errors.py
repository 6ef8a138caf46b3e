"""The domain exception tree and the HTTP error handlers.

Services raise these; views turn them into flashed messages or status codes.
Every message is already translated (lazy) so it reads in the user's language.
"""
from __future__ import annotations

from flask import Flask, render_template, request, jsonify


class DomainError(Exception):
    """A business rule was violated. ``message`` is user-facing (translated)."""

    status_code = 400

    def __init__(self, message=None, **details):
        super().__init__(str(message) if message is not None else self.__class__.__name__)
        self.message = message
        self.details = details


class ValidationError(DomainError):
    """Input is malformed: the user can fix it and try again."""


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The request clashes with the current state (double booking, duplicate, ...)."""

    status_code = 409


class CapacityError(Conflict):
    """A session or programme is full."""


class ImportRejected(ValidationError):
    """A file import failed; ``errors`` lists (row, column, message) and nothing was written."""

    def __init__(self, message=None, errors=None, **details):
        super().__init__(message, **details)
        self.errors = errors or []


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """Render 400/403/404/405/413/429/500 in the site's style (JSON for API clients).

    405 keeps Werkzeug's ``Allow`` header: the handler returns the error's own headers."""

    def make_handler(code: int):
        def handler(error):
            # 405 keeps Werkzeug's Allow header (RFC 9110) on pages and problem details alike.
            allow = [(k, v) for k, v in getattr(error, "get_headers", lambda: [])() if k.lower() == "allow"]
            if request.path.startswith("/api/"):
                from lms.core.problems import problem

                return problem(code, headers=dict(allow))
            if _wants_json():
                return jsonify(error=code), code, allow
            return render_template(f"errors/{code}.html", error=error), code, allow

        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, make_handler(code))

    @app.errorhandler(NotFound)
    def _domain_not_found(error):
        return make_handler(404)(error)

    @app.errorhandler(PermissionDenied)
    def _domain_forbidden(error):
        return make_handler(403)(error)
