"""All order-export formats known to the importer, for ``--format`` and auto-detection.

``FORMATS`` holds every concrete layout. A platform whose exports come in several
layouts (Shopee per language, Amazon per report, TikTok per date order) is a *family*:
``--format shopee`` means "any Shopee layout", and the header decides which one, so
``select`` returns all of a family's members for detection to choose from.
"""

from __future__ import annotations

from parceldesk.adapters.importers.formats.amazon import AMAZON_FORMATS
from parceldesk.adapters.importers.formats.base import HeaderMappedFormat
from parceldesk.adapters.importers.formats.parceldesk import CANONICAL
from parceldesk.adapters.importers.formats.shopee import SHOPEE_FORMATS
from parceldesk.adapters.importers.formats.shopify import SHOPIFY
from parceldesk.adapters.importers.formats.tiktok import TIKTOK_FORMATS

__all__ = ["FAMILIES", "FORMATS", "by_name", "select"]

FORMATS: dict[str, HeaderMappedFormat] = {
    fmt.name: fmt for fmt in (CANONICAL, SHOPIFY, *SHOPEE_FORMATS, *AMAZON_FORMATS, *TIKTOK_FORMATS)
}

#: ``--format`` names that stand for several layouts -> their members in ``FORMATS``
FAMILIES: dict[str, tuple[str, ...]] = {
    "shopee": tuple(f.name for f in SHOPEE_FORMATS),
    "amazon": tuple(f.name for f in AMAZON_FORMATS),
    "tiktok": tuple(f.name for f in TIKTOK_FORMATS),
}

assert not set(FAMILIES) & set(FORMATS), "a family name must not shadow a format"


def _unknown(name: str) -> ValueError:
    known = ", ".join(sorted(set(FORMATS) | set(FAMILIES)))
    return ValueError(f"unknown format {name!r} (known: auto, {known})")


def by_name(name: str) -> HeaderMappedFormat:
    """One concrete layout (``shopee_th``); a family name has several, see ``select``."""
    try:
        return FORMATS[name]
    except KeyError:
        if name in FAMILIES:
            raise ValueError(
                f"format {name!r} has several layouts ({', '.join(FAMILIES[name])}); "
                "use select() to let the header decide"
            ) from None
        raise _unknown(name) from None


def select(name: str) -> dict[str, HeaderMappedFormat]:
    """The layouts ``--format name`` allows: all for ``auto``, a family's members, or one."""
    if name == "auto":
        return dict(FORMATS)
    if name in FAMILIES:
        return {member: FORMATS[member] for member in FAMILIES[name]}
    if name in FORMATS:
        return {name: FORMATS[name]}
    raise _unknown(name)
