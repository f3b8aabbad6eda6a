"""``parceldesk import orders|shipments|template``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.formats.parceldesk import SHIPMENTS
from parceldesk.adapters.importers.group_feed import feed_for
from parceldesk.adapters.importers.rejects import write_rejects
from parceldesk.adapters.importers.source import ExportFile, open_export
from parceldesk.adapters.importers.template import write_template
from parceldesk.adapters.importers.values import is_currency
from parceldesk.entrypoints.cli.common import DbOption, app_for, console, err_console
from parceldesk.services.importing import ImportOptions, ImportReport, import_orders
from parceldesk.services.shipment_import import import_shipments

app = typer.Typer(help="Import orders and parcels from marketplace exports.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="CSV, TSV or XLSX file.", show_default=False)]
StoreOpt = Annotated[str | None, typer.Option("--store", help="Store name for every row.")]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="Currency where the file has none.")
]
TzOpt = Annotated[str, typer.Option("--tz", help="Timezone of timestamps without offset.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Validate and report; store nothing.")]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Import valid orders; write rejected rows to FILE.rejected.csv."
    ),
]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _context(file: Path, store: str | None, currency: str | None, tz: str) -> FormatContext:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown timezone {tz!r} (e.g. UTC, Asia/Shanghai)") from None
    if currency is not None and not is_currency(currency.upper()):
        raise typer.BadParameter(f"unknown currency {currency!r}")
    return FormatContext(
        file=file.name, store=store, tz=zone, default_currency=currency and currency.upper()
    )


def _finish(
    report: ImportReport, export_file: Path, skip_invalid: bool, export: ExportFile
) -> None:
    for error in report.errors[:50]:
        err_console.print(f"[red]error[/] {error}", highlight=False, markup=True)
    if report.error_count > 50:
        err_console.print(f"... and {report.error_count - 50} more errors")
    if skip_invalid and report.rejected_rows:
        out = export_file.with_name(export_file.name + ".rejected.csv")
        reopened = open_export(
            export_file,
            format_name=report.format,
            ctx=export.ctx,
            candidates={export.fmt.name: export.fmt},
        )
        count = write_rejects(reopened, report.rejected_rows, out)
        err_console.print(f"{count} rejected rows written to {out}")
    if report.ok or skip_invalid:
        _summary(report)
    else:
        # the counts would only cover the orders before the first error (writing stops
        # there and everything is rolled back): show none rather than a misleading few
        console.print(
            f"{report.file} ({report.format}): {report.rows} rows read; rejected rows "
            f"{len(report.rejected_rows)} — nothing stored",
            highlight=False,
        )
        err_console.print(
            f"{report.error_count} invalid rows: nothing was imported "
            "(fix them, or use --skip-invalid)"
        )
        raise typer.Exit(1)


def _summary(report: ImportReport) -> None:
    state = "dry run, nothing stored" if report.dry_run else "committed"
    console.print(
        f"{report.file} ({report.format}): {report.rows} rows; orders new {report.orders_new}, "
        f"updated {report.orders_updated}, unchanged {report.orders_unchanged}; "
        f"parcels new {report.shipments_new}, attached {report.shipments_attached}; "
        f"rejected rows {len(report.rejected_rows)} — {state}",
        highlight=False,
    )


@app.command("orders")
def orders_cmd(
    file: FileArg,
    fmt: Annotated[
        str, typer.Option("--format", help="auto|parceldesk|shopify|shopee|amazon|tiktok")
    ] = "auto",
    store: StoreOpt = None,
    currency: CurrencyOpt = None,
    tz: TzOpt = "UTC",
    dry_run: DryRunOpt = False,
    skip_invalid: SkipOpt = False,
    db: DbOption = None,
) -> None:
    """Import an order export; re-importing the same file changes nothing."""
    ctx = _context(file, store, currency, tz)
    export = open_export(file, format_name=fmt, ctx=ctx)
    options = ImportOptions(
        dry_run=dry_run, skip_invalid=skip_invalid, default_currency=ctx.default_currency
    )
    with app_for(db) as pd, _progress() as progress:
        task = progress.add_task(f"importing {file.name} ({export.format_name})", total=None)
        report = import_orders(
            pd.uow_factory(),
            export,
            clock=pd.clock,
            file_sha256=_sha256(file),
            options=options,
            on_progress=lambda rows: progress.update(task, completed=rows),
            feed=feed_for(file),
        )
    _finish(report, file, skip_invalid, export)


@app.command("shipments")
def shipments_cmd(
    file: FileArg,
    store: StoreOpt = None,
    currency: CurrencyOpt = None,
    tz: TzOpt = "UTC",
    dry_run: DryRunOpt = False,
    skip_invalid: SkipOpt = False,
    db: DbOption = None,
) -> None:
    """Attach parcels (order_id, tracking_number, carrier, channel, ship_date, ...) to orders."""
    ctx = _context(file, None, currency, tz)
    export = open_export(
        file, format_name="shipments", ctx=ctx, candidates={"shipments": SHIPMENTS}
    )
    options = ImportOptions(
        dry_run=dry_run, skip_invalid=skip_invalid, default_currency=ctx.default_currency
    )
    with app_for(db) as pd:
        store_id = None
        if store is not None:
            with pd.uow_factory() as uow:
                store_id = uow.stores.ids_by_name([store]).get(store)
            if store_id is None:
                raise typer.BadParameter(f"no store named {store!r}")
        report = import_shipments(
            pd.uow_factory(),
            export,
            clock=pd.clock,
            file_sha256=_sha256(file),
            store_id=store_id,
            options=options,
        )
    _finish(report, file, skip_invalid, export)


@app.command("template")
def template_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV template.")] = Path(
        "parceldesk-orders-template.csv"
    ),
) -> None:
    """Write the canonical order import template (header + one example order)."""
    write_template(out)
    console.print(f"template written to {out}")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
