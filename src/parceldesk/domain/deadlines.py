"""Turn a rule's window into concrete instants: when a claim opens, when it closes, and
when to remind someone before it closes.

Why these semantics (they decide whether a seller loses money, so they are explicit):

* ``HOURS``    -- exact elapsed time, computed in UTC, so a window spanning a DST change
                  is still exactly N hours long.
* ``CALENDAR`` -- N local days after the anchor's local date.  No rolling forward when the
                  last day is a weekend or holiday: the earlier instant is the safe one.
* ``BUSINESS`` -- Monday to Friday, skipping the country's public holidays.
* ``WORKING``  -- **ASSUMPTION**: Monday to Saturday, skipping public holidays.  Sources
                  (Shopee, TikTok, Royal Mail, 4PX) never define the term.  Counting
                  Saturdays reaches the last day sooner, which is the safe side for a
                  deadline; for a "no sooner than" wait it may open a claim a day or two
                  early, which costs at worst a rejected, refilable claim.
* ``MONTHS``   -- calendar months from the anchor's local date, clamped to the month end
                  (31 Jan + 1 month = 28/29 Feb).

The anchor day itself is day 0.  Day units close at 23:59:59.999999 local time of the day
reached and (for a "no sooner than" wait) open at 00:00 local time of that day.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.rules import Anchor, ClaimRule, DayUnit, Window

__all__ = [
    "END_OF_DAY",
    "NO_HOLIDAYS",
    "HolidayCalendar",
    "NoHolidays",
    "add_months",
    "day_reached",
    "deadline",
    "opening",
    "reminders",
    "window_for_claim",
]

END_OF_DAY = time(23, 59, 59, 999999)
#: Give up when this many consecutive days are all non-counting: the calendar is broken.
_MAX_SKIPPED_DAYS = 366


class HolidayCalendar(Protocol):
    """Public holidays by ISO country code; adapters back it with real data."""

    def is_holiday(self, country: str, day: date) -> bool: ...


class NoHolidays:
    """Weekends only; for callers that know no country (and for tests)."""

    def is_holiday(self, country: str, day: date) -> bool:
        return False


NO_HOLIDAYS: HolidayCalendar = NoHolidays()


def _require_aware(instant: datetime, what: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidValue(f"{what} must be timezone-aware, got naive {instant.isoformat()}")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _counts(unit: DayUnit, country: str, day: date, calendar: HolidayCalendar) -> bool:
    last_weekday = 4 if unit is DayUnit.BUSINESS else 5  # Fri, or Sat for working days
    return day.weekday() <= last_weekday and not calendar.is_holiday(country, day)


def day_reached(
    window: Window, start: date, country: str, calendar: HolidayCalendar = NO_HOLIDAYS
) -> date:
    """The local date ``window`` ends on when counted from local date ``start``."""
    if window.unit is DayUnit.HOURS:
        raise InvalidValue("an hours window ends at an instant, not on a day; use deadline()")
    if window.unit is DayUnit.CALENDAR:
        return start + timedelta(days=window.days)
    if window.unit is DayUnit.MONTHS:
        return add_months(start, window.days)
    day, counted, skipped = start, 0, 0
    while counted < window.days:
        day += timedelta(days=1)
        if _counts(window.unit, country, day, calendar):
            counted, skipped = counted + 1, 0
        else:
            skipped += 1
            if skipped > _MAX_SKIPPED_DAYS:
                raise InvalidValue(
                    f"no {window.unit} day in {country or 'unknown country'} for a year "
                    f"after {day - timedelta(days=skipped)}; check the holiday calendar"
                )
    return day


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    # Round-trip through UTC so a wall time inside a DST gap is normalised to a real one.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _resolve(window: Window, anchor_at: datetime, tz: tzinfo | None) -> tzinfo:
    _require_aware(anchor_at, f"anchor instant for {window}")
    zone = tz if tz is not None else anchor_at.tzinfo
    assert zone is not None  # checked by _require_aware
    return zone


def deadline(
    window: Window,
    anchor_at: datetime,
    *,
    country: str = "",
    tz: tzinfo | None = None,
    calendar: HolidayCalendar = NO_HOLIDAYS,
) -> datetime:
    """The last instant inside ``window`` counted from ``anchor_at``.

    ``tz`` is the zone whose local days are counted (the claimant's or the carrier's);
    it defaults to the anchor's own zone.  The result is expressed in that zone.
    """
    zone = _resolve(window, anchor_at, tz)
    if window.unit is DayUnit.HOURS:
        return (anchor_at.astimezone(UTC) + timedelta(hours=window.days)).astimezone(zone)
    start = anchor_at.astimezone(zone).date()
    return _local(day_reached(window, start, country, calendar), END_OF_DAY, zone)


def opening(
    window: Window,
    anchor_at: datetime,
    *,
    country: str = "",
    tz: tzinfo | None = None,
    calendar: HolidayCalendar = NO_HOLIDAYS,
) -> datetime:
    """The first instant a "no sooner than ``window``" wait allows filing."""
    zone = _resolve(window, anchor_at, tz)
    if window.unit is DayUnit.HOURS:
        return (anchor_at.astimezone(UTC) + timedelta(hours=window.days)).astimezone(zone)
    start = anchor_at.astimezone(zone).date()
    return _local(day_reached(window, start, country, calendar), time(0), zone)


def reminders(
    deadline_at: datetime,
    lead_times: Sequence[timedelta],
    anchor_at: datetime | None = None,
) -> list[datetime]:
    """Reminder instants ``lead`` before ``deadline_at``, sorted and de-duplicated.

    Leads are exact elapsed time (computed in UTC).  A negative lead would fall after the
    deadline and is rejected.  Reminders that would fall before ``anchor_at`` (the window
    is shorter than the lead) are dropped rather than fired retroactively.
    """
    _require_aware(deadline_at, "deadline")
    if anchor_at is not None:
        _require_aware(anchor_at, "anchor instant")
    zone = deadline_at.tzinfo
    due_utc = deadline_at.astimezone(UTC)
    out: set[datetime] = set()
    for lead in lead_times:
        if lead < timedelta(0):
            raise InvalidValue(f"reminder lead time must not be negative, got {lead}")
        at = (due_utc - lead).astimezone(zone)
        if anchor_at is None or at >= anchor_at:
            out.add(at)
    return sorted(out)


def window_for_claim(
    rule: ClaimRule,
    anchors: Mapping[Anchor, datetime],
    *,
    country: str = "",
    tz: tzinfo | None = None,
    calendar: HolidayCalendar = NO_HOLIDAYS,
) -> tuple[datetime | None, datetime | None]:
    """``(opens_at, closes_at)`` for ``rule`` given the anchor instants known so far.

    A part is None when the rule gives no number for it, when its anchor event has not
    been seen yet, or when the rule is not claimable.  ``opens_at`` None with a known
    ``closes_at`` therefore means "no waiting period known": file as soon as possible.
    """
    if not rule.claimable:
        return (None, None)

    def at(window: Window | None, closing: bool) -> datetime | None:
        if window is None or window.anchor not in anchors:
            return None
        compute = deadline if closing else opening
        return compute(window, anchors[window.anchor], country=country, tz=tz, calendar=calendar)

    return (at(rule.earliest, closing=False), at(rule.latest, closing=True))
