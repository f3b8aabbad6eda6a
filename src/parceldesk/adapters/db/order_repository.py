"""SQL for stores and orders (with their lines and parcels) and import runs.

``save_batch`` is the import's hot path: one SELECT finds which orders exist and with
what content hash, unchanged orders cost nothing more, and everything else is written
with executemany (SQLAlchemy "insertmanyvalues", RETURNING ids in parameter order).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.bulk import bulk_insert_rows, bulk_update_rows, select_in
from parceldesk.domain.orders import Order, ShipmentPlan
from parceldesk.services.ports import (
    ImportRunRecord,
    OrderKey,
    OrderWrite,
    SaveResult,
    StoredOrder,
)

__all__ = ["SqlImportRunRepository", "SqlOrderRepository", "SqlStoreRepository"]

# Core tables: bulk statements on them skip the ORM's per-row bookkeeping.
_ORDERS = cast(Table, t.Order.__table__)
_LINES = cast(Table, t.OrderLine.__table__)
_SHIPMENTS = cast(Table, t.Shipment.__table__)
_CHUNK = 500
#: ids per lookup by order id or tracking number: one bound parameter each (SQLite
#: >= 3.32 allows 32,766; PostgreSQL 65,535)
_IN_CHUNK = 5000
_HASHES_SQL = (
    "SELECT platform_order_id, id, content_hash, source_hash FROM orders"
    " WHERE store_id = {mark} AND platform_order_id IN ({marks})"
)
_PARCELS_SQL = (
    "SELECT tracking_number, id, order_id FROM shipments WHERE tracking_number IN ({marks})"
)

_UPDATE_ORDER = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("pk"))
    .values({c: bindparam(c) for c in (
        "store_id", "platform", "platform_order_id", "order_date", "currency", "buyer_name",
        "buyer_email", "buyer_phone", "ship_to_line1", "ship_to_line2", "ship_to_city",
        "ship_to_state", "ship_to_postal_code", "ship_to_country", "content_hash", "source_hash",
        "updated_at",
    )})
)  # fmt: skip


def _keep_if_empty(column: str) -> Any:
    """New value unless the import left it empty: tracking may have filled it already."""
    col = _SHIPMENTS.c[column]
    new: Any = bindparam(column, type_=col.type)
    if isinstance(col.type, String):
        new = func.nullif(new, "")
    return func.coalesce(new, col)


_UPDATE_SHIPMENT = (
    update(_SHIPMENTS)
    .where(_SHIPMENTS.c.id == bindparam("pk"))
    .values(
        {c: _keep_if_empty(c) for c in (
            "carrier", "channel", "service", "origin_country", "destination_country",
            "ship_date", "promised_date", "declared_value", "insured_value", "value_currency",
        )}
        | {c: bindparam(c) for c in ("order_id", "store_id", "updated_at", "signature_required")}
    )
)  # fmt: skip  # stays below SQLite's bound-parameter limit in IN (...) lists


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlStoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_create(self, name: str, platform: str, now: datetime) -> int:
        found = self.session.scalar(select(t.Store.id).where(t.Store.name == name))
        if found is not None:
            return found
        store = t.Store(name=name, platform=platform, timezone="UTC", created_at=now)
        self.session.add(store)
        self.session.flush()
        return store.id

    def ids_by_name(self, names: Iterable[str]) -> dict[str, int]:
        rows = self.session.execute(
            select(t.Store.name, t.Store.id).where(t.Store.name.in_(list(names)))
        )
        return {name: store_id for name, store_id in rows}


class SqlImportRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: ImportRunRecord) -> int:
        row = t.ImportRun(**{f: getattr(run, f) for f in run.__dataclass_fields__})
        self.session.add(row)
        self.session.flush()
        return row.id


_ORDER_COLUMNS = (
    "store_id", "platform", "platform_order_id", "order_date", "currency", "buyer_name",
    "buyer_email", "buyer_phone", "ship_to_line1", "ship_to_line2", "ship_to_city",
    "ship_to_state", "ship_to_postal_code", "ship_to_country", "content_hash", "source_hash",
    "updated_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "order_id", "line_no", "sku", "name", "quantity", "unit_price", "unit_cost", "currency",
)  # fmt: skip
_PLAN_COLUMNS = (
    "carrier", "channel", "service", "origin_country", "destination_country", "ship_date",
    "promised_date", "declared_value", "insured_value", "value_currency", "signature_required",
)  # fmt: skip
_SHIPMENT_INSERT = (
    *_PLAN_COLUMNS, "order_id", "store_id", "updated_at",
    "tracking_number", "created_at", "status", "event_count", "leg_role",
)  # fmt: skip


def _order_row(w: OrderWrite, now: datetime) -> tuple[Any, ...]:
    """The order's values in ``_ORDER_COLUMNS`` order (the hot path builds no dicts)."""
    o, b, a = w.order, w.order.buyer, w.order.ship_to
    return (
        w.store_id, o.platform, o.order_id, o.order_date, o.currency, b.name, b.email,
        b.phone, a.line1, a.line2, a.city, a.state, a.postal_code, a.country,
        w.content_hash, w.source_hash, now,
    )  # fmt: skip


