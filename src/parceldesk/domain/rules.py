"""Carrier claim rules and marketplace dispute steps, as typed, validated values.

The numbers themselves live in data (``parceldesk/rules/*.toml``), never in code, because
they change without notice and every one of them must carry its provenance: source URLs,
a confidence grade and the date it was last checked.  This module only defines what a
valid rule looks like and how the most specific rule is picked for a parcel.

Confidence grades follow the research file: ``A`` official page or API output, ``B``
official text reproduced elsewhere or trade press, ``C`` secondary source, ``?`` not
confirmed or conflicting.  ``confidence`` grades the *timing* of a rule; where a secondary
field (liability, insurance) has a weaker grade, ``notes`` says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money

__all__ = [
    "ANY",
    "DOCUMENT_SLUGS",
    "FILER_SLUGS",
    "Anchor",
    "ClaimRule",
    "ClaimType",
    "Confidence",
    "DayUnit",
    "Liability",
    "PlatformStep",
    "RuleBook",
    "Scope",
    "Window",
]

ANY = "*"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_MARKET_RE = re.compile(r"^[A-Z]{2}$")

#: Stable evidence slugs; an evidence-pack builder maps each to a checklist item.
DOCUMENT_SLUGS = frozenset(
    {
        "tracking_number",
        "order_number",
        "proof_of_value",
        "proof_of_insurance",
        "damage_photos",
        "packaging_photos",
        "keep_packaging",
        "mailing_receipt",
        "inquiry_approval",
        "trace_completed",
        "consignee_statement",
        "serial_numbers",
        "inspection_report",
        "claim_form",
        "post_office_certificate",
        "release_letter",
    }
)
#: Who may open a claim.
FILER_SLUGS = frozenset({"sender", "recipient", "third_party", "bill_to_party", "seller"})


class DayUnit(StrEnum):
    """How a window counts; see ``parceldesk.domain.deadlines`` for the exact semantics."""

    HOURS = "hours"
    CALENDAR = "calendar"
    BUSINESS = "business"
    WORKING = "working"
    MONTHS = "months"


class Anchor(StrEnum):
    """The event a window is counted from (carrier events first, then marketplace ones)."""

    MAILING = "mailing"
    SHIP = "ship"
    FIRST_SCAN = "first_scan"
    LAST_SCAN = "last_scan"
    SCHEDULED_DELIVERY = "scheduled_delivery"
    DELIVERY = "delivery"
    REPORTED = "reported"
    RETURNED = "returned"
    PAYMENT = "payment"
    ESTIMATED_DELIVERY = "estimated_delivery"
    BUYER_CONTACTED = "buyer_contacted"
    REQUEST_OPENED = "request_opened"
    CLAIM_OPENED = "claim_opened"
    DISPUTE_OPENED = "dispute_opened"
    INFO_REQUESTED = "info_requested"
    ESCALATED = "escalated"
    CLAIM_DECIDED = "claim_decided"
    REFUND_ISSUED = "refund_issued"
    APPEAL_AVAILABLE = "appeal_available"


class Confidence(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    UNKNOWN = "?"


class ClaimType(StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"
    MISSING_CONTENTS = "missing_contents"
    DELAY = "delay"


class Scope(StrEnum):
    DOMESTIC = "domestic"
    INTERNATIONAL = "international"


@dataclass(frozen=True, slots=True)
class Window:
    """``days`` units counted from ``anchor``.  For ``HOURS`` and ``MONTHS`` ``days`` is
    the number of hours / months (the name follows the rules file's ``*_days`` keys)."""

    days: int
    unit: DayUnit
    anchor: Anchor

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise InvalidValue(f"window length must be a positive integer, got {self.days!r}")
        if not isinstance(self.unit, DayUnit):
            raise InvalidValue(f"window unit must be a DayUnit, got {self.unit!r}")
        if not isinstance(self.anchor, Anchor):
            raise InvalidValue(f"window anchor must be an Anchor, got {self.anchor!r}")

    def __str__(self) -> str:
        return f"{self.days} {self.unit} from {self.anchor}"


@dataclass(frozen=True, slots=True)
class Liability:
    """What the carrier pays without extra cover, and on what basis."""

    amount: Money
    basis: str


def _check_provenance(label: str, sources: tuple[str, ...], verified_on: date) -> None:
    if not sources or not all(isinstance(s, str) and s.strip() for s in sources):
        raise InvalidValue(f"{label}: sources must list at least one non-empty source")
    if not isinstance(verified_on, date):
        raise InvalidValue(f"{label}: verified_on must be a date, got {verified_on!r}")


def _check_slug(label: str, field: str, value: object, allow_any: bool = False) -> None:
    if allow_any and value == ANY:
        return
    if not isinstance(value, str) or not _SLUG_RE.match(value):
        raise InvalidValue(f"{label}: {field} must be a lower-case slug, got {value!r}")


@dataclass(frozen=True, slots=True)
class ClaimRule:
    """When and how a claim of one type can be filed with one carrier service.

    ``earliest`` is the "no sooner than" wait, ``latest`` the "no later than" limit; either
    is ``None`` when the source gives none.  ``claimable`` is False where the source says
    no claim can be filed under this rule (compensation is automatic, or the claim belongs
    to another party).  ``store``/``channel`` are set only on a seller's scoped override.
    """

    carrier: str
    service: str
    scope: Scope
    claim_type: ClaimType
    earliest: Window | None
    latest: Window | None
    sources: tuple[str, ...]
    confidence: Confidence
    verified_on: date
    who_may_file: tuple[str, ...] = ()
    required_documents: tuple[str, ...] = ()
    default_liability: Liability | None = None
    insurance_max: Money | None = None
    processing: str = ""
    submit_via: str = ""
    quote: str = ""
    notes: str = ""
    claimable: bool = True
    store: str | None = None
    channel: str | None = None
    origin: str = "shipped"
    overridden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        label = self.label
        _check_slug(label, "carrier", self.carrier)
        _check_slug(label, "service", self.service, allow_any=True)
        if not isinstance(self.scope, Scope):
            raise InvalidValue(f"{label}: scope must be a Scope, got {self.scope!r}")
        if not isinstance(self.claim_type, ClaimType):
            raise InvalidValue(f"{label}: claim_type must be a ClaimType, got {self.claim_type!r}")
        if not isinstance(self.confidence, Confidence):
            raise InvalidValue(f"{label}: confidence must be one of A, B, C, ?")
        _check_provenance(label, self.sources, self.verified_on)
        for who in self.who_may_file:
            if who not in FILER_SLUGS:
                raise InvalidValue(f"{label}: who_may_file has unknown party {who!r}")
        for doc in self.required_documents:
            if doc not in DOCUMENT_SLUGS:
                raise InvalidValue(f"{label}: required_documents has unknown slug {doc!r}")
        first, last = self.earliest, self.latest
        if (
            first is not None
            and last is not None
            and (first.unit, first.anchor) == (last.unit, last.anchor)
            and first.days >= last.days
        ):
            raise InvalidValue(f"{label}: earliest ({first}) must be before latest ({last})")

    @property
    def key(self) -> tuple[str, str, Scope, ClaimType]:
        return (self.carrier, self.service, self.scope, self.claim_type)

    @property
    def label(self) -> str:
        scoped = "".join(
            f" [{name}={value}]"
            for name, value in (("store", self.store), ("channel", self.channel))
            if value
        )
        return f"{self.carrier}/{self.service}/{self.scope}/{self.claim_type}{scoped}"


@dataclass(frozen=True, slots=True)
class PlatformStep:
    """One deadline a marketplace or payment provider imposes in a dispute.

    ``window`` is ``None`` when the deadline is set per case (e.g. Shopify's
    ``evidenceDueBy``) or was not found; ``auto_outcome`` is what happens if it is missed.
    """

    platform: str
    market: str
    step: str
    window: Window | None
    sources: tuple[str, ...]
    confidence: Confidence
    verified_on: date
    auto_outcome: str = ""
    quote: str = ""
    notes: str = ""
    store: str | None = None
    origin: str = "shipped"
    overridden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        label = self.label
        _check_slug(label, "platform", self.platform)
        _check_slug(label, "step", self.step)
        if self.market != ANY and not _MARKET_RE.match(self.market):
            raise InvalidValue(f"{label}: market must be '*' or an ISO country code")
        if not isinstance(self.confidence, Confidence):
            raise InvalidValue(f"{label}: confidence must be one of A, B, C, ?")
        _check_provenance(label, self.sources, self.verified_on)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.market, self.step)

    @property
    def label(self) -> str:
        scoped = f" [store={self.store}]" if self.store else ""
        return f"{self.platform}/{self.market}/{self.step}{scoped}"


