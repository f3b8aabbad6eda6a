"""The time axis dwell times are measured on: log-spaced buckets and "working time".

Why working time: a parcel at a US delivery station that was scanned on Saturday morning
and has not moved by Sunday night is not late -- nobody scans there on Sundays. Instead
of a hand-written calendar per carrier, each group of parcels (channel and node) gets a
*weekly profile* learned from when its parcels actually leave: the share of departures
in each UTC hour of the week. Time is then counted with those weights (mean 1 over a
week), so an hour in which this group's parcels never move counts for (almost) nothing
and an hour of peak departures counts more. UTC hours suffice because a group's parcels
are all in one region; the profile absorbs the offset.

Buckets: dwell times span minutes to weeks, so histograms use log-spaced edges from 30
minutes up to the 60-day horizon after which a silent, undelivered parcel counts as lost.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EDGES",
    "HORIZON_HOURS",
    "N_BUCKETS",
    "WEEK_HOURS",
    "WeekProfile",
    "bucket_of",
    "hour_of_week",
    "interpolate_log_survival",
]

#: A parcel silent this long at a node and never delivered counts as lost (issue, ADR).
HORIZON_HOURS = 60 * 24.0
WEEK_HOURS = 168
_FIRST_EDGE = 0.5
_RATIO = 1.15
_LOG_RATIO = math.log(_RATIO)


def _edges() -> tuple[float, ...]:
    edges = [0.0, _FIRST_EDGE]
    while edges[-1] * _RATIO < HORIZON_HOURS:
        edges.append(edges[-1] * _RATIO)
    edges.append(HORIZON_HOURS)
    return tuple(edges)


#: Bucket b holds durations in [EDGES[b], EDGES[b + 1]); the last edge is the horizon.
EDGES: tuple[float, ...] = _edges()
N_BUCKETS = len(EDGES) - 1
_LOG_EDGES = tuple(math.log(e) if e > 0 else -math.inf for e in EDGES)
_LAST_INNER = EDGES[-2]


def bucket_of(hours: float) -> int:
    """Index of the bucket holding a duration (clamped into [0, N_BUCKETS - 1])."""
    if hours < _FIRST_EDGE:
        return 0
    if hours >= _LAST_INNER:
        return N_BUCKETS - 1
    b = 1 + int(math.log(hours / _FIRST_EDGE) / _LOG_RATIO)
    # float rounding at an edge: settle on the bucket whose range holds the value
    if hours >= EDGES[b + 1]:
        return b + 1
    if hours < EDGES[b]:
        return b - 1
    return b


def hour_of_week(epoch_seconds: float) -> int:
    """UTC hour of the week, Monday 00:00 = 0 (1970-01-01 was a Thursday: +72 h)."""
    return int((epoch_seconds / 3600.0 + 72.0) % WEEK_HOURS)


@dataclass(frozen=True, slots=True)
class WeekProfile:
    """Weights per UTC hour of the week (mean 1); ``effective_hours`` integrates them."""

    weights: tuple[float, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def uniform(cls) -> WeekProfile:
        return cls.from_weights([1.0] * WEEK_HOURS)

    @classmethod
    def from_weights(cls, weights: Sequence[float]) -> WeekProfile:
        if len(weights) != WEEK_HOURS or min(weights) <= 0:
            raise ValueError("a week profile needs 168 positive weights")
        scale = WEEK_HOURS / math.fsum(weights)
        w = tuple(x * scale for x in weights)
        cum = [0.0]
        for x in w:
            cum.append(cum[-1] + x)
        cum[-1] = float(WEEK_HOURS)
        return cls(w, tuple(cum))

    def position(self, epoch_seconds: float) -> float:
        """Working hours from the epoch's week start to an instant (a monotone clock)."""
        hours = epoch_seconds / 3600.0 + 72.0
        weeks = hours // WEEK_HOURS
        rest = hours - weeks * WEEK_HOURS
        i = int(rest)
        if i >= WEEK_HOURS:  # float rounding just below a week boundary
            i = WEEK_HOURS - 1
        return weeks * WEEK_HOURS + self.cumulative[i] + (rest - i) * self.weights[i]

    def effective_hours(self, start: float, end: float) -> float:
        """Working hours between two instants (epoch seconds); 0 if ``end <= start``."""
        if end <= start:
            return 0.0
        return self.position(end) - self.position(start)

    def calendar_hours(self, start: float, effective: float) -> float:
        """Calendar hours from ``start`` until ``effective`` working hours have passed."""
        target = self.position(start) + effective
        weeks, rest = divmod(target, float(WEEK_HOURS))
        i = min(max(bisect_right(self.cumulative, rest) - 1, 0), WEEK_HOURS - 1)
        hours = weeks * WEEK_HOURS + i + (rest - self.cumulative[i]) / self.weights[i]
        return max(0.0, hours - (start / 3600.0 + 72.0))


def interpolate_log_survival(log_survival: Sequence[float], hours: float) -> float:
    """log S(hours) from log S at the bucket edges: linear in log-time inside a bucket
    (linear in time in the first bucket, which starts at 0); -inf at the horizon."""
    if hours <= 0:
        return log_survival[0]
    if hours >= HORIZON_HOURS:
        return log_survival[N_BUCKETS]
    b = bucket_of(hours)
    lo, hi = log_survival[b], log_survival[b + 1]
    if b == 0:
        frac = hours / EDGES[1]
    else:
        frac = (math.log(hours) - _LOG_EDGES[b]) / (_LOG_EDGES[b + 1] - _LOG_EDGES[b])
    return lo + frac * (hi - lo)
