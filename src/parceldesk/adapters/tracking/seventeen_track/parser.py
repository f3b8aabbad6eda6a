"""17TRACK API v2.2 bodies -> :class:`TrackingUpdate` (pure: bytes in, records out).

Shapes read (sources in docs/tracking-sources.md; claim-rules-and-tracking-formats.md 3.2):

* webhook ``{"event": "TRACKING_UPDATED" | "TRACKING_STOPPED", "data": {...}}`` where
  ``data`` holds ``number``, ``carrier`` and ``track_info`` (``latest_status``,
  ``time_metrics.estimated_delivery_date{from,to}``, ``misc_info{local_number,
  local_provider, local_key}``, ``shipping_info``, ``tracking.providers[].events[]``).
  Some public fixtures put ``latest_status``/``tracking`` directly under ``data`` and
  some clients receive ``data`` as a list: both are read.
* pull API ``/gettrackinfo`` response ``{"code": 0, "data": {"accepted": [...],
  "rejected": [...]}}``; accepted items carry the same ``track_info``.

Rules: every provider's events are read (first mile and last mile report separately) and
identical scans are kept once; ``time_iso`` with an offset is authoritative over
``time_utc`` when they disagree (public client code notes that they sometimes do); a
naive ``time_iso`` takes its offset from ``time_utc`` or, failing that, from the scan's
address. Only a body that is unusable as a whole raises :class:`PayloadError`; one bad
event is skipped and counted in ``extra["skipped_events"]``.

Linked legs: ``misc_info.local_number`` (carrier from ``local_provider``/``local_key``, or
the provider entry whose key differs from ``data.carrier``) and numbers in event texts.
A second provider entry alone names the last-mile carrier but not its number; it is
reported as ``extra["last_mile_carrier"]`` so ingestion can ask for the number later.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from parceldesk.adapters.tracking.common import (
    Notes,
    as_dict,
    as_list,
    as_text,
    carrier_slug,
    decide,
    find_linked,
    load_json,
    local_time,
    merge_linked,
    parse_edd,
    parse_iso,
    raw_fingerprint,
    scan_side,
    split_location,
    to_fixed,
)
from parceldesk.adapters.tracking.seventeen_track.mapping import lookup
from parceldesk.adapters.tracking.timezones import zone_for
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.services.event_fingerprints import NONE_KNOWN
from parceldesk.services.tracking_records import LinkedLeg, PayloadError, TrackingUpdate

__all__ = ["SOURCE", "parse_gettrackinfo", "parse_webhook", "stage_webhook"]

SOURCE = "17track"
_EVENTS = {"TRACKING_UPDATED": False, "TRACKING_STOPPED": True}
_MAX_OFFSET = timedelta(hours=14)
_QUARTER = timedelta(minutes=15)
#: within 2**32 s of the epoch (1834 to February 2106) float timestamps have
#: sub-microsecond spacing
_FLOAT_EXACT_AFTER, _FLOAT_EXACT_BEFORE = 1900, 2106
_of_aware_time = TrackingEvent.of_aware_time


def parse_webhook(body: bytes) -> list[TrackingUpdate]:
    """One update per tracking number in a 17TRACK webhook push."""
    return [staged.build(NONE_KNOWN) for staged in stage_webhook(body)]


def stage_webhook(body: bytes) -> list[_Staged]:
    """``parse_webhook`` with the events not built yet (``StagedUpdate``): every
    :class:`PayloadError` is raised here."""
    doc = _object(load_json(body, "17track webhook"), "17track webhook: body")
    event = as_text(doc.get("event"))
    if event not in _EVENTS:
        raise PayloadError(
            f"17track webhook: unknown event {event!r} "
            "(expected TRACKING_UPDATED or TRACKING_STOPPED)"
        )
    data = doc.get("data")
    if isinstance(data, list):
        if not data:
            raise PayloadError("17track webhook: data is an empty list")
        return [_staged(d, f"data[{i}]", _EVENTS[event]) for i, d in enumerate(data)]
    return [_staged(data, "data", _EVENTS[event])]


def parse_gettrackinfo(body: bytes) -> list[TrackingUpdate]:
    """One update per accepted number of a ``/gettrackinfo`` response (rejected ones are
    reported by :class:`SeventeenTrackClient`, not here)."""
    doc = _object(load_json(body, "17track gettrackinfo"), "17track gettrackinfo: body")
    code = doc.get("code", 0)
    if code != 0:
        message = as_text(as_dict(doc.get("data")).get("message")) or as_text(doc.get("message"))
        raise PayloadError(f"17track gettrackinfo: API error code {code!r}: {message}")
    data = _object(doc.get("data"), "17track gettrackinfo: data")
    accepted = data.get("accepted", [])
    if not isinstance(accepted, list):
        raise PayloadError("17track gettrackinfo: data.accepted must be a list")
    return [
        _staged(a, f"data.accepted[{i}]", False).build(NONE_KNOWN) for i, a in enumerate(accepted)
    ]


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


class _Staged:
    """One number of a push, checked and not built (``tracking_records.StagedUpdate``)."""

    __slots__ = ("_obj", "_stopped", "tracking_number")

    def __init__(self, obj: dict[str, Any], number: str, stopped: bool) -> None:
        self._obj, self.tracking_number, self._stopped = obj, number, stopped

    def build(self, known: Container[bytes]) -> TrackingUpdate:
        return _update(self._obj, self.tracking_number, self._stopped, known)


def _staged(item: object, where: str, stopped: bool) -> _Staged:
    obj = _object(item, f"17track: {where}")
    number = as_text(obj.get("number"))
    if not number:
        raise PayloadError(f"17track: {where}.number is missing")
    return _Staged(obj, number, stopped)


def _update(
    obj: dict[str, Any], number: str, stopped: bool, known: Container[bytes]
) -> TrackingUpdate:
    """The update of one number; raw events whose fingerprint is ``known`` are skipped."""
    carrier = as_text(obj.get("carrier"))
    info = as_dict(obj.get("track_info"))
    if not info and ("latest_status" in obj or "tracking" in obj):
        info = obj  # flat variant seen in public fixtures
    shipping = as_dict(info.get("shipping_info"))
    origin = as_text(as_dict(shipping.get("shipper_address")).get("country"))
    dest = as_dict(shipping.get("recipient_address"))
    dest_cc = as_text(dest.get("country"))
    notes = Notes()
    latest = as_dict(info.get("latest_status"))
    main, sub = as_text(latest.get("status")), as_text(latest.get("sub_status"))
    mapped = lookup(sub, "", main) if (main or sub) else None
    if sub or main:
        notes.values["provider_code"] = sub or main

    metrics = as_dict(info.get("time_metrics"))
    edd = as_dict(metrics.get("estimated_delivery_date"))
    zone = zone_for(dest_cc, as_text(dest.get("state")), as_text(dest.get("city")))
    edd_to, edd_from = parse_edd(edd.get("to"), zone), parse_edd(edd.get("from"), zone)
    if edd_from is not None and edd_to is not None:
        notes.values["edd_from"] = edd_from.isoformat()
    if source := as_text(edd.get("source")):
        notes.values["edd_source"] = source

    events: dict[str, TrackingEvent] = {}
    legs: list[LinkedLeg] = []
    provider_keys: list[str] = []
    fingerprints: list[bytes] = []
    skipped = 0
    for provider in as_list(as_dict(info.get("tracking")).get("providers")):
        entry = as_dict(provider)
        key = as_text(as_dict(entry.get("provider")).get("key"))
        if key:
            provider_keys.append(key)
        for raw in as_list(entry.get("events")):
            if not isinstance(raw, dict):
                notes.count("skipped_events")
                continue
            fingerprint = raw_fingerprint(SOURCE, raw)
            if fingerprint in known:  # stored already: nothing to build
                fingerprints.append(fingerprint)
                skipped += 1
                continue
            event = _event(raw, origin, dest_cc, notes)
            if event is None:
                notes.count("skipped_events")
                continue
            fingerprints.append(fingerprint)
            events.setdefault(event.dedup_key, event)

    misc = as_dict(info.get("misc_info"))
    other = next((k for k in provider_keys if k != carrier), "")
    local_number = as_text(misc.get("local_number"))
    if local_number:
        provider_name = as_text(misc.get("local_provider"))
        leg_carrier = (
            carrier_slug(provider_name) or as_text(misc.get("local_key")) or other or provider_name
        )
        legs.append(LinkedLeg(local_number, leg_carrier, "last_mile"))
    elif other:
        notes.values["last_mile_carrier"] = other  # a second carrier, number not revealed
    ordered = _chronological(events.values())
    for event in ordered:
        legs.extend(find_linked(event.description, number))
    estimate = edd_to or edd_from
    return TrackingUpdate(
        source=SOURCE,
        tracking_number=number,
        carrier=carrier,
        events=tuple(ordered),
        carrier_edd=estimate,
        edd_as_of=_stated_at(info, ordered) if estimate is not None else None,
        provider_status=mapped.status if mapped else None,
        provider_reason=mapped.reason if mapped else None,
        linked=merge_linked(legs, number),
        stopped=stopped,
        extra=notes.extra(),
        fingerprints=tuple(fingerprints),
        skipped=skipped,
    )


def _stated_at(info: dict[str, Any], ordered: list[TrackingEvent]) -> datetime | None:
    """How recent 17TRACK's view was (it dates no message): its ``latest_event``'s time,
    else the newest event built from this push."""
    latest = as_dict(info.get("latest_event"))
    for field in ("time_utc", "time_iso"):
        moment = parse_iso(latest.get(field))
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(UTC)
    return ordered[-1].occurred_at.astimezone(UTC) if ordered else None


def _chronological(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Events by (instant, dedup key): ``_chronological_reference`` without a float
    ``timestamp()`` per event (5x faster on a 10-event history). Aware datetimes compare
    by their exact instant; from 1901 to 2105 distinct microsecond instants have distinct
    float timestamps too, so both orders agree; other years keep the float order."""
    items = list(events)
    if all(_FLOAT_EXACT_AFTER < e.occurred_at.year < _FLOAT_EXACT_BEFORE for e in items):
        return sorted(items, key=lambda e: (e.occurred_at, e.dedup_key))
    return _chronological_reference(items)


