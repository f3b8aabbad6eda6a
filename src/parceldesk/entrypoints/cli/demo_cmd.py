"""``parceldesk demo``: a fresh demo database from the simulator, end to end.

It runs the real paths -- order import, webhook-body ingestion for 17TRACK and AfterShip
-- on a simulated world of a few thousand orders, then shows what a support agent would
look at first. The demo database is its own SQLite file (never the user's default).
"""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Annotated

import typer
from platformdirs import user_data_dir

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.source import open_export
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.domain.cases.states import CaseKind
from parceldesk.entrypoints.cli.case_render import render_queue
from parceldesk.entrypoints.cli.common import app_for, console
from parceldesk.entrypoints.cli.tracking_cmds import ndjson_lines
from parceldesk.services.bulk_ingest import ingest_message_lines
from parceldesk.services.case_commands import CaseDesk
from parceldesk.services.case_sync import sync_cases
from parceldesk.services.importing import import_orders
from parceldesk.services.scan import run_scan
from parceldesk.sim.writer import generate_world

_REPORTED = {
    "delivered_not_received": CaseKind.DELIVERED_NOT_RECEIVED,
    "damaged": CaseKind.DAMAGED,
}


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
    limit: Annotated[int, typer.Option("--limit", min=1, help="Cases to show.")] = 20,
) -> None:
    """Build a demo database from a simulated world, scan it and show the case queue."""
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
                    parse=WEBHOOK_SOURCES[source].stage, clock=clock,
                )  # fmt: skip
                t = bulk.totals
                console.print(
                    f"ingested {bulk.lines} {source} pushes: {t.events_new} events "
                    f"({t.events_duplicate} repeats dropped), {t.links_made} last-mile legs linked"
                )
            scan = run_scan(pd.uow_factory(), as_of=end)
            synced = sync_cases(pd.uow_factory(), env=pd.case_env, as_of=end)
            desk = CaseDesk(pd.uow_factory, pd.case_env, clock, actor="demo-support")
            reports = _buyer_reports(desk, world.files["truth.csv"], end)
            console.print(
                f"scan as of {end:%Y-%m-%d}: {scan.open} open exceptions; "
                f"{synced.opened} cases opened from them, {reports} from buyer reports",
                highlight=False,
            )
            rows = desk.queue(limit=limit)
            render_queue(rows, end)
    console.print(f"demo database: {path} ({time.perf_counter() - started:.1f} s)")
    url = f"sqlite:///{path}"
    first = rows[0].id if rows else 1
    console.print(
        f"try: parceldesk cases show {first} --db {url} --as-of {end.isoformat()}\n"
        f"     parceldesk cases list --db {url} --as-of {end.isoformat()} --due-within 3d",
        highlight=False,
    )


def _buyer_reports(desk: CaseDesk, truth: Path, end: datetime) -> int:
    """Buyers of parcels the simulator delivered damaged or 'delivered' to nobody report
    it two days later; on Shopee/TikTok that opens a return/refund request."""
    count = 0
    with truth.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["outcome"] not in _REPORTED or not row["outcome_at"]:
                continue
            reported = datetime.fromisoformat(row["outcome_at"]) + timedelta(days=2)
            if not end - timedelta(days=5) <= reported < end:  # recent reports only
                continue
            opened = desk.report(
                row["tracking_number"], _REPORTED[row["outcome"]], reported_at=reported,
                note="says the parcel " + ("arrived damaged" if row["outcome"] == "damaged"
                                           else "never arrived although tracking says delivered"),
                request_opened_at=reported,
            )  # fmt: skip
            count += opened.created
    return count
