"""Pure address rules (domain.address_check) on hand-made facts: no data packages."""

from __future__ import annotations

import pytest

from parceldesk.domain.address_check import (
    AddressFinding,
    AddressVerdict,
    AreaRules,
    CountryRules,
    StreetFacts,
    ZipFacts,
    assess,
    canonical_postal_code,
    format_display,
    name_key,
)
from parceldesk.domain.orders import Address

US = CountryRules(
    country="US",
    name="United States",
    address_format="%N%n%O%n%A%n%C, %S %Z",
    required=frozenset({"line1", "city", "state", "postal_code"}),
    upper=frozenset({"city", "state"}),
    postal_pattern=r"(\d{5})(?:[ \-](\d{4}))?",
    postal_examples=("95014", "22162-1010"),
    postal_label="ZIP",
    areas={
        "ny": AreaRules("NY", "New York", r"1[0-4]"),
        "newyork": AreaRules("NY", "New York", r"1[0-4]"),
        "ca": AreaRules("CA", "California", r"9[0-6]"),
        **{k.lower(): AreaRules(k, k) for k in ("MO", "MA", "HI", "AK")},
    },
)
ZIPS = {
    "10001": ZipFacts(
        "10001", "NY", "New York", unacceptable_cities=("Manhattan", "Nyc", "New York City")
    ),
    "11375": ZipFacts("11375", "NY", "Forest Hills", acceptable_cities=("Flushing",)),
    "02134": ZipFacts("02134", "MA", "Allston", acceptable_cities=("Boston",)),
    "96801": ZipFacts("96801", "HI", "Honolulu", kind="PO BOX"),
    "63101": ZipFacts("63101", "MO", "Saint Louis"),
    "12345": ZipFacts("12345", "NY", "Schenectady", kind="UNIQUE"),
    "99999": ZipFacts("99999", "AK", "Nowhere", active=False),
}
MY = CountryRules(
    country="MY",
    name="Malaysia",
    address_format="%N%n%O%n%A%n%D%n%Z %C%n%S",
    required=frozenset({"line1", "city", "postal_code"}),
    upper=frozenset({"city", "state"}),
    postal_pattern=r"\d{5}",
    areas={
        "johor": AreaRules("Johor", "Johor", r"79|8[0-6]"),
        "kualalumpur": AreaRules("Kuala Lumpur", "Kuala Lumpur", r"5|60"),
    },
)
STREET = StreetFacts(kind="street")


def us(**kw: str) -> Address:
    base = {"line1": "350 5th Ave", "city": "New York", "state": "NY", "postal_code": "10001"}
    return Address(**{**base, **kw}, country="US")


def check_us(address: Address, street: StreetFacts = STREET) -> AddressVerdict:
    return assess(address, US, zip_table=ZIPS, street=street)


def test_a_consistent_us_address_is_ok_with_no_findings() -> None:
    verdict = check_us(us())
    assert verdict.ok
    assert verdict.findings == ()
    assert verdict.worst is None
    assert {"postal_code_lookup", "city_known", "street_parse"} <= set(verdict.checks_run)
    assert verdict.display == "350 5th Ave\nNEW YORK, NY 10001\nUNITED STATES"


def test_zip_of_another_state_is_an_error_that_names_the_zips_real_place() -> None:
    verdict = check_us(us(state="CA"))
    assert not verdict.ok
    (finding,) = verdict.findings
    assert finding.code == "postal_code_state_mismatch"
    assert finding.severity == "error"
    assert "10001 belongs to New York, NY" in finding.message
    assert verdict.normalised.state == "CA"  # flagged, never rewritten


def test_unknown_zip_is_an_error() -> None:
    verdict = check_us(us(postal_code="00000"))
    assert verdict.codes() == {"postal_code_unknown"}
    assert not verdict.ok


