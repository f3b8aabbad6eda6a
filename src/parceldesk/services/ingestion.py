"""Use case: turn provider messages into stored events and derived shipment state.

Guarantees (see docs/adr/0003-tracking-ingestion.md):

* **Durable before acknowledged** -- ``ingest_message`` stores the raw body and every new
  event in one transaction and returns only after the commit; the HTTP layer answers
  2xx only after it returns.
* **Idempotent** -- a message seen before (same bytes, or same provider message id) changes
  nothing; an event seen before (same dedup key on the same parcel) is stored once.
* **Order-independent** -- a parcel's state is recomputed from *all* its stored events by
  ``domain.tracking.derive_state``, never taken from the newest message.
* **Nothing dropped** -- a number no order claims gets a shipment without an order
  ("unmatched"); a later order import attaches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from parceldesk.domain.tracking import TrackingEvent, derive_state
from parceldesk.services.ports import Clock, UnitOfWork
from parceldesk.services.tracking_records import TrackingUpdate

__all__ = ["IngestResult", "apply_updates", "ingest_message", "record_dead_letter"]


@dataclass(slots=True)
class IngestResult:
    messages: int = 0
    messages_duplicate: int = 0
    updates: int = 0
    events_new: int = 0
    events_duplicate: int = 0
    unmatched_updates: int = 0
    shipments_created: int = 0
    links_made: int = 0
    unmatched_numbers: set[str] = field(default_factory=set)

    def add(self, other: IngestResult) -> None:
        for name in (
            "messages", "messages_duplicate", "updates", "events_new", "events_duplicate",
            "unmatched_updates", "shipments_created", "links_made",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unmatched_numbers |= other.unmatched_numbers


def ingest_message(
    uow: UnitOfWork,
    *,
    source: str,
    body: bytes,
    headers: str,
    updates: Sequence[TrackingUpdate],
    clock: Clock,
    message_id: str | None = None,
) -> IngestResult:
    """Store one provider message and what it says, in one committed transaction."""
    now = clock.now()
    with uow:
        stored = uow.payloads.add(
            source=source, body=body, headers=headers, received_at=now, message_id=message_id
        )
        if not stored.is_new:
            return IngestResult(messages=1, messages_duplicate=1)
        result = apply_updates(uow, [(u, stored.id) for u in updates], now=now)
        result.messages = 1
        uow.commit()
    return result


def record_dead_letter(
    uow: UnitOfWork, *, source: str, body: bytes, headers: str, reason: str, clock: Clock
) -> int:
    """Keep a message we could not understand, with the reason, for inspection."""
    with uow:
        dead_id = uow.payloads.add_dead_letter(
            source=source, body=body, headers=headers, received_at=clock.now(), reason=reason
        )
        uow.commit()
    return dead_id


def apply_updates(
    uow: UnitOfWork,
    items: Iterable[tuple[TrackingUpdate, int | None]],
    *,
    now: datetime,
) -> IngestResult:
    """Apply (update, id of the payload that brought it) pairs inside the caller's
    transaction (the caller commits). Batching many messages here is what makes bulk
    ingestion fast: a handful of queries per batch, not per message."""
    pairs = list(items)
    updates = [u for u, _ in pairs]
    result = IngestResult(updates=len(updates))
    carriers: dict[str, str] = {}
    for u in updates:
        carriers.setdefault(u.tracking_number, u.carrier)
        for leg in u.linked:
            carriers.setdefault(leg.tracking_number, leg.carrier)
    refs = uow.tracking.refs(carriers)
    missing = [(n, c) for n, c in carriers.items() if n not in refs]
    if missing:
        uow.tracking.create_unmatched(missing, now)
        refs |= uow.tracking.refs(n for n, _ in missing)
        result.shipments_created = len(missing)

    with_events = {refs[u.tracking_number].id for u in updates if u.events}
    uow.tracking.lock(ref.id for ref in refs.values())
    known = uow.tracking.existing_keys(with_events)
    new_rows: list[tuple[int, TrackingEvent, int | None]] = []
    for u, payload_id in pairs:
        ref = refs[u.tracking_number]
        if ref.order_id is None:
            result.unmatched_updates += 1
            result.unmatched_numbers.add(u.tracking_number)
        keys = known.setdefault(ref.id, set())
        for event in u.events:
            key = event.dedup_key
            if key in keys:
                result.events_duplicate += 1
                continue
            keys.add(key)
            new_rows.append((ref.id, event, payload_id))
    if new_rows:
        uow.tracking.add_events(new_rows, received_at=now)
        result.events_new = len(new_rows)
        touched = {sid for sid, _, _ in new_rows}
        events = uow.tracking.events(touched)
        uow.tracking.save_states([(sid, derive_state(events[sid])) for sid in touched], now)

    # The newest estimate wins; within one batch, the later message.
    edds = {refs[u.tracking_number].id: u.carrier_edd for u in updates if u.carrier_edd}
    uow.tracking.set_edds(list(edds.items()), now)
    linked_now: set[tuple[int, int]] = set()
    for u in updates:
        ref = refs[u.tracking_number]
        for leg in u.linked:
            other = refs[leg.tracking_number]
            first, last = (ref, other) if leg.role == "last_mile" else (other, ref)
            if first.linked_leg_id == last.id or (first.id, last.id) in linked_now:
                continue  # every push repeats the link: no queries for known links
            linked_now.add((first.id, last.id))
            if uow.tracking.link(first.id, last.id, now):
                result.links_made += 1
    return result
