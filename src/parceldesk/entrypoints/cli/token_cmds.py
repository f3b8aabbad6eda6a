"""``parceldesk tokens ...``: bearer tokens for the REST API, each scoped to stores."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from parceldesk.adapters.db.token_repository import SqlTokenUnitOfWork
from parceldesk.entrypoints.cli.common import DbOption, JsonOption, app_for, console
from parceldesk.services.api_tokens import issue_token, list_tokens, revoke_token
from parceldesk.services.token_ports import TokenRecord

__all__ = ["app"]

app = typer.Typer(
    help="API tokens (who may call the REST API, on which stores).", no_args_is_help=True
)


def _scope(record: TokenRecord) -> str:
    return "all stores" if record.stores is None else ", ".join(record.stores)


def _record_json(record: TokenRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "user": record.user,
        "stores": list(record.stores) if record.stores is not None else None,
        "created_at": record.created_at.isoformat(),
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


@app.command("create")
def create_cmd(
    user: Annotated[str, typer.Option("--user", help="Recorded as the actor of every change.")],
    store: Annotated[
        list[str] | None, typer.Option("--store", help="A store the token may see (repeat).")
    ] = None,
    all_stores: Annotated[
        bool, typer.Option("--all-stores", help="The token may see every store.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create a token and print it once (only its hash is kept)."""
    if bool(store) == all_stores:
        raise typer.BadParameter("give --store NAME (one or more) or --all-stores, not both")
    with app_for(db) as pd:
        issued = issue_token(
            SqlTokenUnitOfWork(pd.engine), user, None if all_stores else store, pd.clock.now()
        )
    console.print(
        f"token #{issued.id} for {issued.record.user} ({_scope(issued.record)}); "
        "shown once, keep it secret:",
        highlight=False,
    )
    print(issued.token)


@app.command("list")
def list_cmd(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every token ever issued (the tokens themselves are not stored)."""
    with app_for(db) as pd:
        records = list_tokens(SqlTokenUnitOfWork(pd.engine))
    if as_json:
        for record in records:
            print(orjson.dumps(_record_json(record)).decode())
        return
    table = Table(title="API tokens")
    for col in ("#", "user", "stores", "created", "revoked"):
        table.add_column(col, overflow="fold")
    for r in records:
        revoked = f"{r.revoked_at:%Y-%m-%d %H:%M %Z}" if r.revoked_at else "-"
        table.add_row(str(r.id), r.user, _scope(r), f"{r.created_at:%Y-%m-%d %H:%M %Z}", revoked)
    console.print(table)
    if not records:
        console.print("no tokens yet: parceldesk tokens create --user NAME --all-stores")


@app.command("revoke")
def revoke_cmd(
    token_id: Annotated[int, typer.Argument(help="Token number, as `tokens list` shows it.")],
    db: DbOption = None,
) -> None:
    """Revoke a token: the API refuses it from the next request on."""
    with app_for(db) as pd:
        record = revoke_token(SqlTokenUnitOfWork(pd.engine), token_id, pd.clock.now())
    console.print(f"token #{record.id} ({record.user}) revoked", highlight=False)
