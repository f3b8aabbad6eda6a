"""Rows -> orders: grouping the rows of an export into orders, and the small helpers
the import builds orders with (field inheritance, money, content hashes).

Split from ``importing.py`` so that the use case reads as the pipeline it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import attrgetter
from typing import Protocol

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.orders import Order, normalise_tracking_number
from parceldesk.services.import_records import LineRecord, OrderSource, RawRun, RowError

__all__ = [
    "ORDER_TEXT",
    "Digest",
    "Group",
    "GroupFeed",
    "content_hash",
    "counted",
    "field_of",
    "first",
    "groups",
    "local_groups",
    "read_group",
    "read_run",
    "record_digest",
    "salted",
    "text",
    "texts",
]


class _Counter(Protocol):
    rows: int


@dataclass(slots=True)
class Group:
    key: tuple[str, str]
    records: list[LineRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: ``record_digest(records, default currency)``, when a feed computed it ahead
    #: (``digested``); ``None`` then means the rows cannot be hashed without a build
    digest: Digest | None = None
    digested: bool = False
    #: ``RawRun.source_hash`` of the rows, when they form this one group
    source_hash: str | None = None
    #: the rows, not read yet: ``records`` and ``errors`` stay empty until ``read_group``
    run: RawRun | None = None

    @property
    def row_count(self) -> int:
        return self.run.row_count if self.run is not None else len(self.records) + len(self.errors)


class GroupFeed(Protocol):
    """Where an import's groups come from, in file order: ``local_groups`` reads and
    groups in this process; an adapter may do it in another (and fill ``digest``)."""

    def __call__(self, source: OrderSource, default_currency: str | None) -> Iterator[Group]: ...


def local_groups(source: OrderSource, default_currency: str | None) -> Iterator[Group]:
    """The groups of ``source``, unread until the import needs them (``read_group``); no
    digests ahead. A run that names two stores is read now: it may be several orders."""
    for run in map(salted, source.runs(), repeat(default_currency)):
        if run.mixed:
            yield from read_run(source, run)
        else:
            yield Group(run.key, source_hash=run.source_hash, run=run)


def salted(run: RawRun, default_currency: str | None) -> RawRun:
    """``run`` with the import's default currency in its source hash: the build falls
    back to it, so rows stored under another one may not make the same order."""
    if default_currency and run.source_hash is not None:
        text = f"{run.source_hash}\x1f{default_currency}".encode()
        run.source_hash = hashlib.blake2b(text, digest_size=16).hexdigest()
    return run


def read_run(source: OrderSource, run: RawRun) -> list[Group]:
    """The groups the rows of ``run`` make once read: one, unless they name two stores."""
    return list(groups(iter(source.parse(run))))


def read_group(source: OrderSource, group: Group) -> None:
    """Read a group's rows into its records, errors and key, as ``groups`` makes them
    (rows of one order id naming at most one store are one group, whatever reading finds;
    an unreadable row names no store, so the key may lose the one its cells named)."""
    run = group.run
    if run is None:
        return
    found = read_run(source, run)
    if len(found) != 1:
        raise RuntimeError(f"the rows of order {run.key[1]!r} are not one order")
    group.key, group.records, group.errors = found[0].key, found[0].records, found[0].errors
    group.run = None


_PROGRESS_EVERY = 5000


def counted(
    items: Iterator[Group], report: _Counter, on_progress: Callable[[int], None] | None
) -> Iterator[Group]:
    """``items``, counting their rows into ``report`` and reporting every 5,000 or so."""
    mark = _PROGRESS_EVERY
    for group in items:
        report.rows += group.row_count
        if on_progress is not None and report.rows >= mark:
            on_progress(report.rows)
            mark = (report.rows // _PROGRESS_EVERY + 1) * _PROGRESS_EVERY
        yield group
    if on_progress is not None:
        on_progress(report.rows)


def groups(items: Iterator[LineRecord | RowError]) -> Iterator[Group]:
    """Adjacent rows with the same (store, order id) form one group."""
    current: Group | None = None
    for item in items:
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


def texts(records: Sequence[LineRecord], names: tuple[str, ...]) -> list[str]:
    """``text`` of several fields (hot path: every field of the first row is read by one
    ``attrgetter`` call; only fields that row leaves empty look at the rows after it)."""
    getter = _GETTERS.get(names)
    if getter is None:
        getter = _GETTERS[names] = attrgetter(*names) if len(names) > 1 else _one(names)
    head: tuple[object, ...] = getter(records[0])
    out = [v if isinstance(v, str) else "" for v in head]
    if len(records) > 1 and not all(out):
        for i, value in enumerate(out):
            if value:
                continue
            name = names[i]
            for rec in records[1:]:  # ``text``: the first row that has a value gives it
                found = getattr(rec, name)
                if found is not None and found != "":
                    out[i] = found if isinstance(found, str) else ""
                    break
    return out


def _one(names: tuple[str, ...]) -> Callable[[LineRecord], tuple[object, ...]]:
    get = attrgetter(*names)
    return lambda rec: (get(rec),)


#: one ``attrgetter`` per tuple of field names ``texts`` is asked for
_GETTERS: dict[tuple[str, ...], Callable[[LineRecord], tuple[object, ...]]] = {}


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


@dataclass(frozen=True, slots=True)
class Digest:
    """What an order's rows hash to, read off the rows without building the order."""

    content_hash: str
    #: normalised tracking number and row, per row that names a parcel, in row order
    parcels: tuple[tuple[str, int], ...]


