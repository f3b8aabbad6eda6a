"""The seller's value tiers: which cases are worth more of an agent's time.

A tier is the seller's policy, not an external fact, so these thresholds are a starting
point to change (``Settings``/overrides), not a rule with a source. ASSUMPTION: the
non-USD thresholds are rough equivalents of USD 25 / USD 100 in late 2026, rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from parceldesk.domain.money import Money

__all__ = ["DEFAULT_TIERS", "TierPolicy"]

#: currency -> (a value below this is "low", a value at or above this is "high")
DEFAULT_TIERS: dict[str, tuple[Decimal, Decimal]] = {
    code: (Decimal(low), Decimal(high))
    for code, low, high in (
        ("USD", "25", "100"), ("EUR", "23", "90"), ("GBP", "20", "80"),
        ("CNY", "180", "720"), ("SGD", "35", "135"), ("MYR", "110", "450"),
        ("PHP", "1400", "5600"), ("THB", "850", "3400"), ("IDR", "400000", "1600000"),
        ("VND", "630000", "2500000"), ("TWD", "800", "3200"), ("BRL", "130", "520"),
        ("MXN", "450", "1800"), ("CAD", "35", "140"), ("AUD", "38", "150"),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TierPolicy:
    thresholds: Mapping[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: dict(DEFAULT_TIERS)
    )

    def tier(self, value: Money | None) -> str:
        """``low``/``medium``/``high``; ``unknown`` without a value or thresholds for it."""
        if value is None or value.currency not in self.thresholds:
            return "unknown"
        low, high = self.thresholds[value.currency]
        if value.amount < low:
            return "low"
        return "high" if value.amount >= high else "medium"
