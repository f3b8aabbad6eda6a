"""US ZIP facts from the ``zipcodes`` package (USPS-derived list shipped in the wheel).

``zipcodes`` is chosen over ``uszipcode`` because the latter downloads its database at
run time.  Its ``matching`` scans the whole list per call, so the table is indexed once
into a dict of the domain's ``ZipFacts`` (about 42,000 rows, ~0.5 s, shared per process).
"""

from __future__ import annotations

import threading
from importlib import metadata

import zipcodes

from parceldesk.domain.address_check import ZipFacts

__all__ = ["load_zip_table", "zip_data_version"]

_lock = threading.Lock()
_table: dict[str, ZipFacts] | None = None


def zip_data_version() -> str:
    return metadata.version("zipcodes")


def load_zip_table() -> dict[str, ZipFacts]:
    """The ZIP table, built on first use and then shared (it is read-only)."""
    global _table
    with _lock:
        if _table is None:
            _table = {
                row["zip_code"]: ZipFacts(
                    zip_code=row["zip_code"],
                    state=row["state"],
                    city=row["city"],
                    acceptable_cities=tuple(row.get("acceptable_cities") or ()),
                    unacceptable_cities=tuple(row.get("unacceptable_cities") or ()),
                    kind=row.get("zip_code_type") or "STANDARD",
                    active=bool(row.get("active", True)),
                )
                for row in zipcodes.list_all()  # type: ignore[no-untyped-call]
            }
        return _table
