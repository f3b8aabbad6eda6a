"""SQL for tracking events and derived shipment state (raw payloads and dead letters:
``payload_repository``, re-exported here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db import tracking_sql as sql
from parceldesk.adapters.db.bulk import (
    bind_processors,
    bulk_insert,
    bulk_insert_rows,
    bulk_update_rows,
    copy_rows,
    select_in,
)
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.adapters.db.payload_repository import SqlPayloadRepository
from parceldesk.adapters.db.tracking_links import link, link_many
from parceldesk.adapters.db.types import UTCDateTime, utc_from_sqlite_text
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import ShipmentState, TrackingEvent
from parceldesk.services.ports import ShipmentRef, UnmatchedShipment

__all__ = ["SqlPayloadRepository", "SqlTrackingRepository"]  # payloads: re-exported

_EVENTS = cast(Table, t.TrackingEvent.__table__)
_SHIPMENTS = cast(Table, t.Shipment.__table__)
#: an estimate replaces the stored one unless that one is known to be newer
_SET_DATED_EDD = (
    update(_SHIPMENTS)
    .where(
        _SHIPMENTS.c.id == bindparam("pk"),
        _SHIPMENTS.c.carrier_edd_as_of.is_(None)
        | (_SHIPMENTS.c.carrier_edd_as_of <= bindparam("as_of", type_=UTCDateTime())),
    )
    .values(
        carrier_edd=bindparam("carrier_edd"),
        carrier_edd_as_of=bindparam("as_of", type_=UTCDateTime()),
        updated_at=bindparam("updated_at"),
    )
)
#: an undated estimate only replaces an undated one (the last received wins, as before)
_SET_UNDATED_EDD = (
    update(_SHIPMENTS)
    .where(_SHIPMENTS.c.id == bindparam("pk"), _SHIPMENTS.c.carrier_edd_as_of.is_(None))
    .values(carrier_edd=bindparam("carrier_edd"), updated_at=bindparam("updated_at"))
)
#: last-mile legs of parcels we know: not "unmatched", their first leg has the order
_LINKED_LEGS = select(t.Shipment.linked_leg_id).where(
    t.Shipment.linked_leg_id.is_not(None), t.Shipment.order_id.is_not(None)
)
_EVENT_COLUMNS = (
    "shipment_id", "occurred_at", "utc_offset_minutes", "location", "description",
    "raw_code", "status", "node", "reason", "source", "dedup_key", "received_at",
    "payload_id",
)  # fmt: skip
#: batches at least this big go by COPY on PostgreSQL (bulk files, not webhooks)
_COPY_FROM = 1000
#: PostgreSQL, batches at least this big: one statement over arrays (``unnest``) instead
#: of an executemany (a round trip per row; 10 s of the 1,000,000-event CSV ingest)
_ARRAYS_FROM = 50
#: (parcel, key) pairs a SQLite ``STORED_KEYS`` statement asks at most (two parameters each)
_PAIRS_CHUNK = 2000


def _utc_or_none(moment: datetime | None) -> datetime | None:
    """What ``UTCDateTime`` returns for a ``timestamptz`` read without SQLAlchemy."""
    return None if moment is None else moment.astimezone(UTC)


def _state(row: Sequence[Any], when: Callable[[Any], datetime | None]) -> ShipmentState:
    """A ``states`` row ``(id, status, node, reason, last, first, delivered, count)``."""
    _, status, node, reason, last, first, delivered, count = row
    return ShipmentState(
        Status(status),
        Node(node) if node else None,
        ExceptionReason(reason) if reason else None,
        when(last),
        when(first),
        when(delivered),
        count,
    )


def _as_is(value: Any) -> Any:
    return value


def _utc(moment: datetime) -> datetime:
    """What ``UTCDateTime`` binds on PostgreSQL (naive refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} refused: attach a timezone")
    return moment.astimezone(UTC)


_STATE_COLUMNS = (
    "status", "node", "reason", "first_event_at", "last_event_at", "delivered_at",
    "event_count", "updated_at", "event_fingerprints",
)  # fmt: skip


