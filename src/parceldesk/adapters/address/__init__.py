"""Offline ship-to address verification: Google's address metadata, the ``zipcodes``
ZIP list and the ``usaddress`` street parser, all shipped inside their packages."""

from parceldesk.adapters.address.verifier import OfflineAddressVerifier

__all__ = ["OfflineAddressVerifier"]
