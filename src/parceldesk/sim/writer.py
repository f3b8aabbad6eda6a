"""``generate_world``: stream a whole synthetic seller's world to files.

Everything is produced in one pass over orders in time order and written as it is made;
the only thing that must be *re-ordered* is the push schedule (pushes are generated per
parcel but delivered interleaved across parcels), and that goes through an external merge
sort on disk. Memory therefore stays flat from 3,000 to 200,000 orders.

Determinism: a single ``random.Random(seed)`` drives everything in a fixed order, no wall
clock and no hash-randomised iteration is consulted, so one seed gives identical bytes.
"""

from __future__ import annotations

import calendar
import csv
import heapq
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from parceldesk.sim.catalog import FX, money
from parceldesk.sim.clock import DAY, date_local, iso_local, iso_utc
from parceldesk.sim.lanes import CHANNELS
from parceldesk.sim.model import OUTCOMES, Backlog, Shipment
from parceldesk.sim.numbers import TrackingNumbers
from parceldesk.sim.orders import OrderDraft, Parcel, iter_orders, make_stores
from parceldesk.sim.paramdoc import render_parameters
from parceldesk.sim.payloads import DELIVERY, Push, render_17track, render_aftership
from parceldesk.sim.places import CN_TZ
from parceldesk.sim.world import simulate

__all__ = ["DEFAULT_START", "ORDER_COLUMNS", "TRUTH_COLUMNS", "WorldSummary", "generate_world"]

#: Default first order day, fixed so that a seed alone determines the output.
DEFAULT_START = date(2026, 8, 1)
PROVIDERS = ("17track", "aftership")
ORDER_COLUMNS = (
    "order_id", "platform", "store", "order_date", "buyer_name", "buyer_email",
    "buyer_phone", "ship_to_line1", "ship_to_line2", "ship_to_city", "ship_to_state",
    "ship_to_postal_code", "ship_to_country", "sku", "item_name", "quantity", "unit_price",
    "unit_cost", "currency", "tracking_number", "carrier", "channel", "ship_date",
    "promised_date", "declared_value", "insured_value", "signature_required",
)  # fmt: skip
TRUTH_COLUMNS = (
    "tracking_number", "order_id", "store", "lane", "channel", "carrier",
    "last_mile_tracking_number", "outcome", "lost_at_node", "last_real_scan_at",
    "delivered_at", "outcome_at", "value", "currency",
)  # fmt: skip
FILES = (
    "orders.csv",
    "tracking-17track.ndjson",
    "tracking-aftership.ndjson",
    "pushes.csv",
    "truth.csv",
    "PARAMETERS.md",
)


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """What was generated: counts by outcome and provider, and the files written."""

    out_dir: Path
    seed: int
    start: date
    days: int
    orders: int
    order_lines: int
    shipments: int
    unshipped_parcels: int
    outcomes: dict[str, int]
    outcomes_by_lane: dict[str, dict[str, int]]
    delivered_parcels: int  # parcels that reach the buyer (truth, even after the world's end)
    late_parcels: int  # ... of which after their promised_date (buyer-local date)
    late_within_3bd: int  # ... of which at most 3 business days after it
    pushes: dict[str, int]  # bodies written per provider (ndjson lines)
    deliveries: int  # rows of pushes.csv, duplicates included
    files: dict[str, Path] = field(default_factory=dict)


class _PushSorter:
    """External merge sort of (sent, provider, line) rows, so pushes.csv is in send order."""

    def __init__(self, tmp: Path, chunk: int = 250_000) -> None:
        self._tmp = tmp
        self._chunk = chunk
        self._rows: list[tuple[int, int, int]] = []
        self._files: list[Path] = []
        self.count = 0

    def add(self, sent: int, provider: int, line: int) -> None:
        self._rows.append((sent, provider, line))
        self.count += 1
        if len(self._rows) >= self._chunk:
            self._spill()

    def _spill(self) -> None:
        self._rows.sort()
        path = self._tmp / f"chunk-{len(self._files):05d}.txt"
        with path.open("w", encoding="ascii") as fh:
            fh.writelines(f"{s} {p} {n}\n" for s, p, n in self._rows)
        self._files.append(path)
        self._rows = []

    @staticmethod
    def _read(path: Path) -> Iterator[tuple[int, int, int]]:
        with path.open(encoding="ascii") as fh:
            for row in fh:
                s, p, n = row.split()
                yield int(s), int(p), int(n)

    def finish(self, out: Path) -> None:
        if self._rows:
            self._spill()
        with out.open("w", encoding="utf-8", newline="") as fh:
            fh.write("provider,line_no,sent_at\n")
            for s, p, n in heapq.merge(*(self._read(f) for f in self._files)):
                fh.write(f"{PROVIDERS[p]},{n},{iso_utc(s)}\n")


