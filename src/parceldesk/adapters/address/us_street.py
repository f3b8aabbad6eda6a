"""US street lines read by ``usaddress`` (a CRF parser trained on US addresses).

Only what the parser *labels* becomes a fact: a PO box, a unit designator with or
without its number, a building name that implies units.  A missing unit number is
reported only when the text itself says so ("Apt" with nothing after it, "Parkside
Apartments" with no unit); an unlabelled high-rise is not guessed at.
"""

from __future__ import annotations

import re
from importlib import metadata

import usaddress  # type: ignore[import-untyped]

from parceldesk.domain.address_check import StreetFacts

__all__ = ["parse_us_street", "usaddress_version"]

#: Words in a building name that mean "this building has units".
_MULTI_UNIT = re.compile(
    r"\b(apartments?|apts?|towers?|condos?|condominiums?|residences|lofts|flats|dorm|"
    r"dormitory|hall|building|bldg|manor|villas?|suites?)\b",
    re.IGNORECASE,
)
_MILITARY_UNITS = frozenset({"PSC", "CMR", "UNIT"})


def usaddress_version() -> str:
    return metadata.version("usaddress")


def parse_us_street(line1: str, line2: str = "") -> StreetFacts:
    """Label the street lines; never raises (a parser failure is itself a finding)."""
    text = ", ".join(p for p in (line1.strip(), line2.strip()) if p)
    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return StreetFacts(kind="unreadable", has_house_number=False)
    labels = {k: str(v) for k, v in tagged.items()}
    unit_type = labels.get("OccupancyType", "")
    unit_id = labels.get("OccupancyIdentifier", "")
    if kind == "PO Box":
        sub = labels.get("SubaddressType", "").upper()
        if sub in _MILITARY_UNITS:
            return StreetFacts(kind="military")
        if labels.get("USPSBoxGroupType"):
            return StreetFacts(kind="box_route")
        return StreetFacts(kind="po_box", unit_type=unit_type, unit_id=unit_id)
    if kind == "Intersection":
        return StreetFacts(kind="intersection", has_house_number=False)
    has_number = bool(labels.get("AddressNumber"))
    if kind == "Ambiguous" and not (has_number and labels.get("StreetName")):
        return StreetFacts(
            kind="unreadable", has_house_number=has_number, unit_type=unit_type, unit_id=unit_id
        )
    hint = ""
    for label in ("BuildingName", "Recipient", "SubaddressType"):
        value = labels.get(label, "")
        if value and _MULTI_UNIT.search(value):
            hint = value if label != "SubaddressType" else _subaddress(labels)
            break
    return StreetFacts(
        kind="street",
        has_house_number=has_number,
        unit_type=unit_type,
        unit_id=unit_id,
        building_hint=hint,
    )


def _subaddress(labels: dict[str, str]) -> str:
    return " ".join(
        p for p in (labels.get("SubaddressType"), labels.get("SubaddressIdentifier")) if p
    )
