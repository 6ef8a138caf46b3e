"""Second-factor pages: code entry after the password, enrolment (QR code and first
code, then the recovery codes once) and switching it off for roles that may opt out.

Registered on the accounts blueprint (imported at the end of lms.accounts.views).
"""
from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.accounts import second_factor as tf, sessions, throttle
from lms.accounts.forms import SecondFactorDisableForm, SecondFactorForm, SecondFactorSetupForm
from lms.accounts.views import bp, home_for, safe_next
from lms.core.authz import policy
from lms.extensions import db


def _after_second_factor(user):
    sessions.mark_second_factor(user)
    flash(_("%(name)s님, 환영합니다.", name=user.name), "success")
    return redirect(safe_next(session.pop("_next", None)) or home_for(user))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@policy("authenticated")
def second_factor():
    """ASVS 5.0 V6.6: the code (or a recovery code) after the password."""
    user = current_user._get_current_object()
    if not tf.required_for(user) or sessions.second_factor_done(user):
        return redirect(home_for(user))
    if not tf.enrolled(user):
        return redirect(url_for("accounts.second_factor_setup"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        if throttle.second_factor_blocked(user.id):
            form.form_errors.append(_("인증 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요."))
            status = 429
        elif tf.verify(user, form.code.data):
            db.session.commit()
            return _after_second_factor(user)
        else:
            db.session.rollback()
            throttle.second_factor_failed(user.id)
            form.code.errors.append(_("인증 코드가 올바르지 않거나 이미 사용한 코드입니다."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/second_factor.html", form=form), status


@bp.route("/account/second-factor/setup", methods=["GET", "POST"])
@policy("authenticated")
def second_factor_setup():
    """Enrolment: a pending secret, its QR code, and a first code that switches it on."""
    user = current_user._get_current_object()
    if not tf.may_enrol(user):
        abort(403)
    if tf.enrolled(user):
        # Never a second enrolment over a working one: that would skip the factor.
        return redirect(url_for("accounts.profile" if sessions.second_factor_done(user) else "accounts.second_factor"))
    secret = tf.start_enrolment(user)
    db.session.commit()
    form = SecondFactorSetupForm()
    status = 200
    if form.validate_on_submit():
        if throttle.second_factor_blocked(user.id):
            form.form_errors.append(_("인증 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요."))
            status = 429
        else:
            codes = tf.confirm_enrolment(user, form.code.data)
            if codes is not None:
                db.session.commit()
                sessions.mark_second_factor(user)
                return render_template("accounts/recovery_codes.html", codes=codes,
                                       next_url=safe_next(session.pop("_next", None)) or home_for(user))
            db.session.rollback()
            throttle.second_factor_failed(user.id)
            form.code.errors.append(_("인증 코드가 올바르지 않습니다. 앱에 표시된 최신 6자리 숫자를 입력해 주세요."))
            status = 400
    elif request.method == "POST":
        status = 400
    qr = Markup(segno.make(tf.provisioning_uri(user), error="m").svg_inline(
        scale=4, title=_("인증 앱에 등록할 QR 코드")))
    return render_template("accounts/second_factor_setup.html", form=form, qr=qr, secret=secret,
                           required=tf.required_for(user)), status


@bp.route("/account/second-factor/disable", methods=["POST"])
@policy("instructor")
def second_factor_disable():
    """An instructor who opted in switches the factor off with a current code."""
    user = current_user._get_current_object()
    form = SecondFactorDisableForm(prefix="tf")
    if (tf.enrolled(user) and user.role not in tf.REQUIRED_ROLES
            and form.validate_on_submit() and not throttle.second_factor_blocked(user.id)
            and tf.verify(user, form.code.data)):
        tf.disable(user)
        db.session.commit()
        flash(_("2단계 인증을 껐습니다."), "info")
    else:
        db.session.rollback()
        throttle.second_factor_failed(user.id)
        flash(_("인증 코드가 올바르지 않아 2단계 인증을 끄지 않았습니다."), "error")
    return redirect(url_for("accounts.profile"))

