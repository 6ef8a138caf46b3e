"""Fixtures of the meister tests: reference data and ready-made meisters and companies."""
from __future__ import annotations

import pytest

from lms.extensions import db


@pytest.fixture
def admin_user(app):
    from tests.factories import make_user

    return make_user(role="admin", email="office@example.kr", name="사무국")


@pytest.fixture
def make_meister(refdata, admin_user):
    """make_meister(regions=["48"], fields=["plc"], approved=True) -> MeisterProfile."""
    from lms.meisters import services as svc
    from tests.factories import n

    def _make(*, regions=("48",), fields=("plc",), roots=(), approved=True, name=None, **kw):
        i = n()
        profile = svc.recruit(admin_user, email=f"meister{i}@example.kr", name=name or f"마이스터{i}",
                              former_company=kw.pop("former_company", "현대중공업"),
                              years_experience=kw.pop("years_experience", 30), fields=list(fields),
                              root_technology_codes=list(roots), region_codes=list(regions), password="password123!",
                              **kw)
        if approved:
            svc.approve(admin_user, profile)
        db.session.flush()
        return profile

    return _make


@pytest.fixture
def query_count(client):
    """query_count(path) -> SQL statements one GET of ``path`` issues (the test's own
    SAVEPOINTs aside); every request loads its user afresh, as in production."""
    import sqlalchemy as sa

    def _count(path: str) -> int:
        n = 0

        def inc(conn, cursor, statement, *_a, **_k):
            nonlocal n
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                n += 1

        db.session.expire_all()
        sa.event.listen(db.engine, "before_cursor_execute", inc)
        try:
            assert client.get(path).status_code == 200, path
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", inc)
        return n

    return _count
