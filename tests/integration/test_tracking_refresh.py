"""``refresh_active`` on SQLite and PostgreSQL: which parcels are due, batches stored in
their own transactions, failures isolated; the 17TRACK and karrio pollers and the CLI
fed from recorded responses (no network)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.tracking.seventeen_track import client as st_client
from parceldesk.adapters.tracking.seventeen_track.client import SeventeenTrackClient
from parceldesk.adapters.tracking.seventeen_track.poller import SeventeenTrackPoller
from parceldesk.domain.taxonomy import Node, Status
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.entrypoints.cli import refresh_cmds
from parceldesk.services.tracking_records import TrackingUpdate
from parceldesk.services.tracking_refresh import PolledResponse, PollError, refresh_active
from tests.fixtures.carriers import SETTINGS, load, stub_karrio

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # tests/conftest.py clock
STALE = timedelta(hours=6)
CN = timezone(timedelta(hours=8))
FIXTURES = Path(__file__).parent.parent / "fixtures"

UowFactory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def refresh_uow(engine: Engine) -> UowFactory:
    return lambda: SqlUnitOfWork(engine)


def add(
    engine: Engine,
    number: str,
    carrier: str = "usps",
    *,
    status: str = "in_transit",
    refreshed: timedelta = timedelta(days=2),
    scanned: timedelta | None = None,
) -> None:
    """A parcel last written ``refreshed`` ago and last scanned ``scanned`` ago."""
    with Session(engine) as session, session.begin():
        session.add(
            t.Shipment(
                tracking_number=number, carrier=carrier, status=status, event_count=0,
                channel="", service="", origin_country="", destination_country="",
                signature_required=False, leg_role="single",
                created_at=NOW - timedelta(days=10), updated_at=NOW - refreshed,
                last_event_at=None if scanned is None else NOW - scanned,
            )
        )  # fmt: skip


def payloads(engine: Engine) -> list[t.InboundPayload]:
    with Session(engine) as session:
        rows = list(session.scalars(select(t.InboundPayload).order_by(t.InboundPayload.id)))
        session.expunge_all()
        return rows


def event_payloads(engine: Engine) -> set[int | None]:
    with Session(engine) as session:
        return set(session.scalars(select(t.TrackingEvent.payload_id)))


def shipment(engine: Engine, number: str) -> t.Shipment:
    with Session(engine) as session:
        row = session.scalars(select(t.Shipment).where(t.Shipment.tracking_number == number)).one()
        session.expunge(row)
        return row


def due(refresh_uow: UowFactory, at: datetime = NOW, **kw: Any) -> list[tuple[str, str]]:
    with refresh_uow() as uow:
        found: list[tuple[str, str]] = uow.refresh.active_for_refresh(  # type: ignore[attr-defined]
            at, kw.pop("stale_after", STALE), kw.pop("limit", 100), **kw
        )
        return found


def update(number: str, *events: tuple[timedelta, str, Status], carrier: str = "usps") -> Any:
    return TrackingUpdate(
        source="fake",
        tracking_number=number,
        carrier=carrier,
        events=tuple(
            TrackingEvent(NOW - ago, text, status, source="fake") for ago, text, status in events
        ),
    )


class FakePoller:
    """Answers from a table; ``fail`` maps a call number (1-based) to what it raises."""

    def __init__(self, answers: dict[str, Any], fail: dict[int, Exception] | None = None) -> None:
        self.answers = answers
        self.fail = fail or {}
        self.calls: list[list[tuple[str, str]]] = []

    def fetch(self, items: Sequence[tuple[str, str]]) -> list[PolledResponse]:
        self.calls.append(list(items))
        if len(self.calls) in self.fail:
            raise self.fail[len(self.calls)]
        return [response(self.answers[n]) for n, _ in items if n in self.answers]


def response(*updates: TrackingUpdate, body: bytes | None = None) -> PolledResponse:
    """A fake carrier response: its body names the numbers and the call (unique per call)."""
    if body is None:
        body = json.dumps([[u.tracking_number, len(u.events)] for u in updates]).encode()
    return PolledResponse("fake:poll", body, updates)


# --------------------------------------------------------------------------- selection


def test_selects_active_stale_parcels_least_recently_refreshed_first(
    engine: Engine, refresh_uow: UowFactory
) -> None:
    add(engine, "A", "ups", refreshed=timedelta(days=3), scanned=timedelta(days=3))
    add(engine, "B", status="delivered", refreshed=timedelta(days=9))
    add(engine, "C", status="returned", refreshed=timedelta(days=9))
    add(engine, "D", refreshed=timedelta(days=3), scanned=timedelta(hours=1))  # scanned lately
    add(engine, "E", status="pending", refreshed=timedelta(hours=1))  # imported lately
    add(engine, "F", "fedex", status="exception", refreshed=timedelta(days=5))
    add(engine, "G", "USPS", refreshed=timedelta(days=2), scanned=timedelta(hours=7))
    add(engine, "H", status="expired", refreshed=timedelta(days=1))
    assert [n for n, _ in due(refresh_uow)] == ["F", "A", "G", "H"]
    assert due(refresh_uow, limit=2) == [("F", "fedex"), ("A", "ups")]
    assert due(refresh_uow, carriers=["usps", "UPS"]) == [("A", "ups"), ("G", "USPS"), ("H", "usps")]  # fmt: skip
    assert due(refresh_uow, carriers=[]) == []
    assert [n for n, _ in due(refresh_uow, stale_after=timedelta(hours=8))] == ["F", "A", "H"]


# --------------------------------------------------------------------------- service


def test_refresh_stores_events_and_marks_parcels_refreshed(
    engine: Engine, refresh_uow: UowFactory
) -> None:
    add(engine, "9400100000000000000001")
    add(engine, "9400100000000000000002")
    poller = FakePoller(
        {
            "9400100000000000000001": update(
                "9400100000000000000001",
                (timedelta(days=1), "Out for Delivery", Status.OUT_FOR_DELIVERY),
                (timedelta(hours=20), "Delivered", Status.DELIVERED),
            )
        }
    )
    report = refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=50)
    assert (report.selected, report.batches, report.updates, report.answered) == (2, 1, 1, 2)
    assert report.ingest.events_new == 2 and report.ok and not report.errors
    delivered = shipment(engine, "9400100000000000000001")
    assert delivered.status == "delivered" and delivered.event_count == 2
    assert delivered.delivered_at == NOW - timedelta(hours=20)
    quiet = shipment(engine, "9400100000000000000002")
    assert (quiet.status, quiet.updated_at) == ("in_transit", NOW)  # answered, no news
    # nothing is due again until stale_after has passed; the delivered parcel never again
    assert refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=50).selected == 0  # fmt: skip
    later = FixedClock(NOW + STALE + timedelta(minutes=1))
    again = refresh_active(refresh_uow, poller, later, stale_after=STALE, limit=50)
    assert again.selected == 1 and poller.calls[-1] == [("9400100000000000000002", "usps")]


def test_a_repeated_identical_response_is_kept_once_and_changes_nothing(
    engine: Engine, refresh_uow: UowFactory
) -> None:
    add(engine, "A1")
    answer = update("A1", (timedelta(days=1), "Arrived at facility", Status.IN_TRANSIT))
    poller = FakePoller({"A1": answer})
    first = refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=5)
    later = FixedClock(NOW + STALE + timedelta(hours=1))
    second = refresh_active(refresh_uow, poller, later, stale_after=STALE, limit=5)
    assert (first.payloads_new, first.ingest.events_new) == (1, 1)
    assert (second.selected, second.payloads_new, second.ingest.events_new) == (1, 0, 0)
    assert len(payloads(engine)) == 1 and shipment(engine, "A1").event_count == 1
    assert due(refresh_uow, at=later.now()) == []  # answered: marked refreshed all the same


def test_failed_batch_does_not_stop_the_others_and_stays_due(
    engine: Engine, refresh_uow: UowFactory
) -> None:
    numbers = [f"N{i}" for i in range(5)]
    for i, n in enumerate(numbers):
        add(engine, n, refreshed=timedelta(days=5 - i))
    answers = {
        n: update(n, (timedelta(days=1), f"Arrived {n}", Status.IN_TRANSIT)) for n in numbers
    }
    poller = FakePoller(answers, fail={2: RuntimeError("carrier down")})
    report = refresh_active(
        refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=50, batch_size=2
    )
    assert (report.batches, report.batches_failed, report.updates) == (3, 1, 3)
    assert report.errors == ["batch 2/3 (2 numbers): RuntimeError: carrier down"]
    assert not report.ok and report.ingest.events_new == 3
    assert [shipment(engine, n).event_count for n in numbers] == [1, 1, 0, 0, 1]
    assert due(refresh_uow) == [("N2", "usps"), ("N3", "usps")]


def test_partial_poll_error_stores_what_arrived(engine: Engine, refresh_uow: UowFactory) -> None:
    for n in ("X", "Y", "Z"):
        add(engine, n)
    got = update("X", (timedelta(days=1), "Delivered", Status.DELIVERED))
    stray = update("NOT-ASKED", (timedelta(days=1), "Delivered", Status.DELIVERED))
    poller = FakePoller(
        {}, fail={1: PollError("Y: auth failed", responses=[response(got, stray)], failed=["Y"])}
    )
    report = refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=50)
    assert (report.batches_partial, report.batches_failed, report.updates) == (1, 0, 1)
    assert report.updates_ignored == 1 and report.answered == 2 and report.ok
    assert report.errors == ["batch 1/1 (3 numbers): Y: auth failed"]
    assert shipment(engine, "X").status == "delivered"
    assert due(refresh_uow) == [("Y", "usps")]  # Z was answered, Y was not
    with Session(engine) as session:
        assert session.scalar(select(t.Shipment.id).where(t.Shipment.tracking_number == "NOT-ASKED")) is None  # fmt: skip


def test_poll_error_without_anything_is_a_failed_batch(
    engine: Engine, refresh_uow: UowFactory
) -> None:
    add(engine, "X")
    poller = FakePoller({}, fail={1: PollError("all down", failed=["X"])})
    report = refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=50)
    assert (report.batches_failed, report.answered) == (1, 0)
    assert due(refresh_uow) == [("X", "usps")]


def test_arguments_are_checked(refresh_uow: UowFactory) -> None:
    poller = FakePoller({})
    with pytest.raises(ValueError, match="batch_size"):
        refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=1, batch_size=0)  # fmt: skip
    assert refresh_active(refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=0).selected == 0  # fmt: skip
    assert poller.calls == []


# --------------------------------------------------------------------------- 17TRACK


def seventeen_track_transport(seen: list[Any]) -> httpx.MockTransport:
    body = (FIXTURES / "tracking" / "17track_gettrackinfo.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/gettrackinfo")
        assert request.headers["17token"] == "test-key"
        seen.append(json.loads(request.content))
        return httpx.Response(200, content=body)

    return httpx.MockTransport(handler)


def test_17track_pull_poller_feeds_ingestion(engine: Engine, refresh_uow: UowFactory) -> None:
    add(engine, "1Z2617V10397725789", "100002")
    add(engine, "RR123456789CN", "china_post")
    add(engine, "XX000", "")
    seen: list[Any] = []
    client = SeventeenTrackClient(
        "test-key", transport=seventeen_track_transport(seen), sleep=lambda s: None
    )
    with client:
        report = refresh_active(
            refresh_uow, SeventeenTrackPoller(client), FixedClock(NOW), stale_after=STALE, limit=9
        )
    assert seen == [[{"number": "1Z2617V10397725789", "carrier": 100002},
                     {"number": "RR123456789CN"}, {"number": "XX000"}]]  # fmt: skip
    assert (report.batches_partial, report.updates, report.answered) == (1, 2, 3)
    assert "17track rejected 1 numbers: XX000: -18019909" in report.errors[0]
    ups = shipment(engine, "1Z2617V10397725789")
    assert (ups.status, ups.node) == ("out_for_delivery", Node.OUT_FOR_DELIVERY.value)
    assert due(refresh_uow) == []
    # 17TRACK's answer is kept byte for byte, and every polled event points at it
    body = (FIXTURES / "tracking" / "17track_gettrackinfo.json").read_bytes()
    assert report.payloads_new == 1
    (kept,) = payloads(engine)
    assert (kept.source, kept.body) == ("17track:gettrackinfo", body)
    assert json.loads(kept.headers) == {"asked": ["1Z2617V10397725789", "RR123456789CN", "XX000"]}
    assert kept.content_sha256 == hashlib.sha256(body).hexdigest()
    assert event_payloads(engine) == {kept.id}


# --------------------------------------------------------------------------- karrio


USPS_NUMBER = "9400109104250532908587"


def test_karrio_poller_feeds_ingestion_with_carrier_offsets(
    engine: Engine, refresh_uow: UowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parceldesk.adapters.tracking.karrio_carriers.poller import KarrioPoller

    http = stub_karrio(monkeypatch)
    http.route(f"/tracking/v3/tracking/{USPS_NUMBER}", load(f"usps_v3_tracking_{USPS_NUMBER}.json"))
    add(engine, USPS_NUMBER, "USPS")
    add(engine, "YT2530821234567890", "yunexpress")  # no karrio gateway: not selected
    poller = KarrioPoller.from_settings({"usps": SETTINGS["usps"]})
    report = refresh_active(
        refresh_uow, poller, FixedClock(NOW), stale_after=STALE, limit=10,
        carriers=poller.carrier_filter(),
    )  # fmt: skip
    assert (report.selected, report.updates, report.ingest.events_new) == (1, 1, 12)
    row = shipment(engine, USPS_NUMBER)
    assert (row.status, row.node, row.event_count) == ("delivered", "delivered", 12)
    assert row.delivered_at == datetime(2024, 11, 22, 18, 58, tzinfo=UTC)
    with Session(engine) as session:
        offsets = set(session.scalars(select(t.TrackingEvent.utc_offset_minutes)))
        sources = set(session.scalars(select(t.TrackingEvent.source)))
    assert offsets == {-300} and sources == {"karrio:usps"}
    (kept,) = payloads(engine)
    usps_body = load(f"usps_v3_tracking_{USPS_NUMBER}.json").encode()
    assert (kept.source, kept.body) == ("karrio:usps", usps_body)
    assert event_payloads(engine) == {kept.id}


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6h", timedelta(hours=6)), ("90m", timedelta(minutes=90)),
     ("1d12h", timedelta(days=1, hours=12)), ("2w", timedelta(weeks=2)),
     ("1.5h", timedelta(minutes=90))],
)  # fmt: skip
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert refresh_cmds.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "0h", "6h junk"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        refresh_cmds.parse_duration(text)


def cli() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(refresh_cmds.app, name="track")  # the registration the lead adds
    return root


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    return url, engine


def test_cli_needs_credentials_from_the_environment(
    sqlite_db: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_db
    for var in (refresh_cmds.SEVENTEEN_TRACK_KEY_ENV, "PARCELDESK_USPS_CLIENT_ID",
                "PARCELDESK_USPS_CLIENT_SECRET", "PARCELDESK_UPS_CLIENT_ID",
                "PARCELDESK_UPS_CLIENT_SECRET", "PARCELDESK_FEDEX_TRACK_API_KEY",
                "PARCELDESK_FEDEX_TRACK_SECRET_KEY", "PARCELDESK_DHL_API_KEY"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)

    def invoke(provider: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli(), ["track", "refresh", provider, "--db", url])
        return result.exit_code, " ".join(result.output.split())

    code, out = invoke("17track")
    assert code == 2 and "PARCELDESK_SEVENTEEN_TRACK_API_KEY is not set" in out
    code, out = invoke("karrio")
    assert code == 2 and "no carrier credentials set" in out
    monkeypatch.setenv("PARCELDESK_USPS_CLIENT_ID", "id")
    code, out = invoke("karrio")
    assert code == 2 and "usps: PARCELDESK_USPS_CLIENT_SECRET not set" in out


def test_cli_17track_refresh(
    sqlite_db: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine = sqlite_db
    add(engine, "1Z2617V10397725789", "100002")
    add(engine, "XX000", "")
    seen: list[Any] = []

    class _Client(SeventeenTrackClient):
        def __init__(self, api_key: str, **kw: Any) -> None:
            super().__init__(
                api_key, transport=seventeen_track_transport(seen), sleep=lambda s: None
            )

    monkeypatch.setattr(st_client, "SeventeenTrackClient", _Client)
    monkeypatch.setenv(refresh_cmds.SEVENTEEN_TRACK_KEY_ENV, "test-key")
    args = ["track", "refresh", "17track", "--db", url, "--as-of", NOW.isoformat(),
            "--stale-after", "6h", "--limit", "10"]  # fmt: skip
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "17track: 2 parcels due, 1 batches (0 failed, 1 partial)" in out
    assert "events new 1" in out
    assert "warning: batch 1/1 (2 numbers): 17track rejected 1 numbers" in out
    assert len(seen) == 1
    again = CliRunner().invoke(cli(), [*args, "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["selected"] == 0