def _order_values(w: OrderWrite, now: datetime) -> dict[str, Any]:
    return dict(zip(_ORDER_COLUMNS, _order_row(w, now), strict=True))


def _line_rows(order_pk: int, order: Order, start: int = 1) -> list[tuple[Any, ...]]:
    """Rows in ``_LINE_COLUMNS`` order."""
    currency = order.currency
    return [
        (
            order_pk,
            start + i,
            line.sku,
            line.name,
            line.quantity,
            line.unit_price.amount if line.unit_price else None,
            line.unit_cost.amount if line.unit_cost else None,
            currency,
        )
        for i, line in enumerate(order.lines)
    ]


def _plan_row(plan: ShipmentPlan) -> tuple[Any, ...]:
    """The parcel's values in ``_PLAN_COLUMNS`` order."""
    value = plan.declared_value or plan.insured_value
    return (
        plan.carrier,
        plan.channel,
        plan.service,
        plan.origin_country,
        plan.destination_country,
        plan.ship_date,
        plan.promised_date,
        plan.declared_value.amount if plan.declared_value else None,
        plan.insured_value.amount if plan.insured_value else None,
        value.currency if value else None,
        plan.signature_required,
    )


class SqlOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find_ids(
        self, order_ids: Iterable[str], store_id: int | None
    ) -> dict[str, list[tuple[int, int]]]:
        """Order id -> [(order pk, store id)]; several when stores reuse an order id."""
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        ids = list(order_ids)
        for part in chunks(ids):
            query = select(t.Order.platform_order_id, t.Order.id, t.Order.store_id).where(
                t.Order.platform_order_id.in_(part)
            )
            if store_id is not None:
                query = query.where(t.Order.store_id == store_id)
            for oid, pk, sid in self.session.execute(query):
                found[oid].append((pk, sid))
        return dict(found)

    def existing(self, batch: Sequence[OrderWrite]) -> dict[OrderKey, StoredOrder]:
        return self.hashes([(w.store_id, w.order.order_id) for w in batch])

    def hashes(self, keys: Sequence[OrderKey]) -> dict[OrderKey, StoredOrder]:
        by_store: dict[int, list[str]] = defaultdict(list)
        for store_id, order_id in keys:
            by_store[store_id].append(order_id)
        found: dict[OrderKey, StoredOrder] = {}
        for store_id, ids in by_store.items():
            for part in chunks(ids, _IN_CHUNK):
                rows = select_in(self.session, _HASHES_SQL, (store_id,), part)
                for oid, pk, digest, source in rows:
                    found[(store_id, oid)] = (pk, digest, source)
        return found

    def set_source_hashes(self, pairs: Sequence[tuple[int, str | None]]) -> None:
        rows = [(source, pk) for pk, source in pairs]
        bulk_update_rows(self.session, _ORDERS, ("source_hash",), "id", rows)

    def save_batch(
        self,
        batch: Sequence[OrderWrite],
        now: datetime,
        existing: dict[OrderKey, StoredOrder] | None = None,
    ) -> SaveResult:
        result = SaveResult()
        if existing is None:
            existing = self.existing(batch)
        new: list[OrderWrite] = []
        changed: list[tuple[int, OrderWrite]] = []
        merged: list[tuple[int, OrderWrite]] = []
        sources: list[tuple[int, str | None]] = []
        for w in batch:
            found = existing.get((w.store_id, w.order.order_id))
            if found is None:
                new.append(w)
            elif w.merge:
                merged.append((found[0], w))
            elif found[1] == w.content_hash:
                result.unchanged += 1
                if w.source_hash is not None and found[2] != w.source_hash:
                    sources.append((found[0], w.source_hash))  # same content, other rows
            else:
                changed.append((found[0], w))
        self.set_source_hashes(sources)
        pks: list[tuple[int, OrderWrite]] = list(changed)
        if new:
            # Plain executemany (no RETURNING: it would force multi-VALUES statements)
            # with ids taken up front; reading them back by order id cost more than
            # the insert itself.
            ids = self._new_ids(len(new))
            if ids is not None:
                bulk_insert_rows(
                    self.session,
                    _ORDERS,
                    ("id", *_ORDER_COLUMNS, "created_at"),
                    [(pk, *_order_row(w, now), now) for pk, w in zip(ids, new, strict=True)],
                )
                pks.extend(zip(ids, new, strict=True))
            else:
                bulk_insert_rows(
                    self.session,
                    _ORDERS,
                    (*_ORDER_COLUMNS, "created_at"),
                    [(*_order_row(w, now), now) for w in new],
                )
                stored = self.existing(new)
                pks.extend((stored[(w.store_id, w.order.order_id)][0], w) for w in new)
            result.new += len(new)
        if changed:
            self.session.execute(
                _UPDATE_ORDER, [_order_values(w, now) | {"pk": pk} for pk, w in changed]
            )
            changed_ids = [pk for pk, _ in changed]
            for part in chunks(changed_ids):
                self.session.execute(delete(t.OrderLine).where(t.OrderLine.order_id.in_(part)))
            result.updated += len(changed)
        lines = [row for pk, w in pks for row in _line_rows(pk, w.order)]
        lines.extend(self._merge_lines(merged))
        if lines:
            bulk_insert_rows(self.session, _LINES, _LINE_COLUMNS, lines)
        self.save_shipments(
            [(pk, w.store_id, plan) for pk, w in [*pks, *merged] for plan in w.order.shipments],
            now,
            result,
        )
        return result

    def _new_ids(self, count: int) -> list[int] | None:
        """``count`` unused order ids, or ``None`` where we cannot take them safely.

        SQLite: the transaction began with ``BEGIN IMMEDIATE`` (``engine.py``), so no one
        else inserts until it ends and ``max(id) + 1 ...`` are the ids SQLite itself would
        assign. PostgreSQL: drawn from the column's own sequence, as a default would be."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":
            top = self.session.connection().exec_driver_sql("SELECT max(id) FROM orders").scalar()
            return list(range((top or 0) + 1, (top or 0) + 1 + count))
        if dialect == "postgresql":
            rows = self.session.connection().exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('orders', 'id'))"
                " FROM generate_series(1, %(n)s)",
                {"n": count},
            )
            return [pk for (pk,) in rows]
        return None

    def _merge_lines(self, merged: Sequence[tuple[int, OrderWrite]]) -> list[tuple[Any, ...]]:
        """Lines of a repeated order that it does not have yet, numbered after its last."""
        rows: list[tuple[Any, ...]] = []
        for pk, w in merged:
            have = self.session.execute(
                select(
                    t.OrderLine.line_no,
                    t.OrderLine.sku,
                    t.OrderLine.name,
                    t.OrderLine.quantity,
                    t.OrderLine.unit_price,
                ).where(t.OrderLine.order_id == pk)
            ).all()
            seen = {(sku, name, qty, price) for _, sku, name, qty, price in have}
            next_no = max((no for no, *_ in have), default=0) + 1
            for row in _line_rows(pk, w.order, next_no):
                ident = row[2:6]  # sku, name, quantity, unit price
                if ident not in seen:
                    rows.append((pk, next_no, *row[2:]))
                    next_no += 1
                    seen.add(ident)
        return rows

    def save_shipments(
        self, written: Sequence[tuple[int, int, ShipmentPlan]], now: datetime, result: SaveResult
    ) -> None:
        """Insert or update parcels of known orders; attach ones that tracking found first."""
        plans = {plan.tracking_number: (pk, store_id, plan) for pk, store_id, plan in written}
        if not plans:
            return
        current: dict[str, tuple[int, int | None]] = {}
        for part in chunks(list(plans), _IN_CHUNK):
            rows = select_in(self.session, _PARCELS_SQL, (), part)
            current.update({tn: (sid, oid) for tn, sid, oid in rows})
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        for number, (pk, store_id, plan) in plans.items():
            found = current.get(number)
            if found is None:
                inserts.append(
                    (*_plan_row(plan), pk, store_id, now, number, now, "pending", 0, "single")
                )
                continue
            if found[1] is None:
                result.shipments_attached += 1
            updates.append(
                dict(zip(_PLAN_COLUMNS, _plan_row(plan), strict=True))
                | {"order_id": pk, "store_id": store_id, "updated_at": now, "pk": found[0]}
            )
        if inserts:
            bulk_insert_rows(self.session, _SHIPMENTS, _SHIPMENT_INSERT, inserts)
            result.shipments_new += len(inserts)
        if updates:
            self.session.execute(_UPDATE_SHIPMENT, updates)
