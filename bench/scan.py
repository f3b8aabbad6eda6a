"""Benchmark: ``parceldesk scan`` over 200,000 active shipments / 4,000,000 events
(SQLite; PostgreSQL with ``--pg-url``).

1. Build: a migrated database filled with synthetic parcels and their events by plain
   ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) -- not through the simulator or the
   ingestion path: the point is a big database, fast. Parcels follow cross-border and domestic node chains with
   log-normal dwells; every parcel is still active (not delivered) and silent for a
   while -- most for hours, 5 % for days or weeks -- so every detector has work.
2. Scan in a fresh process: ``run_scan`` as of T, exactly what ``parceldesk scan`` runs
   first (wall time including interpreter start and imports, peak RSS of the process,
   phase breakdown load / fit / detect / store), then the same again (a repeat scan at
   the same instant: nothing to write).
3. With ``--cli``: the whole ``parceldesk scan --as-of T`` command, then ``--json``
   (printing every open exception). The command does more than the scan -- it also
   keeps cases in step with the exceptions (``services.case_sync``) -- so it is timed
   separately.

Usage: python bench/scan.py [--shipments 200000] [--events 20] [--out bench/out/scan-bench.sqlite]
       [--reuse]  (skip the build when the database exists; its exceptions are deleted first)
       [--cli]    (also time the whole ``parceldesk scan`` command)
       [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/pd_scan_bench]  (PostgreSQL
       instead of SQLite: that database is dropped and created again unless ``--reuse``)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AS_OF = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
_XB = ["label_created", "first_mile_pickup", "origin_facility", "origin_facility",
       "export_customs", "linehaul_departed", "destination_arrival", "import_customs",
       "customs_released", "last_mile_handover"]  # fmt: skip
_DOM = ["label_created", "first_mile_pickup", "origin_facility", "origin_facility"]
#: (carrier, channel, destination, chain head, median dwell hours)
CHANNELS = [
    ("yunexpress", "YunExpress US Standard", "US", _XB, 20.0),
    ("4px", "4PX Global Priority", "US", _XB, 16.0),
    ("cainiao", "Cainiao Super Economy US", "US", _XB, 28.0),
    ("china_post", "China Post ePacket US", "US", _XB, 34.0),
    ("usps", "USPS Ground Advantage", "US", _DOM, 14.0),
    ("ups", "UPS Ground", "US", _DOM, 14.0),
    ("spx", "Shopee SLS SG", "SG", _XB, 14.0),
    ("correios", "Shopee SLS BR", "BR", _XB, 48.0),
]
_EVENT_COLS = (
    "shipment_id, occurred_at, utc_offset_minutes, location, description, raw_code, status, "
    "node, reason, source, dedup_key, received_at"
)
_SHIP_COLS = (
    "id, tracking_number, carrier, channel, service, origin_country, destination_country, "
    "ship_date, promised_date, signature_required, leg_role, status, node, first_event_at, "
    "last_event_at, event_count, created_at, updated_at"
)
_fmt_cache: dict[int, str] = {}


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _fmt(epoch: float, zone: str = "") -> str:
    """Database text of a UTCDateTime, cached per minute (the build's hot spot): SQLite
    stores naive UTC text, PostgreSQL's COPY reads the same with a ``+00`` zone."""
    minute, sec = divmod(int(epoch), 60)
    head = _fmt_cache.get(minute)
    if head is None:
        head = _fmt_cache[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime(
            "%Y-%m-%d %H:%M"
        )
    return f"{head}:{sec:02d}.000000{zone}"


def rows(
    shipments: int, events_per: int, zone: str = ""
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """(shipment rows, event rows) in batches of ~200,000 events; the same data whatever
    the database (one seeded generator)."""
    rng = random.Random(20261122)
    as_of = AS_OF.timestamp()
    ship_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[object, ...]] = []
    for sid in range(1, shipments + 1):
        carrier, channel, dest, head, median = CHANNELS[sid % len(CHANNELS)]
        n = events_per + 4 - (sid - 1) % 9  # 16..24, averaging ``events_per``
        chain = (head + ["last_mile_facility"] * n)[:n]
        silent = (
            rng.expovariate(1 / 18.0) * 3600 if rng.random() < 0.95 else rng.uniform(2, 40) * 86400
        )
        t = as_of - silent
        times = [t]
        for _ in range(n - 1):
            t -= median * 3600 * math.exp(0.7 * rng.gauss(0, 1))
            times.append(t)
        times.reverse()
        for k, (at, node) in enumerate(zip(times, chain, strict=True)):
            status = "info_received" if node == "label_created" else "in_transit"
            text = _fmt(at, zone)
            event_rows.append(
                (sid, text, 0, "", f"scan {k}", "", status, node, None, "bench",
                 f"{sid:x}-{k}", text)
            )  # fmt: skip
        first, last = _fmt(times[0], zone), _fmt(times[-1], zone)
        ship_day = datetime.fromtimestamp(times[0], UTC).date()
        promised = ship_day + timedelta(
            days=rng.choice((14, 21, 28)) if head is _DOM else rng.choice((30, 40, 50))
        )
        ship_rows.append(
            (sid, f"BENCH{sid:013d}", carrier, channel, "", "CN" if head is _XB else "US", dest,
             ship_day.isoformat(), promised.isoformat(), 0, "single",
             "info_received" if chain[-1] == "label_created" else "in_transit", chain[-1],
             first, last, n, first, last)
        )  # fmt: skip
        if len(event_rows) >= 200_000:
            yield ship_rows, event_rows
            ship_rows, event_rows = [], []
    if ship_rows:
        yield ship_rows, event_rows


def build(path: Path, shipments: int, events_per: int) -> dict[str, float]:
    from parceldesk.adapters.db.engine import make_engine, upgrade_schema

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    ship_marks = ", ".join("?" * len(_SHIP_COLS.split(",")))
    event_marks = ", ".join("?" * len(_EVENT_COLS.split(",")))
    n_events = 0
    for ships, events in rows(shipments, events_per):
        conn.executemany(f"INSERT INTO shipments ({_SHIP_COLS}) VALUES ({ship_marks})", ships)
        conn.executemany(
            f"INSERT INTO tracking_events ({_EVENT_COLS}) VALUES ({event_marks})", events
        )
        n_events += len(events)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return {"build_seconds": time.perf_counter() - started, "events": n_events}


def build_pg(url: str, shipments: int, events_per: int) -> dict[str, float]:
    """The same parcels in a PostgreSQL database created afresh, by ``COPY``."""
    import psycopg
    from sqlalchemy import create_engine, make_url, text

    from parceldesk.adapters.db.engine import make_engine, upgrade_schema

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    started = time.perf_counter()
    n_events = 0
    dsn = target.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for ships, events in rows(shipments, events_per, zone="+00"):
            with cur.copy(f"COPY shipments ({_SHIP_COLS}) FROM STDIN") as copy:
                for row in ships:
                    copy.write_row(_pg_ship(row))
            with cur.copy(f"COPY tracking_events ({_EVENT_COLS}) FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
            n_events += len(events)
        # ids were given explicitly: move the sequences past them
        for table in ("shipments", "tracking_events"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")
    return {"build_seconds": time.perf_counter() - started, "events": n_events}


def _pg_ship(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # signature_required is a boolean column on PostgreSQL
    return (*row[:9], bool(row[9]), *row[10:])


_CLI = r"""
import atexit, resource, runpy, sys
atexit.register(lambda: print(f"PEAK_RSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}",
                              file=sys.stderr))
sys.argv = ["parceldesk", *sys.argv[1:]]
runpy.run_module("parceldesk", run_name="__main__")
"""


def run_cli(url: str, *extra: str) -> dict[str, float]:
    """One ``parceldesk scan`` in a fresh process: wall seconds, its peak RSS, output lines."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "scan", "--db", url, "--as-of", AS_OF.isoformat(), *extra],
        capture_output=True, text=True, check=True, env=dict(os.environ, COLUMNS="200"),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_KB")
    )
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak / 1024, 1),
        "stdout_lines": len(done.stdout.splitlines()),
    }


PHASES = r"""
import json, resource, sys, time
started = time.perf_counter()
from datetime import datetime
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.services.scan import run_scan
engine = make_engine(sys.argv[1])
report = run_scan(SqlUnitOfWork(engine), as_of=datetime.fromisoformat(sys.argv[2]))
print(json.dumps({"phases": {k: round(v, 2) for k, v in report.seconds.items()},
                  "in_process_seconds": round(time.perf_counter() - started, 2),
                  "shipments": report.shipments, "open": report.open_by_kind,
                  "opened": report.opened, "refreshed": report.refreshed, "closed": report.closed,
                  "training": {"candidates": report.fit.candidates, "sampled": report.fit.sampled,
                               "observations": report.fit.observations, "groups": report.fit.groups},
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def run_service(url: str) -> dict[str, object]:
    """One ``run_scan`` in a fresh process: wall seconds, peak RSS, phases, counts."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PHASES, url, AS_OF.isoformat()],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out: dict[str, object] = {"seconds": round(time.perf_counter() - started, 2)}
    out.update(json.loads(done.stdout))
    return out


def main() -> None:
    from sqlalchemy import text

    from parceldesk.adapters.db.engine import make_engine

    ap = argparse.ArgumentParser()
    ap.add_argument("--shipments", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path("bench/out/scan-bench.sqlite"))
    ap.add_argument("--pg-url", default=None, help="benchmark this PostgreSQL database instead")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--cli", action="store_true", help="also time the whole CLI command")
    args = ap.parse_args()
    results: dict[str, object] = {"shipments": args.shipments}
    url = args.pg_url or f"sqlite:///{args.out.resolve()}"
    results["database"] = "postgresql" if args.pg_url else "sqlite"
    if args.pg_url and not args.reuse:
        results["build"] = build_pg(args.pg_url, args.shipments, args.events)
    elif not args.pg_url and not (args.reuse and args.out.exists()):
        results["build"] = build(args.out, args.shipments, args.events)
    else:  # a reused database: forget earlier scans, so the first scan opens everything
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM shipment_exceptions"))
        engine.dispose()
    results["load_average_before"] = os.getloadavg()
    results["first_scan"] = run_service(url)
    results["repeat_scan"] = run_service(url)
    results["load_average_after_scans"] = os.getloadavg()
    if args.cli:
        results["cli_scan"] = run_cli(url)
        results["cli_json_scan"] = run_cli(url, "--json")
    engine = make_engine(url)
    with engine.connect() as conn:
        results["events"] = conn.execute(text("SELECT count(*) FROM tracking_events")).scalar()
    engine.dispose()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
