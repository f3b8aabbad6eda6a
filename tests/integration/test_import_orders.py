"""The canonical import end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.importers.group_feed import forked_groups
from parceldesk.services.import_grouping import local_groups
from tests.fixtures.canonical import row, write_csv
from tests.integration import helpers
from tests.integration.helpers import counts, run_orders, run_shipments, snapshot


@pytest.fixture(autouse=True, params=["read-here", "read-forked"])
def feed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: rows read in this process, and read by a forked child (as
    ``parceldesk import orders`` does for a large file)."""
    chosen = local_groups if request.param == "read-here" else forked_groups
    monkeypatch.setattr(helpers, "FEED", [chosen])


def test_imports_multi_item_multi_parcel_order(
    tmp_path: Path, engine: Engine, uow_factory, clock: FixedClock
) -> None:
    path = write_csv(tmp_path / "o.csv", [
        row(),
        row(sku="SPOON", item_name="Spoon", quantity="1", unit_price="8.00", tracking_number="YT2530821234567891"),
        row(order_id="1002", buyer_name="Li Wei", ship_to_country="SG", currency="SGD", tracking_number=""),
    ])  # fmt: skip
    report = run_orders(uow_factory, clock, path)
    assert report.committed and report.ok
    assert (report.orders_new, report.shipments_new) == (2, 2)
    assert counts(engine) == {"orders": 2, "lines": 3, "shipments": 2, "stores": 1}
    with engine.connect() as conn:
        order = conn.execute(select(t.Order).where(t.Order.platform_order_id == "1001")).one()
        assert order.order_date == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)
        prices = conn.scalars(select(t.OrderLine.unit_price).order_by(t.OrderLine.id)).all()
        assert prices[:2] == [Decimal("12.50"), Decimal("8.00")]
        ship = conn.execute(
            select(t.Shipment).where(t.Shipment.tracking_number == "YT2530821234567890")
        ).one()
        assert ship.promised_date == date(2026, 11, 20)
        assert ship.declared_value == Decimal("25.00") and ship.value_currency == "USD"
        assert ship.destination_country == "US" and ship.carrier == "yunexpress"


def test_reimport_is_idempotent_and_changes_are_applied(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    rows = [row(), row(sku="SPOON", quantity="1"), row(order_id="1002", tracking_number="")]
    path = write_csv(tmp_path / "o.csv", rows)
    run_orders(uow_factory, clock, path)
    before = snapshot(engine)
    again = run_orders(uow_factory, clock, path)
    assert (again.orders_new, again.orders_updated, again.orders_unchanged) == (0, 0, 2)
    assert snapshot(engine) == before
    rows[1] = row(sku="SPOON", quantity="3")
    changed = run_orders(uow_factory, clock, write_csv(tmp_path / "o2.csv", rows))
    assert (changed.orders_updated, changed.orders_unchanged) == (1, 1)
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(t.OrderLine.quantity)).all()) == [2, 2, 3]


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"order_date": "2026-13-45"}, "order_date", "not a valid date"),
        ({"ship_date": "yesterday"}, "ship_date", "not a date"),
        ({"currency": "XYZ"}, "currency", "unknown currency"),
        ({"quantity": "-1"}, "quantity", "positive"),
        ({"quantity": "1.5"}, "quantity", "whole number"),
        ({"unit_price": "abc"}, "unit_price", "not an amount"),
        ({"unit_price": "-3.00"}, "unit_price", "must not be negative"),
        ({"signature_required": "maybe"}, "signature_required", "true/false"),
        ({"ship_to_country": "USA"}, "ship_to_country", "alpha-2"),
        ({"platform": "myspace"}, "platform", "unknown platform"),
        ({"store": ""}, "store", "no store"),
        ({"tracking_number": "#?"}, "tracking_number", "not a tracking number"),
        ({"promised_date": "2026-11-01"}, "tracking_number", "before ship date"),
        ({"order_id": ""}, "order_id", "order id is empty"),
    ],
)
def test_each_validation_error_names_file_row_column_and_stores_nothing(
    tmp_path: Path,
    engine: Engine,
    uow_factory,
    clock,
    change: dict[str, str],
    column: str,
    reason: str,
) -> None:
    good = write_csv(tmp_path / "good.csv", [row(order_id="900", tracking_number="LX123456785CN")])
    run_orders(uow_factory, clock, good)
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row(order_id="1", tracking_number="YT1111111111111111"),
            row(**({"order_id": "2"} | change)),
        ],
    )
    report = run_orders(uow_factory, clock, path)
    assert not report.committed and report.error_count == 1
    error = report.errors[0]
    assert (error.file, error.row, error.column) == ("bad.csv", 3, column)
    assert reason in error.reason
    assert f"bad.csv: row 3: column {column!r}" in str(error)
    assert snapshot(engine) == before


