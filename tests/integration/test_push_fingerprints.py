"""Full-history pushes in bulk files: events already stored are recognised by their raw
fingerprint and not built again; what is stored is what building everything stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import Engine, select, update

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.tracking.seventeen_track import parser
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.domain.tracking import derive_state
from parceldesk.services.bulk_ingest import ingest_message_lines, ingest_update_stream
from parceldesk.services.event_fingerprints import FINGERPRINT_BYTES, known

STEPS = [
    ("Shipment information received", "Shenzhen, CN", "+08:00"),
    ("已揽收", "Shenzhen, CN", "+08:00"),
    ("离开【深圳转运中心】，发往【香港】", "Shenzhen, CN", "+08:00"),
    ("航班已起飞", "Hong Kong, HK", "+08:00"),
    ("Arrived at destination country", "Los Angeles, CA, US", "-08:00"),
    ("Customs clearance completed", "Los Angeles, CA, US", "-08:00"),
]
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
#: over 50 parcels a batch: PostgreSQL's array statements (fingerprints as ``bytea[]``)
PARCELS = [f"YT26{n:014d}" for n in range(60)]


def _raw(i: int, k: int) -> dict[str, object]:
    text, place, offset = STEPS[k]
    hours = int(offset[:3])
    at = T0 + timedelta(hours=9 * k, minutes=i)
    local = (at + timedelta(hours=hours)).replace(tzinfo=None).isoformat() + offset
    return {"time_iso": local, "time_utc": None, "description": text, "location": place}


def push(i: int, k: int) -> bytes:
    """What 17TRACK sends after parcel ``i``'s scan ``k``: every scan so far, newest first."""
    events = [_raw(i, j) for j in reversed(range(k + 1))]
    return orjson.dumps(
        {
            "event": "TRACKING_UPDATED",
            "data": {
                "number": PARCELS[i],
                "carrier": 190107,
                "track_info": {"tracking": {"providers": [{"events": events}]}},
            },
        }
    )


def feed() -> list[tuple[int, bytes]]:
    """Pushes interleaved across parcels, as real traffic: each step of every parcel."""
    bodies = [push(i, k) for k in range(len(STEPS)) for i in range(len(PARCELS))]
    return list(enumerate(bodies, 1))


def ingest(uow_factory, clock, lines, batch_size=70):  # type: ignore[no-untyped-def]
    return ingest_message_lines(
        uow_factory, iter(lines), source="17track", parse=WEBHOOK_SOURCES["17track"].stage,
        clock=clock, batch_size=batch_size,
    )  # fmt: skip


def stored(engine: Engine) -> tuple[set[tuple[str, str]], dict[str, tuple[object, ...]]]:
    with engine.connect() as conn:
        keys = conn.execute(
            select(t.Shipment.tracking_number, t.TrackingEvent.dedup_key).join(
                t.Shipment, t.Shipment.id == t.TrackingEvent.shipment_id
            )
        ).all()
        states = conn.execute(
            select(
                t.Shipment.tracking_number, t.Shipment.status, t.Shipment.node,
                t.Shipment.event_count, t.Shipment.last_event_at,
            )
        ).all()  # fmt: skip
    return {(n, k) for n, k in keys}, {row[0]: tuple(row[1:]) for row in states}


def expected() -> tuple[set[tuple[str, str]], dict[str, tuple[object, ...]]]:
    """Everything built from each parcel's last push, as the webhook path builds it."""
    keys: set[tuple[str, str]] = set()
    states: dict[str, tuple[object, ...]] = {}
    for i, number in enumerate(PARCELS):
        (update,) = parser.parse_webhook(push(i, len(STEPS) - 1))
        keys |= {(number, e.dedup_key) for e in update.events}
        s = derive_state(update.events)
        states[number] = (s.status.value, s.node.value if s.node else None, s.event_count,
                          s.last_event_at)  # fmt: skip
    return keys, states


def fingerprints(engine: Engine) -> dict[str, bytes | None]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.Shipment.tracking_number, t.Shipment.event_fingerprints))
        return {n: blob for n, blob in rows}


def test_pushes_build_only_new_events_and_store_what_a_full_build_stores(
    engine: Engine, uow_factory, clock
) -> None:
    report = ingest(uow_factory, clock, feed())
    n, steps = len(PARCELS), len(STEPS)
    assert report.totals.events_new == n * steps
    assert report.totals.events_duplicate == n * sum(range(steps))  # skipped count as such
    assert stored(engine) == expected()
    blobs = fingerprints(engine)
    assert {len(b or b"") for b in blobs.values()} == {steps * FINGERPRINT_BYTES}
    # the next push of a parcel builds its one new event only
    (staged,) = parser.stage_webhook(push(0, steps - 1) + b" ")
    update = staged.build(known(blobs[PARCELS[0]]))
    assert (len(update.events), update.skipped) == (0, steps)
    again = ingest(uow_factory, clock, [(1, push(0, steps - 1) + b" ")])  # other bytes
    assert (again.totals.events_new, again.totals.events_duplicate) == (0, steps)


def test_missing_fingerprints_only_cost_a_rebuild(engine: Engine, uow_factory, clock) -> None:
    """Fingerprints are a shortcut: parcels whose fingerprints are gone (or never were:
    events from an events CSV) dedupe by key as before, and get them back."""
    lines = feed()
    half = len(lines) // 2
    ingest(uow_factory, clock, lines[:half])
    with engine.begin() as conn:
        conn.execute(update(t.Shipment).values(event_fingerprints=None))
    csv_update = parser.parse_webhook(push(1, len(STEPS) - 1))[0]
    ingest_update_stream(uow_factory, [csv_update], clock=clock)  # parcel 1: all, no prints
    report = ingest(uow_factory, clock, lines[half:])
    assert half == len(PARCELS) * 3  # the first three scans of every parcel
    assert report.totals.events_new == len(PARCELS) * 3 - 3  # parcel 1 had them from the CSV
    assert stored(engine) == expected()
    assert all(blob for blob in fingerprints(engine).values())
