"""AfterShip Tracking webhook bodies -> :class:`TrackingUpdate` (pure: bytes in, record out).

Shape (https://www.aftership.com/docs/tracking/2025-01/webhook/webhook-specifications;
claim-rules-and-tracking-formats.md 3.1): ``{"event", "event_id", "is_tracking_first_tag",
"ts", "msg": <tracking object>}``. The tracking object's fields follow the
AfterShip/tracking-sdk-python models (``tracking.py``, ``checkpoint.py``,
``last_mile_tracking.py``, ``courier_estimated_delivery_date_tracking.py``,
``aftership_estimated_delivery_date_tracking.py``); the older ``expected_delivery`` and
``country_iso3``/``zip`` names are read too.

Decisions:

* All three event types carry the full tracking object, so all are parsed the same way
  and ``extra["event"]`` says which one it was. ``edd_revise`` is mostly about the EDD,
  but its checkpoints are real data and re-reading them is harmless (events are
  de-duplicated downstream); ``tracking_pending_time`` ("no update for N hours") is kept
  rather than dropped because the heartbeat is itself evidence for stall detection.
* ``message_id`` is ``event_id`` (AfterShip's idempotency key).
* ``checkpoint_time`` normally has *no* offset: it is local to the checkpoint. It is
  resolved from the checkpoint's country/state/city (:mod:`..timezones`); unknown places
  are taken as UTC and counted in ``extra["assumed_utc"]``.
* ``carrier_edd``: the carrier's estimate first (``courier_estimated_delivery_date``,
  legacy ``expected_delivery``), then AfterShip's prediction
  (``aftership_estimated_delivery_date``: an object or a bare date), then
  ``latest_estimated_delivery``; ``extra["edd_source"]`` names the field used. Dates are
  midnight at the destination.
* ``raw_code`` of an event is the AfterShip subtag (else tag): the code the status was
  mapped from, so a surprising status can be traced to a table row.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from parceldesk.adapters.tracking.aftership.mapping import lookup
from parceldesk.adapters.tracking.common import (
    Notes,
    as_dict,
    as_list,
    as_text,
    decide,
    find_linked,
    load_json,
    local_time,
    merge_linked,
    parse_edd,
    parse_iso,
    scan_side,
    split_location,
)
from parceldesk.adapters.tracking.timezones import zone_for
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.services.tracking_records import LinkedLeg, PayloadError, TrackingUpdate

__all__ = ["EVENTS", "SOURCE", "parse_webhook"]

SOURCE = "aftership"
EVENTS = frozenset({"tracking_update", "edd_revise", "tracking_pending_time"})
_EDD_FIELDS = (
    ("courier_estimated_delivery_date", "courier"),
    ("expected_delivery", "expected_delivery"),
    ("aftership_estimated_delivery_date", "aftership"),
    ("latest_estimated_delivery", "latest_estimated_delivery"),
)


def parse_webhook(body: bytes) -> TrackingUpdate:
    """The update one AfterShip webhook carries."""
    doc = load_json(body, "aftership webhook")
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        raise PayloadError(f"aftership webhook: body must be a JSON object, got {kind}")
    event = as_text(doc.get("event"))
    if event not in EVENTS:
        raise PayloadError(
            f"aftership webhook: unknown event {event!r} (expected one of {sorted(EVENTS)})"
        )
    msg = doc.get("msg")
    if not isinstance(msg, dict):
        raise PayloadError("aftership webhook: msg is missing or not an object")
    tracking = msg
    if "tracking_number" not in msg and isinstance(msg.get("tracking"), dict):
        tracking = msg["tracking"]  # wrapped variant: {"msg": {"tracking": {...}}}
    number = as_text(tracking.get("tracking_number"))
    if not number:
        raise PayloadError("aftership webhook: msg.tracking_number is missing")
    notes = Notes()
    notes.values["event"] = event
    origin = _first_text(tracking, "origin_country_iso3", "origin_country_region")
    dest = _first_text(tracking, "destination_country_iso3", "destination_country_region")
    dest_zone = zone_for(
        dest, as_text(tracking.get("destination_state")), as_text(tracking.get("destination_city"))
    )
    tag, subtag = as_text(tracking.get("tag")), as_text(tracking.get("subtag"))
    mapped = lookup(subtag, tag) if (tag or subtag) else None
    if subtag or tag:
        notes.values["provider_code"] = subtag or tag

    events: dict[str, TrackingEvent] = {}
    for raw in as_list(tracking.get("checkpoints")):
        checkpoint = _event(raw, origin, dest, notes)
        if checkpoint is None:
            notes.count("skipped_events")
        else:
            events.setdefault(checkpoint.dedup_key, checkpoint)
    ordered = sorted(events.values(), key=lambda e: (e.occurred_at.timestamp(), e.dedup_key))

    legs: list[LinkedLeg] = []
    for field, role in (("last_mile", "last_mile"), ("first_mile", "first_mile")):
        leg = as_dict(tracking.get(field))
        if leg_number := as_text(leg.get("tracking_number")):
            legs.append(LinkedLeg(leg_number, as_text(leg.get("slug")), role))
    for courier in as_list(tracking.get("next_couriers")):
        nxt = as_dict(courier)
        if nxt_number := as_text(nxt.get("tracking_number")):
            legs.append(LinkedLeg(nxt_number, as_text(nxt.get("slug")), "last_mile"))
    for checkpoint in ordered:
        legs.extend(find_linked(checkpoint.description, number))

    event_id = as_text(doc.get("event_id"))
    edd = _edd(tracking, dest_zone, notes)
    return TrackingUpdate(
        source=SOURCE,
        tracking_number=number,
        carrier=as_text(tracking.get("slug")),
        events=tuple(ordered),
        carrier_edd=edd,
        edd_as_of=_stated_at(doc, tracking) if edd is not None else None,
        provider_status=mapped.status if mapped else None,
        provider_reason=mapped.reason if mapped else None,
        linked=merge_linked(legs, number),
        message_id=event_id or None,
        extra=notes.extra(),
    )


def _stated_at(doc: dict[str, Any], tracking: dict[str, Any]) -> datetime | None:
    """When AfterShip said this: the webhook's ``ts`` (epoch seconds), else the tracking's
    ``updated_at``; ``None`` when neither is readable."""
    ts = doc.get("ts")
    if isinstance(ts, int | float) and not isinstance(ts, bool) and 0 < ts < 7_258_118_400:
        return datetime.fromtimestamp(ts, UTC)
    updated = parse_iso(tracking.get("updated_at"))
    return updated.astimezone(UTC) if updated is not None and updated.tzinfo else None


def _first_text(obj: dict[str, Any], *keys: str) -> str:
    return next((text for k in keys if (text := as_text(obj.get(k)))), "")


def _edd(tracking: dict[str, Any], zone: tzinfo | None, notes: Notes) -> datetime | None:
    for field, source in _EDD_FIELDS:
        value = tracking.get(field)
        if isinstance(value, dict):
            value = (
                value.get("estimated_delivery_date")
                or value.get("datetime")
                or value.get("estimated_delivery_date_max")
                or value.get("datetime_max")
            )
        moment = parse_edd(value, zone)
        if moment is not None:
            notes.values["edd_source"] = source
            return moment
    return None


def _event(raw: object, origin: str, dest: str, notes: Notes) -> TrackingEvent | None:
    """One checkpoint, or ``None`` when its time is missing or unreadable."""
    if not isinstance(raw, dict):
        return None
    country = _first_text(
        raw, "country_iso3", "country_region", "country_name", "country_region_name"
    )
    state, city = as_text(raw.get("state")), as_text(raw.get("city"))
    location = as_text(raw.get("location"))
    if not country:
        country, guessed_state = split_location(location)
        state = state or guessed_state
    moment = parse_iso(raw.get("checkpoint_time"))
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment, assumed = local_time(moment, country, state, city)
        if assumed:
            notes.count("assumed_utc")
    if not location:
        location = ", ".join(x for x in (city, state, country) if x)
    message = as_text(raw.get("message"))
    tag, subtag = as_text(raw.get("tag")), as_text(raw.get("subtag"))
    mapped = lookup(subtag, tag) if (tag or subtag) else None
    status, node, reason = decide(mapped, message, location, scan_side(country, origin, dest))
    return TrackingEvent(moment, message, status, node, reason, location, subtag or tag, SOURCE)
