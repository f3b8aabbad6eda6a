"""SQL for cases: rows, checklist, clocks, the append-only timeline and the work queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from parceldesk.adapters.db import case_tables as ct
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.case_reads import load_facts, load_queue, money_or_none
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.domain.cases.case import Case, CaseSource, Priority
from parceldesk.domain.cases.checklist import ChecklistItem, ItemStatus, Step
from parceldesk.domain.cases.clocks import CaseDeadline, DeadlineKind
from parceldesk.domain.cases.states import BuyerState, CaseKind, CaseState
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.errors import ConflictError
from parceldesk.services.case_ports import (
    CaseRefs,
    QueueRow,
    ShipmentFacts,
    StoredCase,
    StoredDeadline,
)

__all__ = ["SqlCaseRepository"]

_CLOSED = CaseState.CLOSED.value


def _times(raw: dict[str, str] | None) -> dict[str, datetime]:
    return {k: datetime.fromisoformat(v) for k, v in (raw or {}).items()}


def _iso(values: Iterable[tuple[str, datetime]]) -> dict[str, str]:
    return {k: v.isoformat() for k, v in sorted(values)}


def _entry(row: ct.CaseTimelineEntry) -> TimelineEntry:
    return TimelineEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        track=row.track,
        before=row.before,
        after=row.after,
        detail=dict(row.detail or {}),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _deadline(r: ct.CaseDeadlineRow) -> StoredDeadline:
    clock = CaseDeadline(
        key=r.key, kind=DeadlineKind(r.kind), label=r.label, due_at=r.due_at, rule=r.rule,
        confidence=r.confidence, source=r.source, counted=r.counted,
        auto_outcome=r.auto_outcome, waiting_for=r.waiting_for,
    )  # fmt: skip
    return StoredDeadline(clock, r.status, r.reminded_at)


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ parcels
    def shipment_id(self, tracking_number: str, store_ids: Sequence[int] | None) -> int | None:
        query = select(t.Shipment.id).where(t.Shipment.tracking_number == tracking_number)
        if store_ids is not None:
            query = query.where(t.Shipment.store_id.in_(list(store_ids)))
        return self.session.scalar(query)

    def facts(self, shipment_ids: Iterable[int]) -> dict[int, ShipmentFacts]:
        return load_facts(self.session, shipment_ids)

    # ------------------------------------------------------------------ cases
    def open_case_ids_by_shipment(
        self, shipment_ids: Iterable[int] | None = None
    ) -> dict[int, int]:
        query = select(ct.Case.shipment_id, ct.Case.id).where(ct.Case.state != _CLOSED)
        if shipment_ids is None:
            return {s: c for s, c in self.session.execute(query)}
        out: dict[int, int] = {}
        for part in chunks(sorted(set(shipment_ids)), 500):
            rows = self.session.execute(query.where(ct.Case.shipment_id.in_(part)))
            out.update({s: c for s, c in rows})
        return out

    def closed_lost_delivered_after_close(self) -> list[int]:
        rows = self.session.execute(
            select(ct.Case.id, ct.Case.tags)
            .join(t.Shipment, t.Shipment.id == ct.Case.shipment_id)
            .where(
                ct.Case.state == _CLOSED,
                ct.Case.kind.in_([CaseKind.LOST.value, CaseKind.DELAYED.value]),
                t.Shipment.delivered_at > ct.Case.closed_at,
            )
        )
        return [case_id for case_id, tags in rows if "delivered_after_all" not in (tags or [])]

    def get(self, case_id: int, store_ids: Sequence[int] | None) -> StoredCase | None:
        row = self.session.get(ct.Case, case_id)
        if row is None or (store_ids is not None and row.store_id not in store_ids):
            return None
        return self._load([row])[0]

    def get_many(self, case_ids: Sequence[int]) -> list[StoredCase]:
        rows: list[ct.Case] = []
        for part in chunks(sorted(set(case_ids)), 500):
            rows += self.session.scalars(select(ct.Case).where(ct.Case.id.in_(part))).all()
        return self._load(rows)

    def _load(self, rows: Sequence[ct.Case]) -> list[StoredCase]:
        ids = [r.id for r in rows]
        items: dict[int, list[ChecklistItem]] = defaultdict(list)
        heads: dict[int, TimelineEntry] = {}
        links: dict[int, set[int]] = defaultdict(set)
        for part in chunks(ids, 500):
            for item in self.session.scalars(
                select(ct.CaseChecklistItem)
                .where(ct.CaseChecklistItem.case_id.in_(part))
                .order_by(ct.CaseChecklistItem.case_id, ct.CaseChecklistItem.position)
            ):
                items[item.case_id].append(
                    ChecklistItem(
                        Step(item.step), ItemStatus(item.status), item.result, item.agent_id
                    )
                )
            last = (
                select(ct.CaseTimelineEntry.case_id, func.max(ct.CaseTimelineEntry.seq))
                .where(ct.CaseTimelineEntry.case_id.in_(part))
                .group_by(ct.CaseTimelineEntry.case_id)
                .subquery()
            )
            for entry in self.session.scalars(
                select(ct.CaseTimelineEntry).join(
                    last,
                    (last.c.case_id == ct.CaseTimelineEntry.case_id)
                    & (last.c[1] == ct.CaseTimelineEntry.seq),
                )
            ):
                heads[entry.case_id] = _entry(entry)
            for case_id, exc_id in self.session.execute(
                select(ct.CaseException.case_id, ct.CaseException.exception_id).where(
                    ct.CaseException.case_id.in_(part)
                )
            ):
                links[case_id].add(exc_id)
        return [
            StoredCase(
                id=r.id,
                refs=CaseRefs(r.shipment_id, r.store_id, r.order_id),
                case=self._case(r, items[r.id]),
                head=heads.get(r.id),
                exception_ids=frozenset(links[r.id]),
                version=r.version,
            )
            for r in rows
        ]

    @staticmethod
    def _case(r: ct.Case, items: list[ChecklistItem]) -> Case:
        value = money_or_none(r.value_amount, r.value_currency)
        return Case(
            id=r.id,
            kind=CaseKind(r.kind),
            source=CaseSource(r.source),
            tracking_number=r.tracking_number,
            opened_at=r.opened_at,
            state=CaseState(r.state),
            buyer_state=BuyerState(r.buyer_state),
            owner=r.owner,
            priority=Priority(r.priority),
            value_at_risk=value,
            tier=r.tier,
            tags=frozenset(r.tags or []),
            snoozed_until=r.snoozed_until,
            closed_at=r.closed_at,
            buyer_update_due=r.buyer_update_due,
            anchors=_times(r.anchors),
            completed=_times(r.completed),
            checklist=tuple(items),
        )

    @staticmethod
    def _columns(case: Case, now: datetime) -> dict[str, Any]:
        value = case.value_at_risk
        return {
            "tracking_number": case.tracking_number,
            "kind": case.kind.value,
            "source": case.source.value,
            "state": case.state.value,
            "buyer_state": case.buyer_state.value,
            "owner": case.owner,
            "priority": case.priority.value,
            "value_amount": value.amount if value else None,
            "value_currency": value.currency if value else None,
            "tier": case.tier,
            "tags": sorted(case.tags),
            "anchors": _iso(case.anchors.items()),
            "completed": _iso(case.completed.items()),
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
            "snoozed_until": case.snoozed_until,
            "buyer_update_due": case.buyer_update_due,
            "updated_at": now,
        }

    def add(
        self, refs: CaseRefs, case: Case, entries: Sequence[TimelineEntry], now: datetime
    ) -> int:
        row = ct.Case(
            store_id=refs.store_id,
            order_id=refs.order_id,
            shipment_id=refs.shipment_id,
            **self._columns(case, now),
        )
        self.session.add(row)
        self.session.flush()
        self._write_checklist(row.id, case)
        self._append(row.id, entries)
        return row.id

    def save(
        self, stored: StoredCase, case: Case, entries: Sequence[TimelineEntry], now: datetime
    ) -> None:
        row = self.session.get(ct.Case, stored.id)
        if row is None or row.version != stored.version:
            raise ConflictError(
                f"case #{stored.id} was changed by someone else meanwhile; reload and retry"
            )
        for name, value in self._columns(case, now).items():
            setattr(row, name, value)
        self.session.flush()  # bumps version with a WHERE version = ... check
        if case.checklist != stored.case.checklist:
            self._write_checklist(stored.id, case)
        self._append(stored.id, entries)

    def _write_checklist(self, case_id: int, case: Case) -> None:
        self.session.execute(
            delete(ct.CaseChecklistItem).where(ct.CaseChecklistItem.case_id == case_id)
        )
        if case.checklist:
            self.session.execute(
                insert(ct.CaseChecklistItem),
                [
                    {
                        "case_id": case_id,
                        "position": n,
                        "step": i.step.value,
                        "status": i.status.value,
                        "result": i.result,
                        "agent_id": i.agent_id,
                    }
                    for n, i in enumerate(case.checklist)
                ],
            )

    def _append(self, case_id: int, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        self.session.execute(
            insert(ct.CaseTimelineEntry),
            [
                {
                    "case_id": case_id,
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "track": e.track,
                    "before": e.before,
                    "after": e.after,
                    "detail": dict(e.detail),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in entries
            ],
        )

    def link_exceptions(self, case_id: int, exception_ids: Iterable[int]) -> None:
        have = set(
            self.session.scalars(
                select(ct.CaseException.exception_id).where(ct.CaseException.case_id == case_id)
            )
        )
        new = sorted(set(exception_ids) - have)
        if new:
            self.session.execute(
                insert(ct.CaseException),
                [{"case_id": case_id, "exception_id": e} for e in new],
            )

    def timeline(self, case_id: int) -> list[TimelineEntry]:
        rows = self.session.scalars(
            select(ct.CaseTimelineEntry)
            .where(ct.CaseTimelineEntry.case_id == case_id)
            .order_by(ct.CaseTimelineEntry.seq)
        )
        return [_entry(r) for r in rows]

    # ------------------------------------------------------------------ clocks
    def deadlines(self, case_id: int) -> list[StoredDeadline]:
        return self.deadlines_for([case_id]).get(case_id, [])

    def deadlines_for(self, case_ids: Sequence[int]) -> dict[int, list[StoredDeadline]]:
        out: dict[int, list[StoredDeadline]] = defaultdict(list)
        for part in chunks(sorted(set(case_ids)), 500):
            for r in self.session.scalars(
                select(ct.CaseDeadlineRow).where(ct.CaseDeadlineRow.case_id.in_(part))
            ):
                out[r.case_id].append(_deadline(r))
        return dict(out)

    def replace_deadlines(
        self, case_id: int, rows: Sequence[StoredDeadline], next_due: CaseDeadline | None
    ) -> None:
        self.session.execute(
            delete(ct.CaseDeadlineRow).where(ct.CaseDeadlineRow.case_id == case_id)
        )
        if rows:
            self.session.execute(
                insert(ct.CaseDeadlineRow),
                [
                    {
                        "case_id": case_id,
                        "key": d.clock.key,
                        "kind": d.clock.kind.value,
                        "label": d.clock.label,
                        "due_at": d.clock.due_at,
                        "status": d.status,
                        "rule": d.clock.rule,
                        "confidence": d.clock.confidence,
                        "source": d.clock.source,
                        "counted": d.clock.counted,
                        "auto_outcome": d.clock.auto_outcome,
                        "waiting_for": d.clock.waiting_for,
                        "reminded_at": d.reminded_at,
                    }
                    for d in rows
                ],
            )
        self.session.execute(
            update(ct.Case)
            .where(ct.Case.id == case_id)
            .values(
                next_due_at=next_due.due_at if next_due else None,
                next_due_label=next_due.label if next_due else None,
            )
            .execution_options(synchronize_session=False)
        )

    # ------------------------------------------------------------------ queue
    def queue(
        self,
        *,
        store_ids: Sequence[int] | None,
        owner: str | None,
        due_before: datetime | None,
        include_closed: bool,
        include_snoozed_at: datetime | None,
        limit: int | None,
    ) -> list[QueueRow]:
        return load_queue(
            self.session, store_ids=store_ids, owner=owner, due_before=due_before,
            include_closed=include_closed, include_snoozed_at=include_snoozed_at, limit=limit,
        )  # fmt: skip
