"""Platform-wide guarantees: every endpoint declares a policy, health check, errors."""
from __future__ import annotations

import pytest

from lms import create_app


def test_every_endpoint_declares_a_policy(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "__policy__"):
            missing.append(f"{rule.endpoint} {rule.rule}")
    assert not missing, "endpoints without @policy: " + ", ".join(missing)


def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json["database"] == "ok"
    assert resp.json["status"] == "ok"


def test_unknown_page_is_korean_404_in_site_style(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert "페이지를 찾을 수 없습니다" in html


def test_refuses_to_start_without_secret_outside_debug(monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_reference_data_loads_regions_with_validity(refdata):
    from datetime import date

    from lms.extensions import db
    from lms.orgs.models import Region, RootTechnology

    gangwon_old = db.session.get(Region, "42")
    gangwon_new = db.session.get(Region, "51")
    assert gangwon_old.valid_to == date(2023, 6, 10)
    assert gangwon_new.is_valid_on(date(2024, 1, 1)) and not gangwon_old.is_valid_on(date(2024, 1, 1))
    assert db.session.query(RootTechnology).count() == 14
