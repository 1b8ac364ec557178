"""`genolake stack up|down|status`: the native stack (see genolake_cli.stack)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genolake_cli.stack import NativeStack, Ports, StackError

app = typer.Typer(no_args_is_help=True, help="Run the platform's services natively (development, CI).")

RootOption = Annotated[Path, typer.Option(help="State folder of the stack.")]
ProjectOption = Annotated[Path, typer.Option(help="The GenoLake checkout.")]
PortOption = Annotated[int, typer.Option(help="First port; the services use fixed offsets from it.")]


def _stack(root: Path, project: Path, port_base: int) -> NativeStack:
    try:
        return NativeStack(root, project, Ports(port_base))
    except StackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def up(
    root: RootOption = Path("data/stack"), project: ProjectOption = Path("."), port_base: PortOption = 19000
) -> None:
    """Start every service (idempotent) and bootstrap buckets, indexes and the Dagster database."""
    stack = _stack(root, project, port_base)
    try:
        report = stack.up()
    except StackError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for name, state in stack.status().items():
        typer.echo(f"{name:12s} {state}")
    typer.echo(f"buckets created: {report.buckets_created or 'none'}; settings: {stack.env_file}")
    typer.echo(
        f"Dagster UI: http://127.0.0.1:{stack.ports.webserver}  API: http://127.0.0.1:{stack.ports.api}/docs"
    )


@app.command()
def down(
    root: RootOption = Path("data/stack"), project: ProjectOption = Path("."), port_base: PortOption = 19000
) -> None:
    """Stop every service (state stays under the root folder)."""
    _stack(root, project, port_base).down()


@app.command()
def status(
    root: RootOption = Path("data/stack"), project: ProjectOption = Path("."), port_base: PortOption = 19000
) -> None:
    """Print each service's state; exit 1 if any is down."""
    states = _stack(root, project, port_base).status()
    for name, state in states.items():
        typer.echo(f"{name:12s} {state}")
    if any(not state.startswith("up") for state in states.values()):
        raise typer.Exit(1)
