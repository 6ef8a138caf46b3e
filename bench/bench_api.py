"""Benchmark: certificate verification through the JSON API, 1,000 items in one bulk call
vs 1,000 single calls, in the same run, through the WSGI app (no network).

Run from the repository root:  python bench/bench_api.py [--n 1000] [--rounds 3]
(``LMS_BENCH_DATABASE_URL`` may point it at PostgreSQL; default: a temp SQLite file).
Each figure is items per second, wall time, best of ``--rounds``; every call is
authenticated, audited and answers problem details or JSON exactly as in production
(rate limits off). The statements of one bulk call are counted too.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

def _world(n: int):
    """n issued certificates and an employer's token; returns (items, secret)."""
    from bench.bench_certificates import completed_cohort
    from lms.accounts.models import User
    from lms.api import tokens
    from lms.certificates import services
    from lms.core.timeutil import today_kst
    from lms.extensions import db

    cohort, users = completed_cohort(n)
    certs = services.issue_for_cohort(cohort)
    employer = User(email="hr@bench.kr", name="인사담당", role="trainee")
    db.session.add(employer)
    db.session.flush()
    _token, secret = tokens.create_token(employer, "bench", ["verify"], today_kst() + timedelta(days=30))
    db.session.commit()
    birth = {u.id: u.birth_date for u in users}
    items = [{"code": c.verification_code} if i % 2 else {"number": c.number, "birth_date": birth[c.user_id].isoformat()}
             for i, c in enumerate(certs)]
    return items, secret


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="items (at most 1,000 per bulk call)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n = min(args.n, 1000)

    import sqlalchemy as sa

    from lms import create_app
    from lms.config import normalise_db_url
    from lms.extensions import db

    url = os.environ.get("LMS_BENCH_DATABASE_URL")
    url = normalise_db_url(url) if url else None
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="lms-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "PUBLIC_BASE_URL": "https://academy.smartfactory.kr", "SERVER_NAME": "localhost"})
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            items, secret = _world(n)
            db.session.remove()
            client = app.test_client()
            headers = {"Authorization": f"Bearer {secret}"}
            bulk_best = single_best = bulk_cpu = single_cpu = float("inf")
            statements: list[str] = []
            for _round in range(args.rounds):
                t0, c0 = time.perf_counter(), time.process_time()
                resp = client.post("/api/v1/certificates/verify/bulk", json={"items": items}, headers=headers)
                bulk_best = min(bulk_best, time.perf_counter() - t0)
                bulk_cpu = min(bulk_cpu, time.process_time() - c0)
                assert resp.status_code == 200 and resp.json["states"] == {"valid": n}, resp.json
                t0, c0 = time.perf_counter(), time.process_time()
                for item in items:
                    r = client.post("/api/v1/certificates/verify", json=item, headers=headers)
                    assert r.status_code == 200 and r.json["state"] == "valid"
                single_best = min(single_best, time.perf_counter() - t0)
                single_cpu = min(single_cpu, time.process_time() - c0)

            def hook(conn, cursor, statement, parameters, context, executemany):
                statements.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", hook)
            client.post("/api/v1/certificates/verify/bulk", json={"items": items}, headers=headers)
            sa.event.remove(db.engine, "before_cursor_execute", hook)
            print(f"certificate verification through the API ({db.engine.dialect.name}, {n} items, best of {args.rounds})")
            print(f"  bulk, 1 call of {n}   : {n / bulk_best:9.0f} items/s wall ({bulk_best * 1000:7.1f} ms),"
                  f" {n / bulk_cpu:9.0f} items/s CPU; {len(statements)} SQL statements")
            print(f"  single, {n} calls    : {n / single_best:9.0f} items/s wall ({single_best * 1000:7.1f} ms,"
                  f" {single_best / n * 1000:.2f} ms a call), {n / single_cpu:9.0f} items/s CPU")
            print(f"  bulk / single        : {single_best / bulk_best:9.1f} x")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
