"""/profile/tokens: a user's personal access tokens for the JSON API (create, list, revoke).

The secret is shown once, on the page that answers the creation (never stored, never
shown again; the response is not cached). Only the scopes the user's role may hold
are offered.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.api import tokens
from lms.api.forms import RevokeForm, TokenForm
from lms.api.models import ApiToken
from lms.core.authz import ROLES, get_for, policy
from lms.core.timeutil import today_kst
from lms.errors import DomainError
from lms.extensions import db

bp = Blueprint("api_tokens", __name__)


def _form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [(s, f"{s} — {tokens.scope_label(s)}") for s in tokens.scopes_for_role(current_user.role)]
    return form


def _page(form: TokenForm, status: int = 200):
    rows = [(t, tokens.state_of(t)) for t in tokens.tokens_of(current_user)]
    today = today_kst()
    return render_template("api/tokens.html", form=form, rows=rows, revoke_form=RevokeForm(),
                           scope_label=tokens.scope_label, today=today,
                           latest=tokens.latest_expiry(today)), status


@bp.route("/profile/tokens", methods=["GET", "POST"])
@policy(*ROLES)
def tokens_page():
    form = _form()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_token(current_user, form.name.data, form.scopes.data, form.expires_on.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + [str(exc.message)]
            return _page(form, 400)
        resp = render_template("api/token_created.html", token=token, secret=secret, scope_label=tokens.scope_label)
        return resp, 201, {"Cache-Control": "no-store"}
    return _page(form, 400 if form.errors else 200)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@policy(*ROLES)
def revoke(token_id: int):
    token = get_for(ApiToken, token_id, current_user, lambda t, u: t.user_id == u.id)
    form = RevokeForm()
    if form.validate_on_submit():
        tokens.revoke_token(current_user, token)
        db.session.commit()
        flash(_("토큰을 폐기했습니다. 이 토큰으로는 더 이상 API를 쓸 수 없습니다."), "success")
    return redirect(url_for("api_tokens.tokens_page"))
