"""Open an export file as an ``OrderSource``: find the header row, pick the format.

The header is the first of the first rows that some format recognises; rows above it
(Temu's "!!! Important pre-shipment reminders", a report title) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parceldesk.adapters.importers.formats.base import FormatContext, HeaderMappedFormat
from parceldesk.adapters.importers.formats.registry import FORMATS, select
from parceldesk.adapters.importers.tables import FileRejected, Table, open_table
from parceldesk.adapters.importers.values import clean
from parceldesk.services.import_records import LineRecord, RowError, RowFailed

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

    def records(self) -> Iterator[LineRecord | RowError]:
        headers = [clean(h) for h in self.table.preview[self.header_index]]
        reader = self.fmt.reader(headers, self.ctx)
        for row, cells in self.table.rows(self.header_index + 1):
            try:
                record = reader.read(row, cells)
            except RowFailed as exc:
                order_id = reader.text(cells, "order_id").lstrip("'")
                yield RowError(self.ctx.file, row, exc.column, exc.reason, exc.value, order_id)
                continue
            if record is not None:
                yield record

    def close(self) -> None:
        self.table.close()


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
