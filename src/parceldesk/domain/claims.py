"""A carrier (or insurer) claim's own life cycle, with an explicit transition table.

The case's main track says *that* a claim was filed or decided; the claim says with whom,
through which channel, under which number, for how much, and what came back. Its status
changes only through ``Claim.move``, checked against ``CLAIM_TRANSITIONS`` -- the same
rule as for cases: an illegal step raises a ``DomainError`` that says what is allowed.

Money is ``Money`` (Decimal + currency). Approved and paid amounts must be in the claim's
currency and never negative; a "paid" claim must say how much arrived, because recovered
money is what the case's financials count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from parceldesk.domain.errors import DomainError, InvalidValue
from parceldesk.domain.money import Money
from parceldesk.domain.rules import ClaimType

__all__ = [
    "CLAIM_TRANSITIONS",
    "DECIDED",
    "Claim",
    "ClaimStatus",
    "next_claim_status",
    "recovered",
]


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    DENIED = "denied"
    PAID = "paid"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"


_C = ClaimStatus
#: The carrier's decision: approved (in full or in part) or denied.
DECIDED = frozenset({_C.APPROVED, _C.PARTIALLY_APPROVED, _C.DENIED})
_PENDING = (_C.IN_REVIEW, _C.INFO_REQUESTED, *DECIDED, _C.WITHDRAWN)

#: Read a row as "from STATUS, one may move to ...". Everything else is illegal.
CLAIM_TRANSITIONS: Mapping[ClaimStatus, frozenset[ClaimStatus]] = {
    _C.DRAFT: frozenset({_C.SUBMITTED, _C.WITHDRAWN}),
    _C.SUBMITTED: frozenset(_PENDING),
    _C.IN_REVIEW: frozenset(_PENDING) - {_C.IN_REVIEW},
    # The seller answers the request: the claim goes back into review (or is decided).
    _C.INFO_REQUESTED: frozenset({_C.IN_REVIEW, *DECIDED, _C.WITHDRAWN}),
    _C.APPROVED: frozenset({_C.PAID}),
    _C.PARTIALLY_APPROVED: frozenset({_C.PAID, _C.APPEALED}),
    _C.DENIED: frozenset({_C.APPEALED}),
    _C.APPEALED: frozenset({_C.IN_REVIEW, _C.INFO_REQUESTED, *DECIDED, _C.WITHDRAWN}),
    _C.PAID: frozenset(),
    _C.WITHDRAWN: frozenset(),
}


def next_claim_status(current: ClaimStatus, wanted: ClaimStatus) -> ClaimStatus:
    if wanted in CLAIM_TRANSITIONS[current]:
        return wanted
    allowed = ", ".join(sorted(CLAIM_TRANSITIONS[current])) or "nothing (final)"
    raise DomainError(
        f"a {current.value} claim cannot become {wanted.value}; from {current.value} it may "
        f"become: {allowed}"
    )


def _same_currency(label: str, value: Money | None, currency: str) -> None:
    if value is None:
        return
    if value.currency != currency:
        raise InvalidValue(f"{label} {value} is not in the claim currency {currency}")
    if value.amount < 0:
        raise InvalidValue(f"{label} must not be negative, got {value}")


def _aware(label: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise InvalidValue(f"{label} has no timezone")


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim on one case. ``party`` is the rules slug claimed against (``usps``,
    ``shopee_sls``, an insurer); ``claimed`` is what the package asked for."""

    case_id: int
    party: str
    claim_type: ClaimType
    claimed: Money
    created_at: datetime
    status: ClaimStatus = ClaimStatus.DRAFT
    channel: str = ""
    number: str = ""
    approved: Money | None = None
    paid: Money | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    paid_at: datetime | None = None
    follow_up_at: datetime | None = None
    appeal_deadline: datetime | None = None
    #: chain head printed on the last claim letter prepared for it
    letter_head_hash: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.claimed.amount <= 0:
            raise InvalidValue(f"claimed amount must be positive, got {self.claimed}")
        _same_currency("approved amount", self.approved, self.claimed.currency)
        _same_currency("paid amount", self.paid, self.claimed.currency)
        for name in ("created_at", "submitted_at", "decided_at", "paid_at", "follow_up_at",
                     "appeal_deadline"):  # fmt: skip
            _aware(f"claim {name}", getattr(self, name))

    @property
    def is_open(self) -> bool:
        return self.status not in (ClaimStatus.PAID, ClaimStatus.WITHDRAWN, ClaimStatus.DENIED)

    def submit(self, *, channel: str, number: str, at: datetime) -> Claim:
        if not channel.strip():
            raise InvalidValue("say how the claim was submitted (--channel web, email, ...)")
        if not number.strip():
            raise InvalidValue("record the carrier's claim or case number (--number)")
        next_claim_status(self.status, ClaimStatus.SUBMITTED)
        return replace(self, status=ClaimStatus.SUBMITTED, channel=channel.strip(),
                       number=number.strip(), submitted_at=at)  # fmt: skip

    def move(
        self,
        status: ClaimStatus,
        *,
        at: datetime,
        approved: Money | None = None,
        paid: Money | None = None,
    ) -> Claim:
        """A status change with the amounts it needs: approved/partially approved need
        the approved amount (an approval of nothing is a denial), paid needs the amount
        that arrived."""
        changes: dict[str, object] = {}
        if status is not self.status:
            changes["status"] = next_claim_status(self.status, status)
        if approved is not None:
            changes["approved"] = approved
        if paid is not None:
            changes["paid"], changes["paid_at"] = paid, at
        if status in DECIDED and status is not self.status:
            changes["decided_at"] = at
        if status is ClaimStatus.DENIED:
            changes["approved"] = Money(Decimal(0), self.claimed.currency)
        claim = replace(self, **changes)  # type: ignore[arg-type]
        claim._check_amounts()
        return claim

    def _check_amounts(self) -> None:
        claimed, approved = self.claimed, self.approved
        if self.status in (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED):
            if approved is None or approved.amount <= 0:
                raise InvalidValue(f"a {self.status.value} claim needs --approved AMOUNT")
            if self.status is ClaimStatus.PARTIALLY_APPROVED and approved.amount >= claimed.amount:
                raise InvalidValue(
                    f"partially approved {approved} is not less than the claimed {claimed}; "
                    "use approved"
                )
        if self.status is ClaimStatus.PAID and self.paid is None:
            raise InvalidValue("a paid claim needs --paid AMOUNT (what actually arrived)")
        if self.paid is not None and approved is not None and self.paid.amount > approved.amount:
            raise InvalidValue(f"paid {self.paid} is more than the approved {approved}")

    def with_dates(
        self, *, follow_up_at: datetime | None = None, appeal_deadline: datetime | None = None
    ) -> Claim:
        _aware("follow-up", follow_up_at)
        _aware("appeal deadline", appeal_deadline)
        return replace(
            self,
            follow_up_at=follow_up_at if follow_up_at is not None else self.follow_up_at,
            appeal_deadline=appeal_deadline
            if appeal_deadline is not None
            else self.appeal_deadline,
        )


def recovered(claims: Iterable[Claim]) -> dict[str, Money]:
    """Money that actually arrived on a case's claims, per currency."""
    totals: dict[str, Decimal] = {}
    for claim in claims:
        if claim.paid is not None:
            totals[claim.paid.currency] = totals.get(claim.paid.currency, Decimal(0)) + (
                claim.paid.amount
            )
    return {cur: Money(amount, cur) for cur, amount in sorted(totals.items())}