def test_tracking_number_on_two_orders_in_one_file(tmp_path: Path, uow_factory, clock) -> None:
    path = write_csv(tmp_path / "o.csv", [row(order_id="1"), row(order_id="2")])
    report = run_orders(uow_factory, clock, path)
    assert not report.committed
    assert report.errors[0].row == 3
    assert "already claimed by order 1 (row 2)" in report.errors[0].reason


def test_tracking_number_owned_by_another_order_in_database(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", [row(order_id="1")]))
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "b.csv", [row(order_id="2")]))
    assert not report.committed
    assert "already belongs to order 1" in report.errors[0].reason
    assert counts(engine)["orders"] == 1


def test_skip_invalid_imports_valid_orders_and_rejects_whole_bad_order(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    path = write_csv(tmp_path / "o.csv", [
        row(order_id="1", tracking_number="YT1111111111111111"),
        row(order_id="2", tracking_number="YT2222222222222222"),
        row(order_id="2", sku="BAD", quantity="0", tracking_number="YT2222222222222222"),
        row(order_id="3", tracking_number="YT3333333333333333"),
    ])  # fmt: skip
    report = run_orders(uow_factory, clock, path, skip_invalid=True)
    assert report.committed and report.orders_new == 2
    assert set(report.rejected_rows) == {3, 4}
    assert "rejected because of row 4" in report.rejected_rows[3][0]
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(t.Order.platform_order_id)).all()) == ["1", "3"]


def test_dry_run_validates_and_stores_nothing(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "o.csv", [row()]), dry_run=True)
    assert report.ok and report.orders_new == 1 and not report.committed
    assert counts(engine)["orders"] == 0


