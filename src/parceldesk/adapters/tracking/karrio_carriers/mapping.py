"""karrio's normalised tracking model -> the canonical taxonomy, and karrio's times fixed.

Pure: tables and functions over karrio's ``TrackingDetails``/``TrackingEvent`` objects
(read by attribute, so karrio itself is never imported here) and over the carrier's raw
response, which the poller keeps next to karrio's parse. Facts relied on are in
claim-rules-and-tracking-formats.md 3.3-3.6 and karrio's sources (karrioapi/karrio
``modules/sdk/karrio/core/units.py`` and ``modules/connectors/<carrier>``, 2026.1).

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

**Time.** karrio stamps the carrier's *local* wall time with a ``Z``
(``"2024-11-22T13:58:00.000Z"`` for a 13:58 EST scan that happened at 18:58 UTC). We read
karrio's timestamp as a naive wall time, match it to the scan in the raw response by
(event code, minute), and give the raw scan's wall time (karrio drops UPS's seconds) the
offset the carrier itself stated for that scan:

* USPS v3: ``GMTOffset`` ("-05:00"); else the difference to ``GMTTimestamp`` (rounded
  to a quarter hour: the GMT stamp carries seconds the local one drops).
* UPS Track v1: ``gmtOffset``; else the difference between ``date``/``time`` and
  ``gmtDate``/``gmtTime`` (fields of the UPS OpenAPI ``Activity`` schema).
* FedEx Track v1: ``scanEvents[].date`` is ISO 8601 with the scan's offset.
* DHL Unified: ``events[].timestamp`` when it carries an offset.

Where the raw scan states no offset (FedEx sometimes sends ``"2024-08-15T00:00:00"``),
the zone is resolved from the scan's place (country/state/city via
:mod:`..timezones`); for US carriers a scan without a country is in the US. Only a scan
with no usable place at all falls back to the carrier's home zone, and then to UTC,
counted in ``extra["assumed_zone"]``/``extra["assumed_utc"]``.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Protocol

from parceldesk.adapters.tracking.common import (
    Mapped,
    NodeRule,
    Notes,
    as_dict,
    as_list,
    as_text,
    classify_text,
    decide,
    find_linked,
    local_time,
    merge_linked,
    parse_edd,
    parse_iso,
    scan_side,
    to_fixed,
)
from parceldesk.adapters.tracking.timezones import zone_for
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.services.tracking_records import LinkedLeg, TrackingUpdate

__all__ = [
    "CARRIERS",
    "CODES",
    "HOME_COUNTRY",
    "RAW_SCANS",
    "REASONS",
    "STATUS",
    "RawScan",
    "carrier_aliases",
    "karrio_carrier",
    "karrio_wall_time",
    "normalise_number",
    "scan_taxonomy",
    "to_update",
    "ups_linked",
]

SOURCE_PREFIX = "karrio"

#: karrio gateway names this adapter supports (one extra package each).
CARRIERS: tuple[str, ...] = ("usps", "ups", "fedex", "dhl_universal")

#: What a shipment's ``carrier`` may say -> karrio gateway. Our slugs, common spellings
#: and 17TRACK's numeric keys (shipments first seen in a 17TRACK push store those).
_ALIASES: dict[str, str] = {
    "usps": "usps", "united states postal service": "usps", "us postal service": "usps",
    "21051": "usps",
    "ups": "ups", "united parcel service": "ups", "100002": "ups",
    "fedex": "fedex", "federal express": "fedex", "fedex ground": "fedex", "100003": "fedex",
    "dhl": "dhl_universal", "dhl_universal": "dhl_universal", "dhl express": "dhl_universal",
    "dhl_express": "dhl_universal", "dhl ecommerce": "dhl_universal",
    "dhl_ecommerce": "dhl_universal", "dhl paket": "dhl_universal",
}  # fmt: skip

#: Where a carrier's scans are when the raw response names no country.
HOME_COUNTRY: dict[str, str] = {"usps": "US", "ups": "US", "fedex": "US"}

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
_MAX_OFFSET = timedelta(hours=14)
_QUARTER = timedelta(minutes=15)
_TAGS = re.compile(r"<[^>]+>")
_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")


def normalise_number(number: str) -> str:
    return "".join(number.split()).upper()


def karrio_carrier(carrier: str) -> str | None:
    """The karrio gateway for a shipment's ``carrier`` text (``None``: not supported)."""
    return _ALIASES.get(" ".join(carrier.split()).casefold())


