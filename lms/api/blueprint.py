"""The /api/v1 blueprint (flask-smorest) and the Api object that builds its OpenAPI document.

``LmsApi`` is flask-smorest's ``Api`` adjusted to live beside the HTML site instead of
taking it over: it registers no app-wide error handler (the blueprint's own handlers
answer problem details, the site keeps its HTML error pages), serves no documentation
blueprint of its own (``/api/v1/openapi.json`` and ``/api/v1/docs`` are views of this
package, with policies like every other view), and documents every error response
as ``application/problem+json`` with the :class:`lms.api.schemas.Problem` schema.
"""
from __future__ import annotations

import http

from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from lms.api.schemas import Problem
from lms.core.problems import MEDIA_TYPE

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="스마트공장 아카데미 JSON API v1")

SECURITY = [{"bearerAuth": []}]


class LmsApi(Api):
    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        """None app-wide: see the module docstring (lms/api/views.py registers the blueprint's)."""

    def _register_doc_blueprint(self):
        """None: the API's own views serve the document and its page."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


SPEC_OPTIONS = {
    "info": {"description": (
        "Personal access tokens are created in the profile (/profile/tokens) and sent as "
        "`Authorization: Bearer sfa_...`. Errors are problem details (RFC 9457), in Korean, or in "
        "English with `Accept-Language: en`. Lists are newest first and paginate with the opaque "
        "`next_cursor`.")},
    "servers": [{"url": "/"}],
    "components": {"securitySchemes": {"bearerAuth": {
        "type": "http", "scheme": "bearer", "bearerFormat": "sfa_ personal access token"}}},
}