def _chronological_reference(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    return sorted(events, key=lambda e: (e.occurred_at.timestamp(), e.dedup_key))


def _event(raw: object, origin: str, dest: str, notes: Notes) -> TrackingEvent | None:
    """One provider event, or ``None`` when it has no usable time.

    Every push repeats the whole history, and the texts, places and codes of scans repeat
    across parcels (the same facilities, the same carrier wording): everything but the
    time comes from ``_template``, memoised on exactly the fields it reads. The time is
    read per event (``_moment``). ``_event_reference`` is the unmemoised original the
    property test compares this with."""
    if not isinstance(raw, dict):
        return None
    address = raw.get("address")
    if isinstance(address, dict):
        country, state = as_text(address.get("country")), as_text(address.get("state"))
        city = as_text(address.get("city"))
    else:
        country = state = city = ""
    # ``as_text`` inlined for the usual strings and nulls (a call each, 10 % of a push)
    description, location = raw.get("description"), raw.get("location")
    sub, stage = raw.get("sub_status"), raw.get("stage")
    description = description.strip() if type(description) is str else as_text(description)
    location = location.strip() if type(location) is str else as_text(location)
    sub = "" if sub is None else sub.strip() if type(sub) is str else as_text(sub)
    stage = "" if stage is None else stage.strip() if type(stage) is str else as_text(stage)
    found = _template(location, description, sub, stage, country, state, city, origin, dest)
    location, country, state, status, node, reason, code = found
    moment = _moment(raw, country, state, city, notes)
    if moment is None:
        return None
    # ``_moment`` only returns aware times
    return _of_aware_time(moment, description, status, node, reason, location, code, SOURCE)


@lru_cache(maxsize=1 << 15)
def _template(
    location: str, description: str, sub: str, stage: str, country: str, state: str,
    city: str, origin: str, dest: str,
) -> tuple[str, str, str, Status, Node | None, ExceptionReason | None, str]:  # fmt: skip
    """What an event's text fields decide: (location, country, state, status, node,
    reason, code); ``country``/``state`` from the structured address, else read from
    the location text."""
    if not country:
        country, state = split_location(location)
    if not location:
        location = ", ".join(x for x in (city, state, country) if x)
    mapped = lookup(sub, stage) if (sub or stage) else None
    status, node, reason = decide(mapped, description, location, scan_side(country, origin, dest))
    return location, country, state, status, node, reason, sub or stage


def _event_reference(raw: object, origin: str, dest: str, notes: Notes) -> TrackingEvent | None:
    """``_event`` without the memo, as it was written first (for the property test)."""
    if not isinstance(raw, dict):
        return None
    address = as_dict(raw.get("address"))
    location = as_text(raw.get("location"))
    country, state = as_text(address.get("country")), as_text(address.get("state"))
    city = as_text(address.get("city"))
    if not country:
        country, state = split_location(location)
    moment = _moment(raw, country, state, city, notes)
    if moment is None:
        return None
    if not location:
        location = ", ".join(x for x in (city, state, country) if x)
    description = as_text(raw.get("description"))
    sub, stage = as_text(raw.get("sub_status")), as_text(raw.get("stage"))
    mapped = lookup(sub, stage) if (sub or stage) else None
    status, node, reason = decide(mapped, description, location, scan_side(country, origin, dest))
    return TrackingEvent(moment, description, status, node, reason, location, sub or stage, SOURCE)


def _moment(
    raw: dict[str, Any], country: str, state: str, city: str, notes: Notes
) -> datetime | None:
    """When the scan happened, with the carrier-local offset wherever it can be known."""
    local, utc = parse_iso(raw.get("time_iso")), parse_iso(raw.get("time_utc"))
    if utc is not None:
        utc = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc.astimezone(UTC)
    if local is not None and local.tzinfo is not None:
        if utc is not None and abs((local - utc).total_seconds()) >= 60:
            notes.count("time_disagreements")  # time_iso wins: it carries the offset
        return local
    if local is not None:
        if utc is not None:
            offset = local - utc.replace(tzinfo=None)
            if abs(offset) <= _MAX_OFFSET and offset % _QUARTER == timedelta(0):
                return local.replace(tzinfo=timezone(offset))
        aware, assumed = local_time(local, country, state, city)
        if assumed:
            notes.count("assumed_utc")
        return aware
    if utc is not None:
        zone = zone_for(country, state, city) if country else None
        return to_fixed(utc.astimezone(zone)) if zone is not None else utc
    return None
