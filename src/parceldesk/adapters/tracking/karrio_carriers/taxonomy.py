"""karrio's normalised status and incident reasons -> the canonical taxonomy (pure).

**Status.** karrio's ``TrackingStatus`` (12 names) and ``TrackingIncidentReason`` (35
names, plus a few carrier modules add: ``delivery_attempted``, ``signature_required``,
...) map through :data:`STATUS` and :data:`REASONS`. Where karrio gives no status
(its USPS map matches on event *text* and leaves 07/A1/T1/10/SF/03/GX unclassified) the
text classifier decides, through :func:`common.decide`, exactly as for 17TRACK/AfterShip.
Decisions where karrio's grouping and ours differ:

* ``pending`` is a label-created scan (UPS ``M`` manifest, FedEx ``OC``) ->
  info_received / label_created; ``return_to_sender`` -> returning (our taxonomy keeps
  returning and returned apart; karrio has no "returned").
* ``on_hold`` -> exception, but it is *weak*: karrio derives it from UPS's activity type
  ``X``, which UPS also uses for notices such as "Your package was released by the
  customs agency" or "The receiver was not available for delivery". An ``on_hold`` scan
  without any reason takes the text classifier's reading when the text is more specific:
  an exception-like status with a reason (a failed attempt, a refusal), or normal
  progress at a definite node (customs released, out for delivery, delivered, pickup
  point, label created) -- not a vague "arrived at facility". ``extra
  ["status_from_text"]`` counts these.
* A karrio reason only qualifies an exception-like status (exception, failed attempt,
  returning, returned). karrio's reason lists are matched against raw codes that collide
  with ordinary scan codes in other carriers' vocabularies; a reason on an in-transit
  scan is dropped, and a reason on a scan karrio could not classify is used only when
  the text also reads as an exception.
* DHL Unified Tracking: karrio matches the free-text ``status`` as well as the
  documented ``statusCode`` enum (pre-transit/transit/delivered/failure/unknown), so an
  event ``{"statusCode": "pre-transit", "status": "DELIVERED"}`` comes out delivered;
  :data:`CODES` reads the ``statusCode`` (karrio's event ``code``) first.
"""

from __future__ import annotations

from parceldesk.adapters.tracking.common import Mapped, NodeRule, classify_text, decide
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S

__all__ = ["CODES", "REASONS", "STATUS", "scan_taxonomy"]

STATUS: dict[str, Mapped | None] = {
    "pending": Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    "picked_up": Mapped(S.IN_TRANSIT, N.FIRST_MILE_PICKUP),
    "in_transit": Mapped(S.IN_TRANSIT),
    "on_hold": Mapped(S.EXCEPTION, rule=NodeRule.CLASSIFY),
    "cancelled": Mapped(S.EXCEPTION, None, R.OTHER),
    "delivered": Mapped(S.DELIVERED, N.DELIVERED),
    "delivery_failed": Mapped(S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY),
    "delivery_delayed": Mapped(S.EXCEPTION, None, R.DELAYED),
    "out_for_delivery": Mapped(S.OUT_FOR_DELIVERY, N.OUT_FOR_DELIVERY),
    "ready_for_pickup": Mapped(S.READY_FOR_PICKUP, N.PICKUP_POINT),
    "return_to_sender": Mapped(S.RETURNING, None, R.RETURNED_TO_SENDER),
    "unknown": None,
}

