"""Port for ship-to address verification (the case checklist's "verify the address").

Kept apart from ``ports.py`` so the case service can depend on it without the adapters'
reference data: ``adapters.address.OfflineAddressVerifier`` implements it, and tests may
pass any object with this method.
"""

from __future__ import annotations

from typing import Protocol

from parceldesk.domain.address_check import AddressVerdict
from parceldesk.domain.orders import Address

__all__ = ["AddressVerifier"]


class AddressVerifier(Protocol):
    def verify(self, address: Address) -> AddressVerdict:
        """Check one address; never raises for bad input, returns findings instead."""
        ...
