"""Ports: what the services need from the outside world, as ``Protocol``s.

Adapters implement these (``adapters/db`` for storage); tests may pass fakes. A service
receives a ``UnitOfWork`` and a ``Clock`` and never builds them itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from parceldesk.domain.detection.types import DetectedException, ExceptionKind, ShipmentSnapshot
from parceldesk.domain.orders import Order, ShipmentPlan
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import ShipmentState, TrackingEvent
from parceldesk.services.case_ports import CaseRepository
from parceldesk.services.evidence_ports import (
    ClaimRepository,
    DisputeRepository,
    EvidenceRepository,
)

__all__ = [
    "Clock",
    "EventRow",
    "ExceptionRepository",
    "ImportRunRecord",
    "ImportRunRepository",
    "OpenException",
    "OrderKey",
    "OrderRepository",
    "OrderWrite",
    "PayloadRepository",
    "SaveResult",
    "ShipmentRef",
    "ShipmentRepository",
    "ShipmentSummary",
    "StoreRepository",
    "StoredException",
    "StoredOrder",
    "StoredPayload",
    "TrackingRepository",
    "UnitOfWork",
    "UnmatchedShipment",
]

#: (store id, platform order id)
OrderKey = tuple[int, str]
#: what is stored of an order an import compares with: (pk, content hash, source hash)
StoredOrder = tuple[int, str, str | None]


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class OrderWrite:
    store_id: int
    order: Order
    content_hash: str
    #: True when this order already appeared earlier in the same file (non-adjacent rows):
    #: its lines and parcels are merged into what was written, not replacing it.
    merge: bool = False
    #: hash of the rows it was read from (``Group.source_hash``); ``None``: none to keep
    source_hash: str | None = None


@dataclass(slots=True)
class SaveResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    shipments_new: int = 0
    shipments_attached: int = 0


@dataclass(frozen=True, slots=True)
class ShipmentSummary:
    tracking_number: str
    carrier: str
    channel: str
    store: str | None
    order_id: str | None
    status: Status
    node: Node | None
    reason: ExceptionReason | None
    ship_date: str | None
    promised_date: str | None
    last_event_at: datetime | None
    event_count: int
    linked_tracking_number: str | None


@dataclass(frozen=True, slots=True)
class ImportRunRecord:
    kind: str
    file_name: str
    file_sha256: str
    format: str
    started_at: datetime
    finished_at: datetime
    rows: int
    orders_new: int
    orders_updated: int
    orders_unchanged: int
    shipments_new: int
    rows_rejected: int


class StoreRepository(Protocol):
    def get_or_create(self, name: str, platform: str, now: datetime) -> int: ...
    def ids_by_name(self, names: Iterable[str]) -> dict[str, int]: ...


class OrderRepository(Protocol):
    def existing(self, batch: Sequence[OrderWrite]) -> dict[OrderKey, StoredOrder]:
        """(store id, order id) -> (order pk, content hash, source hash) for the orders
        already stored."""
        ...

    def hashes(self, keys: Sequence[OrderKey]) -> dict[OrderKey, StoredOrder]:
        """``existing`` by key: what an import compares before building any order."""
        ...

    def save_batch(
        self,
        batch: Sequence[OrderWrite],
        now: datetime,
        existing: dict[OrderKey, StoredOrder] | None = None,
    ) -> SaveResult: ...
    def set_source_hashes(self, pairs: Sequence[tuple[int, str | None]]) -> None:
        """Record (order pk, source hash) for orders found unchanged by content, so that
        the next import of the same rows skips them unread."""
        ...

    def find_ids(
        self, order_ids: Iterable[str], store_id: int | None
    ) -> dict[str, list[tuple[int, int]]]: ...
    def save_shipments(
        self, written: Sequence[tuple[int, int, ShipmentPlan]], now: datetime, result: SaveResult
    ) -> None: ...


class ShipmentRepository(Protocol):
    def owners(self, tracking_numbers: Iterable[str]) -> dict[str, OrderKey | None]: ...
    def listing(
        self, *, store_ids: Sequence[int] | None, status: str | None, limit: int, offset: int
    ) -> list[ShipmentSummary]: ...
    def get(self, tracking_number: str) -> ShipmentSummary | None: ...
    def status_counts(self, *, store_ids: Sequence[int] | None) -> dict[str, int]: ...
    def needing_attention(
        self, *, store_ids: Sequence[int] | None, limit: int
    ) -> list[ShipmentSummary]: ...


class ImportRunRepository(Protocol):
    def add(self, run: ImportRunRecord) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. Services call ``commit``; leaving the block without it rolls back."""

    stores: StoreRepository
    orders: OrderRepository
    shipments: ShipmentRepository
    import_runs: ImportRunRepository
    tracking: TrackingRepository
    payloads: PayloadRepository
    exceptions: ExceptionRepository
    cases: CaseRepository
    evidence: EvidenceRepository
    claims: ClaimRepository
    disputes: DisputeRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ShipmentRef:
    id: int
    order_id: int | None
    carrier: str
    linked_leg_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredPayload:
    id: int
    is_new: bool


@dataclass(frozen=True, slots=True)
class UnmatchedShipment:
    tracking_number: str
    carrier: str
    status: Status
    event_count: int
    first_seen_at: datetime
    last_event_at: datetime | None


class PayloadRepository(Protocol):
    def add(
        self,
        *,
        source: str,
        body: bytes,
        headers: str,
        received_at: datetime,
        message_id: str | None,
    ) -> StoredPayload:
        """Store a message once; a repeat (same bytes or same message id) is not new."""
        ...

    def add_many(
        self, *, source: str, items: Sequence[tuple[bytes, str | None]], received_at: datetime
    ) -> list[StoredPayload]:
        """``add`` for many (body, message id) pairs; one result per item, in order."""
        ...

    def add_dead_letter(
        self, *, source: str, body: bytes, headers: str, received_at: datetime, reason: str
    ) -> int: ...


class TrackingRepository(Protocol):
    def refs(self, numbers: Iterable[str]) -> dict[str, ShipmentRef]: ...
    def create_unmatched(self, numbers: Sequence[tuple[str, str]], now: datetime) -> None: ...
    def lock(self, shipment_ids: Iterable[int]) -> None: ...
    def stored_keys(self, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (parcel id, dedup key) pairs are stored."""
        ...

    def fingerprints(self, numbers: Iterable[str]) -> dict[str, bytes]:
        """Stored raw-event fingerprints (``event_fingerprints``) by tracking number."""
        ...

    def save_fingerprints(self, blobs: Sequence[tuple[int, bytes]], now: datetime) -> None: ...
    def add_events(
        self, rows: Sequence[tuple[int, TrackingEvent, int | None]], *, received_at: datetime
    ) -> None:
        """Insert (shipment id, event, payload id) rows."""
        ...

    def events(self, shipment_ids: Iterable[int]) -> dict[int, list[TrackingEvent]]: ...
    def states(self, shipment_ids: Iterable[int]) -> dict[int, ShipmentState]:
        """The cached derived state of each parcel (``derive_state`` of its events)."""
        ...

    def save_states(
        self,
        states: Sequence[tuple[int, ShipmentState]],
        now: datetime,
        fingerprints: Mapping[int, bytes] | None = None,
    ) -> None:
        """Cache derived states; ``fingerprints`` (parcel id -> blob) replace stored ones."""
        ...

    def set_edds(
        self, edds: Sequence[tuple[int, datetime, datetime | None]], now: datetime
    ) -> None:
        """(parcel id, estimate, when it was made) -- kept unless the stored one is newer."""
        ...

    def link(self, first_mile_id: int, last_mile_id: int, now: datetime) -> bool: ...
    def link_many(self, pairs: Sequence[tuple[int, int]], now: datetime) -> set[tuple[int, int]]:
        """``link`` for many (first-mile id, last-mile id) pairs: those that were new."""
        ...

    def unmatched(self, limit: int) -> list[UnmatchedShipment]: ...


#: one event of a parcel for the dwell model: (epoch seconds, status, node, reason)
EventRow = tuple[float, str, str | None, str | None]


@dataclass(frozen=True, slots=True)
class StoredException:
    id: int
    shipment_id: int
    kind: ExceptionKind
    reason: ExceptionReason
    node: Node | None
    silent_hours: float | None
    loss_probability: float | None
    explanation: str
    first_detected_at: datetime
    last_evaluated_at: datetime


@dataclass(frozen=True, slots=True)
class OpenException:
    tracking_number: str
    kind: ExceptionKind
    reason: ExceptionReason
    first_detected_at: datetime
    loss_probability: float | None
    node: Node | None
    silent_hours: float | None
    explanation: str


class ExceptionRepository(Protocol):
    """Exceptions raised by scans, and the reads a scan needs (see services/scan.py)."""

    def lock_for_scan(self) -> None:
        """Hold the database's scan lock until the transaction ends: two scans at once
        would both find an exception new and both insert it."""
        ...

    def scan_population(
        self, as_of: datetime, tracking_numbers: Collection[str]
    ) -> tuple[list[ShipmentSnapshot], set[int]]:
        """Parcels a scan looks at -- known at ``as_of``, not delivered (unless named in
        ``tracking_numbers``), never a last-mile leg -- from their cached state; plus the
        ids whose cache may hold what happened or arrived after ``as_of``."""
        ...

    def training_shipments(
        self, since: datetime, until: datetime
    ) -> list[tuple[int, str, str, str]]:
        """(id, carrier, channel, destination) of parcels created in [since, until]."""
        ...

    def event_histories(
        self, shipment_ids: Sequence[int], until: datetime
    ) -> Iterator[tuple[int, list[EventRow]]]:
        """Each parcel's events that occurred and were received by ``until``, oldest first."""
        ...

    def events_known_at(
        self, shipment_ids: Collection[int], as_of: datetime
    ) -> dict[int, list[TrackingEvent]]:
        """Events that had occurred and been received by ``as_of``."""
        ...

    def open_exceptions(self) -> list[StoredException]: ...
    def open_new(self, found: Sequence[DetectedException], at: datetime) -> None: ...
    def refresh(self, updates: Sequence[tuple[int, DetectedException]], at: datetime) -> None: ...
    def close(self, ids: Sequence[int], at: datetime) -> None: ...
    def listing(
        self, *, kinds: Collection[str] | None = None, limit: int | None = None
    ) -> list[OpenException]:
        """Open exceptions: all in detection order, or the ``limit`` most likely losses."""
        ...
