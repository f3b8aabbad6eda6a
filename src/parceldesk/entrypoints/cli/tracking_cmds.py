"""``parceldesk ingest``, ``parceldesk serve`` and ``parceldesk shipments unmatched``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from parceldesk.adapters.tracking import events_csv
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.entrypoints.cli.common import DbOption, JsonOption, app_for, console, err_console
from parceldesk.services.bulk_ingest import (
    BulkReport,
    ingest_message_lines,
    ingest_update_stream,
    keep_file,
)
from parceldesk.services.ports import StoredPayload
from parceldesk.services.tracking_records import TrackingUpdate


class Source(StrEnum):
    SEVENTEEN_TRACK = "17track"
    AFTERSHIP = "aftership"
    EVENTS_CSV = "events-csv"


def ndjson_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            body = line.rstrip(b"\r\n")
            if body.strip():
                yield number, body


def _csv_items(path: Path) -> Iterator[TrackingUpdate | tuple[int, str]]:
    for item in events_csv.iter_runs(path):
        if isinstance(item, events_csv.RowProblem):
            yield item.row, str(item)
        else:
            yield item


def ingest_cmd(
    file: Annotated[Path, typer.Argument(help="NDJSON of webhook bodies, or an events CSV.")],
    source: Annotated[Source, typer.Option("--source", help="What the file holds.")],
    db: DbOption = None,
) -> None:
    """Ingest a file of tracking updates: events new / duplicate / unmatched / rejected."""
    if not file.is_file():
        raise typer.BadParameter(f"{file}: no such file")
    with app_for(db) as pd, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(f"ingesting {file.name}", total=None)

        def show(report: BulkReport) -> None:
            t = report.totals
            progress.update(
                task, description=f"{file.name}: {report.lines} lines, {t.events_new} new events"
            )

        kept: list[StoredPayload] = []
        if source is Source.EVENTS_CSV:
            kept = keep_file(
                pd.uow_factory, source="events_csv", name=file.name,
                parts=events_csv.file_parts(file), clock=pd.clock,
            )  # fmt: skip
            report = ingest_update_stream(
                pd.uow_factory, _csv_items(file), clock=pd.clock, on_progress=show
            )
        else:
            parser = WEBHOOK_SOURCES[source.value].stage
            report = ingest_message_lines(
                pd.uow_factory,
                ndjson_lines(file),
                source=source.value,
                parse=parser,
                clock=pd.clock,
                on_progress=show,
            )
    t = report.totals
    for line, reason in report.reasons[:20]:
        err_console.print(f"rejected line {line}: {reason}", highlight=False, markup=False)
    if report.rejected > 20:
        err_console.print(f"... and {report.rejected - 20} more rejected lines")
    console.print(
        f"{file.name}: {report.lines} lines; events new {t.events_new}, duplicate "
        f"{t.events_duplicate}; messages duplicate {t.messages_duplicate}; unmatched numbers "
        f"{len(t.unmatched_numbers)}; parcels linked {t.links_made}; rejected {report.rejected}",
        highlight=False,
    )
    if kept:
        new = sum(1 for p in kept if p.is_new)
        console.print(
            f"file kept as {len(kept)} raw payload part(s), {new} new "
            f"(ids {kept[0].id}..{kept[-1].id})",
            highlight=False,
        )


def unmatched_cmd(
    limit: Annotated[int, typer.Option("--limit", min=1)] = 200,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Tracking numbers that arrived from a provider but no imported order claims."""
    import orjson

    with app_for(db) as pd, pd.uow_factory() as uow:
        rows = uow.tracking.unmatched(limit)
    if as_json:
        for r in rows:
            print(orjson.dumps(dataclasses.asdict(r)).decode())
        return
    for r in rows:
        console.print(
            f"{r.tracking_number}  {r.carrier or '-'}  {r.status.value}  {r.event_count} events  "
            f"first seen {r.first_seen_at:%Y-%m-%d %H:%M}",
            highlight=False,
        )
    console.print(f"{len(rows)} unmatched tracking numbers")


def serve_cmd(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    db: DbOption = None,
) -> None:
    """Run the HTTP API (webhooks at /webhooks/17track and /webhooks/aftership)."""
    import uvicorn

    from parceldesk.entrypoints.api.app import create_app
    from parceldesk.entrypoints.process import freeze_startup_heap

    with app_for(db) as pd:
        api = create_app(pd)
        freeze_startup_heap()  # full collections would traverse it all under load
        uvicorn.run(api, host=host, port=port, log_level="warning")