_DELAY, _UNAVAILABLE, _CUSTOMS = R.DELAYED, R.RECIPIENT_UNAVAILABLE, R.CUSTOMS_HOLD
REASONS: dict[str, R | None] = {
    # carrier_*
    "carrier_damaged_parcel": R.DAMAGED,
    "carrier_sorting_error": _DELAY,  # missorted: late, not lost
    "carrier_address_not_found": R.ADDRESS_ISSUE,
    "carrier_parcel_lost": R.LOST,
    "carrier_not_enough_time": _DELAY,
    "carrier_vehicle_issue": _DELAY,
    "carrier_capacity_exceeded": _DELAY,
    "carrier_mechanical_delay": _DELAY,
    # retailer_* (the shipper's side): nothing the buyer or carrier did
    "retailer_cancelled": R.OTHER,
    "retailer_incorrect_data": R.OTHER,
    "retailer_not_ready": R.OTHER,
    "retailer_incorrect_parcel": R.OTHER,
    "retailer_incorrect_dimensions": R.OTHER,
    "retailer_packaging_issue": R.OTHER,
    # consignee_*
    "consignee_refused": R.REFUSED,
    "consignee_business_closed": _UNAVAILABLE,
    "consignee_not_available": _UNAVAILABLE,
    "consignee_not_home": _UNAVAILABLE,
    "consignee_cancelled": R.REFUSED,  # the buyer declines the parcel
    "consignee_verification_failed": _UNAVAILABLE,  # ID/signature check could not be done
    "consignee_incorrect_address": R.ADDRESS_ISSUE,
    "consignee_access_restricted": _UNAVAILABLE,
    "consignee_safe_place_unavailable": _UNAVAILABLE,
    # customs_*
    "customs_delay": _CUSTOMS,
    "customs_documentation": _CUSTOMS,
    "customs_duties_unpaid": _CUSTOMS,
    "customs_prohibited": _CUSTOMS,
    "customs_inspection": _CUSTOMS,
    # weather / force majeure
    "weather_delay": _DELAY,
    "natural_disaster": _DELAY,
    "force_majeure": _DELAY,
    # other_*
    "parcel_being_researched": R.OTHER,  # a trace is open; not (yet) a loss
    "security_issue": R.OTHER,
    "regulatory_hold": _CUSTOMS,  # held by an authority at the border
    "unknown": None,
    # carrier-module extras (usps, fedex units.py)
    "delivery_attempted": None,  # says nothing about why; the text may
    "no_access_to_delivery_location": _UNAVAILABLE,
    "signature_required": _UNAVAILABLE,
    "recipient_moved": R.ADDRESS_ISSUE,
    "delivery_exception_hold": R.OTHER,
    "delivery_exception_undeliverable": R.OTHER,
}

#: (karrio gateway, raw event code, case-folded) -> mapping, read before karrio's status.
CODES: dict[tuple[str, str], Mapped | None] = {
    ("dhl_universal", "pre-transit"): Mapped(S.INFO_RECEIVED, N.LABEL_CREATED),
    ("dhl_universal", "transit"): Mapped(S.IN_TRANSIT),
    ("dhl_universal", "delivered"): Mapped(S.DELIVERED, N.DELIVERED),
    ("dhl_universal", "failure"): Mapped(S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY),
    ("dhl_universal", "unknown"): None,
}

_REASONED = frozenset({S.EXCEPTION, S.FAILED_ATTEMPT, S.RETURNING, S.RETURNED})
_GENERIC = frozenset({None, R.OTHER, R.DELAYED})
_WEAK = frozenset({"on_hold"})
_PROGRESS = frozenset(
    {S.INFO_RECEIVED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP, S.DELIVERED}
)
#: nodes a text names only when something definite happened ("released by customs");
#: "arrived at facility" readings are too vague to overrule a hold
_DEFINITE = frozenset(
    {N.LABEL_CREATED, N.CUSTOMS_RELEASED, N.OUT_FOR_DELIVERY, N.PICKUP_POINT, N.DELIVERED}
)


def _row(carrier: str, status: str, reason: str, code: str) -> tuple[Mapped | None, R | None]:
    key = (carrier, code.casefold())
    base = CODES[key] if key in CODES else STATUS.get(status)
    why = REASONS.get(reason)
    if base is None or why is None or base.status not in _REASONED:
        return base, why
    if why is R.CUSTOMS_HOLD:
        return Mapped(base.status, base.node or N.IMPORT_CUSTOMS, why, NodeRule.CUSTOMS), why
    return base._replace(reason=why), why


def scan_taxonomy(
    carrier: str,
    status: str,
    reason: str,
    code: str,
    description: str,
    location: str,
    side: str | None,
) -> tuple[S, N | None, R | None, bool]:
    """(status, node, reason, status_from_text) of one karrio event."""
    mapped, why = _row(carrier, status, reason, code)
    out_status, node, out_reason = decide(mapped, description, location, side)
    if mapped is None and why is not None and out_status in _REASONED and out_reason in _GENERIC:
        out_reason = why
    if status in _WEAK and mapped is not None and out_reason is None:
        cls = classify_text(description, location)
        if cls.status in _REASONED and cls.reason is not None:
            return cls.status, cls.node or node, cls.reason, True
        if cls.status in _PROGRESS and cls.node in _DEFINITE:
            return cls.status, cls.node, None, True
    return out_status, node, out_reason, False
