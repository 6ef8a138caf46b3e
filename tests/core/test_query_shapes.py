"""Per-person and per-cohort queries cost what the person's rows cost, not the table's.

``x.id NOT IN (SELECT supersedes_id FROM t WHERE supersedes_id IS NOT NULL)``
reads every superseded row of the table before it can answer for one trainee:
at national scale that was 2,769 sign-offs read (8 ms on PostgreSQL) for a
trainee with three enrollments, twice per dashboard view, and it grows with
every re-issue and corrected sign-off in the country. ``NOT EXISTS`` with the
unique index on ``supersedes_id`` looks up only the rows at hand (0.2 ms).

The analytics loaders (``lms/analytics/``) read whole tables on purpose; there
the hashed ``NOT IN`` of the few superseded ids is the faster plan.
"""
from __future__ import annotations

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"
WHOLE_TABLE_READERS = {LMS / "analytics"}


def test_no_request_path_excludes_superseded_rows_with_not_in():
    offenders = []
    for path in sorted(LMS.rglob("*.py")):
        if any(folder in path.parents for folder in WHOLE_TABLE_READERS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {}  # local names bound to a select of supersedes_id
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and "supersedes_id" in ast.unparse(node.value):
                names.update({t.id: node.lineno for t in node.targets if isinstance(t, ast.Name)})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "not_in"
                    and node.args):
                arg = node.args[0]
                if "supersedes_id" in ast.unparse(arg) or (isinstance(arg, ast.Name) and arg.id in names):
                    offenders.append(f"{path.relative_to(LMS.parent)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "use ~exists().where(newer.supersedes_id == X.id):\n" + "\n".join(offenders)
