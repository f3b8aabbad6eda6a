"""The webhook HTTP contract, through FastAPI's TestClient, on SQLite and PostgreSQL.

Contract (docs/adr/0003-tracking-ingestion.md, ``entrypoints/api/app.py``):
413 over the size limit and 401 for a bad or missing signature, both storing nothing;
400 with the reason (kept as a dead letter) for a body we cannot parse; 200 only after the
commit; a duplicate answers 200 ``status: duplicate`` and changes nothing; 503 when the
provider's secret is not configured.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased
from starlette.exceptions import StarletteDeprecationWarning

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.tracking.aftership import signature as aftership_signature
from parceldesk.adapters.tracking.seventeen_track import signature as seventeen_signature
from parceldesk.adapters.tracking.webhooks import parse_ndjson_line
from parceldesk.bootstrap import build
from parceldesk.config import Settings
from parceldesk.entrypoints.api.app import create_app
from parceldesk.sim.writer import generate_world
from tests.conftest import NOW
from tests.integration.helpers import run_orders

with warnings.catch_warnings():
    # Starlette >= 1.x asks for the ``httpx2`` fork under its TestClient and warns (an
    # error under filterwarnings=error) when it falls back to ``httpx``, which still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

SECRETS = {"17track": "test-17track-security-key", "aftership": "test-aftership-webhook-secret"}
SIGN: dict[str, Callable[[bytes, str], str]] = {
    "17track": seventeen_signature.sign,
    "aftership": aftership_signature.sign,
}
HEADER = {"17track": "sign", "aftership": "aftership-hmac-sha256"}
PATH = {"17track": "/webhooks/17track", "aftership": "/webhooks/aftership"}
PROVIDERS = ("17track", "aftership")
TABLES = {
    "inbound_payloads": t.InboundPayload,
    "tracking_events": t.TrackingEvent,
    "shipments": t.Shipment,
    "dead_letters": t.DeadLetter,
}
NOTHING = dict.fromkeys(TABLES, 0)
SMALL_LIMIT = 4096


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class World:
    orders_csv: Path
    bodies: dict[str, list[bytes]]  # provider -> webhook bodies in generation order

    def first(self, provider: str) -> bytes:
        return self.bodies[provider][0]

    def pushes_of(self, provider: str, number: str) -> list[bytes]:
        return [b for b in self.bodies[provider] if number_of(provider, b) == number]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("webhook-world")
    summary = generate_world(out, orders=12, days=30, seed=20261122)
    bodies = {
        p: [
            line
            for line in summary.files[f"tracking-{p}.ndjson"].read_bytes().splitlines()
            if line.strip()
        ]
        for p in PROVIDERS
    }
    assert all(len(b) >= 10 for b in bodies.values()), {p: len(b) for p, b in bodies.items()}
    return World(summary.files["orders.csv"], bodies)


@dataclass
class Api:
    client: TestClient
    engine: Engine

    def post(
        self,
        provider: str,
        body: bytes | Iterator[bytes],
        *,
        signature: str | None = None,
        sign_with: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body``, signed with the configured secret unless told otherwise."""
        sent = dict(headers or {})
        if signature is None and isinstance(body, bytes):
            key = SECRETS[provider] if sign_with is None else sign_with
            signature = SIGN[provider](body, key)
        if signature is not None:
            sent[HEADER[provider]] = signature
        sent.setdefault("content-type", "application/json")
        return self.client.post(PATH[provider], content=body, headers=sent)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: conn.scalar(select(func.count()).select_from(table)) or 0
                for name, table in TABLES.items()
            }

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every row of every table the webhook path writes, for "nothing changed"."""
        with self.engine.connect() as conn:
            return [
                tuple(row)
                for table in TABLES.values()
                for row in conn.execute(select(table).order_by(table.id)).all()
            ]


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiFactory]:
    for name in ("SEVENTEEN_TRACK_SECRET", "AFTERSHIP_SECRET", "WEBHOOK_MAX_BYTES", "DEMO_MODE"):
        monkeypatch.delenv(f"PARCELDESK_{name}", raising=False)
    with ExitStack() as stack:

        def make(**overrides: Any) -> Api:
            raise_errors = overrides.pop("raise_server_exceptions", True)
            values: dict[str, Any] = {
                "database_url": db_url,
                "seventeen_track_secret": SECRETS["17track"],
                "aftership_secret": SECRETS["aftership"],
                **overrides,
            }
            pd = build(Settings(**values))
            stack.callback(pd.close)
            client = stack.enter_context(
                TestClient(create_app(pd), raise_server_exceptions=raise_errors)
            )
            return Api(client, pd.engine)

        yield make


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api()


# --------------------------------------------------------------------------- helpers


def number_of(provider: str, body: bytes) -> str:
    return parse_ndjson_line(provider, body)[0].tracking_number


def event_count(provider: str, body: bytes) -> int:
    return sum(len(u.events) for u in parse_ndjson_line(provider, body))


def richest(world: World, provider: str) -> str:
    """The tracking number with the most pushes (and so the longest history)."""
    numbers = [number_of(provider, b) for b in world.bodies[provider]]
    return max(sorted(set(numbers)), key=numbers.count)


def shipment_states(engine: Engine) -> dict[str, tuple[Any, ...]]:
    leg = aliased(t.Shipment)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.Shipment.tracking_number, t.Shipment.status, t.Shipment.node,
                t.Shipment.reason, t.Shipment.event_count, t.Shipment.first_event_at,
                t.Shipment.last_event_at, t.Shipment.delivered_at, t.Shipment.leg_role,
                leg.tracking_number,
            ).outerjoin(leg, leg.id == t.Shipment.linked_leg_id)
        ).all()  # fmt: skip
    return {r[0]: tuple(r[1:]) for r in rows}


def stored_keys(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.Shipment.tracking_number, t.TrackingEvent.dedup_key).join(
                t.Shipment, t.Shipment.id == t.TrackingEvent.shipment_id
            )
        ).all()
    return {(n, k) for n, k in rows}


def wipe_tracking(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(t.TrackingEvent))
        conn.execute(delete(t.DeadLetter))
        conn.execute(delete(t.InboundPayload))
        conn.execute(update(t.Shipment).values(linked_leg_id=None))
        conn.execute(delete(t.Shipment))


# --------------------------------------------------------------------------- health


def test_health(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("provider", PROVIDERS)
def test_signed_push_is_stored(api: Api, world: World, provider: str) -> None:
    body = world.first(provider)
    response = api.post(provider, body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["status"] == "stored"
    assert data["events_new"] == event_count(provider, body) > 0
    assert data["events_duplicate"] == 0
    counts = api.counts()
    assert counts["inbound_payloads"] == 1
    assert counts["tracking_events"] == data["events_new"]
    assert counts["shipments"] >= 1
    assert counts["dead_letters"] == 0
    with api.engine.connect() as conn:
        stored = conn.execute(select(t.InboundPayload.body, t.InboundPayload.headers)).one()
    assert bytes(stored.body) == body  # claim evidence: the bytes exactly as received
    assert HEADER[provider] in orjson.loads(stored.headers)


BAD_SIGNATURES: dict[str, Callable[[str, bytes], str | None]] = {
    "missing": lambda provider, body: None,
    "empty": lambda provider, body: "",
    "garbage": lambda provider, body: "not-a-signature",
    "other-secret": lambda provider, body: SIGN[provider](body, "someone-elses-secret"),
    "other-body": lambda provider, body: SIGN[provider](body + b" ", SECRETS[provider]),
    "other-provider-scheme": lambda provider, body: SIGN[
        "aftership" if provider == "17track" else "17track"
    ](body, SECRETS[provider]),
}


@pytest.mark.parametrize("case", sorted(BAD_SIGNATURES))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_bad_or_missing_signature_is_401_and_stores_nothing(
    api: Api, world: World, provider: str, case: str
) -> None:
    body = world.first(provider)
    signature = BAD_SIGNATURES[case](provider, body)
    headers = {}
    if signature is not None:
        headers[HEADER[provider]] = signature
    response = api.client.post(PATH[provider], content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert "signature" in response.json()["error"]
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_signature_of_the_other_provider_secret_is_rejected(
    api: Api, world: World, provider: str
) -> None:
    other = "aftership" if provider == "17track" else "17track"
    body = world.first(provider)
    response = api.post(provider, body, sign_with=SECRETS[other])
    assert response.status_code == 401
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unsigned_garbage_is_401_not_a_dead_letter(api: Api, provider: str) -> None:
    """Only authenticated bodies may fill the dead-letter table."""
    response = api.post(provider, b'{"event": ', signature="0" * 64)
    assert response.status_code == 401
    assert api.counts() == NOTHING


# --------------------------------------------------------------------------- unparseable


MALFORMED = {
    "truncated-json": (b'{"event": "TRACKING_UPDATED", "data": {"number": ', "not valid JSON"),
    "empty": (b"", "not valid JSON"),
    "not-utf8": (b'{"event": "\xff\xfe"}', "not valid JSON"),
    "json-array": (b"[]", "must be a JSON object"),
    "unknown-event": (b'{"event": "SOMETHING_ELSE", "data": {}}', "unknown event"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_unparseable_body_is_400_with_reason_and_a_dead_letter(
    api: Api, provider: str, case: str
) -> None:
    body, expected = MALFORMED[case]
    response = api.post(provider, body, headers={"user-agent": "provider-test/1.0"})
    assert response.status_code == 400, response.text
    reason = response.json()["error"]
    assert expected in reason
    assert api.counts() == {**NOTHING, "dead_letters": 1}
    with api.engine.connect() as conn:
        dead = conn.execute(
            select(
                t.DeadLetter.source, t.DeadLetter.reason, t.DeadLetter.body, t.DeadLetter.headers
            )
        ).one()
    assert dead.source == provider
    assert dead.reason == reason
    assert bytes(dead.body) == body
    assert orjson.loads(dead.headers)["user-agent"] == "provider-test/1.0"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_missing_tracking_number_is_a_dead_letter(api: Api, world: World, provider: str) -> None:
    doc = orjson.loads(world.first(provider))
    if provider == "17track":
        del doc["data"]["number"]
    else:
        del doc["msg"]["tracking_number"]
    response = api.post(provider, orjson.dumps(doc))
    assert response.status_code == 400
    assert "tracking_number" in response.json()["error"] or "number" in response.json()["error"]
    assert api.counts() == {**NOTHING, "dead_letters": 1}


# --------------------------------------------------------------------------- size limit


def _padded(body: bytes, size: int) -> bytes:
    """``body`` with trailing whitespace up to ``size`` bytes: still valid JSON."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


