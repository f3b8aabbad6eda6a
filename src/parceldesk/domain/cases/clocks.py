"""Every clock that runs on a case, computed from the rules file and the case's facts.

One function, ``case_deadlines``, answers "what must happen by when on this case?": the
carrier claim window opening and closing for each claim type the incident supports, the
marketplace steps whose anchor has happened (a request opened, a claim decided), and the
buyer-update promise. The day arithmetic is ``parceldesk.domain.deadlines``; this module
decides *which* rules apply and *in whose calendar* they are counted:

* a carrier window is counted in the carrier's home country (its public holidays) and,
  for countries spanning several zones, in the zone whose day ends first (US: New York,
  BR: Sao Paulo). Ending the day earliest is the safe side for a "no later than" limit.
  Carriers without one home (J&T, SPX, Shopee SLS, DHL) count in the destination country;
* a marketplace step is counted in the market's country.

Which claim types an incident supports: a lost or not-received parcel is a loss claim, a
damaged one a damage claim, a delayed one both a delay claim and (its clock keeps
running) a loss claim. Returned and address cases have no carrier claim by default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from parceldesk.domain.cases.case import BUYER_INFORMED, Case
from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.deadlines import HolidayCalendar, deadline, window_for_claim
from parceldesk.domain.rules import Anchor, ClaimRule, ClaimType, RuleBook, Scope

__all__ = [
    "CARRIER_HOME",
    "COUNTRY_ZONE",
    "CaseDeadline",
    "ClaimContext",
    "DeadlineKind",
    "DeadlinePolicy",
    "case_deadlines",
    "claim_types_for",
    "deadline_status",
    "met_at",
]

#: Carrier slug -> the country whose calendar its claim windows count in.
CARRIER_HOME: dict[str, str] = {
    "usps": "US", "ups": "US", "fedex": "US", "dhl_ecommerce": "US",
    "yunexpress": "CN", "yanwen": "CN", "4px": "CN", "cainiao": "CN", "china_post": "CN",
    "correios": "BR", "royal_mail": "GB", "canada_post": "CA", "australia_post": "AU",
    "hongkong_post": "HK",
}  # fmt: skip

#: Country -> IANA zone whose local days a deadline counts (the earliest-ending main zone).
COUNTRY_ZONE: dict[str, str] = {
    "US": "America/New_York", "CN": "Asia/Shanghai", "BR": "America/Sao_Paulo",
    "SG": "Asia/Singapore", "PH": "Asia/Manila", "MY": "Asia/Kuala_Lumpur",
    "TH": "Asia/Bangkok", "ID": "Asia/Jakarta", "VN": "Asia/Ho_Chi_Minh", "TW": "Asia/Taipei",
    "GB": "Europe/London", "CA": "America/Toronto", "AU": "Australia/Sydney",
    "HK": "Asia/Hong_Kong", "MX": "America/Mexico_City", "CL": "America/Santiago",
    "AE": "Asia/Dubai", "DE": "Europe/Berlin", "FR": "Europe/Paris", "JP": "Asia/Tokyo",
}  # fmt: skip

_CLAIM_TYPES: dict[CaseKind, tuple[ClaimType, ...]] = {
    CaseKind.LOST: (ClaimType.LOST,),
    CaseKind.DELIVERED_NOT_RECEIVED: (ClaimType.LOST,),
    CaseKind.DAMAGED: (ClaimType.DAMAGED, ClaimType.MISSING_CONTENTS),
    CaseKind.DELAYED: (ClaimType.DELAY, ClaimType.LOST),
    CaseKind.RETURNED: (),
    CaseKind.ADDRESS_PROBLEM: (),
}


def claim_types_for(kind: CaseKind) -> tuple[ClaimType, ...]:
    return _CLAIM_TYPES[kind]


class DeadlineKind(StrEnum):
    CLAIM_OPENS = "claim_opens"
    CLAIM_CLOSES = "claim_closes"
    PLATFORM = "platform"
    PLATFORM_DECISION = "platform_decision"  # the platform's expected decision: no action
    BUYER_UPDATE = "buyer_update"
    RULE_GAP = "rule_gap"  # no rule, or a rule without numbers: a person must find out


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """The seller's own promises (not external rules): first buyer update within N hours."""

    first_buyer_update: timedelta = timedelta(hours=24)
    reminder_leads: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1))


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """What the rules need to know about the parcel behind a case."""

    carrier: str
    service: str
    channel: str
    store: str
    origin_country: str
    destination_country: str
    platform: str
    #: Shipment facts: ship/mailing, first_scan, last_scan, scheduled_delivery, delivery ...
    anchors: Mapping[str, datetime]
    #: The seller's parcel insurer or protection provider (rules keyed like carriers),
    #: and whether this parcel is insured with it.
    insurer: str = ""
    insured: bool = False

    @property
    def claim_carrier(self) -> tuple[str, str]:
        """(rules slug, service) of whoever the seller claims against for carriage.

        On Shopee's SLS channels the seller's contract is with Shopee, not the last-mile
        carrier (SPX, J&T, Correios), so the ``shopee_sls`` rules apply.
        """
        if self.platform == "shopee" and "sls" in self.channel.lower():
            service = "cross_border_br" if self.destination_country == "BR" else "cross_border"
            return "shopee_sls", service
        return self.carrier, self.service

    @property
    def scope(self) -> Scope:
        """Domestic when origin and destination agree. Exports often leave the origin
        blank; then a carrier shipping within its own home country (USPS to a US
        address) is taken as domestic -- the carrier could not have carried it across
        the border on its own claim terms anyway."""
        origin = self.origin_country or CARRIER_HOME.get(self.carrier, "")
        same = bool(origin) and origin == self.destination_country
        return Scope.DOMESTIC if same else Scope.INTERNATIONAL

    @property
    def carrier_country(self) -> str:
        return CARRIER_HOME.get(self.claim_carrier[0], self.destination_country)


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    key: str
    kind: DeadlineKind
    label: str
    due_at: datetime | None
    rule: str = ""
    confidence: str = ""
    source: str = ""
    counted: str = ""  # "10 business from delivery, US holidays, America/New_York"
    auto_outcome: str = ""
    waiting_for: str = ""  # the anchor not seen yet, when due_at is None

    @property
    def actionable(self) -> bool:
        """Whether someone must act by ``due_at`` (reminders, missed marks)."""
        return self.kind in (DeadlineKind.CLAIM_CLOSES, DeadlineKind.PLATFORM,
                             DeadlineKind.BUYER_UPDATE)  # fmt: skip

    def status(self, now: datetime, met_at: datetime | None) -> str:
        if met_at is not None:
            return "met" if self.due_at is None or met_at <= self.due_at else "met_late"
        if self.kind is DeadlineKind.RULE_GAP:
            return "unknown"
        if self.due_at is None:
            return "waiting"
        if self.kind is DeadlineKind.CLAIM_OPENS:
            return "open" if now >= self.due_at else "not_yet"
        if not self.actionable:
            return "expected"
        return "missed" if now > self.due_at else "pending"


