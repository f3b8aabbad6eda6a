"""Raw-event fingerprints: a push built against the fingerprints of stored events builds
exactly the events a full build would add, and nothing it would not."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.tracking.common import raw_fingerprint
from parceldesk.adapters.tracking.seventeen_track import parser
from parceldesk.services.event_fingerprints import FINGERPRINT_BYTES, MAX_KEPT, known, merged

from .test_tracking_17track import _event as raw_events


def _fp(n: int) -> bytes:
    return n.to_bytes(FINGERPRINT_BYTES, "big")


def test_merged_appends_only_what_is_new_and_keeps_the_latest() -> None:
    blob = merged(None, [_fp(1), _fp(2), _fp(1)])
    assert blob == _fp(1) + _fp(2)
    assert known(blob) == {_fp(1), _fp(2)}
    assert merged(blob, [_fp(2), _fp(1)]) is None  # nothing new: no write
    assert merged(blob, [b"short"]) is None  # not a fingerprint: never stored
    many = merged(blob, [_fp(n) for n in range(3, 3 + MAX_KEPT)])
    assert many is not None and len(many) == MAX_KEPT * FINGERPRINT_BYTES
    assert _fp(1) not in known(many) and _fp(2 + MAX_KEPT) in known(many)  # oldest dropped
    assert known(None) == known(b"") == frozenset()


@settings(max_examples=200, deadline=None)
@given(raw_events, raw_events)
def test_fingerprint_is_the_raw_event(a: dict[str, object], b: dict[str, object]) -> None:
    """Equal raw events (equal JSON), equal fingerprints; different ones differ; the
    source is part of it."""
    same = orjson.dumps(a) == orjson.dumps(b)
    assert (raw_fingerprint("17track", a) == raw_fingerprint("17track", b)) is same
    assert raw_fingerprint("17track", a) != raw_fingerprint("aftership", a)
    assert len(raw_fingerprint("17track", a)) == FINGERPRINT_BYTES


def _push(number: str, events: list[dict[str, object]]) -> bytes:
    return orjson.dumps(
        {
            "event": "TRACKING_UPDATED",
            "data": {
                "number": number,
                "carrier": 190107,
                "track_info": {"tracking": {"providers": [{"events": events}]}},
            },
        }
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(raw_events, min_size=1, max_size=8), st.data())
def test_building_against_known_fingerprints_adds_what_a_full_build_adds(
    events: list[dict[str, object]], data: st.DataObject
) -> None:
    body = _push("YT0001", events)
    (full,) = parser.parse_webhook(body)
    (staged,) = parser.stage_webhook(body)
    fps = full.fingerprints
    stored = data.draw(st.sets(st.sampled_from(fps)) if fps else st.just(set[bytes]()))
    part = staged.build(frozenset(stored))
    fp_of = {raw_fingerprint("17track", e): e for e in events}
    # every fingerprint of the message is reported, built or skipped, in the same order
    assert part.fingerprints == full.fingerprints
    assert part.skipped == sum(1 for fp in full.fingerprints if fp in stored)
    # what is skipped is what is stored; all the rest is built as the full build has it
    skipped_keys = {
        e.dedup_key
        for fp in stored
        for e in parser.parse_webhook(_push("YT0001", [fp_of[fp]]))[0].events
    }
    assert {e.dedup_key for e in part.events} | skipped_keys == {e.dedup_key for e in full.events}
    rest = [e for e in full.events if e.dedup_key not in skipped_keys]
    assert [e for e in part.events if e.dedup_key not in skipped_keys] == rest
    assert staged.build(frozenset()) == full
