"""karrio's normalised tracking model -> the canonical taxonomy, and karrio's times fixed.

Pure: tables and functions over karrio's ``TrackingDetails``/``TrackingEvent`` objects
(read by attribute, so karrio itself is never imported here) and over the carrier's raw
response, which the poller keeps next to karrio's parse. Facts relied on are in
claim-rules-and-tracking-formats.md 3.3-3.6 and karrio's sources (karrioapi/karrio
``modules/sdk/karrio/core/units.py`` and ``modules/connectors/<carrier>``, 2026.1).

**Status** (karrio's status and incident reasons, and where its grouping and ours
differ) is in :mod:`.taxonomy`; the carrier's own scans and offsets in :mod:`.raw_scans`.
This module puts them together.

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
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

from parceldesk.adapters.tracking.common import (
    Notes,
    as_dict,
    as_list,
    as_text,
    find_linked,
    local_time,
    merge_linked,
    parse_edd,
    parse_iso,
    scan_side,
    to_fixed,
)
from parceldesk.adapters.tracking.karrio_carriers.raw_scans import (
    RAW_SCANS,
    RawScan,
    ScanIndex,
    scans_dhl,
    scans_fedex,
    scans_ups,
    scans_usps,
)
from parceldesk.adapters.tracking.karrio_carriers.taxonomy import (
    CODES,
    REASONS,
    STATUS,
    scan_taxonomy,
)
from parceldesk.adapters.tracking.timezones import zone_for
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
    "scans_dhl",
    "scans_fedex",
    "scans_ups",
    "scans_usps",
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

_TAGS = re.compile(r"<[^>]+>")


def normalise_number(number: str) -> str:
    return "".join(number.split()).upper()


def karrio_carrier(carrier: str) -> str | None:
    """The karrio gateway for a shipment's ``carrier`` text (``None``: not supported)."""
    return _ALIASES.get(" ".join(carrier.split()).casefold())


def carrier_aliases(gateways: Iterable[str]) -> list[str]:
    """Every ``carrier`` spelling (lower case) that routes to one of ``gateways``."""
    wanted = set(gateways)
    return sorted(alias for alias, name in _ALIASES.items() if name in wanted)


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
    index = ScanIndex(scans)
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
