"""``parceldesk sim evaluate``: replay a simulated world day by day through the real
import, ingestion and scan paths, and score loss detection against ``truth.csv``.

Replay. For each simulated day: import the orders whose parcels got their label that day
(canonical CSV through ``import_orders``), deliver the provider pushes whose ``sent_at``
(``pushes.csv``) falls before 23:59 UTC through ``ingest_message_lines``, then run the
scan as of 23:59 UTC. Nothing from after that instant is in the database when it scans.

Scoring (parcels, by their ``truth.csv`` outcome):

* lost parcels whose last real scan is at least ``recall_days`` before the last scan
  instant: recall = share flagged within ``recall_days`` of their last real scan, and
  the median / 90th percentile of that time to flag (a parcel never flagged counts as
  infinitely late, so a percentile is finite only when that share was flagged);
* parcels delivered in the end (even after the world's end): false-alarm rate = share
  flagged ``suspected_lost`` at any daily scan before the delivery was known.

The baseline is "no update for N days" applied to the same parcels at the same daily
scans; the best such rule at the model's false-alarm rate is the smallest N whose
false-alarm rate is not higher. The model is swept over thresholds too: an observer sees
every loss probability the scan computes, so one replay scores every threshold.

This module is a harness (like ``bootstrap``): unlike the rest of ``parceldesk.sim`` it
uses the application's services and adapters, and nothing imports it but the CLI.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.source import open_export
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.domain.detection.detectors import picked_up
from parceldesk.domain.detection.dwell import LossAssessment
from parceldesk.domain.detection.types import ShipmentSnapshot
from parceldesk.services.bulk_ingest import ingest_message_lines
from parceldesk.services.importing import import_orders
from parceldesk.services.scan import ScanConfig, run_scan

__all__ = ["EvaluationReport", "RuleFigures", "evaluate_world", "score"]

DAY = 86400.0
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
FIXED_DAYS = tuple(x / 4 for x in range(2, 241))  # 0.5 .. 60 days


@dataclass(frozen=True, slots=True)
class RuleFigures:
    rule: str
    lost: int
    flagged_in_window: int
    recall: float
    median_days: float | None
    p90_days: float | None
    delivered: int
    false_alarms: int
    false_alarm_rate: float


@dataclass(slots=True)
class EvaluationReport:
    world: str
    days: int
    shipments: int
    threshold: float
    recall_days: float
    model: RuleFigures  # at ``threshold``, from the exceptions the scans stored
    fixed: RuleFigures  # best "no update for N days" at the model's false-alarm rate
    fixed_days: float
    median_reduction: float | None  # 1 - model median / fixed median
    any_loss_flag: RuleFigures  # suspected_lost or a carrier's loss declaration
    sweep: list[RuleFigures] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        def line(f: RuleFigures) -> str:
            med = "-" if f.median_days is None else f"{f.median_days:.2f}"
            p90 = "-" if f.p90_days is None else f"{f.p90_days:.2f}"
            return (
                f"  {f.rule:<28} recall {100 * f.recall:5.1f} % ({f.flagged_in_window}/{f.lost})"
                f"  median {med:>6} d  p90 {p90:>6} d  false alarms "
                f"{100 * f.false_alarm_rate:5.2f} % ({f.false_alarms}/{f.delivered})"
            )

        reduction = "-" if self.median_reduction is None else f"{100 * self.median_reduction:.1f} %"
        out = [
            f"world {self.world}: {self.days} days, {self.shipments} parcels, replayed in "
            f"{self.seconds:.1f} s; recall within {self.recall_days:.0f} days of the last scan",
            line(self.model),
            line(self.fixed),
            f"  median time to flag {reduction} shorter than the best fixed rule at the same "
            "false-alarm rate",
            line(self.any_loss_flag),
            "threshold sweep (from the same replay):",
            *(line(f) for f in self.sweep),
        ]
        return "\n".join(out)


def _epoch(text: str) -> float | None:
    return datetime.fromisoformat(text).timestamp() if text else None


@dataclass(frozen=True, slots=True)
class _Truth:
    outcome: str
    last_real_scan: float | None
    delivered: bool


def _read_truth(path: Path) -> dict[str, _Truth]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            r["tracking_number"]: _Truth(
                r["outcome"], _epoch(r["last_real_scan_at"]), bool(r["delivered_at"])
            )
            for r in csv.DictReader(fh)
        }


def _world_span(world: Path) -> tuple[date, int]:
    """(first day, number of days) from PARAMETERS.md, which the generator writes."""
    text = (world / "PARAMETERS.md").read_text(encoding="utf-8")
    found = re.search(r"first order day (\d{4}-\d{2}-\d{2}), (\d+) days", text)
    if found is None:
        raise ValueError(f"{world}: PARAMETERS.md does not name the first day and length")
    return date.fromisoformat(found.group(1)), int(found.group(2))


def _split_orders(source: Path, out: Path, start: date, days: int) -> dict[int, Path]:
    """One canonical CSV per replay day: each order on the day its first label was made
    (its order date when nothing shipped)."""
    by_day: dict[int, list[list[str]]] = defaultdict(list)
    with source.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        order: list[list[str]] = []

        def flush() -> None:
            ships = [r[col["ship_date"]] for r in order if r[col["ship_date"]]]
            when = min(ships) if ships else order[0][col["order_date"]][:10]
            by_day[min(max((date.fromisoformat(when) - start).days, 0), days - 1)] += order

        for row in reader:
            if order and row[col["order_id"]] != order[0][col["order_id"]]:
                flush()
                order = []
            order.append(row)
        if order:
            flush()
    files: dict[int, Path] = {}
    for day, rows in by_day.items():
        files[day] = out / f"orders-day-{day:03d}.csv"
        with files[day].open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return files


class _PushFeed:
    """Provider bodies in ``pushes.csv`` order, handed out up to an instant."""

    def __init__(self, world: Path) -> None:
        self._bodies: dict[str, list[bytes]] = {}
        for source in ("17track", "aftership"):
            with (world / f"tracking-{source}.ndjson").open("rb") as fh:
                self._bodies[source] = [line.rstrip(b"\r\n") for line in fh]
        with (world / "pushes.csv").open(newline="", encoding="utf-8") as fh:
            self._schedule = [
                (_epoch(r["sent_at"]) or 0.0, r["provider"], int(r["line_no"]))
                for r in csv.DictReader(fh)
            ]
        self._next = 0

    def until(self, instant: float) -> dict[str, list[tuple[int, bytes]]]:
        due: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
        while self._next < len(self._schedule) and self._schedule[self._next][0] <= instant:
            _, source, line_no = self._schedule[self._next]
            due[source].append((line_no, self._bodies[source][line_no - 1]))
            self._next += 1
        return due


#: per tracking number, the daily scans at which it was a loss candidate:
#: (day index, loss probability, calendar hours since its last event)
Traces = dict[str, list[tuple[int, float, float]]]
#: (tracking number, "suspected_lost" or "declared") -> days on which it was open
Stored = dict[tuple[str, str], list[int]]
#: (tracking number, not before this instant) -> day index of the first flag
FirstFlag = Callable[[str, float], int | None]


def evaluate_world(
    world: Path,
    *,
    db_url: str | None = None,
    config: ScanConfig | None = None,
    recall_days: float = 30.0,
    on_day: Callable[[int, int], None] | None = None,
) -> EvaluationReport:
    """Replay ``world`` (a ``parceldesk sim generate`` directory) and score it."""
    cfg = config or ScanConfig()
    started = time.perf_counter()
    truth = _read_truth(world / "truth.csv")
    first_day, days = _world_span(world)
    traces: Traces = defaultdict(list)
    stored: Stored = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="parceldesk-eval-") as tmp:
        engine = make_engine(db_url or f"sqlite:///{tmp}/eval.sqlite")
        try:
            upgrade_schema(engine)
            orders = _split_orders(world / "orders.csv", Path(tmp), first_day, days)
            feed = _PushFeed(world)
            for k in range(days):
                at = datetime.combine(first_day, datetime.min.time(), UTC) + timedelta(
                    days=k, hours=23, minutes=59
                )
                _replay_day(engine, k, at, orders.get(k), feed, cfg, traces, stored)
                if on_day is not None:
                    on_day(k + 1, days)
        finally:
            engine.dispose()
    last_scan = datetime.combine(first_day, datetime.min.time(), UTC).timestamp() + (
        days - 1
    ) * DAY + (23 * 60 + 59) * 60  # fmt: skip
    report = score(
        truth, traces, stored, first_day=first_day, last_scan=last_scan,
        threshold=cfg.detection.loss_threshold, recall_days=recall_days,
    )  # fmt: skip
    report.world, report.days = str(world), days
    report.seconds = time.perf_counter() - started
    return report


def _replay_day(
    engine: Any,
    k: int,
    at: datetime,
    orders: Path | None,
    feed: _PushFeed,
    cfg: ScanConfig,
    traces: Traces,
    stored: Stored,
) -> None:
    clock = FixedClock(at)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    if orders is not None:
        export = open_export(orders, ctx=FormatContext(file=orders.name))
        import_orders(uow(), export, clock=clock, file_sha256=f"replay-{k}")
    for source, lines in sorted(feed.until(at.timestamp()).items()):
        parse = WEBHOOK_SOURCES[source].stage
        ingest_message_lines(uow, iter(lines), source=source, parse=parse, clock=clock)

    def observe(s: ShipmentSnapshot, a: LossAssessment) -> None:
        if picked_up(s):
            traces[s.tracking_number].append((k, a.probability, a.silent_hours))

    run_scan(uow(), as_of=at, config=cfg, observer=observe)
    with uow() as unit:
        for row in unit.exceptions.listing(kinds={"suspected_lost", "carrier_exception"}):
            if row.kind.value == "suspected_lost" or row.reason.value == "lost":
                label = "suspected_lost" if row.kind.value == "suspected_lost" else "declared"
                stored[(row.tracking_number, label)].append(k)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    value = ordered[max(0, math.ceil(q * len(ordered)) - 1)]
    return None if math.isinf(value) else value


def _figures(
    rule: str,
    truth: dict[str, _Truth],
    first_flag: FirstFlag,
    *,
    scan_at: Callable[[int], float],
    last_scan: float,
    recall_days: float,
) -> RuleFigures:
    delays: list[float] = []
    delivered = false_alarms = 0
    for number, t in truth.items():
        if t.outcome == "lost" and t.last_real_scan is not None:
            if t.last_real_scan + recall_days * DAY > last_scan:
                continue  # the world ends before its window does: not scorable
            day = first_flag(number, t.last_real_scan)  # not an earlier false alarm
            late = math.inf if day is None else (scan_at(day) - t.last_real_scan) / DAY
            delays.append(late if late <= recall_days else math.inf)
        elif t.delivered:
            delivered += 1
            false_alarms += first_flag(number, -math.inf) is not None
    hits = sum(1 for d in delays if not math.isinf(d))
    return RuleFigures(
        rule, len(delays), hits, hits / len(delays) if delays else 0.0,
        _percentile(delays, 0.5), _percentile(delays, 0.9), delivered, false_alarms,
        false_alarms / delivered if delivered else 0.0,
    )  # fmt: skip


def _probability_at_least(q: float) -> Callable[[float, float], bool]:
    return lambda probability, _hours: probability >= q


def _silent_at_least(days: float) -> Callable[[float, float], bool]:
    return lambda _probability, hours: hours >= 24 * days


def score(
    truth: dict[str, _Truth],
    traces: Traces,
    stored: Stored,
    *,
    first_day: date,
    last_scan: float,
    threshold: float,
    recall_days: float,
) -> EvaluationReport:
    """Figures for the model (stored and swept) and the best fixed-N-day rule."""
    base = datetime.combine(first_day, datetime.min.time(), UTC).timestamp() + (23 * 60 + 59) * 60

    def scan_at(day: int) -> float:
        return base + day * DAY

    def first(pred: Callable[[float, float], bool]) -> FirstFlag:
        def find(number: str, since: float) -> int | None:
            hits = (k for k, p, h in traces.get(number, ()) if scan_at(k) >= since and pred(p, h))
            return next(hits, None)

        return find

    def stored_flag(*labels: str) -> FirstFlag:
        def find(number: str, since: float) -> int | None:
            days = [k for label in labels for k in stored.get((number, label), ())]
            return min((k for k in days if scan_at(k) >= since), default=None)

        return find

    common: dict[str, Any] = {
        "scan_at": scan_at, "last_scan": last_scan, "recall_days": recall_days
    }  # fmt: skip
    model = _figures(f"model p >= {threshold:.2f}", truth, stored_flag("suspected_lost"), **common)
    any_flag = stored_flag("suspected_lost", "declared")

    declared = _figures("model or carrier declaration", truth, any_flag, **common)
    sweep = [
        _figures(f"model p >= {q:.2f}", truth, first(_probability_at_least(q)), **common)
        for q in THRESHOLDS
    ]
    fixed, fixed_days = None, FIXED_DAYS[-1]
    for n in FIXED_DAYS:
        f = _figures(f"no update for {n:g} days", truth, first(_silent_at_least(n)), **common)
        fixed, fixed_days = f, n
        if f.false_alarm_rate <= model.false_alarm_rate:
            break
    assert fixed is not None
    reduction = None
    if model.median_days is not None and fixed.median_days:
        reduction = 1.0 - model.median_days / fixed.median_days
    return EvaluationReport(
        world="", days=0, shipments=len(truth), threshold=threshold, recall_days=recall_days,
        model=model, fixed=fixed, fixed_days=fixed_days, median_reduction=reduction,
        any_loss_flag=declared, sweep=sweep,
    )  # fmt: skip
