"""The CLI as a user runs it: real subprocesses for exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parceldesk.config import Settings
from tests.fixtures.canonical import row, write_csv


def run(*args: str, db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PARCELDESK_DATABASE_URL=db, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "parceldesk", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_version_and_template_round_trip(tmp_path: Path, db_url: str) -> None:
    assert run("--version", db=db_url, cwd=tmp_path).stdout.strip() == "parceldesk 0.1.0"
    assert run("import", "template", "--out", "t.csv", db=db_url, cwd=tmp_path).returncode == 0
    imported = run("import", "orders", "t.csv", db=db_url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "orders new 1" in imported.stdout
    listed = run("shipments", "list", "--json", db=db_url, cwd=tmp_path)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["tracking_number"] for r in rows] == ["YT2530821234567890"]
    assert rows[0]["order_id"] == "#1001" and rows[0]["status"] == "pending"


def test_invalid_file_fails_with_one_line_per_error_and_no_traceback(
    tmp_path: Path, db_url: str
) -> None:
    write_csv(tmp_path / "bad.csv", [row(quantity="-1")])
    result = run("import", "orders", "bad.csv", db=db_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "bad.csv: row 2: column 'quantity': must be a positive whole number (value '-1')"
        in " ".join(result.stderr.split())
    )
    assert "nothing was imported" in result.stderr
    summary = " ".join(result.stdout.split())
    assert "bad.csv (parceldesk): 1 rows read; rejected rows 1 — nothing stored" in summary
    assert "orders new" not in summary  # no counts of orders that were rolled back
    dry = run("import", "orders", "bad.csv", "--dry-run", db=db_url, cwd=tmp_path)
    assert dry.returncode == 1 and "orders new" not in dry.stdout
    assert "nothing stored" in dry.stdout


def test_skip_invalid_writes_side_file(tmp_path: Path, db_url: str) -> None:
    write_csv(
        tmp_path / "mixed.csv",
        [
            row(order_id="1", tracking_number="YT1111111111111111"),
            row(order_id="2", currency="ZZZ"),
        ],
    )
    result = run("import", "orders", "mixed.csv", "--skip-invalid", db=db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    side = (tmp_path / "mixed.csv.rejected.csv").read_text().splitlines()
    assert side[0].startswith("_row,_errors,order_id")
    assert side[1].startswith('3,"currency: unknown currency code')


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import", "orders", "missing.csv"), "missing.csv: no such file"),
        (("import", "orders", "x.csv", "--format", "ebay-csv"), "unknown format"),
        (("import", "orders", "x.csv", "--tz", "Mars/Olympus"), "unknown timezone"),
        (("shipments", "show", "NOPE12345"), "no parcel with tracking number"),
    ],
)
def test_user_errors_are_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "x.csv").write_text("order_id,platform,sku,quantity,tracking_number\n")
    result = run(*args, db=f"sqlite:///{tmp_path}/db.sqlite", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert message in " ".join(result.stderr.split())


def test_unreachable_database_is_reported_not_raised(tmp_path: Path) -> None:
    result = run("init", db="postgresql://nobody@127.0.0.1:1/none", cwd=tmp_path)
    assert result.returncode == 3
    assert "database unavailable" in result.stderr and "Traceback" not in result.stderr


def test_demo_mode_is_sqlite_only_and_real_secrets_have_no_default() -> None:
    plain = Settings(database_url="sqlite:///x.db")
    assert plain.seventeen_track_secret is None and plain.aftership_secret is None
    demo = Settings(database_url="sqlite:///x.db", demo_mode=True)
    assert demo.aftership_secret is not None
    with pytest.raises(ValueError, match="demo mode runs on SQLite only"):
        Settings(database_url="postgresql://x@y/z", demo_mode=True)


def test_ingest_events_csv_keeps_the_file_and_reports_bad_rows(tmp_path: Path, db_url: str) -> None:
    from sqlalchemy import select

    from parceldesk.adapters.db import tables as t
    from parceldesk.adapters.db.engine import make_engine

    (tmp_path / "scans.csv").write_bytes(
        "tracking_number,carrier,event_time,location,description,status,code\r\n"
        "YT2530821234567890,yunexpress,2026-11-01T10:00:00+08:00,Shenzhen,已揽收,,\r\n"
        "YT2530821234567890,yunexpress,2026-11-02 10:00,Shenzhen,Departed,,\r\n"
        'YT2530821234567890,yunexpress,2026-11-03T10:00:00+08:00,"Hong Kong, HK",航班已起飞,,\r\n'
        "YT2530821234567890,yunexpress,not a time,Shenzhen,?,,\r\n".encode()
    )
    assert run("init", db=db_url, cwd=tmp_path).returncode == 0
    first = run("ingest", "scans.csv", "--source", "events-csv", db=db_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "events new 2" in first.stdout and "rejected 2" in first.stdout
    assert "scans.csv:3: column 'event_time'" in first.stderr  # no offset: refused
    assert "scans.csv:5: column 'event_time'" in first.stderr
    assert "file kept as 1 raw payload part(s), 1 new" in " ".join(first.stdout.split())
    again = run("ingest", "scans.csv", "--source", "events-csv", db=db_url, cwd=tmp_path)
    assert "events new 0, duplicate 2" in again.stdout
    assert "1 raw payload part(s), 0 new" in " ".join(again.stdout.split())
    engine = make_engine(db_url)
    with engine.connect() as conn:
        kept = conn.execute(
            select(t.InboundPayload.body, t.InboundPayload.headers).where(
                t.InboundPayload.source == "events_csv"
            )
        ).all()
    engine.dispose()
    assert [body for body, _ in kept] == [(tmp_path / "scans.csv").read_bytes()]
    assert json.loads(kept[0].headers) == {"file": "scans.csv", "part": 1, "offset": 0}
