"""Parsers for the values found in real marketplace exports.

Exports are written for spreadsheets, not machines: Shopify prefixes numeric zip codes
with ``'``, TikTok pads ids with a trailing TAB, Shopee Indonesia writes ``37.200`` for
thirty-seven thousand rupiah, TikTok Brazil writes ``BRL 35,91``, and a file re-saved
in Excel turns dates into serial numbers. Each parser raises ``RowFailed``-friendly
``ValueError``s whose message says what was expected.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_precision, get_territory_currencies, list_currencies

__all__ = [
    "clean",
    "country_code",
    "country_currency",
    "is_currency",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_money",
    "parse_quantity",
]

_EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "R$": "BRL",
    "S$": "SGD",
    "₱": "PHP",
    "฿": "THB",
    "Rp": "IDR",
    "RM": "MYR",
    "₫": "VND",
    "€": "EUR",
    "£": "GBP",
    "¥": "CNY",
    "NT$": "TWD",
}
_CURRENCY_PREFIX = re.compile(
    r"^(?P<cur>[A-Z]{3}|US\$|R\$|S\$|NT\$|Rp|RM|[$₱฿₫€£¥])\s*(?P<num>.*)$"
)
_CURRENCY_SUFFIX = re.compile(r"^(?P<num>.*?)\s*(?P<cur>[A-Z]{3}|[₫€])$")


def clean(value: object) -> str:
    """Cell to text: strip spaces, TAB padding and stray BOMs; ``None`` is empty. (Hot path.)"""
    if isinstance(value, str):
        text = value.strip()
        return text.strip("\ufeff").strip() if "\ufeff" in text else text
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        elif math.isfinite(value):
            # str() writes 1e-05 for tiny floats from XLSX; no parser reads that
            value = format(Decimal(repr(value)), "f")
    return str(value).strip().strip("\ufeff").strip()


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code known to CLDR (via Babel)."""
    return code in _currencies()


#: Languages whose country names appear in marketplace exports (Shopee's ``Country``
#: column says ``Singapore``/``ไทย``/``Việt Nam``; TikTok's says ``United States``).
_COUNTRY_LOCALES = ("en", "th", "id", "ms", "vi", "zh_Hant", "zh_Hans", "fil", "pt", "es")
#: CLDR names that are not countries (EU, "Unknown Region", pseudo-regions).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_COUNTRY_ALIASES = {
    "viet nam": "VN", "vietnam": "VN", "臺灣": "TW", "中華民國": "TW", "ประเทศไทย": "TH",
    "taiwan, province of china": "TW", "usa": "US", "u.s.a.": "US",
    "united states of america": "US", "uk": "GB", "great britain": "GB",
}  # fmt: skip


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in _COUNTRY_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names.setdefault(name.casefold(), code)
                names.setdefault(code.casefold(), code)
    names.update(_COUNTRY_ALIASES)
    return names


def country_code(text: str) -> str:
    """ISO 3166 alpha-2 for a code or a country name in a marketplace language."""
    folded = " ".join(text.split()).casefold()
    code = _country_names().get(folded)
    if code is None:
        raise ValueError("unknown country (expected an ISO code such as SG or a country name)")
    return code


def country_currency(country: str) -> str | None:
    """The one currency of a country (``TH`` -> ``THB``); ``None`` when it has several."""
    currencies = get_territory_currencies(country)
    return currencies[0] if len(currencies) == 1 else None


#: Currencies written without minor units in practice, although CLDR lists two digits
#: for some (IDR, TWD): Shopee Indonesia's ``37.200`` is 37,200 rupiah.
_WHOLE_UNIT_CURRENCIES = frozenset({"IDR", "VND", "JPY", "KRW", "CLP", "TWD", "ISK", "PYG", "UGX"})


@lru_cache(maxsize=256)
def _precision(currency: str) -> int:
    if currency in _WHOLE_UNIT_CURRENCIES:
        return 0
    return int(get_currency_precision(currency))


