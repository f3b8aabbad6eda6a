"""Stores, orders, order lines and shipments as the business sees them.

These are plain value objects produced by importers and consumed by services; the
database keeps its own table classes (``adapters/db/tables.py``) and repositories map
between the two. Invariants are checked in ``__post_init__`` so that an object that
exists is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money

__all__ = [
    "Address",
    "Buyer",
    "Order",
    "OrderLine",
    "Platform",
    "ShipmentPlan",
    "normalise_tracking_number",
]

#: Platforms whose exports we read; ``other`` covers a seller's own shop or ERP.
Platform = str
PLATFORMS: frozenset[str] = frozenset(
    {"shopify", "shopee", "amazon", "tiktok", "lazada", "temu", "ebay", "aliexpress", "other"}
)

_TRACKING_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,39}$")
#: a number that is already normal (no spaces, upper case): most rows of most files
_NORMAL_TRACKING = re.compile(r"[A-Z0-9][A-Z0-9\-]{4,39}")
_SPACES = re.compile(r"\s+")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_ZERO = Decimal(0)


def normalise_tracking_number(raw: str) -> str:
    """Upper-case and strip spaces, so ``"1z 999 aa1"`` and ``"1Z999AA1"`` are one parcel."""
    if _NORMAL_TRACKING.fullmatch(raw):  # hot path: nothing to strip or upper-case
        return raw
    number = _SPACES.sub("", raw).upper()
    if not _TRACKING_RE.match(number):
        raise InvalidValue(
            f"not a tracking number: {raw!r} (expected 5-40 letters, digits or dashes)"
        )
    return number


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2

    def __post_init__(self) -> None:
        if self.country and not _COUNTRY_RE.fullmatch(self.country):
            raise InvalidValue(f"country must be an ISO 3166 alpha-2 code, got {self.country!r}")


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money | None
    unit_cost: Money | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidValue(f"quantity must be positive, got {self.quantity}")
        if self.unit_price is not None and self.unit_price.amount < _ZERO:
            raise InvalidValue(f"unit price must not be negative, got {self.unit_price}")
        if self.unit_cost is not None and self.unit_cost.amount < _ZERO:
            raise InvalidValue(f"unit cost must not be negative, got {self.unit_cost}")


@dataclass(frozen=True, slots=True)
class ShipmentPlan:
    """A parcel of an order as declared by an import (tracking may come later)."""

    tracking_number: str
    carrier: str = ""
    channel: str = ""
    service: str = ""
    origin_country: str = ""
    destination_country: str = ""
    ship_date: date | None = None
    promised_date: date | None = None
    declared_value: Money | None = None
    insured_value: Money | None = None
    signature_required: bool = False

    def __post_init__(self) -> None:
        if self.ship_date and self.promised_date and self.promised_date < self.ship_date:
            raise InvalidValue(
                f"promised date {self.promised_date} is before ship date {self.ship_date}"
            )
        if self.declared_value is not None and self.declared_value.amount < _ZERO:
            raise InvalidValue(f"declared value must not be negative, got {self.declared_value}")
        if self.insured_value is not None and self.insured_value.amount < _ZERO:
            raise InvalidValue(f"insured value must not be negative, got {self.insured_value}")


@dataclass(slots=True)
class Order:
    """One order of one store, with its lines and the parcels it was shipped in."""

    store: str
    platform: Platform
    order_id: str
    order_date: datetime | None
    currency: str
    buyer: Buyer = field(default_factory=Buyer)
    ship_to: Address = field(default_factory=Address)
    lines: list[OrderLine] = field(default_factory=list)
    shipments: list[ShipmentPlan] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.order_id:
            raise InvalidValue("order id is empty")
        if self.platform not in PLATFORMS:
            raise InvalidValue(
                f"unknown platform {self.platform!r} (one of {', '.join(sorted(PLATFORMS))})"
            )
        if self.order_date is not None and self.order_date.tzinfo is None:
            raise InvalidValue("order date must carry a timezone")

    def add_line(self, line: OrderLine) -> None:
        for money in (line.unit_price, line.unit_cost):
            if money is not None and money.currency != self.currency:
                raise InvalidValue(
                    f"line currency {money.currency} differs from order currency {self.currency}"
                )
        self.lines.append(line)

    def add_shipment(self, plan: ShipmentPlan) -> None:
        """Add a parcel; the same tracking number twice is one parcel (later row wins)."""
        number = plan.tracking_number
        shipments = self.shipments
        for i, s in enumerate(shipments):
            if s.tracking_number == number:  # rows of a multi-item order repeat their parcel
                if any(x.tracking_number == number for x in shipments[i + 1 :]):
                    self.shipments = [x for x in shipments if x.tracking_number != number]
                else:  # the usual case: the number is there once (add_shipment keeps it so)
                    del shipments[i]
                break
        self.shipments.append(plan)

    @property
    def total(self) -> Money | None:
        if not self.lines or any(line.unit_price is None for line in self.lines):
            return None
        amount = sum(
            (line.unit_price.amount * line.quantity for line in self.lines if line.unit_price),
            Decimal(0),
        )
        return Money(amount, self.currency)
