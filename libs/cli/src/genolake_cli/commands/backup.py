"""`genolake backup` and `genolake restore` (see genolake_cli.backup for the format and consistency).

A `BackupError` or `StackError` (both `GenoLakeError`) ends the command with `error: ...` and exit 1
(genolake_cli.errors); nothing is caught here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup(
    out: Annotated[Path, typer.Option(help="New folder to write the backup into (must not exist).")],
    dagster_url: Annotated[
        str | None, typer.Option(help="Dagster webserver (default: GENOLAKE_DAGSTER_UI_URL).")
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for runs in flight to finish.")] = 600,
) -> None:
    """Quiesce intake, wait for runs in flight, copy Postgres, Mongo and both buckets with checksums."""
    from genolake_core.settings import get_settings

    from genolake_cli.backup.take import take_backup

    settings = get_settings()
    manifest = take_backup(settings, out, dagster_url or settings.dagster_ui_url, wait)
    counts = ", ".join(f"{name} {count}" for name, count in sorted(manifest.counts.items()))
    typer.echo(f"backup of {len(manifest.files)} files in {out}: {counts}")


def restore(
    backup_dir: Annotated[Path, typer.Argument(help="A folder written by `genolake backup`.")],
    root: Annotated[Path, typer.Option(help="State folder of the new native stack.")] = Path("data/stack"),
    project: Annotated[Path, typer.Option(help="The GenoLake checkout.")] = Path("."),
    port_base: Annotated[int, typer.Option(help="First port of the new stack.")] = 19000,
) -> None:
    """Verify the backup's checksums, then rebuild a fresh native stack from it and start it."""
    from genolake_cli.backup.restore import restore_native
    from genolake_cli.stack import NativeStack, Ports

    stack = NativeStack(root, project, Ports(port_base))
    manifest = restore_native(backup_dir, stack)
    typer.echo(
        f"restored {backup_dir} ({manifest.created_at.isoformat()}) into {stack.root}; "
        f"API: http://127.0.0.1:{stack.ports.api}  Dagster UI: http://127.0.0.1:{stack.ports.webserver}"
    )
