"""Two scans at once on the same database (SQLite and PostgreSQL) end as one scan would.

The race this guards against: both scans read the open exceptions, both find a parcel's
exception new, both insert it -- and the second insert fails on the partial unique index
(one open row per parcel and kind). The test forces that interleaving: each scan, right
after reading the open exceptions, waits until the other has read them too (or
``PAUSE`` passes). Without serialisation both read before either writes, and the second
commit fails; with it, the second scan waits for the first and finds nothing to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, delete

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.services.scan import ScanReport, run_scan
from tests.integration.test_scan import EXPECTED, T, open_rows, seed, table

#: how long a scan waits for the other to catch up before going on alone (seconds)
PAUSE = 1.5


class PausingUnitOfWork(SqlUnitOfWork):
    """A unit of work whose scan pauses after reading the open exceptions until the
    other scan has read them too (``mine`` says "I have read", ``theirs`` the other)."""

    def __init__(self, engine: Engine, mine: threading.Event, theirs: threading.Event) -> None:
        super().__init__(engine)
        self._mine, self._theirs = mine, theirs

    def __enter__(self) -> Self:
        super().__enter__()
        read = self.exceptions.open_exceptions

        def open_exceptions() -> list[Any]:
            rows = read()
            self._mine.set()
            self._theirs.wait(PAUSE)
            return rows

        self.exceptions.open_exceptions = open_exceptions  # type: ignore[method-assign]
        return self


def scan_twice_at_once(engine: Engine) -> list[ScanReport | BaseException]:
    a_read, b_read = threading.Event(), threading.Event()
    start = threading.Barrier(2)
    results: list[ScanReport | BaseException] = [RuntimeError("did not run")] * 2

    def one(slot: int, mine: threading.Event, theirs: threading.Event) -> None:
        start.wait()
        try:
            results[slot] = run_scan(PausingUnitOfWork(engine, mine, theirs), as_of=T)
        except BaseException as exc:  # reported by the assertions of the test
            results[slot] = exc

    threads = [
        threading.Thread(target=one, args=(0, a_read, b_read)),
        threading.Thread(target=one, args=(1, b_read, a_read)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def without_ids(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(row[1:] for row in rows)


def test_two_concurrent_scans_end_as_one_scan(
    engine: Engine, uow_factory: Callable[[], SqlUnitOfWork], tmp_path: Path
) -> None:
    seed(uow_factory, tmp_path)
    first, second = scan_twice_at_once(engine)
    assert isinstance(first, ScanReport), repr(first)
    assert isinstance(second, ScanReport), repr(second)
    found = open_rows(uow_factory)
    assert set(EXPECTED.items()) <= {(n, (k, r.reason.value)) for (n, k), r in found.items()}
    # one scan opened everything, the other found it all in place
    assert sorted((first.opened, second.opened)) == [0, len(found)]
    assert first.closed == second.closed == 0
    concurrent = table(engine)
    with engine.begin() as conn:
        conn.execute(delete(t.ShipmentException))
    run_scan(uow_factory(), as_of=T)
    assert without_ids(table(engine)) == without_ids(concurrent)
