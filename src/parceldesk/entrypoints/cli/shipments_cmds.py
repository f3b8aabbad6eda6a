"""``parceldesk shipments list|show``."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from parceldesk.entrypoints.cli.common import DbOption, JsonOption, app_for, console
from parceldesk.services.ports import ShipmentSummary

app = typer.Typer(help="Look at parcels and their tracking state.", no_args_is_help=True)


def _as_dict(summary: ShipmentSummary) -> dict[str, Any]:
    return dataclasses.asdict(summary)


def _json(summary: ShipmentSummary) -> str:
    return orjson.dumps(_as_dict(summary)).decode()


@app.command("list")
def list_cmd(
    status: Annotated[
        str | None, typer.Option("--status", help="Only parcels in this status.")
    ] = None,
    store: Annotated[str | None, typer.Option("--store", help="Only this store's parcels.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List parcels (oldest first)."""
    with app_for(db) as pd, pd.uow_factory() as uow:
        store_ids = None
        if store is not None:
            found = uow.stores.ids_by_name([store])
            if store not in found:
                raise typer.BadParameter(f"no store named {store!r}")
            store_ids = [found[store]]
        rows = uow.shipments.listing(store_ids=store_ids, status=status, limit=limit, offset=offset)
    if as_json:
        for row in rows:
            print(_json(row))
        return
    table = Table(
        "tracking", "carrier", "channel", "store", "order", "status", "node", "last event"
    )
    for r in rows:
        table.add_row(
            r.tracking_number,
            r.carrier,
            r.channel,
            r.store or "-",
            r.order_id or "(unmatched)",
            r.status.value,
            r.node.value if r.node else "-",
            r.last_event_at.isoformat(timespec="minutes") if r.last_event_at else "-",
        )
    console.print(table)
    console.print(f"{len(rows)} parcels")


@app.command("show")
def show_cmd(
    tracking_number: Annotated[str, typer.Argument(help="Tracking number.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one parcel."""
    with app_for(db) as pd, pd.uow_factory() as uow:
        row = uow.shipments.get(tracking_number.replace(" ", "").upper())
    if row is None:
        raise typer.BadParameter(f"no parcel with tracking number {tracking_number!r}")
    if as_json:
        print(_json(row))
        return
    for key, value in _as_dict(row).items():
        console.print(f"[bold]{key}[/]: {value if value is not None else '-'}", highlight=False)
