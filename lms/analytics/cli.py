"""``flask analytics ...``: the monthly report and closing a month."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.extensions import db


@click.group("analytics", help="Ministry statistics: monthly report, closing months.")
def cli():
    pass


@cli.command("report")
@click.option("--month", required=True, help="YYYY-MM (Korean calendar month)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="PDF file to write")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: a bar when stderr is a terminal).")
@with_appcontext
def report(month: str, output: str, progress: bool | None):
    """Write the monthly statistics report (frozen figures if the month is closed)."""
    from lms.analytics import services
    from lms.core.cli_progress import CliProgress
    from lms.errors import DomainError

    bar = CliProgress("report", progress)
    try:
        data = services.report_pdf(month, progress=bar)
    except DomainError as exc:
        raise click.ClickException(str(exc.message))
    finally:
        bar.close()
    with open(output, "wb") as fh:
        fh.write(data)
    db.session.commit()  # a default Target row may have been created
    click.echo(f"wrote {output} ({len(data):,} bytes)")


@cli.command("close-month")
@click.argument("month")
@with_appcontext
def close_month(month: str):
    """Freeze the figures of MONTH (YYYY-MM) for the published report."""
    from lms.analytics import services
    from lms.errors import DomainError

    try:
        closed = services.close_month(month, actor=None)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message))
    db.session.commit()
    h = closed.figures["headline"]
    click.echo(f"closed {closed.month}: certified_valid={h['certified_valid']} enrolled={h['enrolled']}")