def _small_body(world: World, provider: str) -> bytes:
    body = min(world.bodies[provider], key=len)
    assert len(body) < SMALL_LIMIT
    return body


@pytest.mark.parametrize("provider", PROVIDERS)
def test_body_at_the_limit_is_accepted(make_api: ApiFactory, world: World, provider: str) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    response = api.post(provider, _padded(_small_body(world, provider), SMALL_LIMIT))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "stored"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_oversized_body_is_413_and_stores_nothing(
    make_api: ApiFactory, world: World, provider: str
) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    response = api.post(provider, _padded(_small_body(world, provider), SMALL_LIMIT + 1))
    assert response.status_code == 413
    assert str(SMALL_LIMIT) in response.json()["error"]
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_oversized_is_checked_before_the_signature(
    make_api: ApiFactory, world: World, provider: str
) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    body = _padded(_small_body(world, provider), SMALL_LIMIT * 4)
    assert api.post(provider, body, signature="wrong").status_code == 413
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_oversized_body_with_a_lying_content_length_is_413(
    make_api: ApiFactory, world: World, provider: str
) -> None:
    """The limit is enforced on the bytes read, not only on the declared length."""
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    body = _padded(_small_body(world, provider), SMALL_LIMIT * 3)
    response = api.post(provider, body, headers={"content-length": "100"})
    assert response.status_code == 413
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_declared_length_over_the_limit_is_413(
    make_api: ApiFactory, world: World, provider: str
) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    body = _small_body(world, provider)
    response = api.post(provider, body, headers={"content-length": str(SMALL_LIMIT + 1)})
    assert response.status_code == 413
    assert api.counts() == NOTHING


