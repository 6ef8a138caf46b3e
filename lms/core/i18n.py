"""Locale choice: Korean by default, English on request, and the choice persists
(in the user's profile when logged in, in the session otherwise).

Two different things are called "language" in a URL, and they are kept apart:

- the UI language switch: ``?lang=en`` on a page (the header's 한국어/English link)
  changes the language of the interface and is remembered (``ui_language_choice``);
- a document's language: on an endpoint marked ``@document_language`` (certificate
  PDFs, cohort downloads) ``?lang=en`` chooses the language of the file produced
  (``document_locale``) and never touches the session or the user's profile.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANG_ARG = "lang"


def document_language(view):
    """Mark a view whose ``?lang=`` names the language of the document it returns.

    Apply it directly under the route decorator (it returns ``view`` itself).
    """
    view.document_language = True
    return view


def _is_document_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "document_language", False))


def ui_language_choice() -> str | None:
    """The UI language this request switches to (``?lang=`` on a page), or None.

    None on document endpoints: there ``?lang=`` is the document's language.
    """
    if not has_request_context():
        return None
    chosen = request.args.get(LANG_ARG)
    if chosen not in current_app.config["LANGUAGES"] or _is_document_request():
        return None
    return chosen


def document_locale(default: str = "ko") -> str:
    """The language of the document a ``@document_language`` endpoint returns: "en" or "ko"."""
    return "en" if request.args.get(LANG_ARG) == "en" else default


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, jobs and service tests: the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/") and request.endpoint != "api.docs":  # JSON API: Accept-Language only
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = ui_language_choice()
    if chosen is not None:
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
