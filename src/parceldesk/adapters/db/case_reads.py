"""Read-side SQL for cases: parcel facts (with the order's value at risk) and the queue.

Split from ``case_repository`` (writes and the case aggregate) to keep each module small.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parceldesk.adapters.db import case_tables as ct
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.domain.money import Money
from parceldesk.domain.orders import Address
from parceldesk.domain.taxonomy import Status
from parceldesk.services.case_ports import QueueRow, ShipmentFacts

__all__ = ["load_facts", "load_queue", "money_or_none"]

_CLOSED = "closed"


def money_or_none(amount: Decimal | None, currency: str | None) -> Money | None:
    """An amount column and its currency column as Money (None when either is empty)."""
    return Money(amount, currency) if amount is not None and currency else None


def load_facts(session: Session, shipment_ids: Iterable[int]) -> dict[int, ShipmentFacts]:
    """Parcels with their order, store and value at risk, in chunks of 500 ids."""
    ids = sorted(set(shipment_ids))
    out: dict[int, ShipmentFacts] = {}
    for part in chunks(ids, 500):
        rows = session.execute(
            select(t.Shipment, t.Order, t.Store.name)
            .outerjoin(t.Order, t.Order.id == t.Shipment.order_id)
            .outerjoin(t.Store, t.Store.id == t.Shipment.store_id)
            .where(t.Shipment.id.in_(part))
        ).all()
        order_ids = [o.id for _, o, _ in rows if o is not None]
        totals, parcels = _order_values(session, order_ids)
        for s, o, store in rows:
            out[s.id] = _facts(s, o, store, totals, parcels)
    return out


def _order_values(
    session: Session, order_ids: list[int]
) -> tuple[dict[int, Decimal | None], dict[int, int]]:
    totals: dict[int, Decimal | None] = {}
    parcels: dict[int, int] = {}
    if not order_ids:
        return totals, parcels
    for order_id, qty, price in session.execute(
        select(t.OrderLine.order_id, t.OrderLine.quantity, t.OrderLine.unit_price).where(
            t.OrderLine.order_id.in_(order_ids)
        )
    ):
        so_far = totals.get(order_id, Decimal(0))
        totals[order_id] = None if price is None or so_far is None else so_far + qty * price
    for parcel_order, n in session.execute(
        select(t.Shipment.order_id, func.count())
        .where(t.Shipment.order_id.in_(order_ids), t.Shipment.leg_role != "last_mile")
        .group_by(t.Shipment.order_id)
    ):
        if parcel_order is not None:
            parcels[parcel_order] = n
    return totals, parcels


def _facts(
    s: t.Shipment,
    o: t.Order | None,
    store: str | None,
    totals: dict[int, Decimal | None],
    parcels: dict[int, int],
) -> ShipmentFacts:
    value = None
    if o is not None and totals.get(o.id) is not None:
        total = totals[o.id]
        assert total is not None
        share = (total / max(parcels.get(o.id, 1), 1)).quantize(Decimal("0.01"))
        value = Money(share, o.currency)
    insured = money_or_none(s.insured_value, s.value_currency)
    declared = money_or_none(s.declared_value, s.value_currency)
    return ShipmentFacts(
        shipment_id=s.id,
        tracking_number=s.tracking_number,
        store_id=s.store_id,
        store_name=store or "",
        order_id=s.order_id,
        platform_order_id=o.platform_order_id if o else "",
        platform=o.platform if o else "",
        carrier=s.carrier,
        service=s.service,
        channel=s.channel,
        origin_country=s.origin_country,
        destination_country=s.destination_country or (o.ship_to_country if o else ""),
        status=Status(s.status),
        ship_date=s.ship_date,
        promised_date=s.promised_date,
        carrier_edd=s.carrier_edd,
        order_date=o.order_date if o else None,
        first_event_at=s.first_event_at,
        last_event_at=s.last_event_at,
        delivered_at=s.delivered_at,
        value_at_risk=value,
        declared_value=declared,
        insured_value=insured,
        ship_to=Address(
            o.ship_to_line1,
            o.ship_to_line2,
            o.ship_to_city,
            o.ship_to_state,
            o.ship_to_postal_code,
            o.ship_to_country,
        )
        if o
        else Address(),
        buyer_name=o.buyer_name if o else "",
    )


def load_queue(
    session: Session,
    *,
    store_ids: Sequence[int] | None,
    owner: str | None,
    due_before: datetime | None,
    include_closed: bool,
    include_snoozed_at: datetime | None,
    limit: int | None,
) -> list[QueueRow]:
    query = select(ct.Case, t.Store.name).outerjoin(t.Store, t.Store.id == ct.Case.store_id)
    if not include_closed:
        query = query.where(ct.Case.state != _CLOSED)
    if store_ids is not None:
        query = query.where(ct.Case.store_id.in_(list(store_ids)))
    if owner is not None:
        query = query.where(ct.Case.owner == owner)
    if due_before is not None:
        query = query.where(ct.Case.next_due_at <= due_before)
    if include_snoozed_at is not None:  # hide cases snoozed beyond that instant
        query = query.where(
            (ct.Case.snoozed_until.is_(None)) | (ct.Case.snoozed_until <= include_snoozed_at)
        )
    out = [
        QueueRow(
            id=r.id,
            tracking_number=r.tracking_number,
            store=store or "",
            kind=r.kind,
            state=r.state,
            buyer_state=r.buyer_state,
            owner=r.owner,
            priority=r.priority,
            value_at_risk=money_or_none(r.value_amount, r.value_currency),
            tier=r.tier,
            opened_at=r.opened_at,
            snoozed_until=r.snoozed_until,
            next_due_at=r.next_due_at,
            next_due_label=r.next_due_label,
        )
        for r, store in session.execute(query)
    ]
    # Nearest deadline first, then value at risk (largest first), then oldest. Money
    # in different currencies is not comparable; the amount breaks ties only.
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(
        key=lambda q: (
            q.next_due_at is None,
            q.next_due_at or far,
            -(q.value_at_risk.amount if q.value_at_risk else Decimal(0)),
            q.opened_at,
        )
    )
    return out if limit is None else out[:limit]
