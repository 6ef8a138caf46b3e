"""``flask labs ...``: maintenance commands for smart-lab sessions."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.extensions import db


@click.group("labs", help="Smart-lab sessions and bookings.")
def cli():
    pass


@cli.command("recount")
@click.option("--fix", is_flag=True, help="Write the counted seats back (otherwise only report).")
@with_appcontext
def recount(fix: bool):
    """Check that every session's booked_count equals its booked rows (e.g. after
    data was loaded outside the services); with --fix, correct it under the row lock."""
    import sqlalchemy as sa
    from sqlalchemy import select

    from lms.labs.booking import lock_session
    from lms.labs.models import Booking, LabSession

    counts = dict(db.session.execute(
        select(Booking.session_id, sa.func.count(Booking.id)).where(Booking.status == "booked")
        .group_by(Booking.session_id)).all())
    wrong = 0
    for sid, stored in db.session.execute(select(LabSession.id, LabSession.booked_count)).all():
        actual = counts.get(sid, 0)
        if actual != stored:
            wrong += 1
            click.echo(f"session {sid}: booked_count {stored}, booked rows {actual}")
            if fix:
                lock_session(sid).booked_count = actual
    if fix:
        db.session.commit()
    click.echo(f"{wrong} session(s) out of step" + (" fixed" if fix and wrong else ""))
