"""Stream rows out of CSV, TSV and XLSX files without loading them into memory.

Real exports put junk above the header (Temu banners, a Shopee TH title row), pad cells
with TABs, start with a UTF-8 BOM (TikTok) or come in Windows code pages (some Amazon
reports), so the reader only splits rows; which row is the header is decided by the
format detector (``detect.py``), which sees the first rows through ``Table.preview``.
"""

from __future__ import annotations

import csv
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

__all__ = ["Cell", "FileRejected", "Table", "open_table"]

Cell = object  # str for text files; str | int | float | datetime | None from XLSX
PREVIEW_ROWS = 25
#: An XLSX whose parts inflate beyond this is refused (zip-bomb guard).
MAX_XLSX_UNCOMPRESSED = 2 * 1024**3
csv.field_size_limit(16 * 1024 * 1024)


class _Closeable(Protocol):
    def close(self) -> None: ...


class FileRejected(Exception):
    """The file as a whole cannot be read; the message names the file and the reason."""


@dataclass
class Table:
    """Rows of a file: ``preview`` (first rows, buffered) then the rest, streamed."""

    path: Path
    kind: str  # csv | tsv | xlsx
    preview: list[list[Cell]]
    _rest: Iterator[list[Cell]]
    _close: _Closeable | None = None  # the text file or the workbook

    def rows(self, start: int) -> Iterator[tuple[int, list[Cell]]]:
        """Yield ``(row_number, cells)`` from preview index ``start`` on; rows are 1-based."""
        number = start
        for cells in itertools.chain(self.preview[start:], self._rest):
            number += 1
            # ``any(cells)`` settles the usual row in C; a row of only ``0``/``False``
            # (XLSX) is still a row, so the exact test runs when that says "empty"
            if any(cells) or any(c not in (None, "") for c in cells):
                yield number, cells
        self.close()

    def close(self) -> None:
        if self._close is not None:
            self._close.close()
            self._close = None


def open_table(path: Path) -> Table:
    if not path.exists():
        raise FileRejected(f"{path}: no such file")
    if not path.is_file():
        raise FileRejected(f"{path}: not a regular file")
    with path.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE2: a password-protected XLSX (Shopee TW exports are) or a legacy .xls
        raise FileRejected(
            f"{path}: an encrypted XLSX or a legacy .xls file; open it in Excel and save "
            "it as .xlsx without a password (or as CSV)"
        )
    if b"\x00" in head[:4096]:
        raise FileRejected(f"{path}: binary file; expected CSV, TSV or XLSX")
    return _open_text(path, head)


def _encoding(path: Path, head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the buffer edge
            return "cp1252"
    return "utf-8"


def _open_text(path: Path, head: bytes) -> Table:
    encoding = _encoding(path, head)
    sample = head.decode(encoding, errors="replace")
    first_lines = sample.splitlines()[:PREVIEW_ROWS] or [""]
    tabs = sum(line.count("\t") for line in first_lines)
    commas = sum(line.count(",") for line in first_lines)
    semicolons = sum(line.count(";") for line in first_lines)
    # TikTok pads values with a trailing TAB inside comma-separated files, so a TAB only
    # wins when it clearly dominates the first line (the header).
    header = first_lines[0]
    if header.count("\t") > max(header.count(","), header.count(";")) or (
        path.suffix.lower() in {".tsv", ".txt"} and tabs > commas
    ):
        delimiter, kind = "\t", "tsv"
    elif semicolons > commas:
        delimiter, kind = ";", "csv"
    else:
        delimiter, kind = ",", "csv"
    fh = path.open("r", encoding=encoding, errors="strict", newline="")
    reader = csv.reader(fh, delimiter=delimiter)
    rows = cast(Iterator[list[Cell]], _decode_guard(reader, path))  # csv yields fresh lists
    preview = list(itertools.islice(rows, PREVIEW_ROWS))
    return Table(path, kind, preview, rows, fh)


def _decode_guard(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        raise FileRejected(f"{path}: not valid text in its encoding ({exc.reason})") from None
    except csv.Error as exc:
        raise FileRejected(f"{path}: malformed CSV ({exc})") from None


def _open_xlsx(path: Path) -> Table:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise FileRejected(f"{path}: not a valid XLSX (broken zip)") from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileRejected(f"{path}: XLSX inflates to {total} bytes; refused as a zip bomb")
    if "xl/workbook.xml" not in names:
        raise FileRejected(f"{path}: a zip file but not an XLSX workbook")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise FileRejected(f"{path}: cannot open XLSX ({exc})") from None
    sheet = wb.worksheets[0]
    # Read-only mode trusts the sheet's <dimension>; exporters that write a wrong one
    # (``A1``) would silently lose every row and column past it.
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    rows: Iterator[list[Cell]] = (list(r) for r in sheet.iter_rows(values_only=True))
    preview = list(itertools.islice(rows, PREVIEW_ROWS))
    return Table(path, "xlsx", preview, rows, wb)