def carrier_aliases(gateways: Iterable[str]) -> list[str]:
    """Every ``carrier`` spelling (lower case) that routes to one of ``gateways``."""
    wanted = set(gateways)
    return sorted(alias for alias, name in _ALIASES.items() if name in wanted)


# --------------------------------------------------------------------------- taxonomy


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


# --------------------------------------------------------------------------- raw scans


class RawScan(NamedTuple):
    """One scan as the carrier's own response states it."""

    code: str
    local: datetime  # naive wall-clock time the carrier printed
    offset: timedelta | None  # the carrier's UTC offset for this scan, when it says
    country: str = ""
    state: str = ""
    city: str = ""


def _offset(text: str) -> timedelta | None:
    m = _OFFSET.match(text.strip())
    if m is None:
        return None
    sign = -1 if m.group(1) == "-" else 1
    value = sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
    return value if abs(value) <= _MAX_OFFSET else None


def _offset_between(local: datetime, utc: datetime) -> timedelta | None:
    """local - utc, rounded to a quarter hour (one side may carry seconds the other drops)."""
    diff = local - utc
    quarters = round(diff / _QUARTER)
    value = quarters * _QUARTER
    if abs(diff - value) > timedelta(minutes=2) or abs(value) > _MAX_OFFSET:
        return None
    return value


def _split_aware(moment: datetime) -> tuple[datetime, timedelta | None]:
    return moment.replace(tzinfo=None), moment.utcoffset()


def _compact(date: object, time: object) -> datetime | None:
    """UPS ``YYYYMMDD`` + ``HHMMSS`` (or ``HH:MM:SS``; leading zeros sometimes missing)."""
    day, clock = as_text(date), as_text(time).replace(":", "")
    if len(day) != 8 or not day.isdigit() or not clock.isdigit() or len(clock) > 6:
        return None
    clock = clock.zfill(6)
    try:
        return datetime.strptime(day + clock, "%Y%m%d%H%M%S")  # noqa: DTZ007 - wall time
    except ValueError:
        return None


def scans_usps(doc: dict[str, Any]) -> list[RawScan]:
    """USPS Tracking v3 ``trackingEvents``."""
    out: list[RawScan] = []
    for raw in as_list(doc.get("trackingEvents")):
        event = as_dict(raw)
        stamp = parse_iso(event.get("eventTimestamp"))
        if stamp is None:
            continue
        local, offset = _split_aware(stamp)
        offset = offset if offset is not None else _offset(as_text(event.get("GMTOffset")))
        gmt = parse_iso(event.get("GMTTimestamp"))
        if offset is None and gmt is not None:
            gmt = gmt.replace(tzinfo=None) - (gmt.utcoffset() or timedelta(0))
            offset = _offset_between(local, gmt)
        out.append(
            RawScan(
                as_text(event.get("eventCode")), local, offset,
                as_text(event.get("eventCountry")) or "US", as_text(event.get("eventState")),
                as_text(event.get("eventCity")),
            )
        )  # fmt: skip
    return out


def scans_ups(package: dict[str, Any]) -> list[RawScan]:
    """UPS Track API v1 ``package.activity``."""
    out: list[RawScan] = []
    for raw in as_list(package.get("activity")):
        activity = as_dict(raw)
        local = _compact(activity.get("date"), activity.get("time"))
        if local is None:
            continue
        offset = _offset(as_text(activity.get("gmtOffset")))
        gmt = _compact(activity.get("gmtDate"), activity.get("gmtTime"))
        if offset is None and gmt is not None:
            offset = _offset_between(local, gmt)
        address = as_dict(as_dict(activity.get("location")).get("address"))
        country = as_text(address.get("countryCode")) or as_text(address.get("country"))
        code = as_text(as_dict(activity.get("status")).get("code"))
        state, city = as_text(address.get("stateProvince")), as_text(address.get("city"))
        out.append(RawScan(code, local, offset, country, state, city))
    return out


