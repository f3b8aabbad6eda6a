"""The downloadable canonical import template: header plus a two-line example order."""

from __future__ import annotations

import csv
from pathlib import Path

from parceldesk.services.import_records import CANONICAL_COLUMNS

__all__ = ["EXAMPLE_ROWS", "write_template"]

EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {
        "order_id": "#1001", "platform": "shopify", "store": "my-shopify-store",
        "order_date": "2026-11-02T10:15:00+08:00", "buyer_name": "Jane Doe",
        "buyer_email": "jane@example.com", "buyer_phone": "+1 415 555 0100",
        "ship_to_line1": "500 Market St", "ship_to_line2": "Apt 4", "ship_to_city": "San Francisco",
        "ship_to_state": "CA", "ship_to_postal_code": "94105", "ship_to_country": "US",
        "sku": "MUG-BLUE", "item_name": "Blue mug", "quantity": "2", "unit_price": "12.50",
        "unit_cost": "3.10", "currency": "USD", "tracking_number": "YT2530821234567890",
        "carrier": "yunexpress", "channel": "YunExpress US Standard", "ship_date": "2026-11-03",
        "promised_date": "2026-11-20", "declared_value": "25.00", "insured_value": "",
        "signature_required": "false",
    },
    {
        "order_id": "#1001", "platform": "shopify", "store": "my-shopify-store",
        "sku": "SPOON-SET", "item_name": "Spoon set", "quantity": "1", "unit_price": "8.00",
        "unit_cost": "1.90", "currency": "USD", "tracking_number": "YT2530821234567890",
        "carrier": "yunexpress", "channel": "YunExpress US Standard",
    },
)  # fmt: skip


def write_template(out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        for row in EXAMPLE_ROWS:
            writer.writerow(row)
