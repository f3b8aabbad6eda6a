"""Shopify admin → Orders → Export (``orders_export_1.csv``).

One row per line item; only the order's first row carries the order-level columns
(continuation rows leave them empty, and the import service inherits them by ``Name``).
``Name`` (``#16101``, ``#SG2430``, ``1044``) is the order id buyers and support use, so it
is kept as text; the numeric ``Id`` is blank on continuation rows and is not used.

Quirks handled by the generic reader: numeric zips and phones are written ``'90503`` so
Excel keeps leading zeros (the ``'`` is stripped); dates are ``2026-05-12 12:54:07 -0700``,
or Excel serials once the file has been re-saved in Excel (then read in the user's zone).
There is no tracking or carrier column in this export: ``Shipping Method`` is the
checkout rate title, kept as the service.
"""

from __future__ import annotations

from parceldesk.adapters.importers.formats.base import HeaderMappedFormat

__all__ = ["SHOPIFY"]

SHOPIFY = HeaderMappedFormat(
    name="shopify",
    platform="shopify",
    fields={
        "order_id": ("Name",),
        "order_date": ("Created at",),
        "currency": ("Currency",),
        # the recipient; a pickup / digital order has only a billing name
        "buyer_name": ("Shipping Name", "Billing Name"),
        "buyer_email": ("Email",),
        "buyer_phone": ("Shipping Phone", "Phone", "Billing Phone"),
        "ship_to_line1": ("Shipping Address1", "Shipping Street"),
        "ship_to_line2": ("Shipping Address2",),
        "ship_to_city": ("Shipping City",),
        "ship_to_state": ("Shipping Province",),
        "ship_to_postal_code": ("Shipping Zip",),
        "ship_to_country": ("Shipping Country",),
        "sku": ("Lineitem sku",),
        "item_name": ("Lineitem name",),
        "quantity": ("Lineitem quantity",),
        "unit_price": ("Lineitem price",),
        "service": ("Shipping Method",),
        "ship_date": ("Fulfilled at",),
    },
    # present in every export since 2012, matched by name (columns were added over time)
    signature=("Name", "Financial Status", "Lineitem quantity", "Lineitem name"),
)
