"""Each detector on its own: when it fires, what it says, and that only ``as_of`` counts."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from parceldesk.domain.detection.detectors import (
    DetectionConfig,
    carrier_exception,
    delivered_not_received,
    detect,
    loss_assessment,
    not_picked_up,
    overdue,
    returned,
    suspected_lost,
)
from parceldesk.domain.detection.dwell import DwellModel, group_path
from parceldesk.domain.detection.fitting import DwellModelBuilder
from parceldesk.domain.detection.types import BuyerReport, ExceptionKind, ShipmentSnapshot
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node, Status

NOW = datetime(2026, 11, 18, 23, 59, tzinfo=UTC)  # a Wednesday
CHANNEL = "YunExpress US Standard"
CFG = DetectionConfig()


def parcel(**changes: object) -> ShipmentSnapshot:
    base = ShipmentSnapshot(
        shipment_id=7,
        tracking_number="YT2530821234567890",
        carrier="yunexpress",
        channel=CHANNEL,
        destination_country="US",
        status=Status.IN_TRANSIT,
        node=Node.LAST_MILE_FACILITY,
        reason=None,
        last_event_at=NOW - timedelta(hours=6),
        delivered_at=None,
        ship_date=date(2026, 11, 9),
        promised_date=date(2026, 11, 28),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def model() -> DwellModel:
    """Last-mile facility: parcels leave within about a day; 1 % are never seen again.
    Labels: picked up within about a day; 2 % never are."""
    rng = random.Random(11)
    b = DwellModelBuilder(NOW.timestamp())
    path = group_path("yunexpress", CHANNEL, "US")
    for _ in range(3000):
        t0 = (NOW - timedelta(days=rng.uniform(10, 80))).timestamp()
        lost = rng.random() < 0.01
        t1 = t0 + 3600 * 14 * rng.lognormvariate(0, 0.5)
        events = [(t0 - 30 * 3600, "info_received", "label_created", None)]
        if rng.random() < 0.02:
            b.add_history(path, events)
            continue
        events += [(t0, "in_transit", "last_mile_facility", None)]
        if not lost:
            events.append((t1, "delivered", "delivered", None))
        b.add_history(path, events)
    return b.build()


def test_snapshots_and_reports_refuse_naive_times() -> None:
    with pytest.raises(InvalidValue):
        parcel(last_event_at=datetime(2026, 11, 18, 12, 0))  # noqa: DTZ001
    with pytest.raises(InvalidValue):
        BuyerReport("X1", datetime(2026, 11, 18))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("status", "reason", "expected", "words"),
    [
        (Status.EXCEPTION, R.DAMAGED, R.DAMAGED, "damaged"),
        (Status.EXCEPTION, R.LOST, R.LOST, "declared the parcel lost"),
        (Status.EXCEPTION, R.CUSTOMS_HOLD, R.CUSTOMS_HOLD, "held by customs"),
        (Status.FAILED_ATTEMPT, R.ADDRESS_ISSUE, R.ADDRESS_ISSUE, "address problem"),
        (Status.FAILED_ATTEMPT, R.REFUSED, R.REFUSED, "refused"),
        (Status.FAILED_ATTEMPT, R.RECIPIENT_UNAVAILABLE, R.RECIPIENT_UNAVAILABLE, "not available"),
        (Status.EXCEPTION, None, R.OTHER, "reported an exception"),
    ],
)
def test_carrier_exception_keeps_the_carriers_reason(
    status: Status, reason: R | None, expected: R, words: str
) -> None:
    found = carrier_exception(parcel(status=status, reason=reason, node=Node.IMPORT_CUSTOMS), NOW)
    assert found is not None and found.kind is ExceptionKind.CARRIER_EXCEPTION
    assert found.reason is expected and words in found.explanation
    assert "2026-11-18 17:59 UTC" in found.explanation and found.node is Node.IMPORT_CUSTOMS


def test_carrier_exception_is_silent_for_normal_and_returning_parcels() -> None:
    assert carrier_exception(parcel(), NOW) is None
    assert (
        carrier_exception(parcel(status=Status.EXCEPTION, reason=R.RETURNED_TO_SENDER), NOW) is None
    )


def test_returned_keeps_the_cause_when_the_carrier_gave_one() -> None:
    going = returned(parcel(status=Status.RETURNING, reason=R.REFUSED), NOW)
    assert going is not None and going.reason is R.REFUSED
    assert going.explanation.startswith("heading back to the sender since")
    back = returned(parcel(status=Status.RETURNED, node=Node.RETURNED, reason=None), NOW)
    assert back is not None and back.reason is R.RETURNED_TO_SENDER and back.silent_hours is None
    assert returned(parcel(), NOW) is None


def test_overdue_waits_until_the_promised_day_has_ended_everywhere() -> None:
    promised = parcel(promised_date=date(2026, 11, 17), carrier_edd=None)
    # 2026-11-17 ends at 12:00 UTC on the 18th in UTC-12
    assert overdue(promised, datetime(2026, 11, 18, 11, 0, tzinfo=UTC)) is None
    late = overdue(promised, NOW)
    assert late is not None and late.reason is R.DELAYED
    assert "promised by 2026-11-17 (1.0 days late)" in late.explanation
    edd = parcel(carrier_edd=datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    found = overdue(edd, NOW)
    assert found is not None and "carrier's estimate of 2026-11-16" in found.explanation
    assert overdue(replace(promised, status=Status.DELIVERED), NOW) is None
    assert (
        overdue(replace(promised, node=Node.LABEL_CREATED, status=Status.INFO_RECEIVED), NOW)
        is None
    )


def test_delivered_not_received_needs_a_report_made_after_delivery() -> None:
    delivered = parcel(
        status=Status.DELIVERED, node=Node.DELIVERED, delivered_at=NOW - timedelta(days=2)
    )
    after = BuyerReport(delivered.tracking_number, NOW - timedelta(days=1), "nothing in the box")
    found = delivered_not_received(delivered, [after], NOW)
    assert found is not None and found.kind is ExceptionKind.DELIVERED_NOT_RECEIVED
    assert found.reason is R.LOST and "nothing in the box" in found.explanation
    before = replace(after, reported_at=NOW - timedelta(days=3))
    later = replace(after, reported_at=NOW + timedelta(hours=1))
    other = replace(after, tracking_number="OTHER")
    for reports in ([before], [later], [other]):
        assert delivered_not_received(delivered, reports, NOW) is None
    assert delivered_not_received(parcel(), [after], NOW) is None  # not delivered


def test_suspected_lost_when_silent_far_longer_than_normal(model: DwellModel) -> None:
    fresh = parcel(last_event_at=NOW - timedelta(hours=10))
    stale = parcel(last_event_at=NOW - timedelta(days=6))
    a_fresh, a_stale = loss_assessment(fresh, NOW, model), loss_assessment(stale, NOW, model)
    assert a_fresh is not None and a_stale is not None
    assert suspected_lost(fresh, a_fresh, CFG.loss_threshold) is None
    found = suspected_lost(stale, a_stale, CFG.loss_threshold)
    assert found is not None and found.reason is R.LOST and found.node is Node.LAST_MILE_FACILITY
    assert found.loss_probability == a_stale.probability > 0.9
    assert found.silent_hours == pytest.approx(144)
    text = found.explanation
    assert text.startswith("no scan for 6.0 days at a last-mile facility; 95 % of this channel's")
    assert "% of parcels silent this long here were never delivered" in text


def test_no_loss_question_for_delivered_returning_or_declared_lost(model: DwellModel) -> None:
    old = NOW - timedelta(days=20)
    for s in (
        parcel(status=Status.DELIVERED, node=Node.DELIVERED, last_event_at=old),
        parcel(status=Status.RETURNING, last_event_at=old),
        parcel(status=Status.EXCEPTION, reason=R.LOST, last_event_at=old),
    ):
        assert loss_assessment(s, NOW, model) is None


def test_not_picked_up_from_the_label_stage(model: DwellModel) -> None:
    label = parcel(status=Status.INFO_RECEIVED, node=Node.LABEL_CREATED)
    young = replace(label, last_event_at=NOW - timedelta(hours=20))
    old = replace(label, last_event_at=NOW - timedelta(days=8))
    assert not_picked_up(young, loss_assessment(young, NOW, model), NOW, CFG) is None
    found = not_picked_up(old, loss_assessment(old, NOW, model), NOW, CFG)
    assert found is not None and found.kind is ExceptionKind.NOT_PICKED_UP
    assert found.node is Node.LABEL_CREATED and "never picked up" in found.explanation
    # suspected_lost does not also fire on a parcel that was never scanned
    assert suspected_lost(old, loss_assessment(old, NOW, model), 0.0) is None


def test_not_picked_up_without_any_tracking_uses_the_ship_date() -> None:
    untracked = parcel(
        status=Status.PENDING, node=None, last_event_at=None,
        ship_date=date(2026, 11, 12),
    )  # fmt: skip
    found = not_picked_up(untracked, None, NOW, CFG)
    assert (
        found is not None and "no tracking information at all after 7.0 days" in found.explanation
    )
    assert not_picked_up(replace(untracked, ship_date=date(2026, 11, 16)), None, NOW, CFG) is None
    assert not_picked_up(replace(untracked, ship_date=None), None, NOW, CFG) is None


def test_detect_runs_everything_and_the_instant_is_the_only_clock(model: DwellModel) -> None:
    s = parcel(
        last_event_at=datetime(2026, 11, 10, 12, 0, tzinfo=UTC), promised_date=date(2026, 11, 15)
    )
    found, assessment = detect(s, NOW, model, CFG)
    assert {e.kind for e in found} == {ExceptionKind.SUSPECTED_LOST, ExceptionKind.OVERDUE}
    assert assessment is not None
    earlier = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)
    assert detect(s, earlier, model, CFG)[0] == []  # the same parcel, judged at another instant
    assert detect(s, NOW, model, CFG) == (found, assessment)  # deterministic


def test_the_fast_path_flags_exactly_what_the_full_assessment_flags(model: DwellModel) -> None:
    for hours in range(0, 24 * 12, 3):
        for status, node in ((Status.IN_TRANSIT, Node.LAST_MILE_FACILITY),
                             (Status.INFO_RECEIVED, Node.LABEL_CREATED)):  # fmt: skip
            s = parcel(status=status, node=node, last_event_at=NOW - timedelta(hours=hours))
            full, assessment = detect(s, NOW, model, CFG)
            fast, _ = detect(s, NOW, model, CFG, assess_all=False)
            assert fast == full
            assert assessment is not None
