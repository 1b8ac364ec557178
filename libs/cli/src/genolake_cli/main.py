"""The `genolake` command line: one Typer app, one module per command (group)."""

from __future__ import annotations

import typer

from genolake_cli.commands import (
    admin,
    analyze,
    annotate,
    backup,
    bootstrap,
    manifest,
    modules,
    normalize,
    prs,
    reference,
    report,
    scores,
    stack,
    submit,
)
from genolake_cli.errors import ErrorMappingGroup

app = typer.Typer(
    cls=ErrorMappingGroup,  # library errors -> `error: ...` and an exit code (genolake_cli.errors)
    no_args_is_help=True,
    help="GenoLake: genomics data platform for a lab server.",
)


@app.callback()
def _entry() -> None:
    """GenoLake: genomics data platform for a lab server."""
    from genolake_core.logs import configure_logging

    configure_logging(level="WARNING")  # library lines (warnings) as JSON or key=value on stderr


app.command("normalize")(normalize.normalize)
app.command("prs")(prs.prs)
app.command("annotate")(annotate.annotate)
app.command("report")(report.report)
app.command("analyze")(analyze.analyze)
app.command("submit")(submit.submit)
app.command("bootstrap")(bootstrap.bootstrap)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(stack.app, name="stack")
app.add_typer(manifest.app, name="manifest")
app.add_typer(admin.app, name="admin")
app.add_typer(modules.app, name="modules")
app.add_typer(scores.app, name="scores")
app.add_typer(reference.app, name="reference")

if __name__ == "__main__":
    app()
