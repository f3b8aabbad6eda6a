"""Rows -> orders: grouping the rows of an export into orders, and the small helpers
the import builds orders with (field inheritance, money, content hashes).

Split from ``importing.py`` so that the use case reads as the pipeline it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money
from parceldesk.domain.orders import Order
from parceldesk.services.import_records import LineRecord, RowError

__all__ = ["Group", "content_hash", "field_of", "first", "groups", "money", "text"]


class _Counter(Protocol):
    rows: int


@dataclass(slots=True)
class Group:
    key: tuple[str, str]
    records: list[LineRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def groups(
    items: Iterator[LineRecord | RowError],
    report: _Counter,
    on_progress: Callable[[int], None] | None,
) -> Iterator[Group]:
    """Adjacent rows with the same (store, order id) form one group."""
    current: Group | None = None
    for item in items:
        report.rows += 1
        if on_progress is not None and report.rows % 5000 == 0:
            on_progress(report.rows)
        store = (item.store or "") if isinstance(item, LineRecord) else ""
        if current is not None and _same_order(current.key, store, item.order_id):
            if not current.key[0] and store:
                current.key = (store, item.order_id)
        else:
            if current is not None:
                yield current
            current = Group(key=(store, item.order_id))
        if isinstance(item, RowError):
            current.errors.append(item)
        else:
            current.records.append(item)
    if current is not None:
        yield current
    if on_progress is not None:
        on_progress(report.rows)


def _same_order(key: tuple[str, str], store: str, order_id: str) -> bool:
    """A row continues the current order when the ids match and the stores do not clash
    (Shopify continuation rows and unreadable rows carry no store)."""
    return key[1] == order_id and (not store or not key[0] or key[0] == store)


def first(records: Sequence[LineRecord], name: str) -> object:
    for rec in records:
        value = getattr(rec, name)
        if value is not None and value != "":
            return value
    return None


def text(records: Sequence[LineRecord], name: str) -> str:
    if len(records) == 1:  # most orders have one line: skip the scan
        value = getattr(records[0], name)
        return value if isinstance(value, str) else ""
    value = first(records, name)
    return value if isinstance(value, str) else ""


def money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount, currency)


def field_of(exc: InvalidValue) -> str:
    if exc.field:
        return exc.field
    text = str(exc)
    for candidate in ("country", "order date", "platform"):
        if candidate in text:
            return {"country": "ship_to_country", "order date": "order_date"}.get(
                candidate, candidate
            )
    return "order_id"


def content_hash(order: Order) -> str:
    """Stable digest of everything an import writes for ``order`` (hot path: no reprs)."""
    b, a = order.buyer, order.ship_to
    parts: list[object] = [
        order.platform,
        order.order_id,
        order.currency,
        order.order_date.isoformat() if order.order_date else "",
        b.name,
        b.email,
        b.phone,
        a.line1,
        a.line2,
        a.city,
        a.state,
        a.postal_code,
        a.country,
    ]
    for line in order.lines:
        parts += (
            line.sku,
            line.name,
            line.quantity,
            _amount(line.unit_price),
            _amount(line.unit_cost),
        )
    for s in order.shipments:
        parts += (
            s.tracking_number,
            s.carrier,
            s.channel,
            s.service,
            s.origin_country,
            s.destination_country,
            s.ship_date,
            s.promised_date,
            _amount(s.declared_value),
            _amount(s.insured_value),
            s.signature_required,
        )
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def _amount(money: Money | None) -> str:
    return "" if money is None else f"{money.amount}{money.currency}"
