"""The import's shortcuts must agree with the slow path they replace.

* ``record_digest`` (hash of an order read off its rows) equals ``content_hash`` of the
  order ``_build`` makes from the same rows, whenever the build succeeds: a re-import
  skips unchanged orders by comparing the former with the stored latter.
* ``RowReader`` reads an all-text row (CSV) through a fast path and any other row
  (XLSX cells) per cell; both give the same record or the same error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.formats.parceldesk import CANONICAL
from parceldesk.services.import_build import OrderBuilder
from parceldesk.services.import_grouping import Group, content_hash, record_digest
from parceldesk.services.import_records import CANONICAL_COLUMNS, LineRecord, RowFailed

_TRACKING = ("YT2530821234567890", "yt 2530 8212 3456 7891", "LX123456785CN", "#?")
_AMOUNTS = (None, Decimal("12.50"), Decimal("12.5"), Decimal("0"), Decimal("-1.00"))
_DATES = (None, date(2026, 11, 3), date(2026, 11, 20), date(2026, 11, 1))


@st.composite
def _records(draw: st.DrawFn) -> list[LineRecord]:
    order_date = draw(
        st.sampled_from((None, datetime(2026, 11, 2, 10, tzinfo=timezone(timedelta(hours=8)))))
    )
    head = {
        "store": draw(st.sampled_from(("acme", "", None))),
        "currency": draw(st.sampled_from(("USD", "SGD", None))),
        "buyer_name": draw(st.sampled_from(("Jane", "", None))),
        "ship_to_country": draw(st.sampled_from(("US", "SG", "USA", None))),
        "ship_to_city": draw(st.sampled_from(("Springfield", None))),
        "order_date": order_date,
    }
    rows = []
    for number in range(draw(st.integers(1, 3))):
        rec = LineRecord(
            row=2 + number,
            order_id="1001",
            platform=draw(st.sampled_from(("shopify", "myspace"))),
            sku=draw(st.sampled_from(("MUG", ""))),
            item_name=draw(st.sampled_from(("Mug", ""))),
            quantity=draw(st.sampled_from((None, 1, 2))),
            unit_price=draw(st.sampled_from(_AMOUNTS)),
            unit_cost=draw(st.sampled_from(_AMOUNTS)),
            tracking_number=draw(st.sampled_from(("", *_TRACKING))),
            carrier=draw(st.sampled_from(("YunExpress", "usps"))),
            ship_date=draw(st.sampled_from(_DATES)),
            promised_date=draw(st.sampled_from(_DATES)),
            declared_value=draw(st.sampled_from(_AMOUNTS)),
            signature_required=draw(st.sampled_from((None, True, False))),
        )
        if number == 0 or draw(st.booleans()):  # continuation rows may leave these empty
            for name, value in head.items():
                setattr(rec, name, value)
        rec.currency = rec.currency if number == 0 else draw(st.sampled_from((rec.currency, "EUR")))
        rows.append(rec)
    return rows


@settings(max_examples=400, deadline=None)
@given(_records(), st.sampled_from((None, "USD")))
def test_record_digest_equals_content_hash_of_the_built_order(
    records: list[LineRecord], default_currency: str | None
) -> None:
    order = OrderBuilder("f.csv", default_currency).build(Group(key=("", "1001"), records=records))
    digest = record_digest(records, default_currency)
    if order is not None and digest is not None:
        assert digest.content_hash == content_hash(order)
        assert {n for n, _ in digest.parcels} == {s.tracking_number for s in order.shipments}


def test_record_digest_declines_rows_the_build_reads_past() -> None:
    base = LineRecord(row=2, order_id="1", platform="shopify", store="acme", currency="USD")
    no_quantity = LineRecord(row=3, order_id="1", platform="shopify", sku="MUG")
    assert record_digest([base], None) is not None
    assert record_digest([base, no_quantity], None) is None
    first = LineRecord(row=2, order_id="1", platform="shopify", store="acme", currency="USD",
                       tracking_number="YT2530821234567890", ship_date=date(2026, 11, 3))  # fmt: skip
    same = LineRecord(row=3, order_id="1", platform="shopify",
                      tracking_number="yt2530821234567890", ship_date=date(2026, 11, 3))  # fmt: skip
    other = LineRecord(row=3, order_id="1", platform="shopify",
                       tracking_number="YT2530821234567890", ship_date=date(2026, 11, 4))  # fmt: skip
    digest = record_digest([first, same], None)
    assert digest is not None and digest.parcels == (("YT2530821234567890", 2),)
    assert record_digest([first, other], None) is None
    assert record_digest([first], None) is not None
    bad = LineRecord(row=2, order_id="1", platform="shopify", store="acme", currency="USD",
                     tracking_number="#?")  # fmt: skip
    assert record_digest([bad], None) is None


_SAMPLES = (
    "", " ", "'0123", "\ufeffUSD", "usd", "2", "1.5", "0", "12.50", "$9.64", "2026-11-03",
    "2026-11-02T10:15:00+08:00", "03/11/2026", "yes", "maybe", "YT2530821234567890",
    "shopify", "SG", "x",
)  # fmt: skip
_CELL = st.one_of(st.sampled_from(_SAMPLES), st.text(max_size=6))


@settings(max_examples=400, deadline=None)
@given(st.lists(_CELL, min_size=0, max_size=len(CANONICAL_COLUMNS) + 2))
def test_text_rows_read_the_same_through_the_fast_and_the_per_cell_path(
    cells: list[str],
) -> None:
    reader = CANONICAL.reader(list(CANONICAL_COLUMNS), FormatContext(file="f.csv", tz=UTC))

    def outcome(row: list[object]) -> object:
        try:
            return reader.read(2, row)
        except RowFailed as exc:
            return (exc.column, exc.reason, exc.value)

    # ``None`` past the last column means nothing, but the row is no longer all text
    assert outcome(list(cells)) == outcome([*cells, *([""] * 30), None])
