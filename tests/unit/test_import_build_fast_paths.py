"""The order build's shortcuts must build, accept and refuse exactly what the plain
versions did.

* ``OrderBuilder`` hands out one ``Money`` per (amount object, currency) it has built
  before; a builder that has built other orders first builds each order exactly like a
  fresh one, with the very amount objects of the rows (so ``1.0`` stays ``1.0``).
* ``Order.add_shipment`` removes the earlier parcel of a repeated number in place; it
  is compared with the list rebuild it replaced, also on lists given with duplicates.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.orders import Order, ShipmentPlan
from parceldesk.services.import_build import OrderBuilder
from parceldesk.services.import_grouping import Group, content_hash
from parceldesk.services.import_records import LineRecord

# --- Money memo ---------------------------------------------------------------------------

#: shared objects, as the reader's memo hands them out, next to fresh equal ones
_SHARED = (Decimal("1.0"), Decimal("1.00"), Decimal("-1"), Decimal("NaN"), Decimal("25.00"))
_AMOUNT = st.one_of(
    st.none(),
    st.sampled_from(_SHARED),
    st.sampled_from(("1.0", "1.00", "0", "-0.5", "25.00", "Infinity")).map(Decimal),
)


@st.composite
def _groups(draw: st.DrawFn) -> list[Group]:
    groups = []
    for number in range(draw(st.integers(1, 4))):
        records = []
        for row in range(draw(st.integers(1, 3))):
            rec = LineRecord(
                row=2 + row, order_id=str(1000 + number), platform="shopify",
                store="acme", currency=draw(st.sampled_from(("USD", "IDR", None))),
                sku="MUG", quantity=1, unit_price=draw(_AMOUNT), unit_cost=draw(_AMOUNT),
                tracking_number=f"YT25308212345{number:05d}",
                declared_value=draw(_AMOUNT), insured_value=draw(_AMOUNT),
            )  # fmt: skip
            records.append(rec)
        records[0].currency = records[0].currency or "USD"
        groups.append(Group(key=("acme", str(1000 + number)), records=records))
    return groups


def _copy(group: Group) -> Group:
    return Group(key=group.key, records=list(group.records))


@settings(max_examples=300, deadline=None)
@given(_groups())
def test_a_builder_that_remembers_money_builds_each_order_like_a_fresh_builder(
    groups: list[Group],
) -> None:
    shared = OrderBuilder("f.csv", None)
    for group in groups:
        fresh_group, shared_group = _copy(group), _copy(group)
        fresh = OrderBuilder("f.csv", None)
        fresh.claimed = dict(shared.claimed)  # the same parcels claimed before
        expected = fresh.build(fresh_group)
        built = shared.build(shared_group)
        assert built == expected
        assert shared_group.errors == fresh_group.errors
        if built is not None and expected is not None:
            assert content_hash(built) == content_hash(expected)
            for line, rec in zip(built.lines, group.records, strict=True):
                assert line.unit_price is None or line.unit_price.amount is rec.unit_price
                assert line.unit_cost is None or line.unit_cost.amount is rec.unit_cost
            for plan in built.shipments:
                rec = [r for r in group.records if r.tracking_number == plan.tracking_number][-1]
                assert plan.declared_value is None or plan.declared_value.amount is (
                    rec.declared_value
                )


# --- add_shipment -------------------------------------------------------------------------


def _reference_add_shipment(order: Order, plan: ShipmentPlan) -> None:
    number = plan.tracking_number
    for s in order.shipments:
        if s.tracking_number == number:
            order.shipments = [s for s in order.shipments if s.tracking_number != number]
            break
    order.shipments.append(plan)


_PLAN = st.builds(
    ShipmentPlan,
    st.sampled_from(("YT2530821234567890", "LX123456785CN", "1Z999AA10123456784")),
    st.sampled_from(("yun", "usps", "")),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PLAN, max_size=4), st.lists(_PLAN, max_size=8))
def test_add_shipment_keeps_what_the_list_rebuild_kept(
    given_list: list[ShipmentPlan], added: list[ShipmentPlan]
) -> None:
    ours = Order("acme", "shopify", "1", None, "USD", shipments=list(given_list))
    reference = Order("acme", "shopify", "1", None, "USD", shipments=list(given_list))
    for plan in added:
        ours.add_shipment(plan)
        _reference_add_shipment(reference, plan)
        assert ours.shipments == reference.shipments


def test_invalid_amounts_are_refused_also_after_valid_ones() -> None:
    builder = OrderBuilder("f.csv", None)
    ok = Decimal("2.50")
    bad = Decimal("-1")
    for amount in (ok, bad, ok, bad):
        group = Group(
            key=("acme", "1"),
            records=[
                LineRecord(row=2, order_id="1", platform="shopify", store="acme",
                           currency="USD", sku="MUG", quantity=1, unit_price=amount)
            ],
        )  # fmt: skip
        again = Group(key=group.key, records=list(group.records))
        order = builder.build(group)
        assert (order is None) == (amount is bad)
        OrderBuilder("f.csv", None).build(again)
        assert group.errors == again.errors
        assert bool(group.errors) == (amount is bad)
    try:
        builder._money(Decimal("NaN"), "USD")
    except InvalidValue:
        pass
    else:
        raise AssertionError("a non-finite amount must be refused")
