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
from parceldesk.adapters.db.bulk import bulk_insert
from parceldesk.domain.orders import Order, ShipmentPlan
from parceldesk.services.ports import ImportRunRecord, OrderWrite, SaveResult

__all__ = ["SqlImportRunRepository", "SqlOrderRepository", "SqlStoreRepository"]

# Core tables: bulk statements on them skip the ORM's per-row bookkeeping.
_ORDERS = cast(Table, t.Order.__table__)
_LINES = cast(Table, t.OrderLine.__table__)
_SHIPMENTS = cast(Table, t.Shipment.__table__)
_CHUNK = 500

_UPDATE_ORDER = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("pk"))
    .values({c: bindparam(c) for c in (
        "store_id", "platform", "platform_order_id", "order_date", "currency", "buyer_name",
        "buyer_email", "buyer_phone", "ship_to_line1", "ship_to_line2", "ship_to_city",
        "ship_to_state", "ship_to_postal_code", "ship_to_country", "content_hash", "updated_at",
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


def _order_values(w: OrderWrite, now: datetime) -> dict[str, Any]:
    o = w.order
    return {
        "store_id": w.store_id,
        "platform": o.platform,
        "platform_order_id": o.order_id,
        "order_date": o.order_date,
        "currency": o.currency,
        "buyer_name": o.buyer.name,
        "buyer_email": o.buyer.email,
        "buyer_phone": o.buyer.phone,
        "ship_to_line1": o.ship_to.line1,
        "ship_to_line2": o.ship_to.line2,
        "ship_to_city": o.ship_to.city,
        "ship_to_state": o.ship_to.state,
        "ship_to_postal_code": o.ship_to.postal_code,
        "ship_to_country": o.ship_to.country,
        "content_hash": w.content_hash,
        "updated_at": now,
    }


def _line_rows(order_pk: int, order: Order, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_pk,
            "line_no": start + i,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price.amount if line.unit_price else None,
            "unit_cost": line.unit_cost.amount if line.unit_cost else None,
            "currency": order.currency,
        }
        for i, line in enumerate(order.lines)
    ]


def _shipment_values(plan: ShipmentPlan) -> dict[str, Any]:
    value = plan.declared_value or plan.insured_value
    return {
        "carrier": plan.carrier,
        "channel": plan.channel,
        "service": plan.service,
        "origin_country": plan.origin_country,
        "destination_country": plan.destination_country,
        "ship_date": plan.ship_date,
        "promised_date": plan.promised_date,
        "declared_value": plan.declared_value.amount if plan.declared_value else None,
        "insured_value": plan.insured_value.amount if plan.insured_value else None,
        "value_currency": value.currency if value else None,
        "signature_required": plan.signature_required,
    }


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

    def existing(self, batch: Sequence[OrderWrite]) -> dict[tuple[int, str], tuple[int, str]]:
        by_store: dict[int, list[str]] = defaultdict(list)
        for w in batch:
            by_store[w.store_id].append(w.order.order_id)
        found: dict[tuple[int, str], tuple[int, str]] = {}
        for store_id, ids in by_store.items():
            for part in chunks(ids):
                rows = self.session.execute(
                    select(t.Order.platform_order_id, t.Order.id, t.Order.content_hash).where(
                        t.Order.store_id == store_id, t.Order.platform_order_id.in_(part)
                    )
                )
                for oid, pk, digest in rows:
                    found[(store_id, oid)] = (pk, digest)
        return found

    def save_batch(
        self,
        batch: Sequence[OrderWrite],
        now: datetime,
        existing: dict[tuple[int, str], tuple[int, str]] | None = None,
    ) -> SaveResult:
        result = SaveResult()
        if existing is None:
            existing = self.existing(batch)
        new: list[OrderWrite] = []
        changed: list[tuple[int, OrderWrite]] = []
        merged: list[tuple[int, OrderWrite]] = []
        for w in batch:
            found = existing.get((w.store_id, w.order.order_id))
            if found is None:
                new.append(w)
            elif w.merge:
                merged.append((found[0], w))
            elif found[1] == w.content_hash:
                result.unchanged += 1
            else:
                changed.append((found[0], w))
        pks: list[tuple[int, OrderWrite]] = list(changed)
        if new:
            # Plain executemany (no RETURNING: it would force multi-VALUES statements),
            # then one SELECT per store for the new ids.
            bulk_insert(
                self.session, _ORDERS, [_order_values(w, now) | {"created_at": now} for w in new]
            )
            ids = self.existing(new)
            pks.extend((ids[(w.store_id, w.order.order_id)][0], w) for w in new)
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
            bulk_insert(self.session, _LINES, lines)
        self.save_shipments(
            [(pk, w.store_id, plan) for pk, w in [*pks, *merged] for plan in w.order.shipments],
            now,
            result,
        )
        return result

    def _merge_lines(self, merged: Sequence[tuple[int, OrderWrite]]) -> list[dict[str, Any]]:
        """Lines of a repeated order that it does not have yet, numbered after its last."""
        rows: list[dict[str, Any]] = []
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
                ident = (row["sku"], row["name"], row["quantity"], row["unit_price"])
                if ident not in seen:
                    row["line_no"] = next_no
                    next_no += 1
                    seen.add(ident)
                    rows.append(row)
        return rows

    def save_shipments(
        self, written: Sequence[tuple[int, int, ShipmentPlan]], now: datetime, result: SaveResult
    ) -> None:
        """Insert or update parcels of known orders; attach ones that tracking found first."""
        plans = {plan.tracking_number: (pk, store_id, plan) for pk, store_id, plan in written}
        if not plans:
            return
        current: dict[str, tuple[int, int | None]] = {}
        for part in chunks(list(plans)):
            rows = self.session.execute(
                select(t.Shipment.tracking_number, t.Shipment.id, t.Shipment.order_id).where(
                    t.Shipment.tracking_number.in_(part)
                )
            )
            current.update({tn: (sid, oid) for tn, sid, oid in rows})
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for number, (pk, store_id, plan) in plans.items():
            values = _shipment_values(plan) | {
                "order_id": pk,
                "store_id": store_id,
                "updated_at": now,
            }
            found = current.get(number)
            if found is None:
                inserts.append(
                    values
                    | {
                        "tracking_number": number,
                        "created_at": now,
                        "status": "pending",
                        "event_count": 0,
                        "leg_role": "single",
                    }
                )
                continue
            if found[1] is None:
                result.shipments_attached += 1
            updates.append(values | {"pk": found[0]})
        if inserts:
            bulk_insert(self.session, _SHIPMENTS, inserts)
            result.shipments_new += len(inserts)
        if updates:
            self.session.execute(_UPDATE_SHIPMENT, updates)