def scans_fedex(result: dict[str, Any]) -> list[RawScan]:
    """FedEx Track v1 ``completeTrackResults[]``: the scans of every ``trackResults`` entry
    (karrio keeps only the entry with the newest scan)."""
    out: list[RawScan] = []
    for track in as_list(result.get("trackResults")):
        for raw in as_list(as_dict(track).get("scanEvents")):
            event = as_dict(raw)
            stamp = parse_iso(event.get("date"))
            if stamp is None:
                continue
            local, offset = _split_aware(stamp)
            place = as_dict(event.get("scanLocation"))
            out.append(
                RawScan(
                    as_text(event.get("eventType")), local, offset,
                    as_text(place.get("countryCode")), as_text(place.get("stateOrProvinceCode")),
                    as_text(place.get("city")),
                )
            )  # fmt: skip
    return out


def scans_dhl(shipment: dict[str, Any]) -> list[RawScan]:
    """DHL Shipment Tracking - Unified ``shipments[].events``."""
    out: list[RawScan] = []
    for raw in as_list(shipment.get("events")):
        event = as_dict(raw)
        stamp = parse_iso(as_text(event.get("timestamp")).split(".")[0] or None)
        if stamp is None:
            continue
        local, offset = _split_aware(stamp)
        address = as_dict(as_dict(event.get("location")).get("address"))
        out.append(
            RawScan(
                as_text(event.get("statusCode")), local, offset,
                as_text(address.get("countryCode")), "", as_text(address.get("addressLocality")),
            )
        )  # fmt: skip
    return out


RAW_SCANS: dict[str, Callable[[dict[str, Any]], list[RawScan]]] = {
    "usps": scans_usps,
    "ups": scans_ups,
    "fedex": scans_fedex,
    "dhl_universal": scans_dhl,
}


class _ScanIndex:
    """Raw scans by (code, minute); taken in response order (karrio keeps that order)."""

    def __init__(self, scans: Iterable[RawScan]) -> None:
        self._by_key: dict[tuple[str, datetime], deque[RawScan]] = defaultdict(deque)
        for scan in scans:
            self._by_key[_key(scan.code, scan.local)].append(scan)

    def take(self, code: str, local: datetime) -> RawScan | None:
        queue = self._by_key.get(_key(code, local))
        return queue.popleft() if queue else None


def _key(code: str, local: datetime) -> tuple[str, datetime]:
    return code.strip().casefold(), local.replace(second=0, microsecond=0)


# --------------------------------------------------------------------------- karrio model


class KarrioEvent(Protocol):
    date: str | None
    description: str | None
    code: str | None
    time: str | None
    timestamp: str | None
    status: str | None
    reason: str | None
    location: str | None


class KarrioInfo(Protocol):
    shipment_service: str | None
    shipment_origin_country: str | None
    shipment_destination_country: str | None


class KarrioDetails(Protocol):
    carrier_name: str
    tracking_number: str
    events: Sequence[KarrioEvent]
    estimated_delivery: str | None
    info: KarrioInfo | None
    status: str | None


def karrio_wall_time(event: KarrioEvent) -> datetime | None:
    """The carrier-local wall time karrio printed, *without* its bogus ``Z``."""
    stamp = parse_iso(as_text(event.timestamp) or None)
    if stamp is not None:
        return stamp.replace(tzinfo=None)
    day = parse_iso(as_text(event.date) or None)
    if day is None:
        return None
    clock = as_text(event.time)[:5]  # karrio prints "13:58 PM"
    try:
        hours, minutes = (int(x) for x in clock.split(":")) if ":" in clock else (0, 0)
        return day.replace(hour=hours, minute=minutes, tzinfo=None)
    except ValueError:
        return day.replace(tzinfo=None)