def case_deadlines(
    case: Case,
    ctx: ClaimContext,
    book: RuleBook,
    *,
    calendar: HolidayCalendar,
    zone_for: Callable[[str], tzinfo],
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> list[CaseDeadline]:
    """All clocks on ``case``, earliest first; clocks whose anchor is unknown come last."""
    anchors: dict[str, datetime] = {**ctx.anchors, **case.anchors}
    out: list[CaseDeadline] = []
    out += _claim_clocks(case, ctx, book, anchors, calendar, zone_for)
    out += _platform_clocks(ctx, book, anchors, calendar, zone_for)
    out += _buyer_clocks(case, policy)
    far = datetime.max.replace(tzinfo=case.opened_at.tzinfo)
    return sorted(out, key=lambda d: (d.due_at is None, d.due_at or far, d.key))


def _claim_clocks(
    case: Case,
    ctx: ClaimContext,
    book: RuleBook,
    anchors: Mapping[str, datetime],
    calendar: HolidayCalendar,
    zone_for: Callable[[str], tzinfo],
) -> list[CaseDeadline]:
    carrier, service = ctx.claim_carrier
    parties = [("claim", carrier, service, ctx.carrier_country)]
    if ctx.insurer and ctx.insured:
        parties.append(("insurance", ctx.insurer, "*", ctx.destination_country))
    known = {Anchor(k): v for k, v in anchors.items() if k in Anchor.__members__.values()}
    out: list[CaseDeadline] = []
    for prefix, party, party_service, country in parties:
        zone = zone_for(country)
        for claim_type in claim_types_for(case.kind):
            rule = book.claim_rule(
                party, party_service, ctx.scope, claim_type, store=ctx.store,
                channel=ctx.channel,
            )  # fmt: skip
            if rule is None or (rule.claimable and rule.earliest is None and rule.latest is None):
                out.append(_gap(prefix, party, ctx.scope, claim_type, rule))
                continue
            if not rule.claimable:
                continue
            opens, closes = window_for_claim(
                rule, known, country=country, tz=zone, calendar=calendar
            )
            base = f"{prefix}:{rule.carrier}:{claim_type.value}"
            name = f"{rule.carrier.upper()} {claim_type.value.replace('_', ' ')} {prefix}"
            for window, at, kind, what in (
                (rule.earliest, opens, DeadlineKind.CLAIM_OPENS, "window opens"),
                (rule.latest, closes, DeadlineKind.CLAIM_CLOSES, "last day to file"),
            ):
                if window is None:
                    continue
                end = "opens" if kind is DeadlineKind.CLAIM_OPENS else "closes"
                out.append(
                    CaseDeadline(
                        key=f"{base}:{end}", kind=kind, label=f"{name}: {what}", due_at=at,
                        rule=rule.label, confidence=rule.confidence.value,
                        source=rule.sources[0],
                        counted=f"{window}, {country} holidays, {zone}",
                        waiting_for="" if at is not None else window.anchor.value,
                    )
                )  # fmt: skip
    return out


def _gap(
    prefix: str, party: str, scope: Scope, claim_type: ClaimType, rule: ClaimRule | None
) -> CaseDeadline:
    what = f"{party.upper() or 'carrier'} {claim_type.value.replace('_', ' ')} {prefix}"
    if rule is None:
        label = f"{what}: no rule for {party or 'this carrier'} ({scope.value})"
    else:
        label = f"{what}: window unknown (rule graded {rule.confidence.value})"
    return CaseDeadline(
        key=f"{prefix}:{party}:{claim_type.value}:unknown",
        kind=DeadlineKind.RULE_GAP,
        label=label,
        due_at=None,
        rule=rule.label if rule else "",
        confidence=rule.confidence.value if rule else "",
        source=rule.sources[0] if rule else "",
        waiting_for="your contract terms (overrides file)",
    )


def _platform_clocks(
    ctx: ClaimContext,
    book: RuleBook,
    anchors: Mapping[str, datetime],
    calendar: HolidayCalendar,
    zone_for: Callable[[str], tzinfo],
) -> list[CaseDeadline]:
    """Marketplace steps whose anchor has happened (a step not started is not a clock)."""
    out: list[CaseDeadline] = []
    market = ctx.destination_country
    zone = zone_for(market)
    for step in book.platform_steps(ctx.platform, market, store=ctx.store):
        window = step.window
        if window is None or window.anchor.value not in anchors:
            continue
        at = deadline(window, anchors[window.anchor.value], country=market, tz=zone,
                      calendar=calendar)  # fmt: skip
        decision = step.auto_outcome.startswith("none")
        out.append(
            CaseDeadline(
                key=f"platform:{step.platform}:{step.step}",
                kind=DeadlineKind.PLATFORM_DECISION if decision else DeadlineKind.PLATFORM,
                label=f"{step.platform} {step.market}: {step.step.replace('_', ' ')}",
                due_at=at,
                rule=step.label,
                confidence=step.confidence.value,
                source=step.sources[0],
                counted=f"{window}, {market} holidays, {zone}",
                auto_outcome=step.auto_outcome,
            )
        )
    return out


def _buyer_clocks(case: Case, policy: DeadlinePolicy) -> list[CaseDeadline]:
    """The first-message promise always; the latest promised update when one is due."""
    out = [
        CaseDeadline(
            key="buyer:first_update",
            kind=DeadlineKind.BUYER_UPDATE,
            label="first message to the buyer (seller policy)",
            due_at=case.opened_at + policy.first_buyer_update,
            rule="policy.first_buyer_update",
            counted=f"{policy.first_buyer_update} after the case opened",
        )
    ]
    if case.buyer_update_due is not None:
        out.append(
            CaseDeadline(
                key=f"buyer:promised:{case.buyer_update_due.isoformat()}",
                kind=DeadlineKind.BUYER_UPDATE,
                label="update promised to the buyer",
                due_at=case.buyer_update_due,
                rule="promise logged on the case",
            )
        )
    return out


def met_at(case: Case, clock: CaseDeadline) -> datetime | None:
    """When the clock's action happened: an explicit mark, or the event that meets it."""
    if clock.key in case.completed:
        return case.completed[clock.key]
    if clock.kind is DeadlineKind.CLAIM_CLOSES and clock.key.startswith("claim:"):
        return case.anchors.get("claim_opened")  # filing with the carrier; insurers apart
    if clock.key == "buyer:first_update":
        return case.anchors.get(BUYER_INFORMED)
    return None


def deadline_status(case: Case, clock: CaseDeadline, now: datetime) -> str:
    """``met``/``met_late``/``missed``/``pending``/``open``/``not_yet``/``expected``/
    ``waiting``; a closed case's unmet clocks are ``closed`` (nobody owes anything)."""
    status = clock.status(now, met_at(case, clock))
    if not case.is_open and status in (
        "pending",
        "waiting",
        "not_yet",
        "open",
        "expected",
        "unknown",
    ):
        return "closed"
    return status
