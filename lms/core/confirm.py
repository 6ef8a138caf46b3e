"""A confirmation step for irreversible actions, without JavaScript.

A form posts as usual; the view calls :func:`confirmed` and, while it is False, answers
:func:`ask`: a page that says what will happen and posts the same fields again with
``confirmed=yes`` (a new CSRF token is rendered). Nothing changes before that second post.
Used for a trainee cancelling a booking, booking a session that can no longer be cancelled,
revoking a certificate and deactivating an account.
"""
from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirmed"


def confirmed() -> bool:
    """True when the posted form is the confirmation step's second post."""
    return request.form.get(CONFIRM_FIELD) == "yes"


def ask(title: str, message: str, *, action_label: str, back_url: str, details: list[tuple[str, str]] = (),
        danger: bool = True):
    """The confirmation page for the current POST: ``(html, 200)``.

    ``details`` are (label, value) pairs shown as a list (what is about to change);
    every posted field except the CSRF token is carried over as a hidden field."""
    fields = [(key, value) for key, values in request.form.lists() for value in values
              if key not in ("csrf_token", CONFIRM_FIELD)]
    return render_template("core/confirm.html", title=title, message=message, details=list(details),
                           action=request.path, fields=fields, action_label=action_label, back_url=back_url,
                           danger=danger), 200
