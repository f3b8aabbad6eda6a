"""All order-export formats known to the importer, for ``--format`` and auto-detection."""

from __future__ import annotations

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat
from parceldesk.adapters.importers.formats.parceldesk import CANONICAL

__all__ = ["FORMATS", "by_name"]

FORMATS: dict[str, HeaderMappedFormat] = {CANONICAL.name: CANONICAL}


def by_name(name: str) -> HeaderMappedFormat:
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"unknown format {name!r} (known: auto, {known})") from None
