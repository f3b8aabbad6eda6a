"""17TRACK API v2.2 status codes -> the canonical taxonomy (tables only, no I/O).

Sources (see docs/tracking-sources.md):

* Main statuses (9) and sub-statuses (30): 17TRACK help centre "Understanding Tracking
  Status: Main Status & Substatus"
  (https://help.17track.net/hc/en-us/articles/37471096573337), cross-checked with the
  enum in NHZEX/express-service ``src/SeventeenTrack/Enum/TrackStatusEnum.php`` @ d2111718
  (claim-rules-and-tracking-formats.md 3.2).
* Milestone ``key_stage`` values: the v2.2 API document
  (https://asset.17track.net/api/document/v2.2_en/index.html), same reference section.

Decisions (why, where 17TRACK's grouping and ours differ):

* ``InTransit_CustomsRequiringInformation`` -> exception / customs_hold: 17TRACK keeps it
  under InTransit, but a parcel waiting for documents is held and needs action, exactly
  like AfterShip ``Exception_004``/``_018``.
* ``Exception_Destroyed`` -> exception / lost: the parcel will never arrive; the claim
  logic treats it like a loss (the raw code stays on the event).
* ``DeliveryFailure_Other`` keeps no reason (unknown is not "other").
* Customs scans become *export* customs on the origin side (:class:`NodeRule.CUSTOMS`);
  ``Departure``/``Arrival`` milestones are linehaul departure / destination arrival only
  on the side of the border where that makes sense, elsewhere the text decides.
"""

from __future__ import annotations

from parceldesk.adapters.tracking.common import Mapped, NodeRule
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S

__all__ = ["MAIN_STATUS", "STAGES", "SUB_STATUS", "lookup"]

MAIN_STATUS: dict[str, S] = {
    "NotFound": S.PENDING,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "Expired": S.EXPIRED,
    "AvailableForPickup": S.READY_FOR_PICKUP,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "DeliveryFailure": S.FAILED_ATTEMPT,
    "Delivered": S.DELIVERED,
    "Exception": S.EXCEPTION,
}

_OFD = N.OUT_FOR_DELIVERY
SUB_STATUS: dict[str, Mapped] = {
    "NotFound_Other": Mapped(S.PENDING),
    "NotFound_InvalidCode": Mapped(S.PENDING),
    "InfoReceived": Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    "InTransit_PickedUp": Mapped(S.IN_TRANSIT, N.FIRST_MILE_PICKUP),
    "InTransit_Other": Mapped(S.IN_TRANSIT),
    "InTransit_Departure": Mapped(S.IN_TRANSIT),
    "InTransit_Arrival": Mapped(S.IN_TRANSIT),
    "InTransit_CustomsProcessing": Mapped(S.IN_TRANSIT, N.IMPORT_CUSTOMS, rule=NodeRule.CUSTOMS),
    "InTransit_CustomsReleased": Mapped(S.IN_TRANSIT, N.CUSTOMS_RELEASED, rule=NodeRule.CUSTOMS),
    "InTransit_CustomsRequiringInformation": Mapped(
        S.EXCEPTION, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD, NodeRule.CUSTOMS
    ),
    "Expired_Other": Mapped(S.EXPIRED),
    "AvailableForPickup_Other": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),
    "OutForDelivery_Other": Mapped(S.OUT_FOR_DELIVERY, _OFD),
    "DeliveryFailure_Other": Mapped(S.FAILED_ATTEMPT, _OFD),
    "DeliveryFailure_NoBody": Mapped(S.FAILED_ATTEMPT, _OFD, R.RECIPIENT_UNAVAILABLE),
    "DeliveryFailure_Security": Mapped(S.FAILED_ATTEMPT, _OFD, R.OTHER),
    "DeliveryFailure_Rejected": Mapped(S.FAILED_ATTEMPT, _OFD, R.REFUSED),
    "DeliveryFailure_InvalidAddress": Mapped(S.FAILED_ATTEMPT, _OFD, R.ADDRESS_ISSUE),
    "Delivered_Other": Mapped(S.DELIVERED, N.DELIVERED),
    "Exception_Other": Mapped(S.EXCEPTION, None, R.OTHER),
    "Exception_Returning": Mapped(S.RETURNING, None, R.RETURNED_TO_SENDER),
    "Exception_Returned": Mapped(S.RETURNED, N.RETURNED, R.RETURNED_TO_SENDER),
    "Exception_NoBody": Mapped(S.EXCEPTION, None, R.RECIPIENT_UNAVAILABLE),
    "Exception_Security": Mapped(S.EXCEPTION, None, R.OTHER),
    "Exception_Damage": Mapped(S.EXCEPTION, None, R.DAMAGED),
    "Exception_Rejected": Mapped(S.EXCEPTION, None, R.REFUSED),
    "Exception_Delayed": Mapped(S.EXCEPTION, None, R.DELAYED),
    "Exception_Lost": Mapped(S.EXCEPTION, None, R.LOST),
    "Exception_Destroyed": Mapped(S.EXCEPTION, None, R.LOST),
    "Exception_Cancel": Mapped(S.EXCEPTION, None, R.OTHER),
}

#: Milestone / per-event ``stage`` -> mapping, used when an event has no sub-status.
STAGES: dict[str, Mapped] = {
    "InfoReceived": Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    "PickedUp": Mapped(S.IN_TRANSIT, N.FIRST_MILE_PICKUP),
    "Departure": Mapped(S.IN_TRANSIT, N.LINEHAUL_DEPARTED, rule=NodeRule.ORIGIN_SIDE),
    "Arrival": Mapped(S.IN_TRANSIT, N.DESTINATION_ARRIVAL, rule=NodeRule.DEST_SIDE),
    "AvailableForPickup": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),
    "OutForDelivery": Mapped(S.OUT_FOR_DELIVERY, _OFD),
    "Delivered": Mapped(S.DELIVERED, N.DELIVERED),
    "Returning": Mapped(S.RETURNING, None, R.RETURNED_TO_SENDER),
    "Returned": Mapped(S.RETURNED, N.RETURNED, R.RETURNED_TO_SENDER),
}


def lookup(sub_status: str, stage: str = "", main_status: str = "") -> Mapped | None:
    """Best mapping for an event or a ``latest_status``.

    Order: exact sub-status; the milestone stage (it carries a node the sub-status may
    lack, e.g. ``InTransit_Departure`` + ``Departure``); the sub-status's main-status
    prefix (an unknown ``InTransit_Whatever`` is still in transit); ``main_status``.
    ``None`` when nothing is known -- the caller then reads the text.
    """
    sub = SUB_STATUS.get(sub_status)
    staged = STAGES.get(stage)
    if sub is not None:
        if staged is not None and sub.node is None and staged.status is sub.status:
            return staged
        return sub
    if staged is not None:
        return staged
    prefix = sub_status.split("_", 1)[0]
    main = MAIN_STATUS.get(prefix) or MAIN_STATUS.get(main_status)
    return Mapped(main) if main is not None else None