def make_backlogs(rng: random.Random, start_ts: int, days: int) -> list[Backlog]:
    """Airline backlog episodes per air channel: about one per 45 days, 4-14 days long,
    adding 2-5 days to departures. ASSUMPTION (shape of peak-season / capacity crunches)."""
    out: list[Backlog] = []
    for ch in CHANNELS.values():
        if ch.domestic:
            continue
        expected = days / 45.0
        n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        for _ in range(n):
            begin = start_ts - 10 * DAY + int(rng.random() * (days + 10) * DAY)
            length = int((4 + 10 * rng.random()) * DAY)
            out.append(Backlog(ch.name, begin, begin + length, 48 + 72 * rng.random()))
    return out


def _uses_17track(rng: random.Random, shp: Shipment, split: float) -> bool:
    """Cross-border forwarder lines live on 17TRACK, domestic and Shopee on AfterShip."""
    home_17 = not shp.channel.domestic and shp.channel.first_family != "sls"
    return rng.random() < split if home_17 else rng.random() >= split


def _parcel_fields(rng: random.Random, od: OrderDraft, p: Parcel) -> tuple[str, str, str]:
    """(declared_value, insured_value, signature_required) for one parcel."""
    value = p.value
    usd = value / FX[od.store.currency]
    declared = value if od.channel.domestic else int(value * (0.5 + 0.5 * rng.random()))
    insured = money(value) if usd >= 10000 and rng.random() < 0.35 else ""
    signature = "true" if usd >= 25000 and rng.random() < 0.6 else "false"
    return money(declared), insured, signature


