"""Login, logout, registration, profile, password reset and invitations."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from lms.accounts import second_factor, services, sessions, throttle
from lms.accounts.forms import (ConfirmEmailForm, ForgotPasswordForm, LoginForm, PasswordChangeForm, ProfileForm, RegisterForm,
                                SecondFactorDisableForm,
                                SetPasswordForm)
from lms.core import nav
from lms.core.authz import ROLES, policy
from lms.core.ratelimit import client_ip
from lms.errors import DomainError, ValidationError
from lms.extensions import db
from lms.orgs.models import Company

bp = Blueprint("accounts", __name__)

# Login and sign-up buttons for visitors are drawn by base.html itself; registering
# them here too would show them twice, so only the profile link is a nav item.
nav.register("accounts.profile", _l("내 정보"), roles=ROLES, order=90)

# Where each role lands after logging in, first existing endpoint wins.
_HOME = {
    "trainee": ("learning.dashboard", "catalog.index"),
    "instructor": ("labs.instructor_dashboard", "catalog.index"),
    "ministry": ("analytics.dashboard", "catalog.index"),
    "admin": ("admin.index", "catalog.index"),
}


def init_app(app) -> None:
    """Load the user afresh on every request.

    Flask-Login caches the user on ``g``; a request normally gets its own app
    context, but when one is already pushed (tests, CLI-driven requests) ``g``
    is shared between requests and a cached user would outlive a logout or a
    session-version bump. Dropping the cache keeps the loader the only judge.
    """

    @app.before_request
    def _forget_cached_user():
        from flask import g

        g.pop("_login_user", None)
        from flask_babel import refresh

        refresh()  # same reason: the locale (and its catalogue) is chosen per request

    sessions.init_app(app)  # idle and absolute timeouts, then the second-factor gate
    consent.init_app(app)  # then the consents an account made by someone else still owes

    @app.before_request
    def _persist_language_switch():
        # The header's language switch (?lang=) also becomes the saved preference of a
        # logged-in user, so the choice follows them to their next session and device.
        # A document's language (?lang= on a PDF download) is not a UI choice: see lms.core.i18n.
        from lms.core.i18n import ui_language_choice

        lang = ui_language_choice()
        if lang is not None and current_user.is_authenticated and current_user.locale != lang:
            services.set_locale(current_user._get_current_object(), lang)
            db.session.commit()


def home_for(user) -> str:
    for endpoint in _HOME.get(getattr(user, "role", ""), ("catalog.index",)):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return "/"


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _client_ip() -> str:
    return client_ip()


def _start_session(user, *, second_factor_done: bool = False) -> None:
    """Log ``user`` in on a fresh session (no fixation) that keeps the language choice."""
    sessions.begin(user, second_factor_done=second_factor_done)


@bp.route("/login", methods=["GET", "POST"])
@policy("public")
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        ip, email = _client_ip(), form.email.data or ""
        if throttle.login_blocked(ip, email):
            services.spend_password_check(form.password.data)  # same time as any other answer
            form.form_errors.append(_("로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주세요."))
            status = 429
        else:
            user = services.authenticate(email, form.password.data)
            if user is None:
                throttle.login_failed(ip, email)
                # One message whether the address exists or not.
                form.form_errors.append(_("이메일 또는 비밀번호가 올바르지 않습니다."))
                status = 401
            else:
                throttle.login_succeeded(ip, email)
                services.mark_login(user)
                # A language picked on the login page is the user's latest choice: keep it.
                chosen = session.get("locale")
                if chosen in current_app.config["LANGUAGES"] and chosen != user.locale:
                    user.locale = chosen
                db.session.commit()
                _start_session(user)
                if second_factor.required_for(user):
                    # Signed in, but held at code entry or enrolment until the second factor passes.
                    nxt = safe_next(request.args.get("next"))
                    if nxt:
                        session["_next"] = nxt
                    return redirect(url_for("accounts.second_factor" if second_factor.enrolled(user)
                                            else "accounts.second_factor_setup"))
                flash(_("%(name)s님, 환영합니다.", name=user.name), "success")
                return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@policy("public")
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        services.logout_everywhere(user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("catalog.index") if "catalog.index" in current_app.view_functions else "/")


@bp.route("/register", methods=["GET", "POST"])
@policy("public")
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_trainee(
                name=form.name.data, email=form.email.data, password=form.password.data,
                confirm=form.confirm.data, birth_date=form.birth_date.data, company_name=form.company.data,
                consents=form.consent_answers())
        except ValidationError as exc:
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            # The same answer whether or not the address already had an account.
            flash(_("가입 신청을 받았습니다. 입력한 주소로 보낸 메일의 링크를 열면 가입이 끝납니다."), "info")
            return redirect(url_for("accounts.login"))
        db.session.rollback()
    elif request.method == "POST":
        missing = [k for k in services.REQUIRED_CONSENTS if not form.consent_answers()[k]]
        if missing:
            form.form_errors.append(_("필수 동의 항목에 모두 동의해야 가입할 수 있습니다."))
    companies = db.session.execute(select(Company.name).order_by(Company.name).limit(500)).scalars().all()
    return render_template("accounts/register.html", form=form, items=services.CONSENT_ITEMS,
                           companies=companies), (400 if request.method == "POST" else 200)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@policy("public")
def confirm_email(token: str):
    """The link of a self-registration: GET shows a button, POST finishes and signs in."""
    try:
        services.user_from_token(token, services.CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except ValidationError as exc:
        return render_template("accounts/link_invalid.html", message=str(exc.message), kind="confirm"), 400
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token)
        except ValidationError as exc:
            db.session.rollback()
            return render_template("accounts/link_invalid.html", message=str(exc.message), kind="confirm"), 400
        services.mark_login(user)
        db.session.commit()
        _start_session(user)
        flash(_("가입을 환영합니다, %(name)s님.", name=user.name), "success")
        return redirect(home_for(user))
    return render_template("accounts/confirm_email.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@policy("authenticated")
def profile():
    user = current_user._get_current_object()
    consents = services.current_consents(user)
    pform = ProfileForm(prefix="p", obj=None if request.method == "POST" else user)
    if request.method == "GET":
        pform.consent_marketing.data = consents.get("marketing", False)
        pform.consent_third_party.data = consents.get("third_party", False)
    wform = PasswordChangeForm(prefix="pw")
    status = 200
    if request.method == "POST" and "p-save_profile" in request.form:
        if pform.validate_on_submit():
            try:
                services.update_profile(user, name=pform.name.data, phone=pform.phone.data,
                                        birth_date=pform.birth_date.data, locale=pform.locale.data)
                services.update_optional_consents(user, {"marketing": pform.consent_marketing.data,
                                                         "third_party": pform.consent_third_party.data})
            except DomainError as exc:
                db.session.rollback()
                pform.form_errors.append(str(exc.message))
                status = 400
            else:
                db.session.commit()
                session["locale"] = user.locale  # the saved language applies at once
                flash(_("내 정보를 저장했습니다."), "success")
                return redirect(url_for("accounts.profile"))
        else:
            status = 400
    elif request.method == "POST" and "pw-change_password" in request.form:
        if wform.validate_on_submit():
            passed = sessions.second_factor_done(user)  # before the session version changes
            try:
                services.change_password(user, wform.current.data, wform.password.data, wform.confirm.data)
            except DomainError as exc:
                db.session.rollback()
                wform.current.errors.append(str(exc.message))
                status = 400
            else:
                db.session.commit()
                # Other sessions are now invalid; keep this one by logging in with the new version.
                _start_session(user, second_factor_done=passed)
                flash(_("비밀번호를 변경했습니다. 다른 기기에서는 다시 로그인해야 합니다."), "success")
                return redirect(url_for("accounts.profile"))
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    enrolled = second_factor.enrolled(user)
    return render_template(
        "accounts/profile.html", pform=pform, wform=wform, user=user,
        tf_may_enrol=second_factor.may_enrol(user), tf_enrolled=enrolled,
        tf_codes_left=second_factor.remaining_recovery_codes(user) if enrolled else 0,
        tf_form=(SecondFactorDisableForm(prefix="tf") if enrolled and user.role not in second_factor.REQUIRED_ROLES
                 else None)), status


@bp.route("/forgot", methods=["GET", "POST"])
@policy("public")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ip, email = _client_ip(), form.email.data
        if throttle.reset_mail_allowed(ip, email):  # per address across IPs, per IP across addresses
            services.request_password_reset(email)
            db.session.commit()
        # The same answer whether or not the address is registered.
        flash(_("입력한 주소로 가입된 계정이 있으면 비밀번호 재설정 링크를 보냈습니다. 메일함을 확인해 주세요."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def _token_page(token: str, salt: str, max_age_key: str, apply, template: str, done_message: str):
    """Shared flow of the reset and invitation pages: check the link, then set a password."""
    try:
        services.user_from_token(token, salt, current_app.config[max_age_key])
    except ValidationError as exc:
        return render_template("accounts/link_invalid.html", message=str(exc.message),
                               kind=("invite" if salt == services.INVITE_SALT else "reset")), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = apply(token, form.password.data, form.confirm.data)
        except ValidationError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc.message))
        else:
            db.session.commit()
            _start_session(user)
            flash(done_message, "success")
            return redirect(home_for(user))
    return render_template(template, form=form), (400 if request.method == "POST" else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@policy("public")
def reset_password(token: str):
    # A GET only shows the page; the session changes on the (CSRF-checked) POST alone.
    return _token_page(token, services.RESET_SALT, "PASSWORD_RESET_MAX_AGE", services.reset_password,
                       "accounts/reset.html", _("새 비밀번호를 설정했습니다. 다른 기기의 로그인은 모두 종료되었습니다."))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@policy("public")
def accept_invitation(token: str):
    # As for resets: opening the link while signed in changes nothing.
    return _token_page(token, services.INVITE_SALT, "INVITATION_MAX_AGE", services.accept_invitation,
                       "accounts/invite.html", _("비밀번호를 설정했습니다. 스마트공장 아카데미에 오신 것을 환영합니다."))


from lms.accounts import mfa_views  # noqa: E402,F401  (second-factor pages on this blueprint)
from lms.accounts import consent  # noqa: E402  (the consent page and gate on this blueprint)
