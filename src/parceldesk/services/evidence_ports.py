"""What the evidence, claim and dispute services need from storage, and the case hook.

The unit of work exposes ``evidence``, ``claims`` and ``disputes``. ``CaseOpenHook`` is
how case creation (``case_sync``, ``cases``) asks for automatic evidence without knowing
how it is made: ``CaseEnv.evidence`` holds one, or None to capture nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from parceldesk.domain.cases.case import Case
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.claims import Claim
from parceldesk.domain.disputes import Dispute
from parceldesk.domain.evidence_log import EvidenceItem
from parceldesk.domain.orders import OrderLine
from parceldesk.services.case_ports import ShipmentFacts

if TYPE_CHECKING:
    from parceldesk.services.ports import UnitOfWork

__all__ = [
    "CaseOpenHook",
    "ClaimRepository",
    "DisputeRepository",
    "EvidenceRepository",
    "OrderRecord",
    "RawPayload",
]


@dataclass(frozen=True, slots=True)
class RawPayload:
    """A provider message exactly as received, that brought events of a parcel."""

    id: int
    source: str
    received_at: datetime
    sha256: str
    body: bytes


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """What proof of value needs from an order: its lines with prices and costs."""

    order_id: str
    store: str
    platform: str
    currency: str
    order_date: datetime | None
    lines: tuple[OrderLine, ...]
    buyer_email: str = ""


class EvidenceRepository(Protocol):
    def add(self, item: EvidenceItem) -> int: ...
    def for_case(self, case_id: int) -> list[EvidenceItem]: ...
    def payloads_for_shipment(self, shipment_id: int) -> list[RawPayload]:
        """Raw payloads whose events belong to the parcel, oldest first."""
        ...

    def order(self, order_id: int) -> OrderRecord | None: ...


class ClaimRepository(Protocol):
    def add(self, claim: Claim, now: datetime) -> int: ...
    def save(self, claim: Claim, now: datetime) -> None: ...
    def get(self, claim_id: int, store_ids: Sequence[int] | None) -> Claim | None: ...
    def for_case(self, case_id: int) -> list[Claim]: ...
    def listing(
        self, *, store_ids: Sequence[int] | None, open_only: bool, limit: int
    ) -> list[tuple[Claim, str]]:
        """(claim, tracking number), follow-up date first, then newest."""
        ...


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute, now: datetime) -> int:
        """Insert; ``ConflictError`` when the platform already has that dispute id."""
        ...

    def get(self, dispute_id: int, store_ids: Sequence[int] | None) -> Dispute | None: ...
    def for_case(self, case_id: int) -> list[Dispute]: ...


class CaseOpenHook(Protocol):
    def capture_on_open(
        self,
        uow: UnitOfWork,
        case_id: int,
        case: Case,
        facts: ShipmentFacts,
        now: datetime,
    ) -> list[TimelineEntry]:
        """Store automatic evidence for a new case (same transaction) and return its
        (unchained) ``evidence_added`` entries for the caller to chain and save."""
        ...
