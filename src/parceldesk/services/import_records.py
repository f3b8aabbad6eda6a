"""The record every order-export format is read into, and the errors reading can raise.

Each platform layout (Shopify, Shopee, Amazon, TikTok, our own canonical CSV) is an
adapter that turns its rows into ``LineRecord``s; everything after that -- grouping
rows into orders, validation across rows, idempotent storage -- is one code path in
``services/importing.py``. Field names are the canonical column names, so an error
about ``unit_price`` can be reported under whatever header the file really used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol, cast

__all__ = [
    "CANONICAL_COLUMNS",
    "PACKED_CELL",
    "PACKED_ROW",
    "SHIPMENT_COLUMNS",
    "LineRecord",
    "OrderSource",
    "RawRun",
    "RowError",
    "RowFailed",
]

#: Columns of the canonical ``parceldesk`` order format, in template order.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "order_id",
    "platform",
    "store",
    "order_date",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "ship_to_line1",
    "ship_to_line2",
    "ship_to_city",
    "ship_to_state",
    "ship_to_postal_code",
    "ship_to_country",
    "sku",
    "item_name",
    "quantity",
    "unit_price",
    "unit_cost",
    "currency",
    "tracking_number",
    "carrier",
    "channel",
    "ship_date",
    "promised_date",
    "declared_value",
    "insured_value",
    "signature_required",
)

#: Columns of the tracking file read by ``parceldesk import shipments``.
SHIPMENT_COLUMNS: tuple[str, ...] = (
    "order_id",
    "tracking_number",
    "carrier",
    "channel",
    "ship_date",
    "promised_date",
    "declared_value",
    "currency",
    "service",
    "store",
)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row of one file was refused: ``file:row: column: reason``."""

    file: str
    row: int
    column: str
    reason: str
    value: str = ""
    #: the row's order id when it could still be read, so its order is rejected whole
    order_id: str = ""

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value else ""
        return f"{self.file}: row {self.row}: column {self.column!r}: {self.reason}{shown}"


class RowFailed(Exception):
    """Raised by a format while reading one row; carries the column and reason."""

    def __init__(self, column: str, reason: str, value: str = "") -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason
        self.value = value


@dataclass(slots=True)
class LineRecord:
    """One order line (or one parcel-only row) read from any export, already typed.

    ``None`` means "not in this file" (continuation rows of Shopify exports leave the
    order-level fields empty; they are inherited from the order's first row).
    ``quantity`` is ``None`` on rows that describe a parcel and no item.
    """

    row: int
    order_id: str
    platform: str
    store: str | None = None
    order_date: datetime | None = None
    currency: str | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_phone: str | None = None
    ship_to_line1: str | None = None
    ship_to_line2: str | None = None
    ship_to_city: str | None = None
    ship_to_state: str | None = None
    ship_to_postal_code: str | None = None
    ship_to_country: str | None = None
    sku: str = ""
    item_name: str = ""
    quantity: int | None = None
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None
    tracking_number: str = ""
    carrier: str = ""
    channel: str = ""
    service: str = ""
    origin_country: str = ""
    ship_date: date | None = None
    promised_date: date | None = None
    declared_value: Decimal | None = None
    insured_value: Decimal | None = None
    signature_required: bool | None = None
    #: canonical field -> header actually used in the file, for error messages
    columns: dict[str, str] = field(default_factory=dict)

    def column_for(self, canonical_field: str) -> str:
        return self.columns.get(canonical_field, canonical_field)


#: ``RawRun.packed`` joins a row's cells with US and the rows with RS; the reader that
#: packs (``adapters/importers/source.py``) and ``RawRun.cells`` must agree on them
PACKED_CELL = "\x1f"
PACKED_ROW = "\x1e"


@dataclass(slots=True)
class RawRun:
    """Adjacent rows of a file that name one order id, not read yet.

    A re-import compares ``source_hash`` with the one stored for ``key`` and skips rows
    it has already stored unread; only the others are read (``OrderSource.parse``)."""

    #: (store as the rows or ``--store`` give it, or "", order id)
    key: tuple[str, str]
    #: the rows' cells with the format, options and reading rules; ``None``: no shortcut
    source_hash: str | None
    #: (row number, cells), in file order
    rows: list[tuple[int, list[object]]]
    #: normalised tracking number and row, per row that names a parcel first, as
    #: ``Digest.parcels``; ``None`` when a number does not normalise (read the rows)
    parcels: tuple[tuple[str, int], ...] | None
    #: True when the rows give two different stores: they may be several orders
    mixed: bool = False
    #: the same rows as one text, where that is exact: their numbers, and their cells
    #: joined by ``PACKED_CELL`` and the rows by ``PACKED_ROW``. One string is far cheaper to
    #: ship to another process than a list per row; ``rows`` may then be left empty.
    packed: tuple[tuple[int, ...], str] | None = None

    @property
    def row_count(self) -> int:
        return len(self.packed[0]) if self.packed is not None else len(self.rows)

    def cells(self) -> list[tuple[int, list[object]]]:
        """``rows``, unpacked from ``packed`` if need be."""
        if self.rows or self.packed is None:
            return self.rows
        numbers, text = self.packed
        cells = cast(list[list[object]], [r.split(PACKED_CELL) for r in text.split(PACKED_ROW)])
        return list(zip(numbers, cells, strict=True))


class OrderSource(Protocol):
    """A readable order export: yields records, or ``RowError``s for rows it cannot read."""

    path: Path
    format_name: str

    def records(self) -> Iterator[LineRecord | RowError]:
        """The rows, once; the file is closed when they are exhausted."""
        ...

    def runs(self) -> Iterator[RawRun]:
        """The same rows as ``records``, unread, in runs of one order id; once."""
        ...

    def parse(self, run: RawRun) -> list[LineRecord | RowError]:
        """What ``records`` yields for the rows of ``run``."""
        ...

    def close(self) -> None:
        """Release the file early (reading it to the end does too); idempotent."""
        ...
