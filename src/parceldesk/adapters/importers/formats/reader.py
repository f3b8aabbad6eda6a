"""Reading the rows of one file of a header-mapped format into ``LineRecord``s.

Rows of text cells (CSV, TSV) take ``_read_text``, rows with other cells (XLSX) the
general ``_read``; both apply the same checks in the same order.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, TypeVar, cast

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

if TYPE_CHECKING:
    from parceldesk.adapters.importers.formats.base import FormatContext, HeaderMappedFormat

__all__ = ["RowReader"]

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
#: every field ``RowReader._read_text`` reads, in the order it unpacks them
_ROW_FIELDS = (
    "order_id", "platform", "store", "buyer_name", "buyer_email", "buyer_phone",
    "ship_to_line1", "ship_to_line2", "ship_to_city", "ship_to_state", "ship_to_postal_code",
    "ship_to_country", "sku", "item_name", "tracking_number", "carrier", "channel", "service",
    "currency", *_TIME_FIELDS, "quantity", *_MONEY_FIELDS, "signature_required",
)  # fmt: skip


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
        #: text rows: every field ``_read_text`` reads, picked at once from the stripped
        #: cells padded to ``_width``, then one "" (fields not in the file) and then the
        #: fields read from several columns, in ``_multi`` order
        slot = {name: pos for name, pos in self._single}
        slot |= {name: self._width + 1 + i for i, name in enumerate(self._multi)}
        self._pick = itemgetter(*(slot.get(name, self._width) for name in _ROW_FIELDS))
        #: parsed values of text cells, per field kind: exports repeat dates and prices
        #: on row after row, and these parsers are pure for one file (fixed zone, fixed
        #: day order). Bounded: cleared when full. Only successes are kept.
        self._dates: dict[str, date] = {}
        self._times: dict[str, datetime] = {}
        self._amounts: dict[tuple[str, str | None], tuple[Decimal, str | None]] = {}
        #: the subset of ``_amounts`` that ``money`` returns as it is: no currency written
        #: in the cell, not negative (``_read_text`` looks here first)
        self._plain: dict[tuple[str, str | None], Decimal] = {}

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
        vals = self._text_cells(cells)
        rec = self._read(row, cells) if vals is None else self._read_text(row, cells, vals)
        if self.fmt.post_process is not None:
            self.fmt.post_process(self, cells, rec)
        return rec

    def _text_cells(self, cells: list[Cell]) -> list[str] | None:
        """The row's cleaned texts laid out for ``_pick``, or ``None`` for a row with
        non-text cells.

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
        elif len(vals) > self._width:
            del vals[self._width :]
        vals.append("")
        for name in self._multi:
            vals.append(self.text(cells, name))
        return vals

    def _read(self, row: int, cells: list[Cell]) -> LineRecord:
        """Any row (XLSX cells); ``_read_text`` is the same for a row of text cells."""
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
            cell = self.raw(cells, name)
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

    def _read_text(self, row: int, cells: list[Cell], vals: list[str]) -> LineRecord:
        """``_read`` for a row of text cells (``_text_cells``): the same checks in the same
        order, on locals picked at once. A field not in the file reads as "", which every
        check below treats as ``_read`` treats a missing field."""
        (
            order_id, platform, store, buyer_name, buyer_email, buyer_phone, line1, line2,
            city, state, postal_code, country, sku, item_name, tracking, carrier, channel,
            service, currency, order_date, ship_date, promised_date, quantity, unit_price,
            unit_cost, declared, insured, signature,
        ) = self._pick(vals)  # fmt: skip
        order_id = order_id.lstrip("'")
        if not order_id:
            raise self.fail("order_id", "order id is empty")
        cur = currency.upper() or None
        if cur is not None and not is_currency(cur):
            raise self.fail("currency", "unknown currency code (expected ISO 4217, e.g. USD)", cur)
        if cur is None and self.fmt.market_currency is not None:
            implied = self.fmt.market_currency(self, cells)
            if implied is not None and (implied[1] or not self.ctx.default_currency):
                cur = implied[0]
        when: datetime | None = None
        if order_date:
            when = self._times.get(order_date)
            if when is None:
                try:
                    when = parse_datetime(order_date, self.ctx.tz, day_first=self.fmt.day_first)
                except ValueError as exc:
                    raise self.fail("order_date", str(exc), order_date) from None
                _remember(self._times, order_date, when)
        shipped = self._text_date("ship_date", ship_date) if ship_date else None
        promised = self._text_date("promised_date", promised_date) if promised_date else None
        count: int | None = None
        if quantity:
            try:
                count = parse_quantity(quantity)
            except ValueError as exc:
                raise self.fail("quantity", str(exc), quantity) from None
        # positional, in ``LineRecord`` field order: a 31-field call by keyword cost
        # twice as much (1.0 against 0.5 µs a row); amounts follow, as ``money`` may
        # set the row's currency from the cell
        rec = LineRecord(
            row, order_id, platform.casefold() or self.fmt.platform,
            self.ctx.store or store or None, when, cur, buyer_name or None,
            buyer_email or None, buyer_phone.lstrip("'") or None, line1 or None, line2 or None,
            city or None, state or None, postal_code.lstrip("'") or None,
            country.upper() or None, sku, item_name, count, None, None, tracking, carrier,
            channel, service, "", shipped, promised, None, None, None, self.names,
        )  # fmt: skip
        if unit_price:
            rec.unit_price = self._text_money("unit_price", unit_price, rec)
        if unit_cost:
            rec.unit_cost = self._text_money("unit_cost", unit_cost, rec)
        if declared:
            rec.declared_value = self._text_money("declared_value", declared, rec)
        if insured:
            rec.insured_value = self._text_money("insured_value", insured, rec)
        if signature:
            try:
                rec.signature_required = parse_bool(signature)
            except ValueError as exc:
                raise self.fail("signature_required", str(exc), signature) from None
        return rec

    def _text_money(self, name: str, text: str, rec: LineRecord) -> Decimal:
        """A remembered plain amount (see ``money``) or, failing that, ``money``."""
        amount = self._plain.get((text, rec.currency or self.ctx.default_currency))
        return self.money(name, text, rec) if amount is None else amount

    def _text_date(self, name: str, text: str) -> date:
        found = self._dates.get(text)
        if found is None:
            try:
                found = parse_date(text, self.ctx.tz, day_first=self.fmt.day_first)
            except ValueError as exc:
                raise self.fail(name, str(exc), text) from None
            _remember(self._dates, text, found)
        return found

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
        if written is None:  # what ``money`` returns for this key whatever the row
            _remember(self._plain, key, amount)
        return amount


#: entries per memo table of a ``RowReader`` before it starts again: a file's distinct
#: prices should fit (a 200,000-row file of a 500-item shop has ~10,000), or each miss
#: evicts the hits
_MEMO_SIZE = 16_384


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value
