"""Run a function in many threads at once, each with its own app context, session
and connection, committing for real, as concurrent requests would."""
from __future__ import annotations

import threading

from lms.extensions import db


def run_threads(app, target, args_list) -> list[BaseException]:
    """Start one thread per argument tuple, release them together, commit each;
    return the exceptions raised (the caller asserts on them)."""
    barrier = threading.Barrier(len(args_list))
    errors: list[BaseException] = []

    def runner(*args):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                target(*args)
                db.session.commit()
            except BaseException as exc:  # collected and re-raised in the main thread
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors
