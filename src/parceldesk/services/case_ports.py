"""What the case services need from storage: the ``CaseRepository`` port and its records.

Separate from ``ports.py`` because cases are their own bounded part of the product; the
unit of work exposes the repository as ``uow.cases``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from parceldesk.domain.cases.case import Case
from parceldesk.domain.cases.clocks import CaseDeadline
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.money import Money
from parceldesk.domain.orders import Address
from parceldesk.domain.taxonomy import Status

__all__ = [
    "CaseRefs",
    "CaseRepository",
    "QueueRow",
    "ShipmentFacts",
    "StoredCase",
    "StoredDeadline",
]


@dataclass(frozen=True, slots=True)
class CaseRefs:
    shipment_id: int
    store_id: int | None
    order_id: int | None


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    refs: CaseRefs
    case: Case
    #: The last timeline entry (the chain head), None only before the first write.
    head: TimelineEntry | None
    exception_ids: frozenset[int] = frozenset()
    #: Row version read with the case; a save against a newer row is refused.
    version: int = 1


@dataclass(frozen=True, slots=True)
class StoredDeadline:
    clock: CaseDeadline
    status: str
    reminded_at: datetime | None


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """A parcel and its order as the case services see them (one query per batch)."""

    shipment_id: int
    tracking_number: str
    store_id: int | None
    store_name: str
    order_id: int | None
    platform_order_id: str
    platform: str
    carrier: str
    service: str
    channel: str
    origin_country: str
    destination_country: str
    status: Status
    ship_date: date | None
    promised_date: date | None
    carrier_edd: datetime | None
    order_date: datetime | None
    first_event_at: datetime | None
    last_event_at: datetime | None
    delivered_at: datetime | None
    #: Sum of quantity x unit price of the order's lines (per parcel share when an order
    #: ships in several parcels); None when the import had no prices.
    value_at_risk: Money | None
    declared_value: Money | None
    insured_value: Money | None
    ship_to: Address
    buyer_name: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    tracking_number: str
    store: str
    kind: str
    state: str
    buyer_state: str
    owner: str | None
    priority: str
    value_at_risk: Money | None
    tier: str
    opened_at: datetime
    snoozed_until: datetime | None
    next_due_at: datetime | None
    next_due_label: str | None


class CaseRepository(Protocol):
    def facts(self, shipment_ids: Iterable[int]) -> dict[int, ShipmentFacts]: ...
    def shipment_id(self, tracking_number: str, store_ids: Sequence[int] | None) -> int | None: ...
    def open_case_ids_by_shipment(
        self, shipment_ids: Iterable[int] | None = None
    ) -> dict[int, int]:
        """shipment id -> id of its open case (all open cases when ``shipment_ids`` is None)."""
        ...

    def closed_lost_delivered_after_close(self) -> list[int]:
        """Closed lost/delayed cases whose parcel was delivered after they closed and that
        have not been reopened for it (``delivered_after_all`` not among their tags)."""
        ...

    def get(self, case_id: int, store_ids: Sequence[int] | None) -> StoredCase | None: ...
    def get_many(self, case_ids: Sequence[int]) -> list[StoredCase]: ...
    def add(
        self, refs: CaseRefs, case: Case, entries: Sequence[TimelineEntry], now: datetime
    ) -> int:
        """Insert a new case with its (already chained) first entries; returns its id."""
        ...

    def save(
        self, stored: StoredCase, case: Case, entries: Sequence[TimelineEntry], now: datetime
    ) -> None:
        """Write ``case`` over ``stored`` (fails if someone else wrote it meanwhile) and
        append ``entries`` (already chained after ``stored.head``)."""
        ...

    def link_exceptions(self, case_id: int, exception_ids: Iterable[int]) -> None: ...
    def timeline(self, case_id: int) -> list[TimelineEntry]: ...
    def deadlines(self, case_id: int) -> list[StoredDeadline]: ...
    def deadlines_for(self, case_ids: Sequence[int]) -> dict[int, list[StoredDeadline]]: ...
    def replace_deadlines(
        self, case_id: int, rows: Sequence[StoredDeadline], next_due: CaseDeadline | None
    ) -> None: ...
    def queue(
        self,
        *,
        store_ids: Sequence[int] | None,
        owner: str | None,
        due_before: datetime | None,
        include_closed: bool,
        include_snoozed_at: datetime | None,
        limit: int | None,
    ) -> list[QueueRow]:
        """Cases ordered by nearest unmet deadline, then value at risk. With
        ``include_snoozed_at`` set, cases snoozed beyond that instant are left out."""
        ...
