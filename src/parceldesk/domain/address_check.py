"""Ship-to address sanity checks: what is wrong with an address, never what it "should" be.

A case's first confirmation step is "verify the ship-to address".  A parcel that went to
a ZIP in another state, or to a flat without its unit number, is lost for a reason the
carrier will point at, so the checklist needs those problems flagged *with evidence* and
without silently rewriting the buyer's address.  This module holds the decision rules;
the reference data (Google's address metadata, the USPS-derived ZIP list, the US street
parser) is loaded by ``adapters/address`` and handed in as plain facts, so every rule
here is pure and testable with a three-row table.

Severity means confidence that a person must act: ``error`` (the address as written
cannot be right: bad postcode format, ZIP of another state, missing required field),
``warning`` (likely trouble: PO box for a courier, unit number missing where the text
shows a building, city not served by that ZIP), ``info`` (worth knowing, e.g. a USPS
"unacceptable" city alias).  Messages state the data's fact ("ZIP 10001 belongs to New
York, NY") and never present a corrected address as the truth.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace

from parceldesk.domain.orders import Address

__all__ = [
    "AddressFinding",
    "AddressVerdict",
    "AreaRules",
    "CountryRules",
    "Severity",
    "StreetFacts",
    "ZipFacts",
    "assess",
    "canonical_postal_code",
    "format_display",
    "name_key",
]

from parceldesk.domain.address_types import (
    CHECKS,
    AddressFinding,
    AddressVerdict,
    AreaRules,
    CountryRules,
    Severity,
    StreetFacts,
    ZipFacts,
)

_GENERIC_AREA_WORDS = re.compile(
    r"\b(province|provinsi|city|county|state|region|thanh pho|tp|tinh|changwat|negeri"
    r"|wilayah persekutuan|daerah istimewa|dki|kota)\b"
)
_CITY_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


def name_key(text: str, *, generic: bool = False) -> str:
    """Compare names across accents, case, punctuation and spacing ("Hà Nội" = "Hanoi").

    ``generic=True`` also drops words like "Province" or "City" so "Ho Chi Minh City" and
    "Thành phố Hồ Chí Minh" meet; it is only used for state/province names.
    """
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    words = [_CITY_ABBREVIATIONS.get(w, w) for w in text.split()]
    text = " ".join(words)
    if generic:
        stripped = _GENERIC_AREA_WORDS.sub(" ", text)
        text = stripped if stripped.strip() else text
    return text.replace(" ", "").replace("_", "")


def canonical_postal_code(country: str, raw: str) -> str:
    """Upper-case, collapse spaces, and apply the national separator when unambiguous."""
    code = " ".join(raw.split()).upper()
    if country in _US_ZIP_COUNTRIES and (m := re.fullmatch(r"(\d{5})[ -]?(\d{4})", code)):
        return f"{m[1]}-{m[2]}"
    if country == "BR" and (m := re.fullmatch(r"(\d{5})[ .-]?(\d{3})", code)):
        return f"{m[1]}-{m[2]}"
    return code


def format_display(rules: CountryRules | None, address: Address) -> str:
    """Multi-line display form in the country's own order (Google's format string)."""
    upper = rules.upper if rules else frozenset()
    values = {
        "A": "\n".join(p for p in (address.line1, address.line2) if p),
        "C": address.city.upper() if "city" in upper else address.city,
        "S": address.state.upper() if "state" in upper else address.state,
        "Z": address.postal_code,
    }
    fmt = rules.address_format if rules else "%A%n%C%n%S %Z"
    text = re.sub(r"%([A-Za-z])", lambda m: values.get(m[1], ""), fmt.replace("%n", "\n"))
    lines = [re.sub(r"[ \t]+", " ", ln).strip(" ,-") for ln in text.split("\n")]
    out = [ln for ln in lines if ln]
    if rules:
        out.append(rules.name.upper() or rules.country)
    elif address.country:
        out.append(address.country)
    return "\n".join(out)


_US_ZIP_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})
_SG_BLOCK = re.compile(r"\b(blk|block)\s*\d+[a-z]?\b", re.IGNORECASE)
_SG_UNIT = re.compile(r"#\s*[0-9bB]\d{0,2}\s*-\s*\d{1,5}[a-zA-Z]?")
_BARE_UNIT = re.compile(
    r"\b(apt|apartment|unit|suite|ste|flat|rm|room)\.?\s*(no\.?|#)?\s*$|(^|\s)#\s*$",
    re.IGNORECASE,
)


class _Collector:
    def __init__(self) -> None:
        self.findings: list[AddressFinding] = []
        self.run: list[str] = []
        self.unavailable: list[str] = []

    def error(self, code: str, field_: str, message: str) -> None:
        self.findings.append(AddressFinding(code, "error", field_, message))

    def warning(self, code: str, field_: str, message: str) -> None:
        self.findings.append(AddressFinding(code, "warning", field_, message))

    def info(self, code: str, field_: str, message: str) -> None:
        self.findings.append(AddressFinding(code, "info", field_, message))

    def drop(self, code: str) -> None:
        self.findings = [f for f in self.findings if f.code != code]


def assess(
    address: Address,
    rules: CountryRules | None,
    *,
    zip_table: Mapping[str, ZipFacts] | None = None,
    street: StreetFacts | None = None,
    sources: tuple[str, ...] = (),
) -> AddressVerdict:
    """Apply every check the available data allows; list the ones it does not."""
    out = _Collector()
    clean = _tidy(address)
    country = clean.country
    if not country:
        out.error("missing_field", "country", "country is empty")
    elif rules is None:
        out.error("country_unknown", "country", f"country code {country!r} is not known")
    if rules is not None:
        us_zips = country in _US_ZIP_COUNTRIES and zip_table is not None
        clean = _check_fields(clean, rules, out, zip_checks_area=us_zips)
    else:
        out.unavailable += ["required_fields", "postal_code_format", "state_known"]
    if country in _US_ZIP_COUNTRIES and zip_table is not None:
        _check_us_zip(clean, zip_table, out)
    else:
        out.unavailable.append("postal_code_lookup")
    _check_street(clean, street, out)
    ran = tuple(c for c in CHECKS if c in out.run)
    unavailable = tuple(c for c in CHECKS if c in out.unavailable and c not in out.run)
    return AddressVerdict(
        address=address,
        normalised=clean,
        display=format_display(rules, clean),
        findings=tuple(out.findings),
        checks_run=ran,
        checks_unavailable=unavailable,
        sources=sources,
    )


def _tidy(a: Address) -> Address:
    line1, line2, city, state = (" ".join(t.split()) for t in (a.line1, a.line2, a.city, a.state))
    postal_code = canonical_postal_code(a.country, a.postal_code)
    return Address(line1, line2, city, state, postal_code, a.country)


def _check_fields(
    clean: Address, rules: CountryRules, out: _Collector, *, zip_checks_area: bool
) -> Address:
    out.run.append("required_fields")
    fields = (
        ("line1", clean.line1 or clean.line2, "street address"),
        ("city", clean.city, "city"),
        ("state", clean.state, rules.state_label),
        ("postal_code", clean.postal_code, rules.postal_label),
    )
    for name, value, label in fields:
        if name in rules.required and not value:
            out.error("missing_field", name, f"{label} is required in {rules.name}")
    code = clean.postal_code
    if rules.postal_pattern is None:
        out.unavailable += ["postal_code_format", "postal_code_area"]
    elif code:
        out.run.append("postal_code_format")
        if not re.fullmatch(rules.postal_pattern, code):
            examples = ", ".join(rules.postal_examples[:2])
            hint = f" (e.g. {examples})" if examples else ""
            out.error(
                "postal_code_format",
                "postal_code",
                f"{rules.postal_label} {code!r} is not in the {rules.name} format{hint}",
            )
            code = ""  # an area check on a malformed code would only repeat the error
    if not rules.areas:
        out.unavailable += ["state_known", "postal_code_area"]
        return clean
    if not clean.state:
        return clean
    out.run.append("state_known")
    area = rules.areas.get(name_key(clean.state, generic=True))
    if area is None:
        out.warning(
            "state_unrecognised",
            "state",
            f"{rules.state_label} {clean.state!r} is not in the {rules.name} list of the "
            "address data (spelling may differ, or the list may be out of date)",
        )
        return clean
    if area.key.isascii():
        clean = replace(clean, state=area.key)
    if code and area.postal_prefix and not zip_checks_area:
        out.run.append("postal_code_area")
        if not re.match(area.postal_prefix, code):
            owners = sorted(
                {
                    a.label
                    for a in rules.areas.values()
                    if a.postal_prefix and re.match(a.postal_prefix, code)
                }
            )
            where = f"belongs to {' or '.join(owners)}" if owners else "matches no listed area"
            out.error(
                "postal_code_state_mismatch",
                "postal_code",
                f"{rules.postal_label} {code} {where}, not {area.label}",
            )
    elif not area.postal_prefix:
        out.unavailable.append("postal_code_area")
    if area.cities and clean.city:
        _check_city_in_area(clean, code, rules, area, out)
    return clean


def _check_city_in_area(
    clean: Address, code: str, rules: CountryRules, area: AreaRules, out: _Collector
) -> None:
    out.run.append("city_known")
    city = area.cities.get(name_key(clean.city, generic=True))
    if city is None:
        out.info(
            "city_unrecognised",
            "city",
            f"city {clean.city!r} is not among the {area.label} localities in the address data",
        )
        return
    if code and city.postal_prefix and not re.match(city.postal_prefix, code):
        out.warning(
            "city_mismatch",
            "city",
            f"{rules.postal_label} {code} is outside {city.label}, {area.label} "
            "in the address data",
        )


def _check_us_zip(clean: Address, table: Mapping[str, ZipFacts], out: _Collector) -> None:
    zip5 = clean.postal_code[:5]
    if not re.fullmatch(r"\d{5}", zip5):
        if re.fullmatch(r"\d{3,4}", clean.postal_code):
            out.run.append("postal_code_lookup")
            padded = table.get(clean.postal_code.zfill(5))
            if padded is not None:  # say why, on the format finding already made
                out.drop("postal_code_format")
                out.error(
                    "postal_code_format",
                    "postal_code",
                    f"ZIP {clean.postal_code!r} has fewer than 5 digits; spreadsheets drop "
                    f"leading zeros, and {padded.zip_code} belongs to {padded.city}, "
                    f"{padded.state} (not changed here)",
                )
        return
    out.run.append("postal_code_lookup")
    facts = table.get(zip5)
    if facts is None:
        out.error(
            "postal_code_unknown",
            "postal_code",
            f"ZIP {zip5} is not in the offline ZIP list (new or mistyped ZIP?)",
        )
        return
    where = f"{facts.city}, {facts.state}"
    expected_state = clean.state or (clean.country if clean.country != "US" else "")
    if expected_state and expected_state.upper() != facts.state:
        out.error(
            "postal_code_state_mismatch",
            "postal_code",
            f"ZIP {zip5} belongs to {where}; the address says state {expected_state!r}",
        )
    if not facts.active:
        out.warning("postal_code_inactive", "postal_code", f"ZIP {zip5} is retired")
    if facts.kind == "UNIQUE":
        out.info(
            "unique_zip",
            "postal_code",
            f"ZIP {zip5} is a unique ZIP of one organisation in {where}",
        )
    if clean.city:
        out.run.append("city_known")
        key = name_key(clean.city)
        accepted = {name_key(c) for c in (facts.city, *facts.acceptable_cities)}
        if key in {name_key(c) for c in facts.unacceptable_cities}:
            out.info(
                "city_nonstandard",
                "city",
                f"USPS lists {clean.city!r} as a non-mailing name for ZIP {zip5} "
                f"(its mailing name is {facts.city})",
            )
        elif key not in accepted:
            names = ", ".join((facts.city, *facts.acceptable_cities))
            out.warning(
                "city_mismatch",
                "city",
                f"ZIP {zip5} belongs to {where}; accepted city names for it: {names}; "
                f"the address says {clean.city!r}",
            )
    if facts.kind == "PO BOX":
        out.warning(
            "po_box_zip",
            "postal_code",
            f"ZIP {zip5} ({where}) serves PO boxes only; couriers other than USPS "
            "cannot deliver there",
        )


def _check_street(clean: Address, street: StreetFacts | None, out: _Collector) -> None:
    line = ", ".join(p for p in (clean.line1, clean.line2) if p)
    if not line:
        return
    out.run.append("unit_number")
    if street is None:
        out.unavailable.append("street_parse")
        _check_unit_text(clean, line, out)
        return
    out.run.append("street_parse")
    if street.kind == "po_box":
        out.warning(
            "po_box", "line1", "address is a PO box: couriers other than USPS do not deliver there"
        )
        out.drop("po_box_zip")  # a PO box line in a PO-box ZIP is consistent
    elif street.kind == "military":
        out.info("military_address", "line1", "military (APO/FPO/DPO) address")
    elif street.kind in ("intersection", "unreadable") or (
        street.kind == "street" and not street.has_house_number
    ):
        what = "an intersection" if street.kind == "intersection" else "no house number/street"
        out.warning("unparseable", "line1", f"street line could not be read: {what}")
    if street.unit_type and street.unit_id.strip("# ") == "":
        out.warning(
            "missing_unit",
            "line2",
            f"street line says {street.unit_type!r} but gives no unit number",
        )
    elif street.building_hint and not street.unit_id:
        out.warning(
            "missing_unit",
            "line2",
            f"street line names a multi-unit building ({street.building_hint!r}) "
            "but no apartment/suite number",
        )


def _check_unit_text(clean: Address, line: str, out: _Collector) -> None:
    """Outside the US there is no street parser: only unmistakable textual signals."""
    if clean.country == "SG" and _SG_BLOCK.search(line) and not _SG_UNIT.search(line):
        out.warning(
            "missing_unit",
            "line2",
            "HDB block address without a unit number (#floor-unit)",
        )
        return
    for part in (clean.line1, clean.line2):
        if part and _BARE_UNIT.search(part):
            out.warning(
                "missing_unit",
                "line2",
                f"street line {part!r} ends with a unit word but no unit number",
            )
            return
