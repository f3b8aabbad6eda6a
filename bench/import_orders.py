"""Benchmark: canonical order import into SQLite (issue: foundation).

Measures, each phase in a fresh subprocess so that peak RSS belongs to that phase:
  1. first import of an N-row canonical CSV (rows/s, peak RSS), read as ``parceldesk
     import orders`` reads it: a file this large by a forked reader process
     (``adapters/importers/group_feed.py``), whose peak RSS is shown too, and the peak
     of both together as PSS (sampled every ``--pss-every`` s, default 1: pages they share
     counted once; one sample of both costs ~13 ms of CPU, so 0.1 s took ~13 % of a core)
  2. the same file again, nothing changed (rows/s, speed-up)
  3. the storage's own limit: plain sqlite3 executemany of the same rows into the
     same migrated schema, on a connection with the storage's own settings (the engine's
     raw DBAPI connection: WAL, foreign keys on, synchronous NORMAL, 64 MiB cache; one
     ``BEGIN IMMEDIATE`` transaction, as the storage's), and the ratio import / raw. ``--raw-fk-off`` also times it the way this bench did before
     2026-12-01: a bare ``sqlite3.connect`` (foreign keys off, default cache).

Usage: python bench/import_orders.py [--rows 200000] [--out bench/out] [--repeat N] [--read-here]
       [--pss-every SECONDS]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from parceldesk.services.import_records import CANONICAL_COLUMNS

PHASE = r"""
import json, os, resource, sys, threading, time
from pathlib import Path
from parceldesk.adapters.clock import SystemClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.group_feed import feed_for
from parceldesk.adapters.importers.source import open_export
from parceldesk.services.import_grouping import local_groups
from parceldesk.services.importing import import_orders
path, url, every = Path(sys.argv[1]), sys.argv[2], float(sys.argv[4])
engine = make_engine(url)
upgrade_schema(engine)
peak_pss = [0]
def sample_pss():  # this process and its reader child together; shared pages split
    me = os.getpid()
    while True:
        total = 0
        kids = open(f"/proc/{me}/task/{me}/children").read().split()
        for pid in (me, *kids):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    total += sum(int(l.split()[1]) for l in fh if l.startswith("Pss:"))
            except OSError:
                pass
        peak_pss[0] = max(peak_pss[0], total)
        time.sleep(every)
threading.Thread(target=sample_pss, daemon=True).start()
start = time.perf_counter()
export = open_export(path, ctx=FormatContext(file=path.name))
feed = local_groups if sys.argv[3] == "here" else feed_for(path)  # as the CLI chooses
report = import_orders(SqlUnitOfWork(engine), export, clock=SystemClock(), file_sha256="bench",
                      feed=feed)
elapsed = time.perf_counter() - start
assert report.committed and report.ok, report.errors[:3]
print(json.dumps({"rows": report.rows, "seconds": elapsed, "new": report.orders_new,
                  "unchanged": report.orders_unchanged,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "pss_mb": peak_pss[0] / 1024}))
"""

RAW = r"""
import csv, json, resource, sqlite3, sys, time
from datetime import datetime, timezone
from pathlib import Path
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
path, db, bare = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "bare"
engine = make_engine(f"sqlite:///{db}")
upgrade_schema(engine)
now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
start = time.perf_counter()
if bare:  # the pre-2026-12-01 baseline: foreign keys off, default page cache
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA synchronous=NORMAL")
else:  # the storage's own connection settings (engine.py's pragmas), one transaction
    con = engine.raw_connection().driver_connection
    assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert con.isolation_level is None  # the driver opens no transaction: begin as the storage does
    con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO stores (id, name, platform, timezone, created_at) VALUES (1, 'bench', 'shopify', 'UTC', ?)", (now,))
orders, lines, ships, seen, rows = [], [], [], {}, 0
with path.open(newline="", encoding="utf-8") as fh:
    for r in csv.DictReader(fh):
        rows += 1
        oid = seen.get(r["order_id"])
        if oid is None:
            oid = seen[r["order_id"]] = len(seen) + 1
            orders.append((oid, 1, r["platform"], r["order_id"], r["order_date"], r["currency"], r["buyer_name"],
                           r["buyer_email"], r["buyer_phone"], r["ship_to_line1"], r["ship_to_line2"], r["ship_to_city"],
                           r["ship_to_state"], r["ship_to_postal_code"], r["ship_to_country"], "h", now, now))
            ships.append((r["tracking_number"], oid, 1, r["carrier"], r["channel"], "", "", r["ship_to_country"],
                          r["ship_date"], r["promised_date"], r["declared_value"], "USD", 0, "single", "pending", 0, now, now))
        lines.append((oid, rows, r["sku"], r["item_name"], int(r["quantity"]), r["unit_price"], r["unit_cost"], r["currency"]))
