"""Access policy: every endpoint declares who may call it.

``@policy("public")`` or ``@policy("trainee", "instructor")`` wraps a view; a test
walks ``app.url_map`` and fails on any endpoint without a declared policy.
Object-level checks go through :func:`get_for`, which answers 404 before 403
so that nobody learns that an object they may not see exists.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user

ROLES = ("trainee", "instructor", "ministry", "admin", "meister")
PUBLIC = "public"
AUTHENTICATED = "authenticated"

F = TypeVar("F", bound=Callable)

_ROLE_LABELS = {
    "trainee": lazy_gettext("훈련생"),
    "instructor": lazy_gettext("교강사"),
    "ministry": lazy_gettext("정부 담당자"),
    "admin": lazy_gettext("관리자"),
    "meister": lazy_gettext("마이스터"),
}


def role_label(role: str) -> str:
    return str(_ROLE_LABELS.get(role, role))


def policy(*allowed: str) -> Callable[[F], F]:
    """Declare and enforce the roles allowed on a view.

    ``public`` lets anyone in; ``authenticated`` any logged-in user; otherwise
    the user's role must be one of ``allowed``. Admins are not let in implicitly:
    list them where they belong, so the policy reads as the truth.
    """
    for name in allowed:
        if name not in ROLES + (PUBLIC, AUTHENTICATED):
            raise ValueError(f"unknown role in policy: {name}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if PUBLIC not in allowed:
                if not current_user.is_authenticated:
                    if current_app.login_manager.login_view:
                        return redirect(url_for(current_app.login_manager.login_view, next=request.full_path))
                    abort(401)
                if AUTHENTICATED not in allowed and current_user.role not in allowed:
                    abort(403)
            return view(*args, **kwargs)

        wrapped.__policy__ = tuple(allowed)  # read by the url_map test
        return wrapped  # type: ignore[return-value]

    return decorator


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def get_for(model, object_id, user, can_see: Callable[[object, object], bool], can_act=None):
    """Load ``model`` by id for ``user``: 404 if missing or not visible, 403 if visible
    but ``can_act`` says no. The one helper every object-level check goes through."""
    from lms.extensions import db

    obj = db.session.get(model, object_id)
    if obj is None or not can_see(obj, user):
        abort(404)
    if can_act is not None and not can_act(obj, user):
        abort(403)
    return obj
