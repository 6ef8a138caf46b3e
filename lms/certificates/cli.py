"""``flask certificates ...``: issue for a cohort, list, render, revoke, send expiry reminders."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.core.cli_progress import CliProgress
from lms.errors import DomainError
from lms.extensions import db

cli = AppGroup("certificates", help="Certificates: issue, list, render, revoke, remind.")


@cli.command("issue")
@click.option("--cohort", "cohort_id", type=int, required=True, help="Cohort id: issue for every eligible trainee.")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: a bar when stderr is a terminal).")
def issue_cmd(cohort_id: int, progress: bool | None) -> None:
    """Issue certificates for all eligible (completed) trainees of a cohort.

    A chunk of 100 per transaction: after an interruption, run it again to go on."""
    from lms.labs.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"cohort {cohort_id} not found")
    bar = CliProgress("issuing", progress)
    try:
        certs = services.issue_for_cohort(cohort, commit=db.session.commit, progress=bar)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message))
    finally:
        bar.close()
    db.session.commit()
    for c in certs:
        click.echo(f"{c.number}\t{c.snapshot.get('name', '')}")
    click.echo(f"issued {len(certs)} certificate(s)", err=True)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--status", type=click.Choice(["valid", "expired", "revoked", "superseded"]), default=None)
def list_cmd(as_json: bool, status: str | None) -> None:
    """List certificates (number, status, name, course, issued, expires)."""
    from lms.certificates.state import states_of

    rows = []
    certs = list(db.session.execute(select(Certificate).order_by(Certificate.year, Certificate.serial)).scalars())
    for c, st in zip(certs, states_of(certs)):
        if status and st != status:
            continue
        rows.append({
            "number": c.number, "status": st, "name": (c.snapshot or {}).get("name"),
            "course": (c.snapshot or {}).get("course_code"), "issued_at": c.issued_at.isoformat(),
            "expires_at": c.expires_at.isoformat() if c.expires_at else None,
            "revoked_reason": c.revoked_reason, "verification_code": c.verification_code,
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        click.echo(f"{r['number']}\t{r['status']}\t{r['name']}\t{r['course']}\t{r['issued_at'][:10]}"
                   f"\t{(r['expires_at'] or '')[:10]}")


@cli.command("render")
@click.argument("number")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write ('-' for standard output).")
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko")
def render_cmd(number: str, output: str, lang: str) -> None:
    """Render a certificate's PDF to a file (stamped when it is expired, revoked or superseded)."""
    from lms.certificates.documents import document

    cert = services.by_number(number)
    if cert is None:
        raise click.ClickException(f"certificate {number} not found")
    data, state = document(cert, lang)
    if state != "valid":
        click.echo(f"certificate {cert.number} is {state}: the copy is stamped so", err=True)
    db.session.commit()
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)


@cli.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Why (internal: staff and the holder see it, public pages never do).")
def revoke_cmd(number: str, reason: str) -> None:
    """Revoke a certificate (the record is kept)."""
    cert = services.by_number(number)
    if cert is None:
        raise click.ClickException(f"certificate {number} not found")
    try:
        services.revoke(cert, None, reason, check=False)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message))
    db.session.commit()
    click.echo(f"revoked {cert.number}")


@cli.command("remind")
def remind_cmd() -> None:
    """Queue expiry reminders (90/30/7 days before); safe to run daily or more often."""
    n = services.send_reminders()
    db.session.commit()
    click.echo(f"queued {n} reminder(s)")