def test_city_not_served_by_the_zip_is_a_warning_listing_accepted_names() -> None:
    verdict = check_us(us(city="Chicago"))
    (finding,) = verdict.findings
    assert (finding.code, finding.severity) == ("city_mismatch", "warning")
    assert "New York" in finding.message and "Chicago" in finding.message
    assert verdict.ok  # warnings do not fail the step


@pytest.mark.parametrize(
    ("city", "zip_code"),
    [("Flushing", "11375"), ("FOREST  HILLS", "11375"), ("St. Louis", "63101")],
)
def test_acceptable_city_names_and_abbreviations_pass(city: str, zip_code: str) -> None:
    state = "MO" if zip_code == "63101" else "NY"
    assert check_us(us(city=city, postal_code=zip_code, state=state)).findings == ()


def test_a_usps_non_mailing_city_alias_is_only_info() -> None:
    verdict = check_us(us(city="Manhattan"))
    assert [(f.code, f.severity) for f in verdict.findings] == [("city_nonstandard", "info")]


def test_four_digit_zip_is_a_format_error_explaining_the_lost_leading_zero() -> None:
    verdict = check_us(us(postal_code="2134", city="Boston", state="MA"))
    (finding,) = verdict.findings
    assert finding.code == "postal_code_format"
    assert "02134 belongs to Allston, MA" in finding.message
    assert verdict.normalised.postal_code == "2134"


@pytest.mark.parametrize(
    ("raw", "canonical"), [("10001 1234", "10001-1234"), ("100011234", "10001-1234")]
)
def test_zip_plus_four_is_normalised(raw: str, canonical: str) -> None:
    verdict = check_us(us(postal_code=raw))
    assert verdict.ok and verdict.normalised.postal_code == canonical


def test_po_box_line_warns_and_po_box_zip_with_street_line_warns() -> None:
    box = check_us(us(postal_code="96801", city="Honolulu", state="HI"), StreetFacts("po_box"))
    assert box.codes() == {"po_box"}  # a PO box in a PO-box ZIP is consistent
    street = check_us(us(postal_code="96801", city="Honolulu", state="HI"))
    assert street.codes() == {"po_box_zip"}
    assert all(f.severity == "warning" for f in box.findings + street.findings)


def test_retired_and_unique_zips_are_flagged() -> None:
    assert check_us(us(postal_code="99999", city="Nowhere", state="AK")).codes() == {
        "postal_code_inactive"
    }
    assert check_us(us(postal_code="12345", city="Schenectady")).codes() == {"unique_zip"}


@pytest.mark.parametrize(
    ("street", "needle"),
    [
        (StreetFacts("street", unit_type="Apt"), "'Apt'"),
        (StreetFacts("street", unit_type="Apt", unit_id="#"), "'Apt'"),
        (StreetFacts("street", building_hint="Parkside Apartments"), "Parkside Apartments"),
    ],
)
def test_missing_unit_needs_a_signal_in_the_text(street: StreetFacts, needle: str) -> None:
    (finding,) = check_us(us(), street).findings
    assert finding.code == "missing_unit" and needle in finding.message


def test_no_unit_signal_means_no_missing_unit_finding() -> None:
    with_unit = StreetFacts("street", unit_type="Apt", unit_id="4B", building_hint="Towers")
    assert check_us(us(), with_unit).findings == ()
    assert check_us(us(), StreetFacts("street")).findings == ()


def test_unreadable_street_and_intersection_warn() -> None:
    assert check_us(us(), StreetFacts("unreadable", has_house_number=False)).codes() == {
        "unparseable"
    }
    assert check_us(us(), StreetFacts("intersection", has_house_number=False)).codes() == {
        "unparseable"
    }
    assert check_us(us(), StreetFacts("military")).codes() == {"military_address"}


def test_missing_required_fields_are_errors_per_country() -> None:
    verdict = assess(Address(country="US"), US, zip_table=ZIPS)
    missing = {f.field for f in verdict.findings if f.code == "missing_field"}
    assert missing == {"line1", "city", "state", "postal_code"}
    assert not verdict.ok
    my = assess(Address(line1="Jalan Ampang 1", country="MY"), MY)
    assert {f.field for f in my.findings} == {"city", "postal_code"}  # state optional in MY


