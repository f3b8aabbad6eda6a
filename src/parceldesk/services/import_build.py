"""Building one validated domain ``Order`` from the rows of one group (the import's
hot path: every check of the domain objects runs, and each reason is reported under
the row and column it came from).

Split from ``importing.py``, which decides per batch what to build and what to write.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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
from parceldesk.services.import_grouping import ORDER_TEXT, Group, field_of, first, text, texts
from parceldesk.services.import_records import LineRecord, RowError

__all__ = ["OrderBuilder"]

#: ``Money`` objects an ``OrderBuilder`` keeps for reuse before it starts again
_MONEY_MEMO = 16_384


class OrderBuilder:
    """Builds the orders of one file; remembers which order claimed each tracking number."""

    def __init__(self, file_name: str, default_currency: str | None) -> None:
        self.file_name = file_name
        self.default_currency = default_currency
        #: tracking number -> (store, order id, row) of the order that named it first
        self.claimed: dict[str, tuple[str, str, int]] = {}
        self._moneys: dict[tuple[int, str], Money] = {}

    def _money(self, amount: Decimal, currency: str) -> Money:
        """``Money(amount, currency)``, the same object again for the same ``amount``
        object: the reader hands out one ``Decimal`` per distinct cell text, so rows
        share them. Keyed by identity (``Decimal("1.0")`` and ``Decimal("1.00")`` are
        equal but ``content_hash`` writes them differently); the memo keeps each amount
        alive, so its id is not reused while it is a key. Only a ``Money`` that passed
        its checks is kept, and they depend on nothing but the amount and the code."""
        key = (id(amount), currency)
        found = self._moneys.get(key)
        if found is None or found.amount is not amount:
            found = Money(amount, currency)
            if len(self._moneys) >= _MONEY_MEMO:
                self._moneys.clear()
            self._moneys[key] = found
        return found

    def fail(
        self, group: Group, rec: LineRecord, field_name: str, reason: str, value: object = ""
    ) -> None:
        shown = "" if value in (None, "") else str(value)
        group.errors.append(
            RowError(
                self.file_name, rec.row, rec.column_for(field_name), reason, shown, rec.order_id
            )
        )

    def build(self, group: Group) -> Order | None:
        """The group's validated order, or ``None`` with the reasons in ``group.errors``."""
        records = group.records
        head = records[0]
        currency = text(records, "currency") or self.default_currency
        store = text(records, "store")
        if not store:
            self.fail(group, head, "store", "no store: fill the column or pass --store")
        if not currency:
            self.fail(group, head, "currency", "no currency: fill the column or pass --currency")
        if not store or not currency:
            return None
        order_date = first(records, "order_date")
        values = texts(records, ORDER_TEXT)  # buyer, then address
        try:
            order = Order(
                store=store,
                platform=head.platform,
                order_id=head.order_id,
                order_date=order_date if isinstance(order_date, datetime) else None,
                currency=currency,
                buyer=Buyer(*values[:3]),
                ship_to=Address(*values[3:]),
            )
        except InvalidValue as exc:
            self.fail(group, head, field_of(exc), str(exc))
            return None
        last: LineRecord | None = None  # the row whose parcel ``order`` added last
        for rec in group.records:
            self._add_line(order, group, rec)
            if last is not None and _same_parcel(last, rec):
                continue  # a multi-item order repeats its parcel: adding it again is a no-op
            if self._add_shipment(order, group, rec):
                last = rec
        return None if group.errors else order

    def _add_line(self, order: Order, group: Group, rec: LineRecord) -> None:
        quantity = rec.quantity
        if quantity is None:
            if rec.sku or rec.item_name:
                self.fail(group, rec, "quantity", "quantity is missing for this item")
            return
        currency = rec.currency or order.currency
        price, cost = rec.unit_price, rec.unit_cost
        try:
            order.add_line(
                OrderLine(
                    sku=rec.sku,
                    name=rec.item_name,
                    quantity=quantity,
                    unit_price=None if price is None else self._money(price, currency),
                    unit_cost=None if cost is None else self._money(cost, currency),
                )
            )
        except InvalidValue as exc:
            self.fail(group, rec, exc.field or "currency", str(exc))

    def _add_shipment(self, order: Order, group: Group, rec: LineRecord) -> bool:
        """Add the row's parcel; True when it was added (no error, a number given)."""
        if not rec.tracking_number:
            return False
        currency = rec.currency or order.currency
        declared, insured = rec.declared_value, rec.insured_value
        try:
            number = normalise_tracking_number(rec.tracking_number)
            plan = ShipmentPlan(
                tracking_number=number,
                carrier=rec.carrier.casefold(),
                channel=rec.channel,
                service=rec.service,
                origin_country=rec.origin_country,
                destination_country=order.ship_to.country,
                ship_date=rec.ship_date,
                promised_date=rec.promised_date,
                declared_value=None if declared is None else self._money(declared, currency),
                insured_value=None if insured is None else self._money(insured, currency),
                signature_required=bool(rec.signature_required),
            )
        except InvalidValue as exc:
            self.fail(group, rec, exc.field or "tracking_number", str(exc), rec.tracking_number)
            return False
        owner = self.claimed.get(number)
        if owner is None:
            self.claimed[number] = (order.store, order.order_id, rec.row)
        elif owner[1] != order.order_id or owner[0] != order.store:
            self.fail(
                group,
                rec,
                "tracking_number",
                f"tracking number {number} is already claimed by order {owner[1]} (row {owner[2]})",
                number,
            )
            return False
        order.add_shipment(plan)
        return True


def _same_parcel(a: LineRecord, b: LineRecord) -> bool:
    """True when row ``b`` would add the very parcel row ``a`` added: the same values,
    amounts the same objects (equal ``Decimal``s may print differently, and the content
    hash prints them; the reader hands out one object per cell text)."""
    return (
        a.tracking_number == b.tracking_number
        and a.carrier == b.carrier
        and a.channel == b.channel
        and a.service == b.service
        and a.origin_country == b.origin_country
        and a.ship_date == b.ship_date
        and a.promised_date == b.promised_date
        and a.declared_value is b.declared_value
        and a.insured_value is b.insured_value
        and a.currency == b.currency
        and bool(a.signature_required) == bool(b.signature_required)
    )
