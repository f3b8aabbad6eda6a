"""The scans as the carrier's own response states them: code, wall time, UTC offset, place.

karrio stamps the carrier's *local* wall time with a ``Z`` and drops the offset the
carrier gave; these readers recover, per scan, what the raw response says:

* USPS v3: ``GMTOffset`` ("-05:00"); else the difference to ``GMTTimestamp`` (rounded
  to a quarter hour: the GMT stamp carries seconds the local one drops).
* UPS Track v1: ``gmtOffset``; else the difference between ``date``/``time`` and
  ``gmtDate``/``gmtTime`` (fields of the UPS OpenAPI ``Activity`` schema).
* FedEx Track v1: ``scanEvents[].date`` is ISO 8601 with the scan's offset.
* DHL Unified: ``events[].timestamp`` when it carries an offset.

``mapping`` matches karrio's events to these scans by (event code, minute) with
:class:`ScanIndex`.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from parceldesk.adapters.tracking.common import as_dict, as_list, as_text, parse_iso

__all__ = [
    "RAW_SCANS",
    "RawScan",
    "ScanIndex",
    "parse_offset",
    "scans_dhl",
    "scans_fedex",
    "scans_ups",
    "scans_usps",
]

_MAX_OFFSET = timedelta(hours=14)
_QUARTER = timedelta(minutes=15)
_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")


class RawScan(NamedTuple):
    """One scan as the carrier's own response states it."""

    code: str
    local: datetime  # naive wall-clock time the carrier printed
    offset: timedelta | None  # the carrier's UTC offset for this scan, when it says
    country: str = ""
    state: str = ""
    city: str = ""


def parse_offset(text: str) -> timedelta | None:
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
        offset = offset if offset is not None else parse_offset(as_text(event.get("GMTOffset")))
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
        offset = parse_offset(as_text(activity.get("gmtOffset")))
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


class ScanIndex:
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