def parse_money(text: str, currency: str | None = None) -> tuple[Decimal, str | None]:
    """Parse ``19.99``, ``1,234.50``, ``1.234,50``, ``BRL 35,91``, ``$9.64``, ``37.200`` (IDR).

    Returns the amount and the currency written in the cell (``None`` if none was).
    Which separator is the decimal one is decided by, in order: the presence of both
    (the last one is decimal), the currency's minor-unit count (IDR/VND/JPY have none,
    so a lone separator groups thousands), and the digit count after a lone separator.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty amount")
    fast = _plain_decimal(raw)
    if fast is not None and (currency is None or _precision(currency) > 0 or "." not in raw):
        return fast, None
    found: str | None = None
    body = raw.replace("\u00a0", " ").replace("\u202f", " ")
    negative = body.startswith("-") or (body.startswith("(") and body.endswith(")"))
    body = body.lstrip("-").strip("()").strip()
    m = _CURRENCY_PREFIX.match(body) or _CURRENCY_SUFFIX.match(body)
    if m:
        cur = m.group("cur")
        found = _SYMBOLS.get(cur, cur)
        body = m.group("num").strip().lstrip("-")
        if not (found and is_currency(found)):
            raise ValueError(f"unknown currency {cur!r} in amount")
    effective = found or currency
    body = body.replace(" ", "").replace("'", "")
    if not _AMOUNT_BODY.fullmatch(body):
        raise ValueError("not an amount (expected digits with . or , separators)")
    digits = _normalise_separators(body, _precision(effective) if effective else 2)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise ValueError("not an amount") from None
    return (-value if negative else value), found


_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_AMOUNT_BODY = re.compile(r"[0-9.,]+")


def _plain_decimal(text: str) -> Decimal | None:
    if not _PLAIN_DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def _normalise_separators(body: str, precision: int) -> str:
    if "," in body and "." in body:
        decimal_sep = "," if body.rfind(",") > body.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _, fraction = body.rpartition(decimal_sep)
        if decimal_sep in whole or group_sep in fraction or not fraction:
            raise ValueError("separators in the wrong place")
        if not _grouped(whole.split(group_sep)):
            raise ValueError("thousands separators in the wrong place")
        return whole.replace(group_sep, "") + "." + fraction
    sep = "," if "," in body else "." if "." in body else ""
    if not sep:
        return body
    parts = body.split(sep)
    if not all(parts):
        raise ValueError("not an amount (a separator without digits on both sides)")
    if len(parts) > 2:
        if not _grouped(parts):
            raise ValueError("thousands separators in the wrong place")
        return "".join(parts)
    # One separator: it groups thousands when grouping is possible and the currency has
    # no minor unit (IDR 37.200) or three digits follow a comma (USD 1,234); otherwise it
    # is the decimal point (IDR 150000.00 from Shopify, BRL 35,91, KWD 1.250).
    three_decimals = precision == 3 and sep == "."
    if _grouped(parts) and (precision == 0 or not three_decimals):
        return "".join(parts)
    return parts[0] + "." + parts[1]


def _grouped(parts: list[str]) -> bool:
    """``["1", "234", "567"]``: a 1-3 digit head without a leading zero, then triples."""
    head = parts[0]
    return (
        len(parts) > 1
        and 1 <= len(head) <= 3
        and not (head.startswith("0"))
        and all(len(p) == 3 for p in parts[1:])
    )


#: Quantities above this are typos or ids in the wrong column, never an order line.
MAX_QUANTITY = 1_000_000


def parse_quantity(text: str) -> int:
    """A positive whole number: ``2``, ``2.0`` (XLSX); not ``0``, ``1.5``, ``NaN``, ``1e9999``."""
    if text.isascii() and text.isdigit() and len(text) < 8:  # the usual "2": no Decimal
        number = int(text)
        if 0 < number <= MAX_QUANTITY:
            return number  # anything else: the general path words the error
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a whole number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError("not a whole number")
    if value <= 0:
        raise ValueError("must be a positive whole number")
    if value > MAX_QUANTITY:
        raise ValueError(f"implausible quantity (more than {MAX_QUANTITY})")
    return int(value)


_TRUE = frozenset({"true", "yes", "y", "1", "t", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "f", "否", ""})


def parse_bool(text: str) -> bool:
    lowered = text.strip().casefold()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true/false or yes/no")


#: ``09/15/2025 7:44:26 AM`` (TikTok US), ``15/09/2025 19:44:26`` (TikTok TH),
#: ``12/05/2026 12:54`` (a Shopify file re-saved by Excel), ``2026/06/12 07:47``.
_SLASHED = re.compile(
    r"^(?P<a>\d{1,4})/(?P<b>\d{1,2})/(?P<c>\d{1,4})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\s*(?P<ampm>[AP]M))?)?$",
    re.I | re.ASCII,
)
_WORDY = ((re.compile(r"^\d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}$"), "%d %b %Y %H:%M"),)


_SERIAL = re.compile(r"\d{5}(\.\d+)?", re.ASCII)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _excel_serial(text: str) -> datetime | None:
    if not _SERIAL.fullmatch(text):
        return None
    serial = float(text)
    if not 20000 < serial < 80000:  # 1954 .. 2119: anything else is not a date serial
        return None
    # a float day count is off by microseconds (12:54:06.999999); exports have seconds
    return _EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


def parse_datetime(value: object, tz: tzinfo, *, day_first: bool = False) -> datetime:
    """Parse a timestamp; a value without an offset is local time in ``tz``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    text = clean(value)
    if not text:
        raise ValueError("empty date")
    serial = _excel_serial(text)
    if serial is not None:
        return serial.replace(tzinfo=tz)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        if _ISO_DAY.match(text):
            raise ValueError(f"not a valid date ({exc})") from None
        parsed = _strptime(text, day_first)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _strptime(text: str, day_first: bool) -> datetime:
    m = _SLASHED.match(text)
    if m:
        return _slashed(m, day_first)
    for pattern, fmt in _WORDY:
        if pattern.match(text):
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007 - zone attached by caller
            except ValueError as exc:
                raise ValueError(f"not a valid date ({exc})") from None
    raise ValueError("not a date (expected ISO 8601, e.g. 2026-05-12 or 2026-05-12T10:00:00+08:00)")


def _slashed(m: re.Match[str], day_first: bool) -> datetime:
    """Year-first, or day/month in the order the value proves (a part above 12 is the
    day) and otherwise in the order the format declares (``day_first``)."""
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    if len(m["a"]) == 4:
        year, month, day = a, b, c
    elif len(m["c"]) == 4 and len(m["a"]) <= 2:
        year = c
        if a > 12 or (day_first and b <= 12):
            day, month = a, b
        else:
            month, day = a, b
    else:
        raise ValueError("not a date (expected DD/MM/YYYY, MM/DD/YYYY or YYYY/MM/DD)")
    hour, minute, second = int(m["h"] or 0), int(m["m"] or 0), int(m["s"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"not a valid date (hour {hour} with {m['ampm'].upper()})")
        hour = hour % 12 + (12 if m["ampm"].upper() == "PM" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone added later
    except ValueError as exc:
        raise ValueError(f"not a valid date ({exc})") from None


def parse_date(value: object, tz: tzinfo, *, day_first: bool = False) -> date:
    """Parse a calendar date; timestamps are reduced to their date in their own zone."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean(value)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not a valid date ({exc})") from None
    return parse_datetime(text, tz, day_first=day_first).date()
