"""Which kind of case a detector finding opens.

A finding is evidence about one parcel; the case is the incident. The mapping is by the
canonical exception reason first (a carrier that says "damaged" means a damage case
whatever detector saw it), then by the detector kind.
"""

from __future__ import annotations

from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.detection.types import ExceptionKind
from parceldesk.domain.taxonomy import ExceptionReason

__all__ = ["kind_for_exception"]

_BY_REASON: dict[ExceptionReason, CaseKind] = {
    ExceptionReason.LOST: CaseKind.LOST,
    ExceptionReason.DAMAGED: CaseKind.DAMAGED,
    ExceptionReason.ADDRESS_ISSUE: CaseKind.ADDRESS_PROBLEM,
    ExceptionReason.REFUSED: CaseKind.RETURNED,
    ExceptionReason.RETURNED_TO_SENDER: CaseKind.RETURNED,
}

_BY_DETECTOR: dict[ExceptionKind, CaseKind] = {
    ExceptionKind.SUSPECTED_LOST: CaseKind.LOST,
    ExceptionKind.DELIVERED_NOT_RECEIVED: CaseKind.DELIVERED_NOT_RECEIVED,
    ExceptionKind.RETURNED: CaseKind.RETURNED,
    ExceptionKind.NOT_PICKED_UP: CaseKind.DELAYED,
    ExceptionKind.OVERDUE: CaseKind.DELAYED,
    ExceptionKind.CARRIER_EXCEPTION: CaseKind.DELAYED,  # customs hold, unavailable, other
}


def kind_for_exception(kind: ExceptionKind, reason: ExceptionReason) -> CaseKind:
    if kind is ExceptionKind.DELIVERED_NOT_RECEIVED:
        return CaseKind.DELIVERED_NOT_RECEIVED
    return _BY_REASON.get(reason, _BY_DETECTOR[kind])
