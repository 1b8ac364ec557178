"""`genolake bootstrap`: create buckets, Mongo indexes (and Dagster's database given an admin DSN)."""

from __future__ import annotations

from typing import Annotated

import typer


def bootstrap(
    postgres_admin_dsn: Annotated[
        str | None, typer.Option(help="Superuser DSN to create the Dagster database.")
    ] = None,
) -> None:
    """Idempotent: safe on every start."""
    from genolake_core.bootstrap import bootstrap as run_bootstrap  # boto3, pymongo: imported when used
    from genolake_core.settings import get_settings

    report = run_bootstrap(get_settings(), admin_dsn=postgres_admin_dsn)
    typer.echo(
        f"buckets created: {report.buckets_created or 'none'}; indexes ensured; "
        f"database created: {report.database_created}"
    )
