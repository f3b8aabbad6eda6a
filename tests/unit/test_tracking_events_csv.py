"""The simple events CSV: one-event updates, row problems that say where, and speed."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.tracking import events_csv
from parceldesk.adapters.tracking.events_csv import COLUMNS, RowProblem, iter_updates
from parceldesk.domain.taxonomy import ExceptionReason as R
from parceldesk.domain.taxonomy import Node as N
from parceldesk.domain.taxonomy import Status as S
from parceldesk.services.tracking_records import LinkedLeg, PayloadError, TrackingUpdate

HEADER = ",".join(COLUMNS)


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_become_one_event_updates(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + HEADER + "\n"
        "YT1,yunexpress,2026-08-03T10:20:56+08:00,\"SHENZHEN, GD, CN\",已到达【深圳转运中心】,,\n"
        "YT1,yunexpress,2026-08-05T09:00:00Z,\"LOS ANGELES, CA, US\",Held by customs,exception,X1\n"
        "YT1,yunexpress,2026-08-06T09:00:00-07:00,,Parcel scanned,In Transit,\n"
        "\n"
        "YT2,yunexpress,2026-08-07T09:00:00-07:00,,\"Handed over to USPS 9400 1000 0000 0000 0000 02\",,\n")  # fmt: skip
    items = list(iter_updates(path))
    assert all(isinstance(i, TrackingUpdate) for i in items) and len(items) == 4
    first, held, plain, handover = (i for i in items if isinstance(i, TrackingUpdate))
    (e,) = first.events
    assert (first.source, first.tracking_number, first.carrier) == (
        "events_csv",
        "YT1",
        "yunexpress",
    )
    assert (
        e.occurred_at == datetime(2026, 8, 3, 2, 20, 56, tzinfo=UTC) and e.utc_offset_minutes == 480
    )
    assert (e.status, e.node) == (S.IN_TRANSIT, N.ORIGIN_FACILITY)  # empty status: classifier
    assert held.events[0].status is S.EXCEPTION and held.events[0].reason is R.CUSTOMS_HOLD
    assert held.events[0].raw_code == "X1" and held.events[0].location == "LOS ANGELES, CA, US"
    assert plain.events[0].status is S.IN_TRANSIT  # "In Transit" is forgiven
    assert handover.linked == (LinkedLeg("9400100000000000000002", "usps", "last_mile"),)


def test_row_problems_name_file_row_column_reason(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n"
        "A,c,2026-08-03T10:20:56,x,desc,,\n"
        "A,c,03/08/2026 10:20,x,desc,,\n"
        ",c,2026-08-03T10:20:56Z,x,desc,,\n"
        "A,c,2026-08-03T10:20:56Z,x,desc,teleported,\n"
        "A,c,2026-08-03T10:20:56Z\n"
        "A,c, 2026-08-03T10:20:56Z ,x,desc,delivered,\n"
        "A,c,1900-01-01T00:00:00Z,x,desc,,\n")  # fmt: skip
    items = list(iter_updates(path))
    problems = [i for i in items if isinstance(i, RowProblem)]
    assert [(p.row, p.column) for p in problems] == [
        (2, "event_time"), (3, "event_time"), (4, "tracking_number"), (5, "status"), (6, "*"),
        (8, "event_time"),
    ]  # fmt: skip
    assert "has no UTC offset" in problems[0].reason and problems[0].file == str(path)
    assert str(problems[0]).startswith(f"{path}:2: column 'event_time': has no UTC offset")
    assert "expected one of pending, info_received" in problems[3].reason
    assert isinstance(items[5], TrackingUpdate) and items[5].events[0].status is S.DELIVERED


def test_header_rules(tmp_path: Path) -> None:
    reordered = write(tmp_path, "Event_Time,Tracking_Number,Extra\n2026-08-03T10:20:56Z,A,zzz\n")
    (u,) = list(iter_updates(reordered))
    assert isinstance(u, TrackingUpdate) and u.carrier == "" and u.events[0].description == ""
    with pytest.raises(PayloadError, match="missing column"):
        list(iter_updates(write(tmp_path, "tracking_number,carrier\nA,b\n", "bad.csv")))
    with pytest.raises(PayloadError, match="empty file"):
        list(iter_updates(write(tmp_path, "", "empty.csv")))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"\nA,\xff\xfe,2026-08-03T10:20:56Z,,,,\n")
    with pytest.raises(PayloadError, match="not a readable UTF-8 CSV"):
        list(iter_updates(binary))


@pytest.mark.slow
def test_a_million_rows_well_under_a_minute(tmp_path: Path) -> None:
    texts = [
        ('"SHENZHEN, GD, CN"', "已到达【深圳转运中心】", ""),
        ('"LOS ANGELES, CA, US"', "Arrived at USPS Regional Facility", "in_transit"),
        ('"PHOENIX, AZ, US"', "Out for Delivery", ""),
        ('"PHOENIX, AZ, US"', '"Delivered, In/At Mailbox"', "delivered"),
        ('"HONG KONG, HK"', "Flight departed from Hong Kong", ""),
    ]
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        block = []
        for i in range(10_000):
            loc, desc, status = texts[i % len(texts)]
            block.append(f"YT{i:016d},yunexpress,2026-08-{1 + i % 28:02d}T{i % 24:02d}:15:00+08:00,"
                         f"{loc},{desc},{status},C{i % 7}\n")  # fmt: skip
        chunk = "".join(block)
        for _ in range(100):
            fh.write(chunk)
    start = time.perf_counter()
    count = 0
    for item in iter_updates(path):
        assert isinstance(item, TrackingUpdate)
        count += 1
    elapsed = time.perf_counter() - start
    assert count == 1_000_000
    assert elapsed < 45, f"1M rows took {elapsed:.1f}s"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 64))
def test_file_parts_are_the_file_split_at_line_ends(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, size: int
) -> None:
    path = tmp_path_factory.mktemp("parts") / "f.csv"
    path.write_bytes(content)
    parts = list(events_csv.file_parts(path, size))
    assert b"".join(parts) == content
    assert all(p.endswith(b"\n") for p in parts[:-1]) and all(parts)
    assert all(len(p) <= size or b"\n" not in p[size:-1] for p in parts)  # no bigger than needed


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["YT1", "YT2", "YT3"]),
            st.sampled_from(["yun", ""]),
            st.integers(0, 50),
            st.booleans(),
        ),
        max_size=30,
    ),
    st.integers(1, 4),
)
def test_runs_hold_the_same_events_and_problems_as_rows(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, str, int, bool]],
    max_run: int,
) -> None:
    """``iter_runs`` (what ingestion reads) groups consecutive rows of one parcel and
    changes nothing else: same events in the same order, same linked legs, same problems."""
    lines = [HEADER]
    for number, carrier, hour, good in rows:
        when = f"2026-08-03T{hour % 24:02d}:{hour:02d}:00+08:00" if good else "yesterday"
        text = f"Handed over to USPS 9400 1000 0000 0000 0000 {hour:02d}" if hour % 7 == 0 else "x"
        lines.append(f"{number},{carrier},{when},Shenzhen,{text},,")
    path = tmp_path_factory.mktemp("runs") / "e.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    original = events_csv.MAX_RUN
    events_csv.MAX_RUN = max_run
    try:
        runs = list(events_csv.iter_runs(path))
    finally:
        events_csv.MAX_RUN = original
    singles = list(iter_updates(path))
    problems = [p for p in singles if isinstance(p, RowProblem)]
    assert [p for p in runs if isinstance(p, RowProblem)] == problems
    one = [u for u in singles if isinstance(u, TrackingUpdate)]
    grouped = [u for u in runs if isinstance(u, TrackingUpdate)]
    assert [(u.tracking_number, u.carrier, e) for u in grouped for e in u.events] == [
        (u.tracking_number, u.carrier, u.events[0]) for u in one
    ]
    assert all(1 <= len(u.events) <= max_run for u in grouped)
    for a, b in itertools.pairwise(grouped):  # a run ends where the parcel changes
        assert (a.tracking_number, a.carrier) != (b.tracking_number, b.carrier) or (
            len(a.events) == max_run
        )
    for u in grouped:
        legs = {leg for s in one if (s.tracking_number, s.carrier) == (u.tracking_number, u.carrier)
                and s.events[0] in u.events for leg in s.linked}  # fmt: skip
        assert set(u.linked) == legs
