"""``advance_state`` (incremental, from the cached state) must agree with ``derive_state``
(from every event): ingestion uses the first on every push and relies on the second's
order independence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import TrackingEvent, advance_state, derive_state

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-7))]

events = st.builds(
    TrackingEvent,
    # few distinct instants, so that ties (broken on status, node, key) are common
    occurred_at=st.builds(
        lambda hours, zone: (T0 + timedelta(hours=hours)).astimezone(zone),
        st.integers(0, 12),
        st.sampled_from(ZONES),
    ),
    description=st.sampled_from(["scan", "Arrived", "清关完成", "Delivered", "Held"]),
    status=st.sampled_from(Status),
    node=st.none() | st.sampled_from(Node),
    reason=st.none() | st.sampled_from(ExceptionReason),
    location=st.sampled_from(["", "Shenzhen", "Denver, CO, US"]),
)


def _split(
    history: list[TrackingEvent], cut: int
) -> tuple[list[TrackingEvent], list[TrackingEvent]]:
    old = history[:cut]
    known = {e.dedup_key for e in old}
    return old, [e for e in history[cut:] if e.dedup_key not in known]


@settings(max_examples=300)
@given(history=st.lists(events, max_size=12), cut=st.integers(0, 12))
def test_incremental_state_equals_full_derivation_or_declines(
    history: list[TrackingEvent], cut: int
) -> None:
    old, new = _split(history, cut)
    advanced = advance_state(derive_state(old), new)
    if advanced is not None:
        assert advanced == derive_state(old + new)


@given(history=st.lists(events, min_size=1, max_size=12), cut=st.integers(0, 12))
def test_in_order_arrivals_are_always_derived_incrementally(
    history: list[TrackingEvent], cut: int
) -> None:
    """Scans pushed in time order (the usual case) never need the full history."""
    by_time = sorted({e.dedup_key: e for e in history}.values(), key=TrackingEvent.sort_key)
    # keep one scan per instant so that "later" is strict
    distinct: dict[float, TrackingEvent] = {}
    for e in by_time:
        distinct.setdefault(e.occurred_at.timestamp(), e)
    ordered = list(distinct.values())
    old, new = ordered[:cut], ordered[cut:]
    advanced = advance_state(derive_state(old), new)
    assert advanced == derive_state(ordered)


def test_a_late_scan_from_the_past_declines() -> None:
    """An out-of-order scan may change node or reason in the middle: full derivation."""
    later = TrackingEvent(T0 + timedelta(hours=5), "Arrived", Status.IN_TRANSIT)
    earlier = TrackingEvent(T0, "Held", Status.EXCEPTION, Node.IMPORT_CUSTOMS)
    assert advance_state(derive_state([later]), [earlier]) is None
    assert advance_state(derive_state([later]), []) == derive_state([later])


def test_a_scan_at_the_same_instant_declines() -> None:
    """Same instant: the order depends on status rank, which the cached state lacks."""
    delivered = TrackingEvent(T0, "Delivered", Status.DELIVERED, Node.DELIVERED)
    same_minute = TrackingEvent(T0, "Out for delivery", Status.OUT_FOR_DELIVERY)
    assert advance_state(derive_state([delivered]), [same_minute]) is None
    assert derive_state([delivered, same_minute]).status is Status.DELIVERED


def test_node_and_delivery_time_carry_over_from_the_old_state() -> None:
    delivered = TrackingEvent(T0, "Delivered", Status.DELIVERED, Node.DELIVERED)
    note = TrackingEvent(T0 + timedelta(hours=1), "scan", Status.IN_TRANSIT)
    state = advance_state(derive_state([delivered]), [note])
    assert state is not None
    assert (state.node, state.delivered_at, state.event_count) == (Node.DELIVERED, T0, 2)
    assert state.status is Status.IN_TRANSIT