def _chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_oversized_chunked_body_is_413(make_api: ApiFactory, world: World, provider: str) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    body = _padded(_small_body(world, provider), SMALL_LIMIT * 3)
    signature = SIGN[provider](body, SECRETS[provider])
    response = api.post(provider, _chunks(body), signature=signature)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert api.counts() == NOTHING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_chunked_body_within_the_limit_is_stored(
    make_api: ApiFactory, world: World, provider: str
) -> None:
    api = make_api(webhook_max_bytes=SMALL_LIMIT)
    body = _small_body(world, provider)
    signature = SIGN[provider](body, SECRETS[provider])
    response = api.post(provider, _chunks(body, 100), signature=signature)
    assert response.status_code == 200, response.text
    assert response.json()["events_new"] == event_count(provider, body)


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize("provider", PROVIDERS)
def test_duplicate_delivery_is_200_duplicate_and_changes_nothing(
    api: Api, world: World, provider: str
) -> None:
    body = world.first(provider)
    assert api.post(provider, body).json()["status"] == "stored"
    before = api.snapshot()
    for _ in range(2):
        response = api.post(provider, body)
        assert response.status_code == 200
        assert response.json() == {
            "status": "duplicate",
            "events_new": 0,
            "events_duplicate": 0,
            "unmatched": [],
        }
    assert api.snapshot() == before