class RuleBook:
    """All rules in force, with lookups that pick the most specific match.

    Specificity, strongest first: exact service over ``"*"``, then a channel-scoped
    override, then a store-scoped one.  Service comes first because an override is written
    against one shipped rule and only replaces that rule's fields.
    """

    def __init__(
        self,
        claim_rules: Iterable[ClaimRule],
        platform_steps: Iterable[PlatformStep] = (),
        version: str = "",
    ) -> None:
        self.version = version
        self._rules = tuple(claim_rules)
        self._steps = tuple(platform_steps)
        seen: set[object] = set()
        for rule in self._rules:
            rule_key = (*rule.key, rule.store, rule.channel)
            if rule_key in seen:
                raise InvalidValue(f"{rule.label}: duplicate claim rule")
            seen.add(rule_key)
        for step in self._steps:
            step_key = (*step.key, step.store)
            if step_key in seen:
                raise InvalidValue(f"{step.label}: duplicate platform step")
            seen.add(step_key)

    @property
    def all_claim_rules(self) -> tuple[ClaimRule, ...]:
        return self._rules

    @property
    def all_platform_steps(self) -> tuple[PlatformStep, ...]:
        return self._steps

    def claim_rule(
        self,
        carrier: str,
        service: str,
        scope: Scope | str,
        claim_type: ClaimType | str,
        *,
        store: str | None = None,
        channel: str | None = None,
    ) -> ClaimRule | None:
        """The single most specific rule, or None when no rule covers the parcel."""
        found = self.claim_rules(carrier, service, scope, claim_type, store=store, channel=channel)
        return found[0] if found else None

    def claim_rules(
        self,
        carrier: str,
        service: str,
        scope: Scope | str,
        claim_type: ClaimType | str | None = None,
        *,
        store: str | None = None,
        channel: str | None = None,
    ) -> list[ClaimRule]:
        """The winning rule for each claim type (or only ``claim_type`` when given)."""
        carrier, service = carrier.lower(), service.lower()
        try:
            scope = Scope(scope)
            wanted = None if claim_type is None else ClaimType(claim_type)
        except ValueError as exc:
            raise InvalidValue(f"claim rule lookup: {exc}") from None
        best: dict[ClaimType, tuple[tuple[bool, bool, bool], ClaimRule]] = {}
        for rule in self._rules:
            if (
                rule.carrier != carrier
                or rule.scope != scope
                or (wanted is not None and rule.claim_type != wanted)
                or rule.service not in (service, ANY)
                or rule.store not in (None, store)
                or rule.channel not in (None, channel)
            ):
                continue
            score = (rule.service != ANY, rule.channel is not None, rule.store is not None)
            current = best.get(rule.claim_type)
            if current is None or score > current[0]:
                best[rule.claim_type] = (score, rule)
        return [best[ct][1] for ct in ClaimType if ct in best]

    def platform_steps(
        self, platform: str, market: str, *, store: str | None = None
    ) -> list[PlatformStep]:
        """Every step of ``platform`` that applies in ``market``, one per step name.

        A market-specific step beats a ``"*"`` one of the same name; file order is kept.
        """
        platform, market = platform.lower(), market.upper()
        best: dict[str, tuple[tuple[bool, bool], PlatformStep]] = {}
        for step in self._steps:
            if (
                step.platform != platform
                or step.market not in (market, ANY)
                or step.store not in (None, store)
            ):
                continue
            score = (step.market != ANY, step.store is not None)
            current = best.get(step.step)
            if current is None or score > current[0]:
                best[step.step] = (score, step)
        return [step for _, step in best.values()]
