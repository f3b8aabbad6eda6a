"""Benchmark: tracking ingestion (issue: tracking ingestion).

1. Events CSV bulk ingest: S shipments x 20 events through the real path
   (``adapters.tracking.events_csv`` -> ``services.bulk_ingest`` -> repositories), into
   SQLite and PostgreSQL: events/s and peak RSS. In the same run, the storage's limit: the
   same normalised rows inserted with a plain ``executemany`` (SQLite) / ``COPY``
   (PostgreSQL) into the same table, and the ratio.
2. 17TRACK full-history pushes: the same shipments as webhook bodies, one push per new
   event carrying the whole history so far, through ``ingest_message_lines`` on SQLite:
   pushes/s, new events/s, RSS sampled during the run (memory must stay flat).

Every phase runs in its own subprocess so that peak RSS is that phase's.
Usage: python bench/ingest.py [--shipments 50000] [--pushes-shipments 50000] [--skip-pg]
                              [--skip-csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

PG_ADMIN = os.environ.get(
    "PARCELDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

CHAIN = [
    ("Shenzhen, CN", "+08:00", "Shipment information received", "info_received"),
    ("Shenzhen, CN", "+08:00", "已揽收", ""),
    ("Shenzhen, CN", "+08:00", "已到达【深圳转运中心】", ""),
    ("Shenzhen, CN", "+08:00", "离开【深圳转运中心】，发往【香港】", ""),
    ("Hong Kong, HK", "+08:00", "Export customs clearance completed", "in_transit"),
    ("Hong Kong, HK", "+08:00", "航班已起飞", ""),
    ("Los Angeles, CA, US", "-07:00", "Arrived at destination country", "in_transit"),
    ("Los Angeles, CA, US", "-07:00", "Customs clearance started", "in_transit"),
    ("Los Angeles, CA, US", "-07:00", "清关完成", ""),
    ("Los Angeles, CA, US", "-07:00", "Handed over to last mile carrier USPS", "in_transit"),
    ("Los Angeles, CA, US", "-07:00", "Accepted at USPS Regional Origin Facility", ""),
    ("Los Angeles, CA, US", "-07:00", "Departed USPS Regional Facility", ""),
    ("Phoenix, AZ, US", "-07:00", "Arrived at USPS Regional Facility", ""),
    ("Phoenix, AZ, US", "-07:00", "In Transit to Next Facility", "in_transit"),
    ("Denver, CO, US", "-06:00", "Arrived at USPS Regional Destination Facility", ""),
    ("Denver, CO, US", "-06:00", "Departed USPS Regional Facility", ""),
    ("Aurora, CO, US", "-06:00", "Arrived at Post Office", ""),
    ("Aurora, CO, US", "-06:00", "Out for Delivery", "out_for_delivery"),
    ("Aurora, CO, US", "-06:00", "Delivery attempted - No access to delivery location", ""),
    ("Aurora, CO, US", "-06:00", "Delivered, In/At Mailbox", "delivered"),
]


def events_for(i: int) -> list[tuple[str, str, str, str, str, str, str]]:
    start = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=37 * i)
    rows = []
    for k, (loc, offset, desc, status) in enumerate(CHAIN):
        hours, minutes = int(offset[:3]), int(offset[0] + offset[4:])
        at = (start + timedelta(hours=9 * k + (i % 7))).astimezone(
            timezone(timedelta(hours=hours, minutes=minutes))
        )
        rows.append(
            (
                f"YT{2600000000000000 + i:016d}",
                "yunexpress",
                at.isoformat(),
                loc,
                desc,
                status,
                f"C{k:02d}",
            )
        )
    return rows


def write_events_csv(path: Path, shipments: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "tracking_number",
                "carrier",
                "event_time",
                "location",
                "description",
                "status",
                "code",
            ]
        )
        for i in range(shipments):
            w.writerows(events_for(i))


def write_pushes(path: Path, shipments: int) -> int:
    """17TRACK TRACKING_UPDATED bodies, one per new event, each with the history so far
    (newest first, as 17TRACK sends them). Interleaved across parcels like real traffic.

    Each event is serialised once and the bodies are spliced from those texts (same bytes
    as ``json.dumps`` of the whole body): 50,000 parcels make 1,000,000 bodies (~1.8 GB)."""

    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    histories: list[tuple[str, list[str]]] = []
    for i in range(shipments):
        rows = events_for(i)
        evs = [
            dumps({"time_iso": at, "time_utc": None, "description": desc, "location": loc,
                   "stage": None, "sub_status": None})
            for _, _, at, loc, desc, _, _ in rows
        ]  # fmt: skip
        head = dumps({"event": "TRACKING_UPDATED", "data": {"number": rows[0][0]}})[:-2]
        histories.append((head, evs))
    tail = (
        ',"carrier":190107,"param":null,"tag":null,"track_info":{"latest_status":'
        '{"status":"InTransit","sub_status":"InTransit_Other"},"tracking":{"providers":'
        '[{"provider":{"key":190107,"name":"YunExpress"},"events":['
    )
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for k in range(len(CHAIN)):
            for head, evs in histories:
                fh.write(f"{head}{tail}{','.join(reversed(evs[: k + 1]))}]}}]}}}}}}}}\n")
                count += 1
    return count


CSV_PHASE = r"""
import json, resource, sys, time
from pathlib import Path
from parceldesk.adapters.clock import SystemClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.tracking import events_csv
from parceldesk.services.bulk_ingest import ingest_update_stream, keep_file
path, url = Path(sys.argv[1]), sys.argv[2]
engine = make_engine(url); upgrade_schema(engine)
def items():
    for item in events_csv.iter_runs(path):
        yield (item.row, str(item)) if isinstance(item, events_csv.RowProblem) else item
