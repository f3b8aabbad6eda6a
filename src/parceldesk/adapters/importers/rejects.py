"""The ``--skip-invalid`` side file: rejected rows as they were, plus why.

It is meant to be opened in a spreadsheet, fixed and imported again, so cells that a
spreadsheet would execute as a formula (``=``, ``+``, ``-``, ``@``, TAB, CR) are
neutralised with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from pathlib import Path

from parceldesk.adapters.importers.source import ExportFile
from parceldesk.adapters.importers.values import clean

__all__ = ["safe_cell", "write_rejects"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_rejects(export: ExportFile, rejected: dict[int, list[str]], out: Path) -> int:
    """Copy the rejected rows of ``export`` to ``out``; returns the number written."""
    headers = [clean(h) for h in export.table.preview[export.header_index]]
    written = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["_row", "_errors", *headers])
        for row, cells in export.table.rows(export.header_index + 1):
            reasons = rejected.get(row)
            if reasons:
                writer.writerow(
                    [row, safe_cell("; ".join(reasons)), *(safe_cell(clean(c)) for c in cells)]
                )
                written += 1
    return written
