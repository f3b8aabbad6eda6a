"""Use case: scan every parcel as of an instant and keep the exceptions table in step.

One transaction: read the parcels a scan looks at (one pass over ``shipments`` and its
cached derived state), refit the dwell model (``services.dwell``), run the detectors,
then reconcile with the open exceptions -- open what is new, refresh what still holds,
close what no longer holds (the parcel moved, was delivered...).

As-of semantics: the answer depends only on events that had both occurred and been
received by ``as_of`` -- a scan as of T answers what a scan run at T would have answered,
whatever arrived later (late pushes included). The cached state of a parcel updated after
``as_of`` is derived again from the events known then; parcels created after ``as_of`` are
not looked at.

Idempotent: a repeat scan at the same instant finds the same exceptions with the same
values and writes nothing. Scans are serialised (``ExceptionRepository.lock_for_scan``:
an advisory lock on PostgreSQL, the write lock ``BEGIN IMMEDIATE`` takes on SQLite): two
scans at once would both find an exception new and both insert it, and the second would
fail on the one-open-row-per-parcel-and-kind index. A scan that waited reads after the
first committed, so it ends as a repeat scan would.

``delivered_not_received`` is driven by buyers' reports; when a scan is given none
(``reports=None``) it leaves those exceptions as they are, rather than closing them for
lack of input.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from parceldesk.domain.detection.detectors import DetectionConfig, detect
from parceldesk.domain.detection.dwell import DwellConfig, LossAssessment
from parceldesk.domain.detection.types import (
    BuyerReport,
    DetectedException,
    ExceptionKind,
    ShipmentSnapshot,
)
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.tracking import TrackingEvent, derive_state
from parceldesk.services.dwell import FitSummary, TrainingConfig, fit_dwell_model
from parceldesk.services.ports import StoredException, UnitOfWork

__all__ = ["ScanConfig", "ScanReport", "run_scan"]

Observer = Callable[[ShipmentSnapshot, LossAssessment], None]


@dataclass(frozen=True, slots=True)
class ScanConfig:
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    dwell: DwellConfig = field(default_factory=DwellConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)


@dataclass(slots=True)
class ScanReport:
    as_of: datetime
    shipments: int = 0
    rederived: int = 0
    opened: int = 0
    refreshed: int = 0
    closed: int = 0
    open_by_kind: dict[str, int] = field(default_factory=dict)
    fit: FitSummary | None = None
    #: wall-clock seconds per phase (performance reporting only)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return sum(self.open_by_kind.values())


def _at_instant(s: ShipmentSnapshot, events: Sequence[TrackingEvent]) -> ShipmentSnapshot:
    """``s`` with its tracking state derived from ``events`` (those known at the instant)."""
    st = derive_state(events)
    return replace(
        s, status=st.status, node=st.node, reason=st.reason, last_event_at=st.last_event_at,
        delivered_at=st.delivered_at,
    )  # fmt: skip


def _changed(row: StoredException, found: DetectedException, as_of: datetime) -> bool:
    return (
        row.last_evaluated_at != as_of
        or row.reason is not found.reason
        or row.node is not found.node
        or row.explanation != found.explanation
        or row.silent_hours != found.silent_hours
        or row.loss_probability != found.loss_probability
    )


def run_scan(
    uow: UnitOfWork,
    *,
    as_of: datetime,
    config: ScanConfig | None = None,
    reports: Sequence[BuyerReport] | None = None,
    observer: Observer | None = None,
) -> ScanReport:
    """Detect every exception as of ``as_of`` and store the result (one transaction).

    ``observer`` sees every loss assessment made (the evaluation uses it to sweep
    thresholds without rescanning)."""
    if as_of.tzinfo is None:
        raise InvalidValue("the scan instant needs a timezone")
    cfg = config or ScanConfig()
    report = ScanReport(as_of=as_of)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = now - clock
        clock = now

    by_number: dict[str, list[BuyerReport]] = defaultdict(list)
    for r in reports or ():
        by_number[r.tracking_number].append(r)
    with uow:
        uow.exceptions.lock_for_scan()  # one scan at a time: see the module docstring
        snapshots, stale = uow.exceptions.scan_population(as_of, by_number.keys())
        if stale:
            events = uow.exceptions.events_known_at(stale, as_of)
            snapshots = [
                _at_instant(s, events.get(s.shipment_id, []))
                if s.shipment_id in stale else s
                for s in snapshots
            ]  # fmt: skip
        report.shipments, report.rederived = len(snapshots), len(stale)
        lap("load")
        model, report.fit = fit_dwell_model(
            uow.exceptions, as_of, training=cfg.training, dwell=cfg.dwell
        )
        lap("fit")
        found: dict[tuple[int, ExceptionKind], DetectedException] = {}
        for s in snapshots:
            exceptions, assessment = detect(
                s, as_of, model, cfg.detection, by_number.get(s.tracking_number, ()),
                assess_all=observer is not None,
            )  # fmt: skip
            for e in exceptions:
                found[(e.shipment_id, e.kind)] = e
            if observer is not None and assessment is not None:
                observer(s, assessment)
        lap("detect")
        _reconcile(uow, found, as_of, report, reports_given=reports is not None)
        uow.commit()
        lap("store")
    return report


def _reconcile(
    uow: UnitOfWork,
    found: dict[tuple[int, ExceptionKind], DetectedException],
    as_of: datetime,
    report: ScanReport,
    *,
    reports_given: bool,
) -> None:
    current = {(row.shipment_id, row.kind): row for row in uow.exceptions.open_exceptions()}
    new = [e for key, e in found.items() if key not in current]
    refresh = [
        (row.id, e) for key, e in found.items()
        if (row := current.get(key)) is not None and _changed(row, e, as_of)
    ]  # fmt: skip
    ruled_kinds = set(ExceptionKind)  # the kinds this scan may close
    if not reports_given:  # no reports, no opinion: leave those exceptions as they are
        ruled_kinds.discard(ExceptionKind.DELIVERED_NOT_RECEIVED)
    gone = [row.id for key, row in current.items() if key not in found and row.kind in ruled_kinds]
    uow.exceptions.open_new(new, as_of)
    uow.exceptions.refresh(refresh, as_of)
    uow.exceptions.close(gone, as_of)
    report.opened, report.refreshed, report.closed = len(new), len(refresh), len(gone)
    still_open = Counter(kind.value for _, kind in found)
    still_open.update(
        row.kind.value for key, row in current.items()
        if key not in found and row.kind not in ruled_kinds
    )  # fmt: skip
    report.open_by_kind = dict(sorted(still_open.items()))
