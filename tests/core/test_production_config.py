"""Issue 10, "Production serving": LMS_ENV=production refuses to start without a real
secret key, a PostgreSQL database and Redis; it sends Secure/HttpOnly/SameSite cookies
and HSTS, sizes the connection pool to the worker's threads with pre-ping, and static
files carry versioned URLs with long cache headers. deploy/gunicorn.conf.py takes its
worker count from the cores and masks secret tokens in the access log."""
from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import pytest

import lms
from lms import create_app

REPO = Path(__file__).resolve().parents[2]
SECRET = "s" * 64
PG = "postgresql://postgres@127.0.0.1:5432/lms_never_connected"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prod_env(monkeypatch, tmp_path):
    """A production environment with every item present, and no instance/config.py."""
    for key in list(os.environ):
        if key.startswith("LMS_") and key != "LMS_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr(lms, "REPO_ROOT", tmp_path)  # instance/ (and its config.py) empty
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", SECRET)
    monkeypatch.setenv("LMS_DATABASE_URL", PG)
    monkeypatch.setenv("LMS_REDIS_URL", REDIS)
    return monkeypatch


@pytest.mark.parametrize("variable, value, message", [
    ("LMS_SECRET_KEY", None, "LMS_SECRET_KEY is not set"),
    ("LMS_SECRET_KEY", "dev-insecure-change-me", "LMS_SECRET_KEY is not set"),
    ("LMS_SECRET_KEY", "short-secret", "LMS_SECRET_KEY is shorter than 32"),
    ("LMS_DATABASE_URL", None, "LMS_DATABASE_URL is not set"),
    ("LMS_DATABASE_URL", "sqlite:////tmp/lms.sqlite3", "LMS_DATABASE_URL is not a PostgreSQL URL"),
    ("LMS_REDIS_URL", None, "LMS_REDIS_URL is not set"),
    ("LMS_REDIS_URL", "memcached://127.0.0.1", "LMS_REDIS_URL is not a redis://"),
    ("FLASK_DEBUG", "1", "FLASK_DEBUG is on"),
])
def test_production_refuses_to_start_without_each_item(prod_env, variable, value, message):
    if value is None:
        prod_env.delenv(variable)
    else:
        prod_env.setenv(variable, value)
    with pytest.raises(RuntimeError) as exc:
        create_app()
    text = str(exc.value)
    assert text.startswith("LMS_ENV=production: refusing to start")
    assert message in text
    assert SECRET not in text  # the error names what is wrong, never the secret itself


def test_production_names_every_missing_item_at_once(prod_env):
    for variable in ("LMS_SECRET_KEY", "LMS_DATABASE_URL", "LMS_REDIS_URL"):
        prod_env.delenv(variable)
    with pytest.raises(RuntimeError) as exc:
        create_app()
    for variable in ("LMS_SECRET_KEY", "LMS_DATABASE_URL", "LMS_REDIS_URL"):
        assert variable in str(exc.value)


def test_without_lms_env_production_sqlite_and_no_redis_still_start(monkeypatch, tmp_path):
    """`make run` stays the embedded default: one process, SQLite, no Redis."""
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("LMS_REDIS_URL", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_production_cookies_hsts_and_pool(prod_env):
    prod_env.setenv("LMS_WEB_THREADS", "4")
    prod_env.setattr(lms, "REPO_ROOT", REPO)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    engine = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert engine["pool_size"] == 4 and engine["pool_pre_ping"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    resp = app.test_client().get("/static/css/app.css")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with app.test_request_context():
        from flask import session

        session["x"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    with app.app_context():
        from lms.extensions import db

        assert db.engine.pool.size() == 4  # built from the options, no connection made
        assert db.engine.pool._pre_ping


def test_only_an_explicit_opt_out_sends_the_cookie_over_plain_http(prod_env):
    prod_env.setattr(lms, "REPO_ROOT", REPO)
    assert create_app().config["SESSION_COOKIE_SECURE"] is True
    prod_env.setenv("LMS_SESSION_COOKIE_SECURE", "0")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["SESSION_COOKIE_NAME"] == "session"


def test_static_urls_are_versioned_and_cached_for_a_year(client, app):
    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", url)
    page = client.get("/login").get_data(as_text=True)
    assert url in page  # the base template links the versioned URL
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # An unversioned or stale URL is still served, but only cached for an hour.
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        resp = client.get(stale)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "public, max-age=3600"


def test_version_changes_when_the_file_changes(app, tmp_path):
    from lms.core.static import file_version

    (tmp_path / "a.css").write_text("body{}")
    app_static = app.static_folder
    app.static_folder = str(tmp_path)
    try:
        first = file_version(app, "a.css")
        os.utime(tmp_path / "a.css", ns=(1, 1))
        (tmp_path / "a.css").write_text("body{color:red}")
        assert file_version(app, "a.css") != first
        assert file_version(app, "../etc/passwd") is None
    finally:
        app.static_folder = app_static


def _gunicorn_conf(monkeypatch, **env):
    for key in ("LMS_WEB_WORKERS", "WEB_CONCURRENCY", "LMS_WEB_THREADS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_workers_are_cores_plus_one_unless_overridden(monkeypatch):
    conf = _gunicorn_conf(monkeypatch)
    assert conf["workers"] == os.cpu_count() + 1
    assert conf["worker_class"] == "sync" and conf["preload_app"] is False
    assert conf["timeout"] > 0 and conf["graceful_timeout"] > 0
    conf = _gunicorn_conf(monkeypatch, LMS_WEB_WORKERS="7", LMS_WEB_THREADS="4")
    assert conf["workers"] == 7 and conf["threads"] == 4 and conf["worker_class"] == "gthread"


def test_access_log_masks_tokens_and_drops_query_strings(monkeypatch):
    from datetime import timedelta
    from types import SimpleNamespace

    conf = _gunicorn_conf(monkeypatch)
    logger = conf["MaskingLogger"].__new__(conf["MaskingLogger"])
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    for path, logged in (("/reset/abc.def-ghi", "/reset/***"), ("/invite/tok", "/invite/***"),
                         ("/visits/confirm/tok", "/visits/confirm/***"), ("/courses/SF101", "/courses/SF101")):
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": path + "?q=name", "SERVER_PROTOCOL": "HTTP/1.1",
                   "PATH_INFO": path, "QUERY_STRING": "q=name", "REMOTE_ADDR": "127.0.0.1"}
        atoms = logger.atoms(resp, {}, environ, timedelta(milliseconds=12))
        from gunicorn.glogging import SafeAtoms

        line = conf["access_log_format"] % SafeAtoms(atoms)
        assert f'"GET {logged}"' in line and "tok" not in line and "abc" not in line and "q=name" not in line
