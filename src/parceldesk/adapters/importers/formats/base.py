"""Header-mapped export formats: a table of header aliases per canonical field.

A format never relies on column positions: vendors add, drop and reorder columns over
the years (Shopify's export grew from ~45 to 79 columns), so a header is found by
name, in any of the languages the vendor localises it to. Detection scores how many
of a format's *signature* headers a file has. Reading the rows is ``reader.RowReader``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from parceldesk.adapters.importers.formats.reader import RowReader
from parceldesk.adapters.importers.tables import Cell
from parceldesk.adapters.importers.values import clean
from parceldesk.services.import_records import LineRecord

__all__ = ["FormatContext", "HeaderMappedFormat", "RowReader", "norm_header"]


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
