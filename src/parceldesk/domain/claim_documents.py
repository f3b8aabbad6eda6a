"""What goes into generated evidence documents, as plain values, plus the claim cap.

The renderers (``parceldesk.adapters.documents``) turn these into PDF/PNG/text; the
services build them from a case.  Keeping them as frozen values with aware datetimes is
what makes rendering deterministic: the same input gives the same document, so a
regenerated snapshot can be compared byte for byte with the one that was filed.

``claim_limit`` decides what a carrier will pay at most for a claim: the insured or
declared value capped by the rule's ``insurance_max`` when cover was bought, else the
rule's default liability.  The letter says so when the claimed value is above that cap,
instead of silently lowering the claim: the seller decides.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money
from parceldesk.domain.orders import OrderLine
from parceldesk.domain.rules import ClaimRule, ClaimType
from parceldesk.domain.taxonomy import Status

__all__ = [
    "ActionEntry",
    "ClaimLetterInput",
    "ClaimLimit",
    "CommunicationEntry",
    "DisputeStatementInput",
    "Party",
    "ProofOfValueInput",
    "SnapshotInput",
    "TimelineEntry",
    "claim_limit",
    "exceeds_limit",
]


def _aware(label: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InvalidValue(f"{label} must carry a timezone, got {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One tracking event as shown in a document (time keeps the carrier's offset)."""

    occurred_at: datetime
    description: str
    location: str = ""
    status: Status | None = None
    raw_code: str = ""

    def __post_init__(self) -> None:
        _aware("event time", self.occurred_at)


