"""A marketplace dispute (return/refund request, not-received claim, chargeback) on a case.

The dispute's clocks are not stored here: registering it records the case anchor
``dispute_opened`` and the deadline engine computes the platform's windows from the
rules file, like every other clock on the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from parceldesk.domain.errors import InvalidValue

__all__ = ["Dispute", "DisputeStatus", "DisputeType"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_MARKET = re.compile(r"^[A-Z]{2}$")


class DisputeType(StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    RETURN_REFUND = "return_refund"
    REFUND_ONLY = "refund_only"
    NOT_AS_DESCRIBED = "not_as_described"
    CHARGEBACK = "chargeback"
    A_TO_Z = "a_to_z"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    WON = "won"
    LOST = "lost"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Dispute:
    case_id: int
    platform: str
    market: str
    dispute_id: str
    dispute_type: DisputeType
    opened_at: datetime
    status: DisputeStatus = DisputeStatus.OPEN
    id: int | None = None

    def __post_init__(self) -> None:
        if not _SLUG.match(self.platform):
            raise InvalidValue(
                f"platform must be a lower-case slug (shopee, amazon, ...), got {self.platform!r}"
            )
        if not _MARKET.match(self.market):
            raise InvalidValue(f"market must be an ISO country code like SG, got {self.market!r}")
        if not self.dispute_id.strip() or len(self.dispute_id) > 120:
            raise InvalidValue("the platform's dispute id is required (at most 120 characters)")
        if self.opened_at.tzinfo is None:
            raise InvalidValue("dispute opened-at has no timezone")
