"""``flask access-log verify`` and ``flask privacy purge [--dry-run]``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.core import access_log, retention
from lms.extensions import db

access_log_cli = AppGroup("access-log", help="The personal-data access log (PIPA safety-measures standard Art. 8).")
privacy_cli = AppGroup("privacy", help="Retention periods of personal data.")


@access_log_cli.command("verify")
def verify_cmd() -> None:
    """Check the hash chain; exit 1 and name the first broken row if it does not hold."""
    result = access_log.verify(db.session)
    if result.ok:
        click.echo(f"ok: {result.checked} row(s) verified")
        return
    click.echo(f"BROKEN at access_log row id={result.first_bad_id} "
               f"(after {result.checked} good row(s))", err=True)
    raise SystemExit(1)


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
@click.option("--batch", type=int, default=1000, show_default=True, help="Rows per delete statement.")
def purge_cmd(dry_run: bool, batch: int) -> None:
    """Delete records past their retention period (never access-log rows younger than two years)."""
    counts = retention.purge(db.session, dry_run=dry_run, batch=max(1, batch))
    verb = "would delete" if dry_run else "deleted"
    for kind in retention.KINDS:
        click.echo(f"{kind.key}\t{verb} {counts[kind.key]}\t(keep {kind.months} months; cut-off "
                   f"{retention.cutoff(kind).isoformat()})")


def init_app(app) -> None:
    access_log.init_app(app)
    app.cli.add_command(access_log_cli)
    app.cli.add_command(privacy_cli)
