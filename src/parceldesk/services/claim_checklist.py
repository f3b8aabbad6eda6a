"""What a carrier claim needs and how much it asks for: the completeness checklist and the
default claimed amount (capped at the carrier's limit), and ``checklist.json``.

Split from ``claims.py`` (which orchestrates the package) so the rules about documents
and amounts read in one place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from parceldesk.domain.claim_documents import ClaimLimit, exceeds_limit
from parceldesk.domain.evidence import (
    DAMAGE_CLAIM_TYPES,
    KEEP_PACKAGING,
    Checklist,
    EvidenceRef,
    completeness,
)
from parceldesk.domain.evidence_log import EvidenceItem
from parceldesk.domain.money import Money
from parceldesk.domain.rules import ClaimRule, ClaimType
from parceldesk.services.case_ports import ShipmentFacts

__all__ = ["GENERIC_DOCUMENTS", "cap_note", "checklist_for", "checklist_json", "default_claim"]

#: Without a rule for the carrier (or a rule that lists no documents), a claim still
#: needs at least these; damage adds photos of the item and the packaging.
GENERIC_DOCUMENTS = ("tracking_number", "order_number", "proof_of_value")
_DAMAGE_DOCUMENTS = ("damage_photos", "packaging_photos")


def checklist_for(
    rule: ClaimRule | None,
    claim_type: ClaimType,
    items: Sequence[EvidenceItem],
    facts: ShipmentFacts,
    keeps_packaging: bool,
) -> Checklist:
    generic = rule is None or not rule.required_documents
    docs = GENERIC_DOCUMENTS if generic or rule is None else rule.required_documents
    if generic and claim_type in DAMAGE_CLAIM_TYPES:
        docs = (*docs, *_DAMAGE_DOCUMENTS)
    known = ["tracking_number"]
    if facts.platform_order_id:
        known.append("order_number")
    if keeps_packaging:
        known.append(KEEP_PACKAGING)
    refs = [EvidenceRef(i.kind, i.subject) for i in items]
    return completeness(docs, claim_type, refs, known)


def default_claim(value: Money | None, limit: ClaimLimit | None) -> tuple[Money | None, bool]:
    """The claim the seller makes when they give no amount: ``value``, or the carrier's
    limit when that is lower (and in the same currency); and whether it was capped."""
    if value is not None and exceeds_limit(value, limit):
        assert limit is not None
        return limit.amount, True
    return value, False


def cap_note(value: Money, claimed: Money, limit: ClaimLimit) -> str:
    return (
        f"The parcel's full value is {value}. The claim is for {claimed}, the carrier's limit "
        f"({limit.basis}); the remaining {value - claimed} is not recoverable from the carrier "
        "under this rule."
    )


def checklist_json(checklist: Checklist, rule: str, limit: ClaimLimit | None,
                    claimed: Money, over: bool | None, value: Money | None,
                    capped: bool) -> bytes:  # fmt: skip
    doc = {
        "rule": rule,
        "complete": checklist.complete,
        "items": [
            {
                "slug": i.slug,
                "label": i.label,
                "present": i.present,
                "satisfied_by": list(i.satisfied_by),
                "accepts": list(i.accepts),
            }
            for i in checklist.items
        ],
        "claimed": {"amount": str(claimed.amount), "currency": claimed.currency},
        "full_value": None
        if value is None
        else {"amount": str(value.amount), "currency": value.currency},
        "capped_to_limit": capped,
        "carrier_limit": None
        if limit is None
        else {
            "amount": str(limit.amount.amount),
            "currency": limit.amount.currency,
            "basis": limit.basis,
        },
        "claimed_exceeds_limit": over,
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
