"""Flask-Login user loader. The session id is ``"<user id>:<session version>"``:
a version bumped by logout, password change or deactivation ends every session."""
from __future__ import annotations

from lms.extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id: str):
    from lms.accounts.models import User

    try:
        uid, version = session_id.split(":", 1)
        user = db.session.get(User, int(uid))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user
