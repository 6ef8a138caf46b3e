"""Schemathesis over HTTP against the running app: gunicorn with the repository's
deploy/gunicorn.conf.py (two sync workers, rate limits on, as in production), its own
database prepared with the commands a person runs (``flask db upgrade``, ``reference
load``, ``courses sync``, ``demo seed``), and a personal access token for each demo
role minted in that database. Every operation of /api/v1/openapi.json, as served by that
process, is called with each role's token: no 5xx, and every answer conforms to the
document (status, content type, headers, schema).

The in-process twin (test_schemathesis.py) covers the same document through the WSGI
app with a two-institution world; this one proves the document holds for the app as
deployed: real sockets, real headers, real rate limits and real worker processes.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import make_database
from tests.processes import free_port as _free_port, stop

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("LMS_SCHEMATHESIS_EXAMPLES", "4"))
ROLES = ("trainee", "instructor", "ministry", "admin", "meister")

PREPARE = """
import json, sys
from datetime import timedelta
from lms import create_app
from lms.extensions import db
app = create_app()
runner = app.test_cli_runner()
for args in (["db", "upgrade"], ["reference", "load"], ["courses", "sync"],
             ["demo", "seed", "--trainees", "40", "--seed", "1"]):
    result = runner.invoke(args=args)
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        if result.exception is not None:
            import traceback; traceback.print_exception(result.exception)
        sys.exit(1)
with app.app_context():
    from sqlalchemy import select
    from lms.accounts.models import User
    from lms.api import tokens
    from lms.core.timeutil import today_kst
    out = {}
    for role in %(roles)r:
        user = db.session.execute(select(User).where(User.email == role + "@demo.kr")).scalar_one()
        _row, secret = tokens.create_token(user, "schemathesis", tokens.scopes_for_role(user.role),
                                           today_kst() + timedelta(days=2))
        out[role] = secret
    db.session.commit()
print("TOKENS " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def running_app():
    """(base URL, {role: bearer secret}) of a gunicorn-served app on its own database."""
    url, drop = make_database("lms_api_live")
    port = _free_port()
    env = dict(os.environ)
    env.pop("LMS_TEST_DATABASE_URL", None)
    env.pop("LMS_REDIS_URL", None)  # in-process rate-limit counters, one set per worker
    env.update({"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": "live-" + secrets.token_hex(16),
                "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "LMS_BIND": f"127.0.0.1:{port}",
                "LMS_WEB_WORKERS": "2", "PYTHONUNBUFFERED": "1"})
    prepared = subprocess.run([sys.executable, "-c", PREPARE % {"roles": ROLES}], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600)
    if prepared.returncode != 0:
        drop()
        pytest.fail(f"preparing the database failed:\n{prepared.stdout[-3000:]}\n{prepared.stderr[-3000:]}")
    line = next(x for x in prepared.stdout.splitlines() if x.startswith("TOKENS "))
    role_tokens = json.loads(line[len("TOKENS "):])
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    log = open(REPO / "test-artifacts" / "api-live-server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer /healthz; see test-artifacts/api-live-server.log")
                time.sleep(0.3)
        yield base, role_tokens
    finally:
        stop(proc, timeout=15)
        log.close()
        drop()


@pytest.fixture(scope="module")
def live_schema(running_app):
    base, _tokens = running_app
    return schemathesis.openapi.from_url(base + "/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("live_schema")


def test_the_served_document_is_openapi_3_1_with_every_route(running_app):
    base, _tokens = running_app
    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10) as answer:
        doc = json.load(answer)
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/me", "/api/v1/me/enrollments", "/api/v1/certificates/verify",
            "/api/v1/certificates/verify/bulk", "/api/v1/cohorts/{cohort_id}/roster",
            "/api/v1/labs/{lab_id}/sessions", "/api/v1/stats"} <= set(doc["paths"])


def test_every_role_token_is_accepted_by_the_running_app(running_app):
    """The fuzzing below runs as each role, not as an anonymous caller answered 401."""
    base, role_tokens = running_app
    for role in ROLES:
        request = urllib.request.Request(base + "/api/v1/me",
                                         headers={"Authorization": f"Bearer {role_tokens[role]}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert json.load(answer)["role"] == role


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_running_app_conforms_to_its_document_for_every_role(case, running_app):
    _base, role_tokens = running_app
    for role in ROLES:
        # As in the in-process test: rules beyond the JSON schema (e-mail and date rules of a
        # roster, a month range, an opaque cursor) answer documented 400/422 problem details.
        case.call_and_validate(headers={"Authorization": f"Bearer {role_tokens[role]}"},
                               excluded_checks=[positive_data_acceptance], timeout=30)
