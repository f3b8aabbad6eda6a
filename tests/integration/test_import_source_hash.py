"""A re-import skips the rows of orders it stored from the very same text, unread
(``orders.source_hash``, ADR 0011), and ends exactly as reading them would have."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.importers import source as source_module
from parceldesk.adapters.importers.source import ExportFile
from parceldesk.services.import_records import RawRun
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders, snapshot


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Order ids of the runs the import read, in order."""
    seen: list[str] = []
    parse = ExportFile.parse

    def counting(self: ExportFile, run: RawRun) -> list[Any]:
        seen.append(run.key[1])
        return parse(self, run)

    monkeypatch.setattr(ExportFile, "parse", counting)
    return seen


def _rows() -> list[dict[str, str]]:
    return [
        row(order_id="1", tracking_number="YT0000000000000001"),
        row(order_id="1", sku="SPOON", quantity="1", tracking_number="YT0000000000000001"),
        row(order_id="2", tracking_number="YT0000000000000002", currency="SGD"),
        row(order_id="3", tracking_number=""),
    ]


def test_reimport_of_the_same_file_reads_no_row(
    tmp_path: Path, engine: Engine, uow_factory, clock: FixedClock, reads: list[str]
) -> None:
    path = write_csv(tmp_path / "o.csv", _rows())
    first = run_orders(uow_factory, clock, path)
    assert first.committed and first.orders_new == 3 and reads == ["1", "2", "3"]
    with engine.connect() as conn:
        hashes = conn.scalars(select(t.Order.source_hash)).all()
    assert len(set(hashes)) == 3 and all(len(h or "") == 32 for h in hashes)
    before = snapshot(engine)
    reads.clear()
    again = run_orders(uow_factory, clock, path)
    assert again.committed and (again.rows, again.orders_unchanged) == (4, 3)
    assert reads == []
    assert snapshot(engine) == before


def test_a_changed_row_is_read_and_only_its_order_updated(
    tmp_path: Path, engine: Engine, uow_factory, clock: FixedClock, reads: list[str]
) -> None:
    rows = _rows()
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", rows))
    rows[1] = row(order_id="1", sku="SPOON", quantity="4", tracking_number="YT0000000000000001")
    reads.clear()
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "b.csv", rows))
    assert (report.orders_updated, report.orders_unchanged) == (1, 2)
    assert reads == ["1"]
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(t.OrderLine.quantity)).all()) == [2, 2, 2, 4]
    reads.clear()
    assert run_orders(uow_factory, clock, tmp_path / "b.csv").orders_unchanged == 3
    assert reads == []


def test_rows_padded_differently_are_read_once_then_skipped(
    tmp_path: Path, engine: Engine, uow_factory, clock: FixedClock, reads: list[str]
) -> None:
    """Other text, same content (TAB padding): unchanged, and the stored source hash
    follows the new text so that the next import of it reads nothing."""
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", _rows()))
    before = snapshot(engine)
    padded = [{k: f"{v}\t" if k == "buyer_name" else v for k, v in r.items()} for r in _rows()]
    path = write_csv(tmp_path / "b.csv", padded)
    reads.clear()
    report = run_orders(uow_factory, clock, path)
    assert report.orders_unchanged == 3 and reads == ["1", "2", "3"]
    changed = [a for a, b in zip(snapshot(engine), before, strict=True) if a != b]
    assert len(changed) == 3  # the three orders' source hashes, nothing else
    reads.clear()
    assert run_orders(uow_factory, clock, path).orders_unchanged == 3 and reads == []


def test_other_options_or_reading_rules_read_the_rows_again(
    tmp_path: Path,
    engine: Engine,
    uow_factory,
    clock: FixedClock,
    reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path / "o.csv", _rows())
    run_orders(uow_factory, clock, path)
    reads.clear()
    assert run_orders(uow_factory, clock, path, default_currency="USD").orders_unchanged == 3
    assert reads == ["1", "2", "3"]  # the build falls back to it: in the hash
    reads.clear()
    assert run_orders(uow_factory, clock, path, default_currency="USD").orders_unchanged == 3
    assert reads == []
    reads.clear()
    assert run_orders(uow_factory, clock, path, store="acme-us").orders_unchanged == 3
    assert reads == ["1", "2", "3"]  # ``--store`` is read by the format: in the hash
    monkeypatch.setattr(source_module, "reading_rules", lambda: "another release")
    reads.clear()
    assert run_orders(uow_factory, clock, path, store="acme-us").orders_unchanged == 3
    assert reads == ["1", "2", "3"]


