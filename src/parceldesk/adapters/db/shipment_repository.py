"""SQL for shipments: ownership checks for imports, and listings for the CLI/API.

Every listing takes the store ids the caller may see (``None`` means all, for the
single-seller CLI); the scoping lives here so that no entrypoint can forget it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.bulk import select_in
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.domain.taxonomy import TERMINAL_STATUSES, ExceptionReason, Node, Status
from parceldesk.services.ports import OrderKey, ShipmentSummary

__all__ = ["SqlShipmentRepository"]

#: numbers per ``owners`` query (one bound parameter each; see ``order_repository``)
_IN_CHUNK = 5000
_OWNERS_SQL = (
    "SELECT shipments.tracking_number, orders.store_id, orders.platform_order_id"
    " FROM shipments LEFT OUTER JOIN orders ON orders.id = shipments.order_id"
    " WHERE shipments.tracking_number IN ({marks})"
)

_ALARM_STATUSES = [
    s.value for s in (Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING, Status.EXPIRED)
]


class SqlShipmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def owners(self, tracking_numbers: Iterable[str]) -> dict[str, OrderKey | None]:
        """Tracking number -> (store id, order id) of its order, ``None`` for a parcel
        that tracking found before any order claimed it; absent when unknown."""
        found: dict[str, OrderKey | None] = {}
        numbers = sorted(set(tracking_numbers))
        for part in chunks(numbers, _IN_CHUNK):  # through the driver: a hot import lookup
            for number, store_id, order_id in select_in(self.session, _OWNERS_SQL, (), part):
                found[number] = None if order_id is None else (store_id, order_id)
        return found

    def _summary_query(self) -> Select[t.Shipment, str, str, str]:
        linked = aliased(t.Shipment)
        return (
            select(
                t.Shipment,
                t.Store.name,
                t.Order.platform_order_id,
                linked.tracking_number,
            )
            .outerjoin(t.Order, t.Order.id == t.Shipment.order_id)
            .outerjoin(t.Store, t.Store.id == t.Shipment.store_id)
            .outerjoin(linked, linked.id == t.Shipment.linked_leg_id)
        )

    def listing(
        self,
        *,
        store_ids: Sequence[int] | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> list[ShipmentSummary]:
        query = self._summary_query().order_by(t.Shipment.id).limit(limit).offset(offset)
        if store_ids is not None:
            query = query.where(t.Shipment.store_id.in_(list(store_ids)))
        if status is not None:
            query = query.where(t.Shipment.status == status)
        return [_summary(*row) for row in self.session.execute(query)]

    def status_counts(self, *, store_ids: Sequence[int] | None) -> dict[str, int]:
        query = (
            select(t.Shipment.status, func.count())
            .where(t.Shipment.leg_role != "last_mile")  # one parcel, counted once
            .group_by(t.Shipment.status)
        )
        if store_ids is not None:
            query = query.where(t.Shipment.store_id.in_(list(store_ids)))
        return {status: count for status, count in self.session.execute(query).tuples()}

    def needing_attention(
        self, *, store_ids: Sequence[int] | None, limit: int
    ) -> list[ShipmentSummary]:
        """Parcels not delivered or returned, in an exception first, then longest silent."""
        open_statuses = [s.value for s in Status if s not in TERMINAL_STATUSES]
        query = (
            self._summary_query()
            .where(t.Shipment.status.in_(open_statuses), t.Shipment.order_id.is_not(None))
            .where(t.Shipment.leg_role != "last_mile")  # its first leg carries the events
            .order_by(
                case((t.Shipment.status.in_(_ALARM_STATUSES), 0), else_=1),
                t.Shipment.last_event_at.asc().nulls_first(),
                t.Shipment.id,
            )
            .limit(limit)
        )
        if store_ids is not None:
            query = query.where(t.Shipment.store_id.in_(list(store_ids)))
        return [_summary(*row) for row in self.session.execute(query)]

    def get(self, tracking_number: str) -> ShipmentSummary | None:
        row = self.session.execute(
            self._summary_query().where(t.Shipment.tracking_number == tracking_number)
        ).first()
        return None if row is None else _summary(*row)


def _summary(
    s: t.Shipment, store: str | None, order_id: str | None, linked: str | None
) -> ShipmentSummary:
    return ShipmentSummary(
        tracking_number=s.tracking_number,
        carrier=s.carrier,
        channel=s.channel,
        store=store,
        order_id=order_id,
        status=Status(s.status),
        node=Node(s.node) if s.node else None,
        reason=ExceptionReason(s.reason) if s.reason else None,
        ship_date=s.ship_date.isoformat() if s.ship_date else None,
        promised_date=s.promised_date.isoformat() if s.promised_date else None,
        last_event_at=s.last_event_at,
        event_count=s.event_count,
        linked_tracking_number=linked,
    )
