"""Tracking events and the state derived from them.

A shipment's current status is *derived* from the set of its events, never taken from
the last message received: providers resend whole histories, deliver out of order and
repeat themselves. ``derive_state`` is a pure function of the event set, so any
permutation or duplication of the same events gives the same answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status, node_rank, status_rank

__all__ = ["ShipmentState", "TrackingEvent", "advance_state", "derive_state", "event_dedup_key"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def event_dedup_key(occurred_at: datetime, description: str, location: str, code: str) -> str:
    """Identity of a scan: same instant, same text, same place, same code -> same event.

    Whitespace and case are folded because providers re-render the same scan slightly
    differently between pushes (trailing spaces, upper-cased cities).
    """
    if occurred_at.tzinfo is None:
        raise InvalidValue("event time must carry a timezone")
    if occurred_at.microsecond == 0:  # the usual scan: whole seconds, an exact integer
        seconds = str((occurred_at - _EPOCH) // _SECOND)  # same text as the float's, cheaper
    else:  # of an aware datetime: the instant, whatever the offset
        seconds = f"{occurred_at.timestamp():.0f}"
    norm = f"{seconds}\x1f{_folded(description, location, code)}"
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=1 << 16)
def _folded(description: str, location: str, code: str) -> str:
    """The text part of a dedup key, memoised: scan texts, places and codes repeat across
    parcels and on every push of a history (bounded, whatever the traffic)."""
    return "\x1f".join(
        (
            " ".join(description.split()).casefold(),
            " ".join(location.split()).casefold(),
            code.strip().casefold(),
        )
    )


_new_object = object.__new__
_set_slot = object.__setattr__  # how a frozen dataclass sets its own fields


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan, normalised. ``occurred_at`` keeps the offset the carrier reported."""

    occurred_at: datetime
    description: str
    status: Status
    node: Node | None = None
    reason: ExceptionReason | None = None
    location: str = ""
    raw_code: str = ""
    source: str = ""
    #: identity of the scan (see ``event_dedup_key``), computed once: providers resend
    #: whole histories, so the key of one scan is asked for many times
    dedup_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise InvalidValue(f"event time {self.occurred_at.isoformat()} has no offset")
        key = event_dedup_key(self.occurred_at, self.description, self.location, self.raw_code)
        object.__setattr__(self, "dedup_key", key)

    @classmethod
    def of_aware_time(
        cls,
        occurred_at: datetime,
        description: str,
        status: Status,
        node: Node | None,
        reason: ExceptionReason | None,
        location: str,
        raw_code: str,
        source: str,
    ) -> TrackingEvent:
        """The constructor, for a parser that has already made sure ``occurred_at`` is
        aware: no second check, and no dataclass ``__init__`` setting eight frozen fields
        one call at a time. Parsers build one per scan of every push (17TRACK parsing:
        90 -> 72 us a push); ``tests/unit/test_tracking_fast_paths.py`` checks it
        against the constructor."""
        event = _new_object(cls)
        _set_slot(event, "occurred_at", occurred_at)
        _set_slot(event, "description", description)
        _set_slot(event, "status", status)
        _set_slot(event, "node", node)
        _set_slot(event, "reason", reason)
        _set_slot(event, "location", location)
        _set_slot(event, "raw_code", raw_code)
        _set_slot(event, "source", source)
        key = event_dedup_key(occurred_at, description, location, raw_code)
        _set_slot(event, "dedup_key", key)
        return event

    @property
    def utc_offset_minutes(self) -> int:
        offset = self.occurred_at.utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)

    def sort_key(self) -> tuple[float, int, int, str]:
        """Total order: time, then chain progress, then text (deterministic on ties)."""
        return (
            self.occurred_at.timestamp(),
            status_rank(self.status),
            node_rank(self.node),
            self.dedup_key,
        )


@dataclass(frozen=True, slots=True)
class ShipmentState:
    status: Status
    node: Node | None
    reason: ExceptionReason | None
    last_event_at: datetime | None
    first_event_at: datetime | None
    delivered_at: datetime | None
    event_count: int


def derive_state(events: Iterable[TrackingEvent]) -> ShipmentState:
    """Current state of a parcel from its events, independent of arrival order.

    The latest event gives the status. The node is the latest *known* node (a scan
    classified only as "in transit" does not make us forget the parcel is at customs).
    The exception reason is kept while the parcel is in an exception-like state and
    cleared once it moves on normally.
    """
    unique = {e.dedup_key: e for e in events}
    return _state_of_sorted(sorted(unique.values(), key=TrackingEvent.sort_key))


def _state_of_sorted(ordered: list[TrackingEvent]) -> ShipmentState:
    """``derive_state`` of distinct events already in ``sort_key`` order."""
    if not ordered:
        return ShipmentState(Status.PENDING, None, None, None, None, None, 0)
    last = ordered[-1]
    node = next((e.node for e in reversed(ordered) if e.node is not None), None)
    reason = last.reason if last.status in _REASON_STATUSES else None
    delivered = next(
        (e.occurred_at for e in reversed(ordered) if e.status is Status.DELIVERED), None
    )
    return ShipmentState(
        status=last.status,
        node=node,
        reason=reason,
        last_event_at=last.occurred_at,
        first_event_at=ordered[0].occurred_at,
        delivered_at=delivered,
        event_count=len(ordered),
    )


def advance_state(state: ShipmentState, new: Iterable[TrackingEvent]) -> ShipmentState | None:
    """``derive_state(old | new)`` from the state of the old events alone, or ``None``
    when that cannot be done and the caller must derive from all events.

    ``new`` must hold no event already counted in ``state``. Providers push scans in
    time order, so almost always every new scan is strictly later than the last one we
    hold: the newest new scan then decides status and reason, and node and delivery time
    fall back to the old state when the new scans say nothing. A scan at or before the
    last known instant may reorder the history (ties are broken on fields the cached state
    does not keep), so it gets ``None``. Saves re-reading a parcel's whole history on
    every push (``tests/unit/test_tracking_state.py`` checks it against ``derive_state``).
    """
    unique = {e.dedup_key: e for e in new}
    if not unique:
        return state
    ordered = sorted(unique.values(), key=TrackingEvent.sort_key)
    if state.event_count and (
        state.last_event_at is None or ordered[0].occurred_at <= state.last_event_at
    ):
        return None
    fresh = _state_of_sorted(ordered)
    if not state.event_count:
        return fresh
    return ShipmentState(
        status=fresh.status,
        node=fresh.node if fresh.node is not None else state.node,
        reason=fresh.reason,
        last_event_at=fresh.last_event_at,
        first_event_at=state.first_event_at,
        delivered_at=fresh.delivered_at if fresh.delivered_at is not None else state.delivered_at,
        event_count=state.event_count + fresh.event_count,
    )


_REASON_STATUSES = frozenset(
    {Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING, Status.RETURNED, Status.EXPIRED}
)
