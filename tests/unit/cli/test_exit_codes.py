"""How `genolake` commands end on an error (genolake_cli.errors): a library's refusal is `error: ...` with
exit 1, a service that does not answer exit 3, a programming error keeps its traceback (issue #14)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer
from genolake_annotation.errors import MissingInputError
from genolake_cli.errors import EXIT_REFUSED, EXIT_UNAVAILABLE, ErrorMappingGroup
from genolake_cli.main import app as genolake
from genolake_prs.errors import ScoringFileError
from pymongo.errors import ServerSelectionTimeoutError
from typer.testing import CliRunner

runner = CliRunner()


def _app(error: Exception) -> typer.Typer:
    app = typer.Typer(cls=ErrorMappingGroup)
    sub = typer.Typer()

    @sub.command("fails")
    def fails() -> None:
        raise error

    @app.command("other")
    def other() -> None:
        pass

    app.add_typer(sub, name="group")
    return app


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (MissingInputError("/data/x.parquet does not exist"), EXIT_REFUSED),
        (ScoringFileError("s.txt", "is not a number", line=3, column="effect_weight"), EXIT_REFUSED),
        (ServerSelectionTimeoutError("127.0.0.1:1: connection refused"), EXIT_UNAVAILABLE),
    ],
)
def test_known_errors_end_with_their_message_and_code(error: Exception, code: int) -> None:
    result = runner.invoke(_app(error), ["group", "fails"])
    assert result.exit_code == code
    assert result.stderr.strip() == f"error: {error}"


def test_a_programming_error_keeps_its_traceback() -> None:
    result = runner.invoke(_app(KeyError("bug")), ["group", "fails"])
    assert isinstance(result.exception, KeyError) and "error:" not in result.stderr


def test_the_genolake_app_maps_errors(tmp_path: Path) -> None:
    result = runner.invoke(genolake, ["report", "--annotations", str(tmp_path / "none"), "--out", "r.html"])
    assert result.exit_code == EXIT_REFUSED and result.stderr.startswith("error: ")


BROAD = {"Exception", "BaseException", "ValueError", "OSError", "IOError", "FileNotFoundError", "KeyError"}


def test_commands_do_not_catch_builtin_errors(repo_root: Path) -> None:
    """A programming error must show its traceback: commands catch library families, never builtins."""
    found = []
    for path in sorted((repo_root / "libs/cli/src/genolake_cli/commands").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = [n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)]
                found += [f"{path.name}:{node.lineno}: {name}" for name in names if name in BROAD]
    assert found == []
