"""Property: a scan as of T gives the same answer whatever events arrive after T.

"Arrive after T" covers both events that happen later and late pushes of events that
happened before T: a scan as of T must answer what a scan run at T would have answered.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.services.scan import run_scan
from parceldesk.services.tracking_records import TrackingUpdate
from tests.integration.test_scan import T, event, histories, seed

NUMBERS = [*sorted(histories()), "YT9999999999999NEW1", "YT9999999999999NEW2"]
_baseline: dict[str, list[tuple[Any, ...]]] = {}


def answer(
    db: Path, tmp: Path, late: list[TrackingUpdate], late_clock: datetime
) -> list[tuple[Any, ...]]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        factory = lambda: SqlUnitOfWork(engine)  # noqa: E731
        seed(factory, tmp, late=late, late_clock=late_clock)
        run_scan(factory(), as_of=T)
        with factory() as uow:
            rows = uow.exceptions.listing()
    finally:
        engine.dispose()
    return [
        (r.tracking_number, r.kind, r.reason, r.node, r.silent_hours, r.loss_probability,
         r.explanation, r.first_detected_at)
        for r in rows
    ]  # fmt: skip


late_events = st.lists(
    st.tuples(
        st.sampled_from(NUMBERS),
        st.lists(
            st.tuples(
                st.floats(-300, 300),  # hours from T: before and after it
                st.sampled_from(list(Status)),
                st.none() | st.sampled_from(list(Node)),
                st.none() | st.sampled_from(list(ExceptionReason)),
            ),
            min_size=1,
            max_size=4,
        ),
    ),
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(late=late_events, arrival_hours=st.floats(0.01, 500))
def test_scan_as_of_t_ignores_everything_that_arrives_after_t(
    sqlite_template: Path, tmp_path_factory, late: list[Any], arrival_hours: float
) -> None:
    if "answer" not in _baseline:
        tmp = tmp_path_factory.mktemp("baseline")
        shutil.copyfile(sqlite_template, tmp / "db.sqlite")
        _baseline["answer"] = answer(tmp / "db.sqlite", tmp, [], T)
    updates = [
        TrackingUpdate(
            "events_csv", number, "yunexpress",
            tuple(event(T + timedelta(hours=h), s, node, reason) for h, s, node, reason in events),
        )
        for number, events in late
    ]  # fmt: skip
    tmp = tmp_path_factory.mktemp("late")
    shutil.copyfile(sqlite_template, tmp / "db.sqlite")
    got = answer(tmp / "db.sqlite", tmp, updates, T + timedelta(hours=arrival_hours))
    assert got == _baseline["answer"]
    assert any(kind.value == "suspected_lost" for _, kind, *_ in got)