def test_non_adjacent_rows_of_one_order_are_merged_idempotently(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    rows = [
        row(order_id="1", tracking_number="YT1111111111111111"),
        row(order_id="2", tracking_number="YT2222222222222222"),
        row(order_id="1", sku="LATE", tracking_number="YT1111111111111112"),
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    run_orders(uow_factory, clock, path)
    before = snapshot(engine)
    run_orders(uow_factory, clock, path)
    assert snapshot(engine) == before
    with engine.connect() as conn:
        order1 = conn.scalar(select(t.Order.id).where(t.Order.platform_order_id == "1"))
        skus = conn.scalars(select(t.OrderLine.sku).where(t.OrderLine.order_id == order1)).all()
        ships = conn.scalars(
            select(t.Shipment.tracking_number).where(t.Shipment.order_id == order1)
        ).all()
    assert sorted(skus) == ["LATE", "MUG"] and len(ships) == 2


def test_import_shipments_attaches_parcels_and_reports_unknown_orders(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    run_orders(
        uow_factory, clock, write_csv(tmp_path / "o.csv", [row(order_id="#5", tracking_number="")])
    )
    cols = [
        "order_id",
        "tracking_number",
        "carrier",
        "channel",
        "ship_date",
        "declared_value",
        "currency",
    ]
    good = write_csv(tmp_path / "t.csv", [{"order_id": "#5", "tracking_number": "9400 1000 0000 0000 0000 00", "carrier": "USPS",
                                          "channel": "USPS Ground Advantage", "ship_date": "2026-11-04",
                                          "declared_value": "19.99", "currency": "USD"}], cols)  # fmt: skip
    report = run_shipments(uow_factory, clock, good)
    assert report.committed and report.shipments_new == 1
    bad = write_csv(
        tmp_path / "bad.csv",
        [{"order_id": "#404", "tracking_number": "9400100000000000000099"}],
        cols,
    )
    report = run_shipments(uow_factory, clock, bad)
    assert not report.committed
    assert report.errors[0].column == "order_id" and "not imported yet" in report.errors[0].reason
    with engine.connect() as conn:
        ship = conn.execute(select(t.Shipment)).one()
    assert ship.tracking_number == "9400100000000000000000" and ship.carrier == "usps"
    assert ship.declared_value == Decimal("19.99")


def test_import_attaches_tracking_that_arrived_before_its_order(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    with engine.begin() as conn:
        conn.execute(t.Shipment.__table__.insert().values(
            tracking_number="YT2530821234567890", status="in_transit", leg_role="single", event_count=3,
            created_at=clock.now(), updated_at=clock.now(), carrier="", channel="", service="",
            origin_country="", destination_country="", signature_required=False))  # fmt: skip
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "o.csv", [row()]))
    assert report.shipments_attached == 1 and report.shipments_new == 0
    with engine.connect() as conn:
        ship = conn.execute(select(t.Shipment)).one()
    assert ship.order_id is not None and ship.status == "in_transit" and ship.event_count == 3


def test_reimport_still_validates_rows_an_unchanged_hash_cannot_see(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    """An item row without a quantity adds nothing to the order's content hash; the
    re-import must still build the order and refuse the row, not call it unchanged."""
    rows = [row(order_id="1", tracking_number="YT1111111111111111")]
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", rows))
    before = snapshot(engine)
    rows.append(row(order_id="1", sku="EXTRA", quantity="", tracking_number=""))
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "b.csv", rows))
    assert not report.committed and report.error_count == 1
    error = report.errors[0]
    assert (error.row, error.column) == (3, "quantity") and "missing" in error.reason
    assert snapshot(engine) == before


def test_reimport_refuses_a_parcel_row_that_a_later_row_of_the_order_overrides(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    """The later row's parcel replaces the earlier; the earlier row's bad dates are
    still an error, although the stored hash matches what the later row says."""
    rows = [row(order_id="1"), row(order_id="1", sku="SPOON")]
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", rows))
    rows[0] = row(order_id="1", promised_date="2026-11-01")  # same lines, same final parcel
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "b.csv", rows))
    assert not report.committed
    assert (report.errors[0].row, report.errors[0].column) == (2, "tracking_number")
    assert "before ship date" in report.errors[0].reason


def test_reimport_refuses_unchanged_order_whose_parcel_an_earlier_order_claims(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", [row(order_id="2")]))
    path = write_csv(
        tmp_path / "b.csv",
        [row(order_id="1", tracking_number="YT2530821234567890"), row(order_id="2")],
    )
    report = run_orders(uow_factory, clock, path)
    assert not report.committed
    assert report.errors[0].row == 3
    assert "already claimed by order 1 (row 2)" in report.errors[0].reason


def test_reimport_in_batches_counts_unchanged_and_merges_repeated_orders(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    rows = [row(order_id=str(n), tracking_number=f"YT{n:016d}") for n in range(1, 8)]
    rows.append(row(order_id="2", sku="LATE", tracking_number="YT0000000000000002"))
    path = write_csv(tmp_path / "o.csv", rows)
    first = run_orders(uow_factory, clock, path, batch_size=3)
    assert first.committed and first.orders_new == 7
    before = snapshot(engine)
    again = run_orders(uow_factory, clock, path, batch_size=3)
    assert again.committed and again.orders_new == 0 and again.orders_unchanged == 7
    assert snapshot(engine) == before
