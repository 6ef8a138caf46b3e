"""Profile one page in process with pyinstrument: where a request's time goes.

    LMS_DATABASE_URL=... python bench/profile_page.py /dashboard --user trainee@demo.kr [--repeat 50]

The user is logged in directly in the test client's session (no password, no second
factor); the page is requested ``--repeat`` times after one warm-up request, and the
profile of all of them is printed as text (frames under 2 % hidden).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", default="")
    parser.add_argument("--repeat", type=int, default=50)
    opts = parser.parse_args()
    import sqlalchemy as sa
    from pyinstrument import Profiler

    from lms import create_app
    from lms.accounts.models import User
    from lms.accounts.sessions import seed_for_tests
    from lms.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == opts.user)).scalar_one() if opts.user else None
        if user is not None:
            with client.session_transaction() as sess:
                seed_for_tests(sess, user)
        db.session.remove()
    client.get(opts.url)  # warm-up: templates compiled, caches filled
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(opts.repeat):
        resp = client.get(opts.url)
    profiler.stop()
    took = (time.perf_counter() - start) / opts.repeat
    print(f"{opts.url}: HTTP {resp.status_code}, {len(resp.get_data()) / 1024:.1f} KB, {took * 1000:.1f} ms a request "
          f"(mean of {opts.repeat}, in process)")
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total"))


if __name__ == "__main__":
    main()
