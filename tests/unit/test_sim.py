"""The synthetic world generator: determinism, file formats, provider shapes, truth.

One 3,000-order world with every store (all lanes) is generated per module and shared;
the determinism tests use small worlds of their own.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from parceldesk.domain.taxonomy import Node
from parceldesk.sim import WorldSummary, generate_world
from parceldesk.sim.numbers import (
    fedex_check_digit,
    s10_check_digit,
    s10_is_valid,
    ups_check_digit,
    usps_check_digit,
)

CANONICAL_COLUMNS = [
    "order_id", "platform", "store", "order_date", "buyer_name", "buyer_email",
    "buyer_phone", "ship_to_line1", "ship_to_line2", "ship_to_city", "ship_to_state",
    "ship_to_postal_code", "ship_to_country", "sku", "item_name", "quantity", "unit_price",
    "unit_cost", "currency", "tracking_number", "carrier", "channel", "ship_date",
    "promised_date", "declared_value", "insured_value", "signature_required",
]  # fmt: skip
OFFSET_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
NAIVE_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MONEY = re.compile(r"^\d+\.\d\d$")
NUMBER_SHAPES = {
    "yunexpress": r"YT\d{16}",
    "4px": r"4PX\d{13}CN",
    "cainiao": r"LP\d{14}",
    "china_post": r"L[XZK]\d{9}CN",
    "yanwen": r"U[GAD]\d{9}YP",
    "correios": r"(NL|NB|QB)\d{9}BR",
    "usps": r"9400\d{18}",
    "ups": r"1Z[0-9A-Z]{16}",
    "fedex": r"\d{12}",
    "spx": r"SPXSG0\d{11}",
    "jt_express": r"JT\d{13}",
}
DAYS = 30


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorldSummary]:
    out = tmp_path_factory.mktemp("world")
    summary = generate_world(out, orders=3000, days=DAYS, seed=20260801, stores=6)
    return out, summary


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _bodies(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _t17_events(body: dict[str, Any]) -> list[dict[str, Any]]:
    providers = body["data"]["track_info"]["tracking"]["providers"]
    return [e for p in providers for e in p["events"]]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _end(summary: WorldSummary) -> datetime:
    start = datetime(summary.start.year, summary.start.month, summary.start.day, tzinfo=UTC)
    return start.fromtimestamp(start.timestamp() + summary.days * 86400, tz=UTC)


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    a = generate_world(tmp_path / "a", orders=300, days=20, seed=42, stores=6)
    b = generate_world(tmp_path / "b", orders=300, days=20, seed=42, stores=6)
    c = generate_world(tmp_path / "c", orders=300, days=20, seed=43, stores=6)
    assert set(a.files) == set(b.files)
    for name, path in a.files.items():
        assert path.read_bytes() == b.files[name].read_bytes(), name
    for name in ("orders.csv", "truth.csv", "tracking-17track.ndjson", "pushes.csv"):
        assert a.files[name].read_bytes() != c.files[name].read_bytes(), name
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]


def test_orders_csv_has_exactly_the_canonical_columns(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    with (out / "orders.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == CANONICAL_COLUMNS


def test_orders_csv_values_are_well_formed(world: tuple[Path, WorldSummary]) -> None:
    out, summary = world
    rows = _rows(out / "orders.csv")
    assert len(rows) == summary.order_lines
    assert len({r["order_id"] for r in rows}) == summary.orders
    currency_of = {"US": "USD", "SG": "SGD", "PH": "PHP", "BR": "BRL"}
    for r in rows:
        assert r["platform"] in {"shopify", "shopee", "amazon", "tiktok"}
        assert OFFSET_ISO.match(r["order_date"]), r["order_date"]
        assert r["currency"] == currency_of[r["ship_to_country"]]
        assert MONEY.match(r["unit_price"]) and MONEY.match(r["unit_cost"])
        assert int(r["quantity"]) >= 1
        if r["tracking_number"]:
            assert re.fullmatch(NUMBER_SHAPES[r["carrier"]], r["tracking_number"])
            assert r["ship_date"] <= r["promised_date"]
            assert MONEY.match(r["declared_value"])
            assert r["insured_value"] == "" or MONEY.match(r["insured_value"])
            assert r["signature_required"] in {"true", "false"}
    lines = Counter(r["order_id"] for r in rows)
    parcels = defaultdict(set)
    for r in rows:
        if r["tracking_number"]:
            parcels[r["order_id"]].add(r["tracking_number"])
    assert max(lines.values()) == 3 and min(lines.values()) == 1
    assert any(len(v) == 2 for v in parcels.values())  # split shipments exist
    assert {r["store"] for r in rows} >= {"acme-us-shopify", "acme-sg-shopee", "acme-amazon-us"}


def test_every_tracked_number_is_in_truth(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    truth = {r["tracking_number"] for r in _rows(out / "truth.csv")}
    t17 = {b["data"]["number"] for b in _bodies(out / "tracking-17track.ndjson")}
    aft = {b["msg"]["tracking_number"] for b in _bodies(out / "tracking-aftership.ndjson")}
    assert t17 and aft
    assert t17 <= truth and aft <= truth
    assert not t17 & aft  # each parcel is on one provider
    ordered = {r["tracking_number"] for r in _rows(out / "orders.csv") if r["tracking_number"]}
    assert truth == ordered


def test_outcome_rates_are_plausible(world: tuple[Path, WorldSummary]) -> None:
    _, s = world
    n = s.shipments
    rate = {k: v / n for k, v in s.outcomes.items()}
    assert rate["delivered"] + rate["delivered_not_received"] > 0.88
    assert 0.005 <= rate["lost"] <= 0.05
    assert 0.001 <= rate["damaged"] <= 0.02
    assert 0.0005 <= rate["delivered_not_received"] <= 0.015
    assert 0.001 <= rate["never_picked_up"] <= 0.015
    assert 0.002 <= rate["returned"] <= 0.04
    us = s.outcomes_by_lane["US-US"]
    xb = s.outcomes_by_lane["CN-US"]
    assert us["lost"] / sum(us.values()) < xb["lost"] / sum(xb.values())
    assert 0.02 <= s.late_parcels / s.delivered_parcels <= 0.12


def test_time_formats_17track_offset_aftership_naive(world: tuple[Path, WorldSummary]) -> None:
    out, summary = world
    end = _end(summary)
    for body in _bodies(out / "tracking-17track.ndjson"):
        for e in _t17_events(body):
            assert OFFSET_ISO.match(e["time_iso"]), e["time_iso"]
            assert UTC_ISO.match(e["time_utc"])
            assert _utc(e["time_utc"]) == datetime.fromisoformat(e["time_iso"])
            assert _utc(e["time_utc"]) <= end
    for body in _bodies(out / "tracking-aftership.ndjson"):
        assert body["event"] == "tracking_update"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            body["event_id"])  # fmt: skip
        for cp in body["msg"]["checkpoints"]:
            assert NAIVE_ISO.match(cp["checkpoint_time"]), cp["checkpoint_time"]
            assert len(cp["country_iso3"]) == 3


def test_every_push_carries_the_full_previous_history(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    seen: dict[str, set[tuple[str, str]]] = {}
    for body in _bodies(out / "tracking-17track.ndjson"):
        for p in body["data"]["track_info"]["tracking"]["providers"]:
            times = [e["time_utc"] for e in p["events"]]
            assert times == sorted(times, reverse=True)  # newest first, as 17TRACK sends
        events = {(e["time_utc"], e["description"]) for e in _t17_events(body)}
        number = body["data"]["number"]
        assert seen.get(number, set()) <= events
        seen[number] = events
    seen.clear()
    for body in _bodies(out / "tracking-aftership.ndjson"):
        cps = body["msg"]["checkpoints"]
        assert [c["created_at"] for c in cps] == sorted(c["created_at"] for c in cps)
        events = {(c["checkpoint_time"], c["message"]) for c in cps}
        number = body["msg"]["tracking_number"]
        assert seen.get(number, set()) <= events
        assert len(events) == len(seen.get(number, set())) + 1  # one push per new event
        seen[number] = events


def _histories(out: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Last pushed history per number as (status-ish, sub-status-ish, text)."""
    last: dict[str, list[tuple[str, str, str]]] = {}
    for body in _bodies(out / "tracking-17track.ndjson"):
        last[body["data"]["number"]] = [
            (e["stage"] or "", e["sub_status"], e["description"]) for e in _t17_events(body)
        ]
    for body in _bodies(out / "tracking-aftership.ndjson"):
        last[body["msg"]["tracking_number"]] = [
            (c["tag"], c["subtag"], c["message"]) for c in body["msg"]["checkpoints"]
        ]
    return last


