"""Benchmark: certificate PDFs per second with and without the QR code, QR encode vs draw,
and issuing for a cohort of 1,000 (database + PDFs).

Run from the repository root:  python bench/bench_certificates.py [--n 1000] [--cohort 1000]
(``LMS_BENCH_DATABASE_URL`` may point the cohort part at PostgreSQL; default: a temp SQLite file).
Figures are per process on one core: CPU time (process_time) and wall time are both printed.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.certificates import qr  # noqa: E402
from lms.certificates.pdf import CertificateDoc, render_doc  # noqa: E402

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "지호", "수아", "길동", "예린", "현우", "지민"]


def make_docs(n: int) -> list[CertificateDoc]:
    docs = []
    for i in range(n):
        code = secrets.token_urlsafe(24)
        docs.append(CertificateDoc(
            number=f"2026-{i + 1:06d}", verification_code=code,
            verify_url=f"https://academy.smartfactory.kr/verify/{code}",
            issued_on=date(2026, 6, 30), expires_on=date(2029, 6, 30) if i % 2 else None,
            name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], birth_date=date(1985 + i % 20, 1 + i % 12, 1 + i % 28),
            company=f"(주)스마트정밀{i % 50}", course_title_ko="스마트공장 기초: PLC와 MES로 이해하는 디지털 제조 현장",
            course_title_en="Smart Factory Basics", hours=40, period_start=date(2026, 3, 2), period_end=date(2026, 6, 30),
            institution_ko="한국스마트대학교", institution_en="Korea Smart University", head_title_ko="총장",
            head_title_en="President", head_name_ko="김총장", head_name_en="Kim Chong-jang",
        ))
    return docs


def bench_render(n: int) -> None:
    docs = make_docs(n)
    render_doc(docs[0])  # load fonts and images once, as a running server has
    results = {}
    # Interleave halves so both variants see the same machine conditions.
    for with_qr in (True, False, True, False):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for d in docs[: n // 2]:
            render_doc(d, with_qr=with_qr)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        acc = results.setdefault(with_qr, [0.0, 0.0])
        acc[0] += cpu
        acc[1] += wall
    per = {k: (n / v[0], n / v[1]) for k, v in results.items()}
    print(f"render {n} certificates, one core")
    print(f"  with QR    : {per[True][0]:7.1f} certs/s CPU   ({per[True][1]:7.1f} wall)")
    print(f"  without QR : {per[False][0]:7.1f} certs/s CPU   ({per[False][1]:7.1f} wall)")
    overhead = per[False][0] / per[True][0] - 1
    print(f"  ratio with/without: {per[True][0] / per[False][0]:.3f}  (QR adds {overhead * 100:.1f}% time)")

    urls = [d.verify_url for d in docs]
    t0 = time.process_time()
    encoded = [qr.encode(u) for u in urls]
    enc = (time.process_time() - t0) / n
    t0 = time.process_time()
    for size, rows in encoded:
        qr.pdf_operators(size, rows, 62, 54, 74)
    draw = (time.process_time() - t0) / n
    size = encoded[0][0]
    runs = sum(len(r) for r in encoded[0][1])
    print(f"  QR encode (zxing-cpp)   : {enc * 1000:.3f} ms/code  ({size}x{size} modules)")
    print(f"  QR draw (one path)      : {draw * 1000:.3f} ms/code  ({runs} row runs as 're' in one fill)")
    try:
        import segno

        t0 = time.process_time()
        for u in urls[:200]:
            segno.make(u, error="m").matrix
        print(f"  for comparison, segno (pure Python) encode: {(time.process_time() - t0) / 200 * 1000:.3f} ms/code")
    except ImportError:
        pass
    total = 1000 / per[True][0]
    print(f"  whole page with QR      : {total:.2f} ms/cert")


def completed_cohort(n: int):
    """A contract-department cohort whose ``n`` trainees have completed SF101 and hold no
    certificate yet (flushed, not committed): ``(cohort, users)``. Shared with bench_api."""
    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.core.db import utcnow
    from lms.extensions import db
    from lms.labs.models import Cohort, Programme
    from lms.learning.models import Enrollment
    from lms.orgs.models import Institution

    inst = Institution(name_ko="한국스마트대학교", name_en="Korea Smart University", head_name_ko="김총장")
    db.session.add(inst)
    db.session.flush()
    prog = Programme(institution_id=inst.id, kind="contract", name_ko="계약학과", name_en="Contract dept.")
    db.session.add(prog)
    db.session.flush()
    cohort = Cohort(programme_id=prog.id, intake_year=2026, label="2026-1기", starts_on=date(2026, 3, 2))
    course = Course(code="SF101", slug="sf101", title_ko="스마트공장 기초", title_en="Smart Factory Basics", hours=40,
                    valid_for_months=36)
    db.session.add_all([cohort, course])
    db.session.flush()
    now = utcnow()
    users = [User(email=f"t{i}@bench.kr", name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
                  birth_date=date(1990, 1, 1) + timedelta(days=i)) for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all([Enrollment(user_id=u.id, course_id=course.id, cohort_id=cohort.id, programme_id=prog.id,
                                   status="completed", enrolled_at=now - timedelta(days=90), completed_at=now)
                        for u in users])
    db.session.flush()
    return cohort, users


def bench_cohort(n: int) -> None:
    from lms import create_app
    from lms.extensions import db

    from lms.config import normalise_db_url

    url = os.environ.get("LMS_BENCH_DATABASE_URL")
    url = normalise_db_url(url) if url else None
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="lms-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PUBLIC_BASE_URL": "https://academy.smartfactory.kr"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        from lms.certificates import services

        cohort, _users = completed_cohort(n)
        db.session.commit()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        certs = services.issue_for_cohort(cohort)
        db.session.commit()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        assert len(certs) == n
        print(f"issue for a cohort of {n} ({db.engine.dialect.name}, database + PDFs + SHA-256): "
              f"{wall:.2f} s wall, {cpu:.2f} s CPU ({n / wall:.0f} certs/s)")
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="certificates to render (0 to skip)")
    ap.add_argument("--cohort", type=int, default=1000, help="cohort size to issue for (0 to skip)")
    args = ap.parse_args()
    if args.n:
        bench_render(args.n)
    if args.cohort:
        bench_cohort(args.cohort)


if __name__ == "__main__":
    main()
