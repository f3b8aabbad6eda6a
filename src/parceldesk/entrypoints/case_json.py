"""Cases as JSON: one shape for ``parceldesk cases ... --json`` and the REST API, so a
script written against one works against the other."""

from __future__ import annotations

from parceldesk.domain.money import Money
from parceldesk.services.case_commands import CaseView
from parceldesk.services.case_ports import QueueRow

__all__ = ["money_json", "queue_row_json", "view_json"]


def money_json(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def queue_row_json(row: QueueRow) -> dict[str, object]:
    return {
        "id": row.id,
        "tracking_number": row.tracking_number,
        "store": row.store,
        "kind": row.kind,
        "state": row.state,
        "buyer_state": row.buyer_state,
        "owner": row.owner,
        "priority": row.priority,
        "value_at_risk": money_json(row.value_at_risk),
        "tier": row.tier,
        "opened_at": row.opened_at.isoformat(),
        "snoozed_until": row.snoozed_until.isoformat() if row.snoozed_until else None,
        "next_due_at": row.next_due_at.isoformat() if row.next_due_at else None,
        "next_due_label": row.next_due_label,
    }


def view_json(view: CaseView) -> dict[str, object]:
    s, c = view.stored, view.stored.case
    return {
        "id": s.id,
        "tracking_number": c.tracking_number,
        "kind": c.kind.value,
        "state": c.state.value,
        "buyer_state": c.buyer_state.value,
        "owner": c.owner,
        "priority": c.priority.value,
        "value_at_risk": money_json(c.value_at_risk),
        "tier": c.tier,
        "tags": sorted(c.tags),
        "opened_at": c.opened_at.isoformat(),
        "closed_at": c.closed_at.isoformat() if c.closed_at else None,
        "snoozed_until": c.snoozed_until.isoformat() if c.snoozed_until else None,
        "anchors": {k: v.isoformat() for k, v in sorted(c.anchors.items())},
        "checklist": [
            {"step": i.step.value, "status": i.status.value, "result": i.result,
             "agent_id": i.agent_id}
            for i in c.checklist
        ],
        "deadlines": [
            {"key": d.clock.key, "kind": d.clock.kind.value, "label": d.clock.label,
             "due_at": d.clock.due_at.isoformat() if d.clock.due_at else None,
             "status": d.status, "rule": d.clock.rule, "confidence": d.clock.confidence,
             "source": d.clock.source, "counted": d.clock.counted,
             "auto_outcome": d.clock.auto_outcome, "waiting_for": d.clock.waiting_for}
            for d in view.deadlines
        ],
        "timeline": [
            {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "track": e.track, "before": e.before, "after": e.after, "detail": dict(e.detail),
             "hash": e.hash}
            for e in view.timeline
        ],
        "chain_intact": not view.chain_breaks,
    }  # fmt: skip
