"""Static security analysis in the test run.

ASVS 5.0 V1.5.2 (no unsafe deserialisation of untrusted data), V1.2 (injection
prevention) and V1.3 (sanitisation), which bandit's B301/B608/B704 findings concern:
bandit finds no medium or high issue in lms/ that is not explained with
``# nosec BXXX # reason`` at its line, and the analytics cache never unpickles bytes
it did not sign.
"""
from __future__ import annotations

import json
import pickle
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


class _FakeRedis(dict):
    def get(self, key):
        return dict.get(self, key)

    def setex(self, key, ttl, value):
        self[key] = value

    def incr(self, key):
        self[key] = int(dict.get(self, key) or 0) + 1


class _Boom:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled attacker bytes')",))


def test_analytics_cache_refuses_unsigned_or_tampered_entries(app, monkeypatch):
    """V1.5.2: bytes planted in Redis by someone without SECRET_KEY are never unpickled."""
    from lms.analytics import cache

    fake = _FakeRedis()
    monkeypatch.setattr(cache, "_redis", lambda: fake)
    cache.put("k", {"rows": [1, 2, 3]}, 60)
    assert cache.get("k") == {"rows": [1, 2, 3]}  # our own entries round-trip
    full = next(k for k in fake if k.endswith(":k"))
    fake[full] = pickle.dumps(_Boom())  # unsigned
    assert cache.get("k") is None
    signed = fake[full] = cache._dumps("ok")
    fake[full] = signed[:32] + pickle.dumps(_Boom())  # a valid-looking MAC over other bytes
    assert cache.get("k") is None
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key")
    fake[full] = signed
    assert cache.get("k") is None  # signed under another key
