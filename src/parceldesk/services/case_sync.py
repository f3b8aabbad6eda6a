"""Cases from the scan: open, escalate, close and reopen cases from detector findings,
then bring every open case's clocks up to date (reminders, misses).

Runs after ``run_scan`` in the same ``scan`` command, as of the same instant. Rules:

* a finding on a parcel without an open case opens one (kind from
  ``domain.cases.intake``); on a parcel with one, it is linked to it and may escalate
  its kind (delayed -> lost), never de-escalate it;
* a parcel that was delivered after its case opened: an untouched ``detected`` case is
  closed (a false alarm costs nobody anything); a lost case someone already worked on
  takes the ``delivered_after_all`` transition -- also from ``closed`` -- because a
  filed claim must be withdrawn and a refund may be recoverable;
* nothing else closes a case: a person decides that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from parceldesk.domain.cases.case import Case, CaseSource
from parceldesk.domain.cases.intake import kind_for_exception
from parceldesk.domain.cases.states import CaseKind, CaseState, MainCommand
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.taxonomy import Status
from parceldesk.services.case_clocks import SYSTEM, CaseEnv
from parceldesk.services.case_ports import CaseRefs, ShipmentFacts, StoredCase
from parceldesk.services.cases import verify_address, write_case
from parceldesk.services.ports import StoredException, UnitOfWork

__all__ = ["CaseSyncReport", "sync_cases"]

_DELIVERED_TAG = "delivered_after_all"


@dataclass(slots=True)
class CaseSyncReport:
    opened: int = 0
    escalated: int = 0
    closed: int = 0
    reopened: int = 0
    reminders: int = 0
    missed: int = 0
    open_cases: int = 0


def _finding(e: StoredException, at: datetime) -> TimelineEntry:
    return TimelineEntry(
        seq=0, at=at, actor=SYSTEM, action="finding",
        detail={"exception": e.kind.value, "reason": e.reason.value, "explanation": e.explanation},
    )  # fmt: skip


def _delivered(case: Case, facts: ShipmentFacts, at: datetime) -> tuple[Case, list[TimelineEntry]]:
    """What a delivery scan after the case opened does to it (see module docstring)."""
    if (
        facts.status is not Status.DELIVERED
        or facts.delivered_at is None
        or facts.delivered_at < case.opened_at
        or _DELIVERED_TAG in case.tags
        or case.kind not in (CaseKind.LOST, CaseKind.DELAYED)
    ):
        return case, []
    when = facts.delivered_at.isoformat()
    if case.state is CaseState.DETECTED:
        return case.transition(
            MainCommand.CLOSE, actor=SYSTEM, at=at, note=f"parcel delivered at {when}"
        )
    if case.kind is CaseKind.DELAYED:
        return case.tag({_DELIVERED_TAG}, set(), actor=SYSTEM, at=at)
    case, entries = case.transition(
        MainCommand.DELIVERED_AFTER_ALL, actor=SYSTEM, at=at,
        note=f"parcel delivered at {when}: withdraw any claim, review the buyer's refund",
    )  # fmt: skip
    case, more = case.tag({_DELIVERED_TAG}, set(), actor=SYSTEM, at=at)
    return case, entries + more


def sync_cases(uow: UnitOfWork, *, env: CaseEnv, as_of: datetime) -> CaseSyncReport:
    report = CaseSyncReport()
    with uow:
        uow.exceptions.lock_for_scan()  # one scan (and its case sync) at a time
        findings: dict[int, list[StoredException]] = defaultdict(list)
        for e in uow.exceptions.open_exceptions():
            findings[e.shipment_id].append(e)
        open_ids = uow.cases.open_case_ids_by_shipment(None)
        reopenable = uow.cases.closed_lost_delivered_after_close()
        stored_by_shipment = {
            s.refs.shipment_id: s
            for s in uow.cases.get_many([*open_ids.values(), *reopenable])
            if s.refs.shipment_id not in open_ids or s.case.is_open
        }
        facts = uow.cases.facts(set(findings) | set(stored_by_shipment))
        clocks = uow.cases.deadlines_for([s.id for s in stored_by_shipment.values()])
        for shipment_id in sorted(set(findings) | set(stored_by_shipment)):
            f = facts[shipment_id]
            stored = stored_by_shipment.get(shipment_id)
            found = findings.get(shipment_id, [])
            if stored is None:
                _open_from(uow, f, found, env, as_of, report)
                continue
            new = [e for e in found if e.id not in stored.exception_ids]
            case, entries = stored.case, [_finding(e, as_of) for e in new]
            worst = max((kind_for_exception(e.kind, e.reason) for e in new),
                        key=lambda k: k.severity, default=None)  # fmt: skip
            if case.is_open and worst is not None and worst.severity > case.kind.severity:
                case, more = case.escalate(worst, actor=SYSTEM, at=as_of, why=new[0].explanation)
                entries += more
                report.escalated += 1
            was_open = case.is_open
            case, more = _delivered(case, f, as_of)
            entries += more
            report.closed += was_open and not case.is_open
            report.reopened += (not was_open) and case.is_open
            if case.is_open or entries:
                written = write_case(
                    uow, stored, case, entries, f, env, as_of, previous=clocks.get(stored.id, [])
                )
                _count(written, report)
            if new:
                uow.cases.link_exceptions(stored.id, [e.id for e in new])
        report.open_cases = len(uow.cases.open_case_ids_by_shipment(None))
        uow.commit()
    return report


def _open_from(
    uow: UnitOfWork,
    f: ShipmentFacts,
    found: list[StoredException],
    env: CaseEnv,
    at: datetime,
    report: CaseSyncReport,
) -> None:
    if not found:
        return
    first = max(found, key=lambda e: kind_for_exception(e.kind, e.reason).severity)
    case, entries = Case.open(
        kind=kind_for_exception(first.kind, first.reason), source=CaseSource.DETECTION,
        tracking_number=f.tracking_number, at=at, actor=SYSTEM,
        value_at_risk=f.value_at_risk, tier=env.tiers.tier(f.value_at_risk),
        why=first.explanation,
    )  # fmt: skip
    entries += [_finding(e, at) for e in found]
    case, more = verify_address(case, f, env, at)
    entries += more
    refs = CaseRefs(f.shipment_id, f.store_id, f.order_id)
    case_id = uow.cases.add(refs, case, [], at)
    if env.evidence is not None:
        entries += env.evidence.capture_on_open(uow, case_id, case, f, at)
    stored = StoredCase(case_id, refs, case, None)
    _count(write_case(uow, stored, case, entries, f, env, at), report)
    uow.cases.link_exceptions(case_id, [e.id for e in found])
    report.opened += 1


def _count(announcements: list[TimelineEntry], report: CaseSyncReport) -> None:
    for entry in announcements:
        if entry.action == "deadline_reminder":
            report.reminders += 1
        elif entry.action == "deadline_missed":
            report.missed += 1
