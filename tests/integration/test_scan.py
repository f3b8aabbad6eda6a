"""``scan`` on SQLite and PostgreSQL: every kind opened, idempotent repeats, closing and
reopening, buyers' reports, the CLI's JSON lines, and scans of the past.

The world (``seed``) goes through the real paths -- canonical order import, then
``ingest_update_stream`` -- so the cached state the scan reads is what ingestion keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.domain.detection.types import BuyerReport
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.services.bulk_ingest import ingest_update_stream
from parceldesk.services.scan import run_scan
from parceldesk.services.tracking_records import TrackingUpdate
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders
from tests.integration.test_cli import run

T = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CHANNEL = "YunExpress US Standard"
CHAIN = (
    (Status.INFO_RECEIVED, Node.LABEL_CREATED),
    (Status.IN_TRANSIT, Node.FIRST_MILE_PICKUP),
    (Status.IN_TRANSIT, Node.ORIGIN_FACILITY),
    (Status.IN_TRANSIT, Node.LINEHAUL_DEPARTED),
    (Status.IN_TRANSIT, Node.IMPORT_CUSTOMS),
    (Status.IN_TRANSIT, Node.LAST_MILE_FACILITY),
    (Status.OUT_FOR_DELIVERY, Node.OUT_FOR_DELIVERY),
    (Status.DELIVERED, Node.DELIVERED),
)
LOST = "YT0000000000000LOST"
DELIVERED = "YT00000000000DELIVERED"
#: tracking number -> (kind, reason) the scan must report at ``T``
EXPECTED = {
    LOST: ("suspected_lost", "lost"),
    "YT000000000000000HELD": ("carrier_exception", "customs_hold"),
    "YT0000000000000BACK": ("returned", "refused"),
    "YT00000000000000LABEL": ("not_picked_up", "other"),
    "YT000000000000000LATE": ("overdue", "delayed"),
}


def event(
    at: datetime, status: Status, node: Node | None, reason: ExceptionReason | None = None
) -> TrackingEvent:
    text = f"{status.value} {node.value if node else ''} {reason.value if reason else ''}"
    return TrackingEvent(at, text.strip(), status, node, reason, location="Somewhere")


def chain(start: datetime, steps: int, hours: float = 12) -> list[TrackingEvent]:
    return [event(start + timedelta(hours=hours * k), *CHAIN[k]) for k in range(steps)]


def histories() -> dict[str, list[TrackingEvent]]:
    out: dict[str, list[TrackingEvent]] = {}
    for i in range(80):  # delivered background parcels: every step takes 8-16 hours
        out[f"YT{i:016d}BG"] = chain(
            T - timedelta(days=40, hours=-9 * i), len(CHAIN), hours=8 + (i % 5) * 2
        )
    out[LOST] = chain(T - timedelta(days=11), 6)  # last scan 8.5 days ago
    out["YT0000000000000MOVE"] = chain(T - timedelta(days=2, hours=12), 6)  # 12 h ago: fine
    out["YT000000000000000HELD"] = [
        *chain(T - timedelta(days=4), 5),
        event(T - timedelta(hours=20), Status.EXCEPTION, Node.IMPORT_CUSTOMS,
              ExceptionReason.CUSTOMS_HOLD),
    ]  # fmt: skip
    out["YT0000000000000BACK"] = [
        *chain(T - timedelta(days=6), 7),
        event(T - timedelta(days=2), Status.RETURNING, None, ExceptionReason.REFUSED),
    ]
    out["YT00000000000000LABEL"] = chain(T - timedelta(days=9), 1)
    out["YT000000000000000LATE"] = chain(T - timedelta(days=2), 5)
    out[DELIVERED] = chain(T - timedelta(days=6), len(CHAIN))
    return out


def seed(
    uow_factory: Callable[[], Any],
    tmp_path: Path,
    *,
    late: Sequence[TrackingUpdate] = (),
    late_clock: datetime = T + timedelta(hours=1),
) -> None:
    """Orders imported a month before ``T``, every event up to ``T`` received at ``T``;
    then ``late`` updates received at ``late_clock``."""
    rows = [
        row(order_id=f"#{i}", tracking_number=number, channel=CHANNEL, ship_date="2026-10-10",
            promised_date="2026-11-18" if number.endswith("LATE") else "2026-12-20")
        for i, number in enumerate(sorted(histories()))
    ]  # fmt: skip
    run_orders(uow_factory, FixedClock(T - timedelta(days=30)), write_csv(tmp_path / "o.csv", rows))
    updates = [
        TrackingUpdate("events_csv", number, "yunexpress", tuple(evs))
        for number, evs in sorted(histories().items())
    ]
    ingest_update_stream(uow_factory, updates, clock=FixedClock(T))
    if late:
        ingest_update_stream(uow_factory, late, clock=FixedClock(late_clock))


def open_rows(uow_factory: Callable[[], Any]) -> dict[tuple[str, str], Any]:
    with uow_factory() as uow:
        return {(r.tracking_number, r.kind.value): r for r in uow.exceptions.listing()}


def table(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.ShipmentException).order_by(t.ShipmentException.id))
        return [tuple(r) for r in rows]


def test_scan_raises_each_kind_with_an_explanation(uow_factory, tmp_path: Path) -> None:
    seed(uow_factory, tmp_path)
    report = run_scan(uow_factory(), as_of=T)
    found = open_rows(uow_factory)
    for number, (kind, reason) in EXPECTED.items():
        assert (number, kind) in found, (number, kind, sorted(found))
        assert found[(number, kind)].reason.value == reason
    assert not any(number == "YT0000000000000MOVE" for number, _ in found)
    assert not any(number.endswith("BG") for number, _ in found)
    lost = found[(LOST, "suspected_lost")]
    assert lost.node is Node.LAST_MILE_FACILITY and lost.silent_hours == 11 * 24 - 60
    assert lost.loss_probability is not None and lost.loss_probability > 0.5
    assert lost.first_detected_at == T
    assert "at a last-mile facility; 95 % of" in lost.explanation
    assert report.opened == len(found) and report.closed == 0 and report.open == len(found)


def test_repeat_scan_at_the_same_instant_changes_nothing(
    engine: Engine, uow_factory, tmp_path: Path
) -> None:
    seed(uow_factory, tmp_path)
    run_scan(uow_factory(), as_of=T)
    before = table(engine)
    again = run_scan(uow_factory(), as_of=T)
    assert (again.opened, again.refreshed, again.closed) == (0, 0, 0)
    assert table(engine) == before


def test_exception_closes_when_the_parcel_moves_and_a_recurrence_opens_a_new_row(
    engine: Engine, uow_factory, tmp_path: Path
) -> None:
    seed(uow_factory, tmp_path)
    run_scan(uow_factory(), as_of=T)
    moved = T + timedelta(hours=2)
    update = TrackingUpdate(
        "events_csv", LOST, "yunexpress", (event(T + timedelta(hours=1), *CHAIN[6]),)
    )
    ingest_update_stream(uow_factory, [update], clock=FixedClock(moved))
    report = run_scan(uow_factory(), as_of=moved)
    assert (LOST, "suspected_lost") not in open_rows(uow_factory) and report.closed >= 1
    later = T + timedelta(days=12)
    run_scan(uow_factory(), as_of=later)
    assert (LOST, "suspected_lost") in open_rows(uow_factory)
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.ShipmentException.status, t.ShipmentException.closed_at)
            .join(t.Shipment, t.Shipment.id == t.ShipmentException.shipment_id)
            .where(t.Shipment.tracking_number == LOST, t.ShipmentException.kind == "suspected_lost")
            .order_by(t.ShipmentException.id)
        ).all()
    assert [tuple(r) for r in rows] == [("closed", moved), ("open", None)]


def test_buyer_reports_drive_delivered_not_received(uow_factory, tmp_path: Path) -> None:
    seed(uow_factory, tmp_path)
    report = BuyerReport(DELIVERED, T - timedelta(hours=3), "porch was empty")
    run_scan(uow_factory(), as_of=T, reports=[report])
    dnr = open_rows(uow_factory)[(DELIVERED, "delivered_not_received")]
    assert dnr.reason is ExceptionReason.LOST and "porch was empty" in dnr.explanation
    run_scan(uow_factory(), as_of=T + timedelta(hours=1))  # no reports given: no opinion
    assert (DELIVERED, "delivered_not_received") in open_rows(uow_factory)
    run_scan(uow_factory(), as_of=T + timedelta(hours=2), reports=[])  # none any more
    assert (DELIVERED, "delivered_not_received") not in open_rows(uow_factory)


def test_a_scan_of_the_past_ignores_what_happened_or_arrived_later(
    uow_factory, tmp_path: Path
) -> None:
    later = (
        event(T - timedelta(hours=30), *CHAIN[6]),  # occurred before T, arrived after
        event(T + timedelta(hours=3), *CHAIN[7]),  # occurred after T
    )
    late = [TrackingUpdate("events_csv", LOST, "yunexpress", later)]
    seed(uow_factory, tmp_path, late=late, late_clock=T + timedelta(hours=4))
    run_scan(uow_factory(), as_of=T)
    found = open_rows(uow_factory)
    assert (LOST, "suspected_lost") in found
    assert found[(LOST, "suspected_lost")].silent_hours == 11 * 24 - 60


def test_cli_scan_json_lines(db_url: str, uow_factory, tmp_path: Path) -> None:
    seed(uow_factory, tmp_path)
    reports = tmp_path / "reports.csv"
    reports.write_text(f"tracking_number,reported_at,note\n{DELIVERED},2026-11-22T08:00:00Z,gone\n")
    args = ("scan", "--as-of", "2026-11-22T17:00:00+08:00", "--json", "--reports", str(reports))
    result = run(*args, db=db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    keys = {"tracking_number", "kind", "reason", "first_detected_at", "loss_probability", "node",
            "silent_hours", "explanation"}  # fmt: skip
    assert all(set(line) == keys for line in lines)
    got = {(line["tracking_number"], line["kind"]): line for line in lines}
    assert {(n, k) for n, (k, _) in EXPECTED.items()} <= set(got)
    assert got[(DELIVERED, "delivered_not_received")]["reason"] == "lost"
    lost = got[(LOST, "suspected_lost")]
    assert (
        lost["first_detected_at"] == "2026-11-22T09:00:00+00:00"
        and lost["node"] == "last_mile_facility"
    )
    assert got[("YT000000000000000HELD", "carrier_exception")]["loss_probability"] is None
    repeat = run(*args, db=db_url, cwd=tmp_path)
    assert repeat.stdout == result.stdout
    bad = run("scan", "--as-of", "2026-11-22T09:00:00", db=db_url, cwd=tmp_path)
    assert bad.returncode != 0 and "no timezone offset" in bad.stderr
    assert "Traceback" not in bad.stderr
