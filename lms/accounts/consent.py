"""The consent gate: an account made by someone else owes the required consents.

A trainee created by a roster import, an invitation or the CLI (``users.consent_pending``,
set by :func:`lms.accounts.services.create_user`) has agreed to nothing. Once signed in
(after setting the password from the invitation, or at any later login) every page but
the consent page, logout and static files redirects to the consent page until the
required items are recorded, with the same items, ConsentRecord rows, text version and
time as self-registration (:func:`lms.accounts.services.record_consents`). Optional
items start unticked.

PIPA Art. 15(1)1 and 22 (consent per item, required and optional told apart);
ASVS 5.0 V8.1 (documented handling of personal data).
"""
from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import services
from lms.accounts.forms import ConsentForm
from lms.accounts.views import bp, home_for, safe_next
from lms.core.audit import record
from lms.core.authz import policy
from lms.errors import ValidationError
from lms.extensions import db

# Endpoints open to a signed-in user who still owes the required consents.
GATE_OPEN = frozenset({"accounts.consent", "accounts.logout", "static", "health.healthz"})


def owes_consent(user) -> bool:
    return bool(getattr(user, "consent_pending", False))


def init_app(app: Flask) -> None:
    """Register the gate; it runs after the session clocks and the second-factor gate."""

    @app.before_request
    def _consent_gate():
        if request.endpoint in GATE_OPEN or not current_user.is_authenticated:
            return None
        if not owes_consent(current_user):
            return None
        if request.method == "GET" and request.endpoint:
            nxt = safe_next(request.full_path.rstrip("?"))
            if nxt:
                session["_consent_next"] = nxt
        return redirect(url_for("accounts.consent"))


@bp.route("/consent", methods=["GET", "POST"])
@policy("authenticated")
def consent():
    user = current_user._get_current_object()
    if not owes_consent(user):
        return redirect(home_for(user))
    form = ConsentForm()
    status = 200
    if form.validate_on_submit():
        answers = form.consent_answers()
        try:
            if not all(answers[k] for k in services.REQUIRED_CONSENTS):
                raise ValidationError(_("필수 동의 항목에 모두 동의해야 계정을 쓸 수 있습니다."))
            services.record_consents(user, answers)
            record(user, "account.consent_given", user,
                   granted=sorted(k for k, v in answers.items() if v))
        except ValidationError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = 400
        else:
            db.session.commit()
            flash(_("동의 내용을 저장했습니다. 스마트공장 아카데미에 오신 것을 환영합니다."), "success")
            return redirect(safe_next(session.pop("_consent_next", None)) or home_for(user))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/consent.html", form=form, items=services.CONSENT_ITEMS), status
