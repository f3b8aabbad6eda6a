"""The case aggregate and the commands that change it.

A command is a pure function ``(case, ...) -> (new case, timeline entries)``. It checks
the transition tables and the command's own rules, and says in the entries what changed
(before/after). The service layer chains the entries' hashes, stores both and commits;
nothing else writes a case. ``Case`` is immutable so that a command that fails halfway
leaves nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from parceldesk.domain.cases.checklist import ChecklistItem, ItemStatus, Step, steps_for
from parceldesk.domain.cases.states import (
    BuyerCommand,
    BuyerState,
    CaseKind,
    CaseState,
    MainCommand,
    next_buyer_state,
    next_main_state,
)
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.errors import DomainError, InvalidValue
from parceldesk.domain.money import Money

__all__ = [
    "BUYER_INFORMED",
    "Case",
    "CaseSource",
    "Contact",
    "Priority",
    "Step",
]


#: Anchor key: when we first told the buyer about the problem. Not ``buyer_contacted``,
#: which in the rules files means the *buyer* contacted the seller (Amazon's 72 hours).
BUYER_INFORMED = "buyer_informed"


class CaseSource(StrEnum):
    DETECTION = "detection"
    BUYER_REPORT = "buyer_report"
    MANUAL = "manual"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


_BASE_PRIORITY = {
    CaseKind.LOST: Priority.HIGH,
    CaseKind.DAMAGED: Priority.HIGH,
    CaseKind.DELIVERED_NOT_RECEIVED: Priority.HIGH,
    CaseKind.RETURNED: Priority.NORMAL,
    CaseKind.ADDRESS_PROBLEM: Priority.NORMAL,
    CaseKind.DELAYED: Priority.LOW,
}


def default_priority(kind: CaseKind, tier: str) -> Priority:
    """Kind sets the base; a high-value parcel is one level more urgent."""
    base = _BASE_PRIORITY[kind]
    if tier == "high":
        order = list(Priority)
        return order[min(order.index(base) + 1, len(order) - 1)]
    return base


@dataclass(frozen=True, slots=True)
class Contact:
    """One logged conversation (the seeds insist on keeping them: they are evidence)."""

    channel: str  # phone, email, chat, platform_message, sms, web_form
    direction: str  # outbound | inbound
    counterparty: str  # buyer | carrier | platform | insurer | other
    summary: str
    agent_id: str = ""  # the carrier/platform agent's ID, when they gave one
    reference: str = ""  # their ticket / case number

    def __post_init__(self) -> None:
        if self.direction not in ("outbound", "inbound"):
            raise InvalidValue("contact direction must be 'outbound' or 'inbound'")
        if self.counterparty not in ("buyer", "carrier", "platform", "insurer", "other"):
            raise InvalidValue(
                "contact counterparty must be buyer, carrier, platform, insurer or other"
            )
        if not self.channel.strip() or not self.summary.strip():
            raise InvalidValue("a contact needs a channel and a summary of what was said")

    def detail(self) -> dict[str, str]:
        out = {
            "channel": self.channel,
            "direction": self.direction,
            "counterparty": self.counterparty,
            "summary": self.summary,
        }
        if self.agent_id:
            out["agent_id"] = self.agent_id
        if self.reference:
            out["reference"] = self.reference
        return out


Result = tuple["Case", list[TimelineEntry]]


@dataclass(frozen=True, slots=True)
class Case:
    """One incident on one parcel, from detection until the money and the buyer are settled.

    ``anchors`` holds the case's own dated facts that deadlines count from (buyer
    contacted, marketplace request opened, claim filed, ...), keyed by
    ``parceldesk.domain.rules.Anchor`` values. ``completed`` maps a deadline's key to when
    it was met.
    """

    kind: CaseKind
    source: CaseSource
    tracking_number: str
    opened_at: datetime
    state: CaseState = CaseState.DETECTED
    buyer_state: BuyerState = BuyerState.NOT_CONTACTED
    owner: str | None = None
    priority: Priority = Priority.NORMAL
    value_at_risk: Money | None = None
    tier: str = "unknown"
    tags: frozenset[str] = frozenset()
    snoozed_until: datetime | None = None
    closed_at: datetime | None = None
    buyer_update_due: datetime | None = None
    anchors: Mapping[str, datetime] = field(default_factory=dict)
    completed: Mapping[str, datetime] = field(default_factory=dict)
    checklist: tuple[ChecklistItem, ...] = ()
    id: int | None = None

    def __post_init__(self) -> None:
        for name in ("opened_at", "snoozed_until", "closed_at", "buyer_update_due"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidValue(f"case {name} has no timezone")

    @property
    def is_open(self) -> bool:
        return self.state is not CaseState.CLOSED

    def item(self, step: Step) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.step is step), None)

    # ------------------------------------------------------------------ creation
    @classmethod
    def open(
        cls,
        *,
        kind: CaseKind,
        source: CaseSource,
        tracking_number: str,
        at: datetime,
        actor: str,
        value_at_risk: Money | None = None,
        tier: str = "unknown",
        why: str = "",
        owner: str | None = None,
    ) -> Result:
        case = cls(
            kind=kind,
            source=source,
            tracking_number=tracking_number,
            opened_at=at,
            owner=owner,
            priority=default_priority(kind, tier),
            value_at_risk=value_at_risk,
            tier=tier,
            checklist=tuple(ChecklistItem(step) for step in steps_for(kind)),
        )
        detail = {"kind": kind.value, "source": source.value, "tracking_number": tracking_number}
        if value_at_risk is not None:
            detail["value_at_risk"] = f"{value_at_risk.amount} {value_at_risk.currency}"
        if why:
            detail["why"] = why
        return case, [
            _entry(at, actor, "opened", track="main", after=CaseState.DETECTED.value, **detail)
        ]

    # ------------------------------------------------------------------ state tracks
    def transition(
        self, command: MainCommand, *, actor: str, at: datetime, note: str = ""
    ) -> Result:
        after = next_main_state(self.state, command)
        changes: dict[str, object] = {"state": after}
        anchors = dict(self.anchors)
        if command is MainCommand.FILE_CLAIM or command is MainCommand.APPEAL:
            anchors["claim_opened"] = at
        if command is MainCommand.DECIDE_CLAIM:
            anchors["claim_decided"] = at
        changes["anchors"] = anchors
        if after is CaseState.CLOSED:
            changes["closed_at"] = at
        elif self.state is CaseState.CLOSED:
            changes["closed_at"] = None
        detail = {"note": note} if note else {}
        entry = _entry(
            at, actor, command.value, track="main", before=self.state.value, after=after.value,
            **detail,
        )  # fmt: skip
        return replace(self, **changes), [entry]  # type: ignore[arg-type]

    def buyer_transition(
        self,
        command: BuyerCommand,
        *,
        actor: str,
        at: datetime,
        note: str = "",
        promise_until: datetime | None = None,
    ) -> Result:
        after = next_buyer_state(self.buyer_state, command)
        anchors = dict(self.anchors)
        if command is BuyerCommand.CONTACT_BUYER:
            anchors.setdefault(BUYER_INFORMED, at)
        detail = {"note": note} if note else {}
        if promise_until is not None:
            detail["promised_update_by"] = promise_until.isoformat()
        entry = _entry(
            at, actor, command.value, track="buyer", before=self.buyer_state.value,
            after=after.value, **detail,
        )  # fmt: skip
        due = promise_until if promise_until is not None else self.buyer_update_due
        return replace(self, buyer_state=after, anchors=anchors, buyer_update_due=due), [entry]

    def promise_update(self, until: datetime, *, actor: str, at: datetime) -> Result:
        """We told the buyer "we will update you by ``until``": that is a deadline now."""
        if until.tzinfo is None:
            raise InvalidValue("promised update time has no timezone")
        entry = _entry(
            at, actor, "update_promised", track="buyer", before=_iso(self.buyer_update_due),
            after=until.isoformat(),
        )  # fmt: skip
        return replace(self, buyer_update_due=until), [entry]

    # ------------------------------------------------------------------ everything else
    def assign(self, owner: str | None, *, actor: str, at: datetime) -> Result:
        if owner == self.owner:
            raise DomainError(f"case is already assigned to {owner or 'nobody'}")
        entry = _entry(at, actor, "assigned", before=self.owner, after=owner)
        return replace(self, owner=owner), [entry]

    def add_note(self, text: str, *, actor: str, at: datetime) -> Result:
        if not text.strip():
            raise InvalidValue("a note needs some text")
        return self, [_entry(at, actor, "note", text=text.strip())]

    def snooze(self, until: datetime | None, *, actor: str, at: datetime) -> Result:
        if until is not None and until <= at:
            raise InvalidValue(f"snooze until {until.isoformat()} is not in the future")
        entry = _entry(
            at, actor, "snoozed" if until else "unsnoozed",
            before=self.snoozed_until.isoformat() if self.snoozed_until else None,
            after=until.isoformat() if until else None,
        )  # fmt: skip
        return replace(self, snoozed_until=until), [entry]

    def set_priority(self, priority: Priority, *, actor: str, at: datetime) -> Result:
        entry = _entry(at, actor, "priority", before=self.priority.value, after=priority.value)
        return replace(self, priority=priority), [entry]

    def tag(self, add: set[str], remove: set[str], *, actor: str, at: datetime) -> Result:
        tags = (self.tags | {t.strip().lower() for t in add if t.strip()}) - remove
        entry = _entry(
            at, actor, "tags", before=",".join(sorted(self.tags)), after=",".join(sorted(tags))
        )
        return replace(self, tags=frozenset(tags)), [entry]

    def escalate(self, kind: CaseKind, *, actor: str, at: datetime, why: str = "") -> Result:
        """A more severe finding on the same parcel (delayed -> lost) changes the kind;
        the new kind's checklist steps are added, nothing already done is lost."""
        if kind.severity <= self.kind.severity:
            raise DomainError(f"case kind {self.kind} is not escalated by {kind}")
        have = {i.step for i in self.checklist}
        items = self.checklist + tuple(ChecklistItem(s) for s in steps_for(kind) if s not in have)
        detail = {"why": why} if why else {}
        entry = _entry(
            at, actor, "kind_escalated", before=self.kind.value, after=kind.value, **detail
        )
        priority = max(self.priority, default_priority(kind, self.tier), key=list(Priority).index)
        return replace(self, kind=kind, checklist=items, priority=priority), [entry]

    def record_anchor(self, anchor: str, when: datetime, *, actor: str, at: datetime) -> Result:
        """A dated fact from outside (the marketplace opened a request at ...)."""
        if when.tzinfo is None:
            raise InvalidValue(f"{anchor} time has no timezone")
        entry = _entry(
            at, actor, "anchor", before=_iso(self.anchors.get(anchor)), after=when.isoformat(),
            anchor=anchor,
        )  # fmt: skip
        return replace(self, anchors={**self.anchors, anchor: when}), [entry]

    def complete_deadline(self, key: str, *, actor: str, at: datetime, note: str = "") -> Result:
        if key in self.completed:
            raise DomainError(
                f"deadline {key} was already met at {self.completed[key].isoformat()}"
            )
        detail = {"deadline": key, **({"note": note} if note else {})}
        return replace(self, completed={**self.completed, key: at}), [
            _entry(at, actor, "deadline_met", **detail)
        ]

    def check(
        self,
        step: Step,
        status: ItemStatus,
        *,
        result: str,
        actor: str,
        at: datetime,
        agent_id: str = "",
    ) -> Result:
        current = self.item(step)
        if current is None:
            raise DomainError(f"a {self.kind} case has no checklist step {step}")
        updated = ChecklistItem(step, status, result.strip(), agent_id.strip())
        items = tuple(updated if i.step is step else i for i in self.checklist)
        detail = {"step": step.value, "result": result.strip()}
        if agent_id.strip():
            detail["agent_id"] = agent_id.strip()
        entry = _entry(
            at, actor, "checklist", before=current.status.value, after=status.value, **detail
        )
        return replace(self, checklist=items), [entry]

    def log_contact(self, contact: Contact, *, actor: str, at: datetime) -> Result:
        """Log a conversation. The first outbound buyer contact moves the buyer track; a
        carrier answer with an agent ID ticks the ``query_carrier`` step."""
        case, entries = self, [_entry(at, actor, "contact", **contact.detail())]
        if contact.counterparty == "buyer":
            if case.buyer_state is BuyerState.NOT_CONTACTED and contact.direction == "outbound":
                case, more = case.buyer_transition(
                    BuyerCommand.CONTACT_BUYER, actor=actor, at=at, note=contact.summary
                )
                entries += more
            if contact.direction == "outbound":
                case = replace(case, buyer_update_due=None)
        step = case.item(Step.QUERY_CARRIER)
        if (
            contact.counterparty == "carrier"
            and contact.agent_id
            and step is not None
            and step.status is ItemStatus.OPEN
        ):
            case, more = case.check(
                Step.QUERY_CARRIER, ItemStatus.DONE, result=contact.summary,
                agent_id=contact.agent_id, actor=actor, at=at,
            )  # fmt: skip
            entries += more
        return case, entries


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _entry(
    at: datetime,
    actor: str,
    action: str,
    *,
    track: str = "case",
    before: str | None = None,
    after: str | None = None,
    **detail: str,
) -> TimelineEntry:
    return TimelineEntry(
        seq=0, at=at, actor=actor, action=action, track=track, before=before, after=after,
        detail=detail,
    )  # fmt: skip
