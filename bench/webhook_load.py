"""Load test: signed 17TRACK webhooks against a real ``parceldesk serve`` on loopback.

1. Start ``parceldesk serve`` as a subprocess on a fresh SQLite database (or ``--db``).
2. Pre-generate signed 17TRACK bodies of ~``--events`` events each: real-shaped pushes
   from a simulated world (its longest histories, padded to ``--events`` with extra scans),
   each renamed to a tracking number (and last-mile number) of its own, so every request
   is a new message for a new parcel and all its events are new.
3. Run ``--workers`` concurrent asyncio workers, one keep-alive connection each, for
   ``--duration`` seconds: closed loop (as fast as the server answers), or open loop at
   ``--rate`` requests/s, where latency counts from the scheduled send time (no
   coordinated omission) and the run lasts until the last answer. The client is a minimal
   asyncio HTTP/1.1 one by default (``--client httpx`` for httpx.AsyncClient, which on a
   2-CPU machine spends ~2.5 ms of CPU per request and measures itself).
4. Report sustained requests/s, p50/p90/p99/max latency, status counts, CPU seconds of
   server and client, and the loss check: events acknowledged (2xx) vs events found in the
   database after the server stopped; lost must be 0 (exit status 1 otherwise).

Usage:
  python bench/webhook_load.py [--duration 30] [--workers 32] [--rate 0] [--events 20]
                               [--client raw|httpx] [--db URL] [--out bench/out]
                               [--py-spy FILE [--py-spy-gil]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
from sqlalchemy import func, select

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.tracking.seventeen_track import signature
from parceldesk.adapters.tracking.webhooks import parse_ndjson_line
from parceldesk.sim.writer import generate_world

SECRET = "bench-17track-security-key"
PATH = "/webhooks/17track"


# --------------------------------------------------------------------------- bodies


def _shift(event: dict[str, object], delta: timedelta, k: int) -> dict[str, object]:
    """A copy of a 17TRACK event ``delta`` earlier, as a distinct scan."""
    out = dict(event)
    local = datetime.fromisoformat(str(event["time_iso"])) - delta
    out["time_iso"] = local.isoformat()
    out["time_utc"] = local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out["description"] = f"{event['description']} (sorting scan {k})"
    return out


def _padded(body: bytes, events: int) -> bytes:
    """``body`` with scans added to its origin carrier's history until it has ``events``."""
    doc = orjson.loads(body)
    providers = doc["data"]["track_info"]["tracking"]["providers"]
    have = sum(len(p["events"]) for p in providers)
    origin = providers[-1]["events"]  # newest first; the first-mile provider is listed last
    oldest = origin[-1]
    for k in range(1, events - have + 1):
        origin.append(_shift(oldest, timedelta(minutes=47 * k), k))
    return orjson.dumps(doc)


def _renamer(number: str) -> tuple[str, int, int]:
    """Where the longest digit run of ``number`` is, to put a serial there."""
    run = max(re.finditer(r"\d+", number), key=lambda m: len(m.group()))
    return number, run.start(), run.end()


def _renamed(spec: tuple[str, int, int], serial: int) -> str:
    number, start, end = spec
    digits = f"{serial:0{end - start}d}"
    if len(digits) > end - start:
        raise ValueError(f"serial {serial} does not fit in {number}")
    return number[:start] + digits + number[end:]


@dataclass(frozen=True)
class Template:
    body: bytes
    number: tuple[str, int, int]
    local: tuple[str, int, int] | None
    events: int


def templates(work: Path, events: int, seed: int) -> list[Template]:
    """The longest 17TRACK histories of a small simulated world, padded to ``events``."""
    summary = generate_world(work / "world", orders=400, days=60, seed=seed)
    lines = summary.files["tracking-17track.ndjson"].read_bytes().splitlines()
    sized = []
    for line in lines:
        if not line.strip():
            continue
        (update,) = parse_ndjson_line("17track", line)
        sized.append((len(update.events), line, update))
    longest = max(n for n, _, _ in sized)
    out: list[Template] = []
    for n, line, update in sized:
        if n < min(longest, events) - 4:
            continue
        body = _padded(line, events) if n < events else line
        local = update.linked[0].tracking_number if update.linked else None
        if local is not None and local.encode() not in body:
            local = None
        out.append(
            Template(
                body,
                _renamer(update.tracking_number),
                _renamer(local) if local else None,
                sum(len(u.events) for u in parse_ndjson_line("17track", body)),
            )
        )
    return out


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]
    number: str
    events: int


