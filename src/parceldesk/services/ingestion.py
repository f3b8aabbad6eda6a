"""Use case: turn provider messages into stored events and derived shipment state.

Guarantees (see docs/adr/0003-tracking-ingestion.md):

* **Durable before acknowledged** -- ``ingest_message`` stores the raw body and every new
  event in one transaction and returns only after the commit; the HTTP layer answers
  2xx only after it returns.
* **Idempotent** -- a message seen before (same bytes, or same provider message id) changes
  nothing; an event seen before (same dedup key on the same parcel) is stored once.
* **Order-independent** -- a parcel's state is ``domain.tracking.derive_state`` of *all* its
  stored events, never taken from the newest message. It is advanced from the cached state
  and the new events when they all come after the last known one (``advance_state``, same
  result), and re-derived from every stored event otherwise.
* **Group commit** -- ``ingest_messages`` stores several messages in one transaction (the
  webhook endpoint batches concurrent deliveries that way) and reports on each.
* **Nothing dropped** -- a number no order claims gets a shipment without an order
  ("unmatched"); a later order import attaches it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from parceldesk.domain.tracking import ShipmentState, TrackingEvent, advance_state, derive_state
from parceldesk.services.event_fingerprints import merged
from parceldesk.services.ports import Clock, ShipmentRef, UnitOfWork
from parceldesk.services.tracking_records import TrackingUpdate

__all__ = [
    "InboundMessage",
    "IngestResult",
    "apply_updates",
    "ingest_message",
    "ingest_messages",
    "record_dead_letter",
]


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


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One provider message as received, with what its parser made of it."""

    source: str
    body: bytes
    headers: str
    updates: Sequence[TrackingUpdate]
    message_id: str | None = None


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
    message = InboundMessage(source, body, headers, updates, message_id)
    return ingest_messages(uow, [message], clock=clock)[0]


def ingest_messages(
    uow: UnitOfWork, messages: Sequence[InboundMessage], *, clock: Clock
) -> list[IngestResult]:
    """Store several messages in one committed transaction; one result per message.

    A transaction costs a fixed dozen statements and a commit whatever it holds, so
    concurrent deliveries grouped this way are far cheaper than one transaction each;
    none of them may be acknowledged before this returns. If it raises, nothing of any
    of them is stored."""
    now = clock.now()
    results = [IngestResult(messages=1) for _ in messages]
    with uow:
        pairs: list[tuple[TrackingUpdate, int | None]] = []
        by_payload: dict[int | None, IngestResult] = {}
        for message, result in zip(messages, results, strict=True):
            stored = uow.payloads.add(
                source=message.source, body=message.body, headers=message.headers,
                received_at=now, message_id=message.message_id,
            )  # fmt: skip
            if not stored.is_new:
                result.messages_duplicate = 1
                continue
            by_payload[stored.id] = result
            pairs.extend((u, stored.id) for u in message.updates)
        if pairs:
            apply_updates(uow, pairs, now=now, per_payload=by_payload)
        uow.commit()
    return results


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
    per_payload: dict[int | None, IngestResult] | None = None,
    fingerprints: Mapping[str, bytes] | None = None,
) -> IngestResult:
    """Apply (update, id of the payload that brought it) pairs inside the caller's
    transaction (the caller commits). Batching many messages here is what makes bulk
    ingestion fast: a handful of queries per batch, not per message. ``per_payload``
    (payload id -> result) also gets each payload's own counts of updates, new and
    duplicate events and unmatched numbers. ``fingerprints`` (tracking number -> stored
    blob, as the updates were built against) are kept up to date when given."""
    mine = per_payload if per_payload is not None else {}
    pairs = list(items)
    updates = [u for u, _ in pairs]
    result = IngestResult(updates=len(updates))
    carriers: dict[str, str] = {}
    named_by: dict[str, int | None] = {}  # number -> payload that named it first
    for u, payload_id in pairs:
        carriers.setdefault(u.tracking_number, u.carrier)
        named_by.setdefault(u.tracking_number, payload_id)
        for leg in u.linked:
            carriers.setdefault(leg.tracking_number, leg.carrier)
            named_by.setdefault(leg.tracking_number, payload_id)
    refs = uow.tracking.refs(carriers)
    missing = [(n, c) for n, c in carriers.items() if n not in refs]
    if missing:
        uow.tracking.create_unmatched(missing, now)
        refs |= uow.tracking.refs(n for n, _ in missing)
        result.shipments_created = len(missing)
        for number, _ in missing:
            if (own := mine.get(named_by[number])) is not None:
                own.shipments_created += 1

    with_events = {refs[u.tracking_number].id for u in updates if u.events}
    uow.tracking.lock(ref.id for ref in refs.values())
    # after the lock: cached states and stored keys are those of committed events
    cached = uow.tracking.states(with_events)
    # a parcel with no events yet (new from this batch or an order) has no keys to ask
    asked: list[tuple[int, str]] = []
    for u in updates:
        sid = refs[u.tracking_number].id
        if u.events and cached[sid].event_count:
            asked.extend((sid, e.dedup_key) for e in u.events)
    seen = uow.tracking.stored_keys(asked)
    new_rows: list[tuple[int, TrackingEvent, int | None]] = []
    for u, payload_id in pairs:
        ref = refs[u.tracking_number]
        own = mine.get(payload_id)
        if own is not None:
            own.updates += 1
        if ref.order_id is None:
            result.unmatched_updates += 1
            result.unmatched_numbers.add(u.tracking_number)
            if own is not None:
                own.unmatched_updates += 1
                own.unmatched_numbers.add(u.tracking_number)
        sid = ref.id
        fresh = 0
        for event in u.events:
            pair = (sid, event.dedup_key)
            if pair in seen:
                continue
            seen.add(pair)
            new_rows.append((sid, event, payload_id))
            fresh += 1
        repeated = len(u.events) - fresh + u.skipped
        result.events_new += fresh
        result.events_duplicate += repeated
        if own is not None:
            own.events_new += fresh
            own.events_duplicate += repeated
    blobs = _new_fingerprints(pairs, refs, fingerprints) if fingerprints is not None else {}
    if new_rows:
        uow.tracking.add_events(new_rows, received_at=now)
        states = _new_states(uow, new_rows, cached)
        uow.tracking.save_states(states, now, blobs)
        for sid, _ in states:
            blobs.pop(sid, None)
    if blobs:  # parcels whose push brought no new event but was not fully known
        uow.tracking.save_fingerprints(sorted(blobs.items()), now)

    uow.tracking.set_edds(_newest_edds(updates, refs), now)
    to_link: dict[tuple[int, int], int | None] = {}  # (first, last) -> payload naming it
    for u, payload_id in pairs:
        ref = refs[u.tracking_number]
        for leg in u.linked:
            other = refs[leg.tracking_number]
            first, last = (ref, other) if leg.role == "last_mile" else (other, ref)
            if first.linked_leg_id != last.id:  # every push repeats the link: known ones
                to_link.setdefault((first.id, last.id), payload_id)  # cost no query
    if to_link:
        for linked in uow.tracking.link_many(list(to_link), now):
            result.links_made += 1
            if (own := mine.get(to_link[linked])) is not None:
                own.links_made += 1
    return result


