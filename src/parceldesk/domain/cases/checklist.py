"""Confirmation steps a case walks through before anyone files a claim or refunds.

They come from the seller guides behind parceldesk (``shared/seeds``): before treating a
parcel as lost, verify the ship-to address, ask the buyer about neighbours, lockers or
the building's parcel room and about missed-delivery notices, and ask the carrier --
logging the agent's ID and answer, because that log is evidence later. Which steps apply
depends on what went wrong: a damaged parcel was delivered, so asking about neighbours
is pointless, but photos of the box are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.errors import InvalidValue

__all__ = ["CHECKLIST", "ChecklistItem", "ItemStatus", "Step", "steps_for"]


class Step(StrEnum):
    VERIFY_ADDRESS = "verify_address"
    ASK_NEIGHBOURS = "ask_neighbours"
    ASK_LOCKER_OR_BUILDING = "ask_locker_or_building"
    ASK_DELIVERY_NOTICES = "ask_delivery_notices"
    QUERY_CARRIER = "query_carrier"
    INFORM_BUYER = "inform_buyer"
    BUYER_PHOTOS = "buyer_photos"
    BUYER_KEEPS_ITEM = "buyer_keeps_item"


class ItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    FLAGGED = "flagged"  # done, and it found a problem someone must look at
    NOT_APPLICABLE = "not_applicable"


#: What each step asks of the agent (shown in ``cases show``).
CHECKLIST: dict[Step, str] = {
    Step.VERIFY_ADDRESS: "Verify the ship-to address (postal code vs state/city, unit number)",
    Step.ASK_NEIGHBOURS: "Ask the buyer whether a neighbour took the parcel in",
    Step.ASK_LOCKER_OR_BUILDING: (
        "Ask the buyer to check parcel lockers, the mailroom or building management"
    ),
    Step.ASK_DELIVERY_NOTICES: (
        "Ask the buyer about missed-delivery notices (card, SMS, e-mail) from the carrier"
    ),
    Step.QUERY_CARRIER: "Ask the carrier; log the channel, agent ID and answer",
    Step.INFORM_BUYER: "Tell the buyer what happened and what we are doing about it",
    Step.BUYER_PHOTOS: "Get photos of the outer box, inner packing and item from the buyer",
    Step.BUYER_KEEPS_ITEM: (
        "Ask the buyer to keep the item and all packaging until the claim is settled"
    ),
}

_BY_KIND: dict[CaseKind, tuple[Step, ...]] = {
    CaseKind.LOST: (Step.VERIFY_ADDRESS, Step.QUERY_CARRIER, Step.INFORM_BUYER),
    CaseKind.DELIVERED_NOT_RECEIVED: (
        Step.VERIFY_ADDRESS,
        Step.ASK_NEIGHBOURS,
        Step.ASK_LOCKER_OR_BUILDING,
        Step.ASK_DELIVERY_NOTICES,
        Step.QUERY_CARRIER,
        Step.INFORM_BUYER,
    ),
    CaseKind.DAMAGED: (
        Step.BUYER_PHOTOS,
        Step.BUYER_KEEPS_ITEM,
        Step.QUERY_CARRIER,
        Step.INFORM_BUYER,
    ),
    CaseKind.RETURNED: (Step.VERIFY_ADDRESS, Step.QUERY_CARRIER, Step.INFORM_BUYER),
    CaseKind.ADDRESS_PROBLEM: (Step.VERIFY_ADDRESS, Step.QUERY_CARRIER, Step.INFORM_BUYER),
    CaseKind.DELAYED: (
        Step.VERIFY_ADDRESS,
        Step.ASK_DELIVERY_NOTICES,
        Step.QUERY_CARRIER,
        Step.INFORM_BUYER,
    ),
}


def steps_for(kind: CaseKind) -> tuple[Step, ...]:
    """The steps a case of ``kind`` needs; a kind escalation adds the new kind's steps."""
    return _BY_KIND[kind]


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    step: Step
    status: ItemStatus = ItemStatus.OPEN
    result: str = ""
    #: For ``query_carrier``: the carrier agent's ID; otherwise empty.
    agent_id: str = ""

    def __post_init__(self) -> None:
        if self.status in (ItemStatus.DONE, ItemStatus.FLAGGED) and not self.result.strip():
            raise InvalidValue(f"checklist step {self.step}: say what was found")
        if (
            self.step is Step.QUERY_CARRIER
            and self.status is ItemStatus.DONE
            and not self.agent_id.strip()
        ):
            raise InvalidValue(
                "checklist step query_carrier: log the carrier agent's ID (or 'none given')"
            )

    @property
    def label(self) -> str:
        return CHECKLIST[self.step]
