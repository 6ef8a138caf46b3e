"""Benchmark of the ministry dashboard (prints figures; not a timed test).

    python bench/bench_analytics.py --database-url sqlite:////tmp/bench.db [--seed 100000]
    python bench/bench_analytics.py --database-url postgresql://postgres@127.0.0.1:5432/bench [--seed 100000]

With ``--seed N`` an empty database gets ``flask demo seed --trainees N`` first
(schema via create_all, reference data and courses loaded).

Checks first that the engine's headline counts (registered, enrolled, completed,
valid) equal the plain SQL GROUP BY written from the same definitions at the same
instant (lms.analytics.engine's docstring: trainees only; records dated after now
do not count yet - ``demo seed --today now`` writes records up to 18:00 KST).

Prints: the plain SQL GROUP BY of the headline figures (the yardstick), the
dashboard's cold first load through the real view (database load, pandas time,
rendering), the cached load, the ratio of cold load to the GROUP BY, and the
peak resident memory of the process. Targets: cold < 2 s, cached < 50 ms,
peak RSS < 1 GB.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("LMS_DATABASE_URL"), required=not os.environ.get("LMS_DATABASE_URL"))
    ap.add_argument("--seed", type=int, default=0, help="seed N demo trainees when the database is empty")
    ap.add_argument("--cached-runs", type=int, default=20)
    ap.add_argument("--sequential", action="store_true", help="PostgreSQL: load with one connection, not in parallel")
    args = ap.parse_args()

    from lms import create_app
    from lms.config import normalise_db_url
    from lms.extensions import db

    app = create_app({"TESTING": False, "SECRET_KEY": "bench-secret-not-dev", "SQLALCHEMY_DATABASE_URI": normalise_db_url(args.database_url),
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "RATELIMIT_ENABLED": False,
                      "ANALYTICS_PARALLEL_LOAD": not args.sequential})
    import sqlalchemy as sa

    from lms.accounts.models import User

    with app.app_context():
        db.create_all()
        if args.seed and not db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar():
            runner = app.test_cli_runner()
            for cmd in (["reference", "load"], ["courses", "sync"],
                        ["demo", "seed", "--trainees", str(args.seed), "--quiet"]):
                t = time.perf_counter()
                res = runner.invoke(args=cmd)
                print(f"{' '.join(cmd)}: exit {res.exit_code} in {time.perf_counter() - t:.1f} s")
                if res.exit_code:
                    print(res.output)
                    return 1
        counts = {name: db.session.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar()
                  for name in ("users", "enrollments", "module_progress", "certificates", "bookings", "attendance")}
        print("dialect:", db.engine.dialect.name, "| rows:", ", ".join(f"{k}={v:,}" for k, v in counts.items()))
        ministry = db.session.execute(sa.select(User).where(User.role == "ministry").limit(1)).scalar_one_or_none()
        if ministry is None:
            ministry = User(email="bench-ministry@example.kr", name="벤치", role="ministry")
            db.session.add(ministry)
            db.session.commit()
        user_key = ministry.get_id()

    from lms.analytics import cache, engine, queries, services
    from lms.analytics.filters import Filters
    from lms.analytics.specs import engine_labels

    with app.app_context():
        # Yardstick: the headline figures as plain SQL aggregates.
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        t = time.perf_counter()
        sql = queries.headline_group_by_sql(now)
        sql_s = time.perf_counter() - t
        print(f"plain SQL GROUP BY of the headline figures: {sql_s * 1000:.0f} ms  {sql}")

        # The engine in parts (database load vs pandas).
        cache.clear()
        cpu0 = time.process_time()
        base = engine.load_base()
        load_cpu = time.process_time() - cpu0  # all threads of this process (not the PostgreSQL server's)
        t = time.perf_counter()
        report = engine.compute(base, Filters(), services._target_dict(), engine_labels(), now=now)
        pandas_compute = time.perf_counter() - t
        print(f"engine: load from database {base.load_seconds * 1000:.0f} ms (load + enrich {load_cpu * 1000:.0f} ms CPU of this process), "
              f"pandas enrich {base.prep_seconds * 1000:.0f} ms, "
              f"pandas figures {pandas_compute * 1000:.0f} ms, enrollments frame {base.enr.memory_usage(deep=True).sum() / 1e6:.0f} MB")
        # Same definitions, same instant: every headline count must agree exactly.
        head = report["headline"]
        mine = {"registered": head["registered"], "enrolled": head["enrolled"], "completed": head["completed"],
                "valid": head["certified_valid"]}
        assert mine == sql, (mine, sql)
        del base, report

    client = app.test_client()
    from types import SimpleNamespace

    from lms.accounts.sessions import seed_for_tests

    with client.session_transaction() as sess:
        # A completed login, second factor included (ministry accounts need one).
        seed_for_tests(sess, SimpleNamespace(get_id=lambda: user_key))
    with app.app_context():
        cache.clear()
        cache.bump()
    t = time.perf_counter()
    cpu0 = time.process_time()
    resp = client.get("/ministry")
    cold = time.perf_counter() - t
    cold_cpu = time.process_time() - cpu0
    assert resp.status_code == 200, resp.status_code
    times = []
    for _ in range(args.cached_runs):
        t = time.perf_counter()
        r = client.get("/ministry")
        times.append(time.perf_counter() - t)
        assert r.status_code == 200
    cached = statistics.median(times)
    t = time.perf_counter()
    r = client.get("/ministry?kind=contract")
    new_filter = time.perf_counter() - t
    rss = peak_rss_mb()
    print(f"dashboard cold (first load, empty cache): {cold * 1000:.0f} ms wall, {cold_cpu * 1000:.0f} ms CPU of this process"
          f"   [target < 2000 ms] {'OK' if cold < 2 else 'SLOW'}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it)")
    print(f"dashboard cached (median of {args.cached_runs}): {cached * 1000:.1f} ms   [target < 50 ms] {'OK' if cached < 0.05 else 'SLOW'}")
    print(f"dashboard with a new filter (base frames warm): {new_filter * 1000:.0f} ms")
    print(f"ratio cold dashboard / plain SQL GROUP BY: {cold / sql_s:.1f}x")
    print(f"peak RSS: {rss:.0f} MB   [target < 1024 MB] {'OK' if rss < 1024 else 'TOO BIG'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
