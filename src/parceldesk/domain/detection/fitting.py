"""Fitting the dwell model: observations from event histories, week profiles, shrunk
life tables. See ``dwell`` for the model itself and why it is built this way."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

from parceldesk.domain.detection.dwell import (
    DwellConfig,
    DwellModel,
    GroupFit,
    GroupPath,
    stage_of,
)
from parceldesk.domain.detection.timebase import (
    EDGES,
    HORIZON_HOURS,
    N_BUCKETS,
    WEEK_HOURS,
    WeekProfile,
    bucket_of,
)

__all__ = ["DwellModelBuilder"]

_LOST_REASON = "lost"
_LOST = math.inf  # t1 of an observation that never ends
_CENSORED = -1.0  # t1 of an observation still running at the as-of instant


def _describe(path: GroupPath) -> str:
    leaf = path[-1]
    if leaf.startswith("channel:"):
        return "this channel's parcels"
    if leaf.startswith("carrier:"):
        return "this carrier's parcels"
    if leaf.startswith("dest:"):
        return f"parcels to {leaf[5:]}"
    return "parcels"


def _prior_hazards(cfg: DwellConfig, median_hours: float | None = None) -> list[float]:
    """Hazards per bucket of the prior: a log-normal dwell plus a share that never leaves.

    ``median_hours`` scales it to a stage's own typical dwell (the median of the stage's
    completed dwells, all groups together): beyond the longest silence ever observed the
    prior is all there is, and "silent 8 days where everyone else left within a day" must
    not be judged against a generic day-long dwell."""
    median = median_hours or cfg.prior_median_hours

    def survival(hours: float) -> float:
        if hours <= 0:
            return 1.0
        z = math.log(hours / median) / cfg.prior_sigma
        moving = 0.5 * math.erfc(z / math.sqrt(2.0))
        return cfg.prior_loss_share + (1.0 - cfg.prior_loss_share) * moving

    return [1.0 - survival(EDGES[b + 1]) / survival(EDGES[b]) for b in range(N_BUCKETS)]


def _median_dwell(events: list[int]) -> float | None:
    """Median of completed dwells from their bucket counts (None without any)."""
    total = sum(events)
    if not total:
        return None
    seen = 0
    for b, n in enumerate(events):
        if n and seen + n >= total / 2:
            lo, hi = EDGES[b], EDGES[b + 1]
            return max(EDGES[1] / 2, lo + (hi - lo) * (total / 2 - seen) / n)
        seen += n
    return None


def _log_survival(hazards: list[float]) -> tuple[float, ...]:
    out = [0.0]
    for h in hazards:
        out.append(out[-1] + math.log1p(-min(h, 1.0 - 1e-12)))
    return tuple(out)


@dataclass(slots=True)
class _Counts:
    """Sufficient statistics of one group: departures per week hour, life-table counts."""

    exits: list[float] = field(default_factory=lambda: [0.0] * WEEK_HOURS)
    events: list[int] = field(default_factory=lambda: [0] * N_BUCKETS)
    censored: list[int] = field(default_factory=lambda: [0] * N_BUCKETS)
    beyond: int = 0  # never left within the horizon (lost)
    n: int = 0


class DwellModelBuilder:
    """Collects dwell observations from event histories, then fits a ``DwellModel``.

    ``add_history`` takes one parcel's events *that had occurred by* ``as_of`` (epoch
    seconds, status and node values, reason), oldest first. Observations are kept in flat
    arrays (a few bytes each) because the week profiles must be known before a dwell can
    be measured in working time, so the fit makes a second pass over them.
    """

    def __init__(self, as_of: float) -> None:
        self.as_of = as_of
        self._leaf_index: dict[tuple[GroupPath, str], int] = {}
        self._leaves: list[tuple[GroupPath, str]] = []
        self._leaf = array("l")
        self._t0 = array("d")
        self._t1 = array("d")

    @property
    def observations(self) -> int:
        return len(self._leaf)

    def add_history(
        self, path: GroupPath, events: Iterable[tuple[float, str, str | None, str | None]]
    ) -> None:
        node: str | None = None
        open_stage: str | None = None
        t_open = 0.0
        for at, status, event_node, reason in events:
            if at > self.as_of:
                break
            if open_stage is not None:
                declared_lost = status == "exception" and reason == _LOST_REASON
                self._add(path, open_stage, t_open, _LOST if declared_lost else at)
                open_stage = None
            if status == "exception" and reason == _LOST_REASON:
                return  # the carrier declared it lost: nothing after this is a dwell
            node = event_node or node
            open_stage = stage_of(status, node)
            t_open = at
        if open_stage is not None:
            self._add(path, open_stage, t_open, _CENSORED)

    def _add(self, path: GroupPath, stage: str, t0: float, t1: float) -> None:
        key = (path, stage)
        index = self._leaf_index.get(key)
        if index is None:
            index = self._leaf_index[key] = len(self._leaves)
            self._leaves.append(key)
        self._leaf.append(index)
        self._t0.append(t0)
        self._t1.append(t1)

    def build(self, config: DwellConfig | None = None) -> DwellModel:
        cfg = config or DwellConfig()
        n_leaves = len(self._leaves)
        # Pass 1: departures per week hour, per leaf (parents are sums of their leaves).
        leaf_exits = [[0.0] * WEEK_HOURS for _ in range(n_leaves)]
        for i, t1 in zip(self._leaf, self._t1, strict=True):
            if 0 <= t1 < _LOST:
                leaf_exits[i][int((t1 / 3600.0 + 72.0) % WEEK_HOURS)] += 1.0
        counts: dict[tuple[GroupPath, str], _Counts] = {}
        for (path, stage), exits in zip(self._leaves, leaf_exits, strict=True):
            for depth in range(1, len(path) + 1):
                c = counts.setdefault((path[:depth], stage), _Counts())
                c.exits = [a + b for a, b in zip(c.exits, exits, strict=True)]
        profiles = self._profiles(counts, cfg)
        # Pass 2: life-table counts per leaf, dwell measured in the leaf's working time.
        leaf_counts = [_Counts() for _ in range(n_leaves)]
        clocks = [(profiles[k].cumulative, profiles[k].weights) for k in self._leaves]
        as_of = self.as_of
        for i, t0, t1 in zip(self._leaf, self._t0, self._t1, strict=True):
            c = leaf_counts[i]
            c.n += 1
            if t1 == _LOST:
                c.beyond += 1
                continue
            cum, w = clocks[i]
            # working hours between t0 and t1 (as_of when censored): WeekProfile.position
            # inlined, as this loop runs once per observation
            x = t0 / 3600.0 + 72.0
            weeks = x // WEEK_HOURS
            rest = x - weeks * WEEK_HOURS
            j = min(int(rest), WEEK_HOURS - 1)
            start = weeks * WEEK_HOURS + cum[j] + (rest - j) * w[j]
            x = (as_of if t1 < 0 else t1) / 3600.0 + 72.0
            weeks = x // WEEK_HOURS
            rest = x - weeks * WEEK_HOURS
            j = min(int(rest), WEEK_HOURS - 1)
            hours = weeks * WEEK_HOURS + cum[j] + (rest - j) * w[j] - start
            if hours >= HORIZON_HOURS:
                if t1 < 0:  # still silent after 60 days: lost by definition
                    c.beyond += 1
                    continue
                hours = EDGES[-2]  # moved again after 60 days: a (very) late departure
            if t1 < 0:
                c.censored[bucket_of(hours)] += 1
            else:
                c.events[bucket_of(hours)] += 1
        for (path, stage), leaf in zip(self._leaves, leaf_counts, strict=True):
            for depth in range(1, len(path) + 1):
                c = counts[(path[:depth], stage)]
                c.n += leaf.n
                c.beyond += leaf.beyond
                c.events = [a + b for a, b in zip(c.events, leaf.events, strict=True)]
                c.censored = [a + b for a, b in zip(c.censored, leaf.censored, strict=True)]
        return self._fit(counts, profiles, cfg)

    @staticmethod
    def _profiles(
        counts: dict[tuple[GroupPath, str], _Counts], cfg: DwellConfig
    ) -> dict[tuple[GroupPath, str], WeekProfile]:
        shares: dict[tuple[GroupPath, str], list[float]] = {}
        profiles: dict[tuple[GroupPath, str], WeekProfile] = {}
        uniform = [1.0 / WEEK_HOURS] * WEEK_HOURS
        for key in sorted(counts, key=lambda k: len(k[0])):
            path, stage = key
            parent = shares.get((path[:-1], stage), uniform) if len(path) > 1 else uniform
            exits = counts[key].exits
            total = math.fsum(exits) + cfg.profile_strength
            share = [
                (x + cfg.profile_strength * p) / total for x, p in zip(exits, parent, strict=True)
            ]
            shares[key] = share
            floor = cfg.profile_floor
            profiles[key] = WeekProfile.from_weights(
                [floor + (1.0 - floor) * WEEK_HOURS * s for s in share]
            )
        return profiles

    @staticmethod
    def _fit(
        counts: dict[tuple[GroupPath, str], _Counts],
        profiles: dict[tuple[GroupPath, str], WeekProfile],
        cfg: DwellConfig,
    ) -> DwellModel:
        prior = GroupFit(WeekProfile.uniform(), _log_survival(_prior_hazards(cfg)), 0, "parcels")
        hazards: dict[tuple[GroupPath, str], list[float]] = {}
        groups: dict[tuple[GroupPath, str], GroupFit] = {}
        for key in sorted(counts, key=lambda k: len(k[0])):
            path, stage = key
            c = counts[key]
            if len(path) > 1:
                parent, k = hazards[(path[:-1], stage)], cfg.shrink_strength
            else:
                parent, k = _prior_hazards(cfg, _median_dwell(c.events)), cfg.prior_strength
            at_risk = float(c.n)
            own: list[float] = []
            for b in range(N_BUCKETS):
                exposed = at_risk - c.censored[b] / 2.0
                weight = exposed + k
                own.append((c.events[b] + k * parent[b]) / weight if weight > 0 else parent[b])
                at_risk -= c.events[b] + c.censored[b]
            hazards[key] = own
            groups[key] = GroupFit(profiles[key], _log_survival(own), c.n, _describe(path))
        return DwellModel(groups, prior, cfg.described_minimum)
