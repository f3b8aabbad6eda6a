"""TikTok Shop Seller Center → Orders → Export (CSV or XLSX, one row per SKU).

The CSV starts with a UTF-8 BOM, and every long id and timestamp carries a trailing TAB
(``577106943312564315\\t``, a lone ``\\t`` for an empty time) so Excel does not mangle
them; the reader strips both. Many exports have a second row of field descriptions
(``Platform unique order ID.``) under the header, which is skipped: TikTok order ids are
all digits, so an order-id cell that is a sentence is a description, not an order.

Dates are ``MM/DD/YYYY h:mm:ss AM`` in the US/BR/MX/PH exports but ``DD/MM/YYYY
HH:MM:SS`` in Thailand's, whose address block (``Province, District, Districts``)
identifies it, so ``tiktok_th`` reads dates day first; it and ``tiktok_us`` form the
``tiktok`` family.
Amounts are plain in the US file and currency-prefixed elsewhere (``BRL 35,91``,
``MXN 1,234.56``); without a prefix the currency is the one of the ``Country`` column
(``United States`` → USD), which also becomes the ISO-2 ship-to country.

Tracking is ``Tracking ID``, the carrier ``Shipping Provider Name``, the service
``Delivery Option``. Order-level columns repeat on every SKU row (never summed).
"""

from __future__ import annotations

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat, RowReader
from parceldesk.adapters.importers.tables import Cell
from parceldesk.adapters.importers.values import country_code, country_currency
from parceldesk.services.import_records import LineRecord

__all__ = ["TIKTOK", "TIKTOK_FORMATS", "TIKTOK_TH"]


def _description_row(reader: RowReader, cells: list[Cell]) -> bool:
    """The "Platform unique order ID." row: an order-id cell that is prose, not an id."""
    order_id = reader.text(cells, "order_id")
    return bool(order_id) and (" " in order_id or not any(c.isdigit() for c in order_id))


def _market_currency(reader: RowReader, cells: list[Cell]) -> tuple[str, bool] | None:
    country = reader.text(cells, "ship_to_country")
    if not country:
        return None
    try:
        currency = country_currency(country_code(country))
    except ValueError:
        return None  # reported by _post_process under the country column
    # a shop sells in its market's currency, which the buyer's country names
    return (currency, True) if currency else None


def _post_process(reader: RowReader, cells: list[Cell], rec: LineRecord) -> None:
    country = reader.text(cells, "ship_to_country")
    if country:
        try:
            rec.ship_to_country = country_code(country)
        except ValueError as exc:
            raise reader.fail("ship_to_country", str(exc), country) from None


_FIELDS: dict[str, tuple[str, ...]] = {
    "order_id": ("Order ID",),
    "order_date": ("Created Time",),
    "buyer_name": ("Recipient",),
    "buyer_phone": ("Phone #",),
    # US 2025: Address Line 1/2; older "global" and TH exports: Detail Address
    "ship_to_line1": ("Address Line 1", "Detail Address"),
    "ship_to_line2": ("Address Line 2", "Additional address information"),
    "ship_to_city": ("City", "District"),
    "ship_to_state": ("State", "Province"),
    "ship_to_postal_code": ("Zipcode",),
    "ship_to_country": ("Country",),
    "sku": ("Seller SKU", "SKU ID"),
    "item_name": ("Product Name",),
    "quantity": ("Quantity",),
    "unit_price": ("SKU Unit Original Price",),
    "tracking_number": ("Tracking ID",),
    "carrier": ("Shipping Provider Name",),
    "service": ("Delivery Option",),
    "ship_date": ("Shipped Time",),
}
_SIGNATURE = ("Order ID", "Seller SKU", "Tracking ID", "Shipping Provider Name")

#: US layout, also written by the month-first markets (BR, MX, PH)
TIKTOK = HeaderMappedFormat(
    name="tiktok_us",
    platform="tiktok",
    fields=_FIELDS,
    signature=_SIGNATURE,
    skip_row=_description_row,
    post_process=_post_process,
    market_currency=_market_currency,
)

TIKTOK_TH = HeaderMappedFormat(
    name="tiktok_th",
    platform="tiktok",
    fields=_FIELDS,
    signature=(*_SIGNATURE, "Districts"),
    day_first=True,
    skip_row=_description_row,
    post_process=_post_process,
    market_currency=_market_currency,
)

TIKTOK_FORMATS: tuple[HeaderMappedFormat, ...] = (TIKTOK, TIKTOK_TH)