def _resolve(local: datetime, scan: RawScan | None, home: str, notes: Notes) -> datetime:
    if scan is not None:
        local = scan.local  # karrio drops the seconds of UPS scans
    if scan is not None and scan.offset is not None:
        notes.count("offset_from_carrier")
        return local.replace(tzinfo=timezone(scan.offset))
    country = (scan.country if scan else "") or home
    if scan is not None and (scan.country or scan.state or scan.city):
        aware, assumed = local_time(local, country, scan.state, scan.city)
        if not assumed:
            notes.count("offset_from_place")
            return aware
    aware, assumed = local_time(local, home)
    notes.count("assumed_utc" if assumed else "assumed_zone")
    return aware


def _clean(text: object) -> str:
    return " ".join(html.unescape(_TAGS.sub("", as_text(text))).split())


def to_update(
    details: KarrioDetails,
    *,
    carrier: str,
    tracking_number: str,
    carrier_slug: str = "",
    scans: Iterable[RawScan] = (),
    linked: Iterable[LinkedLeg] = (),
) -> TrackingUpdate:
    """One karrio ``TrackingDetails`` as a :class:`TrackingUpdate`.

    ``carrier`` is the karrio gateway name; ``tracking_number`` the number as we store it
    (karrio echoes the carrier's spelling); ``scans`` the raw scans of the same parcel
    (:data:`RAW_SCANS`), used for the offsets karrio drops.
    """
    source = f"{SOURCE_PREFIX}:{carrier}"
    notes = Notes()
    home = HOME_COUNTRY.get(carrier, "")
    info = details.info
    origin = as_text(getattr(info, "shipment_origin_country", None)) or home
    dest = as_text(getattr(info, "shipment_destination_country", None)) or home
    index = _ScanIndex(scans)
    events: dict[str, TrackingEvent] = {}
    for event in details.events or ():
        local = karrio_wall_time(event)
        if local is None:
            notes.count("skipped_events")
            continue
        code = as_text(event.code)
        scan = index.take(code, local)
        moment = _resolve(local, scan, home, notes)
        description = as_text(event.description)
        location = as_text(event.location)
        side = scan_side(scan.country if scan else "", origin, dest)
        status, node, reason, from_text = scan_taxonomy(
            carrier, as_text(event.status), as_text(event.reason), code, description,
            location, side,
        )  # fmt: skip
        if from_text:
            notes.count("status_from_text")
        te = TrackingEvent(
            to_fixed(moment), description, status, node, reason, location, code, source
        )
        events.setdefault(te.dedup_key, te)

    overall = STATUS.get(as_text(details.status))
    if details.status:
        notes.values["provider_code"] = as_text(details.status)
    if service := _clean(getattr(info, "shipment_service", None)):
        notes.values["service"] = service
    edd = parse_edd(details.estimated_delivery, zone_for(dest) if dest else None)
    ordered = sorted(events.values(), key=lambda e: (e.occurred_at.timestamp(), e.dedup_key))
    legs = list(linked)
    for e in ordered:
        legs.extend(find_linked(e.description, tracking_number))
    return TrackingUpdate(
        source=source,
        tracking_number=tracking_number,
        carrier=carrier_slug or carrier,
        events=tuple(ordered),
        carrier_edd=edd,
        provider_status=overall.status if overall else None,
        provider_reason=overall.reason if overall else None,
        linked=merge_linked(legs, tracking_number),
        extra=notes.extra(),
    )


def ups_linked(package: dict[str, Any]) -> list[LinkedLeg]:
    """UPS ``alternateTrackingNumber`` of type ``USPS_PIC``: the USPS last-mile number of
    a UPS Mail Innovations / SurePost parcel."""
    return [
        LinkedLeg(as_text(alt.get("number")), "usps", "last_mile")
        for alt in (as_dict(a) for a in as_list(package.get("alternateTrackingNumber")))
        if as_text(alt.get("type")).upper() == "USPS_PIC" and as_text(alt.get("number"))
    ]
