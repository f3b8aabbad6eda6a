"""Open an export file as an ``OrderSource``: find the header row, pick the format.

The header is the first of the first rows that some format recognises; rows above it
(Temu's "!!! Important pre-shipment reminders", a report title) are skipped.

``runs`` hands the rows out unread, a run of one order id at a time, with a hash of their
cells as written (``source_hash``, ADR 0011): the import skips a run whose order it
stored from the very same text. The hash also covers the format, the header row, the
options (store, zone, currency) and the code that reads and builds orders
(``reading_rules``), so rows read differently by another release are read again.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import xxhash

from parceldesk.adapters.importers.formats.base import FormatContext, HeaderMappedFormat, RowReader
from parceldesk.adapters.importers.formats.registry import FORMATS, select
from parceldesk.adapters.importers.tables import Cell, FileRejected, Table, open_table
from parceldesk.adapters.importers.values import clean
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.orders import normalise_tracking_number
from parceldesk.services.import_records import (
    PACKED_CELL,
    PACKED_ROW,
    LineRecord,
    RawRun,
    RowError,
    RowFailed,
)

__all__ = ["ExportFile", "FileRejected", "open_export"]


@dataclass
class ExportFile:
    """An opened export: implements the ``OrderSource`` port."""

    path: Path
    format_name: str
    table: Table
    header_index: int
    fmt: HeaderMappedFormat
    ctx: FormatContext

    @cached_property
    def _headers(self) -> list[str]:
        return [clean(h) for h in self.table.preview[self.header_index]]

    @cached_property
    def _reader(self) -> RowReader:
        return self.fmt.reader(self._headers, self.ctx)

    def records(self) -> Iterator[LineRecord | RowError]:
        reader = self._reader
        for row, cells in self.table.rows(self.header_index + 1):
            item = self._read(reader, row, cells)
            if item is not None:
                yield item

    def _read(self, reader: RowReader, row: int, cells: list[Cell]) -> LineRecord | RowError | None:
        try:
            return reader.read(row, cells)
        except RowFailed as exc:
            order_id = _order_id(reader, cells)
            return RowError(self.ctx.file, row, exc.column, exc.reason, exc.value, order_id)

    def parse(self, run: RawRun) -> list[LineRecord | RowError]:
        reader = self._reader
        items = (self._read(reader, row, cells) for row, cells in run.cells())
        return [item for item in items if item is not None]

    def runs(self) -> Iterator[RawRun]:
        """Rows of one order id at a time, as ``records`` would read them, unread."""
        reader, fmt, fixed_store = self._reader, self.fmt, self.ctx.store
        skip = fmt.skip_row
        has_store = "store" in reader.index
        seed = self._seed()
        rows: list[tuple[int, list[object]]] = []
        order_id, store, mixed = "", "", False
        for row, cells in self.table.rows(self.header_index + 1):
            if skip is not None and skip(reader, cells):
                continue
            oid = _order_id(reader, cells)
            its_store = fixed_store or (reader.text(cells, "store") if has_store else "")
            if rows and oid == order_id:
                if its_store and its_store != store:
                    mixed = mixed or bool(store)
                    store = store or its_store
            else:
                if rows:
                    yield _run(reader, seed, (store, order_id), rows, mixed)
                rows, order_id, store, mixed = [], oid, its_store, False
            rows.append((row, cells))
        if rows:
            yield _run(reader, seed, (store, order_id), rows, mixed)

    def _seed(self) -> int:
        """What the source hash of every run of this file starts from."""
        ctx = self.ctx
        head = "\x1f".join(
            [
                reading_rules(),
                self.fmt.name,
                ctx.store or "",
                str(ctx.tz),
                ctx.default_currency or "",
            ]
        )
        return xxhash.xxh3_64_intdigest(f"{head}\x1e{_row_text(self._headers)}".encode())

    def close(self) -> None:
        self.table.close()


def _order_id(reader: RowReader, cells: list[Cell]) -> str:
    """The row's order id as a ``RowError`` gives it (and a record, where it reads): a run
    splits where this changes, so it must be the id reading would find."""
    return reader.text(cells, "order_id").lstrip("'")


def _run(
    reader: RowReader,
    seed: int,
    key: tuple[str, str],
    rows: list[tuple[int, list[object]]],
    mixed: bool,
) -> RawRun:
    body = PACKED_ROW.join([_row_text(cells) for _, cells in rows])
    source_hash = None if mixed else xxhash.xxh3_128_hexdigest(body.encode(), seed)
    # exact when no cell holds a separator and every cell is text (``_row_text``)
    exact = (
        body.count(PACKED_CELL) == sum(len(c) - 1 for _, c in rows)
        and body.count(PACKED_ROW) == len(rows) - 1
    )
    packed = (tuple(row for row, _ in rows), body) if exact and "\x1d" not in body else None
    return RawRun(key, source_hash, rows, _parcels(reader, rows), mixed, packed)


def _row_text(cells: list[object] | list[str]) -> str:
    try:
        return PACKED_CELL.join(cells)  # type: ignore[arg-type]  # TypeError: not all str
    except TypeError:  # XLSX cells: numbers, dates, empty; typed, so 1 and "1" differ
        return PACKED_CELL.join(c if isinstance(c, str) else f"\x1d{c!r}" for c in cells)


def _parcels(
    reader: RowReader, rows: list[tuple[int, list[object]]]
) -> tuple[tuple[str, int], ...] | None:
    """(normalised tracking number, row) where each first appears, as ``Digest.parcels``."""
    if "tracking_number" not in reader.index:
        return ()
    seen: dict[str, int] = {}
    for row, cells in rows:
        text = reader.text(cells, "tracking_number")
        if text:
            try:
                seen.setdefault(normalise_tracking_number(text), row)
            except InvalidValue:
                return None
    return tuple(seen.items())


#: modules whose code decides what an order read from given cells is
_READING_MODULES = (
    "parceldesk.adapters.importers.source",
    "parceldesk.adapters.importers.tables",
    "parceldesk.adapters.importers.values",
    "parceldesk.adapters.importers.formats.amazon",
    "parceldesk.adapters.importers.formats.base",
    "parceldesk.adapters.importers.formats.parceldesk",
    "parceldesk.adapters.importers.formats.reader",
    "parceldesk.adapters.importers.formats.registry",
    "parceldesk.adapters.importers.formats.shopee",
    "parceldesk.adapters.importers.formats.shopify",
    "parceldesk.adapters.importers.formats.tiktok",
    "parceldesk.services.import_build",
    "parceldesk.services.import_grouping",
    "parceldesk.services.import_records",
    "parceldesk.domain.money",
    "parceldesk.domain.orders",
)


@cache
def reading_rules() -> str:
    """A digest of the code that reads rows and builds orders: a release that reads the
    same cells differently changes it, so orders stored by an older one are read again
    rather than skipped. Computed from the modules' source, not a hand-kept number."""
    digest = xxhash.xxh3_128()
    for name in _READING_MODULES:
        spec = importlib.util.find_spec(name)
        try:
            digest.update(Path(spec.origin).read_bytes())  # type: ignore[union-attr,arg-type]
        except (AttributeError, TypeError, OSError):  # no source shipped: the release
            digest.update(f"{name} {importlib.metadata.version('parceldesk')}".encode())
    return digest.hexdigest()


def open_export(
    path: Path,
    *,
    format_name: str = "auto",
    ctx: FormatContext,
    candidates: dict[str, HeaderMappedFormat] | None = None,
) -> ExportFile:
    formats = candidates if candidates is not None else FORMATS
    if format_name == "auto":
        chosen = formats
    elif candidates is not None and format_name in candidates:
        chosen = {format_name: candidates[format_name]}
    else:
        chosen = select(format_name)  # a family (``shopee``: every language), one, or ValueError
    table = open_table(path)
    best: tuple[int, int, HeaderMappedFormat] | None = None
    for index, cells in enumerate(table.preview):
        headers = [clean(c) for c in cells]
        for fmt in chosen.values():
            score = fmt.score(headers)
            if score and (best is None or score > best[0]):
                best = (score, index, fmt)
        if best is not None:
            break
    if best is None:
        table.close()
        names = ", ".join(sorted(chosen))
        first = [clean(c) for c in table.preview[0]][:8] if table.preview else []
        raise FileRejected(
            f"{path}: no header row of a known format ({names}) in the first "
            f"{len(table.preview)} rows; first row starts with {first}"
        )
    _, index, fmt = best
    return ExportFile(path, fmt.name, table, index, fmt, ctx)