def test_lost_and_never_picked_up_histories(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    truth = {r["tracking_number"]: r for r in _rows(out / "truth.csv")}
    history = _histories(out)
    lost = [n for n, r in truth.items() if r["outcome"] == "lost" and n in history]
    never = [n for n, r in truth.items() if r["outcome"] == "never_picked_up" and n in history]
    assert lost and never
    for n in lost:
        assert not any("Delivered" in s or "Delivered" in t for s, t, _ in history[n])
        assert truth[n]["lost_at_node"] in {node.value for node in Node}
        assert truth[n]["delivered_at"] == ""
        assert truth[n]["last_real_scan_at"]
    for n in never:
        assert len(history[n]) == 1
        stage, sub, _ = history[n][0]
        assert "InfoReceived" in (stage + sub)
        assert truth[n]["last_real_scan_at"] == ""


def test_last_mile_number_is_revealed_on_cross_border(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    truth = {r["tracking_number"]: r for r in _rows(out / "truth.csv")}
    revealed = 0
    for body in _bodies(out / "tracking-17track.ndjson"):
        lm = truth[body["data"]["number"]]["last_mile_tracking_number"]
        providers = body["data"]["track_info"]["tracking"]["providers"]
        if lm and len(providers) == 2:
            assert providers[0]["provider"]["key"] in {21051, 100002, 100003, 2151}
            texts = " ".join(e["description"] for e in _t17_events(body))
            if lm in texts:
                revealed += 1
                assert body["data"]["track_info"]["misc_info"]["local_number"] == lm
    assert revealed > 0


def test_descriptions_in_chinese_english_and_portuguese(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    texts = {text for h in _histories(out).values() for _, _, text in h}
    joined = "\n".join(texts)
    for fragment in ("已揽收", "已到达【", "航班已起飞", "清关完成", "Objeto postado",
                     "Objeto em trânsito - por favor aguarde", "Objeto entregue ao destinatário",
                     "Out for Delivery"):  # fmt: skip
        assert fragment in joined, fragment


def test_pushes_csv_schedules_every_body_in_send_order(world: tuple[Path, WorldSummary]) -> None:
    out, summary = world
    rows = _rows(out / "pushes.csv")
    assert list(rows[0]) == ["provider", "line_no", "sent_at"]
    assert len(rows) == summary.deliveries
    sent = [r["sent_at"] for r in rows]
    assert sent == sorted(sent) and all(UTC_ISO.match(s) for s in sent)
    assert _utc(sent[-1]) <= _end(summary)
    keys = Counter((r["provider"], int(r["line_no"])) for r in rows)
    for provider, name in (("17track", "tracking-17track.ndjson"),
                           ("aftership", "tracking-aftership.ndjson")):  # fmt: skip
        with (out / name).open(encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
        assert {n for p, n in keys if p == provider} == set(range(1, lines + 1))
    assert any(c > 1 for c in keys.values())  # some webhooks arrive twice
    number_of: dict[tuple[str, int], str] = {}
    for i, b in enumerate(_bodies(out / "tracking-aftership.ndjson"), start=1):
        number_of[("aftership", i)] = b["msg"]["tracking_number"]
    last_line: dict[str, int] = {}
    overtaken = 0
    for r in rows:
        key = (r["provider"], int(r["line_no"]))
        if key in number_of:
            number = number_of[key]
            overtaken += key[1] < last_line.get(number, 0)
            last_line[number] = max(key[1], last_line.get(number, 0))
    assert overtaken > 0  # some pushes arrive after a newer one for the same parcel


def test_tracking_number_check_digits() -> None:
    assert s10_is_valid("RA473124829GB")  # the UPU S10 worked example
    assert not s10_is_valid("RA473124828GB")
    assert s10_check_digit("47312482") == 9
    assert ups_check_digit("999AA1012345678") == 4  # 1Z999AA10123456784
    assert usps_check_digit("940010910425053290858") == 7  # karrio USPS fixture number
    assert fedex_check_digit("01234567898") == 3


def test_generated_s10_and_carrier_numbers_validate(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    s10 = 0
    for r in _rows(out / "truth.csv"):
        for number in (r["tracking_number"], r["last_mile_tracking_number"]):
            if re.fullmatch(r"[A-Z]{2}\d{9}[A-Z]{2}", number):
                s10 += 1
                assert s10_is_valid(number), number
            elif number.startswith("1Z"):
                assert ups_check_digit(number[2:17]) == int(number[17])
            elif number.startswith("9400"):
                assert usps_check_digit(number[:21]) == int(number[21])
            elif re.fullmatch(r"\d{12}", number):
                assert fedex_check_digit(number[:11]) == int(number[11])
    assert s10 > 0


def test_parameters_md_cites_sources(world: tuple[Path, WorldSummary]) -> None:
    out, _ = world
    text = (out / "PARAMETERS.md").read_text(encoding="utf-8")
    assert "claim-rules-and-tracking-formats.md" in text
    assert "market-and-peers.md" in text
    assert "ASSUMPTION" in text
    assert "https://transportationinsight.com" in text
