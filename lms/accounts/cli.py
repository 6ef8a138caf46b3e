"""``flask users create`` and ``flask users list``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.accounts.models import ROLES
from lms.extensions import db


@click.group("users", help="User accounts.")
def cli():
    pass


@cli.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="trainee, instructor, ministry or admin.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", default=None,
              help="Initial password (asked for, hidden and twice, when omitted).")
@click.option("--institution-id", type=int, default=None, help="Institution of an instructor.")
@click.option("--invite", is_flag=True, help="Create without a password and print an invitation link instead.")
@with_appcontext
def create(role: str, email: str, name: str, password: str | None, institution_id: int | None, invite: bool):
    """Create an account; exits non-zero on a duplicate e-mail or a bad password."""
    from lms.accounts import services
    from lms.errors import DomainError
    from lms.orgs.models import Institution

    if password is None and not invite:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    institution = None
    if institution_id is not None:
        institution = db.session.get(Institution, institution_id)
        if institution is None:
            raise click.ClickException(f"no institution with id {institution_id}")
    try:
        user = services.create_user(email, name, role, None if invite else password, institution=institution)
        link = services.send_invitation(user) if invite else None
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")
    if user.role in ("ministry", "admin"):
        click.echo("this account enrols a second factor (TOTP app) at its first login")
    if link:
        click.echo(f"invitation link: {link}")


@cli.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--limit", type=int, default=200, show_default=True)
@with_appcontext
def list_users(role: str | None, limit: int):
    """Print id, role, e-mail, name and status, one account a line."""
    from lms.accounts.models import User

    stmt = select(User).order_by(User.id).limit(limit)
    if role:
        stmt = stmt.where(User.role == role)
    for u in db.session.execute(stmt).scalars():
        state = "active" if u.active else "inactive"
        if u.password_hash is None:
            state += ",invited"
        click.echo(f"{u.id}\t{u.role}\t{u.email}\t{u.name}\t{state}")


@cli.command("reset-second-factor")
@click.option("--email", required=True)
@with_appcontext
def reset_second_factor(email: str):
    """Remove an account's TOTP secret and recovery codes (lost phone and codes, identity
    checked out of band); the account enrols again at its next login. Audited."""
    from lms.accounts import second_factor, services
    from lms.core.audit import record

    user = services.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail {email}")
    second_factor.disable(user)
    services.logout_everywhere(user)
    record(None, "account.second_factor_reset", user, via="cli")
    db.session.commit()
    click.echo(f"second factor removed for {user.email}; it enrols again at the next login")
