"""The canonical ``parceldesk`` layout: one row per order line, our own column names."""

from __future__ import annotations

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat
from parceldesk.services.import_records import CANONICAL_COLUMNS, SHIPMENT_COLUMNS

__all__ = ["CANONICAL", "SHIPMENTS"]

CANONICAL = HeaderMappedFormat(
    name="parceldesk",
    platform="other",
    fields={column: (column,) for column in CANONICAL_COLUMNS},
    signature=("order_id", "platform", "sku", "quantity", "tracking_number"),
)

#: The tracking file of ``parceldesk import shipments`` (also accepts Amazon's names).
SHIPMENTS = HeaderMappedFormat(
    name="shipments",
    platform="other",
    fields={column: (column,) for column in SHIPMENT_COLUMNS}
    | {"order_id": ("order_id", "amazon-order-id", "order-id", "Name")},
    signature=("tracking_number",),
)
