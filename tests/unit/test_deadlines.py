"""Hand-worked deadline examples for every unit, plus a property test for reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.holiday_calendar import HolidaysCalendar
from parceldesk.adapters.rules_loader import load_rulebook
from parceldesk.domain.deadlines import (
    NO_HOLIDAYS,
    add_months,
    deadline,
    opening,
    reminders,
    window_for_claim,
)
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.rules import Anchor, DayUnit, Window

NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SINGAPORE = ZoneInfo("Asia/Singapore")
EOD = (23, 59, 59, 999999)

BOOK = load_rulebook()


def _w(days: int, unit: DayUnit, anchor: Anchor = Anchor.DELIVERY) -> Window:
    return Window(days, unit, anchor)


# ------------------------------------------------------------------ business days, US


def test_us_business_days_skip_thanksgiving() -> None:
    calendar = HolidaysCalendar()
    assert calendar.is_holiday("US", date(2026, 11, 26))  # Thanksgiving, a Thursday
    start = datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)  # Monday
    # Tue 24 (1), Wed 25 (2), Thu 26 holiday, Fri 27 (3), Mon 30 (4), Tue 1 Dec (5)
    due = deadline(_w(5, DayUnit.BUSINESS), start, country="US", calendar=calendar)
    assert due == datetime(2026, 12, 1, *EOD, tzinfo=NEW_YORK)
    # Without holidays the same window ends a day earlier.
    assert deadline(_w(5, DayUnit.BUSINESS), start) == datetime(2026, 11, 30, *EOD, tzinfo=NEW_YORK)
    assert deadline(_w(3, DayUnit.BUSINESS), start, country="us", calendar=calendar).day == 27


# ------------------------------------------------------------ business days, Brazil 2027
# What `holidays` says: Carnival (Mon 8 / Tue 9 Feb 2027) and Ash Wednesday (10 Feb) are
# NOT national public holidays in BR; they are in the "optional" category (ponto
# facultativo).  Rio de Janeiro state (subdiv RJ) adds Carnival Tuesday only.


def test_holidays_package_view_of_carnival_2027() -> None:
    public = holidays.country_holidays("BR", years=2027)
    assert date(2027, 2, 8) not in public
    assert date(2027, 2, 9) not in public
    optional = holidays.country_holidays("BR", years=2027, categories=("public", "optional"))
    assert optional.get(date(2027, 2, 8)) == "Carnival"
    assert optional.get(date(2027, 2, 9)) == "Carnival"
    assert optional.get(date(2027, 2, 10)) == "Ash Wednesday"
    rio = holidays.country_holidays("BR", subdiv="RJ", years=2027)
    assert date(2027, 2, 8) not in rio
    assert rio.get(date(2027, 2, 9)) == "Carnival"


START_BR = datetime(2027, 2, 5, 14, 0, tzinfo=SAO_PAULO)  # Friday before Carnival


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        # public only: Mon 8 (1), Tue 9 (2), Wed 10 (3)
        (HolidaysCalendar(), date(2027, 2, 10)),
        # Carnival + Ash Wednesday off: Thu 11 (1), Fri 12 (2), Mon 15 (3)
        (HolidaysCalendar(categories={"BR": ("public", "optional")}), date(2027, 2, 15)),
        # Rio: Mon 8 (1), Tue 9 holiday, Wed 10 (2), Thu 11 (3)
        (HolidaysCalendar(subdivisions={"BR": "RJ"}), date(2027, 2, 11)),
    ],
    ids=["public", "with-optional", "rio"],
)
def test_brazil_business_days_over_carnival(calendar: HolidaysCalendar, expected: date) -> None:
    due = deadline(_w(3, DayUnit.BUSINESS), START_BR, country="BR", calendar=calendar)
    assert due == datetime(expected.year, expected.month, expected.day, *EOD, tzinfo=SAO_PAULO)


def test_working_days_count_saturdays() -> None:
    # ASSUMPTION under test: working days are Mon-Sat minus holidays.
    public = HolidaysCalendar()
    # Sat 6 (1), Mon 8 (2), Tue 9 (3)
    assert deadline(_w(3, DayUnit.WORKING), START_BR, country="BR", calendar=public).day == 9
    off = HolidaysCalendar(categories={"BR": ("public", "optional")})
    # Sat 6 (1), Carnival Mon-Wed skipped, Thu 11 (2), Fri 12 (3)
    assert deadline(_w(3, DayUnit.WORKING), START_BR, country="BR", calendar=off).day == 12


def test_unknown_country_is_an_error() -> None:
    with pytest.raises(InvalidValue, match="no holiday data"):
        HolidaysCalendar().is_holiday("XX", date(2027, 1, 1))
    with pytest.raises(InvalidValue, match="country code is needed"):
        HolidaysCalendar().is_holiday("", date(2027, 1, 1))


# ------------------------------------------------------------------------ hours and DST


def test_hours_are_exact_across_spring_forward() -> None:
    start = datetime(2026, 3, 7, 12, 0, tzinfo=LOS_ANGELES)  # PST, UTC-8
    due = deadline(_w(24, DayUnit.HOURS), start)
    assert due == datetime(2026, 3, 8, 13, 0, tzinfo=LOS_ANGELES)  # PDT after the change
    assert due.utcoffset() == timedelta(hours=-7)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)


def test_hours_are_exact_across_fall_back() -> None:
    start = datetime(2026, 10, 31, 12, 0, tzinfo=LOS_ANGELES)  # PDT
    due = deadline(_w(48, DayUnit.HOURS), start)
    assert due == datetime(2026, 11, 2, 11, 0, tzinfo=LOS_ANGELES)  # PST
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=48)


# ------------------------------------------------------------------ calendar and months


def test_calendar_days_cross_month_end() -> None:
    start = datetime(2026, 1, 28, 9, 30, tzinfo=SINGAPORE)
    assert deadline(_w(5, DayUnit.CALENDAR), start) == datetime(2026, 2, 2, *EOD, tzinfo=SINGAPORE)
    assert opening(_w(5, DayUnit.CALENDAR), start) == datetime(2026, 2, 2, tzinfo=SINGAPORE)


def test_calendar_days_count_from_the_local_date() -> None:
    start = datetime(2026, 1, 31, 20, 0, tzinfo=UTC)  # already 1 Feb in Singapore
    assert deadline(_w(1, DayUnit.CALENDAR), start).date() == date(2026, 2, 1)
    in_sg = deadline(_w(1, DayUnit.CALENDAR), start, tz=SINGAPORE)
    assert in_sg == datetime(2026, 2, 2, *EOD, tzinfo=SINGAPORE)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 22), 12, date(2027, 11, 22)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_months_window_from_jan_31() -> None:
    start = datetime(2027, 1, 31, 8, 0, tzinfo=NEW_YORK)
    assert deadline(_w(1, DayUnit.MONTHS), start) == datetime(2027, 2, 28, *EOD, tzinfo=NEW_YORK)


def test_naive_anchor_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="timezone-aware"):
        deadline(_w(1, DayUnit.CALENDAR), datetime(2026, 1, 1))  # noqa: DTZ001


# ------------------------------------------------------------------- window_for_claim


def test_window_for_claim_usps_priority_mail_express() -> None:
    rule = BOOK.claim_rule("usps", "priority_mail_express", "domestic", "lost")
    assert rule is not None
    mailed = datetime(2026, 11, 20, 16, 0, tzinfo=NEW_YORK)
    opens, closes = window_for_claim(rule, {Anchor.MAILING: mailed})
    assert opens == datetime(2026, 11, 27, tzinfo=NEW_YORK)
    assert closes == datetime(2027, 1, 19, *EOD, tzinfo=NEW_YORK)
    assert window_for_claim(rule, {Anchor.DELIVERY: mailed}) == (None, None)


def test_window_for_claim_partial_and_unclaimable() -> None:
    ups_lost = BOOK.claim_rule("ups", "ground", "domestic", "lost")
    assert ups_lost is not None
    due = datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK)
    opens, closes = window_for_claim(ups_lost, {Anchor.SCHEDULED_DELIVERY: due})
    assert opens is None  # earliest filing day for UPS: not found
    assert closes == datetime(2027, 1, 30, *EOD, tzinfo=NEW_YORK)
    fcpi = BOOK.claim_rule("usps", "first_class_package_international", "international", "lost")
    assert fcpi is not None
    assert window_for_claim(fcpi, {Anchor.MAILING: due}) == (None, None)


# -------------------------------------------------------------------------- reminders


def test_reminders_sorted_deduplicated_and_clipped() -> None:
    anchor = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
    due = deadline(_w(3, DayUnit.CALENDAR), anchor)
    leads = [timedelta(days=7), timedelta(days=1), timedelta(hours=24), timedelta(0)]
    assert reminders(due, leads, anchor) == [due - timedelta(days=1), due]
    assert len(reminders(due, leads)) == 3  # no anchor: nothing dropped
    with pytest.raises(InvalidValue, match="negative"):
        reminders(due, [timedelta(hours=-1)])


def test_reminder_leads_are_exact_across_dst() -> None:
    due = datetime(2026, 3, 9, 12, 0, tzinfo=LOS_ANGELES)  # PDT
    [early] = reminders(due, [timedelta(hours=48)])
    assert early == datetime(2026, 3, 7, 11, 0, tzinfo=LOS_ANGELES)  # PST
    assert due.astimezone(UTC) - early.astimezone(UTC) == timedelta(hours=48)


ZONES = st.sampled_from(
    [UTC, LOS_ANGELES, NEW_YORK, SAO_PAULO, SINGAPORE, ZoneInfo("Australia/Lord_Howe")]
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    anchor=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 -- hypothesis bounds are naive
        max_value=datetime(2090, 12, 31),  # noqa: DTZ001
        timezones=ZONES,
    ),
    days=st.integers(min_value=1, max_value=400),
    unit=st.sampled_from(list(DayUnit)),
    tz=ZONES,
    leads=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=500)), max_size=8
    ),
)
def test_reminders_never_after_deadline_nor_before_anchor(
    anchor: datetime, days: int, unit: DayUnit, tz: ZoneInfo, leads: list[timedelta]
) -> None:
    due = deadline(_w(days, unit), anchor, tz=tz, calendar=NO_HOLIDAYS)
    assert due > anchor
    out = reminders(due, leads, anchor)
    assert out == sorted(out)
    for at in out:
        assert anchor <= at <= due