t = time.perf_counter()  # as ``parceldesk ingest``: the file kept, then its rows
keep_file(lambda: SqlUnitOfWork(engine), source="events_csv", name=path.name,
          parts=events_csv.file_parts(path), clock=SystemClock())
report = ingest_update_stream(lambda: SqlUnitOfWork(engine), items(), clock=SystemClock())
elapsed = time.perf_counter() - t
print(json.dumps({"events": report.totals.events_new, "rejected": report.rejected, "seconds": elapsed,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

RAW_PHASE = r"""
import csv, json, resource, sys, time
from datetime import datetime, timezone
from pathlib import Path
from sqlalchemy import text
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.tracking.common import classify_text
from parceldesk.domain.tracking import event_dedup_key
path, url = Path(sys.argv[1]), sys.argv[2]
engine = make_engine(url); upgrade_schema(engine)
now = datetime.now(timezone.utc)
ids, rows = {}, []
with path.open(newline="", encoding="utf-8") as fh:
    for r in csv.DictReader(fh):
        sid = ids.setdefault(r["tracking_number"], len(ids) + 1)
        at = datetime.fromisoformat(r["event_time"])
        c = classify_text(r["description"], r["location"])
        rows.append((sid, at.astimezone(timezone.utc).replace(tzinfo=None), int(at.utcoffset().total_seconds() // 60),
                     r["location"], r["description"], r["code"], r["status"] or (c.status.value if c.status else "in_transit"),
                     c.node.value if c.node else None, None, "events_csv",
                     event_dedup_key(at, r["description"], r["location"], r["code"]), now.replace(tzinfo=None)))
cols = "shipment_id, occurred_at, utc_offset_minutes, location, description, raw_code, status, node, reason, source, dedup_key, received_at"
with engine.begin() as conn:
    conn.execute(text("INSERT INTO shipments (id, tracking_number, carrier, channel, service, origin_country, destination_country, signature_required, leg_role, status, event_count, created_at, updated_at) VALUES (:id, :n, 'yunexpress', '', '', '', '', false, 'single', 'pending', 0, :now, :now)"),
                 [{"id": sid, "n": n, "now": now} for n, sid in ids.items()])
raw = engine.raw_connection()
cur = raw.cursor()
t = time.perf_counter()
if url.startswith("sqlite"):
    cur.execute("BEGIN")  # our engine puts the driver in autocommit mode (see engine.py)
    cur.executemany(f"INSERT INTO tracking_events ({cols}) VALUES ({','.join('?' * 12)})",
                    [(a, b.isoformat(sep=' '), *rest[:9], rest[9].isoformat(sep=' ')) for a, b, *rest in rows])
else:
    with cur.copy(f"COPY tracking_events ({cols}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row((r[0], r[1].replace(tzinfo=timezone.utc), *r[2:11], r[11].replace(tzinfo=timezone.utc)))
raw.commit()
elapsed = time.perf_counter() - t
print(json.dumps({"events": len(rows), "seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PUSH_PHASE = r"""
import json, resource, sys, threading, time
from pathlib import Path
from parceldesk.adapters.clock import SystemClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.services.bulk_ingest import ingest_message_lines
path, url = Path(sys.argv[1]), sys.argv[2]
engine = make_engine(url); upgrade_schema(engine)
samples = []
def rss():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) / 1024 for l in fh if l.startswith("VmRSS"))
def lines():
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            yield n, line.rstrip(b"\n")
def progress(report):
    if report.lines % 50000 < 500:
        samples.append((report.lines, round(rss())))
t = time.perf_counter()
report = ingest_message_lines(lambda: SqlUnitOfWork(engine), lines(), source="17track",
                              parse=WEBHOOK_SOURCES["17track"].stage, clock=SystemClock(), on_progress=progress)
elapsed = time.perf_counter() - t
print(json.dumps({"pushes": report.lines, "events": report.totals.events_new, "seconds": elapsed,
                  "rss_samples": samples, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def phase(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_pg(name: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    admin = make_url(PG_ADMIN)
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shipments", type=int, default=50_000)
    ap.add_argument("--pushes-shipments", type=int, default=50_000)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-csv", action="store_true", help="only the 17TRACK push phase")
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"events-{args.shipments}.csv"
    if not csv_path.exists() and not args.skip_csv:
        write_events_csv(csv_path, args.shipments)
    n_events = args.shipments * len(CHAIN)
    if not args.skip_csv:
        size = csv_path.stat().st_size / 1e6
        print(f"events CSV: {csv_path} ({n_events:,} events, {size:.0f} MB)")
    targets = [("SQLite", lambda tag: fresh_sqlite(args.out / f"ingest-{tag}.sqlite"))]
    if not args.skip_pg:
        targets.append(("PostgreSQL", lambda tag: fresh_pg(f"pd_bench_{tag}")))
    for name, fresh in [] if args.skip_csv else targets:
        real = phase(CSV_PHASE, str(csv_path), fresh("csv"))
        raw = phase(RAW_PHASE, str(csv_path), fresh("raw"))
        r, rr = real["events"] / real["seconds"], raw["events"] / raw["seconds"]
        how = "executemany" if name == "SQLite" else "COPY"
        print(
            f"{name}: ingest {real['events']:,} events in {real['seconds']:.1f} s = {r:,.0f} events/s, "
            f"peak RSS {real['peak_rss_mb']:.0f} MB; raw {how} {rr:,.0f} events/s; ratio {r / rr:.2f}"
        )
    push_path = args.out / f"pushes-{args.pushes_shipments}.ndjson"
    if not push_path.exists():
        write_pushes(push_path, args.pushes_shipments)
    res = phase(PUSH_PHASE, str(push_path), fresh_sqlite(args.out / "pushes.sqlite"))
    print(
        f"17TRACK pushes ({push_path.stat().st_size / 1e9:.2f} GB): {res['pushes']:,} pushes in {res['seconds']:.1f} s = "
        f"{res['pushes'] / res['seconds']:,.0f} pushes/s, {res['events'] / res['seconds']:,.0f} new events/s; "
        f"peak RSS {res['peak_rss_mb']:.0f} MB; RSS samples (pushes, MB): {res['rss_samples']}"
    )


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"benchmark wall time {time.time() - started:.0f} s")
