"""``OrderBuilder.build`` skips a row whose parcel repeats the one the row before it added
(rows of a multi-item order name the same parcel). The order it builds, its content hash,
the claims and the errors must be exactly those of adding every row's parcel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.services import import_build
from parceldesk.services.import_build import OrderBuilder
from parceldesk.services.import_grouping import Group, content_hash
from parceldesk.services.import_records import LineRecord

# Shared objects, as the reader hands them out, and an equal amount that prints otherwise.
_D25, _D25_LONG, _D30 = Decimal("25.0"), Decimal("25.00"), Decimal("30")
_NUMBERS = st.sampled_from(["YT123456789", "YT123456789", "yt 1234 56789", "LX99887766", "", "!!"])
_AMOUNTS = st.sampled_from([None, _D25, _D25, _D25_LONG, _D30, Decimal("-1")])
_DATES = st.sampled_from([None, date(2026, 10, 1), date(2026, 10, 5), date(2026, 9, 1)])


@st.composite
def _rows(draw: st.DrawFn) -> list[LineRecord]:
    count = draw(st.integers(1, 6))
    rows = []
    for i in range(count):
        rows.append(
            LineRecord(
                row=2 + i, order_id="A1", platform="shopify", store="s", currency="USD",
                order_date=datetime(2026, 10, 1, tzinfo=UTC), ship_to_country="US",
                sku=f"SKU-{i}", item_name="Widget", quantity=1, unit_price=_D25,
                tracking_number=draw(_NUMBERS),
                carrier=draw(st.sampled_from(["yunexpress", "YunExpress", "usps"])),
                channel=draw(st.sampled_from(["", "US Standard"])),
                ship_date=date(2026, 10, 2), promised_date=draw(_DATES),
                declared_value=draw(_AMOUNTS), insured_value=draw(_AMOUNTS),
                signature_required=draw(st.sampled_from([None, False, True])),
            )
        )  # fmt: skip
    return rows


def _build(rows: list[LineRecord], claimed: dict[str, tuple[str, str, int]]) -> tuple:
    builder = OrderBuilder("f.csv", None)
    builder.claimed.update(claimed)
    group = Group(("s", "A1"), list(rows))
    order = builder.build(group)
    return (
        order,
        content_hash(order) if order is not None else None,
        [(e.row, e.column, e.reason) for e in group.errors],
        builder.claimed,
    )


@settings(max_examples=500, deadline=None)
@given(_rows(), st.booleans())
def test_skipping_repeated_parcels_builds_what_adding_each_row_builds(
    rows: list[LineRecord], claimed_elsewhere: bool
) -> None:
    claimed = {"LX99887766": ("s", "B2", 9)} if claimed_elsewhere else {}
    fast = _build(rows, claimed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(import_build, "_same_parcel", lambda a, b: False)
        plain = _build(rows, claimed)
    assert fast == plain


def test_a_parcel_named_again_later_moves_last_and_the_later_amount_text_wins() -> None:
    def row(n: int, number: str, declared: Decimal) -> LineRecord:
        return LineRecord(
            row=n, order_id="A1", platform="shopify", store="s", currency="USD",
            sku=f"S{n}", item_name="W", quantity=1, tracking_number=number,
            declared_value=declared,
        )  # fmt: skip

    order, *_ = _build([row(2, "YT123456789", _D25), row(3, "LX99887766", _D25),
                        row(4, "YT123456789", _D25)], {})  # fmt: skip
    assert [s.tracking_number for s in order.shipments] == ["LX99887766", "YT123456789"]
    order, *_ = _build([row(2, "YT123456789", _D25), row(3, "YT123456789", _D25_LONG)], {})
    assert [str(s.declared_value.amount) for s in order.shipments] == ["25.00"]
