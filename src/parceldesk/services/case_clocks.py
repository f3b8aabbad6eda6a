"""Keep a case's clocks current: compute them, fire reminders once, mark misses.

Called after every change to a case and by ``scan`` for every open case, so the work
queue's order (``next_due_at``) and the timeline's reminders are always as of "now".
A reminder is announced once per lead time; a miss is announced once; both are timeline
entries written by the ``system`` actor, so the history says when parceldesk warned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from parceldesk.domain.cases.case import Case
from parceldesk.domain.cases.clocks import (
    COUNTRY_ZONE,
    CaseDeadline,
    ClaimContext,
    DeadlineKind,
    DeadlinePolicy,
    case_deadlines,
    deadline_status,
)
from parceldesk.domain.cases.policy import TierPolicy
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.deadlines import HolidayCalendar, reminders
from parceldesk.domain.rules import Anchor, RuleBook
from parceldesk.domain.taxonomy import Status
from parceldesk.services.address_ports import AddressVerifier
from parceldesk.services.case_ports import ShipmentFacts, StoredDeadline
from parceldesk.services.evidence_ports import CaseOpenHook

__all__ = ["CaseEnv", "claim_context", "evaluate_clocks"]

SYSTEM = "system"


@dataclass(frozen=True)
class CaseEnv:
    """Everything case services need besides storage: rules, calendars, policies."""

    book: RuleBook
    calendar: HolidayCalendar
    zone_for: Callable[[str], tzinfo]
    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    tiers: TierPolicy = field(default_factory=TierPolicy)
    #: The seller's parcel insurer (a rules slug: shipsurance, route, ...), if any.
    insurer: str = ""
    #: Checks the ship-to address when a case opens (None: the step stays for a person).
    address: AddressVerifier | None = None
    #: Captures automatic evidence when a case opens (None: nothing is captured).
    evidence: CaseOpenHook | None = None

    def zone(self, country: str) -> tzinfo:
        return self.zone_for(COUNTRY_ZONE.get(country, "UTC"))


def _noon(day: date | None, zone: tzinfo) -> datetime | None:
    # Noon local: the local date is what day-unit windows count from, and noon keeps it
    # the same date whatever zone the instant is later viewed in by the engine.
    return None if day is None else datetime.combine(day, time(12), tzinfo=zone)


def claim_context(facts: ShipmentFacts, env: CaseEnv) -> ClaimContext:
    """The rule-lookup context and the parcel's dated facts (anchors) for one case."""
    probe = ClaimContext(
        carrier=facts.carrier, service=facts.service or "*", channel=facts.channel,
        store=facts.store_name, origin_country=facts.origin_country,
        destination_country=facts.destination_country, platform=facts.platform, anchors={},
    )  # fmt: skip
    carrier_zone, dest_zone = env.zone(probe.carrier_country), env.zone(facts.destination_country)
    found: dict[str, datetime | None] = {
        Anchor.MAILING: _noon(facts.ship_date, carrier_zone) or facts.first_event_at,
        Anchor.SHIP: _noon(facts.ship_date, carrier_zone) or facts.first_event_at,
        Anchor.FIRST_SCAN: facts.first_event_at,
        Anchor.LAST_SCAN: facts.last_event_at,
        Anchor.DELIVERY: facts.delivered_at,
        Anchor.SCHEDULED_DELIVERY: _noon(facts.promised_date, dest_zone) or facts.carrier_edd,
        Anchor.ESTIMATED_DELIVERY: facts.carrier_edd or _noon(facts.promised_date, dest_zone),
        Anchor.PAYMENT: facts.order_date,
        Anchor.RETURNED: facts.last_event_at if facts.status is Status.RETURNED else None,
    }
    anchors = {str(k): v for k, v in found.items() if v is not None}
    return ClaimContext(
        carrier=probe.carrier, service=probe.service, channel=probe.channel, store=probe.store,
        origin_country=probe.origin_country, destination_country=probe.destination_country,
        platform=probe.platform, anchors=anchors, insurer=env.insurer,
        insured=facts.insured_value is not None and facts.insured_value.amount > 0,
    )  # fmt: skip


def _entry(at: datetime, action: str, **detail: str) -> TimelineEntry:
    return TimelineEntry(seq=0, at=at, actor=SYSTEM, action=action, detail=detail)


def evaluate_clocks(
    case: Case,
    facts: ShipmentFacts,
    previous: Sequence[StoredDeadline],
    env: CaseEnv,
    now: datetime,
) -> tuple[list[StoredDeadline], CaseDeadline | None, list[TimelineEntry]]:
    """(clock rows to store, the next actionable unmet clock, announcements to append)."""
    before = {row.clock.key: row for row in previous}
    clocks = case_deadlines(
        case, claim_context(facts, env), env.book, calendar=env.calendar,
        zone_for=env.zone, policy=env.policy,
    )  # fmt: skip
    rows: list[StoredDeadline] = []
    entries: list[TimelineEntry] = []
    upcoming: CaseDeadline | None = None
    for clock in clocks:
        status = deadline_status(case, clock, now)
        old = before.get(clock.key)
        reminded = old.reminded_at if old is not None else None
        due = clock.due_at.isoformat() if clock.due_at else ""
        if clock.actionable and clock.due_at is not None and status == "pending":
            if upcoming is None:
                upcoming = clock
            leads = env.policy.reminder_leads
            fired = [
                r for r in reminders(clock.due_at, leads, case.opened_at)
                if case.opened_at < r <= now and (reminded is None or r > reminded)
            ]  # fmt: skip
            if fired:
                reminded = fired[-1]
                days_left = f"{(clock.due_at - now).total_seconds() / 86400:.1f} days"
                entries.append(
                    _entry(now, "deadline_reminder", deadline=clock.key, label=clock.label,
                           due_at=due, time_left=days_left)
                )  # fmt: skip
        if status == "missed" and (old is None or old.status != "missed"):
            entries.append(_entry(now, "deadline_missed", deadline=clock.key, label=clock.label,
                                  due_at=due, auto_outcome=clock.auto_outcome or "-"))  # fmt: skip
        if (
            clock.kind is DeadlineKind.CLAIM_OPENS
            and status == "open"
            and (old is None or old.status != "open")
        ):
            entries.append(_entry(now, "claim_window_opened", deadline=clock.key,
                                  label=clock.label, opens_at=due))  # fmt: skip
        rows.append(StoredDeadline(clock, status, reminded))
    return rows, upcoming, entries
