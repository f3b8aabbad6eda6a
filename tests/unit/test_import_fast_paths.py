"""The import's cheaper checks must accept, refuse and produce exactly what the plain
versions they replaced did.

* ``normalise_tracking_number`` returns an already-normal number as it is, without the
  substitution; ``Money`` remembers currency codes it has accepted; ``OrderLine`` and
  ``ShipmentPlan`` compare amounts with a ``Decimal`` zero; ``Order.add_shipment`` only
  rebuilds its list when the number repeats. Each is compared with the code it replaced.
* ``content_hash`` is built from f-strings; ``_reference_content_hash`` is the plain
  ``str()``-per-value version whose digests are already stored in databases.
* ``RowReader`` remembers parsed dates and amounts per file; a reader that has seen
  other rows first reads a row exactly like a fresh one.
* ``bulk._converted`` converts each distinct object once (by identity, never by
  equality); ``texts`` of a multi-row order inlines ``text`` per field.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.db.bulk import _converted
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.formats.parceldesk import CANONICAL
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money
from parceldesk.domain.orders import (
    Address,
    Buyer,
    Order,
    OrderLine,
    ShipmentPlan,
    normalise_tracking_number,
)
from parceldesk.services.import_grouping import content_hash, text, texts
from parceldesk.services.import_records import CANONICAL_COLUMNS, LineRecord, RowFailed

# --- the replaced implementations, verbatim in behaviour --------------------------------

_TRACKING_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,39}$")


def _reference_normalise(raw: str) -> str:
    number = re.sub(r"\s+", "", raw).upper()
    if not _TRACKING_RE.match(number):
        raise InvalidValue(
            f"not a tracking number: {raw!r} (expected 5-40 letters, digits or dashes)"
        )
    return number


def _reference_money_ok(amount: Decimal, code: str) -> bool:
    return amount.is_finite() and (
        len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()
    )


def _amount(money: Money | None) -> str:
    return "" if money is None else f"{money.amount}{money.currency}"


def _reference_content_hash(order: Order) -> str:
    b, a = order.buyer, order.ship_to
    parts: list[object] = [
        order.platform, order.order_id, order.currency,
        order.order_date.isoformat() if order.order_date else "",
        b.name, b.email, b.phone, a.line1, a.line2, a.city, a.state, a.postal_code, a.country,
    ]  # fmt: skip
    for line in order.lines:
        parts += (line.sku, line.name, line.quantity, _amount(line.unit_price),
                  _amount(line.unit_cost))  # fmt: skip
    for s in order.shipments:
        parts += (s.tracking_number, s.carrier, s.channel, s.service, s.origin_country,
                  s.destination_country, s.ship_date, s.promised_date,
                  _amount(s.declared_value), _amount(s.insured_value), s.signature_required)  # fmt: skip
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def _outcome(fn: object, *args: object) -> object:
    try:
        return ("ok", fn(*args))  # type: ignore[operator]
    except InvalidValue as exc:
        return ("error", str(exc))


# --- domain checks ----------------------------------------------------------------------

_TRACKING_TEXT = st.one_of(
    st.text(alphabet="AZaz09-_ \t\n\u00a0é", max_size=45),
    st.sampled_from(("YT2530821234567890", "yt 2530 8212 3456 7891", "1Z999AA1\n", "-ABCDE")),
    st.text(max_size=12),
)


@settings(max_examples=600, deadline=None)
@given(_TRACKING_TEXT)
def test_tracking_numbers_normalise_as_before(raw: str) -> None:
    assert _outcome(normalise_tracking_number, raw) == _outcome(_reference_normalise, raw)


_DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.sampled_from((Decimal("-0"), Decimal("-0.00"), Decimal("0E-7"), Decimal("1E+2"))),
)
_CODES = st.one_of(st.sampled_from(("USD", "usd", "US", "USDT", "ÄBC", "U$D")), st.text(max_size=4))


@settings(max_examples=600, deadline=None)
@given(_DECIMALS, _CODES, st.booleans())
def test_money_accepts_what_it_accepted_before_also_when_the_code_was_seen(
    amount: Decimal, code: str, seen_before: bool
) -> None:
    if seen_before:  # the remembered-code path
        with contextlib.suppress(InvalidValue):
            Money(Decimal(1), code)
    accepted = _outcome(Money, amount, code)[0] == "ok"
    assert accepted == _reference_money_ok(amount, code)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-2, 3),
    st.one_of(st.none(), _DECIMALS.filter(lambda d: d.is_finite())),
    st.one_of(st.none(), _DECIMALS.filter(lambda d: d.is_finite())),
)
def test_line_and_parcel_checks_refuse_exactly_the_negative_amounts(
    quantity: int, first: Decimal | None, second: Decimal | None
) -> None:
    one = None if first is None else Money(first, "USD")
    two = None if second is None else Money(second, "USD")
    line = _outcome(OrderLine, "SKU", "Mug", quantity, one, two)
    expected_line = "ok" if quantity > 0 and all(
        m is None or m.amount >= 0 for m in (one, two)
    ) else "error"  # fmt: skip
    assert line[0] == expected_line
    plan = _outcome(
        lambda: ShipmentPlan("YT2530821234567890", declared_value=one, insured_value=two)
    )
    assert plan[0] == ("ok" if all(m is None or m.amount >= 0 for m in (one, two)) else "error")


def test_negative_zero_is_still_accepted_and_errors_name_the_amount() -> None:
    assert OrderLine("S", "N", 1, Money(Decimal("-0.00"), "USD")).unit_price is not None
    with pytest.raises(InvalidValue, match="unit cost must not be negative, got -1 USD"):
        OrderLine("S", "N", 1, None, Money(Decimal(-1), "USD"))
    with pytest.raises(InvalidValue, match="insured value must not be negative"):
        ShipmentPlan("YT2530821234567890", insured_value=Money(Decimal("-0.01"), "USD"))


def test_add_shipment_keeps_one_parcel_per_number_and_the_later_row() -> None:
    order = Order("acme", "shopify", "1", None, "USD")
    first = ShipmentPlan("YT2530821234567890", carrier="yun")
    other = ShipmentPlan("LX123456785CN")
    later = ShipmentPlan("YT2530821234567890", carrier="usps")
    for plan in (first, other, later):
        order.add_shipment(plan)
    assert order.shipments == [other, later]


# --- content hash -----------------------------------------------------------------------

_TEXT = st.one_of(st.sampled_from(("", "Mug", "São Paulo", "a\x1fb")), st.text(max_size=5))
_MONEY = st.one_of(
    st.none(),
    st.builds(
        Money,
        st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=None),
        st.sampled_from(("USD", "IDR")),
    ),
)
_DAY = st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))


@st.composite
def _orders(draw: st.DrawFn) -> Order:
    when = draw(st.one_of(st.none(), st.just(datetime(2026, 11, 2, 10, tzinfo=timezone(timedelta(hours=8))))))  # fmt: skip
    order = Order(
        draw(_TEXT) or "acme", "shopify", draw(_TEXT) or "1", when, "USD",
        Buyer(draw(_TEXT), draw(_TEXT), draw(_TEXT)),
        Address(draw(_TEXT), draw(_TEXT), draw(_TEXT), draw(_TEXT), draw(_TEXT),
                draw(st.sampled_from(("", "US")))),
    )  # fmt: skip
    for _ in range(draw(st.integers(0, 3))):
        order.lines.append(OrderLine(draw(_TEXT), draw(_TEXT), draw(st.integers(1, 9)),
                                     draw(_MONEY), draw(_MONEY)))  # fmt: skip
    for number in draw(st.lists(st.sampled_from(("YT2530821234567890", "LX123456785CN")))):
        order.add_shipment(
            ShipmentPlan(number, draw(_TEXT), draw(_TEXT), draw(_TEXT), draw(_TEXT), "US",
                         draw(_DAY), None, draw(_MONEY), draw(_MONEY), draw(st.booleans()))
        )  # fmt: skip
    return order


@settings(max_examples=400, deadline=None)
@given(_orders())
def test_content_hash_equals_the_plain_str_per_value_digest(order: Order) -> None:
    assert content_hash(order) == _reference_content_hash(order)


# --- reader memo ------------------------------------------------------------------------

_CELLS = {
    "order_date": ("2026-11-02T10:15:00+08:00", "2026-11-02", "03/11/2026", "2026-13-01", ""),
    "ship_date": ("2026-11-03", "2026-11-3", "03/11/2026 10:00", "soon", ""),
    "unit_price": ("12.50", "1,234.50", "$9.64", "-1", "abc", "37.200", ""),
    "currency": ("USD", "IDR", ""),
}


def _row(values: dict[str, str]) -> list[str]:
    base = {"order_id": "1", "platform": "shopify", "sku": "MUG", "quantity": "1"}
    return [{**base, **values}.get(column, "") for column in CANONICAL_COLUMNS]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _CELLS.items()}),
                min_size=2, max_size=6))  # fmt: skip
def test_a_reader_that_remembers_values_reads_each_row_like_a_fresh_reader(
    rows: list[dict[str, str]],
) -> None:
    ctx = FormatContext(file="f.csv", tz=UTC)
    shared = CANONICAL.reader(list(CANONICAL_COLUMNS), ctx)

    def outcome(reader: object, cells: list[str]) -> object:
        try:
            return reader.read(2, cells)  # type: ignore[attr-defined]
        except RowFailed as exc:
            return (exc.column, exc.reason, exc.value)

    for values in rows:
        fresh = CANONICAL.reader(list(CANONICAL_COLUMNS), ctx)
        assert outcome(shared, _row(values)) == outcome(fresh, _row(values))


# --- bulk insert conversion -------------------------------------------------------------

_SHARED = (Decimal("1.0"), Decimal("1.00"), date(2026, 11, 3), True)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(_SHARED),  # the same objects again, as the reader's memo hands out
            st.decimals(allow_nan=False, places=2),  # fresh objects, often equal to others
            st.sampled_from(("1.0", "1.00")).map(Decimal),
        ),
        max_size=30,
    )
)
def test_bulk_conversion_equals_converting_every_value(values: list[object]) -> None:
    def process(value: object) -> str:
        return f"{type(value).__name__}:{value}"

    assert _converted(values, process) == [None if v is None else process(v) for v in values]


# --- inherited order fields ---------------------------------------------------------------

_FIELD_VALUES = st.sampled_from((None, "", "Jane", "US"))


_WHEN = st.sampled_from((None, datetime(2026, 10, 1, tzinfo=UTC)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_FIELD_VALUES, _FIELD_VALUES, _FIELD_VALUES, _WHEN), min_size=1, max_size=4)
)
def test_texts_of_several_rows_equals_text_per_field(cells: list[tuple[object, ...]]) -> None:
    records = [
        LineRecord(row=2 + i, order_id="1", platform="shopify", buyer_name=name,
                   ship_to_city=city, ship_to_country=country, order_date=when)
        for i, (name, city, country, when) in enumerate(cells)
    ]  # fmt: skip
    for names in (
        ("buyer_name", "ship_to_city", "ship_to_country", "buyer_email"),
        ("ship_to_city",),
        ("order_date", "buyer_name"),  # a value that is not text reads as ""
    ):
        assert texts(records, names) == [text(records, name) for name in names]
