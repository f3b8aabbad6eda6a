"""AfterShip adapter: tag/subtag table, webhook parsing with carrier-local checkpoint
times, HMAC signature; plus the shared zone table and last-mile number extraction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.tracking.aftership import mapping
from parceldesk.adapters.tracking.aftership.parser import parse_webhook
from parceldesk.adapters.tracking.aftership.signature import sign, verify
from parceldesk.adapters.tracking.common import find_linked, split_location
from parceldesk.adapters.tracking.timezones import US_STATES, country_code, zone_for
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S
from parceldesk.services.tracking_records import LinkedLeg, PayloadError
from parceldesk.sim.writer import generate_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tracking"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def webhook(checkpoints: list[dict[str, Any]], **msg: Any) -> bytes:
    doc = {"event": "tracking_update", "event_id": "e-1", "ts": 1,
           "msg": {"tracking_number": "T1", "slug": "x", "checkpoints": checkpoints, **msg}}  # fmt: skip
    return orjson.dumps(doc)


# --------------------------------------------------------------------------- mapping


def test_all_tags_and_2026_07_subtags_are_mapped() -> None:
    assert set(mapping.TAGS) == {
        "Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered",
        "AvailableForPickup", "Exception", "Expired",
    }  # fmt: skip
    new = ["Delivered_005", *(f"Exception_0{i}" for i in range(16, 22)),
           "InTransit_011", "InTransit_012", "InTransit_013"]  # fmt: skip
    assert set(new) <= set(mapping.SUBTAGS)
    for code, row in mapping.SUBTAGS.items():
        tag = code.split("_", 1)[0]
        if tag not in {"Exception", "OutForDelivery"}:
            assert row.status is mapping.TAGS[tag].status, code


@pytest.mark.parametrize(
    ("code", "status", "node", "reason"),
    [
        ("Exception_013", S.EXCEPTION, None, R.LOST),
        ("Exception_012", S.EXCEPTION, None, R.DAMAGED),
        ("Exception_010", S.RETURNING, None, R.RETURNED_TO_SENDER),
        ("Exception_011", S.RETURNED, N.RETURNED, R.RETURNED_TO_SENDER),
        ("Exception_004", S.EXCEPTION, N.IMPORT_CUSTOMS, R.CUSTOMS_HOLD),
        ("Exception_007", S.EXCEPTION, N.OUT_FOR_DELIVERY, R.ADDRESS_ISSUE),
        ("Exception_003", S.EXCEPTION, N.OUT_FOR_DELIVERY, R.REFUSED),
        ("Exception_002", S.EXCEPTION, None, R.ADDRESS_ISSUE),
        ("Exception_008", S.EXCEPTION, N.PICKUP_POINT, R.RECIPIENT_UNAVAILABLE),
        ("Exception_021", S.EXCEPTION, None, R.LOST),
        ("AttemptFail_001", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, None),
        ("AttemptFail_002", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.RECIPIENT_UNAVAILABLE),
        ("InTransit_002", S.IN_TRANSIT, N.FIRST_MILE_PICKUP, None),
        ("InTransit_004", S.IN_TRANSIT, N.DESTINATION_ARRIVAL, None),
        ("InTransit_005", S.IN_TRANSIT, N.CUSTOMS_RELEASED, None),
        ("InTransit_006", S.IN_TRANSIT, N.IMPORT_CUSTOMS, None),
        ("Delivered_002", S.DELIVERED, N.DELIVERED, None),
        ("Delivered_005", S.DELIVERED, N.DELIVERED, None),
        ("AvailableForPickup_001", S.READY_FOR_PICKUP, N.PICKUP_POINT, None),
        ("Expired_001", S.EXPIRED, None, None),
        ("Pending_003", S.PENDING, None, None),
        ("InfoReceived_001", S.INFO_RECEIVED, N.LABEL_CREATED, None),
    ],
)
def test_subtag_rows(code: str, status: S, node: N | None, reason: R | None) -> None:
    row = mapping.lookup(code)
    assert row is not None and (row.status, row.node, row.reason) == (status, node, reason)


def test_unknown_subtag_falls_back_to_tag() -> None:
    assert mapping.lookup("Exception_099") == mapping.TAGS["Exception"]
    assert mapping.lookup("", "Delivered") == mapping.TAGS["Delivered"]
    assert mapping.lookup("Bogus_001", "Bogus") is None


# --------------------------------------------------------------------------- parsing


def test_docs_sample() -> None:
    u = parse_webhook(body("aftership_docs_sample.json"))
    assert (u.tracking_number, u.carrier, u.message_id) == (
        "0000000000000000", "usps", "94dadd60-ed26-46d0-aa52-3ced925a50ff",
    )  # fmt: skip
    assert u.provider_status is S.IN_TRANSIT and len(u.events) == 1
    assert u.extra["assumed_utc"] == "1"  # the sample has no place at all
    assert u.events[0].occurred_at == datetime(2021, 1, 14, 0, 52, tzinfo=UTC)


def test_cross_border_checkpoints_resolved_per_place() -> None:
    u = parse_webhook(body("aftership_cn_us.json"))
    by_text = {e.description: e for e in u.events}
    pickup = by_text["【深圳市】已揽收"]
    assert pickup.occurred_at == datetime(2026, 7, 10, 2, tzinfo=UTC)  # Shenzhen 10:00 -> 02:00Z
    assert pickup.node is N.FIRST_MILE_PICKUP
    assert by_text["出口报关完成"].node is N.EXPORT_CUSTOMS  # InTransit_005 in China
    assert by_text["Flight departed from Hong Kong"].utc_offset_minutes == 8 * 60
    la = by_text["Arrived at destination airport Los Angeles"]
    assert la.utc_offset_minutes == -7 * 60 and la.node is N.DESTINATION_ARRIVAL  # PDT in July
    assert by_text["Customs clearance in progress"].node is N.IMPORT_CUSTOMS
    phoenix = by_text["Arrived at USPS Regional Facility"]  # unknown subtag -> tag
    assert phoenix.utc_offset_minutes == -7 * 60 and phoenix.status is S.IN_TRANSIT
    assert by_text["Arrived at Post Office"].status is S.IN_TRANSIT  # text only
    assert by_text["Processed"].utc_offset_minutes == 0
    assert u.extra == {
        "assumed_utc": "1", "edd_source": "aftership", "event": "tracking_update",
        "provider_code": "InTransit_003", "skipped_events": "1",
    }  # fmt: skip
    assert u.carrier_edd == datetime(2026, 7, 28, 7, tzinfo=UTC)  # midnight in Phoenix
    assert u.linked == (LinkedLeg("9400100000000000000019", "usps", "last_mile"),)
    assert len({e.dedup_key for e in u.events}) == len(u.events) == 9


def test_edd_revise_with_date_string_and_carrier_edd_first() -> None:
    u = parse_webhook(body("aftership_edd_revise.json"))
    assert u.extra["event"] == "edd_revise" and u.events == ()
    assert u.carrier_edd == datetime(2026, 8, 10, 7, tzinfo=UTC)
    raw = webhook([], expected_delivery="2026-09-01", destination_country_iso3="SGP",
                  courier_estimated_delivery_date={"estimated_delivery_date": "2026-08-30"},
                  aftership_estimated_delivery_date={"estimated_delivery_date": "2026-09-05"})  # fmt: skip
    u = parse_webhook(raw)
    assert (
        u.carrier_edd == datetime(2026, 8, 29, 16, tzinfo=UTC)
        and u.extra["edd_source"] == "courier"
    )


def test_pending_time_event_is_parsed_like_an_update() -> None:
    doc = json.loads(body("aftership_cn_us.json"))
    doc["event"] = "tracking_pending_time"
    u = parse_webhook(orjson.dumps(doc))
    assert u.extra["event"] == "tracking_pending_time" and len(u.events) == 9


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({"country_iso3": "USA", "state": "CA", "city": "Los Angeles"}, -7 * 60),
        ({"country_region": "USA", "state": "AZ"}, -7 * 60),
        ({"country_iso3": "USA", "state": "New York"}, -4 * 60),
        ({"country_name": "Brazil", "state": "AM", "city": "Manaus"}, -4 * 60),
        ({"country_iso3": "BRA", "state": "SP"}, -3 * 60),
        ({"country_iso3": "PHL", "city": "Quezon City"}, 8 * 60),
        ({"country_iso3": "IDN", "state": "Bali"}, 8 * 60),
        ({"country_iso3": "AUS", "state": "WA"}, 8 * 60),
        ({"country_iso3": "GBR"}, 60),
        ({"location": "LOS ANGELES, CA, US"}, -7 * 60),
    ],
)
def test_naive_times_by_place(place: dict[str, str], expected: int) -> None:
    cp = {"checkpoint_time": "2026-07-15T12:00:00", "message": "scan", "tag": "InTransit", **place}
    u = parse_webhook(webhook([cp]))
    assert u.events[0].utc_offset_minutes == expected and "assumed_utc" not in u.extra


def test_checkpoint_with_offset_keeps_it() -> None:
    cp = {"checkpoint_time": "2026-07-15T12:00:00+09:00", "country_iso3": "USA", "message": "m"}
    assert parse_webhook(webhook([cp])).events[0].utc_offset_minutes == 9 * 60


def test_wrapped_msg_and_text_linked_legs() -> None:
    cps = [{"checkpoint_time": "2026-07-15T12:00:00", "country_iso3": "USA",
            "message": "FedEx tracking 123456789012; handed over to USPS 9400 1000 0000 0000 0000 02"}]  # fmt: skip
    doc = {"event": "tracking_update", "msg": {"tracking": {"tracking_number": "T9", "checkpoints": cps,
           "first_mile": {"tracking_number": "CN1", "slug": "cainiao"}}}}  # fmt: skip
    u = parse_webhook(orjson.dumps(doc))
    assert u.tracking_number == "T9" and u.message_id is None
    assert u.linked == (
        LinkedLeg("CN1", "cainiao", "first_mile"),
        LinkedLeg("123456789012", "fedex", "last_mile"),
        LinkedLeg("9400100000000000000002", "usps", "last_mile"),
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not valid JSON"),
        (b'"tracking_update"', "must be a JSON object"),
        (b'{"event": "shipment_update", "msg": {}}', "unknown event 'shipment_update'"),
        (b'{"event": "tracking_update"}', "msg is missing"),
        (b'{"event": "tracking_update", "msg": {"slug": "usps"}}', "tracking_number is missing"),
    ],
)
def test_malformed_bodies(raw: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(raw)


def test_signature() -> None:
    raw = body("aftership_cn_us.json")
    header = sign(raw, "whsec")
    assert verify(raw, header, "whsec") and verify(raw, f" {header}\n", "whsec")
    assert not verify(raw.replace(b"Shenzhen", b"Shenzhem"), header, "whsec")
    assert not verify(raw, header, "wrong") and not verify(raw, None, "whsec")
    assert not verify(raw, "", "whsec") and not verify(raw, header, "")
    assert not verify(raw, header.lower(), "whsec")  # base64 is case-sensitive


# --------------------------------------------------------------------------- shared helpers


def test_zone_table_covers_every_us_state_and_known_splits() -> None:
    states = US_STATES - {"PR", "GU", "VI", "AS", "MP"}
    assert len(states) == 51  # 50 states + DC
    for code in states:
        assert zone_for("US", code) is not None, code
    assert str(zone_for("USA", "TX", "El Paso")) == "America/Denver"
    assert str(zone_for("United States", "Texas")) == "America/Chicago"
    assert str(zone_for("HKG")) == "Asia/Hong_Kong" and str(zone_for("China")) == "Asia/Shanghai"
    for state, zone in [("AM", "Manaus"), ("RO", "Porto_Velho"), ("RR", "Boa_Vista"),
                        ("AC", "Rio_Branco"), ("MS", "Campo_Grande"), ("MT", "Cuiaba")]:  # fmt: skip
        assert str(zone_for("BR", state)) == f"America/{zone}"
    assert str(zone_for("BR", "RJ")) == "America/Sao_Paulo"
    assert str(zone_for("CA", "BC")) == "America/Vancouver"
    assert str(zone_for("ID")) == "Asia/Jakarta"
    assert zone_for("ZZ") is None and zone_for("") is None and country_code("UK") == "GB"


def test_split_location() -> None:
    assert split_location("Edison, NJ, 08817, USA") == ("USA", "NJ")
    assert split_location("SHENZHEN, GD, CN") == ("CN", "GD")
    assert split_location("Los Angeles, CA") == ("", "")  # Canada or California?
    assert split_location("somewhere") == ("", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("handed over to USPS 9400 1234 5678 9012 3456 78", [("9400123456789012345678", "usps")]),
        ("last mile tracking number: 1Z999AA10123456784", [("1Z999AA10123456784", "ups")]),
        ("转单号: 9200190164917312751089", [("9200190164917312751089", "usps")]),
        ("Delivered to FedEx, tracking 123456789012", [("123456789012", "fedex")]),
        ("Call 123456789012 for help", []),
        (
            "Handed over to last mile carrier J&T Express, tracking number JT0001234567890",
            [("JT0001234567890", "")],
        ),
        ("Arrived at sorting center", []),
        ("Tracking number JT0001234567890 printed", []),  # no handover context
    ],
)
def test_find_linked(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(leg.tracking_number, leg.carrier) for leg in find_linked(text)] == expected


def test_find_linked_skips_own_number() -> None:
    assert find_linked("USPS 9400123456789012345678 accepted", "9400 1234 5678 9012 3456 78") == []


# --------------------------------------------------------------------------- simulator world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worldas")
    generate_world(out, orders=50, days=20, seed=1)
    return out


def test_every_simulated_push_parses(world: Path) -> None:
    lines = (world / "tracking-aftership.ndjson").read_bytes().splitlines()
    assert lines
    for line in lines:
        doc = orjson.loads(line)
        u = parse_webhook(line)
        assert (
            u.message_id == doc["event_id"] and u.tracking_number == doc["msg"]["tracking_number"]
        )
        assert "assumed_utc" not in u.extra and "skipped_events" not in u.extra
        assert len(u.events) == len(doc["msg"]["checkpoints"])
        created = {
            cp["message"]: datetime.fromisoformat(cp["created_at"])
            for cp in doc["msg"]["checkpoints"]
        }
        for event in u.events:
            assert isinstance(event.status, S)
            # AfterShip records a checkpoint after it happened: a wrong zone shows up here
            assert event.occurred_at <= created[event.description] + timedelta(seconds=1)


# --------------------------------------------------------------------------- properties

_leaf = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
)  # fmt: skip
_json = st.recursive(
    _leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=12,
)  # fmt: skip
_times = st.sampled_from(["2026-07-15T12:00:00", "2026-07-15T12:00:00+08:00", "2026-03-08T02:30:00",
                          "0001-01-01T00:00:00", "2026-13-01T00:00:00", "", "2026-08-10"]) | _json  # fmt: skip
_countries = st.sampled_from(["USA", "CHN", "HKG", "BRA", "Brazil", "XXX", ""]) | _json
_checkpoint = st.fixed_dictionaries({}, optional={
    "checkpoint_time": _times, "message": st.sampled_from(["Delivered", "1Z999AA10123456784", ""]) | _json,
    "tag": st.sampled_from([*mapping.TAGS, "Nope"]) | _json,
    "subtag": st.sampled_from([*mapping.SUBTAGS, "X_1"]) | _json,
    "country_iso3": _countries, "country_region": _countries, "state": _json, "city": _json,
    "location": st.sampled_from(["LOS ANGELES, CA, US", "x, ZZ", ""]) | _json,
})  # fmt: skip
_msg = st.fixed_dictionaries({"tracking_number": st.text(max_size=5) | _json}, optional={
    "slug": _json, "tag": _json, "subtag": _json, "checkpoints": st.lists(_checkpoint | _json, max_size=4),
    "origin_country_iso3": _countries, "destination_country_iso3": _countries,
    "expected_delivery": _times, "aftership_estimated_delivery_date": _json | _times,
    "last_mile": st.fixed_dictionaries({}, optional={"tracking_number": _json, "slug": _json}) | _json,
})  # fmt: skip
_bodies = st.fixed_dictionaries({
    "event": st.sampled_from(["tracking_update", "edd_revise", "tracking_pending_time"]) | _json,
    "msg": _msg | _json,
}, optional={"event_id": _json})  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_bodies.map(orjson.dumps), st.binary(max_size=64)))
def test_parser_only_raises_payload_error_and_is_deterministic(raw: bytes) -> None:
    try:
        first = parse_webhook(raw)
    except PayloadError:
        return
    again = parse_webhook(raw)
    assert first == again
    keys = [e.dedup_key for e in first.events]
    assert len(keys) == len(set(keys)) and keys == [e.dedup_key for e in again.events]
