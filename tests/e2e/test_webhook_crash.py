"""Crash test: a real ``parceldesk serve`` is SIGKILLed in the middle of a burst of signed
webhooks; after a restart, every event of every acknowledged request must be stored.

Then, as the providers would, every request that was *not* acknowledged is delivered
again: afterwards the database must hold every event of every body exactly once, with
derived shipment state consistent with the stored events. (A payload committed without
its events would turn that retry into a "duplicate" and lose the events for good.)

Loopback only: the server binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.tables import Base
from parceldesk.adapters.tracking.aftership import signature as aftership_signature
from parceldesk.adapters.tracking.seventeen_track import signature as seventeen_signature
from parceldesk.adapters.tracking.webhooks import parse_ndjson_line
from parceldesk.sim.writer import generate_world

pytestmark = pytest.mark.slow

SECRETS = {"17track": "e2e-17track-security-key", "aftership": "e2e-aftership-secret"}
SIGN = {"17track": seventeen_signature.sign, "aftership": aftership_signature.sign}
HEADER = {"17track": "sign", "aftership": "aftership-hmac-sha256"}
PATH = {"17track": "/webhooks/17track", "aftership": "/webhooks/aftership"}
CLIENT_THREADS = 6
KILL_AFTER_SHARE = 0.35  # SIGKILL once this share of the burst has been acknowledged
STARTUP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Delivery:
    provider: str
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        return {
            "content-type": "application/json",
            HEADER[self.provider]: SIGN[self.provider](self.body, SECRETS[self.provider]),
        }

    def keys(self) -> set[tuple[str, str]]:
        """(tracking number, event dedup key) of every event this body carries."""
        return {
            (u.tracking_number, e.dedup_key)
            for u in parse_ndjson_line(self.provider, self.body)
            for e in u.events
        }


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> list[Delivery]:
    """A small simulated world's pushes, both providers interleaved."""
    summary = generate_world(tmp_path_factory.mktemp("crash-world"), orders=40, days=30, seed=4242)
    per_provider = {
        p: [
            Delivery(p, line)
            for line in summary.files[f"tracking-{p}.ndjson"].read_bytes().splitlines()
            if line.strip()
        ]
        for p in ("17track", "aftership")
    }
    out: list[Delivery] = []
    a, b = per_provider["17track"], per_provider["aftership"]
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    assert len(out) >= 200
    return out


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``parceldesk serve`` as a real subprocess."""

    def __init__(self, db: str, log: Path) -> None:
        self.db = db
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELDESK_")}
        env["PARCELDESK_SEVENTEEN_TRACK_SECRET"] = SECRETS["17track"]
        env["PARCELDESK_AFTERSHIP_SECRET"] = SECRETS["aftership"]
        script = Path(sys.executable).with_name("parceldesk")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "parceldesk"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--db", self.db],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"server not healthy after {STARTUP_TIMEOUT} s:\n{self.log.read_text()}")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


# --------------------------------------------------------------------------- the burst


@dataclass
class Burst:
    acked: list[int] = field(default_factory=list)  # indexes of requests answered 2xx
    statuses: Counter[int | str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, index: int, outcome: int | str) -> None:
        with self.lock:
            self.statuses[outcome] += 1
            if isinstance(outcome, int) and 200 <= outcome < 300:
                self.acked.append(index)


def run_burst(server: Server, deliveries: list[Delivery], kill_after: int) -> Burst:
    """Send everything from CLIENT_THREADS threads; SIGKILL the server once ``kill_after``
    requests were acknowledged. A client stops at its first transport error."""
    burst = Burst()
    cursor = iter(range(len(deliveries)))
    cursor_lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            while True:
                with cursor_lock:
                    index = next(cursor, None)
                if index is None:
                    return
                d = deliveries[index]
                try:
                    response = http.post(PATH[d.provider], content=d.body, headers=d.headers)
                except httpx.TransportError as exc:
                    burst.record(index, type(exc).__name__)
                    return
                burst.record(index, response.status_code)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(burst.acked) < kill_after and time.monotonic() < deadline:
        time.sleep(0.002)
    server.kill()
    for thread in threads:
        thread.join(timeout=15)
    assert not any(thread.is_alive() for thread in threads)
    return burst


# --------------------------------------------------------------------------- database


def stored_keys(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.Shipment.tracking_number, t.TrackingEvent.dedup_key).join(
                t.Shipment, t.Shipment.id == t.TrackingEvent.shipment_id
            )
        ).all()
    return {(n, k) for n, k in rows}


def stored_digests(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(t.InboundPayload.content_sha256)))


def inconsistent_shipments(engine: Engine) -> list[tuple[str, int, int]]:
    """Shipments whose cached ``event_count`` disagrees with their stored events."""
    counted = (
        select(t.TrackingEvent.shipment_id, func.count().label("n"))
        .group_by(t.TrackingEvent.shipment_id)
        .subquery()
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.Shipment.tracking_number, t.Shipment.event_count, counted.c.n).join(
                counted, counted.c.shipment_id == t.Shipment.id
            )
        ).all()
    return [(n, c, m) for n, c, m in rows if c != m]


def fresh_pg(pg_url: str) -> str:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        names = ", ".join(f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'x.sqlite'}"  # created and migrated by `serve`
    return fresh_pg(request.getfixturevalue("pg_url"))


# --------------------------------------------------------------------------- the test


def test_sigkill_mid_burst_loses_no_acknowledged_event(
    deliveries: list[Delivery], servers: list[Server], server_db: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    log = tmp_path / "server.log"
    first = Server(server_db, log)
    servers.append(first)
    first.start()

    burst = run_burst(first, deliveries, kill_after=int(len(deliveries) * KILL_AFTER_SHARE))
    acked = sorted(set(burst.acked))
    unacked = sorted(set(range(len(deliveries))) - set(acked))
    assert acked, burst.statuses
    assert unacked, f"the burst finished before the kill: {burst.statuses}"
    # nothing but 2xx and transport errors from the kill; a 5xx here is a server bug
    assert all(isinstance(s, str) or 200 <= s < 300 for s in burst.statuses), burst.statuses

    second = Server(server_db, log)
    servers.append(second)
    second.start()  # also proves the database opens (and migrates) after the crash

    engine = make_engine(server_db)
    try:
        if server_db.startswith("sqlite"):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

        # 1. every acknowledged request: its bytes and every one of its events are stored
        digests = stored_digests(engine)
        missing_payloads = [
            i for i in acked if hashlib.sha256(deliveries[i].body).hexdigest() not in digests
        ]
        assert not missing_payloads, f"{len(missing_payloads)} acknowledged bodies not stored"
        acked_keys = set().union(*(deliveries[i].keys() for i in acked))
        lost = acked_keys - stored_keys(engine)
        assert not lost, f"{len(lost)} acknowledged events lost, e.g. {sorted(lost)[:3]}"
        assert not inconsistent_shipments(engine)

        # 2. the providers retry what was not acknowledged: all must now be accepted ...
        with httpx.Client(base_url=second.url, timeout=10.0) as http:
            for i in unacked:
                d = deliveries[i]
                response = http.post(PATH[d.provider], content=d.body, headers=d.headers)
                assert response.status_code == 200, response.text
                assert response.json()["status"] in {"stored", "duplicate"}
        second.stop()

        # ... and then every event of every body is stored, once, with consistent state
        all_keys = set().union(*(d.keys() for d in deliveries))
        stored = stored_keys(engine)
        assert all_keys - stored == set(), f"{len(all_keys - stored)} events never stored"
        assert stored - all_keys == set()
        assert not inconsistent_shipments(engine)
        with engine.connect() as conn:
            events = conn.scalar(select(func.count()).select_from(t.TrackingEvent))
            dead = conn.scalar(select(func.count()).select_from(t.DeadLetter))
        assert events == len(stored)  # no event stored twice
        assert dead == 0
    finally:
        engine.dispose()
    print(  # visible with -s: how the crash went
        f"\n{server_db.split(':')[0]}: {len(deliveries)} requests, {len(acked)} acknowledged "
        f"before SIGKILL, outcomes {dict(burst.statuses)}, {time.monotonic() - started:.1f} s"
    )
