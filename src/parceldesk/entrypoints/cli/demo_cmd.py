"""``parceldesk demo``: a fresh demo database from the simulator, end to end.

It runs the real paths -- order import, webhook-body ingestion for 17TRACK and AfterShip
-- on a simulated world of a few thousand orders, then shows what a support agent would
look at first. The demo database is its own SQLite file (never the user's default).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Annotated

import typer
from platformdirs import user_data_dir
from rich.table import Table

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.source import open_export
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.entrypoints.cli.common import app_for, console
from parceldesk.entrypoints.cli.tracking_cmds import ndjson_lines
from parceldesk.services.bulk_ingest import ingest_message_lines
from parceldesk.services.importing import import_orders
from parceldesk.sim.writer import generate_world


def _default_demo_db() -> Path:
    return Path(user_data_dir("parceldesk", appauthor=False)) / "demo.sqlite"


def demo_cmd(
    orders: Annotated[int, typer.Option("--orders", min=50)] = 2000,
    days: Annotated[int, typer.Option("--days", min=10)] = 90,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    db_file: Annotated[
        Path | None, typer.Option("--db-file", help="Demo SQLite file (recreated).")
    ] = None,
    keep_world: Annotated[
        Path | None, typer.Option("--world-dir", help="Keep the simulated files here.")
    ] = None,
) -> None:
    """Build a demo database from a simulated world and show the parcels needing attention."""
    started = time.perf_counter()
    path = db_file or _default_demo_db()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="parceldesk-demo-") as tmp:
        world_dir = keep_world or Path(tmp)
        world = generate_world(world_dir, orders=orders, days=days, seed=seed)
        end = datetime.combine(world.start + timedelta(days=days), dtime(), tzinfo=UTC)
        console.print(
            f"simulated {world.orders} orders, {world.shipments} parcels, "
            f"{sum(world.pushes.values())} provider pushes ({world.start} + {days} days)"
        )
        with app_for(f"sqlite:///{path}", as_of=end) as pd:
            clock = FixedClock(end)
            csv_path = world.files["orders.csv"]
            export = open_export(csv_path, ctx=FormatContext(file=csv_path.name))
            report = import_orders(pd.uow_factory(), export, clock=clock, file_sha256="demo")
            console.print(f"imported {report.orders_new} orders, {report.shipments_new} parcels")
            for source, name in (
                ("17track", "tracking-17track.ndjson"),
                ("aftership", "tracking-aftership.ndjson"),
            ):
                bulk = ingest_message_lines(
                    pd.uow_factory, ndjson_lines(world.files[name]), source=source,
                    parse=WEBHOOK_SOURCES[source].parse, clock=clock,
                )  # fmt: skip
                t = bulk.totals
                console.print(
                    f"ingested {bulk.lines} {source} pushes: {t.events_new} events "
                    f"({t.events_duplicate} repeats dropped), {t.links_made} last-mile legs linked"
                )
            with pd.uow_factory() as uow:
                counts = uow.shipments.status_counts(store_ids=None)
                attention = uow.shipments.needing_attention(store_ids=None, limit=25)
    console.print("parcels by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    table = Table(title=f"parcels needing attention as of {end:%Y-%m-%d}")
    for col in ("tracking", "carrier", "order", "status", "node", "reason", "silent days"):
        table.add_column(col)
    for s in attention:
        silent = (end - s.last_event_at).total_seconds() / 86400 if s.last_event_at else None
        table.add_row(
            s.tracking_number, s.carrier, s.order_id or "-", s.status.value,
            s.node.value if s.node else "-", s.reason.value if s.reason else "-",
            f"{silent:.1f}" if silent is not None else "never scanned",
        )  # fmt: skip
    console.print(table)
    console.print(f"demo database: {path} ({time.perf_counter() - started:.1f} s)")
    console.print(f"try: parceldesk shipments list --db sqlite:///{path} --status exception")
