"""``RowReader._read_text`` (rows of text cells: CSV/TSV) must read, accept and refuse
exactly what the general per-cell path ``RowReader._read`` (XLSX cells) does.

The text path picks every field of the row at once (``_text_cells`` + one
``itemgetter``) and treats a field the file lacks as "", where the general path asks
each field for its cell; this compares the two on every format's layout, with cells
that are empty, padded, apostrophe-protected, BOM-stained, misplaced or invalid, rows
shorter and longer than the header, with and without ``--store``/``--currency``.
"""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

from hypothesis import event, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.importers.formats.base import FormatContext, HeaderMappedFormat
from parceldesk.adapters.importers.formats.registry import FORMATS
from parceldesk.adapters.importers.tables import Cell
from parceldesk.services.import_records import RowFailed

_JUNK = (
    "", " ", "x", "0", "-1", "1.5", "'0123", "'", "\ufeffA", "XXX", "Nowhere", "2026-13-01",
    "soon", "abc", "maybe", "yt 2530 82", " Mug ", "$9.64", "BRL 35,91", "IDR 1.000",
)  # fmt: skip
_GOOD = {
    "order_id": ("1001", " 1001 ", "'1001", "#1002"),
    "platform": ("", "shopify", "Shopee", "tiktok"),
    "currency": ("", "USD", "idr", "VND"),
    "ship_to_country": ("", "US", "us", "Singapore", "ไทย", "Việt Nam"),
    "buyer_phone": ("", "'0123", "+1 415"), "ship_to_postal_code": ("", "'02134", "62701"),
    "order_date": ("", "2026-11-02T10:15:00+08:00", "2026-11-02 07:47", "45000",
                   "11/02/2026 7:44:26 AM", "15/09/2025 19:44:26"),
    "ship_date": ("", "2026-11-03", "03/11/2026", "2026-11-03 10:00"),
    "promised_date": ("", "2026-11-28", "2026-11-01"),
    "quantity": ("", "1", "2", "2.0", "3"),
    "signature_required": ("", "true", "no", "1"),
    "tracking_number": ("", "YT2530821234567890", "yt 2530 8212 3456"),
}  # fmt: skip
_MONEY = ("", "12.50", "1,234.50", "19.99", "37.200", "0", "")
_TEXT = ("", "Jane", " Mug ", "MUG-1", "Yun Express", "'A")


def _field(name: str) -> st.SearchStrategy[str]:
    if name in _GOOD:
        good = _GOOD[name]
    elif name in ("unit_price", "unit_cost", "declared_value", "insured_value"):
        good = _MONEY
    else:
        good = _TEXT
    return st.one_of(*[st.sampled_from(good)] * 8, st.sampled_from(_JUNK))  # junk: 1 in 9


@st.composite
def _rows(draw: st.DrawFn) -> tuple[HeaderMappedFormat, list[str], list[str]]:
    """A format, a header of its aliases (some left out, any order) and a row for it."""
    fmt = FORMATS[draw(st.sampled_from(["parceldesk"] * 4 + sorted(FORMATS)))]
    columns = [(alias, name) for name, aliases in fmt.fields.items() for alias in aliases]
    columns = list({alias: (alias, name) for alias, name in columns}.values())
    chosen = draw(st.permutations([c for c in columns if draw(st.integers(0, 9))]))  # 1 in 10 out
    cells = [draw(_field(name)) for _, name in chosen]
    if not draw(st.integers(0, 4)):  # 1 in 5: shorter or longer than the header
        cells = cells[: draw(st.integers(0, len(cells)))] + draw(st.lists(_CELL, max_size=2))
    return fmt, [alias for alias, _ in chosen], cells


_CELL = st.sampled_from(_JUNK)


def _outcome(call: object) -> object:
    try:
        return ("ok", call())  # type: ignore[operator]
    except RowFailed as exc:
        return ("failed", exc.column, exc.reason, exc.value)


@settings(max_examples=1500, deadline=None)
@given(
    _rows(),
    st.sampled_from((None, "", "acme")),
    st.sampled_from((None, "USD", "IDR")),
    st.sampled_from((UTC, timezone(timedelta(hours=7)))),
)
def test_text_rows_read_exactly_as_the_per_cell_path(
    layout: tuple[HeaderMappedFormat, list[str], list[str]],
    store: str | None,
    currency: str | None,
    tz: timezone,
) -> None:
    fmt, headers, cells = layout
    ctx = FormatContext(file="f.csv", store=store, tz=tz, default_currency=currency)
    fast, general = fmt.reader(headers, ctx), fmt.reader(headers, ctx)
    row: list[Cell] = list(cells)
    vals = fast._text_cells(row)
    assert vals is not None
    outcome = _outcome(lambda: fast._read_text(2, row, vals))
    assert outcome == _outcome(lambda: general._read(2, row))
    fast._used.clear()  # as ``read`` does: again, now from the values the reader kept
    assert _outcome(lambda: fast._read_text(2, row, fast._text_cells(row) or [])) == outcome
    assert fast._used == general._used  # fallback columns name the header they came from
    event(str(outcome[0]))


def test_only_rows_of_text_cells_take_the_text_path() -> None:
    fmt = FORMATS["parceldesk"]
    reader = fmt.reader(list(fmt.fields), FormatContext(file="f.csv"))
    assert reader._text_cells(["1", "shopify"]) is not None
    assert reader._text_cells(["1", None, 2.0]) is None