def test_empty_or_unknown_country_is_an_error() -> None:
    assert assess(Address(line1="x"), None).codes() == {"missing_field"}
    unknown = assess(Address(line1="x", country="QQ"), None)
    assert unknown.codes() == {"country_unknown"} and not unknown.ok
    assert "required_fields" in unknown.checks_unavailable


def test_postcode_of_another_area_names_the_owner() -> None:
    address = Address("Jalan Ampang 1", "", "Kuala Lumpur", "Johor", "50450", "MY")
    (finding,) = assess(address, MY).findings
    assert finding.code == "postal_code_state_mismatch"
    assert "belongs to Kuala Lumpur, not Johor" in finding.message
    good = assess(Address("Jalan Ampang 1", "", "Kuala Lumpur", "kuala lumpur", "50450", "MY"), MY)
    assert good.ok and good.findings == ()
    assert good.normalised.state == "Kuala Lumpur"


def test_unrecognised_state_is_a_warning_not_a_guess() -> None:
    verdict = assess(Address("Jalan 1", "", "Ipoh", "Atlantis", "30000", "MY"), MY)
    assert [(f.code, f.severity) for f in verdict.findings] == [("state_unrecognised", "warning")]
    assert verdict.normalised.state == "Atlantis"


def test_malformed_postcode_skips_the_area_check() -> None:
    verdict = assess(Address("Jalan 1", "", "Johor Bahru", "Johor", "8000", "MY"), MY)
    assert verdict.codes() == {"postal_code_format"}


def test_ok_is_false_exactly_when_an_error_exists() -> None:
    base = dict(address=us(), normalised=us(), display="", checks_run=(), checks_unavailable=())
    warn = AddressFinding("po_box", "warning", "line1", "m")
    err = AddressFinding("missing_field", "error", "city", "m")
    assert AddressVerdict(findings=(warn,), **base).ok  # type: ignore[arg-type]
    assert not AddressVerdict(findings=(warn, err), **base).ok  # type: ignore[arg-type]
    assert AddressVerdict(findings=(warn, err), **base).worst == "error"  # type: ignore[arg-type]


def test_to_dict_is_json_ready() -> None:
    data = check_us(us(state="CA")).to_dict()
    assert data["ok"] is False
    assert data["findings"][0]["code"] == "postal_code_state_mismatch"  # type: ignore[index]
    assert data["normalised"]["postal_code"] == "10001"  # type: ignore[index]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hà Nội", "Hanoi"),
        ("São Paulo", "sao paulo"),
        ("Thành phố Hồ Chí Minh", "Ho Chi Minh City"),
        ("DKI Jakarta", "Jakarta"),
        ("St. Louis", "Saint Louis"),
        ("Đà Nẵng", "Da Nang City"),
    ],
)
def test_name_key_matches_spelling_variants(a: str, b: str) -> None:
    assert name_key(a, generic=True) == name_key(b, generic=True)


def test_name_key_keeps_different_names_apart() -> None:
    assert name_key("Johor") != name_key("Kedah")
    assert name_key("City", generic=True) == "city"  # never strips a name to nothing


@pytest.mark.parametrize(
    ("country", "raw", "out"),
    [
        ("BR", "01310100", "01310-100"),
        ("BR", " 01310-100 ", "01310-100"),
        ("US", "10001", "10001"),
        ("SG", " 560123", "560123"),
        ("GB", "sw1a   1aa", "SW1A 1AA"),
    ],
)
def test_canonical_postal_code(country: str, raw: str, out: str) -> None:
    assert canonical_postal_code(country, raw) == out


def test_display_without_rules_keeps_all_parts() -> None:
    text = format_display(None, Address("1 Rd", "Unit 2", "Town", "ST", "123", "QQ"))
    assert text.splitlines() == ["1 Rd", "Unit 2", "Town", "ST 123", "QQ"]
