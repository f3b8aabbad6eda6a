"""SQL for tracking events, derived shipment state, raw payloads and dead letters."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.bulk import bulk_insert
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import ShipmentState, TrackingEvent
from parceldesk.services.ports import ShipmentRef, StoredPayload, UnmatchedShipment

__all__ = ["SqlPayloadRepository", "SqlTrackingRepository"]

_EVENTS = cast(Table, t.TrackingEvent.__table__)
_SHIPMENTS = cast(Table, t.Shipment.__table__)
_PAYLOADS = cast(Table, t.InboundPayload.__table__)
_SET_EDD = (
    update(_SHIPMENTS)
    .where(_SHIPMENTS.c.id == bindparam("pk"))
    .values(carrier_edd=bindparam("carrier_edd"), updated_at=bindparam("updated_at"))
)
#: last-mile legs of parcels we know: not "unmatched", their first leg has the order
_LINKED_LEGS = select(t.Shipment.linked_leg_id).where(
    t.Shipment.linked_leg_id.is_not(None), t.Shipment.order_id.is_not(None)
)
_SAVE_STATE = (
    update(_SHIPMENTS)
    .where(_SHIPMENTS.c.id == bindparam("pk"))
    .values(
        {
            c: bindparam(c)
            for c in (
                "status", "node", "reason", "first_event_at", "last_event_at",
                "delivered_at", "event_count", "updated_at",
            )
        }
    )
)  # fmt: skip


class SqlTrackingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def refs(self, numbers: Iterable[str]) -> dict[str, ShipmentRef]:
        found: dict[str, ShipmentRef] = {}
        for part in chunks(sorted(set(numbers))):
            rows = self.session.execute(
                select(
                    t.Shipment.tracking_number,
                    t.Shipment.id,
                    t.Shipment.order_id,
                    t.Shipment.carrier,
                    t.Shipment.linked_leg_id,
                ).where(t.Shipment.tracking_number.in_(part))
            )
            for number, pk, order_id, carrier, linked in rows:
                found[number] = ShipmentRef(pk, order_id, carrier, linked)
        return found

    def create_unmatched(self, numbers: Sequence[tuple[str, str]], now: datetime) -> None:
        rows = [
            {
                "tracking_number": number, "carrier": carrier, "channel": "", "service": "",
                "origin_country": "", "destination_country": "", "signature_required": False,
                "leg_role": "single", "status": Status.PENDING.value, "event_count": 0,
                "created_at": now, "updated_at": now,
            }
            for number, carrier in numbers
        ]  # fmt: skip
        bulk_insert(self.session, _SHIPMENTS, rows, skip_duplicates=True)

    def lock(self, shipment_ids: Iterable[int]) -> None:
        """Row-lock parcels (PostgreSQL ``FOR UPDATE``, in id order so that concurrent
        deliveries cannot deadlock) before reading their events: a state derived from
        events must see every committed event. SQLite serialises writers already."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        for part in chunks(sorted(set(shipment_ids))):
            self.session.execute(
                select(t.Shipment.id)
                .where(t.Shipment.id.in_(part))
                .order_by(t.Shipment.id)
                .with_for_update()
            ).all()

    def existing_keys(self, shipment_ids: Iterable[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = defaultdict(set)
        for part in chunks(sorted(set(shipment_ids))):
            rows = self.session.execute(
                select(t.TrackingEvent.shipment_id, t.TrackingEvent.dedup_key).where(
                    t.TrackingEvent.shipment_id.in_(part)
                )
            )
            for sid, key in rows:
                found[sid].add(key)
        return found

    def add_events(
        self, rows: Sequence[tuple[int, TrackingEvent, int | None]], *, received_at: datetime
    ) -> None:
        bulk_insert(
            self.session,
            _EVENTS,
            skip_duplicates=True,
            rows=[
                {
                    "shipment_id": sid,
                    "occurred_at": e.occurred_at,
                    "utc_offset_minutes": e.utc_offset_minutes,
                    "location": e.location,
                    "description": e.description,
                    "raw_code": e.raw_code,
                    "status": e.status.value,
                    "node": e.node.value if e.node else None,
                    "reason": e.reason.value if e.reason else None,
                    "source": e.source,
                    "dedup_key": e.dedup_key,
                    "received_at": received_at,
                    "payload_id": payload_id,
                }
                for sid, e, payload_id in rows
            ],
        )

    def events(self, shipment_ids: Iterable[int]) -> dict[int, list[TrackingEvent]]:
        found: dict[int, list[TrackingEvent]] = defaultdict(list)
        for part in chunks(sorted(set(shipment_ids))):
            rows = self.session.execute(
                select(
                    t.TrackingEvent.shipment_id, t.TrackingEvent.occurred_at,
                    t.TrackingEvent.utc_offset_minutes, t.TrackingEvent.description,
                    t.TrackingEvent.status, t.TrackingEvent.node, t.TrackingEvent.reason,
                    t.TrackingEvent.location, t.TrackingEvent.raw_code, t.TrackingEvent.source,
                ).where(t.TrackingEvent.shipment_id.in_(part))
            )  # fmt: skip
            for sid, at, offset, desc, status, node, reason, loc, code, source in rows:
                zone = UTC if not offset else timezone(timedelta(minutes=offset))
                found[sid].append(
                    TrackingEvent(
                        occurred_at=at.astimezone(zone),
                        description=desc,
                        status=Status(status),
                        node=Node(node) if node else None,
                        reason=ExceptionReason(reason) if reason else None,
                        location=loc,
                        raw_code=code,
                        source=source,
                    )
                )
        return found

    def save_states(self, states: Sequence[tuple[int, ShipmentState]], now: datetime) -> None:
        if not states:
            return
        self.session.execute(
            _SAVE_STATE,
            [
                {
                    "pk": sid, "status": st.status.value,
                    "node": st.node.value if st.node else None,
                    "reason": st.reason.value if st.reason else None,
                    "first_event_at": st.first_event_at, "last_event_at": st.last_event_at,
                    "delivered_at": st.delivered_at, "event_count": st.event_count,
                    "updated_at": now,
                }
                for sid, st in states
            ],
        )  # fmt: skip

    def set_edds(self, edds: Sequence[tuple[int, datetime]], now: datetime) -> None:
        if edds:
            self.session.execute(
                _SET_EDD, [{"pk": sid, "carrier_edd": edd, "updated_at": now} for sid, edd in edds]
            )

    def link(self, first_mile_id: int, last_mile_id: int, now: datetime) -> bool:
        """Point the first-mile leg at its last-mile leg; False if it was linked already."""
        if first_mile_id == last_mile_id:
            return False
        current = self.session.scalar(
            select(t.Shipment.linked_leg_id).where(t.Shipment.id == first_mile_id)
        )
        if current == last_mile_id:
            return False
        self.session.execute(
            update(t.Shipment)
            .where(t.Shipment.id == first_mile_id)
            .values(linked_leg_id=last_mile_id, leg_role="first_mile", updated_at=now)
        )
        order_id, store_id = self.session.execute(
            select(t.Shipment.order_id, t.Shipment.store_id).where(t.Shipment.id == first_mile_id)
        ).one()
        self.session.execute(
            update(t.Shipment)
            .where(t.Shipment.id == last_mile_id)
            .values(leg_role="last_mile", updated_at=now)
        )
        if order_id is not None:  # the last-mile leg is the same parcel of the same order
            self.session.execute(
                update(t.Shipment)
                .where(t.Shipment.id == last_mile_id, t.Shipment.order_id.is_(None))
                .values(order_id=order_id, store_id=store_id)
            )
        return True

    def unmatched(self, limit: int) -> list[UnmatchedShipment]:
        rows = self.session.execute(
            select(
                t.Shipment.tracking_number, t.Shipment.carrier, t.Shipment.status,
                t.Shipment.event_count, t.Shipment.created_at, t.Shipment.last_event_at,
            )
            .where(t.Shipment.order_id.is_(None))
            .where(~t.Shipment.id.in_(_LINKED_LEGS))
            .order_by(t.Shipment.created_at, t.Shipment.id)
            .limit(limit)
        )  # fmt: skip
        return [UnmatchedShipment(n, c, Status(s), ec, ca, le) for n, c, s, ec, ca, le in rows]


class SqlPayloadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        source: str,
        body: bytes,
        headers: str,
        received_at: datetime,
        message_id: str | None,
    ) -> StoredPayload:
        digest = hashlib.sha256(body).hexdigest()
        query = select(t.InboundPayload.id).where(
            t.InboundPayload.source == source, t.InboundPayload.content_sha256 == digest
        )
        if message_id is not None:
            query = select(t.InboundPayload.id).where(
                t.InboundPayload.source == source,
                (t.InboundPayload.content_sha256 == digest)
                | (t.InboundPayload.message_id == message_id),
            )
        found = self.session.scalars(query.limit(1)).first()
        if found is not None:
            return StoredPayload(found, is_new=False)
        row = t.InboundPayload(
            source=source, received_at=received_at, content_sha256=digest,
            message_id=message_id, headers=headers, body=body,
        )  # fmt: skip
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:  # a concurrent delivery of the same message won the race
            found = self.session.scalars(query.limit(1)).first()
            assert found is not None
            return StoredPayload(found, is_new=False)
        return StoredPayload(row.id, is_new=True)

    def add_many(
        self, *, source: str, items: Sequence[tuple[bytes, str | None]], received_at: datetime
    ) -> list[StoredPayload]:
        """Bulk ``add``: one query for what exists, one executemany for what is new."""
        digests = [hashlib.sha256(body).hexdigest() for body, _ in items]
        known: dict[str, int] = {}
        for part in chunks(sorted(set(digests))):
            rows = self.session.execute(
                select(t.InboundPayload.content_sha256, t.InboundPayload.id).where(
                    t.InboundPayload.source == source, t.InboundPayload.content_sha256.in_(part)
                )
            )
            known.update(dict(rows.tuples().all()))
        ids_by_message: dict[str, int] = {}
        message_ids = sorted({m for _, m in items if m is not None})
        for part in chunks(message_ids):
            rows = self.session.execute(
                select(t.InboundPayload.message_id, t.InboundPayload.id).where(
                    t.InboundPayload.source == source, t.InboundPayload.message_id.in_(part)
                )
            )
            ids_by_message.update({m: pk for m, pk in rows if m is not None})
        fresh: dict[str, dict[str, object]] = {}
        seen_messages: set[str] = set(ids_by_message)
        for (body, message_id), digest in zip(items, digests, strict=True):
            if digest in known or digest in fresh or (message_id and message_id in seen_messages):
                continue
            if message_id:
                seen_messages.add(message_id)
            fresh[digest] = {
                "source": source, "received_at": received_at, "content_sha256": digest,
                "message_id": message_id, "headers": "{}", "body": body,
            }  # fmt: skip
        bulk_insert(self.session, _PAYLOADS, list(fresh.values()))
        if fresh:
            for part in chunks(sorted(fresh)):
                rows = self.session.execute(
                    select(t.InboundPayload.content_sha256, t.InboundPayload.id).where(
                        t.InboundPayload.source == source,
                        t.InboundPayload.content_sha256.in_(part),
                    )
                )
                known.update(dict(rows.tuples().all()))
        for digest, row in fresh.items():
            if row["message_id"]:
                ids_by_message[str(row["message_id"])] = known[digest]
        out: list[StoredPayload] = []
        claimed: set[str] = set()
        for (_, message_id), digest in zip(items, digests, strict=True):
            is_new = digest in fresh and digest not in claimed
            claimed.add(digest)
            pk = known.get(digest)
            if pk is None:  # a redelivery under a known message id, with other bytes
                pk = ids_by_message[str(message_id)]
            out.append(StoredPayload(pk, is_new))
        return out

    def add_dead_letter(
        self, *, source: str, body: bytes, headers: str, received_at: datetime, reason: str
    ) -> int:
        row = t.DeadLetter(
            source=source, received_at=received_at, reason=reason, headers=headers, body=body,
            content_sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id
