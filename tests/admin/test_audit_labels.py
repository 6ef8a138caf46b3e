"""The audit log and outbox read as words (issue 13): every action the code records and every
mail kind it sends has a Korean label, details never show Python reprs, and the log filters
by actor and by Korean dates."""
from __future__ import annotations

import ast
import pathlib
from datetime import datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, strategies as st

from lms.admin.audit_labels import ACTION_LABELS, MAIL_KIND_LABELS, describe_details
from lms.core import audit
from lms.core.timeutil import KST
from lms.extensions import db
from tests.factories import make_user

LMS = pathlib.Path(__file__).resolve().parents[2] / "lms"
# Actions built with an f-string: every value the code can produce.
DYNAMIC_ACTIONS = {"account.activate", "account.deactivate", "signoff.create", "signoff.correct",
                   "cohort.invitation_accepted", "cohort.invitation_declined", "roster.export", "attendance.export"}


def _literals(func_name: str, *, arg: int | None = None, keyword: str | None = None) -> dict[str, str]:
    found = {}
    for path in LMS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name != func_name:
                continue
            values = []
            if arg is not None and len(node.args) > arg:
                values.append(node.args[arg])
            values += [k.value for k in node.keywords if k.arg == keyword]
            for v in values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    found.setdefault(v.value, f"{path.relative_to(LMS.parent)}:{node.lineno}")
    return found


def test_every_recorded_action_has_a_label():
    recorded = {a: w for a, w in _literals("record", arg=1).items() if "." in a}
    assert recorded, "the walk found no audit actions"
    missing = {a: w for a, w in recorded.items() if a not in ACTION_LABELS}
    missing.update({a: "dynamic" for a in DYNAMIC_ACTIONS if a not in ACTION_LABELS})
    assert not missing, f"audit actions without a label: {missing}"


def test_every_mail_kind_has_a_label():
    kinds = _literals("send_mail", keyword="kind")
    assert kinds
    missing = {k: w for k, w in kinds.items() if k not in MAIL_KIND_LABELS}
    assert not missing, f"outbox kinds without a label: {missing}"


WORDS = st.text(alphabet="abcxyz가나다라 0123456789_-.", max_size=8)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | WORDS,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WORDS, inner, max_size=3),
                           max_leaves=8)


@given(st.dictionaries(WORDS.filter(lambda k: k != "changes"), json_values, max_size=4))
def test_details_never_read_as_python(details):
    """Whatever JSON the details hold, the line shows no braces, brackets, quotes or Python
    constants (the input alphabet has none of them, so any in the output is a repr)."""
    text = describe_details(SimpleNamespace(action="analytics.export", details=details))
    for token in ("{", "}", "[", "]", "'", '"', "None", "True", "False"):
        assert token not in text, (details, text)


def test_export_filters_read_as_words():
    text = describe_details(SimpleNamespace(action="analytics.export",
                                            details={"format": "xlsx", "filters": {"region": "29"}, "suppressed": True}))
    assert text == "형식: xlsx · 조건: 시·도 29 · 소수 억제: 예"


def test_audit_log_filters_by_actor_and_korean_dates(admin_client):
    alice, bob = make_user("admin", name="감사앨리스"), make_user("admin", name="감사밥")
    # 2026-03-01 23:30 KST is 14:30 UTC on the same date; 2026-03-02 00:30 KST is 15:30 UTC of 03-01.
    e1 = audit.record(alice, "company.create", object_type="Company", object_id=1)
    e2 = audit.record(bob, "company.update", object_type="Company", object_id=1)
    e1.created_at = datetime(2026, 3, 1, 23, 30, tzinfo=KST)
    e2.created_at = datetime(2026, 3, 2, 0, 30, tzinfo=KST)
    db.session.commit()
    page = admin_client.get("/admin/audit?actor=감사앨리스").text
    assert f'data-event="{e1.id}"' in page and f'data-event="{e2.id}"' not in page
    page = admin_client.get("/admin/audit?from=2026-03-02&to=2026-03-02").text
    assert f'data-event="{e2.id}"' in page and f'data-event="{e1.id}"' not in page
    assert "회사 추가" in admin_client.get("/admin/audit?to=2026-03-01").text
    r = admin_client.get("/admin/audit?from=2026-03-03&to=2026-03-01")
    assert r.status_code == 400 and "시작일이 종료일보다 늦습니다" in r.text
    r = admin_client.get("/admin/audit?from=2026-13-01")
    assert r.status_code == 400 and "2026-03-02 형식" in r.text
    assert "company.create" not in admin_client.get("/admin/audit").text.replace('title="company.create"', "") \
        .replace('value="company.create"', "")
