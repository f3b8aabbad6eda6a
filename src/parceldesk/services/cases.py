"""Case use cases: open by hand or from a buyer report, and every command on a case.

Each command loads the case scoped to the caller's stores, applies a pure domain command,
re-evaluates the clocks, chains the new timeline entries onto the stored head, and
commits -- one transaction per command, so a failed command leaves nothing behind and
two agents editing one case cannot silently overwrite each other (the repository checks
the row version).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from parceldesk.domain.cases.case import Case, CaseSource
from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.cases.timeline import TimelineEntry, chain
from parceldesk.domain.errors import DomainError
from parceldesk.services.case_clocks import SYSTEM, CaseEnv, evaluate_clocks
from parceldesk.services.case_ports import CaseRefs, ShipmentFacts, StoredCase, StoredDeadline
from parceldesk.services.ports import UnitOfWork

__all__ = [
    "CaseNotFound",
    "Command",
    "chain_all",
    "open_case",
    "report_by_buyer",
    "run_command",
    "write_case",
]

Command = Callable[[Case], tuple[Case, list[TimelineEntry]]]


class CaseNotFound(DomainError):
    pass


def chain_all(head: TimelineEntry | None, entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for entry in entries:
        head = chain(head, entry)
        out.append(head)
    return out


def verify_address(
    case: Case, facts: ShipmentFacts, env: CaseEnv, now: datetime
) -> tuple[Case, list[TimelineEntry]]:
    """Run the offline address check for a new case's ``verify_address`` step: no
    finding ticks it, a finding flags it for a person (nothing is corrected)."""
    item = case.item(Step.VERIFY_ADDRESS)
    ship_to = facts.ship_to
    if env.address is None or item is None or item.status is not ItemStatus.OPEN:
        return case, []
    if not (ship_to.line1 or ship_to.postal_code):
        return case, []
    verdict = env.address.verify(ship_to)
    problems = [f for f in verdict.findings if f.severity in ("error", "warning")]
    if problems:
        result = "; ".join(f"{f.severity}: {f.message}" for f in problems)
        return case.check(Step.VERIFY_ADDRESS, ItemStatus.FLAGGED, result=result,
                          actor=SYSTEM, at=now)  # fmt: skip
    checks = ", ".join(verdict.checks_run) or "none"
    result = f"offline checks passed ({checks}): {verdict.display.replace(chr(10), ', ')}"
    return case.check(Step.VERIFY_ADDRESS, ItemStatus.DONE, result=result, actor=SYSTEM, at=now)


def write_case(
    uow: UnitOfWork,
    stored: StoredCase,
    case: Case,
    entries: Sequence[TimelineEntry],
    facts: ShipmentFacts,
    env: CaseEnv,
    now: datetime,
    *,
    previous: Sequence[StoredDeadline] | None = None,
) -> list[TimelineEntry]:
    """Save ``case`` with ``entries`` and its re-evaluated clocks (no commit); returns
    the announcements (reminders, misses, windows opening) the clocks added.

    ``previous`` (the stored clocks, when the caller already loaded them in bulk) also
    allows skipping the write altogether when there is nothing new: no entries, no
    announcements and the same clocks -- what most cases look like on a repeat scan.
    """
    before = uow.cases.deadlines(stored.id) if previous is None else previous
    rows, upcoming, announcements = evaluate_clocks(case, facts, before, env, now)
    if previous is not None and not entries and not announcements:
        key = operator.attrgetter("clock.key")
        if sorted(rows, key=key) == sorted(previous, key=key):
            return []
    uow.cases.save(stored, case, chain_all(stored.head, [*entries, *announcements]), now)
    uow.cases.replace_deadlines(stored.id, rows, upcoming)
    return announcements


def run_command(
    uow: UnitOfWork,
    case_id: int,
    command: Command,
    *,
    env: CaseEnv,
    now: datetime,
    store_ids: Sequence[int] | None,
) -> Case:
    with uow:
        stored = uow.cases.get(case_id, store_ids)
        if stored is None:
            raise CaseNotFound(f"no case #{case_id} (or not in a store you may see)")
        case, entries = command(stored.case)
        facts = uow.cases.facts([stored.refs.shipment_id])[stored.refs.shipment_id]
        write_case(uow, stored, case, entries, facts, env, now)
        uow.commit()
    return case


@dataclass(frozen=True, slots=True)
class Opened:
    case_id: int
    created: bool  # False: an open case already existed and was updated instead


def _open_or_update(
    uow: UnitOfWork,
    facts: ShipmentFacts,
    kind: CaseKind,
    source: CaseSource,
    *,
    actor: str,
    env: CaseEnv,
    now: datetime,
    why: str,
    extra: Command | None = None,
) -> Opened:
    existing = uow.cases.open_case_ids_by_shipment([facts.shipment_id]).get(facts.shipment_id)
    if existing is not None:
        stored = uow.cases.get(existing, None)
        assert stored is not None
        case, entries = stored.case, list[TimelineEntry]()
        if kind.severity > case.kind.severity:
            case, entries = case.escalate(kind, actor=actor, at=now, why=why)
        elif source is CaseSource.MANUAL:
            raise DomainError(
                f"case #{existing} is already open for {facts.tracking_number}; update it instead"
            )
        if extra is not None:
            case, more = extra(case)
            entries += more
        if entries:
            write_case(uow, stored, case, entries, facts, env, now)
        return Opened(existing, created=False)
    case, entries = Case.open(
        kind=kind, source=source, tracking_number=facts.tracking_number, at=now, actor=actor,
        value_at_risk=facts.value_at_risk, tier=env.tiers.tier(facts.value_at_risk), why=why,
    )  # fmt: skip
    case, more = verify_address(case, facts, env, now)
    entries += more
    if extra is not None:
        case, more = extra(case)
        entries += more
    refs = CaseRefs(facts.shipment_id, facts.store_id, facts.order_id)
    case_id = uow.cases.add(refs, case, [], now)
    if env.evidence is not None:
        entries += env.evidence.capture_on_open(uow, case_id, case, facts, now)
    stored = StoredCase(case_id, refs, case, None)
    write_case(uow, stored, case, entries, facts, env, now)
    return Opened(case_id, created=True)


def _facts(uow: UnitOfWork, tracking_number: str, store_ids: Sequence[int] | None) -> ShipmentFacts:
    shipment_id = uow.cases.shipment_id(tracking_number, store_ids)
    if shipment_id is None:
        raise CaseNotFound(f"no parcel {tracking_number} (or not in a store you may see)")
    return uow.cases.facts([shipment_id])[shipment_id]


def open_case(
    uow: UnitOfWork,
    tracking_number: str,
    kind: CaseKind,
    *,
    actor: str,
    note: str,
    env: CaseEnv,
    now: datetime,
    store_ids: Sequence[int] | None,
) -> Opened:
    """Open a case by hand (an agent noticed something the detectors did not)."""
    with uow:
        facts = _facts(uow, tracking_number, store_ids)
        opened = _open_or_update(
            uow, facts, kind, CaseSource.MANUAL, actor=actor, env=env, now=now,
            why=note or "opened by hand",
        )  # fmt: skip
        uow.commit()
    return opened


def report_by_buyer(
    uow: UnitOfWork,
    tracking_number: str,
    kind: CaseKind,
    *,
    reported_at: datetime,
    actor: str,
    note: str,
    env: CaseEnv,
    now: datetime,
    store_ids: Sequence[int] | None,
    request_opened_at: datetime | None = None,
) -> Opened:
    """A buyer says the parcel never arrived, or arrived damaged. ``request_opened_at``
    is when the marketplace request (return/refund, INR claim) was opened, which starts
    the platform's response clocks."""
    if kind not in (CaseKind.DELIVERED_NOT_RECEIVED, CaseKind.DAMAGED, CaseKind.LOST):
        raise DomainError("a buyer report is about a parcel not received, lost or damaged")

    def anchors(case: Case) -> tuple[Case, list[TimelineEntry]]:
        case, entries = case.record_anchor("reported", reported_at, actor=actor, at=now)
        # The buyer contacting the seller starts e.g. Amazon's 72-hour response clock.
        if "buyer_contacted" not in case.anchors:
            case, more = case.record_anchor("buyer_contacted", reported_at, actor=actor, at=now)
            entries += more
        if request_opened_at is not None:
            case, more = case.record_anchor(
                "request_opened", request_opened_at, actor=actor, at=now
            )
            entries += more
        if note:
            case, more = case.add_note(f"buyer: {note}", actor=actor, at=now)
            entries += more
        return case, entries

    with uow:
        facts = _facts(uow, tracking_number, store_ids)
        opened = _open_or_update(
            uow, facts, kind, CaseSource.BUYER_REPORT, actor=actor, env=env, now=now,
            why=f"buyer reported the parcel {kind.value.replace('_', ' ')}", extra=anchors,
        )  # fmt: skip
        uow.commit()
    return opened
