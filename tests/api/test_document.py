"""The OpenAPI 3.1 document is generated from the code and served with a readable page
from vendored files (no CDN, no inline script)."""
from __future__ import annotations

import re

from lms import REPO_ROOT

OPERATIONS = {
    ("get", "/api/v1/me"), ("get", "/api/v1/me/enrollments"), ("post", "/api/v1/certificates/verify"),
    ("post", "/api/v1/certificates/verify/bulk"), ("put", "/api/v1/cohorts/{cohort_id}/roster"),
    ("post", "/api/v1/cohorts/{cohort_id}/roster"), ("get", "/api/v1/labs/{lab_id}/sessions"),
    ("get", "/api/v1/labs/{lab_id}/bookings"), ("get", "/api/v1/stats"), ("get", "/api/v1/stats/{table}"),
}


def test_document_is_openapi_31_with_every_operation_secured(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    assert doc["openapi"] == "3.1.0"
    ops = {(m, p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert ops == OPERATIONS
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for method, op in ((m, o) for m, o in item.items() if m != "parameters"):
            assert op["security"] == [{"bearerAuth": []}], (method, path)
            assert "default" in op["responses"]
    problem = doc["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    # OpenAPI 3.1 nullability (JSON Schema type lists), not 3.0's "nullable"
    assert doc["components"]["schemas"]["Enrollment"]["properties"]["completed_at"]["type"] == ["string", "null"]
    assert "nullable" not in resp.get_data(as_text=True)


def test_docs_page_uses_vendored_swagger_ui_without_inline_script(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in s for s in scripts), scripts
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/js/api-docs.js" in html
    assert "//" not in "".join(re.findall(r'(?:src|href)="(https?:[^"]*)"', html))  # nothing from elsewhere
    vendor = REPO_ROOT / "static" / "vendor" / "swagger-ui"
    assert (vendor / "LICENSE").is_file() and (vendor / "NOTICE").is_file()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_docs_page_follows_the_sites_language_switch(client):
    assert "API documentation" in client.get("/api/v1/docs?lang=en").get_data(as_text=True)
    assert "API 문서" in client.get("/api/v1/docs?lang=ko").get_data(as_text=True)
