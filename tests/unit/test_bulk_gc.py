"""``fewer_gc_passes`` raises the young-generation threshold and always restores it."""

from __future__ import annotations

import gc

import pytest

from parceldesk.services.bulk_gc import fewer_gc_passes


def test_threshold_is_raised_inside_and_restored_after_nesting_and_errors() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_gc_passes():
            assert gc.get_threshold() == (100_000, 10, 10)
            with fewer_gc_passes():  # a second import at the same time
                assert gc.get_threshold()[0] == 100_000
            assert gc.get_threshold()[0] == 100_000  # the first is still running
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(RuntimeError), fewer_gc_passes():
            raise RuntimeError("import failed")
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(250_000, 10, 10)  # a higher threshold set by the host is kept
        with fewer_gc_passes():
            assert gc.get_threshold()[0] == 250_000
    finally:
        gc.set_threshold(*before)


def test_a_job_may_ask_for_a_higher_threshold_and_a_second_job_never_lowers_it() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_gc_passes(500_000):
            assert gc.get_threshold() == (500_000, 10, 10)
            with fewer_gc_passes():  # the default of a job started meanwhile
                assert gc.get_threshold()[0] == 500_000
        assert gc.get_threshold() == (700, 10, 10)
        with fewer_gc_passes():
            with fewer_gc_passes(500_000):
                assert gc.get_threshold()[0] == 500_000
            assert gc.get_threshold()[0] == 500_000  # raised until the last one ends
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_the_bulk_tracking_paths_collect_less_often_while_they_read() -> None:
    from datetime import UTC, datetime

    from parceldesk.adapters.clock import FixedClock
    from parceldesk.services.bulk_ingest import ingest_message_lines, ingest_update_stream

    seen: list[int] = []

    def rejected_rows():  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold()[0])
        yield (2, "bad row")

    def no_lines():  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold()[0])
        yield from ()

    def unused():  # type: ignore[no-untyped-def]
        raise AssertionError("nothing to store")

    before = gc.get_threshold()
    clock = FixedClock(datetime(2026, 12, 2, tzinfo=UTC))
    try:
        gc.set_threshold(700, 10, 10)
        report = ingest_update_stream(unused, rejected_rows(), clock=clock)
        assert report.rejected == 1
        ingest_message_lines(unused, no_lines(), source="17track", parse=list, clock=clock)
        assert seen == [100_000, 100_000]
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
