"""What the detectors read and what they produce.

Detectors are pure functions of a ``ShipmentSnapshot`` (a parcel's derived state as of
one instant), that instant, and -- for the detectors that need them -- the learned dwell
model and the buyers' reports. They return a ``DetectedException`` whose ``explanation``
is written for a support agent: what we saw, what is normal, why it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["BuyerReport", "DetectedException", "ExceptionKind", "ShipmentSnapshot"]


class ExceptionKind(StrEnum):
    """The kinds of exception a scan raises; at most one open per parcel and kind."""

    CARRIER_EXCEPTION = "carrier_exception"
    SUSPECTED_LOST = "suspected_lost"
    NOT_PICKED_UP = "not_picked_up"
    OVERDUE = "overdue"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    RETURNED = "returned"


@dataclass(slots=True)
class ShipmentSnapshot:
    """A parcel as of one instant: the state ``derive_state`` gives from the events that
    had occurred by then, plus what the order import told us (dates, channel).

    Treated as immutable (``dataclasses.replace`` to change one) but not ``frozen``: a
    scan builds one per active parcel, 200,000 at a time, and a frozen dataclass's
    ``__init__`` costs six times as much."""

    shipment_id: int
    tracking_number: str
    carrier: str
    channel: str
    destination_country: str
    status: Status
    node: Node | None
    reason: ExceptionReason | None
    last_event_at: datetime | None
    delivered_at: datetime | None
    ship_date: date | None = None
    promised_date: date | None = None
    carrier_edd: datetime | None = None

    def __post_init__(self) -> None:
        for value in (self.last_event_at, self.delivered_at, self.carrier_edd):
            if value is not None and value.tzinfo is None:
                raise InvalidValue(f"a time of {self.tracking_number} has no timezone")

    @property
    def scanned(self) -> bool:
        """True once a carrier physically handled the parcel (more than a label)."""
        return self.node is not None and self.node is not Node.LABEL_CREATED


@dataclass(frozen=True, slots=True)
class BuyerReport:
    """A buyer saying the parcel never reached them (from a support case)."""

    tracking_number: str
    reported_at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        if self.reported_at.tzinfo is None:
            raise InvalidValue(f"report on {self.tracking_number} has no timezone")


@dataclass(frozen=True, slots=True)
class DetectedException:
    """One exception that holds for a parcel at the scan instant."""

    shipment_id: int
    kind: ExceptionKind
    reason: ExceptionReason
    explanation: str
    node: Node | None = None
    silent_hours: float | None = None
    loss_probability: float | None = None
