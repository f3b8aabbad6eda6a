"""The values an address check works with: the facts adapters hand in (country and area
rules, ZIP facts, street-parse facts) and what a check returns (findings, verdict).

Kept apart from ``address_check`` (the rules) so each module stays small; import them
from either module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from parceldesk.domain.orders import Address

__all__ = [
    "CHECKS",
    "AddressFinding",
    "AddressVerdict",
    "AreaRules",
    "CountryRules",
    "Severity",
    "StreetFacts",
    "StreetKind",
    "ZipFacts",
]

Severity = Literal["error", "warning", "info"]

#: Checks a verdict can report as run or unavailable (stable names, used in JSON).
CHECKS = (
    "required_fields",
    "postal_code_format",
    "postal_code_area",
    "state_known",
    "city_known",
    "postal_code_lookup",
    "street_parse",
    "unit_number",
)


@dataclass(frozen=True, slots=True)
class AddressFinding:
    code: str
    severity: Severity
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class AddressVerdict:
    """Result of one verification: the address tidied for display, and what is wrong."""

    address: Address
    normalised: Address
    display: str
    findings: tuple[AddressFinding, ...]
    checks_run: tuple[str, ...]
    checks_unavailable: tuple[str, ...]
    sources: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No error finding: warnings still deserve a look but do not fail the step."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def worst(self) -> Severity | None:
        levels: tuple[Severity, ...] = ("error", "warning", "info")
        return next((lv for lv in levels if any(f.severity == lv for f in self.findings)), None)

    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "worst": self.worst,
            "display": self.display,
            "normalised": asdict(self.normalised),
            "findings": [asdict(f) for f in self.findings],
            "checks_run": list(self.checks_run),
            "checks_unavailable": list(self.checks_unavailable),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class AreaRules:
    """A state/province (or, one level down, a city) with its postcode prefix if known."""

    key: str
    label: str
    postal_prefix: str | None = None  # a regex anchored at the postcode's start
    cities: Mapping[str, AreaRules] = field(default_factory=dict)  # by name_key


@dataclass(frozen=True, slots=True)
class CountryRules:
    country: str
    name: str
    address_format: str  # Google's %N%n%O%n%A%n%C, %S %Z notation
    required: frozenset[str]
    upper: frozenset[str]
    postal_pattern: str | None
    postal_examples: tuple[str, ...] = ()
    postal_label: str = "postal code"
    state_label: str = "state"
    areas: Mapping[str, AreaRules] = field(default_factory=dict)  # by name_key, all aliases


@dataclass(frozen=True, slots=True)
class ZipFacts:
    zip_code: str
    state: str
    city: str
    acceptable_cities: tuple[str, ...] = ()
    unacceptable_cities: tuple[str, ...] = ()
    kind: str = "STANDARD"  # STANDARD | PO BOX | UNIQUE | MILITARY
    active: bool = True


StreetKind = Literal["street", "po_box", "box_route", "military", "intersection", "unreadable"]


@dataclass(frozen=True, slots=True)
class StreetFacts:
    """What a street-line parser saw; produced by an adapter (usaddress for the US)."""

    kind: StreetKind
    has_house_number: bool = True
    unit_type: str = ""
    unit_id: str = ""
    building_hint: str = ""  # text naming a multi-unit building, if the parser found one
