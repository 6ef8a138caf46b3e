"""``flask reference load``: load regions, root technologies, sizes, levels and industrial complexes."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.extensions import db


@click.group("reference", help="Reference data (regions, root technologies, company sizes, levels, industrial complexes).")
def cli():
    pass


@cli.command("load")
@click.option("--overwrite", is_flag=True, help="Also update rows that exist (undoes admin edits).")
@with_appcontext
def load(overwrite: bool):
    from lms.orgs.seed import load_reference_data

    counts = load_reference_data(overwrite=overwrite)
    db.session.commit()
    for table, added in counts.items():
        click.echo(f"{table}: {added} added")
