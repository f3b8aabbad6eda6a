"""Shopee Seller Centre → My Orders → Export, in each language Seller Centre speaks.

Headers follow the seller's Seller Centre language, so there is one format per
language (``shopee_en``, ``shopee_th``, ``shopee_id``, ``shopee_vn``, ``shopee_tw``),
detected by header and grouped as the ``shopee`` family for ``--format shopee``.

Shopee writes no currency column, and amounts are only readable once the currency is
known (Indonesia's ``37.200`` is 37,200 rupiah), so the currency comes from the market:
a ``(PHP)``/``(VND)``/``(THB)`` suffix in the headers, the language (Indonesian → IDR,
Traditional Chinese → TWD), or the ``Country`` cell; an English file that says none of
that is taken to be Singapore's (SGD) unless the user passes ``--currency``. The country
column holds a name (``Singapore``, ``ไทย``, ``Việt Nam``) and becomes ISO-2; where
there is none, the market's currency names the country.

One row per order line; order-level columns repeat on every row (they are not summed).
Tracking is ``Tracking Number*`` (and its translations), the carrier the shipping
option (``SPX Express``, ``J&T``). Dates are ``2026-06-12 07:47`` in the shop's zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat, RowReader
from parceldesk.adapters.importers.tables import Cell
from parceldesk.adapters.importers.values import country_code, country_currency, is_currency
from parceldesk.services.import_records import LineRecord

__all__ = ["SHOPEE_FORMATS"]

#: Shopee markets and their currency; the currency names the market's country.
MARKET_COUNTRY = {
    "SGD": "SG", "MYR": "MY", "PHP": "PH", "THB": "TH", "IDR": "ID", "VND": "VN",
    "TWD": "TW", "BRL": "BR", "MXN": "MX", "COP": "CO", "CLP": "CL",
}  # fmt: skip
_HEADER_CURRENCY = re.compile(r"\(([A-Z]{3})\)")


@lru_cache(maxsize=64)
def _header_currency(headers: tuple[str, ...]) -> str | None:
    """``Total Discount(PHP)`` → PHP; only one currency may be named."""
    found = {m for h in headers for m in _HEADER_CURRENCY.findall(h) if is_currency(m)}
    return found.pop() if len(found) == 1 else None


_Implied = Callable[[RowReader, list[Cell]], tuple[str, bool] | None]


def _market_currency(language_currency: str | None) -> _Implied:
    def implied(reader: RowReader, cells: list[Cell]) -> tuple[str, bool] | None:
        marked = _header_currency(tuple(reader.headers))
        if marked:
            return marked, True
        if language_currency:
            return language_currency, True
        country = reader.text(cells, "ship_to_country")
        if country:
            try:
                currency = country_currency(country_code(country))
            except ValueError:
                currency = None  # reported by _post_process under the country column
            if currency is not None:
                return currency, True
        return "SGD", False

    return implied


def _post_process(reader: RowReader, cells: list[Cell], rec: LineRecord) -> None:
    country = reader.text(cells, "ship_to_country")
    if country:
        try:
            rec.ship_to_country = country_code(country)
        except ValueError as exc:
            raise reader.fail("ship_to_country", str(exc), country) from None
        return
    market = rec.currency or reader.ctx.default_currency
    rec.ship_to_country = MARKET_COUNTRY.get(market or "")


def _shopee(
    name: str,
    currency: str | None,
    fields: dict[str, tuple[str, ...]],
    signature: tuple[str, ...],
) -> HeaderMappedFormat:
    return HeaderMappedFormat(
        name=name,
        platform="shopee",
        fields=fields,
        signature=signature,
        post_process=_post_process,
        market_currency=_market_currency(currency),
    )


SHOPEE_EN = _shopee(
    "shopee_en",
    None,  # SG, MY and PH export in English; PH headers carry (PHP)
    {
        "order_id": ("Order ID",),
        "order_date": ("Order Creation Date",),
        "buyer_name": ("Receiver Name",),
        "buyer_phone": ("Phone Number",),
        "ship_to_line1": ("Delivery Address",),
        "ship_to_city": ("City",),
        "ship_to_state": ("Province",),
        "ship_to_postal_code": ("Zip Code",),
        "ship_to_country": ("Country",),
        "sku": ("SKU Reference No.", "Parent SKU Reference No."),
        "item_name": ("Product Name",),
        "quantity": ("Quantity",),
        "unit_price": ("Deal Price", "Deal Price(PHP)", "Original Price", "Original Price(PHP)"),
        "tracking_number": ("Tracking Number*",),
        "carrier": ("Shipping Option",),
        "ship_date": ("Ship Time",),
    },
    ("Order ID", "Tracking Number*", "Shipping Option", "Product Name"),
)

SHOPEE_TH = _shopee(
    "shopee_th",
    "THB",
    {
        "order_id": ("หมายเลขคำสั่งซื้อ",),
        "order_date": ("วันที่ทำการสั่งซื้อ",),
        "buyer_name": ("ชื่อผู้รับ",),
        "buyer_phone": ("หมายเลขโทรศัพท์",),
        "ship_to_line1": ("ที่อยู่ในการจัดส่ง",),
        "ship_to_city": ("เขต/อำเภอ",),
        "ship_to_state": ("จังหวัด",),
        "ship_to_postal_code": ("รหัสไปรษณีย์",),
        "ship_to_country": ("ประเทศ",),
        "sku": ("เลขอ้างอิง SKU (SKU Reference No.)", "เลขอ้างอิง Parent SKU"),
        "item_name": ("ชื่อสินค้า",),
        "quantity": ("จำนวน",),
        "unit_price": ("ราคาขาย", "ราคาตั้งต้น"),
        "tracking_number": ("*หมายเลขติดตามพัสดุ",),
        "carrier": ("ตัวเลือกการจัดส่ง",),
        "ship_date": ("เวลาส่งสินค้า",),
    },
    ("หมายเลขคำสั่งซื้อ", "*หมายเลขติดตามพัสดุ", "ชื่อสินค้า"),
)

SHOPEE_ID = _shopee(
    "shopee_id",
    "IDR",
    {
        "order_id": ("No. Pesanan",),
        "order_date": ("Waktu Pesanan Dibuat",),
        "buyer_name": ("Nama Penerima",),
        "buyer_phone": ("No. Telepon",),
        "ship_to_line1": ("Alamat Pengiriman",),
        "ship_to_city": ("Kota/Kabupaten",),
        "ship_to_state": ("Provinsi",),
        "sku": ("Nomor Referensi SKU", "SKU Induk"),
        "item_name": ("Nama Produk",),
        "quantity": ("Jumlah",),
        "unit_price": ("Harga Setelah Diskon", "Harga Awal"),
        "tracking_number": ("No. Resi",),
        "carrier": ("Opsi Pengiriman",),
        "ship_date": ("Waktu Pengiriman Diatur",),
    },
    ("No. Pesanan", "No. Resi", "Nama Produk"),
)

SHOPEE_VN = _shopee(
    "shopee_vn",
    "VND",
    {
        "order_id": ("Mã đơn hàng",),
        "order_date": ("Ngày đặt hàng",),
        "buyer_name": ("Tên Người nhận",),
        "buyer_phone": ("Số điện thoại",),
        "ship_to_line1": ("Địa chỉ nhận hàng",),
        "ship_to_city": ("TP / Quận / Huyện",),
        "ship_to_state": ("Tỉnh/Thành phố",),
        "ship_to_country": ("Quốc gia",),
        "sku": ("SKU phân loại hàng", "SKU sản phẩm"),
        "item_name": ("Tên sản phẩm",),
        "quantity": ("Số lượng",),
        "unit_price": ("Giá ưu đãi", "Giá gốc"),
        "tracking_number": ("Mã vận đơn",),
        "carrier": ("Đơn Vị Vận Chuyển",),
        "ship_date": ("Ngày gửi hàng",),
    },
    ("Mã đơn hàng", "Mã vận đơn", "Tên sản phẩm"),
)

SHOPEE_TW = _shopee(
    "shopee_tw",
    "TWD",
    {
        "order_id": ("訂單編號",),
        "order_date": ("訂單成立日期",),
        "buyer_name": ("收件者姓名",),
        "buyer_phone": ("收件者電話",),
        "ship_to_line1": ("收件地址",),
        "ship_to_city": ("行政區",),  # district (大安區) under the city/county (臺北市)
        "ship_to_state": ("城市",),
        "ship_to_postal_code": ("郵遞區號",),
        "sku": ("商品選項貨號", "主商品貨號"),
        "item_name": ("商品名稱",),
        "quantity": ("數量",),
        "unit_price": ("商品活動價格", "商品原價"),
        "tracking_number": ("包裹查詢號碼",),
        "carrier": ("寄送方式",),
        "ship_date": ("實際出貨時間",),
    },
    ("訂單編號", "包裹查詢號碼", "商品名稱"),
)

SHOPEE_FORMATS: tuple[HeaderMappedFormat, ...] = (
    SHOPEE_EN,
    SHOPEE_TH,
    SHOPEE_ID,
    SHOPEE_VN,
    SHOPEE_TW,
)
