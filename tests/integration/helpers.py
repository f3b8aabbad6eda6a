"""Small helpers to run the real import path (file -> format -> service -> database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, func, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import alembic_config
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.formats.parceldesk import SHIPMENTS
from parceldesk.adapters.importers.source import open_export
from parceldesk.services.import_grouping import GroupFeed, local_groups
from parceldesk.services.importing import ImportOptions, ImportReport, import_orders
from parceldesk.services.shipment_import import import_shipments

#: the feed ``run_orders`` reads with (``test_import_orders`` runs each test with both)
FEED: list[GroupFeed] = [local_groups]


def run_orders(
    uow_factory: Any, clock: FixedClock, path: Path, fmt: str = "auto", **options: Any
) -> ImportReport:
    store = options.pop("store", None)
    export = open_export(path, format_name=fmt, ctx=FormatContext(file=path.name, store=store))
    return import_orders(
        uow_factory(),
        export,
        clock=clock,
        file_sha256="x",
        options=ImportOptions(**options),
        feed=FEED[0],
    )


def run_shipments(uow_factory: Any, clock: FixedClock, path: Path, **options: Any) -> ImportReport:
    ctx = FormatContext(file=path.name, default_currency=options.get("default_currency"))
    export = open_export(
        path, format_name="shipments", ctx=ctx, candidates={"shipments": SHIPMENTS}
    )
    return import_shipments(
        uow_factory(), export, clock=clock, file_sha256="x", options=ImportOptions(**options)
    )


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(table)) or 0
            for name, table in (
                ("orders", t.Order),
                ("lines", t.OrderLine),
                ("shipments", t.Shipment),
                ("stores", t.Store),
            )
        }


def snapshot(engine: Engine, skip_order_columns: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """Everything an import writes, for "nothing changed" assertions (less the order
    columns named in ``skip_order_columns``)."""
    with engine.connect() as conn:
        cols = [c for c in t.Order.__table__.c if c.name not in skip_order_columns]
        orders = conn.execute(select(*cols).order_by(t.Order.id)).all()
        lines = conn.execute(select(t.OrderLine).order_by(t.OrderLine.id)).all()
        ships = conn.execute(select(t.Shipment).order_by(t.Shipment.id)).all()
    return [tuple(r) for r in (*orders, *lines, *ships)]


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or downgrade) ``engine``'s database to ``revision`` in one transaction."""
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)