class SqlTrackingRepository:
    """Core statements on the session's connection in the ingestion hot path: through
    the session, every SELECT of a mapped table builds an ORM compile state first."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _core(self) -> Connection:
        return self.session.connection()

    @property
    def _pg(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def refs(self, numbers: Iterable[str]) -> dict[str, ShipmentRef]:
        found: dict[str, ShipmentRef] = {}
        wanted = sorted(set(numbers))
        if wanted and self.session.get_bind().dialect.name == "postgresql":
            rows = self._core.exec_driver_sql(sql.REFS_PG, (wanted,))
            for number, pk, order_id, carrier, linked in rows:
                found[number] = ShipmentRef(pk, order_id, carrier, linked)
            return found
        for part in chunks(wanted):
            for number, pk, order_id, carrier, linked in select_in(
                self.session, sql.REFS, (), part
            ):
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
        if len(numbers) >= _ARRAYS_FROM and self._pg:
            nums, carriers = [n for n, _ in numbers], [c for _, c in numbers]
            self._core.exec_driver_sql(sql.CREATE_PG, (_utc(now), _utc(now), nums, carriers))
            return
        bulk_insert(self.session, _SHIPMENTS, rows, skip_duplicates=True)

    def lock(self, shipment_ids: Iterable[int]) -> None:
        """Row-lock parcels (PostgreSQL ``FOR UPDATE``, in id order so that concurrent
        deliveries cannot deadlock) before reading their events: a state derived from
        events must see every committed event. SQLite serialises writers already."""
        if self.session.get_bind().dialect.name == "sqlite":
            return
        ids = sorted(set(shipment_ids))
        if len(ids) >= _ARRAYS_FROM:  # one array, not thousands of parameters to render
            self._core.exec_driver_sql(sql.LOCK_PG, (ids,)).fetchall()
            return
        for part in chunks(ids):
            self.session.execute(
                select(t.Shipment.id)
                .where(t.Shipment.id.in_(part))
                .order_by(t.Shipment.id)
                .with_for_update()
            ).all()

    def stored_keys(self, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (parcel id, dedup key) pairs are stored: one index lookup each."""
        wanted = sorted(set(pairs))
        found: set[tuple[int, str]] = set()
        if not wanted:
            return found
        if self._pg:
            ids, keys = [sid for sid, _ in wanted], [key for _, key in wanted]
            found.update(self._core.exec_driver_sql(sql.STORED_KEYS_PG, (ids, keys)))
            return found
        for part in chunks(wanted, _PAIRS_CHUNK):
            text = sql.STORED_KEYS.format(pairs=", ".join(["(?, ?)"] * len(part)))
            flat = [value for pair in part for value in pair]
            found.update(self._core.exec_driver_sql(text, tuple(flat)).fetchall())
        return found

    def fingerprints(self, numbers: Iterable[str]) -> dict[str, bytes]:
        """The stored raw-event fingerprints of these parcels, by tracking number (parcels
        without any are left out)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        if self._pg:
            return dict(self._core.exec_driver_sql(sql.FINGERPRINTS_PG, (wanted,)).fetchall())
        found: dict[str, bytes] = {}
        for part in chunks(wanted):
            found.update(select_in(self.session, sql.FINGERPRINTS, (), part))
        return found

    def save_fingerprints(self, blobs: Sequence[tuple[int, bytes]], now: datetime) -> None:
        rows = [(blob, now, sid) for sid, blob in blobs]
        bulk_update_rows(self.session, _SHIPMENTS, ("event_fingerprints", "updated_at"), "id", rows)

    def add_events(
        self, rows: Sequence[tuple[int, TrackingEvent, int | None]], *, received_at: datetime
    ) -> None:
        """Insert rows known to be new (``apply_updates`` checked them under the parcels'
        locks): big batches by ``COPY`` on PostgreSQL; otherwise an executemany that also
        skips a duplicate, should one slip through. Times are bound while the rows are
        built (``bulk.bind_processors``); ``COPY`` takes them as they are: every event time
        is aware (``TrackingEvent``), and an aware time is the same instant in any offset."""
        copy = len(rows) >= _COPY_FROM and self._pg
        if copy:
            at_of: Callable[[datetime], Any] = _as_is
            received: Any = _utc(received_at)
        else:
            occurred_p, received_p = bind_processors(
                self.session, _EVENTS, ("occurred_at", "received_at")
            )
            at_of = occurred_p or _as_is
            received = received_p(received_at) if received_p else received_at
        minutes: dict[tzinfo, int] = {}  # per fixed offset (not a zone: DST)
        values = []
        for sid, e, payload_id in rows:
            at = e.occurred_at
            zone = at.tzinfo
            fixed = type(zone) is timezone
            offset = minutes.get(zone) if fixed else None  # type: ignore[arg-type]
            if offset is None:
                offset = e.utc_offset_minutes
                if fixed:
                    minutes[zone] = offset  # type: ignore[index]
            values.append(
                (
                    sid, at_of(at), offset, e.location, e.description, e.raw_code,
                    e.status._value_, e.node._value_ if e.node else None,
                    e.reason._value_ if e.reason else None, e.source, e.dedup_key, received,
                    payload_id,
                )
            )  # fmt: skip
        if copy:
            copy_rows(self.session, _EVENTS, _EVENT_COLUMNS, values, bound=True)
        else:
            bulk_insert_rows(
                self.session, _EVENTS, _EVENT_COLUMNS, values, skip_duplicates=True, bound=True
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

    def states(self, shipment_ids: Iterable[int]) -> dict[int, ShipmentState]:
        """The cached derived state of parcels (read after ``lock``: see ``apply_updates``)."""
        ids = sorted(set(shipment_ids))
        if not ids:
            return {}
        if self._pg:
            rows = self._core.exec_driver_sql(sql.STATES_PG, (ids,))  # no type processing:
            return {row[0]: _state(row, _utc_or_none) for row in rows}  # times made UTC here
        found: dict[int, ShipmentState] = {}
        for part in chunks(ids):  # SQLite: plain text times, read as ``UTCDateTime`` reads them
            found.update(
                (row[0], _state(row, utc_from_sqlite_text))
                for row in select_in(self.session, sql.STATES, (), part)
            )
        return found

    def save_states(
        self,
        states: Sequence[tuple[int, ShipmentState]],
        now: datetime,
        fingerprints: Mapping[int, bytes] | None = None,
    ) -> None:
        # through the driver (bulk.bulk_update_rows): Core's executemany built a dict per
        # row; through the session it took the ORM's bulk-update path
        blobs = fingerprints or {}
        rows = [
            (
                st.status._value_, st.node._value_ if st.node else None,
                st.reason._value_ if st.reason else None, st.first_event_at,
                st.last_event_at, st.delivered_at, st.event_count, now, blobs.get(sid), sid,
            )
            for sid, st in states
        ]  # fmt: skip
        if len(rows) >= _ARRAYS_FROM and self._pg:  # one statement, not one per parcel
            cols: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
            for i in (3, 4, 5):
                cols[i] = [None if v is None else _utc(v) for v in cols[i]]
            del cols[7]  # ``now``: one parameter
            self._core.exec_driver_sql(sql.SAVE_STATES_PG, (_utc(now), cols[-1], *cols[:-1]))
            return
        bulk_update_rows(
            self.session, _SHIPMENTS, _STATE_COLUMNS, "id", rows,
            keep_if_null=("event_fingerprints",),
        )  # fmt: skip

    def set_edds(
        self, edds: Sequence[tuple[int, datetime, datetime | None]], now: datetime
    ) -> None:
        dated = [
            {"pk": sid, "carrier_edd": edd, "as_of": as_of, "updated_at": now}
            for sid, edd, as_of in edds
            if as_of is not None
        ]
        undated = [
            {"pk": sid, "carrier_edd": edd, "updated_at": now}
            for sid, edd, as_of in edds
            if as_of is None
        ]
        for statement, rows in ((_SET_DATED_EDD, dated), (_SET_UNDATED_EDD, undated)):
            if rows:
                self._core.execute(statement, rows)

    def link(self, first_mile_id: int, last_mile_id: int, now: datetime) -> bool:
        return link(self.session, first_mile_id, last_mile_id, now)

    def link_many(self, pairs: Sequence[tuple[int, int]], now: datetime) -> set[tuple[int, int]]:
        return link_many(self.session, pairs, now)

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
