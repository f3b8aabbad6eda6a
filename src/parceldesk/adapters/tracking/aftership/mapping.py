"""AfterShip delivery statuses (tags) and sub-statuses (subtags) -> the canonical taxonomy.

Tables only, no I/O. Sources (docs/tracking-sources.md):

* Tags: https://www.aftership.com/docs/tracking/2025-01/enum/delivery-statuses and the
  ``TagV1`` enum of AfterShip/tracking-sdk-python.
* Subtags: https://www.aftership.com/docs/tracking/2026-07/enum/delivery-sub-statuses;
  the 2026-07 additions (Delivered_005, Exception_016..021, InTransit_011..013) from the
  2026-07 webhook changelog / migration guide and the help-centre article "Learn About
  Delivery Sub-Status" (available from 2026-03-27).

Decisions (why):

* ``InTransit_011..013`` are listed in the 2026-07 changelog but their meaning was not
  found in the public pages; they map to plain in-transit and the text decides the node.
* ``InTransit_002`` (acceptance scan) is first-mile pickup except on the destination
  side of a cross-border parcel, where it is the last-mile carrier accepting it.
* ``InTransit_005/_006`` and ``Exception_004/_006/_018`` are customs: *export* customs
  when the checkpoint is in the origin country.
* ``Exception_021`` (disposed) -> lost, like 17TRACK ``Exception_Destroyed``: the parcel
  will never arrive. ``Exception_002`` (customer moved) -> address_issue;
  ``Exception_008`` (not collected) and ``AttemptFail_003`` (business closed) ->
  recipient_unavailable. ``Expired_001`` carries no reason: "no news for 30 days" is a
  *candidate* loss, which is the claim logic's call, not the parser's.
"""

from __future__ import annotations

from parceldesk.adapters.tracking.common import Mapped, NodeRule
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S

__all__ = ["SUBTAGS", "TAGS", "lookup"]

TAGS: dict[str, Mapped] = {
    "Pending": Mapped(S.PENDING),
    "InfoReceived": Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    "InTransit": Mapped(S.IN_TRANSIT),
    "OutForDelivery": Mapped(S.OUT_FOR_DELIVERY, N.OUT_FOR_DELIVERY),
    "AttemptFail": Mapped(S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY),
    "Delivered": Mapped(S.DELIVERED, N.DELIVERED),
    "AvailableForPickup": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),
    "Exception": Mapped(S.EXCEPTION, None, R.OTHER),
    "Expired": Mapped(S.EXPIRED),
}

_IT, _EX, _OFD = S.IN_TRANSIT, S.EXCEPTION, N.OUT_FOR_DELIVERY
_CUSTOMS, _CLASSIFY = NodeRule.CUSTOMS, NodeRule.CLASSIFY
SUBTAGS: dict[str, Mapped] = {
    **{f"Pending_00{i}": Mapped(S.PENDING) for i in range(1, 7)},
    "InfoReceived_001": Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    "InTransit_001": Mapped(_IT),  # in transit
    "InTransit_002": Mapped(_IT, N.FIRST_MILE_PICKUP, rule=NodeRule.ORIGIN_SIDE),  # acceptance
    "InTransit_003": Mapped(_IT),  # arrival scan: origin sort centre or last-mile hub
    "InTransit_004": Mapped(_IT, N.DESTINATION_ARRIVAL),  # arrived at destination country
    "InTransit_005": Mapped(_IT, N.CUSTOMS_RELEASED, rule=_CUSTOMS),  # clearance completed
    "InTransit_006": Mapped(_IT, N.IMPORT_CUSTOMS, rule=_CUSTOMS),  # clearance started
    "InTransit_007": Mapped(_IT),  # departure scan
    "InTransit_008": Mapped(_IT),  # problem resolved
    "InTransit_009": Mapped(_IT),  # forwarded to a different address
    "InTransit_011": Mapped(_IT),  # 2026-07, meaning not published
    "InTransit_012": Mapped(_IT),  # 2026-07, meaning not published
    "InTransit_013": Mapped(_IT),  # 2026-07, meaning not published
    "OutForDelivery_001": Mapped(S.OUT_FOR_DELIVERY, _OFD),
    "OutForDelivery_002": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),  # legacy
    "OutForDelivery_003": Mapped(S.OUT_FOR_DELIVERY, _OFD),  # customer contacted
    "OutForDelivery_004": Mapped(S.OUT_FOR_DELIVERY),  # appointment scheduled
    "AttemptFail_001": Mapped(S.FAILED_ATTEMPT, _OFD),
    "AttemptFail_002": Mapped(S.FAILED_ATTEMPT, _OFD, R.RECIPIENT_UNAVAILABLE),
    "AttemptFail_003": Mapped(S.FAILED_ATTEMPT, _OFD, R.RECIPIENT_UNAVAILABLE),
    **{f"Delivered_00{i}": Mapped(S.DELIVERED, N.DELIVERED) for i in range(1, 6)},
    "AvailableForPickup_001": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),
    "Exception_001": Mapped(_EX, None, R.OTHER),
    "Exception_002": Mapped(_EX, None, R.ADDRESS_ISSUE),  # customer moved
    "Exception_003": Mapped(_EX, _OFD, R.REFUSED, _CLASSIFY),
    "Exception_004": Mapped(_EX, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD, _CUSTOMS),
    "Exception_005": Mapped(_EX, None, R.DELAYED),  # external factors
    "Exception_006": Mapped(_EX, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD, _CUSTOMS),  # held for payment
    "Exception_007": Mapped(_EX, _OFD, R.ADDRESS_ISSUE, _CLASSIFY),
    "Exception_008": Mapped(_EX, N.PICKUP_POINT, R.RECIPIENT_UNAVAILABLE),  # not collected
    "Exception_009": Mapped(_EX, None, R.OTHER),  # rejected by carrier (noncompliance)
    "Exception_010": Mapped(S.RETURNING, None, R.RETURNED_TO_SENDER),
    "Exception_011": Mapped(S.RETURNED, N.RETURNED, R.RETURNED_TO_SENDER),
    "Exception_012": Mapped(_EX, None, R.DAMAGED),
    "Exception_013": Mapped(_EX, None, R.LOST),
    "Exception_016": Mapped(_EX, None, R.DELAYED),  # processing issue
    "Exception_017": Mapped(_EX, None, R.DELAYED),  # extreme weather
    "Exception_018": Mapped(_EX, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD, _CUSTOMS),  # documents
    "Exception_019": Mapped(_EX, None, R.DELAYED),  # late flight
    "Exception_020": Mapped(_EX, None, R.OTHER),  # cancelled
    "Exception_021": Mapped(_EX, None, R.LOST),  # disposed
    "Expired_001": Mapped(S.EXPIRED),
}


def lookup(subtag: str, tag: str = "") -> Mapped | None:
    """Mapping for a (subtag, tag) pair: the subtag when known, else its tag prefix, else
    ``tag``; ``None`` when neither is known (the caller then reads the text)."""
    found = SUBTAGS.get(subtag)
    if found is not None:
        return found
    return TAGS.get(subtag.split("_", 1)[0]) or TAGS.get(tag)
