"""Marketplace export formats, read from files built to the real layouts.

Each test writes a file the way the platform does (see ``tests/fixtures/exports.py``),
opens it through ``open_export`` as the CLI does, and checks detection, the typed
values of the records, and that a bad cell becomes a ``RowError`` naming the file, the
row and the header the user sees in the file.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.importers.formats import registry
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.source import FileRejected, open_export
from parceldesk.adapters.importers.values import (
    clean,
    country_code,
    parse_date,
    parse_datetime,
    parse_money,
    parse_quantity,
)
from parceldesk.services.import_records import LineRecord, RowError
from tests.fixtures import exports as ex

PDT = timezone(timedelta(hours=-7))
SGT = timezone(timedelta(hours=8))


def read(
    path: Path, fmt: str = "auto", **ctx: object
) -> tuple[str, list[LineRecord], list[RowError]]:
    export = open_export(path, format_name=fmt, ctx=FormatContext(file=path.name, **ctx))  # type: ignore[arg-type]
    items = list(export.records())
    records = [i for i in items if isinstance(i, LineRecord)]
    errors = [i for i in items if isinstance(i, RowError)]
    return export.format_name, records, errors


def only_error(path: Path, fmt: str = "auto", **ctx: object) -> RowError:
    _, _, errors = read(path, fmt, **ctx)
    assert len(errors) == 1, errors
    return errors[0]


# --- Shopify --------------------------------------------------------------------------------


def test_shopify_multi_item_order_with_continuation_rows(tmp_path: Path) -> None:
    path = ex.write_csv(tmp_path / "orders_export_1.csv", ex.SHOPIFY_HEADER, ex.shopify_rows())
    name, recs, errors = read(path)
    assert (name, errors) == ("shopify", [])
    assert [r.order_id for r in recs] == ["#16101", "#16101", "#16101", "#16102", "#16103"]
    first, patch, bottle, portugal, india = recs
    assert first.platform == "shopify"
    assert first.row == 2 and patch.row == 3  # the quoted multi-line Notes is one row
    assert first.order_date == datetime(2026, 5, 12, 12, 54, 7, tzinfo=PDT)
    assert first.currency == "USD"
    assert (first.sku, first.item_name, first.quantity) == (
        "TB-BLK",
        "Tactical Backpack - Black",
        2,
    )
    assert first.unit_price == Decimal("650.81")
    assert first.buyer_name == "Ana Lima" and first.buyer_email == "ana@example.com"
    assert first.buyer_phone == "+1 310 555 0100"  # apostrophe stripped
    assert (first.ship_to_line1, first.ship_to_line2) == ("123 Main St", "Apt 4")
    assert (first.ship_to_city, first.ship_to_state) == ("Torrance", "CA")
    assert (first.ship_to_postal_code, first.ship_to_country) == ("90503", "US")
    assert (first.tracking_number, first.carrier) == ("", "")  # not in this export
    assert first.service == "Standard Ground"
    # continuation rows: line fields only; order fields are left for the service to inherit
    assert (patch.sku, patch.quantity, patch.unit_price) == ("PATCH-3", 1, Decimal("45.00"))
    assert patch.currency is None and patch.ship_to_country is None and patch.buyer_name is None
    assert patch.order_date == first.order_date
    assert bottle.buyer_phone == "+13105550100"  # the continuation row's Phone column
    # mixed currencies in one file, each with its own offset
    assert (portugal.currency, india.currency) == ("EUR", "INR")
    assert portugal.order_date == datetime(2025, 12, 7, 19, 8, 25, tzinfo=UTC)
    assert india.order_date is not None and india.order_date.utcoffset() == timedelta(
        hours=5, minutes=30
    )
    assert portugal.ship_to_postal_code == "8800-137" and india.ship_to_postal_code == "400076"
    assert portugal.buyer_phone == "+351 964 896 379"
    assert india.unit_price == Decimal("1499.00") and india.quantity == 3


def test_shopify_resaved_by_excel_has_serial_dates_and_crlf(tmp_path: Path) -> None:
    rows = ex.excel_resaved(ex.shopify_rows())
    assert rows[0]["Created at"].startswith("4")  # a serial such as 46154.53758...
    path = ex.write_csv(tmp_path / "orders_export_1.csv", ex.SHOPIFY_HEADER, rows, newline="\r\n")
    name, recs, errors = read(path, tz=PDT)
    assert (name, errors) == ("shopify", [])
    assert recs[0].order_date == datetime(2026, 5, 12, 12, 54, 7, tzinfo=PDT)
    assert recs[0].ship_to_postal_code == "90503"
    assert recs[0].ship_date == date(2026, 5, 13)


def test_shopify_resaved_as_xlsx_with_numeric_serials(tmp_path: Path) -> None:
    rows = [
        {
            k: (float(v) if k in ("Created at", "Paid at", "Fulfilled at") and v else v)
            for k, v in r.items()
        }
        for r in ex.excel_resaved(ex.shopify_rows())
    ]
    _, recs, errors = read(ex.write_xlsx(tmp_path / "orders.xlsx", ex.SHOPIFY_HEADER, rows), tz=PDT)
    assert errors == []
    assert recs[0].order_date == datetime(2026, 5, 12, 12, 54, 7, tzinfo=PDT)


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (2, "Lineitem quantity", "two", "not a whole number"),
        (1, "Lineitem quantity", "0", "must be a positive whole number"),
        (0, "Created at", "yesterday", "not a date"),
        (0, "Lineitem price", "12,34,5", "thousands separators"),
        (0, "Currency", "DOLLARS", "unknown currency code"),
    ],
)
def test_shopify_bad_value_names_file_row_and_header(
    tmp_path: Path, row: int, column: str, value: str, reason: str
) -> None:
    rows = ex.shopify_rows()
    rows[row] = rows[row] | {column: value}
    path = ex.write_csv(tmp_path / "orders_export_1.csv", ex.SHOPIFY_HEADER, rows)
    error = only_error(path)
    assert (error.file, error.row, error.column) == ("orders_export_1.csv", row + 2, column)
    assert reason in error.reason and error.value == value
    assert error.order_id == rows[row]["Name"]
    assert f"orders_export_1.csv: row {row + 2}: column '{column}'" in str(error)


# --- Shopee ---------------------------------------------------------------------------------

SHOPEE_EXPECTED = {
    # lang: format, currency, country, first unit price, tracking, carrier
    "en": ("shopee_en", "SGD", "SG", Decimal("19.9"), "SPXSG0123456789", "SPX Express"),
    "ph": ("shopee_en", "PHP", "PH", Decimal("199.50"), "PH2612345678A", "J&T Express"),
    "th": ("shopee_th", "THB", "TH", Decimal("259"), "TH0123456789A", "Flash Express"),
    "id": ("shopee_id", "IDR", "ID", Decimal("37200"), "JX1234567890", "Reguler (Cashless)-J&T Express"),
    "vn": ("shopee_vn", "VND", "VN", Decimal("199000"), "SPXVN012345678", "SPX Express"),
    "tw": ("shopee_tw", "TWD", "TW", Decimal("590"), "TW263000012345", "7-ELEVEN"),
}  # fmt: skip


@pytest.mark.parametrize("lang", list(SHOPEE_EXPECTED))
@pytest.mark.parametrize("fmt", ["auto", "shopee"])
def test_shopee_each_language(tmp_path: Path, lang: str, fmt: str) -> None:
    fmt_name, currency, country, price, tracking, carrier = SHOPEE_EXPECTED[lang]
    path = ex.shopee_xlsx(tmp_path / f"Order.all.20260601_20260630.{lang}.xlsx", lang)
    name, recs, errors = read(path, fmt, tz=SGT)
    assert (name, errors) == (fmt_name, [])
    assert len(recs) == 3 and recs[0].order_id == recs[1].order_id != recs[2].order_id
    first, second, mug = recs
    assert all(r.platform == "shopee" for r in recs)
    assert all(r.currency == currency and r.ship_to_country == country for r in recs)
    assert first.unit_price == price and first.quantity == 2 and second.quantity == 1
    assert (first.tracking_number, first.carrier) == (tracking, carrier)
    assert (first.sku, second.sku) == ("TEE-M-BLU", "TEE-L-RED")
    assert mug.sku == "MUG-01"  # no variation: the parent SKU stands in
    assert first.order_date is not None and first.order_date.tzinfo is SGT
    created = str(ex.shopee_sample(lang)[0]["created"])
    assert first.order_date == datetime.fromisoformat(created).replace(tzinfo=SGT)
    assert first.buyer_name and first.ship_to_line1 and first.buyer_phone


def test_shopee_indonesian_thousands_separator(tmp_path: Path) -> None:
    _, recs, _ = read(ex.shopee_xlsx(tmp_path / "id.xlsx", "id"))
    assert [r.unit_price for r in recs] == [Decimal(37200), Decimal(37200), Decimal(198200)]
    _, vn, _ = read(ex.shopee_xlsx(tmp_path / "vn.xlsx", "vn"))
    assert vn[2].unit_price == Decimal(1250000)
    _, tw, _ = read(ex.shopee_xlsx(tmp_path / "tw.xlsx", "tw"))
    assert tw[2].unit_price == Decimal(1200)


def test_shopee_english_currency_default_and_country_rules(tmp_path: Path) -> None:
    blank = [r | {"country": ""} for r in ex.shopee_sample("en")]
    path = ex.shopee_xlsx(tmp_path / "sg.xlsx", "en", blank)
    _, recs, _ = read(path)
    assert (recs[0].currency, recs[0].ship_to_country) == ("SGD", "SG")  # the default market
    _, recs, _ = read(path, default_currency="MYR")
    assert (recs[0].currency, recs[0].ship_to_country) == (None, "MY")  # the user's market
    malaysia = [r | {"country": "Malaysia"} for r in ex.shopee_sample("en")]
    _, recs, _ = read(ex.shopee_xlsx(tmp_path / "my.xlsx", "en", malaysia))
    assert (recs[0].currency, recs[0].ship_to_country) == ("MYR", "MY")
    # the (PHP) headers are certain: a --currency default does not override them
    _, recs, _ = read(ex.shopee_xlsx(tmp_path / "ph.xlsx", "ph"), default_currency="SGD")
    assert recs[0].currency == "PHP"


def test_shopee_bad_values(tmp_path: Path) -> None:
    sample = ex.shopee_sample("id")
    sample[1] = sample[1] | {"deal": "37.2.00"}
    error = only_error(ex.shopee_xlsx(tmp_path / "id.xlsx", "id", sample))
    assert (error.file, error.row, error.column) == ("id.xlsx", 3, "Harga Setelah Diskon")
    assert "thousands separators" in error.reason
    sample = ex.shopee_sample("en")
    sample[2] = sample[2] | {"country": "Atlantis"}
    error = only_error(ex.shopee_xlsx(tmp_path / "en.xlsx", "en", sample))
    assert (error.row, error.column, error.value) == (4, "Country", "Atlantis")
    assert "unknown country" in error.reason
    sample = ex.shopee_sample("th")
    sample[0] = sample[0] | {"qty": "-1"}
    error = only_error(ex.shopee_xlsx(tmp_path / "th.xlsx", "th", sample))
    assert (error.row, error.column) == (2, "จำนวน")


# --- Amazon ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [ex.AMAZON_ALL_ORDERS_HEADER, ex.AMAZON_ALL_ORDERS_CLASSIC_HEADER]
)
def test_amazon_all_orders(tmp_path: Path, header: list[str]) -> None:
    rows = [{k: v for k, v in r.items() if k in header} for r in ex.amazon_all_orders_rows()]
    path = ex.write_tsv(tmp_path / "All Orders.txt", header, rows)
    for fmt in ("auto", "amazon"):
        name, recs, errors = read(path, fmt)
        assert (name, errors) == ("amazon_orders", [])
        assert [r.order_id for r in recs] == ["114-1234567-1234567", "114-5555555-5555555"]
        shipped, pending = recs  # the cancelled quantity-0 line is skipped
        assert shipped.platform == "amazon"
        assert shipped.order_date == datetime(2026, 5, 12, 8, 4, 21, tzinfo=UTC)
        assert (shipped.quantity, shipped.unit_price) == (2, Decimal("19.99"))  # 39.98 / 2
        assert (shipped.currency, shipped.ship_to_country) == ("USD", "US")
        assert shipped.ship_to_postal_code == "98101-1234" and shipped.tracking_number == ""
        assert pending.unit_price is None and pending.order_date is not None
        assert pending.order_date.utcoffset() == timedelta(hours=-7)


def test_amazon_unshipped_cp1252_without_currency(tmp_path: Path) -> None:
    path = ex.write_tsv(
        tmp_path / "unshipped.txt",
        ex.AMAZON_UNSHIPPED_HEADER,
        ex.amazon_unshipped_rows(),
        encoding="cp1252",
    )
    name, (rec,), errors = read(path, "amazon")
    assert (name, errors) == ("amazon_unshipped", [])
    assert rec.buyer_name == "Jürgen Müller" and rec.buyer_email.endswith("amazon.com")  # type: ignore[union-attr]
    assert (rec.ship_to_line1, rec.ship_to_line2) == ("500 Pine St", "Suite 200, c/o Reception")
    assert rec.currency is None and rec.unit_price is None  # the service applies --currency
    assert rec.quantity == 3 and rec.buyer_phone == "+1 206-555-0199"


def test_amazon_new_orders_report(tmp_path: Path) -> None:
    path = ex.write_tsv(
        tmp_path / "orders.txt", ex.AMAZON_NEW_ORDERS_HEADER, ex.amazon_new_orders_rows()
    )
    name, (rec,), _ = read(path)
    assert name == "amazon_unshipped"
    assert (rec.currency, rec.unit_price, rec.quantity) == ("GBP", Decimal("2.50"), 4)
    assert rec.buyer_phone == "07700 900123" and rec.ship_to_country == "GB"


def test_amazon_fulfilled_shipments_have_tracking(tmp_path: Path) -> None:
    path = ex.write_tsv(tmp_path / "fba.txt", ex.AMAZON_FBA_SHIPMENTS_HEADER, ex.amazon_fba_rows())
    name, (first, second), errors = read(path, "amazon")
    assert (name, errors) == ("amazon_fba", [])
    assert first.order_id == second.order_id == "113-1111111-2222222"
    assert (first.tracking_number, first.carrier) == ("9400111899223197428490", "USPS")
    assert (second.tracking_number, second.carrier) == ("TBA301234567890", "AMZN_US")
    assert first.ship_date == date(2026, 5, 11)
    assert first.promised_date == date(2026, 5, 14)
    assert second.unit_price == Decimal(10) and second.service == "Expedited"


def test_amazon_bad_values(tmp_path: Path) -> None:
    rows = ex.amazon_fba_rows()
    rows[1] = rows[1] | {"item-price": "12,3,4"}
    error = only_error(ex.write_tsv(tmp_path / "fba.txt", ex.AMAZON_FBA_SHIPMENTS_HEADER, rows))
    assert (error.file, error.row, error.column) == ("fba.txt", 3, "item-price")
    rows = ex.amazon_fba_rows()
    rows[0] = rows[0] | {"quantity-shipped": "0"}  # only All Orders' cancelled lines are 0
    error = only_error(ex.write_tsv(tmp_path / "fba.txt", ex.AMAZON_FBA_SHIPMENTS_HEADER, rows))
    assert (error.row, error.column) == (2, "quantity-shipped")
    rows = ex.amazon_all_orders_rows()
    rows[0] = rows[0] | {"purchase-date": "2026-13-01T00:00:00+00:00"}
    error = only_error(ex.write_tsv(tmp_path / "all.txt", ex.AMAZON_ALL_ORDERS_HEADER, rows))
    assert (error.row, error.column) == (2, "purchase-date")


# --- TikTok ---------------------------------------------------------------------------------


def test_tiktok_us_bom_tabs_description_row_multi_sku(tmp_path: Path) -> None:
    path = ex.write_csv(
        tmp_path / "To ship order-2025-09-15.csv",
        ex.TIKTOK_US_HEADER,
        ex.tiktok_rows("us"),
        bom=True,
        quote_all_rows=[3],
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfOrder ID,")
    name, recs, errors = read(path, "tiktok")
    assert (name, errors) == ("tiktok_us", [])
    assert [r.row for r in recs] == [3, 4, 5]  # row 2 is the description row
    first, cap, other = recs
    assert first.order_id == cap.order_id == "577106943312564315"  # no trailing TAB
    assert other.order_id == "577106943312999999"  # the quoted, TAB-padded id
    assert first.order_date == datetime(2025, 9, 15, 7, 44, 26, tzinfo=UTC)
    assert first.ship_date == date(2025, 9, 16)
    assert (first.currency, first.ship_to_country) == ("USD", "US")
    assert (first.unit_price, cap.unit_price, other.unit_price) == (
        Decimal("11.99"),
        Decimal("4.8"),
        Decimal(0),
    )
    assert (first.sku, cap.sku, other.sku) == ("TEE-M-BLU", "CAP-01", "1731720182595031943")
    assert (first.quantity, cap.quantity) == (2, 1)
    assert first.ship_to_postal_code == "07524" and first.buyer_phone == "(+1)3868482396"
    assert (first.tracking_number, first.carrier) == ("9400136208070123456789", "USPS")
    assert (first.ship_to_line1, first.ship_to_line2) == ("12 Main St", "Apt 3")
    assert (first.ship_to_city, first.ship_to_state) == ("Lodi", "New Jersey")
    assert first.service == "Standard shipping"


def test_tiktok_brazil_currency_prefixed_comma_decimals(tmp_path: Path) -> None:
    path = ex.write_csv(tmp_path / "br.csv", ex.TIKTOK_US_HEADER, ex.tiktok_rows("br"), bom=True)
    name, recs, errors = read(path)
    assert (name, errors) == ("tiktok_us", [])
    assert [r.unit_price for r in recs] == [Decimal("35.91"), Decimal("10.00"), Decimal("1234.50")]
    assert {(r.currency, r.ship_to_country) for r in recs} == {("BRL", "BR")}
    assert recs[0].ship_to_postal_code == "01310-100"


def test_tiktok_thailand_reads_dates_day_first(tmp_path: Path) -> None:
    path = ex.write_csv(tmp_path / "th.csv", ex.TIKTOK_TH_HEADER, ex.tiktok_th_rows(), bom=True)
    for fmt in ("auto", "tiktok"):
        name, (rec,), errors = read(path, fmt, tz=timezone(timedelta(hours=7)))
        assert (name, errors) == ("tiktok_th", [])
        assert rec.order_date == datetime(
            2025, 9, 5, 7, 44, 26, tzinfo=timezone(timedelta(hours=7))
        )
        assert rec.ship_date == date(2025, 9, 15)
        assert (rec.currency, rec.ship_to_country, rec.unit_price) == ("THB", "TH", Decimal(259))
        assert (rec.ship_to_line1, rec.ship_to_city, rec.ship_to_state) == (
            "99/1 ถนนสุขุมวิท",
            "เขตคลองเตย",
            "กรุงเทพมหานคร",
        )


def test_tiktok_bad_values(tmp_path: Path) -> None:
    rows = ex.tiktok_rows("us")
    rows[2] = rows[2] | {"Created Time": "13/45/2025 7:44:26 AM\t"}
    error = only_error(ex.write_csv(tmp_path / "us.csv", ex.TIKTOK_US_HEADER, rows, bom=True))
    assert (error.file, error.row, error.column) == ("us.csv", 4, "Created Time")
    assert "not a valid date" in error.reason and error.value == "13/45/2025 7:44:26 AM"
    rows = ex.tiktok_rows("br")
    rows[1] = rows[1] | {"SKU Unit Original Price": "USD 11.99"}
    error = only_error(ex.write_csv(tmp_path / "br.csv", ex.TIKTOK_US_HEADER, rows, bom=True))
    assert (error.row, error.column) == (3, "SKU Unit Original Price")
    assert "amount is in USD but the row's currency is BRL" in error.reason


# --- detection, families, files -----------------------------------------------------------


def test_mixed_platforms_and_currencies(tmp_path: Path) -> None:
    files = {
        ex.write_csv(tmp_path / "shopify.csv", ex.SHOPIFY_HEADER, ex.shopify_rows()): "shopify",
        ex.shopee_xlsx(tmp_path / "shopee.xlsx", "id"): "shopee",
        ex.write_tsv(tmp_path / "fba.txt", ex.AMAZON_FBA_SHIPMENTS_HEADER, ex.amazon_fba_rows()): "amazon",
        ex.write_csv(tmp_path / "tt.csv", ex.TIKTOK_US_HEADER, ex.tiktok_rows("br"), bom=True): "tiktok",
    }  # fmt: skip
    currencies = {}
    for path, platform in files.items():
        _, recs, errors = read(path, default_currency="EUR")
        assert errors == [] and {r.platform for r in recs} == {platform}
        currencies[platform] = {r.currency for r in recs} - {None}
    assert currencies == {
        "shopify": {"USD", "EUR", "INR"},
        "shopee": {"IDR"},
        "amazon": {"USD"},
        "tiktok": {"BRL"},
    }


def test_format_families() -> None:
    assert set(registry.select("shopee")) == {
        "shopee_en",
        "shopee_th",
        "shopee_id",
        "shopee_vn",
        "shopee_tw",
    }
    assert set(registry.select("amazon")) == {"amazon_orders", "amazon_unshipped", "amazon_fba"}
    assert set(registry.select("tiktok")) == {"tiktok_us", "tiktok_th"}
    assert list(registry.select("shopify")) == ["shopify"]
    assert registry.select("auto") == registry.FORMATS
    assert registry.by_name("shopee_th").platform == "shopee"
    with pytest.raises(ValueError, match="several layouts"):
        registry.by_name("shopee")
    with pytest.raises(ValueError, match="unknown format 'ebay'"):
        registry.select("ebay")


def test_wrong_format_is_rejected(tmp_path: Path) -> None:
    path = ex.shopee_xlsx(tmp_path / "th.xlsx", "th")
    with pytest.raises(FileRejected, match="no header row of a known format"):
        open_export(path, format_name="shopify", ctx=FormatContext(file="th.xlsx"))
    with pytest.raises(ValueError, match="unknown format"):
        open_export(path, format_name="lazada", ctx=FormatContext(file="th.xlsx"))


def test_encrypted_xlsx_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "Order.all.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(FileRejected, match="encrypted XLSX"):
        open_export(path, ctx=FormatContext(file=path.name))


def test_xlsx_with_a_wrong_dimension_keeps_all_rows(tmp_path: Path) -> None:
    good = ex.shopee_xlsx(tmp_path / "good.xlsx", "en")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data
                )
                assert count == 1
            dst.writestr(item, data)
    _, recs, errors = read(bad)
    assert errors == [] and len(recs) == 3 and recs[0].tracking_number == "SPXSG0123456789"


# --- value parsers (properties) ---------------------------------------------------------------

_examples = settings(max_examples=300, database=None, deadline=None)
NAIVE_1955 = datetime(1955, 1, 1)  # noqa: DTZ001 - Excel serials are wall-clock times
NAIVE_1970 = datetime(1970, 1, 1)  # noqa: DTZ001
NAIVE_2100 = datetime(2100, 1, 1)  # noqa: DTZ001
NAIVE_2118 = datetime(2118, 12, 31)  # noqa: DTZ001
amounts = st.decimals(
    min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)


def us(d: Decimal) -> str:
    return f"{d:,.2f}"


def eu(d: Decimal) -> str:
    return us(d).translate(str.maketrans(",.", ".,"))


@_examples
@given(amount=amounts, style=st.sampled_from(["us", "eu", "plain", "usd", "$", "brl", "r$", "€"]))
def test_money_in_every_style_parses_back(amount: Decimal, style: str) -> None:
    text = {
        "us": us(amount), "eu": eu(amount), "plain": f"{amount:.2f}", "usd": f"USD {us(amount)}",
        "$": f"${us(amount)}", "brl": f"BRL {eu(amount)}", "r$": f"R$ {eu(amount)}",
        "€": f"{eu(amount)} €",
    }[style]  # fmt: skip
    value, _ = parse_money(text)
    assert value == amount


@_examples
@given(amount=st.integers(min_value=0, max_value=10**13))
def test_rupiah_with_dot_thousands_parses_back(amount: int) -> None:
    assert parse_money(f"{amount:,}".replace(",", "."), "IDR") == (Decimal(amount), None)
    assert parse_money(f"Rp {amount:,}".replace(",", "."))[0] == amount


@_examples
@given(
    moment=st.datetimes(min_value=NAIVE_1970, max_value=NAIVE_2100),
    offset_minutes=st.integers(min_value=-23 * 60, max_value=23 * 60),
    sep=st.sampled_from(["T", " "]),
)
def test_iso_datetime_with_offset_round_trips(
    moment: datetime, offset_minutes: int, sep: str
) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    parsed = parse_datetime(aware.isoformat(sep=sep), UTC)
    assert parsed == aware and parsed.utcoffset() == aware.utcoffset()


@_examples
@given(moment=st.datetimes(min_value=NAIVE_1955, max_value=NAIVE_2118))
def test_excel_serial_round_trips_to_the_second(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_datetime(ex.excel_serial(moment), SGT) == moment.replace(tzinfo=SGT)


@_examples
@given(text=st.text(max_size=30))
def test_parse_quantity_is_positive_or_value_error(text: str) -> None:
    try:
        quantity = parse_quantity(text)
    except ValueError:
        return
    assert quantity > 0


@_examples
@given(number=st.integers(min_value=1, max_value=1_000_000))
def test_parse_quantity_reads_whole_numbers(number: int) -> None:
    assert parse_quantity(str(number)) == parse_quantity(f"{number}.0") == number


@_examples
@given(
    text=st.one_of(st.text(max_size=30), st.from_regex(r"[-($€R]{0,2}[0-9.,' ]{0,14}[A-Z)]{0,3}")),
    currency=st.one_of(st.none(), st.sampled_from(["USD", "IDR", "KWD", "JPY", "BRL", "XYZ", ""])),
)
def test_parse_money_raises_only_value_error(text: str, currency: str | None) -> None:
    try:
        value, written = parse_money(text, currency)
    except ValueError:
        return
    assert value.is_finite() and (written is None or len(written) == 3)


@_examples
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"[0-9]{1,5}[/.-][0-9]{1,5}[/.-][0-9]{1,5}( [0-9:]{0,9}( [AP]M)?)?"),
    )
)
def test_date_parsers_raise_only_value_error(text: str) -> None:
    for parse in (parse_datetime, parse_date):
        try:
            parse(text, UTC)
            parse(text, UTC, day_first=True)
        except ValueError:
            pass


@_examples
@given(value=st.one_of(st.text(), st.floats(), st.integers(), st.none()))
def test_clean_is_idempotent(value: object) -> None:
    assert clean(clean(value)) == clean(value)


def test_day_month_order_follows_the_value_then_the_format() -> None:
    assert parse_datetime("09/15/2025 7:44:26 AM", UTC) == datetime(
        2025, 9, 15, 7, 44, 26, tzinfo=UTC
    )
    assert parse_datetime("15/09/2025 19:44:26", UTC) == datetime(
        2025, 9, 15, 19, 44, 26, tzinfo=UTC
    )
    assert parse_datetime("05/09/2025 07:44", UTC).month == 5
    assert parse_datetime("05/09/2025 07:44", UTC, day_first=True).month == 9
    assert parse_datetime("12/05/2026 12:00:00 AM", UTC).hour == 0


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("150000.00", "IDR", Decimal("150000.00")),  # Shopify writes decimals even for IDR
        ("37.200", "IDR", Decimal(37200)),
        ("1.250", "KWD", Decimal("1.250")),
        ("1,234", "USD", Decimal(1234)),
        ("1 234,56", "EUR", Decimal("1234.56")),
        ("1\u202f234,56", "EUR", Decimal("1234.56")),
    ],
)
def test_money_examples(text: str, currency: str, expected: Decimal) -> None:
    assert parse_money(text, currency)[0] == expected


@pytest.mark.parametrize("text", ["sNaN", "Infinity", "1e999999", "NaN", "2.5", "0", "-3", "1e7"])
def test_parse_quantity_rejects(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by cause
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [("Singapore", "SG"), ("ไทย", "TH"), ("Việt Nam", "VN"), ("台灣", "TW"), ("Brasil", "BR"),
     ("indonesia", "ID"), ("Philippines", "PH"), ("Malaysia", "MY"), ("United States", "US"),
     ("sg", "SG")],
)  # fmt: skip
def test_country_names(text: str, code: str) -> None:
    assert country_code(text) == code
