"""Smart Factory Academy LMS: the application factory."""
from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from flask import Flask

from lms.config import (DEV_SECRET, Defaults, env_overrides, is_production_env, production_problems,
                        production_settings)

PACKAGES = ("orgs", "accounts", "catalog", "learning", "labs", "certificates", "analytics", "admin", "meisters", "privacy",
            "jobs", "demo", "api")
REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, LMS_* env, then ``config``."""
    app = Flask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        instance_relative_config=True,
        static_folder=str(REPO_ROOT / "static"),
        template_folder=str(REPO_ROOT / "templates"),
    )
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    if config:
        app.config.update(config)

    if is_production_env(app.config):
        _check_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = str(REPO_ROOT / "courses")
    _check_secret(app)
    from lms.core import security

    security.init_app(app, production=is_production(app))
    from lms.core import static

    static.init_app(app)

    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    from lms.errors import register_error_handlers

    register_error_handlers(app)
    from lms.core import privacy_cli

    privacy_cli.init_app(app)  # the access log's after_request writer, `flask access-log`, `flask privacy`
    _register_template_helpers(app)
    return app


def is_production(app: Flask) -> bool:
    """Neither debug nor testing (or LMS_ENV=production): the deployment (HSTS, Secure
    cookies, a real secret key)."""
    if is_production_env(app.config):
        return True
    return not (app.debug or app.testing or os.environ.get("FLASK_DEBUG") == "1")


def _check_production(app: Flask) -> None:
    """LMS_ENV=production: refuse to start on anything but a real secret, PostgreSQL and
    Redis, then apply the production settings (lms.config.production_settings)."""
    problems = production_problems(app.config)
    if os.environ.get("FLASK_DEBUG") == "1" and "FLASK_DEBUG is on" not in problems:
        problems.append("FLASK_DEBUG is on")
    if problems:
        raise RuntimeError("LMS_ENV=production: refusing to start: " + "; ".join(problems)
                           + ". See deploy/README.md.")
    app.config.update(production_settings(app.config))
    if not app.config["SESSION_COOKIE_SECURE"]:
        logging.getLogger(__name__).warning(
            "LMS_ENV=production with LMS_SESSION_COOKIE_SECURE=0: session cookies also go over plain HTTP")
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _check_secret(app: Flask) -> None:
    if not is_production(app):
        return
    if app.config.get("SECRET_KEY") in (None, "", DEV_SECRET):
        raise RuntimeError(
            "LMS_SECRET_KEY is not set: refusing to start outside debug/testing with the development key."
        )


def _init_extensions(app: Flask) -> None:
    from lms.core.i18n import select_locale
    from lms.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    import lms.models  # noqa: F401  (complete metadata for Alembic)

    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(REPO_ROOT / "translations"))
    login_manager.init_app(app)
    import lms.accounts.loader  # noqa: F401  (registers the user loader)
    login_manager.login_view = "accounts.login"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("로그인이 필요합니다.")
    login_manager.login_message_category = "info"
    from lms.core import ratelimit

    ratelimit.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from lms.core import health

    app.register_blueprint(health.bp)
    for name in PACKAGES:
        for part in ("views", "cli"):
            modname = f"lms.{name}.{part}"
            try:
                module = importlib.import_module(modname)
            except ModuleNotFoundError as exc:
                if exc.name == modname:
                    continue
                raise
            if part == "views" and hasattr(module, "bp"):
                app.register_blueprint(module.bp)
            if part == "cli" and hasattr(module, "cli"):
                app.cli.add_command(module.cli)
            if hasattr(module, "init_app"):
                module.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from flask import current_app
    from flask_login import current_user

    from lms.core import nav
    from lms.core.i18n import current_locale, localized
    from lms.core.timeutil import to_kst
    from lms.core.authz import role_label

    @app.context_processor
    def inject():
        return {
            "nav_items": nav.items_for(current_user),
            "current_app": current_app,
            "current_locale": current_locale(),
            "localized": localized,
            "role_label": role_label,
            "lang_url": lang_url,
        }

    def lang_url(lang: str) -> str:
        """The current page in another language (the choice then persists)."""
        from flask import request, url_for

        args = request.args.to_dict()
        args["lang"] = lang
        if request.endpoint and request.url_rule and request.method == "GET":
            return url_for(request.endpoint, **(request.view_args or {}), **args)
        return "/?lang=" + lang

    from lms.core.timeutil import same_kst_day, span_text

    # A span in Korean time with the end's date when it crosses midnight.
    app.add_template_global(span_text, "kst_span")
    app.add_template_global(same_kst_day, "same_kst_day")

    @app.template_filter("kst")
    def kst_filter(value, fmt="%Y-%m-%d %H:%M"):
        v = to_kst(value)
        return v.strftime(fmt) if v else ""
