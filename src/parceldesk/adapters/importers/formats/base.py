"""Header-mapped export formats: a table of header aliases per canonical field.

A format never relies on column positions: vendors add, drop and reorder columns over
the years (Shopify's export grew from ~45 to 79 columns), so a header is found by
name, in any of the languages the vendor localises it to. Detection scores how many
of a format's *signature* headers a file has.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from operator import itemgetter
from typing import TypeVar, cast

from parceldesk.adapters.importers.tables import Cell
from parceldesk.adapters.importers.values import (
    clean,
    is_currency,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_money,
    parse_quantity,
)
from parceldesk.services.import_records import LineRecord, RowFailed

__all__ = ["FormatContext", "HeaderMappedFormat", "RowReader", "norm_header"]

_K = TypeVar("_K")
_V = TypeVar("_V")

_TEXT_FIELDS = (
    "store", "buyer_name", "buyer_email", "buyer_phone", "ship_to_line1", "ship_to_line2",
    "ship_to_city", "ship_to_state", "ship_to_postal_code", "sku", "item_name",
    "tracking_number", "carrier", "channel", "service",
)  # fmt: skip
#: fields that are "" rather than None when absent (they are never inherited)
_ALWAYS_TEXT = frozenset({"sku", "item_name", "tracking_number", "carrier", "channel", "service"})
#: fields whose leading ``'`` (Excel's "keep this as text") is dropped
_APOSTROPHE = frozenset({"ship_to_postal_code", "buyer_phone"})
_MONEY_FIELDS = ("unit_price", "unit_cost", "declared_value", "insured_value")
#: parsed in this order, so the first bad one is the one reported
_TIME_FIELDS = ("order_date", "ship_date", "promised_date")


def norm_header(text: object) -> str:
    """Fold a header for matching: NFKC, casefold, strip BOM/TAB/spaces and a ``*``.

    Shopee marks required columns with an asterisk (``Tracking Number*``, Thai
    ``*หมายเลขติดตามพัสดุ``) in some exports and not in others.
    """
    value = unicodedata.normalize("NFKC", clean(text)).lstrip("\ufeff").strip().strip("*")
    return " ".join(value.split()).casefold()


@dataclass(frozen=True)
class FormatContext:
    """What the user told the importer about the file."""

    file: str
    store: str | None = None
    tz: tzinfo = UTC
    default_currency: str | None = None


@dataclass
class HeaderMappedFormat:
    """A format described by data: aliases per canonical field plus signature headers."""

    name: str
    platform: str
    fields: Mapping[str, tuple[str, ...]]
    signature: tuple[str, ...]
    day_first: bool = False
    #: rows to drop silently (a description row under the header, a banner)
    skip_row: Callable[[RowReader, list[Cell]], bool] | None = None
    #: per-format adjustments after the generic read (e.g. carrier from a shipping option)
    post_process: Callable[[RowReader, list[Cell], LineRecord], None] | None = None
    #: the currency a row's market implies when no cell states one, as ``(code, certain)``:
    #: a certain one (Shopee VN's ``(VND)`` headers) beats the user's ``--currency``, an
    #: uncertain one (Shopee's English export: SGD) only fills in when none was given. It
    #: runs before amounts are parsed, because ``37.200`` is 37200 only in rupiah.
    market_currency: Callable[[RowReader, list[Cell]], tuple[str, bool] | None] | None = None
    _folded: dict[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._folded = {k: tuple(norm_header(a) for a in v) for k, v in self.fields.items()}

    def score(self, headers: list[str]) -> int:
        """0 unless every signature header is present; otherwise the number of known fields."""
        folded = {norm_header(h) for h in headers}
        if not all(norm_header(s) in folded for s in self.signature):
            return 0
        return len(self.signature) * 10 + sum(
            1 for aliases in self._folded.values() if any(a in folded for a in aliases)
        )

    def reader(self, headers: list[str], ctx: FormatContext) -> RowReader:
        """Map fields to columns. Every alias present is kept, in alias order: a cell left
        empty in the first (Shopee's ``SKU Reference No.`` of a product without
        variations) falls back to the next (``Parent SKU Reference No.``)."""
        index: dict[str, int] = {}
        names: dict[str, str] = {}
        positions: dict[str, tuple[tuple[int, str], ...]] = {}
        folded = [norm_header(h) for h in headers]
        for canonical, aliases in self._folded.items():
            found = [
                (folded.index(a), clean(headers[folded.index(a)])) for a in aliases if a in folded
            ]
            if found:
                index[canonical], names[canonical] = found[0]
                positions[canonical] = tuple(found)
        return RowReader(self, index, names, ctx, positions=positions, headers=headers)


class RowReader:
    """Reads the rows of one file. Subclass-free: per-format quirks are hooks on the format."""

    def __init__(
        self,
        fmt: HeaderMappedFormat,
        index: dict[str, int],
        names: dict[str, str],
        ctx: FormatContext,
        *,
        positions: dict[str, tuple[tuple[int, str], ...]] | None = None,
        headers: list[str] | None = None,
    ) -> None:
        self.fmt = fmt
        self.index = index
        self.names = names
        self.ctx = ctx
        self.headers = headers or []
        self._positions = positions or {k: ((v, names.get(k, k)),) for k, v in index.items()}
        #: text fields: ``None`` when empty, "" when empty, and those whose Excel
        #: protective apostrophe is stripped (all of the last are of the first kind)
        present = [name for name in _TEXT_FIELDS if name in self._positions]
        self._optional_text = tuple(n for n in present if n not in _ALWAYS_TEXT)
        self._always_text = tuple(n for n in present if n in _ALWAYS_TEXT)
        self._apostrophe = tuple(n for n in self._optional_text if n in _APOSTROPHE)
        #: header each field of the current row was read from (a fallback column or not)
        self._used: dict[str, str] = {}
        #: fields read from one column (by position) and from several (first non-empty)
        self._single = tuple((k, v[0][0]) for k, v in self._positions.items() if len(v) == 1)
        self._multi = tuple(k for k, v in self._positions.items() if len(v) > 1)
        self._width = 1 + max((p for v in self._positions.values() for p, _ in v), default=0)
        self._single_names = tuple(name for name, _ in self._single)
        self._pick = _picker(tuple(pos for _, pos in self._single))
        #: parsed values of text cells, per field kind: exports repeat dates and prices
        #: on row after row, and these parsers are pure for one file (fixed zone, fixed
        #: day order). Bounded: cleared when full. Only successes are kept.
        self._dates: dict[str, date] = {}
        self._times: dict[str, datetime] = {}
        self._amounts: dict[tuple[str, str | None], tuple[Decimal, str | None]] = {}

    def raw(self, cells: list[Cell], canonical: str) -> Cell:
        """The field's cell: the first of its columns that is not empty in this row."""
        positions = self._positions.get(canonical, ())
        if len(positions) == 1:  # the common case: one column per field
            pos = positions[0][0]
            return cells[pos] if pos < len(cells) else None
        first: Cell = None
        for number, (pos, header) in enumerate(positions):
            if pos >= len(cells):
                continue
            if number == 0:
                first = cells[pos]
            if clean(cells[pos]):
                if number:
                    self._used[canonical] = header
                return cells[pos]
        return first

    def text(self, cells: list[Cell], canonical: str) -> str:
        return clean(self.raw(cells, canonical))

    def fail(self, canonical: str, reason: str, value: object = "") -> RowFailed:
        column = self._used.get(canonical) or self.names.get(canonical, canonical)
        return RowFailed(column, reason, clean(value))

    def read(self, row: int, cells: list[Cell]) -> LineRecord | None:
        """Turn one row into a record (``None``: skip it); ``RowFailed`` names the column."""
        self._used.clear()
        if self.fmt.skip_row is not None and self.fmt.skip_row(self, cells):
            return None
        rec = self._read(row, cells)
        if self.fmt.post_process is not None:
            self.fmt.post_process(self, cells, rec)
        return rec

    def _cleaned(self, cells: list[Cell]) -> dict[str, str] | None:
        """Every field's cleaned text at once, or ``None`` for a row with non-text cells.

        CSV/TSV rows are all ``str``: one ``join`` proves that (and finds stray BOMs), so
        single-column fields are a ``strip`` and a list index instead of three calls each.
        XLSX rows (numbers, datetimes, ``None``) take the per-cell path, which keeps the
        raw cell for the date parsers."""
        try:
            joined = "".join(cells)  # type: ignore[arg-type]  # TypeError: not all str
        except TypeError:
            return None
        texts = cast(list[str], cells)
        vals = [clean(c) for c in texts] if "\ufeff" in joined else list(map(str.strip, texts))
        if len(vals) < self._width:
            vals += [""] * (self._width - len(vals))
        out = dict(zip(self._single_names, self._pick(vals), strict=True))
        for name in self._multi:
            out[name] = self.text(cells, name)
        return out

    def _read(self, row: int, cells: list[Cell]) -> LineRecord:
        texts = self._cleaned(cells)
        text_row = texts is not None
        if texts is None:
            texts = {name: self.text(cells, name) for name in self._positions}
        get = texts.get
        order_id = get("order_id", "").lstrip("'")
        if not order_id:
            raise self.fail("order_id", "order id is empty")
        currency = get("currency", "").upper() or None
        if currency is not None and not is_currency(currency):
            raise self.fail(
                "currency", "unknown currency code (expected ISO 4217, e.g. USD)", currency
            )
        if currency is None and self.fmt.market_currency is not None:
            implied = self.fmt.market_currency(self, cells)
            if implied is not None and (implied[1] or not self.ctx.default_currency):
                currency = implied[0]
        values: dict[str, object] = {name: texts[name] or None for name in self._optional_text}
        for name in self._apostrophe:
            if text := texts[name]:
                values[name] = text.lstrip("'") or None
        for name in self._always_text:
            values[name] = texts[name]
        if self.ctx.store:
            values["store"] = self.ctx.store
        rec = LineRecord(
            row, order_id, get("platform", "").casefold() or self.fmt.platform,
            currency=currency, columns=self.names, **values,  # type: ignore[arg-type]
        )  # fmt: skip
        rec.ship_to_country = get("ship_to_country", "").upper() or None
        day_first = self.fmt.day_first
        for name in _TIME_FIELDS:
            if not get(name):
                continue
            cell = texts[name] if text_row else self.raw(cells, name)
            try:
                if name == "order_date":
                    rec.order_date = self._datetime(cell, day_first)
                else:
                    setattr(rec, name, self._date(cell, day_first))
            except ValueError as exc:
                raise self.fail(name, str(exc), cell) from None
        quantity = get("quantity")
        if quantity:
            try:
                rec.quantity = parse_quantity(quantity)
            except ValueError as exc:
                raise self.fail("quantity", str(exc), quantity) from None
        for name in _MONEY_FIELDS:
            amount = get(name)
            if amount:
                setattr(rec, name, self.money(name, amount, rec))
        signature = get("signature_required")
        if signature:
            try:
                rec.signature_required = parse_bool(signature)
            except ValueError as exc:
                raise self.fail("signature_required", str(exc), signature) from None
        return rec

    def _datetime(self, cell: Cell, day_first: bool) -> datetime:
        if not isinstance(cell, str):
            return parse_datetime(cell, self.ctx.tz, day_first=day_first)
        found = self._times.get(cell)
        if found is None:
            found = parse_datetime(cell, self.ctx.tz, day_first=day_first)
            _remember(self._times, cell, found)
        return found

    def _date(self, cell: Cell, day_first: bool) -> date:
        if not isinstance(cell, str):
            return parse_date(cell, self.ctx.tz, day_first=day_first)
        found = self._dates.get(cell)
        if found is None:
            found = parse_date(cell, self.ctx.tz, day_first=day_first)
            _remember(self._dates, cell, found)
        return found

    def money(self, name: str, value: str, rec: LineRecord) -> Decimal:
        key = (value, rec.currency or self.ctx.default_currency)
        parsed = self._amounts.get(key)
        if parsed is None:
            try:
                parsed = parse_money(*key)
            except ValueError as exc:
                raise self.fail(name, str(exc), value) from None
            _remember(self._amounts, key, parsed)
        amount, written = parsed
        if written is not None:
            if rec.currency is not None and written != rec.currency:
                raise self.fail(
                    name, f"amount is in {written} but the row's currency is {rec.currency}", value
                )
            rec.currency = written
        if amount < 0:
            raise self.fail(name, "must not be negative", value)
        return amount


#: entries per memo table of a ``RowReader`` before it starts again
_MEMO_SIZE = 4096


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _picker(positions: tuple[int, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """``itemgetter`` that always returns a tuple (it returns a bare item for one)."""
    if len(positions) == 1:
        pos = positions[0]
        return lambda vals: (vals[pos],)
    if not positions:
        return lambda vals: ()
    return itemgetter(*positions)