def make_requests(tpls: list[Template], count: int) -> list[Request]:
    out = []
    for i in range(count):
        tpl = tpls[i % len(tpls)]
        number = _renamed(tpl.number, i + 1)
        body = tpl.body.replace(tpl.number[0].encode(), number.encode())
        if tpl.local is not None:
            body = body.replace(tpl.local[0].encode(), _renamed(tpl.local, i + 1).encode())
        headers = {"content-type": "application/json", "sign": signature.sign(body, SECRET)}
        out.append(Request(body, headers, number, tpl.events))
    return out


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELDESK_")}
    env["PARCELDESK_SEVENTEEN_TRACK_SECRET"] = SECRET
    script = Path(sys.executable).with_name("parceldesk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "parceldesk"]
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db],
            env=env, stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"server not healthy after 30 s:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- load


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, 2xx only
    statuses: dict[str, int] = field(default_factory=dict)
    acked: list[int] = field(default_factory=list)  # request indexes answered 2xx
    events_new_reported: int = 0
    sent: int = 0
    elapsed: float = 0.0
    ran_out: bool = False

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


Send = Callable[[Request], Awaitable[tuple[int, bytes]]]


class RawConnection:
    """One keep-alive HTTP/1.1 connection with the least client work per request: the
    request is written as bytes, the answer read by Content-Length. On this 2-CPU box
    httpx.AsyncClient costs ~2.5 ms of client CPU per request and tops out below 300 req/s
    even against ``/health``, so it would measure itself rather than the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _exchange(self, data: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            self.writer.write(data)
            await self.writer.drain()
            status = int((await self.reader.readuntil(b"\r\n")).split()[1])
            length, close = 0, False
            while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            body = await self.reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, body

    async def post(self, req: Request) -> tuple[int, bytes]:
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(req.body)}\r\n"
            f"sign: {req.headers['sign']}\r\n\r\n"
        ).encode("ascii")
        return await self._exchange(head + req.body)

    async def health(self) -> None:
        status, _ = await self._exchange(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status == 200

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_load(
    port: int,
    requests: list[Request],
    workers: int,
    duration: float,
    rate: float,
    client_kind: str,
) -> Results:
    res = Results()
    next_index = 0
    start = stop_at = 0.0

    async def drive(send: Send) -> None:
        nonlocal next_index
        while True:
            index = next_index
            if index >= len(requests):
                res.ran_out = True
                return
            next_index += 1
            if rate > 0:
                scheduled = start + index / rate
                if scheduled >= stop_at:
                    return
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                scheduled = time.perf_counter()
                if scheduled >= stop_at:
                    return
            req = requests[index]
            res.sent += 1
            try:
                status, payload = await send(req)
            except (OSError, asyncio.IncompleteReadError, httpx.TransportError) as exc:
                res.count(type(exc).__name__)
                continue
            res.count(str(status))
            if 200 <= status < 300:
                res.latencies.append(time.perf_counter() - scheduled)
                res.acked.append(index)
                res.events_new_reported += int(orjson.loads(payload)["events_new"])

    if client_kind == "raw":
        connections = [RawConnection(port) for _ in range(workers)]
        # open and warm every connection so that connect time is not in the figures
        await asyncio.gather(*(c.health() for c in connections))
        start = time.perf_counter()
        stop_at = start + duration
        await asyncio.gather(*(drive(c.post) for c in connections))
        res.elapsed = time.perf_counter() - start
        for c in connections:
            c.close()
        return res

    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30.0
    ) as client:

        async def post(req: Request) -> tuple[int, bytes]:
            response = await client.post(PATH, content=req.body, headers=req.headers)
            return response.status_code, response.content

        await asyncio.gather(*(client.get("/health") for _ in range(workers)))
        start = time.perf_counter()
        stop_at = start + duration
        await asyncio.gather(*(drive(post) for _ in range(workers)))
        res.elapsed = time.perf_counter() - start
    return res


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=32, help="concurrent requests")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop req/s; 0: closed")
    parser.add_argument("--events", type=int, default=20, help="events per body")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw",
        help="raw: minimal asyncio HTTP/1.1 client (default); httpx: httpx.AsyncClient",
    )  # fmt: skip
    parser.add_argument("--bodies", type=int, default=0, help="pre-generated (0: enough)")
    parser.add_argument("--db", default="", help="database URL (default: fresh SQLite)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--py-spy", default="", help="record the server with py-spy to FILE")
    parser.add_argument("--py-spy-gil", action="store_true", help="only samples holding the GIL")
    parser.add_argument("--out", default="bench/out", help="where webhook_load.json goes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="webhook-load-") as tmp:
        work = Path(tmp)
        db = args.db or f"sqlite:///{work / 'load.sqlite'}"
        count = args.bodies or int((args.rate or 1500) * args.duration * 1.1) + args.workers
        t0 = time.perf_counter()
        tpls = templates(work, args.events, args.seed)
        requests = make_requests(tpls, count)
        mean_events = sum(r.events for r in requests) / len(requests)
        mean_size = sum(len(r.body) for r in requests) / len(requests)
        print(
            f"prepared {len(requests)} signed bodies from {len(tpls)} templates: "
            f"{mean_events:.1f} events, {mean_size / 1024:.1f} KiB each "
            f"({time.perf_counter() - t0:.1f} s)"
        )

        port = free_port()
        log = work / "server.log"
        server = start_server(db, port, log)
        spy = None
        try:
            if args.py_spy:
                spy = subprocess.Popen(
                    ["py-spy", "record", "--pid", str(server.pid), "--output", args.py_spy,
                     "--format", "raw", "--rate", "200", "--nonblocking",
                     *(["--gil"] if args.py_spy_gil else [])],
                    stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                )  # fmt: skip
                time.sleep(1.0)
            server_cpu0, client_cpu0 = cpu_seconds(server.pid), _own_cpu()
            res = asyncio.run(
                run_load(port, requests, args.workers, args.duration, args.rate, args.client)
            )
            server_cpu = cpu_seconds(server.pid) - server_cpu0
            client_cpu = _own_cpu() - client_cpu0
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=30)
            server.terminate()
            server.wait(timeout=30)

        acked_events = sum(requests[i].events for i in res.acked)
        acked_numbers = {requests[i].number: requests[i].events for i in res.acked}
        engine = make_engine(db)
        with engine.connect() as conn:
            per_number = dict(
                conn.execute(
                    select(t.Shipment.tracking_number, func.count(t.TrackingEvent.id))
                    .join(t.TrackingEvent, t.TrackingEvent.shipment_id == t.Shipment.id)
                    .group_by(t.Shipment.tracking_number)
                ).all()
            )
            payloads = conn.scalar(select(func.count()).select_from(t.InboundPayload)) or 0
        engine.dispose()
        lost = sum(max(0, n - per_number.get(num, 0)) for num, n in acked_numbers.items())
        stored_for_acked = sum(per_number.get(num, 0) for num in acked_numbers)

        ok = len(res.acked)
        report = {
            "db": db.split(":")[0],
            "mode": f"open loop {args.rate:g} req/s" if args.rate else "closed loop",
            "client": args.client,
            "workers": args.workers,
            "duration_s": round(res.elapsed, 2),
            "requests_sent": res.sent,
            "statuses": res.statuses,
            "ran_out_of_bodies": res.ran_out,
            "req_per_s": round(ok / res.elapsed, 1),
            "events_per_s": round(acked_events / res.elapsed, 1),
            "latency_ms": {
                q: round(percentile(res.latencies, p) * 1000, 1)
                for q, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
            },
            "events_per_body": round(mean_events, 1),
            "body_kib": round(mean_size / 1024, 1),
            "server_cpu_s": round(server_cpu, 1),
            "client_cpu_s": round(client_cpu, 1),
            "cpus": os.cpu_count(),
            "acked_requests": ok,
            "acked_events": acked_events,
            "events_reported_new": res.events_new_reported,
            "events_in_db_for_acked": stored_for_acked,
            "payloads_in_db": payloads,
            "lost_events": lost,
        }
    lat = report["latency_ms"]
    print(
        f"{report['mode']}, {args.workers} workers, {report['duration_s']} s on {report['db']}: "
        f"{report['req_per_s']} req/s ({report['events_per_s']} events/s); latency p50 "
        f"{lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"
    )
    print(f"statuses {res.statuses}; sent {res.sent}; ran out of bodies: {res.ran_out}")
    print(
        f"CPU: server {report['server_cpu_s']} s, client {report['client_cpu_s']} s "
        f"over {report['duration_s']} s on {os.cpu_count()} CPUs"
    )
    print(
        f"loss check: acknowledged {ok} requests / {acked_events} events; in the database "
        f"{stored_for_acked} events for them, {payloads} payloads; lost {lost}"
    )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "webhook_load.json").write_text(json.dumps(report, indent=2) + "\n")
    if lost:
        raise SystemExit(f"LOST {lost} acknowledged events")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
