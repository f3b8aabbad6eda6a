"""SQL for ``services.tracking_refresh``: which parcels are due for a poll.

"Last refreshed" is ``shipments.updated_at``: every write to a shipment row bumps it
(import, new events, estimate, link) and :meth:`SqlRefreshRepository.mark_refreshed`
bumps it when a carrier answered a poll, so a parcel polled without news is not polled
again before ``stale_after`` either. (An order re-import therefore also postpones the
next poll; a dedicated ``last_polled_at`` column would separate the two.)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.domain.taxonomy import TERMINAL_STATUSES

__all__ = ["SqlRefreshRepository"]

_TERMINAL = sorted(s.value for s in TERMINAL_STATUSES)


class SqlRefreshRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active_for_refresh(
        self,
        now: datetime,
        stale_after: timedelta,
        limit: int,
        carriers: Collection[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(tracking number, carrier) of parcels not delivered/returned whose row was not
        touched and that had no scan since ``now - stale_after``; least recently
        refreshed first."""
        if limit < 1 or (carriers is not None and not carriers):
            return []
        cutoff = now - stale_after
        query = (
            select(t.Shipment.tracking_number, t.Shipment.carrier)
            .where(
                t.Shipment.status.not_in(_TERMINAL),
                t.Shipment.tracking_number != "",
                t.Shipment.updated_at <= cutoff,
                or_(t.Shipment.last_event_at.is_(None), t.Shipment.last_event_at <= cutoff),
            )
            .order_by(t.Shipment.updated_at, t.Shipment.id)
            .limit(limit)
        )
        if carriers is not None:
            wanted = sorted({c.strip().casefold() for c in carriers})
            query = query.where(func.lower(t.Shipment.carrier).in_(wanted))
        return [(number, carrier) for number, carrier in self.session.execute(query)]

    def mark_refreshed(self, numbers: Iterable[str], now: datetime) -> None:
        for part in chunks(sorted(set(numbers))):
            self.session.execute(
                update(t.Shipment)
                .where(t.Shipment.tracking_number.in_(part))
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