@dataclass(frozen=True, slots=True)
class SnapshotInput:
    """A tracking timeline frozen at ``captured_at``; ``payload_sha256`` are the hashes of
    the raw provider payloads it was built from, so the rendering can be traced back."""

    tracking_number: str
    carrier: str
    captured_at: datetime
    events: tuple[TimelineEntry, ...]
    payload_sha256: tuple[str, ...] = ()
    service: str = ""
    current_status: Status | None = None
    case_ref: str = ""

    def __post_init__(self) -> None:
        _aware("capture time", self.captured_at)
        for digest in self.payload_sha256:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise InvalidValue(f"not a lower-case SHA-256 hex digest: {digest!r}")

    @property
    def ordered_events(self) -> tuple[TimelineEntry, ...]:
        """Oldest first; ties broken by text so the order never depends on input order."""
        return tuple(
            sorted(
                self.events,
                key=lambda e: (e.occurred_at.timestamp(), e.description, e.location, e.raw_code),
            )
        )

    @property
    def timeline_sha256(self) -> str:
        """SHA-256 of the timeline's canonical JSON: lets anyone re-derive, from the raw
        payloads, that the rendered timeline is the one that was captured."""
        rows = [
            [e.occurred_at.isoformat(), e.description, e.location, e.status or "", e.raw_code]
            for e in self.ordered_events
        ]
        blob = json.dumps(
            {"tracking_number": self.tracking_number, "carrier": self.carrier, "events": rows},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ProofOfValueInput:
    """Order lines with prices (what the buyer paid) and costs (what the goods cost)."""

    order_id: str
    store: str
    currency: str
    lines: tuple[OrderLine, ...]
    captured_at: datetime
    order_date: datetime | None = None
    platform: str = ""
    shipping: Money | None = None
    #: other costs the seller bore (label, amount), e.g. postage, packaging
    costs: tuple[tuple[str, Money], ...] = ()
    case_ref: str = ""

    def __post_init__(self) -> None:
        _aware("capture time", self.captured_at)
        _aware("order date", self.order_date)
        monies = [m for line in self.lines for m in (line.unit_price, line.unit_cost) if m]
        monies += [m for _, m in self.costs] + ([self.shipping] if self.shipping else [])
        for money in monies:
            if money.currency != self.currency:
                raise InvalidValue(f"{money} is not in the order currency {self.currency}")

    def _sum(self, values: list[Money | None]) -> Money | None:
        if not values:
            return None
        total = Decimal(0)
        for value, line in zip(values, self.lines, strict=True):
            if value is None:
                return None
            total += value.amount * line.quantity
        return Money(total, self.currency)

    @property
    def goods_total(self) -> Money | None:
        return self._sum([line.unit_price for line in self.lines])

    @property
    def cost_total(self) -> Money | None:
        return self._sum([line.unit_cost for line in self.lines])

    @property
    def order_total(self) -> Money | None:
        goods = self.goods_total
        if goods is None:
            return None
        return goods + self.shipping if self.shipping else goods


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ClaimLimit:
    """The most a carrier pays under a rule, and why (shown in the letter)."""

    amount: Money
    basis: str


def claim_limit(rule: ClaimRule, insured_value: Money | None = None) -> ClaimLimit | None:
    """Cap for a claim under ``rule``; ``None`` when the rules file gives no figure.

    With cover bought, the cap is the insured value, itself capped by ``insurance_max``;
    without cover, the rule's default liability.
    """
    if insured_value is not None:
        cap = rule.insurance_max
        if (
            cap is not None
            and cap.currency == insured_value.currency
            and cap.amount < (insured_value.amount)
        ):
            return ClaimLimit(cap, f"maximum insurance for {rule.carrier} ({rule.label})")
        return ClaimLimit(insured_value, "insured / declared value")
    if rule.default_liability is not None:
        liability = rule.default_liability
        return ClaimLimit(liability.amount, f"carrier default liability: {liability.basis}")
    return None


def exceeds_limit(claimed: Money, limit: ClaimLimit | None) -> bool | None:
    """True/False when comparable; ``None`` when no limit is known or currencies differ."""
    if limit is None or limit.amount.currency != claimed.currency:
        return None
    return claimed.amount > limit.amount.amount


@dataclass(frozen=True, slots=True)
class ClaimLetterInput:
    """Everything a carrier claim form asks for, in one value."""

    case_ref: str
    tracking_number: str
    carrier: str
    claim_type: ClaimType
    claimant: Party
    sender: Party
    recipient: Party
    contents: tuple[OrderLine, ...]
    claimed_value: Money
    description: str
    prepared_at: datetime
    service: str = ""
    ship_date: date | None = None
    delivery_date: date | None = None
    declared_value: Money | None = None
    limit: ClaimLimit | None = None
    order_id: str = ""
    timeline: tuple[TimelineEntry, ...] = ()
    enclosures: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _aware("preparation time", self.prepared_at)
        if self.claimed_value.amount <= 0:
            raise InvalidValue(f"claimed value must be positive, got {self.claimed_value}")

    @property
    def over_limit(self) -> bool | None:
        return exceeds_limit(self.claimed_value, self.limit)


@dataclass(frozen=True, slots=True)
class CommunicationEntry:
    at: datetime
    channel: str
    direction: str  # "inbound" | "outbound"
    counterparty: str
    summary: str
    agent_id: str = ""

    def __post_init__(self) -> None:
        _aware("communication time", self.at)


@dataclass(frozen=True, slots=True)
class ActionEntry:
    at: datetime
    description: str

    def __post_init__(self) -> None:
        _aware("action time", self.at)


@dataclass(frozen=True, slots=True)
class DisputeStatementInput:
    """Facts for a marketplace dispute response; the statement claims nothing beyond them."""

    platform: str
    dispute_id: str
    dispute_type: str
    order_id: str
    tracking_number: str
    carrier: str
    prepared_at: datetime
    seller_name: str
    market: str = ""
    opened_at: datetime | None = None
    ship_date: date | None = None
    delivered_at: datetime | None = None
    #: e.g. "signature of J. Doe", "photo at front door"; empty when there is none
    delivery_proof: str = ""
    timeline: tuple[TimelineEntry, ...] = ()
    communications: tuple[CommunicationEntry, ...] = ()
    seller_actions: tuple[ActionEntry, ...] = ()
    enclosures: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for label, value in (
            ("preparation time", self.prepared_at),
            ("dispute open time", self.opened_at),
            ("delivery time", self.delivered_at),
        ):
            _aware(label, value)