def test_an_unchanged_order_whose_parcel_an_earlier_new_order_claims_is_read(
    tmp_path: Path, uow_factory, clock: FixedClock, reads: list[str]
) -> None:
    run_orders(uow_factory, clock, write_csv(tmp_path / "a.csv", [row(order_id="2")]))
    reads.clear()
    report = run_orders(
        uow_factory, clock, write_csv(tmp_path / "b.csv", [row(order_id="1"), row(order_id="2")])
    )
    assert reads == ["1", "2"] and not report.committed
    assert "already claimed by order 1 (row 2)" in report.errors[0].reason


# -- the shortcut changes nothing but speed ------------------------------------------

_POOL = [
    row(order_id="1", tracking_number="YT0000000000000001"),
    row(order_id="1", sku="SPOON", quantity="1", tracking_number="YT0000000000000001"),
    row(order_id="1", tracking_number="YT0000000000000009"),
    row(order_id="2", tracking_number="YT0000000000000002"),
    row(order_id="2", tracking_number="YT0000000000000001"),
    row(order_id="2", quantity="x"),
    row(order_id="3", tracking_number="", store="acme-sg"),
    row(order_id="3", tracking_number="", store="acme-us"),
    row(order_id="4", unit_price="9.99", tracking_number="YT0000000000000004"),
    row(order_id="4", unit_price="9.990", tracking_number="YT0000000000000004"),
]


@pytest.fixture
def fresh_sqlite(sqlite_template: Path, tmp_path: Path) -> Iterator[Any]:
    made: list[Engine] = []

    def new(name: str) -> Any:
        path = tmp_path / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        made.append(engine)
        return engine, lambda: SqlUnitOfWork(engine)

    yield new
    for engine in made:
        engine.dispose()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(_POOL), min_size=1, max_size=6),
    st.lists(st.sampled_from(_POOL), min_size=1, max_size=6),
    st.booleans(),
)
def test_imports_end_as_they_would_reading_every_row(
    tmp_path: Path,
    fresh_sqlite: Any,
    monkeypatch: pytest.MonkeyPatch,
    first: list[dict[str, str]],
    second: list[dict[str, str]],
    skip_invalid: bool,
) -> None:
    clock = FixedClock(datetime(2026, 12, 7, 12, tzinfo=UTC))
    a = write_csv(tmp_path / "a.csv", first)
    b = write_csv(tmp_path / "b.csv", second)
    results = []
    for name, rules in (("shortcut", None), ("read-all", "never the same")):
        engine, uow_factory = fresh_sqlite(name)
        with monkeypatch.context() as m:
            reports = []
            for n, path in enumerate((a, b, a, b)):
                if rules is not None:  # every import under other rules: every row is read
                    m.setattr(source_module, "reading_rules", lambda n=n, r=rules: f"{r} {n}")
                report = run_orders(uow_factory, clock, path, skip_invalid=skip_invalid)
                reports.append(
                    (
                        report.committed,
                        report.orders_new,
                        report.orders_updated,
                        report.orders_unchanged,
                        report.shipments_new,
                        [str(e) for e in report.errors],
                        report.rejected_rows,
                    )
                )
        # what the imports stored, less what only says how fast the next one can be
        results.append((reports, snapshot(engine, skip_order_columns=("source_hash",))))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "layout", ["shopify-csv", "shopee-th-xlsx", "tiktok-bom-tabs", "amazon-all-orders-tsv"]
)
def test_platform_exports_reimported_read_nothing(
    tmp_path: Path, engine: Engine, uow_factory, clock: FixedClock, reads: list[str], layout: str
) -> None:
    """Continuation rows (Shopify), XLSX cells (Shopee), a BOM with TAB padding and a
    description row (TikTok), tab-separated rows (Amazon): stored once, skipped after."""
    from tests.fixtures import exports as ex

    if layout == "shopify-csv":
        path = ex.write_csv(tmp_path / "orders_export_1.csv", ex.SHOPIFY_HEADER, ex.shopify_rows())
    elif layout == "shopee-th-xlsx":
        path = ex.shopee_xlsx(tmp_path / "Order.all.th.xlsx", "th")
    elif layout == "tiktok-bom-tabs":
        path = ex.write_csv(
            tmp_path / "tiktok.csv", ex.TIKTOK_US_HEADER, ex.tiktok_rows(), bom=True
        )
    else:
        path = ex.write_tsv(
            tmp_path / "all-orders.txt", ex.AMAZON_ALL_ORDERS_HEADER, ex.amazon_all_orders_rows()
        )
    first = run_orders(uow_factory, clock, path, store="acme", skip_invalid=True)
    assert first.committed and first.orders_new > 0 and reads
    before = snapshot(engine)
    reads.clear()
    again = run_orders(uow_factory, clock, path, store="acme", skip_invalid=True)
    assert again.committed and again.orders_unchanged == first.orders_new
    assert reads == [] and snapshot(engine) == before