def record_digest(records: Sequence[LineRecord], default_currency: str | None) -> Digest | None:
    """``content_hash`` of the order these rows build, computed from the rows alone.

    A re-import compares this with the stored hash first and skips an unchanged order
    without building it. That is sound only when every value the order's validation
    looks at is in the hash, so ``None`` (build and validate the usual way) is returned
    for rows the build would read past: an item without a quantity (an error that no
    line records), a tracking number that does not normalise, or one parcel on two rows
    with different details (the later row replaces the earlier, whose values would go
    unchecked; rows of a multi-item order usually repeat the same parcel, which is fine).
    Must stay in step with ``OrderBuilder.build`` and ``content_hash``; a property test
    checks that they agree.
    """
    head = records[0]
    currency = text(records, "currency") or default_currency
    if not currency or not text(records, "store"):
        return None
    order_date = first(records, "order_date")
    fields = texts(records, ORDER_TEXT)
    country = fields[-1]
    when = order_date.isoformat() if isinstance(order_date, datetime) else ""
    # joined as ``content_hash`` joins them: f-strings format each value as ``str`` does
    parts = [f"{head.platform}\x1f{head.order_id}\x1f{currency}\x1f{when}", *fields]
    ships: dict[str, tuple[object, ...]] = {}  # in ``Order.add_shipment`` order
    parcels: list[tuple[str, int]] = []
    for rec in records:
        cur = rec.currency or currency
        if rec.quantity is not None:
            price, cost = rec.unit_price, rec.unit_cost
            parts.append(
                f"{rec.sku}\x1f{rec.item_name}\x1f{rec.quantity}\x1f"
                f"{'' if price is None else f'{price!s}{cur}'}\x1f"
                f"{'' if cost is None else f'{cost!s}{cur}'}"
            )
        elif rec.sku or rec.item_name:
            return None
        if rec.tracking_number:
            try:
                number = normalise_tracking_number(rec.tracking_number)
            except InvalidValue:
                return None
            ship: tuple[object, ...] = (
                number,
                rec.carrier.casefold(),
                rec.channel,
                rec.service,
                rec.origin_country,
                country,
                rec.ship_date,
                rec.promised_date,
                "" if rec.declared_value is None else f"{rec.declared_value!s}{cur}",
                "" if rec.insured_value is None else f"{rec.insured_value!s}{cur}",
                bool(rec.signature_required),
            )
            if number in ships:
                if ships.pop(number) != ship:
                    return None
            else:
                parcels.append((number, rec.row))
            ships[number] = ship
    for ship in ships.values():
        parts.append(_SHIP_TEXT.format(*ship))
    return Digest(hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest(), tuple(parcels))


#: a parcel's 11 values as ``content_hash`` joins them (``{!s}`` is ``str(x)``, as
#: ``format(x, "")`` is for these types, but skips ``__format__``: 0.1 µs a Decimal or date)
_SHIP_TEXT = "\x1f".join(["{!s}"] * 11)

#: the order's buyer and address fields, in ``Buyer``/``Address``/``content_hash`` order
ORDER_TEXT = (
    "buyer_name", "buyer_email", "buyer_phone", "ship_to_line1", "ship_to_line2",
    "ship_to_city", "ship_to_state", "ship_to_postal_code", "ship_to_country",
)  # fmt: skip


def content_hash(order: Order) -> str:
    """Stable digest of everything an import writes for ``order`` (hot path: no reprs).

    The ``\x1f``-joined text of the order's fields, then per line and per parcel theirs,
    each value as ``str`` gives it. Written as f-strings (``format(x, "")`` is ``str(x)``
    for every type here) because ``str()`` on each of ~35 values cost more than the
    SHA-256; ``_reference_content_hash`` in the tests is the plain version it must equal.
    """
    b, a = order.buyer, order.ship_to
    when = order.order_date
    text = (
        f"{order.platform}\x1f{order.order_id}\x1f{order.currency}\x1f"
        f"{when.isoformat() if when else ''}\x1f{b.name}\x1f{b.email}\x1f{b.phone}\x1f"
        f"{a.line1}\x1f{a.line2}\x1f{a.city}\x1f{a.state}\x1f{a.postal_code}\x1f{a.country}"
    )
    parts = [text]
    for line in order.lines:
        price, cost = line.unit_price, line.unit_cost
        parts.append(
            f"{line.sku}\x1f{line.name}\x1f{line.quantity}\x1f"
            f"{'' if price is None else f'{price.amount!s}{price.currency}'}\x1f"
            f"{'' if cost is None else f'{cost.amount!s}{cost.currency}'}"
        )
    for s in order.shipments:
        declared, insured = s.declared_value, s.insured_value
        parts.append(
            f"{s.tracking_number}\x1f{s.carrier}\x1f{s.channel}\x1f{s.service}\x1f"
            f"{s.origin_country}\x1f{s.destination_country}\x1f{s.ship_date!s}\x1f"
            f"{s.promised_date!s}\x1f"
            f"{'' if declared is None else f'{declared.amount!s}{declared.currency}'}\x1f"
            f"{'' if insured is None else f'{insured.amount!s}{insured.currency}'}\x1f"
            f"{s.signature_required}"
        )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
