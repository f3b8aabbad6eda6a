"""17TRACK adapter: status table, webhook/pull parsing, ``sign`` check, HTTP client.

Fixtures in tests/fixtures/tracking/ are shaped after the 17TRACK docs sample reproduced
in claim-rules-and-tracking-formats.md 3.2 and the simulator's renderer; a generated
world's whole ndjson is parsed too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.tracking.common import Mapped
from parceldesk.adapters.tracking.seventeen_track import mapping
from parceldesk.adapters.tracking.seventeen_track.client import (
    BATCH_SIZE,
    SeventeenTrackClient,
    SeventeenTrackError,
)
from parceldesk.adapters.tracking.seventeen_track.parser import parse_gettrackinfo, parse_webhook
from parceldesk.adapters.tracking.seventeen_track.signature import sign, verify
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S
from parceldesk.services.tracking_records import LinkedLeg, PayloadError, TrackingUpdate
from parceldesk.sim.writer import generate_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tracking"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def one(raw: bytes) -> TrackingUpdate:
    updates = parse_webhook(raw)
    assert len(updates) == 1
    return updates[0]


# --------------------------------------------------------------------------- mapping


def test_every_main_and_sub_status_is_mapped() -> None:
    assert set(mapping.MAIN_STATUS) == {
        "NotFound", "InfoReceived", "InTransit", "Expired", "AvailableForPickup",
        "OutForDelivery", "DeliveryFailure", "Delivered", "Exception",
    }  # fmt: skip
    assert len(mapping.SUB_STATUS) == 30
    for code, row in mapping.SUB_STATUS.items():
        main = code.split("_", 1)[0]
        if main != "InTransit" or code != "InTransit_CustomsRequiringInformation":
            assert row.status in {mapping.MAIN_STATUS[main], S.RETURNING, S.RETURNED}, code


@pytest.mark.parametrize(
    ("code", "status", "node", "reason"),
    [
        ("InTransit_PickedUp", S.IN_TRANSIT, N.FIRST_MILE_PICKUP, None),
        ("AvailableForPickup_Other", S.READY_FOR_PICKUP, N.PICKUP_POINT, None),
        ("OutForDelivery_Other", S.OUT_FOR_DELIVERY, N.OUT_FOR_DELIVERY, None),
        ("Delivered_Other", S.DELIVERED, N.DELIVERED, None),
        ("InTransit_CustomsProcessing", S.IN_TRANSIT, N.IMPORT_CUSTOMS, None),
        ("InTransit_CustomsReleased", S.IN_TRANSIT, N.CUSTOMS_RELEASED, None),
        ("Exception_Lost", S.EXCEPTION, None, R.LOST),
        ("Exception_Damage", S.EXCEPTION, None, R.DAMAGED),
        ("Exception_Returning", S.RETURNING, None, R.RETURNED_TO_SENDER),
        ("Exception_Returned", S.RETURNED, N.RETURNED, R.RETURNED_TO_SENDER),
        ("DeliveryFailure_NoBody", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.RECIPIENT_UNAVAILABLE),
        ("DeliveryFailure_InvalidAddress", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.ADDRESS_ISSUE),
        ("DeliveryFailure_Rejected", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.REFUSED),
        ("DeliveryFailure_Security", S.FAILED_ATTEMPT, N.OUT_FOR_DELIVERY, R.OTHER),
        ("NotFound_Other", S.PENDING, None, None),
        ("Expired_Other", S.EXPIRED, None, None),
    ],
)
def test_sub_status_rows(code: str, status: S, node: N | None, reason: R | None) -> None:
    row = mapping.lookup(code)
    assert row is not None
    assert (row.status, row.node, row.reason) == (status, node, reason)


def test_lookup_fallbacks() -> None:
    assert mapping.lookup("InTransit_Teleported") == Mapped(S.IN_TRANSIT)
    assert mapping.lookup("", "", "Delivered") == Mapped(S.DELIVERED)
    assert mapping.lookup("Nonsense_Code", "", "Nonsense") is None
    staged = mapping.lookup("InTransit_Departure", "Departure")
    assert staged is not None and staged.node is N.LINEHAUL_DEPARTED
    assert mapping.lookup("", "Returned") == mapping.STAGES["Returned"]


# --------------------------------------------------------------------------- parsing


def test_docs_sample_ups_delivered() -> None:
    u = one(body("17track_updated_ups.json"))
    assert (u.source, u.tracking_number, u.carrier) == ("17track", "1Z2617V10397725789", "100002")
    assert u.provider_status is S.DELIVERED and u.carrier_edd is None and not u.stopped
    assert [e.status for e in u.events] == [S.INFO_RECEIVED, S.OUT_FOR_DELIVERY, S.DELIVERED]
    assert all(e.utc_offset_minutes == -7 * 60 for e in u.events)
    assert u.events[-1].occurred_at == datetime(2022, 4, 4, 23, 35, 22, tzinfo=UTC)


def test_cross_border_history() -> None:
    u = one(body("17track_updated_cn_us.json"))
    by_text = {e.description: e for e in u.events}
    # the handover is reported by both providers: kept once
    assert len(u.events) == 10 and len({e.dedup_key for e in u.events}) == 10
    assert u.extra["skipped_events"] == "2"  # no time / unreadable time
    assert u.extra["time_disagreements"] == "1"
    customs = by_text["Import customs clearance started"]
    assert customs.occurred_at.isoformat() == "2026-08-09T18:00:00-07:00"  # time_iso wins
    assert customs.node is N.IMPORT_CUSTOMS
    arrival = by_text["Arrived at destination airport Los Angeles"]
    assert arrival.occurred_at.isoformat() == "2026-08-09T12:30:00-07:00"  # offset from time_utc
    assert arrival.node is N.DESTINATION_ARRIVAL
    assert by_text["Export customs clearance in progress"].node is N.EXPORT_CUSTOMS
    assert by_text["航班已起飞"].status is S.IN_TRANSIT  # unknown sub-status -> main status
    assert by_text["出口报关完成"].node is N.EXPORT_CUSTOMS  # unknown main -> classifier
    assert by_text["【东莞市】已揽收"].node is N.FIRST_MILE_PICKUP  # stage only
    assert by_text["已到达【深圳转运中心】"].node is N.ORIGIN_FACILITY
    assert u.events == tuple(sorted(u.events, key=lambda e: e.occurred_at))
    assert u.linked == (LinkedLeg("9400100000000000000002", "usps", "last_mile"),)
    assert u.carrier_edd == datetime(2026, 8, 21, 5, tzinfo=UTC)
    assert u.extra["edd_from"] == "2026-08-14T00:00:00-05:00"
    assert u.provider_status is S.IN_TRANSIT


def test_stopped_and_flat_and_list_variants() -> None:
    stopped = one(body("17track_stopped.json"))
    assert stopped.stopped and stopped.events == () and stopped.tracking_number == "RR123456789CN"
    flat = one(body("17track_updated_flat.json"))
    assert (flat.provider_status, flat.provider_reason) == (S.EXCEPTION, R.LOST)
    held = flat.events[0]
    assert (held.status, held.reason, held.node) == (S.EXCEPTION, R.CUSTOMS_HOLD, N.IMPORT_CUSTOMS)
    doc = json.loads(body("17track_stopped.json"))
    doc["data"] = [doc["data"], {"number": "LX2", "carrier": 3011}]
    assert [u.tracking_number for u in parse_webhook(orjson.dumps(doc))] == ["RR123456789CN", "LX2"]


def _event_body(**event: Any) -> bytes:
    data = {"number": "N1", "carrier": 1, "track_info": {
        "shipping_info": {"shipper_address": {"country": "CN"}, "recipient_address": {"country": "US"}},
        "tracking": {"providers": [{"provider": {"key": 1}, "events": [event]}]}}}  # fmt: skip
    return orjson.dumps({"event": "TRACKING_UPDATED", "data": data})


def test_naive_time_without_utc_uses_the_place() -> None:
    raw = _event_body(time_iso="2026-08-04T10:00:00", description="x", address={"country": "CN"})
    assert one(raw).events[0].occurred_at == datetime(2026, 8, 4, 2, tzinfo=UTC)
    raw = _event_body(time_iso="2026-08-04T10:00:00", description="x")
    u = one(raw)
    assert (
        u.events[0].occurred_at == datetime(2026, 8, 4, 10, tzinfo=UTC)
        and u.extra["assumed_utc"] == "1"
    )


def test_only_time_utc_is_shown_in_local_offset() -> None:
    raw = _event_body(time_utc="2026-07-04T17:00:00Z", location="PHOENIX, AZ, US")
    moment = one(raw).events[0].occurred_at
    assert moment == datetime(2026, 7, 4, 17, tzinfo=UTC) and moment.utcoffset() == timedelta(
        hours=-7
    )


def test_customs_side_of_the_border() -> None:
    cn = _event_body(time_iso="2026-08-04T10:00:00+08:00", sub_status="InTransit_CustomsReleased",
                     description="Customs clearance completed", address={"country": "HK"})  # fmt: skip
    us = _event_body(time_iso="2026-08-04T10:00:00-07:00", sub_status="InTransit_CustomsReleased",
                     description="Customs clearance completed", address={"country": "US"})  # fmt: skip
    assert one(cn).events[0].node is N.EXPORT_CUSTOMS
    assert one(us).events[0].node is N.CUSTOMS_RELEASED


def test_gettrackinfo_response() -> None:
    updates = parse_gettrackinfo(body("17track_gettrackinfo.json"))
    assert [u.tracking_number for u in updates] == ["1Z2617V10397725789", "RR123456789CN"]
    assert (
        updates[0].provider_status is S.OUT_FOR_DELIVERY and updates[1].provider_status is S.PENDING
    )
    with pytest.raises(PayloadError, match="API error code -18010002"):
        parse_gettrackinfo(b'{"code": -18010002, "data": {"message": "invalid token"}}')


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (
            b'{"event": "TRACKING_EXPLODED", "data": {"number": "X"}}',
            "unknown event 'TRACKING_EXPLODED'",
        ),
        (b'{"data": {"number": "X"}}', "unknown event ''"),
        (b'{"event": "TRACKING_UPDATED", "data": {"carrier": 1}}', r"data\.number is missing"),
        (b'{"event": "TRACKING_UPDATED", "data": "x"}', "data must be a JSON object"),
        (b'{"event": "TRACKING_UPDATED", "data": []}', "empty list"),
        (b'{"event": "TRACKING_UPDATED", "data": [{"number": "A"}, 3]}', r"data\[1\] must be"),
    ],
)
def test_malformed_bodies(raw: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(raw)


# --------------------------------------------------------------------------- signature


def test_signature() -> None:
    raw = body("17track_updated_ups.json")
    header = sign(raw, "s3cret")
    assert len(header) == 64
    assert verify(raw, header, "s3cret") and verify(raw, header.upper(), "s3cret")
    assert not verify(raw + b" ", header, "s3cret")
    assert not verify(raw, header, "other")
    assert not verify(raw, None, "s3cret") and not verify(raw, "", "s3cret")
    assert not verify(raw, header, "") and not verify(raw, "é" * 64, "s3cret")
    # the documented construction: sha256 hex of "<raw body>/<key>"
    import hashlib

    assert header == hashlib.sha256(raw + b"/s3cret").hexdigest()


# --------------------------------------------------------------------------- client


class Recorder:
    def __init__(self, responses: list[httpx.Response | Exception]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item


def ok_echo(request: httpx.Request) -> httpx.Response:
    items = json.loads(request.content)
    return httpx.Response(200, json={"code": 0, "data": {"accepted": items, "rejected": []}})


def client(handler: Any, sleeps: list[float], **kw: Any) -> SeventeenTrackClient:
    return SeventeenTrackClient(
        "KEY", transport=httpx.MockTransport(handler), sleep=sleeps.append, **kw
    )


def test_batches_of_40() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok_echo(request)

    sleeps: list[float] = []
    with client(handler, sleeps) as c:
        result = c.register([f"LX{i:09d}CN" for i in range(95)])
    assert [len(json.loads(r.content)) for r in seen] == [BATCH_SIZE, BATCH_SIZE, 15]
    assert all(r.headers["17token"] == "KEY" for r in seen)
    assert str(seen[0].url) == "https://api.17track.net/track/v2.2/register"
    assert len(result.accepted) == 95 and result.rejected == () and sleeps == []


def test_retries_429_with_retry_after_and_503_with_backoff() -> None:
    rec = Recorder([
        httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
        httpx.Response(503, text="maintenance"),
        httpx.ConnectError("boom"),
        httpx.Response(200, json={"code": 0, "data": {"accepted": [{"number": "A"}], "rejected": [
            {"number": "B", "error": {"code": -18019901, "message": "already registered"}}]}}),
    ])  # fmt: skip
    sleeps: list[float] = []
    result = client(rec, sleeps).register(["A", {"number": "B", "carrier": 3011}])
    assert sleeps == [7.0, 2.0, 4.0]  # Retry-After honoured, then 2**attempt
    assert len(rec.requests) == 4
    assert result.rejected[0].number == "B" and result.rejected[0].code == -18019901


def test_gives_up_after_max_retries() -> None:
    rec = Recorder([httpx.Response(503, text="down")])
    sleeps: list[float] = []
    with pytest.raises(
        SeventeenTrackError, match="giving up after 6 attempts; last: HTTP 503"
    ) as err:
        client(rec, sleeps).stoptrack(["A"])
    assert len(rec.requests) == 6 and sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert err.value.endpoint == "stoptrack" and err.value.status == 503


def test_other_failures_are_not_retried() -> None:
    sleeps: list[float] = []
    rec = Recorder([httpx.Response(401, text="invalid 17token")])
    with pytest.raises(SeventeenTrackError, match="HTTP 401: invalid 17token"):
        client(rec, sleeps).register(["A"])
    envelope = Recorder([httpx.Response(200, json={"code": -18010002, "message": "bad key"})])
    with pytest.raises(SeventeenTrackError, match="API error code -18010002: bad key"):
        client(envelope, sleeps).register(["A"])
    assert sleeps == [] and len(rec.requests) == 1


def test_gettrackinfo_returns_updates() -> None:
    raw = body("17track_gettrackinfo.json")
    sleeps: list[float] = []
    result = client(lambda r: httpx.Response(200, content=raw), sleeps).gettrackinfo(["1Z", "RR"])
    assert [u.tracking_number for u in result.updates] == ["1Z2617V10397725789", "RR123456789CN"]
    assert result.rejected[0].code == -18019909


def test_retry_after_http_date() -> None:
    when = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    rec = Recorder([httpx.Response(429, headers={"Retry-After": when}), ok_echo_response()])
    sleeps: list[float] = []
    client(rec, sleeps).register(["A"])
    assert 25 <= sleeps[0] <= 31


def ok_echo_response() -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "data": {"accepted": [], "rejected": []}})


# --------------------------------------------------------------------------- simulator world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world17")
    generate_world(out, orders=50, days=20, seed=1)
    return out


def test_every_simulated_push_parses(world: Path) -> None:
    lines = (world / "tracking-17track.ndjson").read_bytes().splitlines()
    assert lines
    linked = 0
    for line in lines:
        doc = orjson.loads(line)
        (u,) = parse_webhook(line)
        assert u.tracking_number == doc["data"]["number"] and u.extra.get("skipped_events") is None
        assert u.provider_status is not None
        assert all(
            isinstance(e.status, S) and e.occurred_at.utcoffset() is not None for e in u.events
        )
        assert "assumed_utc" not in u.extra
        if doc["data"]["track_info"]["misc_info"]["local_number"]:
            number = doc["data"]["track_info"]["misc_info"]["local_number"]
            assert number in {leg.tracking_number for leg in u.linked}
            linked += 1
    assert linked > 0


# --------------------------------------------------------------------------- properties

_leaf = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
)  # fmt: skip
_json = st.recursive(
    _leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=12,
)  # fmt: skip
_times = st.sampled_from([
    "2026-08-04T10:00:00+08:00", "2026-08-04T10:00:00", "2026-08-04T02:00:00Z", "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00", "2026-02-30T00:00:00", "", "2026-08-04 10:00:00",
]) | _json  # fmt: skip
_codes = st.sampled_from([*mapping.SUB_STATUS, *mapping.STAGES, "Weird_X", "", "_"]) | _json
_texts = st.sampled_from(["Delivered", "Held by customs", "航班已起飞", "FedEx 123456789012",
                          "handed over to USPS 9400 1000 0000 0000 0000 02", ""]) | _json  # fmt: skip
_event = st.fixed_dictionaries({}, optional={
    "time_iso": _times, "time_utc": _times, "description": _texts, "location": _texts,
    "sub_status": _codes, "stage": _codes,
    "address": st.fixed_dictionaries({}, optional={"country": st.sampled_from(["CN", "US", "HK", "ZZ", ""]) | _json,
                                                   "state": _json, "city": _json}) | _json,
})  # fmt: skip
_info = st.fixed_dictionaries({}, optional={
    "latest_status": st.fixed_dictionaries({}, optional={"status": _codes, "sub_status": _codes}) | _json,
    "time_metrics": st.fixed_dictionaries({}, optional={"estimated_delivery_date": st.fixed_dictionaries(
        {}, optional={"from": _times, "to": _times, "source": _json}) | _json}) | _json,
    "misc_info": st.fixed_dictionaries({}, optional={"local_number": _texts, "local_provider": _texts,
                                                     "local_key": _json}) | _json,
    "tracking": st.fixed_dictionaries({"providers": st.lists(st.fixed_dictionaries(
        {"events": st.lists(_event | _json, max_size=4)}, optional={"provider": _json}), max_size=3)}) | _json,
})  # fmt: skip
_bodies = st.fixed_dictionaries({
    "event": st.sampled_from(["TRACKING_UPDATED", "TRACKING_STOPPED"]) | _json,
    "data": st.fixed_dictionaries({"number": st.text(max_size=5) | _json},
                                  optional={"carrier": _json, "track_info": _info | _json}) | _json,
})  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_bodies.map(orjson.dumps), st.binary(max_size=64)))
def test_parser_only_raises_payload_error_and_is_deterministic(raw: bytes) -> None:
    try:
        first = parse_webhook(raw)
    except PayloadError:
        return
    again = parse_webhook(raw)
    assert first == again
    for u in first:
        keys = [e.dedup_key for e in u.events]
        assert len(keys) == len(set(keys))
        assert keys == [e.dedup_key for e in next(x for x in again if x == u).events]


def test_estimate_is_dated_by_the_latest_event_17track_had_seen() -> None:
    """17TRACK dates no message: its ``latest_event`` (else the newest scan) says how
    recent the estimate is, so an older push delivered late cannot replace it."""
    u = one(body("17track_updated_cn_us.json"))  # no latest_event: the newest scan
    assert u.carrier_edd is not None and u.edd_as_of == u.events[-1].occurred_at
    doc = json.loads(body("17track_updated_cn_us.json"))
    doc["data"]["track_info"]["latest_event"] = {"time_utc": "2026-08-20T01:02:03Z"}
    dated = one(json.dumps(doc).encode())
    assert dated.edd_as_of == datetime(2026, 8, 20, 1, 2, 3, tzinfo=UTC)
    del doc["data"]["track_info"]["time_metrics"]
    assert one(json.dumps(doc).encode()).edd_as_of is None  # no estimate, nothing to date
