"""How `genolake` commands end on an error: `error: <message>` on stderr and an exit code.

=====  ======================================================================================
code   meaning
=====  ======================================================================================
0      done
1      the input or the platform's state was refused: any `genolake_core.errors.GenoLakeError`
       (`AnnotationError`, `PrsError`, `ManifestError`, ...), whose message names what is wrong
2      the command line itself is wrong (Typer/click usage errors, `typer.BadParameter`)
3      a service the command needs did not answer (MongoDB, the S3 server)
=====  ======================================================================================

Anything else is a programming error and keeps its traceback: commands do not catch ``ValueError``,
``OSError`` or ``Exception``. The mapping lives on the root command group (`ErrorMappingGroup`), so every
command and sub-command gets it, under `typer.testing.CliRunner` too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Final

import typer
from genolake_core.errors import GenoLakeError
from typer.core import TyperGroup

if TYPE_CHECKING:
    from pydantic import ValidationError

EXIT_REFUSED: Final = 1
EXIT_USAGE: Final = 2
EXIT_UNAVAILABLE: Final = 3

# Connection failures of the clients, by module and class name: looked up only in modules already
# imported (a command that never imported pymongo cannot have raised its error), so the mapping costs
# nothing at start-up.
_UNAVAILABLE: Final = (
    ("pymongo.errors", "ConnectionFailure"),
    ("botocore.exceptions", "EndpointConnectionError"),
    ("botocore.exceptions", "ConnectionClosedError"),
)


def exit_code(exc: BaseException) -> int | None:
    """The exit code of an error a command may end with, or None for a programming error."""
    for module_name, class_name in _UNAVAILABLE:
        module = sys.modules.get(module_name)
        if module is not None and isinstance(exc, getattr(module, class_name)):
            return EXIT_UNAVAILABLE
    if isinstance(exc, GenoLakeError):
        return EXIT_REFUSED
    return None


def fail(message: str, code: int = EXIT_REFUSED) -> typer.Exit:
    """Print ``error: message`` and return the `typer.Exit` to raise (``raise fail(...)``)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


class ErrorMappingGroup(TyperGroup):
    """The root command group: a known error becomes ``error: ...`` and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (Typer vendors click privately)
        try:
            return super().invoke(ctx)
        except Exception as exc:
            code = exit_code(exc)
            if code is None:
                raise
            raise fail(str(exc), code) from exc


def invalid_option(error: ValidationError) -> typer.Exit:
    """A settings model refused an option's value: ``error: invalid option --name: why``, exit 2."""
    first = error.errors()[0]
    name = str(first["loc"][0]).replace("_", "-") if first["loc"] else "?"
    return fail(f"invalid option --{name}: {first['msg']}", EXIT_USAGE)
