"""Refuse request text no database column can hold, before any view sees it.

PostgreSQL refuses a NUL character (U+0000) in every text value, and neither database
driver can encode a lone UTF-16 surrogate (U+D800..U+DFFF, which only a JSON body's
``\\ud800`` escape can produce: Werkzeug decodes URLs and forms as UTF-8 with
replacement). Such a value reaching a query is a 500 on PostgreSQL and silent truncation
on SQLite. This guard checks, for every request, the path's variables, the query string,
the form fields (names and values; uploaded files are the importers' business) and a
JSON body, and answers 400 with a plain message instead: the problem-details body under
/api/, the site's 400 page elsewhere. Nothing is changed by such a request.
"""
from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_babel import gettext as _

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAX_DEPTH = 64


def unstorable(value, depth: int = 0) -> bool:
    """True when ``value`` (str, or JSON-shaped lists/dicts of them) holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return any(unstorable(k, depth + 1) or unstorable(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(unstorable(v, depth + 1) for v in value)
    return False


def _request_is_unstorable() -> bool:
    if unstorable(request.view_args or {}):
        return True
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH"):
        sources.append(request.form)
    for multi in sources:
        for key, values in multi.lists():
            if unstorable(key) or unstorable(values):
                return True
    if request.is_json:
        return unstorable(request.get_json(silent=True))
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text():
        if not _request_is_unstorable():
            return None
        message = _("입력에 저장할 수 없는 문자(NUL 문자 또는 짝이 없는 서로게이트)가 있습니다. 해당 문자를 지우고 다시 보내 주세요.")
        if request.path.startswith("/api/"):
            from lms.core.problems import problem

            return problem(400, detail=message)
        return render_template("errors/400.html", message=message), 400