def generate_world(
    out_dir: Path,
    *,
    orders: int,
    days: int,
    seed: int,
    start: date | None = None,
    stores: int = 3,
    provider_split: float = 0.85,
) -> WorldSummary:
    """Generate a deterministic world of ``orders`` orders over ``days`` days into ``out_dir``.

    ``provider_split`` is the share of parcels tracked by their lane's usual provider
    (17TRACK for cross-border forwarder lines, AfterShip for US domestic and Shopee);
    the rest go to the other provider so both adapters see every lane.
    """
    if orders < 1 or days < 1:
        raise ValueError("orders and days must be >= 1")
    if not 0.0 <= provider_split <= 1.0:
        raise ValueError("provider_split must be within [0, 1]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first_day = start or DEFAULT_START
    start_ts = calendar.timegm((first_day.year, first_day.month, first_day.day, 0, 0, 0))
    end_ts = start_ts + days * DAY
    rng = random.Random(seed)
    backlogs = make_backlogs(rng, start_ts, days)
    by_channel: dict[str, list[Backlog]] = {}
    for b in backlogs:
        by_channel.setdefault(b.channel, []).append(b)
    numbers = TrackingNumbers(rng, first_day.year)
    store_list = make_stores(stores)
    outcomes = dict.fromkeys(OUTCOMES, 0)
    by_lane: dict[str, dict[str, int]] = {}
    n_delivered = n_late = n_late_3bd = 0
    pushes = dict.fromkeys(PROVIDERS, 0)
    n_orders = n_lines = n_ship = n_unshipped = 0
    paths = {name: out_dir / name for name in FILES}
    with (
        tempfile.TemporaryDirectory(dir=out_dir, prefix=".sim-") as tmp,
        paths["orders.csv"].open("w", encoding="utf-8", newline="") as f_orders,
        paths["truth.csv"].open("w", encoding="utf-8", newline="") as f_truth,
        paths["tracking-17track.ndjson"].open("w", encoding="utf-8", newline="\n") as f_17,
        paths["tracking-aftership.ndjson"].open("w", encoding="utf-8", newline="\n") as f_as,
    ):
        sorter = _PushSorter(Path(tmp))
        ndjson: tuple[IO[str], IO[str]] = (f_17, f_as)
        w_orders = csv.writer(f_orders, lineterminator="\n")
        w_truth = csv.writer(f_truth, lineterminator="\n")
        w_orders.writerow(ORDER_COLUMNS)
        w_truth.writerow(TRUTH_COLUMNS)
        for od in iter_orders(rng, store_list, start_ts, days, orders, numbers.issue):
            n_orders += 1
            ch = od.channel
            ship_zone = od.origin.zone if ch.domestic else CN_TZ
            for parcel in od.parcels:
                shipped = parcel.label_ts < end_ts
                extra = ["", "", "", "", "", "", "", ""]
                if shipped:
                    shp = simulate(
                        rng, ch, number=parcel.number, dest=od.dest, origin=od.origin,
                        label_ts=parcel.label_ts, backlogs=by_channel.get(ch.name, []),
                        numbers=numbers,
                    )  # fmt: skip
                    n_ship += 1
                    outcomes[shp.outcome] += 1
                    lane = by_lane.setdefault(ch.lane, dict.fromkeys(OUTCOMES, 0))
                    lane[shp.outcome] += 1
                    prov = 0 if _uses_17track(rng, shp, provider_split) else 1
                    rendered: list[Push]
                    if prov == 0:
                        rendered = render_17track(
                            rng, shp, od.order_ts, parcel.label_ts, end_ts, DELIVERY
                        )
                    else:
                        rendered = render_aftership(
                            rng, shp, od.order_id, parcel.label_ts, end_ts, DELIVERY
                        )
                    for push in rendered:
                        pushes[PROVIDERS[prov]] += 1
                        ndjson[prov].write(push.body)
                        ndjson[prov].write("\n")
                        for sent in push.sends:
                            sorter.add(sent, prov, pushes[PROVIDERS[prov]])
                    ship_date = date_local(parcel.label_ts, ship_zone)
                    promised = date.fromisoformat(ship_date) + timedelta(days=ch.promised_days)
                    declared, insured, signature = _parcel_fields(rng, od, parcel)
                    if shp.delivered_at is not None:
                        n_delivered += 1
                        arrived = date.fromisoformat(date_local(shp.delivered_at, od.dest.zone))
                        if arrived > promised:
                            n_late += 1
                            n_late_3bd += _business_days(promised, arrived) <= 3
                    extra = [parcel.number, ch.carrier, ch.name, ship_date, promised.isoformat(),
                             declared, insured, signature]  # fmt: skip
                    w_truth.writerow(_truth_row(od, parcel, shp))
                else:
                    n_unshipped += 1
                for line in parcel.lines:
                    n_lines += 1
                    w_orders.writerow(
                        [od.order_id, od.store.platform, od.store.code,
                         iso_local(od.order_ts, od.store.zone), *od.buyer, *od.street,
                         od.dest.city, od.dest.state, od.postal, od.dest.country,
                         line.item.sku, line.item.name, line.quantity, money(line.unit_price),
                         money(line.unit_cost), od.store.currency, *extra]
                    )  # fmt: skip
        sorter.finish(paths["pushes.csv"])
    summary = WorldSummary(
        out_dir=out_dir,
        seed=seed,
        start=first_day,
        days=days,
        orders=n_orders,
        order_lines=n_lines,
        shipments=n_ship,
        unshipped_parcels=n_unshipped,
        outcomes=outcomes,
        outcomes_by_lane=dict(sorted(by_lane.items())),
        delivered_parcels=n_delivered,
        late_parcels=n_late,
        late_within_3bd=n_late_3bd,
        pushes=pushes,
        deliveries=sorter.count,
        files=paths,
    )
    paths["PARAMETERS.md"].write_text(
        render_parameters(summary, store_list, backlogs, provider_split, end_ts),
        encoding="utf-8",
    )
    return summary


def _business_days(after: date, until: date) -> int:
    """Monday-Friday days in (after, until]."""
    days = (until - after).days
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum((after.weekday() + i) % 7 < 5 for i in range(1, rest + 1))


def _truth_row(od: OrderDraft, parcel: Parcel, shp: Shipment) -> list[str]:
    ch = shp.channel
    return [
        shp.number,
        od.order_id,
        od.store.code,
        ch.lane,
        ch.name,
        ch.carrier,
        shp.lm_number,
        shp.outcome,
        shp.lost_at_node,
        iso_utc(shp.last_real_scan) if shp.last_real_scan is not None else "",
        iso_utc(shp.delivered_at) if shp.delivered_at is not None else "",
        iso_utc(shp.outcome_at),
        money(parcel.value),
        od.store.currency,
    ]
