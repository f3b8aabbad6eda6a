"""Time arithmetic for the simulator: UTC offsets, working windows, heavy-tailed dwells.

Instants are plain ``int`` UTC epoch seconds. A world of 200,000 orders renders several
million timestamps; integers plus ``time.gmtime`` are several times cheaper than aware
``datetime`` objects, and they make the byte-for-byte determinism easy to reason about.

Why no ``zoneinfo``: the bytes a seed produces must not depend on the host's tz database
version. Every place we simulate either has a fixed offset (China, Hong Kong, Singapore,
the Philippines, Brazil since it dropped DST in 2019) or follows the US rule in force
since 2007 (second Sunday of March to first Sunday of November, 02:00 local), which is
implemented here in a few lines.
"""

from __future__ import annotations

import calendar
import math
import random
import time
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "DAY",
    "HOUR",
    "Window",
    "Zone",
    "date_local",
    "dwell_seconds",
    "iso_local",
    "iso_naive",
    "iso_utc",
    "local_parts",
    "offset_minutes",
    "snap_into",
]

HOUR = 3600
DAY = 86400


@dataclass(frozen=True, slots=True)
class Zone:
    """A UTC offset rule: a standard offset in minutes and whether US DST applies."""

    std_minutes: int
    us_dst: bool = False


@lru_cache(maxsize=256)
def _us_dst_bounds(year: int, std_minutes: int) -> tuple[int, int]:
    """UTC instants at which US DST starts and ends in ``year`` for a zone."""
    # Second Sunday of March and first Sunday of November (calendar: Monday == 0).
    march_first = calendar.weekday(year, 3, 1)
    start_day = 1 + (6 - march_first) % 7 + 7
    nov_first = calendar.weekday(year, 11, 1)
    end_day = 1 + (6 - nov_first) % 7
    start = calendar.timegm((year, 3, start_day, 2, 0, 0)) - std_minutes * 60
    end = calendar.timegm((year, 11, end_day, 2, 0, 0)) - (std_minutes + 60) * 60
    return start, end


def offset_minutes(zone: Zone, ts: int) -> int:
    """Offset from UTC in minutes that ``zone`` observes at instant ``ts``."""
    if not zone.us_dst:
        return zone.std_minutes
    # The approximate year is off only within days of New Year, when no US zone is on
    # DST under either candidate year's bounds, so the answer is still exact.
    start, end = _us_dst_bounds(1970 + ts // 31556952, zone.std_minutes)
    return zone.std_minutes + 60 if start <= ts < end else zone.std_minutes


def local_parts(ts: int, zone: Zone) -> time.struct_time:
    """Broken-down local wall-clock time (``tm_wday``: Monday == 0)."""
    return time.gmtime(ts + offset_minutes(zone, ts) * 60)


_ISO = "%Y-%m-%dT%H:%M:%S"


def iso_local(ts: int, zone: Zone) -> str:
    """``2026-08-01T10:15:00+08:00``: carrier-local time with its offset (17TRACK style)."""
    off = offset_minutes(zone, ts)
    sign = "+" if off >= 0 else "-"
    a = abs(off)
    return f"{time.strftime(_ISO, time.gmtime(ts + off * 60))}{sign}{a // 60:02d}:{a % 60:02d}"


def iso_naive(ts: int, zone: Zone) -> str:
    """``2026-08-01T10:15:00``: carrier-local time without offset, as AfterShip sends it."""
    return time.strftime(_ISO, time.gmtime(ts + offset_minutes(zone, ts) * 60))


def iso_utc(ts: int) -> str:
    """``2026-08-01T02:15:00Z``."""
    return time.strftime(_ISO, time.gmtime(ts)) + "Z"


@lru_cache(maxsize=4096)
def _day(day_number: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day_number * DAY))


def date_local(ts: int, zone: Zone) -> str:
    """``2026-08-01``: the local calendar date of an instant."""
    return _day((ts + offset_minutes(zone, ts) * 60) // DAY)


@dataclass(frozen=True, slots=True)
class Window:
    """When a kind of scan can happen locally: weekdays (Monday == 0) and an hour range."""

    days: frozenset[int]
    start_hour: int
    end_hour: int
    #: Probability that an instant outside the window is still accepted (a weekend shift,
    #: a Sunday Amazon run). Real networks are not perfectly regular.
    leak: float = 0.0


ALWAYS = Window(frozenset(range(7)), 0, 24)


def snap_into(rng: random.Random, ts: int, zone: Zone, window: Window) -> int:
    """Move ``ts`` forward to the next instant inside ``window`` (local time).

    Instants already inside are kept. Otherwise the scan is pushed to the opening of the
    next allowed day plus a random 0-3 h, which is what makes weekends and nights show up
    as silent stretches in the generated histories.
    """
    if window.start_hour == 0 and window.end_hour == 24 and len(window.days) == 7:
        return ts
    off = offset_minutes(zone, ts) * 60
    local = ts + off
    t = time.gmtime(local)
    if t.tm_wday in window.days and window.start_hour <= t.tm_hour < window.end_hour:
        return ts
    if window.leak and rng.random() < window.leak:
        return ts
    day_start = local - (t.tm_hour * HOUR + t.tm_min * 60 + t.tm_sec)
    if t.tm_wday in window.days and t.tm_hour < window.start_hour:
        candidate = day_start
    else:
        candidate = day_start + DAY
        wday = (t.tm_wday + 1) % 7
        while wday not in window.days:
            candidate += DAY
            wday = (wday + 1) % 7
    span = max(1, min(3 * HOUR, (window.end_hour - window.start_hour) * HOUR - 1))
    return candidate + window.start_hour * HOUR + rng.randrange(span) - off


#: Heavy tail of every dwell: probability, Pareto shape, cap on the multiplier.
TAIL_P = 0.015
TAIL_ALPHA = 1.6
TAIL_CAP = 10.0


def dwell_seconds(
    rng: random.Random,
    median_hours: float,
    sigma: float,
    tail_p: float | None = None,
) -> int:
    """A lognormal dwell with an occasional Pareto multiplier (the "stuck for weeks" tail).

    Parcel networks have many small delays and a few enormous ones; a lognormal alone
    under-produces the second kind, which is exactly what a stall detector must learn to
    tolerate. The multiplier is capped (``TAIL_CAP``) so one draw cannot exceed a season;
    the three constants were tuned so that late parcels mostly arrive within 3 business
    days of the promise, as the reference's Australia Post figure says (PARAMETERS.md).
    """
    hours = median_hours * math.exp(sigma * rng.gauss(0.0, 1.0))
    if rng.random() < (TAIL_P if tail_p is None else tail_p):
        hours *= min(rng.paretovariate(TAIL_ALPHA), TAIL_CAP)
    return max(60, int(hours * HOUR))
