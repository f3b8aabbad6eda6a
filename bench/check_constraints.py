"""Benchmark: what an enum CHECK constraint costs per inserted row (ADR 0008).

Inserts 200,000 rows into an in-memory SQLite table guarded by three checks on one
11-value column, written four ways (none, ``IN`` list, equalities, ``CASE``), and prints
µs per row. With ``--pg URL`` the same for PostgreSQL (``INSERT ... SELECT`` of
generated rows, so that client round trips do not hide the check).

Usage: python bench/check_constraints.py [--rows 200000] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import sqlite3
import time

VALUES = (
    "pending", "info_received", "in_transit", "out_for_delivery", "ready_for_pickup",
    "failed_attempt", "delivered", "exception", "returning", "returned", "expired",
)  # fmt: skip
LISTED = ", ".join(f"'{v}'" for v in VALUES)
CHECKS = {
    "none": "1 = 1",
    "in": f"s IS NULL OR s IN ({LISTED})",
    "equalities": "s IS NULL OR " + " OR ".join(f"s = '{v}'" for v in VALUES),
    "case": "CASE WHEN s IS NULL THEN 1 "
    + " ".join(f"WHEN s = '{v}' THEN 1" for v in VALUES)
    + " ELSE 0 END = 1",
}


def sqlite_us_per_row(check: str, rows: int) -> float:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, CHECK ({check}),"
                f" CHECK ({check}), CHECK ({check}))")  # fmt: skip
    data = [(VALUES[i % len(VALUES)],) for i in range(rows)]
    con.execute("BEGIN")
    start = time.perf_counter()
    con.executemany("INSERT INTO t (s) VALUES (?)", data)
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed / rows * 1e6


def pg_us_per_row(url: str, check: str, rows: int) -> float:
    import psycopg

    with psycopg.connect(url) as con:
        con.execute("DROP TABLE IF EXISTS bench_checks")
        con.execute(f"CREATE TABLE bench_checks (id serial PRIMARY KEY, s varchar(20),"
                    f" CHECK ({check}), CHECK ({check}), CHECK ({check}))")  # fmt: skip
        start = time.perf_counter()
        con.execute(
            f"INSERT INTO bench_checks (s) SELECT (ARRAY[{LISTED}])[1 + g % {len(VALUES)}]"
            f" FROM generate_series(1, {rows}) g"
        )
        elapsed = time.perf_counter() - start
        con.execute("DROP TABLE bench_checks")
    return elapsed / rows * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pg", default="", help="also measure this PostgreSQL database")
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}, {args.rows} rows, three checks:")
    for name, check in CHECKS.items():
        print(f"  {name:11s} {sqlite_us_per_row(check, args.rows):6.2f} µs/row")
    if args.pg:
        print("PostgreSQL:")
        for name, check in CHECKS.items():
            print(f"  {name:11s} {pg_us_per_row(args.pg, check, args.rows):6.2f} µs/row")


if __name__ == "__main__":
    main()
