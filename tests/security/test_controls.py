"""Controls of issue 9 that no other test file pins down on its own.

Each test names the requirement it covers (OWASP ASVS 5.0 level 2; PIPA and its
safety-measures standard, 개인정보의 안전성 확보조치 기준).
"""
from __future__ import annotations

import re

from lms.core.authz import PUBLIC
from lms.core.ratelimit import PERSONAL_DATA_DOWNLOADS, ROUTE_LIMITS

# A route that hands out a file or a table: a format in the URL, a .pdf, an export or a download.
DOWNLOAD = re.compile(r"(\.<fmt>|\.pdf|\.zip|\.csv|\.xlsx|download|export)", re.I)


def test_every_download_of_personal_data_is_rate_limited(app):
    """ASVS 5.0 V2.4.1 (anti-automation against bulk exfiltration), PIPA safety-measures
    standard Art. 6(3): every signed-in download or export route, including ones added
    later, is in the per-account budget that
    tests/accounts/test_throttle.py::test_personal_data_downloads_are_rate_limited_per_account
    exercises (60 an hour, then 429)."""
    limited = {(ep, m) for rl in ROUTE_LIMITS for ep in rl.endpoints for m in rl.methods}
    assert {(ep, "GET") for ep in PERSONAL_DATA_DOWNLOADS} <= limited
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not DOWNLOAD.search(rule.rule):
            continue
        if PUBLIC in getattr(app.view_functions[rule.endpoint], "__policy__", ()):
            continue  # public files carry no one's personal data (the verify pages are limited per address)
        for method in sorted(rule.methods & {"GET", "POST"}):  # a download behind a form (a reason) counts too
            if (rule.endpoint, method) not in limited:
                missing.append(f"{method} {rule.endpoint} {rule.rule}")
    assert not missing, "downloads without a rate limit (add them to PERSONAL_DATA_DOWNLOADS): " + ", ".join(missing)
    assert {(ep, "GET") for ep in ("labs.roster_export", "certificates.cohort_download", "analytics.export",
                                   "meisters.report")} <= limited


def test_security_md_names_real_tests():
    """docs/SECURITY.md (control -> requirement -> test) names only tests that exist;
    rows reserved for other branches name a file without a test and are skipped."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    text = (repo / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    refs = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text))
    assert len(refs) > 80
    missing = []
    for path, name in sorted(refs):
        source = repo / path
        if not source.is_file() or not re.search(rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, "docs/SECURITY.md names tests that do not exist: " + ", ".join(missing)
    for reserved in ("tests/security/test_access_log.py", "tests/accounts/test_privacy_rights.py",
                     "tests/core/test_retention.py"):
        assert reserved in text
