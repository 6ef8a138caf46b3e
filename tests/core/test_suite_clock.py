"""The suite's own dates: a module constant such as ``TODAY`` must not go stale
when a run crosses midnight KST (15:00 UTC).

A constant computed at collection is yesterday for every test that runs after
midnight, while the application asks the clock again and refuses "tomorrow's"
visit or a placement that has "not started" (CI failed this way on a run that
started at 14:50 UTC). Every such module reads the collection instant and pins
the application's clock to it (``tests.conftest.clock_at_collection``).
"""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from lms.core.timeutil import KST, kst_day_start, now_utc, today_kst
from tests.conftest import COLLECTED_AT

TESTS = Path(__file__).resolve().parents[1]
CLOCK_CALLS = {"today_kst", "now_utc", "now_kst", "today", "now", "utcnow"}


def _calls_the_clock(node: ast.AST) -> bool:
    """True when ``node`` calls a clock function without an explicit instant."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and not call.args and not call.keywords:
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in CLOCK_CALLS:
                return True
    return False


def _pins_the_clock(tree: ast.Module) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in stmt.targets):
            return "clock_at_collection" in ast.unparse(stmt.value)
    return False


def test_no_test_module_keeps_a_date_read_from_the_running_clock():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in tree.body:  # module level only: inside a test the clock is read when the test runs
            is_the_instant = "COLLECTED_AT" in ast.unparse(stmt).split("=")[0]  # the one reading, in conftest
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _calls_the_clock(stmt) and not is_the_instant:
                offenders.append(f"{path.relative_to(TESTS)}:{stmt.lineno}: {ast.unparse(stmt)}")
        uses_collected = "COLLECTED_AT" in path.read_text(encoding="utf-8") and path.name != "conftest.py"
        if uses_collected and path.name != Path(__file__).name and not _pins_the_clock(tree):
            offenders.append(f"{path.relative_to(TESTS)}: derives dates from COLLECTED_AT without pinning the clock")
    assert not offenders, "read the date from COLLECTED_AT and pin the clock:\n" + "\n".join(offenders)


def test_the_pinned_clock_keeps_the_collection_date_after_midnight(clock_at_collection):
    """A run collected one second before midnight KST still sees that date in every test."""
    before_midnight = kst_day_start(today_kst(COLLECTED_AT) + timedelta(days=1)) - timedelta(seconds=1)
    clock_at_collection.set(before_midnight)
    module_today = today_kst(before_midnight)
    assert today_kst() == module_today
    # what the application would see without the pin, two seconds later:
    assert today_kst(before_midnight + timedelta(seconds=2)) == module_today + timedelta(days=1)
    assert now_utc().astimezone(KST).date() == module_today
