"""Static security analysis in the test run.

ASVS 5.0 V1.5.2 (no unsafe deserialisation of untrusted data), V1.2 (injection
prevention) and V1.3 (sanitisation), which bandit's B301/B608/B704 findings concern:
bandit finds no medium or high issue in lms/ that is not explained with
``# nosec BXXX # reason`` at its line.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)$")
EXPLAINED = re.compile(r"^\s+B\d{3}(,\s*B\d{3})*\s+#\s*\S.{9,}$")


def test_bandit_reports_no_unexplained_medium_or_high_issue():
    pytest.importorskip("bandit")
    run = subprocess.run([sys.executable, "-m", "bandit", "-r", "lms", "-ll", "-q", "-f", "json"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    issues = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_text']}" for i in report["results"]
              if i["issue_severity"] in ("MEDIUM", "HIGH")]
    assert issues == []
    assert not report["errors"], report["errors"]


def test_every_nosec_names_its_rule_and_says_why():
    """A bare ``# nosec`` would hide every present and future finding on the line."""
    bad = []
    for path in sorted((REPO / "lms").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = NOSEC.search(line)
            if m and not EXPLAINED.match(m.group("rest")):
                bad.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert bad == []

# The analytics cache stores JSON, never pickles: tests/analytics/test_views.py::
# test_redis_cache_holds_json_never_runs_pickles proves a planted pickle never runs.
