"""Locale choice: Korean by default, English on request, and the choice persists
(in the user's profile when logged in, in the session otherwise)."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, jobs and service tests: the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["locale"] = chosen
        return chosen
    if session.get("locale") in languages:
        return session["locale"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    loc = get_locale()
    return loc.language if loc else "ko"


def localized(obj, field: str) -> str:
    """``obj.<field>_en`` in English when present, else ``obj.<field>_ko``."""
    if current_locale() == "en":
        value = getattr(obj, f"{field}_en", None)
        if value:
            return value
    return getattr(obj, f"{field}_ko", "") or ""