def _newest_edds(
    updates: Sequence[TrackingUpdate], refs: Mapping[str, ShipmentRef]
) -> list[tuple[int, datetime, datetime | None]]:
    """Each parcel's newest estimate in the batch: the latest stated (``edd_as_of``), an
    undated one only where none is dated, the later message on a tie. The repository
    then keeps a stored estimate that is newer still, so arrival order does not matter."""
    best: dict[int, tuple[datetime, datetime | None]] = {}
    for u in updates:
        if u.carrier_edd is None:
            continue
        sid = refs[u.tracking_number].id
        held = best.get(sid)
        if held is None or held[1] is None or (u.edd_as_of is not None and u.edd_as_of >= held[1]):
            best[sid] = (u.carrier_edd, u.edd_as_of)
    return [(sid, edd, as_of) for sid, (edd, as_of) in best.items()]


def _new_fingerprints(
    pairs: Sequence[tuple[TrackingUpdate, int | None]],
    refs: Mapping[str, ShipmentRef],
    stored: Mapping[str, bytes],
) -> dict[int, bytes]:
    """Parcel id -> its fingerprint blob with this batch's raw events added, for parcels
    whose blob changes. Every event of these updates is now stored (new or found), so
    its fingerprint may be kept (``services.event_fingerprints``)."""
    brought: dict[str, list[bytes]] = defaultdict(list)
    for u, _ in pairs:
        if u.fingerprints:
            brought[u.tracking_number].extend(u.fingerprints)
    blobs: dict[int, bytes] = {}
    for number, fps in brought.items():
        blob = merged(stored.get(number), fps)
        if blob is not None:
            blobs[refs[number].id] = blob
    return blobs


def _new_states(
    uow: UnitOfWork,
    new_rows: Sequence[tuple[int, TrackingEvent, int | None]],
    cached: dict[int, ShipmentState],
) -> list[tuple[int, ShipmentState]]:
    """The state of every parcel that got events: advanced from its cached state when the
    new events all come later (the usual full-history push), else derived from all its
    stored events. Either way ``derive_state`` of everything stored (the parcels are
    locked, see ``apply_updates``)."""
    added: dict[int, list[TrackingEvent]] = defaultdict(list)
    for sid, event, _ in new_rows:
        added[sid].append(event)
    states: dict[int, ShipmentState] = {}
    for sid, events in added.items():
        state = advance_state(cached[sid], events)
        if state is not None:
            states[sid] = state
    redo = [sid for sid in added if sid not in states]
    if redo:
        stored = uow.tracking.events(redo)
        states.update((sid, derive_state(stored[sid])) for sid in redo)
    return [(sid, states[sid]) for sid in added]
