"""`genolake admin`: users and API keys (tokens are printed once; only their hash is stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from genolake_cli.errors import fail

if TYPE_CHECKING:
    from genolake_core.docstore import DocStore

app = typer.Typer(no_args_is_help=True, help="Users and API keys.")


def _docs() -> DocStore:
    from genolake_core.docstore import DocStore  # pymongo: imported when a command runs, not for --help
    from genolake_core.settings import get_settings

    return DocStore.from_settings(get_settings())


@app.command("create-user")
def create_user_command(
    user: str,
    admin: Annotated[bool, typer.Option(help="May see every user's data.")] = False,
    key: Annotated[bool, typer.Option(help="Also create an API key and print it.")] = True,
) -> None:
    from genolake_core.accounts import create_key, create_user

    docs = _docs()
    try:
        created = create_user(docs, user, is_admin=admin)
        typer.echo(f"user {user} {'created' if created else 'exists'}", err=True)
        if key:
            typer.echo(create_key(docs, user))
    finally:
        docs.close()


@app.command("create-key")
def create_key_command(user: str) -> None:
    from genolake_core.accounts import create_key

    docs = _docs()
    try:
        typer.echo(create_key(docs, user))  # an unknown user: AccountError (genolake_cli.errors)
    finally:
        docs.close()


@app.command("revoke-key")
def revoke_key_command(key_id: str) -> None:
    from genolake_core.accounts import revoke_key

    docs = _docs()
    try:
        if not revoke_key(docs, key_id):
            raise fail(f"no active key {key_id}")
    finally:
        docs.close()
