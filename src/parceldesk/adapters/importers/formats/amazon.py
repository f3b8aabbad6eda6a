"""Amazon Seller Central order reports: tab-delimited ``.txt`` flat files, header in row 1.

Three reports carry orders, each with its own id column and quantity column, so each
is a format of its own, grouped as the ``amazon`` family for ``--format amazon``:

* ``amazon_orders`` -- All Orders (``GET_FLAT_FILE_ALL_ORDERS_DATA_*``): every order
  and status, but no street, buyer or tracking columns. Cancelled lines have quantity 0
  and are skipped rather than reported as errors.
* ``amazon_unshipped`` -- Unshipped Orders and the older New Orders / Order Report (MFN):
  buyer and full ship-to address; no tracking (the seller supplies it later). The
  Unshipped report has no currency or prices; they are left empty for the import's
  ``--currency`` default.
* ``amazon_fba`` -- Amazon Fulfilled Shipments: one row per shipped item with
  ``carrier`` and ``tracking-number``, the only Amazon report that has them.

``item-price`` is the price of the whole line (unit price × quantity, as Amazon's
Orders API documents ``ItemPrice``), so it is divided by the quantity. Dates are
ISO 8601 with offsets (``2017-06-17T08:04:21+00:00``); ``ship-country`` is ISO-2.
Some NA/EU reports arrive in cp1252, which the table reader detects.
"""

from __future__ import annotations

from decimal import Decimal

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat, RowReader
from parceldesk.adapters.importers.tables import Cell
from parceldesk.services.import_records import LineRecord

__all__ = ["AMAZON_FBA", "AMAZON_FORMATS", "AMAZON_ORDERS", "AMAZON_UNSHIPPED"]

#: unit prices derived from a line total keep at most this many decimals
_UNIT_PRICE_STEP = Decimal("0.0001")


def _post_process(reader: RowReader, cells: list[Cell], rec: LineRecord) -> None:
    line3 = reader.text(cells, "_line3")
    if line3:
        rec.ship_to_line2 = ", ".join(p for p in (rec.ship_to_line2, line3) if p)
    if rec.unit_price is not None and rec.quantity and rec.quantity > 1:
        unit = rec.unit_price / rec.quantity
        if unit * rec.quantity != rec.unit_price:  # 10.00 / 3: keep a sane number of places
            unit = unit.quantize(_UNIT_PRICE_STEP)
        rec.unit_price = unit


def _cancelled_line(reader: RowReader, cells: list[Cell]) -> bool:
    """All Orders lists cancelled items with quantity 0: nothing to ship, not an error."""
    if reader.text(cells, "quantity") not in ("0", "0.0"):
        return False
    statuses = (reader.text(cells, "_order_status"), reader.text(cells, "_item_status"))
    return any(s.casefold() == "cancelled" for s in statuses)


_ADDRESS = {
    "ship_to_line1": ("ship-address-1",),
    "ship_to_line2": ("ship-address-2",),
    "_line3": ("ship-address-3",),
    "ship_to_city": ("ship-city",),
    "ship_to_state": ("ship-state",),
    "ship_to_postal_code": ("ship-postal-code",),
    "ship_to_country": ("ship-country",),
}
_BUYER = {
    "buyer_name": ("recipient-name", "buyer-name"),
    "buyer_email": ("buyer-email",),
    "buyer_phone": ("ship-phone-number", "buyer-phone-number"),
}
_ITEM = {
    "sku": ("sku",),
    "item_name": ("product-name",),
    "currency": ("currency",),
    "unit_price": ("item-price",),
    "service": ("ship-service-level",),
}

AMAZON_ORDERS = HeaderMappedFormat(
    name="amazon_orders",
    platform="amazon",
    fields={
        "order_id": ("amazon-order-id",),
        "order_date": ("purchase-date",),
        "quantity": ("quantity",),
        "_order_status": ("order-status",),
        "_item_status": ("item-status",),
        **_ADDRESS,
        **_ITEM,
    },
    signature=("amazon-order-id", "order-status", "quantity"),
    skip_row=_cancelled_line,
    post_process=_post_process,
)

AMAZON_UNSHIPPED = HeaderMappedFormat(
    name="amazon_unshipped",
    platform="amazon",
    fields={
        "order_id": ("order-id",),
        "order_date": ("purchase-date",),
        "quantity": ("quantity-purchased",),
        **_BUYER,
        **_ADDRESS,
        **_ITEM,
    },
    signature=("order-id", "order-item-id", "quantity-purchased"),
    post_process=_post_process,
)

AMAZON_FBA = HeaderMappedFormat(
    name="amazon_fba",
    platform="amazon",
    fields={
        "order_id": ("amazon-order-id",),
        "order_date": ("purchase-date",),
        "quantity": ("quantity-shipped",),
        "tracking_number": ("tracking-number",),
        "carrier": ("carrier",),
        "ship_date": ("shipment-date",),
        "promised_date": ("estimated-arrival-date",),
        **_BUYER,
        **_ADDRESS,
        **_ITEM,
    },
    signature=("amazon-order-id", "shipment-id", "tracking-number"),
    post_process=_post_process,
)

AMAZON_FORMATS: tuple[HeaderMappedFormat, ...] = (AMAZON_ORDERS, AMAZON_UNSHIPPED, AMAZON_FBA)