def _redelivered(body: bytes, ts_shift: int = 0) -> bytes:
    """The same AfterShip message (same ``event_id``) in other bytes."""
    doc = orjson.loads(body)
    doc["ts"] = int(doc["ts"]) + ts_shift
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("ts_shift", [0, 90])
def test_aftership_redelivery_with_same_event_id_is_a_duplicate(
    api: Api, world: World, ts_shift: int
) -> None:
    body = world.first("aftership")
    assert api.post("aftership", body).json()["status"] == "stored"
    before = api.snapshot()
    again = _redelivered(body, ts_shift)
    assert again != body
    response = api.post("aftership", again)
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert api.snapshot() == before


def test_aftership_event_id_wins_over_content(api: Api, world: World) -> None:
    """A later push re-sent under an earlier ``event_id`` is the earlier message."""
    number = richest(world, "aftership")
    first, later = world.pushes_of("aftership", number)[:2]
    assert api.post("aftership", first).json()["status"] == "stored"
    before = api.snapshot()
    doc = orjson.loads(later)
    doc["event_id"] = orjson.loads(first)["event_id"]
    response = api.post("aftership", orjson.dumps(doc))
    assert response.json()["status"] == "duplicate"
    assert api.snapshot() == before


def test_same_17track_content_in_other_bytes_stores_no_new_event(api: Api, world: World) -> None:
    """17TRACK has no message id: other bytes are a new payload, but no event is doubled."""
    body = world.first("17track")
    first = api.post("17track", body).json()
    again = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
    response = api.post("17track", again)
    assert response.status_code == 200
    assert response.json()["status"] == "stored"
    assert response.json()["events_new"] == 0
    assert response.json()["events_duplicate"] == first["events_new"]
    counts = api.counts()
    assert counts["inbound_payloads"] == 2
    assert counts["tracking_events"] == first["events_new"]


# --------------------------------------------------------------------------- ordering


def _deliver_all(api: Api, items: list[tuple[str, bytes]]) -> None:
    for provider, body in items:
        response = api.post(provider, body)
        assert response.status_code == 200, response.text


def test_out_of_order_pushes_give_the_in_order_state(api: Api, world: World) -> None:
    """Every push of the simulated world, in order, reversed and shuffled: the same
    shipments, statuses, timestamps, links and stored events each time."""
    in_order = [(p, b) for p in PROVIDERS for b in world.bodies[p]]
    _deliver_all(api, in_order)
    expected_states = shipment_states(api.engine)
    expected_keys = stored_keys(api.engine)
    assert len(expected_states) >= 10
    assert any(s[0] == "delivered" for s in expected_states.values())

    rng = random.Random(7)
    shuffled = in_order[:]
    rng.shuffle(shuffled)
    for permutation in (in_order[::-1], shuffled):
        wipe_tracking(api.engine)
        _deliver_all(api, permutation)
        assert shipment_states(api.engine) == expected_states
        assert stored_keys(api.engine) == expected_keys


@pytest.mark.parametrize("provider", PROVIDERS)
def test_newest_push_first_then_older_ones(api: Api, world: World, provider: str) -> None:
    """A parcel's full history arrives first; older pushes then add nothing."""
    number = richest(world, provider)
    pushes = world.pushes_of(provider, number)
    assert len(pushes) >= 3
    api.post(provider, pushes[-1])
    state = shipment_states(api.engine)[number]
    for body in reversed(pushes[:-1]):
        response = api.post(provider, body)
        assert response.status_code == 200
        assert response.json()["events_new"] == 0
    assert shipment_states(api.engine)[number] == state


