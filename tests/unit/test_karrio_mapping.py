"""karrio -> canonical taxonomy, karrio's "local time + Z" fixed from raw offsets.

Two layers: the pure mapping (tables, raw-scan readers, ``to_update`` on karrio-shaped
objects) runs without karrio; the recorded carrier responses run through karrio's own
proxies and parsers (HTTP stubbed, no network) and are skipped when karrio is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from parceldesk.adapters.tracking.karrio_carriers import mapping as m
from parceldesk.adapters.tracking.karrio_carriers.poller import (
    INSTALL_HINT,
    KarrioNotInstalled,
    KarrioPoller,
    load_karrio,
    settings_from_env,
)
from parceldesk.adapters.tracking.karrio_carriers.raw_scans import parse_offset
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S
from parceldesk.services.tracking_records import LinkedLeg, TrackingUpdate
from parceldesk.services.tracking_refresh import PolledResponse, PollError
from tests.fixtures.carriers import SETTINGS, HttpStub, load, stub_karrio

EST = timezone(timedelta(hours=-5))
PDT = timezone(timedelta(hours=-7))


def event(**kw: Any) -> SimpleNamespace:
    base = dict(
        date=None, description="", code="", time=None, timestamp=None, status=None,
        reason=None, location="",
    )  # fmt: skip
    base.update(kw)
    return SimpleNamespace(**base)


def details(events: list[SimpleNamespace], **kw: Any) -> SimpleNamespace:
    base: dict[str, Any] = dict(
        carrier_name="usps", tracking_number="9400100000000000000000", events=events,
        estimated_delivery=None, status=None,
        info=SimpleNamespace(
            shipment_service=None, shipment_origin_country=None,
            shipment_destination_country=None,
        ),
    )  # fmt: skip
    base.update(kw)
    return SimpleNamespace(**base)


# --------------------------------------------------------------------------- tables


def test_carrier_aliases_route_our_slugs_names_and_17track_keys() -> None:
    assert m.karrio_carrier("usps") == "usps"
    assert m.karrio_carrier("  United  States Postal Service ") == "usps"
    assert m.karrio_carrier("21051") == "usps"
    assert m.karrio_carrier("UPS") == "ups"
    assert m.karrio_carrier("100003") == "fedex"
    assert m.karrio_carrier("DHL Express") == "dhl_universal"
    assert m.karrio_carrier("yunexpress") is None
    assert "21051" in m.carrier_aliases(["usps"])
    assert "fedex" not in m.carrier_aliases(["usps"])


@pytest.mark.parametrize(
    ("status", "reason", "code", "text", "expected"),
    [
        # karrio's status wins; the text fills the node / a specific reason
        ("delivered", None, "01", "Delivered, Parcel Locker", (S.DELIVERED, N.DELIVERED, None)),
        ("pending", None, "OC", "Shipment information sent to FedEx",
         (S.INFO_RECEIVED, N.LABEL_CREATED, None)),
        ("delivery_failed", None, "DE", "Customer not available or business closed",
         (S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.RECIPIENT_UNAVAILABLE)),
        ("delivery_delayed", None, "DY", "Package delayed", (S.EXCEPTION, None, R.DELAYED)),
        ("return_to_sender", None, "RS", "Returning package to shipper",
         (S.RETURNING, None, R.RETURNED_TO_SENDER)),
        ("ready_for_pickup", None, "HL", "Ready for recipient pickup",
         (S.READY_FOR_PICKUP, N.PICKUP_POINT, None)),
        # a karrio reason qualifies an exception-like status; customs -> import customs
        ("on_hold", "customs_delay", "CD", "Clearance delay",
         (S.EXCEPTION, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD)),
        ("on_hold", "carrier_parcel_lost", "X", "Package lost", (S.EXCEPTION, None, R.LOST)),
        # ...but not an in-transit scan
        ("in_transit", "weather_delay", "AR", "Arrived at FedEx location",
         (S.IN_TRANSIT, N.LAST_MILE_FACILITY, None)),
        # no karrio status (its USPS map misses these codes): the text decides
        (None, None, "07", "Arrived at Post Office", (S.IN_TRANSIT, N.LAST_MILE_FACILITY, None)),
        (None, None, "GX", "Shipping Label Created, USPS Awaiting Item",
         (S.INFO_RECEIVED, N.LABEL_CREATED, None)),
        (None, None, "ZZ", "JESSICA", (S.IN_TRANSIT, None, None)),
        # "weak" on_hold (UPS activity type X) with a text of normal progress
        ("on_hold", None, "SR", "Your package was released by the customs agency.",
         (S.IN_TRANSIT, N.CUSTOMS_RELEASED, None)),
        ("on_hold", None, "X", "The receiver was not available for delivery",
         (S.FAILED_ATTEMPT, None, R.RECIPIENT_UNAVAILABLE)),
        # ...but a vague reading does not overrule the hold
        ("on_hold", None, "HX", "Held at the facility", (S.EXCEPTION, None, None)),
    ],
)  # fmt: skip
def test_scan_taxonomy(
    status: str | None, reason: str | None, code: str, text: str, expected: tuple[Any, ...]
) -> None:
    got = m.scan_taxonomy("fedex", status or "", reason or "", code, text, "", None)
    assert got[:3] == expected
    assert got[3] is (status == "on_hold" and expected[0] is not S.EXCEPTION)


def test_reason_without_status_is_used_only_when_the_text_reads_as_an_exception() -> None:
    assert m.scan_taxonomy("usps", "", "consignee_refused", "RF", "Refused", "", None)[:3] == (
        S.EXCEPTION, None, R.REFUSED,
    )  # fmt: skip
    # a code that collides with karrio's reason list on an ordinary scan: no reason
    got = m.scan_taxonomy("usps", "", "consignee_access_restricted", "AR", "Arrived", "", None)
    assert got[0] is S.IN_TRANSIT and got[2] is None


def test_dhl_status_code_is_read_before_karrios_text_match() -> None:
    got = m.scan_taxonomy("dhl_universal", "delivered", "", "pre-transit", "JESSICA", "", None)
    assert got[:3] == (S.INFO_RECEIVED, N.LABEL_CREATED, None)


def test_every_karrio_status_and_reason_is_mapped() -> None:
    """Guards the tables against a karrio upgrade that adds names."""
    load_or_skip()
    import importlib

    core = importlib.import_module("karrio.core.units")
    assert {s.name for s in core.TrackingStatus} <= set(m.STATUS)
    names = {r.name for r in core.TrackingIncidentReason}
    for carrier in m.CARRIERS:
        units = importlib.import_module(f"karrio.providers.{carrier}.units")
        assert {s.name for s in units.TrackingStatus} <= set(m.STATUS), carrier
        names |= {r.name for r in getattr(units, "TrackingIncidentReason", [])}
    assert names <= set(m.REASONS)


# --------------------------------------------------------------------------- raw times


def test_offsets_parse_and_reject_nonsense() -> None:
    assert parse_offset("-05:00") == timedelta(hours=-5)
    assert parse_offset("+0530") == timedelta(hours=5, minutes=30)
    assert parse_offset("-5") == timedelta(hours=-5)
    assert parse_offset("+15:00") is None
    assert parse_offset("EST") is None


def test_usps_offset_from_gmt_timestamp_when_gmt_offset_is_missing() -> None:
    doc = {
        "trackingEvents": [
            {"eventCode": "01", "eventTimestamp": "2024-07-01T13:58:00",
             "GMTTimestamp": "2024-07-01T17:58:40Z", "eventState": "FL"},
            {"eventCode": "OF", "eventTimestamp": "2024-07-01T09:10:00", "eventState": "FL"},
        ]
    }  # fmt: skip
    first, second = m.scans_usps(doc)
    assert first.offset == timedelta(hours=-4)  # seconds in GMT only: rounded
    assert second.offset is None and (second.country, second.state) == ("US", "FL")


def test_ups_offset_from_gmt_fields() -> None:
    package = {
        "activity": [
            {"date": "20240305", "time": "071356", "gmtOffset": "-06:00",
             "status": {"code": "AR"}},
            {"date": "20240305", "time": "231500", "gmtDate": "20240306", "gmtTime": "41500",
             "status": {"code": "DP"}},
            {"date": "20240304", "time": "120000", "status": {"code": "OR"},
             "location": {"address": {"city": "Phoenix", "stateProvince": "AZ",
                                      "countryCode": "US"}}},
        ]
    }  # fmt: skip
    a, b, c = m.scans_ups(package)
    wall = datetime(2024, 3, 5, 7, 13, 56)  # noqa: DTZ001 - a naive wall time on purpose
    assert (a.code, a.local, a.offset) == ("AR", wall, timedelta(hours=-6))
    assert b.offset == timedelta(hours=-5)
    assert c.offset is None and (c.country, c.state, c.city) == ("US", "AZ", "Phoenix")


def test_to_update_gives_karrios_wall_time_the_carriers_offset() -> None:
    """karrio says 13:58Z for a 13:58 EST scan; the parcel was delivered at 18:58 UTC."""
    ev = event(code="01", description="Delivered, Parcel Locker", status="delivered",
               timestamp="2024-11-22T13:58:00.000Z", location="HERNANDO, 34442, FL")  # fmt: skip
    scan = m.RawScan("01", datetime(2024, 11, 22, 13, 58), timedelta(hours=-5), "US", "FL")  # noqa: DTZ001
    update = m.to_update(
        details([ev], status="delivered"), carrier="usps", tracking_number="94001", scans=[scan]
    )
    (only,) = update.events
    assert only.occurred_at == datetime(2024, 11, 22, 18, 58, tzinfo=UTC)
    assert only.utc_offset_minutes == -300
    assert only.source == update.source == "karrio:usps"
    assert update.provider_status is S.DELIVERED
    assert update.extra["offset_from_carrier"] == "1"


def test_to_update_without_raw_scan_resolves_the_zone_or_says_it_assumed() -> None:
    ev = event(code="XX", description="Arrived", timestamp="2024-07-01T10:00:00.000Z")
    us = m.to_update(details([ev]), carrier="usps", tracking_number="1")
    assert us.events[0].occurred_at.utcoffset() == timedelta(hours=-4)  # US home zone (EDT)
    assert us.extra["assumed_zone"] == "1"
    dhl = m.to_update(details([ev], carrier_name="dhl_universal"), carrier="dhl_universal",
                      tracking_number="1")  # fmt: skip
    assert dhl.events[0].occurred_at == datetime(2024, 7, 1, 10, tzinfo=UTC)
    assert dhl.extra["assumed_utc"] == "1"


def test_to_update_edd_service_links_and_skipped_events() -> None:
    events = [
        event(code="A", description="Handed over to USPS 9400 1000 0000 0000 0000 00",
              timestamp="2024-07-01T10:00:00.000Z"),
        event(code="B", description="no time at all"),
    ]  # fmt: skip
    d = details(events, estimated_delivery="2024-07-05")
    d.info.shipment_service = "USPS Ground Advantage<SUP>&#153;</SUP>"
    update = m.to_update(
        d, carrier="usps", tracking_number="YT1", carrier_slug="yunexpress",
        linked=[LinkedLeg("92419900000033499522966220", "usps")],
    )  # fmt: skip
    assert update.carrier == "yunexpress"
    assert update.carrier_edd == datetime(2024, 7, 5, 4, tzinfo=UTC)  # midnight EDT
    assert update.extra["service"] == "USPS Ground Advantage™"
    assert update.extra["skipped_events"] == "1"
    assert [leg.tracking_number for leg in update.linked] == [
        "92419900000033499522966220", "9400100000000000000000",
    ]  # fmt: skip


# --------------------------------------------------------------------------- lazy import


def test_importing_the_adapter_does_not_import_karrio() -> None:
    code = (
        "import sys, parceldesk.adapters.tracking.karrio_carriers as k;"
        "assert not any(n == 'karrio' or n.startswith('karrio.') for n in sys.modules), 'karrio'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_karrio_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "karrio.sdk", None)  # "import karrio.sdk" -> ImportError
    with pytest.raises(KarrioNotInstalled, match=r"parceldesk\[carriers\]"):
        load_karrio()
    with pytest.raises(KarrioNotInstalled):
        KarrioPoller.from_settings({"usps": SETTINGS["usps"]})
    assert INSTALL_HINT == "pip install 'parceldesk[carriers]'"


def test_settings_from_env() -> None:
    assert settings_from_env({}) == {}
    env = {
        "PARCELDESK_USPS_CLIENT_ID": "id", "PARCELDESK_USPS_CLIENT_SECRET": "s",
        "PARCELDESK_DHL_API_KEY": "k", "PARCELDESK_KARRIO_TEST_MODE": "1",
    }  # fmt: skip
    got = settings_from_env(env)
    assert got["usps"] == {"client_id": "id", "client_secret": "s", "test_mode": True}
    assert got["dhl_universal"]["consumer_key"] == "k"
    assert set(got) == {"usps", "dhl_universal"}
    with pytest.raises(ValueError, match="PARCELDESK_FEDEX_TRACK_SECRET_KEY"):
        settings_from_env({"PARCELDESK_FEDEX_TRACK_API_KEY": "k"})


# --------------------------------------------------------------------------- through karrio


def load_or_skip() -> None:
    try:
        load_karrio()
    except KarrioNotInstalled as exc:
        pytest.skip(f"karrio not installed: {exc}")


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> HttpStub:
    return stub_karrio(monkeypatch)


@pytest.fixture
def poller(http: HttpStub) -> KarrioPoller:
    return KarrioPoller.from_settings(SETTINGS)


USPS_NUMBER = "9400109104250532908587"


def updates(responses: list[PolledResponse]) -> list[TrackingUpdate]:
    return [u for r in responses for u in r.updates]


def test_karrio_still_stamps_local_time_with_z(http: HttpStub) -> None:
    """The bug this adapter corrects. If a karrio upgrade fixes it, revisit ``mapping``."""
    import importlib

    sdk = importlib.import_module("karrio.sdk")
    http.route(f"/tracking/v3/tracking/{USPS_NUMBER}", load(f"usps_v3_tracking_{USPS_NUMBER}.json"))
    gateway = sdk.gateway["usps"].create(SETTINGS["usps"])
    found, _ = sdk.Tracking.fetch({"tracking_numbers": [USPS_NUMBER]}).from_(gateway).parse()
    first = found[0].events[0]
    assert (first.code, first.timestamp) == ("01", "2024-11-22T13:58:00.000Z")
    assert [e.status for e in found[0].events if e.code in {"07", "A1", "GX"}] == [None] * 3


def test_usps_v3(poller: KarrioPoller, http: HttpStub) -> None:
    http.route(f"/tracking/v3/tracking/{USPS_NUMBER}", load(f"usps_v3_tracking_{USPS_NUMBER}.json"))
    (update,) = updates(poller.fetch([(USPS_NUMBER, "usps")]))
    assert update.tracking_number == USPS_NUMBER and update.source == "karrio:usps"
    assert len(update.events) == 12
    assert all(e.occurred_at.utcoffset() == timedelta(hours=-5) for e in update.events)
    assert update.extra["offset_from_carrier"] == "12"
    first, last = update.events[0], update.events[-1]
    assert (first.raw_code, first.status, first.node) == ("GX", S.INFO_RECEIVED, N.LABEL_CREATED)
    assert (last.raw_code, last.status, last.node) == ("01", S.DELIVERED, N.DELIVERED)
    assert last.occurred_at == datetime(2024, 11, 22, 18, 58, tzinfo=UTC)
    assert {e.raw_code: e.status for e in update.events}["07"] is S.IN_TRANSIT
    assert update.provider_status is S.DELIVERED
    assert update.extra["service"] == "USPS Ground Advantage™"
    assert not any("fedex" in url or "ups.com" in url for url in http.calls)


def test_each_carrier_response_is_returned_untouched_with_what_it_answers(
    poller: KarrioPoller, http: HttpStub
) -> None:
    usps = load(f"usps_v3_tracking_{USPS_NUMBER}.json")
    ups = load("ups_track_v1_not_found.json")
    http.route(f"/tracking/v3/tracking/{USPS_NUMBER}", usps)
    http.route("/api/track/v1/details/1ZNOTFOUND", ups)
    with pytest.raises(PollError) as info:
        poller.fetch([(USPS_NUMBER, "usps"), ("1ZNOTFOUND00000000", "ups")])
    by_source = {r.source: r for r in info.value.responses}
    assert set(by_source) == {"karrio:usps", "karrio:ups"}
    got_usps, got_ups = by_source["karrio:usps"], by_source["karrio:ups"]
    assert got_usps.body == usps.encode() and got_ups.body == ups.encode()
    assert json.loads(got_usps.headers) == {"asked": [USPS_NUMBER]}
    assert [u.tracking_number for u in got_usps.updates] == [USPS_NUMBER]
    assert got_ups.updates == ()


def test_fedex_two_results_mixed_offsets(poller: KarrioPoller, http: HttpStub) -> None:
    http.route("/track/v1/trackingnumbers", load("fedex_track_776094337676_two_results.json"))
    (update,) = updates(poller.fetch([("776094337676", "fedex")]))
    # karrio keeps the trackResults entry with the newest scan: the delivered one
    codes = [e.raw_code for e in update.events]
    assert codes == ["OD", "DE", "DE", "AF", "PU", "AO", "OD", "DL"]
    assert all(e.occurred_at.utcoffset() == timedelta(hours=-7) for e in update.events)
    by_text = {e.description: e for e in update.events}
    refused = by_text["Customer not available or business closed"]
    assert (refused.status, refused.reason) == (S.FAILED_ATTEMPT, R.RECIPIENT_UNAVAILABLE)
    assert refused.occurred_at == datetime(2024, 4, 25, 11, 26, tzinfo=PDT)
    assert by_text["Delivered"].status is S.DELIVERED
    assert update.provider_status is S.DELIVERED
    # the proof-of-delivery image karrio asks for on delivered parcels hit the stub, not the net
    assert any("trackingdocuments" in url for url in http.calls)


def test_fedex_scan_without_offset_takes_the_zone_of_its_place(
    poller: KarrioPoller, http: HttpStub
) -> None:
    http.route("/track/v1/trackingnumbers", load("fedex_track_738488882438_mixed_offsets.json"))
    (update,) = updates(poller.fetch([("738488882438", "100003")]))
    by_code = {e.raw_code: e for e in update.events}
    assert by_code["PU"].occurred_at == datetime(2024, 8, 15, 0, 0, tzinfo=timezone(timedelta(hours=-5)))  # fmt: skip
    assert by_code["OC"].occurred_at == datetime(2024, 8, 15, 15, 36, tzinfo=UTC)
    assert by_code["DL"].occurred_at == datetime(2024, 8, 20, 16, 41, 57, tzinfo=UTC)
    offsets = {e.utc_offset_minutes for e in update.events}
    assert offsets == {-240, -300}
    assert update.extra["offset_from_place"] == "1"
    assert [e.occurred_at for e in update.events] == sorted(e.occurred_at for e in update.events)


def test_ups_placeholder_number_link_and_customs_release(
    poller: KarrioPoller, http: HttpStub
) -> None:
    http.route(
        "/api/track/v1/details/1ZA82D672031716786", load("ups_track_v1_openapi_example.json")
    )
    (update,) = updates(poller.fetch([("1ZA82D672031716786", "ups")]))
    assert update.tracking_number == "1ZA82D672031716786"  # karrio echoes "string"
    (only,) = update.events
    assert (only.status, only.node) == (S.IN_TRANSIT, N.CUSTOMS_RELEASED)
    # karrio: "07:13:00.000Z"; UPS: 071356 local at Wayne, NJ, in winter (EST)
    assert only.occurred_at == datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST)
    assert update.extra["status_from_text"] == "1"
    assert update.linked == (LinkedLeg("92419900000033499522966220", "usps", "last_mile"),)


def test_dhl_unified(poller: KarrioPoller, http: HttpStub) -> None:
    http.route("/track/shipments", load("dhl_universal_openapi_example.json"))
    (update,) = updates(poller.fetch([("7777777770", "dhl")]))
    (only,) = update.events
    assert (only.status, only.node) == (S.INFO_RECEIVED, N.LABEL_CREATED)
    assert only.occurred_at == datetime(2018, 3, 2, 7, 53, 47, tzinfo=timezone(timedelta(hours=1)))
    assert update.carrier == "dhl"


def test_problems_raise_poll_error_with_what_did_arrive(
    poller: KarrioPoller, http: HttpStub
) -> None:
    http.route(f"/tracking/v3/tracking/{USPS_NUMBER}", load(f"usps_v3_tracking_{USPS_NUMBER}.json"))
    http.route("/api/track/v1/details/1ZNOTFOUND", load("ups_track_v1_not_found.json"))
    http.route("apis.fedex.com/oauth/token", (401, json.dumps({"errors": [
        {"code": "NOT.AUTHORIZED.ERROR", "message": "The given client credentials were not valid"}
    ]})))  # fmt: skip
    items = [
        (USPS_NUMBER, "usps"),
        ("1ZNOTFOUND00000000", "ups"),
        ("776094337676", "fedex"),
        ("YT2530821234567890", "yunexpress"),
    ]
    with pytest.raises(PollError) as info:
        poller.fetch(items)
    err = info.value
    assert [u.tracking_number for u in updates(err.responses)] == [USPS_NUMBER]
    assert err.failed == {"1ZNOTFOUND00000000", "776094337676"}
    text = str(err)
    assert "TW0001" in text and "NOT.AUTHORIZED.ERROR" in text
    assert "no gateway configured for carrier yunexpress (1)" in text


def test_fedex_per_number_error_counts_as_answered(poller: KarrioPoller, http: HttpStub) -> None:
    body = {"output": {"completeTrackResults": [{"trackingNumber": "39936862321", "trackResults": [
        {"trackingNumberInfo": {"trackingNumber": "39936862321"},
         "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                   "message": "Tracking number cannot be found."}}]}]}}  # fmt: skip
    http.route("/track/v1/trackingnumbers", json.dumps(body))
    with pytest.raises(PollError, match=r"TRACKING\.TRACKINGNUMBER\.NOTFOUND") as info:
        poller.fetch([("39936862321", "fedex")])
    assert info.value.failed == frozenset() and updates(info.value.responses) == []