con.executemany("INSERT INTO orders (id, store_id, platform, platform_order_id, order_date, currency, buyer_name, buyer_email, buyer_phone, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country, content_hash, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)
con.executemany("INSERT INTO order_lines (order_id, line_no, sku, name, quantity, unit_price, unit_cost, currency) VALUES (?,?,?,?,?,?,?,?)", lines)
con.executemany("INSERT INTO shipments (tracking_number, order_id, store_id, carrier, channel, service, origin_country, destination_country, ship_date, promised_date, declared_value, value_currency, signature_required, leg_role, status, event_count, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ships)
con.commit()
elapsed = time.perf_counter() - start
print(json.dumps({"rows": rows, "seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    written, order_no = 0, 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANONICAL_COLUMNS)
        while written < rows:
            order_no += 1
            n_lines = min(rng.choice((1, 1, 1, 2, 2, 3)), rows - written)
            tracking = f"YT{2500000000000000 + order_no:016d}"
            day = 1 + order_no % 28
            for i in range(n_lines):
                writer.writerow([
                    f"B{order_no:07d}", "shopify", "bench-store", f"2026-10-{day:02d}T10:{i:02d}:00+08:00",
                    f"Buyer {order_no}", f"b{order_no}@example.com", "+1 415 555 0100", f"{order_no} Main St", "",
                    "Springfield", "IL", "62701", "US", f"SKU-{rng.randint(1, 500)}", "Widget", str(rng.randint(1, 3)),
                    f"{rng.randint(100, 9999) / 100:.2f}", f"{rng.randint(50, 900) / 100:.2f}", "USD", tracking,
                    "yunexpress", "YunExpress US Standard", f"2026-10-{day:02d}", "2026-11-28",
                    "25.00", "", "false",
                ])  # fmt: skip
                written += 1


def phase(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each all three phases)")
    parser.add_argument("--raw-fk-off", action="store_true", help="also time a bare connection")
    parser.add_argument(
        "--read-here", action="store_true", help="read in the importing process (no fork)"
    )
    parser.add_argument(
        "--pss-every", type=float, default=1.0, help="seconds between memory samples"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"orders-{args.rows}.csv"
    if not csv_path.exists():
        make_file(csv_path, args.rows)
    db = args.out / "import-bench.sqlite"
    raw_db = args.out / "raw-bench.sqlite"
    print(f"file: {csv_path} ({args.rows} rows, {csv_path.stat().st_size / 1e6:.1f} MB)")
    rounds: list[tuple[float, float, float]] = []
    peaks: list[float] = []  # per round: the larger of the importing process's RSS and PSS
    for number in range(1, args.repeat + 1):
        # each round: import, the same file again, the raw limit, back to back, so that
        # the ratio compares phases run minutes apart at most (this machine drifts)
        for p in (db, raw_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
        reading = "here" if args.read_here else "auto"
        first = phase(PHASE, str(csv_path), f"sqlite:///{db}", reading, str(args.pss_every))
        second = phase(PHASE, str(csv_path), f"sqlite:///{db}", reading, str(args.pss_every))
        raw = phase(RAW, str(csv_path), str(raw_db), "storage")
        r1, r2, rr = (x["rows"] / x["seconds"] for x in (first, second, raw))
        rounds.append((r1, r2, rr))
        peaks.append(
            max(first["peak_rss_mb"], first["pss_mb"], second["peak_rss_mb"], second["pss_mb"])
        )
        if args.repeat > 1:
            print(f"round {number}:")
        print(
            f"first import : {first['seconds']:.2f} s  {r1:,.0f} rows/s  peak RSS {first['peak_rss_mb']:.0f} MB"
            f" (reader process {first['child_rss_mb']:.0f} MB; both, PSS {first['pss_mb']:.0f} MB)"
            f"  (orders new {first['new']:.0f})"
        )
        print(
            f"re-import    : {second['seconds']:.2f} s  {r2:,.0f} rows/s  peak RSS {second['peak_rss_mb']:.0f} MB"
            f" (reader process {second['child_rss_mb']:.0f} MB; both, PSS {second['pss_mb']:.0f} MB)"
            f"  (unchanged {second['unchanged']:.0f}); speed-up x{r2 / r1:.2f}"
        )
        print(
            f"raw executemany: {raw['seconds']:.2f} s  {rr:,.0f} rows/s  peak RSS {raw['peak_rss_mb']:.0f} MB"
        )
        print(f"ratio import/raw: {r1 / rr:.2f}")
    if args.repeat > 1:
        med = [statistics.median(col) for col in zip(*rounds, strict=True)]
        print(
            f"median of {args.repeat} rounds: first import {med[0]:,.0f} rows/s, re-import "
            f"{med[1]:,.0f} rows/s, raw {med[2]:,.0f} rows/s; per round speed-up "
            f"{', '.join(f'x{b / a:.2f}' for a, b, _ in rounds)}, ratio "
            f"{', '.join(f'{a / r:.2f}' for a, _, r in rounds)}"
        )
    met = (  # the targets, round by round
        ("first import >= 20,000 rows/s", sum(a >= 20_000 for a, _, _ in rounds)),
        ("re-import >= x2", sum(b >= 2 * a for a, b, _ in rounds)),
        ("ratio >= 0.4", sum(a >= 0.4 * r for a, _, r in rounds)),
        ("peak memory < 300 MB", sum(p < 300 for p in peaks)),
    )
    print("targets met: " + "; ".join(f"{name} in {n}/{len(rounds)} rounds" for name, n in met))
    if args.raw_fk_off:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{raw_db}{suffix}").unlink(missing_ok=True)
        bare = phase(RAW, str(csv_path), str(raw_db), "bare")
        rb = bare["rows"] / bare["seconds"]
        print(
            f"raw executemany, bare connection (foreign keys off, default cache): "
            f"{bare['seconds']:.2f} s  {rb:,.0f} rows/s; ratio import/bare {r1 / rb:.2f}"
        )


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"benchmark wall time {time.time() - started:.1f} s")
