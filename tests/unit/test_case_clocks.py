"""Case clocks against hand-worked examples from the shipped rules file, holidays and
time zones; reminders never after their deadline."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.adapters.holiday_calendar import HolidaysCalendar
from parceldesk.adapters.rules_loader import load_rulebook, parse_files
from parceldesk.domain.cases.case import Case, CaseSource
from parceldesk.domain.cases.clocks import DeadlineKind, DeadlinePolicy
from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.money import Money
from parceldesk.domain.orders import Address
from parceldesk.domain.rules import (
    Anchor,
    ClaimRule,
    ClaimType,
    Confidence,
    DayUnit,
    RuleBook,
    Scope,
    Window,
)
from parceldesk.domain.taxonomy import Status
from parceldesk.services.case_clocks import CaseEnv, evaluate_clocks
from parceldesk.services.case_ports import ShipmentFacts

NY = ZoneInfo("America/New_York")
SP = ZoneInfo("America/Sao_Paulo")
SG = ZoneInfo("Asia/Singapore")
BOOK = load_rulebook()
ENV = CaseEnv(book=BOOK, calendar=HolidaysCalendar(), zone_for=ZoneInfo)


def _facts(**changes: object) -> ShipmentFacts:
    base = ShipmentFacts(
        shipment_id=1, tracking_number="9400111", store_id=1, store_name="acme-us",
        order_id=1, platform_order_id="111-1", platform="shopify", carrier="usps", service="",
        channel="USPS Ground Advantage", origin_country="", destination_country="US",
        status=Status.IN_TRANSIT, ship_date=date(2026, 10, 1), promised_date=None,
        carrier_edd=None, order_date=None, first_event_at=None, last_event_at=None,
        delivered_at=None, value_at_risk=Money(Decimal("80.00"), "USD"), declared_value=None, insured_value=None,
        ship_to=Address(), buyer_name="",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def _case(kind: CaseKind, opened: datetime) -> Case:
    case, _ = Case.open(kind=kind, source=CaseSource.DETECTION, tracking_number="9400111",
                        at=opened, actor="system")  # fmt: skip
    return case


def _clocks(case: Case, facts: ShipmentFacts, now: datetime, env: CaseEnv = ENV):
    rows, upcoming, entries = evaluate_clocks(case, facts, [], env, now)
    return {r.clock.key: r for r in rows}, upcoming, entries


def test_usps_domestic_lost_window_from_the_mailing_date() -> None:
    # usps/*/domestic/lost: no sooner than 15, no later than 60 calendar days from mailing
    # (shipped rule, confidence ?). Mailed 1 Oct 2026 (US carrier: New York days).
    opened = datetime(2026, 10, 20, 9, tzinfo=UTC)
    rows, upcoming, _ = _clocks(_case(CaseKind.LOST, opened), _facts(), opened)
    opens, closes = rows["claim:usps:lost:opens"], rows["claim:usps:lost:closes"]
    assert opens.clock.due_at == datetime(2026, 10, 16, 0, 0, tzinfo=NY)
    assert closes.clock.due_at == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=NY)
    assert (opens.status, closes.status) == ("open", "pending")
    assert closes.clock.confidence == "?" and closes.clock.rule == "usps/*/domestic/lost"
    assert upcoming is not None and upcoming.key == "buyer:first_update"  # 24 h < 30 Nov


def test_ups_lost_counts_from_scheduled_delivery_and_delay_waits_for_delivery() -> None:
    # ups/*/domestic/lost: 60 calendar days from scheduled delivery (promised 20 Nov).
    opened = datetime(2026, 11, 22, 15, tzinfo=UTC)
    facts = _facts(carrier="ups", promised_date=date(2026, 11, 20))
    rows, _, _ = _clocks(_case(CaseKind.DELAYED, opened), facts, opened)
    assert rows["claim:ups:lost:closes"].clock.due_at == datetime(
        2027, 1, 19, 23, 59, 59, 999999, tzinfo=NY
    )
    delay = rows["claim:ups:delay:closes"]  # 15 calendar from delivery: not delivered yet
    assert delay.clock.due_at is None and delay.status == "waiting"
    assert delay.clock.waiting_for == "delivery"


def _contract_book(extra: str) -> RuleBook:
    def packaged(name: str) -> dict[str, object]:
        text = resources.files("parceldesk.rules").joinpath(name).read_text("utf-8")
        return tomllib.loads(text)

    book, errors = parse_files(
        packaged("carriers.toml"), packaged("platforms.toml"), tomllib.loads(extra)
    )
    assert errors == [] and book is not None
    return book


def test_channel_override_in_business_days_skips_thanksgiving() -> None:
    # A seller's 3PL contract: claims within 5 business days of the last scan. Last scan
    # Tue 24 Nov 2026, 23:30 New York (already Wed 04:30 UTC: the local date counts).
    # Wed 25 (1), Thu 26 Thanksgiving, Fri 27 (2), Mon 30 (3), Tue 1 Dec (4), Wed 2 (5).
    book = _contract_book(
        """
        schema = 1
        [[rule]]
        carrier = "usps"
        service = "*"
        scope = "domestic"
        claim_type = "lost"
        channel = "Acme 3PL"
        latest_days = 5
        latest_unit = "business"
        latest_anchor = "last_scan"
        sources = ["contract with Acme 3PL, clause 7"]
        confidence = "A"
        verified_on = 2026-11-01
        """
    )
    env = replace(ENV, book=book)
    last = datetime(2026, 11, 24, 23, 30, tzinfo=NY)
    opened = datetime(2026, 11, 25, 12, tzinfo=UTC)
    facts = _facts(channel="Acme 3PL", last_event_at=last.astimezone(UTC))
    rows, _, _ = _clocks(_case(CaseKind.LOST, opened), facts, opened, env)
    closes = rows["claim:usps:lost:closes"]
    assert closes.clock.due_at == datetime(2026, 12, 2, 23, 59, 59, 999999, tzinfo=NY)
    assert "business" in closes.clock.counted and "US holidays" in closes.clock.counted
    # Another channel of the same store keeps the shipped 60 calendar days.
    other, _, _ = _clocks(_case(CaseKind.LOST, opened), _facts(last_event_at=last), opened, env)
    assert other["claim:usps:lost:closes"].clock.due_at == datetime(
        2026, 11, 30, 23, 59, 59, 999999, tzinfo=NY
    )


_CORREIOS = ClaimRule(
    carrier="correios", service="*", scope=Scope.INTERNATIONAL, claim_type=ClaimType.LOST,
    earliest=None, latest=Window(10, DayUnit.BUSINESS, Anchor.SHIP),
    sources=["test rule"], confidence=Confidence.C, verified_on=date(2026, 11, 1),
)  # fmt: skip


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        # national public holidays only: Carnival is a working day
        (None, date(2027, 2, 19)),
        # Carnival Mon/Tue and Ash Wednesday off: Thu 11 is day 1, Wed 24 is day 10
        ({"BR": ("public", "optional")}, date(2027, 2, 24)),
    ],
)
def test_brazilian_business_days_over_carnival(
    categories: dict[str, tuple[str, ...]] | None, expected: date
) -> None:
    env = replace(ENV, book=RuleBook([_CORREIOS]), calendar=HolidaysCalendar(categories=categories))
    facts = _facts(carrier="correios", origin_country="CN", destination_country="BR",
                   ship_date=date(2027, 2, 5))  # fmt: skip
    opened = datetime(2027, 2, 6, 12, tzinfo=UTC)
    rows, _, _ = _clocks(_case(CaseKind.LOST, opened), facts, opened, env)
    due = rows["claim:correios:lost:closes"].clock.due_at
    assert due == datetime.combine(expected, datetime.max.time(), tzinfo=SP)


def test_marketplace_step_counts_in_the_market_once_its_anchor_is_known() -> None:
    # shopee/SG/respond_return_request: 2 calendar days from the request, Singapore days.
    opened = datetime(2026, 11, 20, 2, tzinfo=UTC)
    facts = _facts(platform="shopee", carrier="spx", destination_country="SG")
    case = _case(CaseKind.DAMAGED, opened)
    rows, _, _ = _clocks(case, facts, opened)
    assert not any(k.startswith("platform:") for k in rows)  # no request yet: no clock
    request = datetime(2026, 11, 20, 22, 30, tzinfo=SG)  # 14:30 UTC
    case, _ = case.record_anchor("request_opened", request, actor="li", at=opened)
    rows, _, _ = _clocks(case, facts, opened)
    step = rows["platform:shopee:respond_return_request"]
    assert step.clock.kind is DeadlineKind.PLATFORM
    assert step.clock.due_at == datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=SG)
    assert "automatically approved" in step.clock.auto_outcome
    late = datetime(2026, 11, 23, 0, 30, tzinfo=SG)
    rows, _, entries = _clocks(case, facts, late)
    assert rows["platform:shopee:respond_return_request"].status == "missed"
    missed = [e.detail["deadline"] for e in entries if e.action == "deadline_missed"]
    assert sorted(missed) == ["buyer:first_update", "platform:shopee:respond_return_request"]


def test_unknown_windows_are_shown_as_gaps_not_hidden() -> None:
    opened = datetime(2026, 11, 20, 2, tzinfo=UTC)
    rows, _, _ = _clocks(
        _case(CaseKind.LOST, opened), _facts(carrier="yunexpress", destination_country="US"),
        opened,
    )  # fmt: skip
    gap = rows["claim:yunexpress:lost:unknown"]
    assert gap.status == "unknown" and gap.clock.confidence == "?"
    assert "window unknown" in gap.clock.label
    rows, _, _ = _clocks(_case(CaseKind.LOST, opened), _facts(carrier="spx"), opened)
    assert "no rule for spx" in rows["claim:spx:lost:unknown"].clock.label


def test_claim_filed_meets_the_closing_deadline_and_stops_reminders() -> None:
    opened = datetime(2026, 11, 20, 12, tzinfo=UTC)
    case = _case(CaseKind.LOST, opened)
    from parceldesk.domain.cases.states import MainCommand

    case, _ = case.transition(MainCommand.INVESTIGATE, actor="li", at=opened)
    case, _ = case.transition(MainCommand.FILE_CLAIM, actor="li", at=opened)
    rows, _, entries = _clocks(case, _facts(), datetime(2026, 11, 29, 12, tzinfo=UTC))
    assert rows["claim:usps:lost:closes"].status == "met"
    assert not [e for e in entries if e.detail.get("deadline") == "claim:usps:lost:closes"]


@settings(max_examples=60, deadline=None)
@given(
    promise_hours=st.integers(1, 24 * 20),
    steps=st.lists(st.integers(1, 24 * 5), min_size=1, max_size=12),
)
def test_reminders_never_come_after_the_deadline_and_fire_once(
    promise_hours: int, steps: list[int]
) -> None:
    opened = datetime(2026, 11, 20, 12, tzinfo=UTC)
    due = opened + timedelta(hours=promise_hours)
    case = _case(CaseKind.DELAYED, opened)
    case, _ = case.promise_update(due, actor="li", at=opened)
    env = replace(ENV, policy=DeadlinePolicy(reminder_leads=(timedelta(days=3), timedelta(days=1))))
    previous: list = []
    now = opened
    fired: dict[str, int] = {}
    for hours in steps:
        now += timedelta(hours=hours)
        rows, _, entries = evaluate_clocks(case, _facts(), previous, env, now)
        due_at = {r.clock.key: r.clock.due_at for r in rows}
        for e in entries:
            if e.action == "deadline_reminder":
                key = e.detail["deadline"]
                due_of = due_at[key]
                assert due_of is not None and now <= due_of  # never after the deadline
                fired[key] = fired.get(key, 0) + 1
        again = evaluate_clocks(case, _facts(), rows, env, now)[2]
        assert not [e for e in again if e.action == "deadline_reminder"]  # once per lead
        previous = rows
    assert all(n <= 2 for n in fired.values())
    assert due in {d for d in (r.clock.due_at for r in previous)}


def test_insurer_clock_applies_to_insured_parcels_only_and_is_not_met_by_the_carrier_claim() -> (
    None
):
    # shipsurance/*/domestic/lost: 20 to 120 calendar days from shipment (graded ?),
    # counted in the destination country (US). Shipped 1 Oct 2026.
    env = replace(ENV, insurer="shipsurance")
    opened = datetime(2026, 10, 25, 12, tzinfo=UTC)
    insured = _facts(insured_value=Money(Decimal("80.00"), "USD"))
    case = _case(CaseKind.LOST, opened)
    rows, _, _ = _clocks(case, insured, opened, env)
    assert rows["insurance:shipsurance:lost:opens"].clock.due_at == datetime(
        2026, 10, 21, 0, 0, tzinfo=NY
    )
    closes = rows["insurance:shipsurance:lost:closes"]
    assert closes.clock.due_at == datetime(2027, 1, 29, 23, 59, 59, 999999, tzinfo=NY)
    assert "insurance" in closes.clock.label
    uninsured, _, _ = _clocks(case, _facts(), opened, env)
    assert not any(k.startswith("insurance:") for k in uninsured)
    from parceldesk.domain.cases.states import MainCommand

    case, _ = case.transition(MainCommand.INVESTIGATE, actor="li", at=opened)
    case, _ = case.transition(MainCommand.FILE_CLAIM, actor="li", at=opened)
    rows, _, _ = _clocks(case, insured, opened, env)
    assert rows["claim:usps:lost:closes"].status == "met"
    assert rows["insurance:shipsurance:lost:closes"].status == "pending"


def test_shopee_sls_channels_claim_against_shopee_not_the_last_mile_carrier() -> None:
    # shopee_sls/cross_border/international/lost: no sooner than 40 working days after
    # the last status (graded ?). Last scan Mon 5 Oct 2026 in Singapore; SG holidays.
    last = datetime(2026, 10, 5, 15, tzinfo=SG)
    facts = _facts(
        platform="shopee", carrier="spx", channel="Shopee SLS SG", destination_country="SG",
        last_event_at=last,
    )  # fmt: skip
    opened = datetime(2026, 11, 20, tzinfo=UTC)
    rows, _, _ = _clocks(_case(CaseKind.LOST, opened), facts, opened)
    opens = rows["claim:shopee_sls:lost:opens"]
    assert opens.clock.rule == "shopee_sls/cross_border/international/lost"
    assert "working" in opens.clock.counted and "SG holidays" in opens.clock.counted
    assert not any(k.startswith("claim:spx") for k in rows)
    # 40 working days (Mon-Sat) from Mon 5 Oct 2026: 6-10 Oct (5), 12-17 (11), 19-24 (17),
    # 26-31 (23), 2-7 Nov (29); Sun 8 Nov is Deepavali, Mon 9 Nov its observed holiday;
    # 10-14 Nov (34), 16-21 Nov (40): the window opens Sat 21 Nov, 00:00 Singapore.
    assert opens.clock.due_at == datetime(2026, 11, 21, 0, 0, tzinfo=SG)
