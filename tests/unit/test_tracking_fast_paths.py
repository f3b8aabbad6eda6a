"""Memoised fast paths of tracking normalisation against the code they replace.

* ``seventeen_track.parser._event`` (text fields from the memoised ``_template``) against
  ``_event_reference`` (the original, unmemoised), on arbitrary raw events, repeatedly and
  in varying contexts so that memo hits are exercised;
* ``domain.tracking.event_dedup_key`` (memoised text part) against the formula it had.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.tracking.common import Notes
from parceldesk.adapters.tracking.seventeen_track import parser
from parceldesk.domain.taxonomy import Status
from parceldesk.domain.tracking import TrackingEvent, event_dedup_key
from parceldesk.services.tracking_records import LinkedLeg, TrackingUpdate, events_update

from .test_tracking_17track import _event as raw_events
from .test_tracking_17track import _texts

_places = st.sampled_from(["", "CN", "US", "HK", "GB", "ZZ"])
_contexts = st.tuples(_places, _places)


def _same(a: TrackingEvent | None, b: TrackingEvent | None) -> bool:
    if a is None or b is None:
        return a is b
    return (
        a == b
        and a.dedup_key == b.dedup_key
        and a.occurred_at.utcoffset() == b.occurred_at.utcoffset()
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(raw_events | _texts, _contexts), min_size=1, max_size=6))
def test_memoised_event_equals_reference(items: list[tuple[object, tuple[str, str]]]) -> None:
    for raw, (origin, dest) in items * 2:  # the second round hits the memo
        fast_notes, ref_notes = Notes(), Notes()
        fast = parser._event(raw, origin, dest, fast_notes)
        ref = parser._event_reference(raw, origin, dest, ref_notes)
        assert _same(fast, ref)
        assert fast_notes.extra() == ref_notes.extra()


def _reference_key(occurred_at: datetime, description: str, location: str, code: str) -> str:
    norm = "\x1f".join(
        (
            f"{occurred_at.timestamp():.0f}",
            " ".join(description.split()).casefold(),
            " ".join(location.split()).casefold(),
            code.strip().casefold(),
        )
    )
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


_moments = st.builds(
    lambda ts, minutes: datetime.fromtimestamp(ts, timezone(timedelta(minutes=minutes))),
    st.floats(0, 7.2e9, allow_nan=False) | st.integers(-2_000_000_000, 7_200_000_000),
    st.integers(-14 * 60, 14 * 60),
)  # whole seconds (the key's integer fast path) and fractions, before and after 1970
_words = st.text(max_size=20) | st.sampled_from(["  Arrived  at\tHub ", "ARRIVED AT HUB", "ß", ""])


@settings(max_examples=400, deadline=None)
@given(_moments, _words, _words, _words)
def test_dedup_key_equals_reference(
    at: datetime, description: str, location: str, code: str
) -> None:
    for _ in range(2):
        assert event_dedup_key(at, description, location, code) == _reference_key(
            at, description, location, code
        )


_FIRST = datetime(1, 1, 2)  # noqa: DTZ001 (naive on purpose)
_LAST = datetime(9999, 12, 30)  # noqa: DTZ001
_instants = st.datetimes(min_value=_FIRST, max_value=_LAST, timezones=st.just(None))


@settings(max_examples=300, deadline=None)
@given(_instants, st.integers(-14 * 60, 14 * 60), st.booleans())
def test_bulk_datetime_processor_equals_the_composed_one(
    naive: datetime, minutes: int, aware: bool
) -> None:
    from sqlalchemy.dialects import sqlite

    from parceldesk.adapters.db.types import UTCDateTime

    dialect = sqlite.dialect()
    kind = UTCDateTime()
    fast = kind.bulk_bind_processor(dialect)
    slow = kind._cached_bind_processor(dialect)
    assert fast is not None and slow is not None
    value = naive.replace(tzinfo=timezone(timedelta(minutes=minutes))) if aware else naive
    try:
        expected = slow(value)
    except (ValueError, OverflowError) as exc:
        with pytest.raises(type(exc)):
            fast(value)
        return
    assert fast(value) == expected
    assert fast(None) is slow(None) is None


# all years, and the float-precision edge around 2**32 s (February 2106)
_EDGE_LOW, _EDGE_HIGH = datetime(2105, 12, 1), datetime(2106, 3, 1)  # noqa: DTZ001
_sort_instants = st.datetimes(_FIRST, _LAST) | st.datetimes(_EDGE_LOW, _EDGE_HIGH)
_offsets = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_sort_instants, _offsets, st.sampled_from(["a", "b"])), max_size=12))
def test_chronological_equals_timestamp_sort(items: list[tuple[datetime, timezone, str]]) -> None:
    """``parser._chronological`` (datetime comparison) against the float-timestamp sort."""
    events = []
    for naive, tz, text in items:
        try:
            local = naive.replace(tzinfo=UTC).astimezone(tz)
            later = local + timedelta(microseconds=1)
        except OverflowError:
            continue
        events += [TrackingEvent(local, text, Status.IN_TRANSIT)]
        events += [TrackingEvent(later, text, Status.IN_TRANSIT)]
    fast = parser._chronological(events)
    ref = parser._chronological_reference(events)
    assert [id(e) for e in fast] == [id(e) for e in ref]  # the same order, ties included


@given(_moments, _words, _words, _words)
def test_event_of_aware_time_equals_the_constructed_one(
    at: datetime, description: str, location: str, code: str
) -> None:
    built = TrackingEvent(at, description, Status.IN_TRANSIT, None, None, location, code, "x")
    again = TrackingEvent.of_aware_time(
        at, description, Status.IN_TRANSIT, None, None, location, code, "x"
    )
    assert _same(again, built)
    assert again.sort_key() == built.sort_key()
    with pytest.raises(AttributeError):
        again.description = "changed"  # type: ignore[misc]


@given(_words, _words, st.lists(st.sampled_from(["usps", "ups"]), max_size=2))
def test_events_update_equals_the_constructed_one(
    number: str, carrier: str, legs: list[str]
) -> None:
    linked = tuple(LinkedLeg(f"9400{i}", slug) for i, slug in enumerate(legs))
    event = TrackingEvent(datetime(2026, 1, 1, tzinfo=UTC), "x", Status.IN_TRANSIT)
    fast = events_update("events_csv", number, carrier, (event,), linked)
    slow = TrackingUpdate("events_csv", number, carrier, (event,), linked=linked)
    assert fast == slow
    assert {f.name: getattr(fast, f.name) for f in fields(TrackingUpdate)} == {
        f.name: getattr(slow, f.name) for f in fields(TrackingUpdate)
    }
    assert fast.extra is not events_update("x", "y", "", (), ()).extra  # never shared