def test_concurrent_pushes_of_the_same_parcels_are_all_accepted(
    make_api: ApiFactory, world: World
) -> None:
    """Providers push a parcel's updates close together (and retry): deliveries racing
    for the same new shipment or the same events must all end in 200, not in 500s on
    unique keys, and leave the state sequential delivery leaves."""
    api = make_api()
    items = [
        (p, body)
        for p in PROVIDERS
        for number in sorted({number_of(p, b) for b in world.bodies[p]})[:4]
        for body in world.pushes_of(p, number)
    ]
    _deliver_all(api, items)
    expected_states = shipment_states(api.engine)
    expected_keys = stored_keys(api.engine)
    wipe_tracking(api.engine)

    statuses: list[int | str] = []
    lock = threading.Lock()
    pending = iter(items * 2)  # every push twice: the second is a provider's retry

    def deliver() -> None:
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            try:
                status: int | str = api.post(*item).status_code
            except Exception as exc:  # the server's exception, raised by the TestClient
                status = repr(exc)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(items) * 2, sorted(set(map(str, statuses)))
    assert shipment_states(api.engine) == expected_states
    assert stored_keys(api.engine) == expected_keys


# --------------------------------------------------------------------------- unmatched


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_tracking_number_is_stored_and_reported_unmatched(
    api: Api, world: World, provider: str
) -> None:
    body = world.first(provider)
    number = number_of(provider, body)
    response = api.post(provider, body)
    assert response.status_code == 200
    data = response.json()
    assert number in data["unmatched"]
    assert data["events_new"] > 0
    with api.engine.connect() as conn:
        ship = conn.execute(
            select(t.Shipment.id, t.Shipment.order_id, t.Shipment.event_count).where(
                t.Shipment.tracking_number == number
            )
        ).one()
        events = conn.scalar(
            select(func.count())
            .select_from(t.TrackingEvent)
            .where(t.TrackingEvent.shipment_id == ship.id)
        )
    assert ship.order_id is None
    assert events == ship.event_count == data["events_new"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_known_tracking_number_is_not_unmatched(api: Api, world: World, provider: str) -> None:
    uow_factory = lambda: SqlUnitOfWork(api.engine)  # noqa: E731
    report = run_orders(uow_factory, FixedClock(NOW), world.orders_csv)
    assert report.committed and report.shipments_new > 0
    body = world.first(provider)
    response = api.post(provider, body)
    assert response.status_code == 200
    assert number_of(provider, body) not in response.json()["unmatched"]


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("missing_secret", [None, ""])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_unconfigured_secret_is_503_and_the_other_provider_still_works(
    make_api: ApiFactory, world: World, provider: str, missing_secret: str | None
) -> None:
    field = "seventeen_track_secret" if provider == "17track" else "aftership_secret"
    api = make_api(**{field: missing_secret})
    response = api.post(provider, world.first(provider))
    assert response.status_code == 503
    assert "not configured" in response.json()["error"]
    # not even a signature made with an empty key gets in
    assert api.post(provider, world.first(provider), sign_with="").status_code == 503
    assert api.counts() == NOTHING
    other = "aftership" if provider == "17track" else "17track"
    assert api.post(other, world.first(other)).status_code == 200


# --------------------------------------------------------------------------- durability


@pytest.mark.parametrize("provider", PROVIDERS)
def test_failed_commit_is_not_acknowledged_and_the_retry_stores_everything(
    make_api: ApiFactory, world: World, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 only after the commit: when the commit fails nothing may stay behind, or the
    provider's retry would be answered "duplicate" and its events lost."""
    api = make_api(raise_server_exceptions=False)
    body = world.bodies[provider][-1]

    def broken_commit(self: SqlUnitOfWork) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patch:
        patch.setattr(SqlUnitOfWork, "commit", broken_commit)
        response = api.post(provider, body)
    assert response.status_code == 500
    assert api.counts() == NOTHING

    retry = api.post(provider, body)
    assert retry.status_code == 200
    assert retry.json()["status"] == "stored"
    assert retry.json()["events_new"] == event_count(provider, body)
