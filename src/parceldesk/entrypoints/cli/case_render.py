"""How cases look in a terminal (Rich); the JSON shape lives in ``entrypoints.case_json``."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.table import Table

from parceldesk.entrypoints.case_json import view_json
from parceldesk.entrypoints.cli.common import console
from parceldesk.services.case_commands import CaseView
from parceldesk.services.case_ports import QueueRow

__all__ = ["render_queue", "render_view", "view_json"]


def _when(at: datetime | None, now: datetime, counted: str = "") -> str:
    """An instant with how far away it is; in the zone its deadline was counted in (the
    last item of ``counted``, e.g. "..., America/New_York") when there is one."""
    if at is None:
        return "-"
    zone = counted.rsplit(", ", 1)[-1] if ", " in counted else ""
    with suppress(ZoneInfoNotFoundError, ValueError):
        if "/" in zone:
            at = at.astimezone(ZoneInfo(zone))
    days = (at - now).total_seconds() / 86400
    rel = f"in {days:.1f} d" if days >= 0 else f"{-days:.1f} d ago"
    return f"{at:%Y-%m-%d %H:%M %Z} ({rel})"


def render_queue(rows: list[QueueRow], now: datetime) -> None:
    table = Table(title=f"cases as of {now:%Y-%m-%d %H:%M %Z}: nearest deadline first")
    table.add_column("#", justify="right")
    table.add_column("parcel / store", overflow="fold")
    table.add_column("kind / state / buyer", overflow="fold")
    table.add_column("owner / prio", overflow="fold")
    table.add_column("value", justify="right")
    table.add_column("next deadline", overflow="fold")
    for r in rows:
        value = f"{r.value_at_risk.amount} {r.value_at_risk.currency}" if r.value_at_risk else "-"
        due = f"{r.next_due_label}\n{_when(r.next_due_at, now)}" if r.next_due_label else "-"
        table.add_row(
            str(r.id), f"{r.tracking_number}\n{r.store}",
            f"{r.kind}\n{r.state} / {r.buyer_state}", f"{r.owner or '-'}\n{r.priority}",
            value, due,
        )  # fmt: skip
    console.print(table)
    if not rows:
        console.print("no cases match")


def render_view(view: CaseView, now: datetime) -> None:
    s, c = view.stored, view.stored.case
    value = f"{c.value_at_risk.amount} {c.value_at_risk.currency}" if c.value_at_risk else "-"
    console.print(
        f"[bold]case #{s.id}[/]  {c.kind.value}  {c.tracking_number}  state {c.state.value}, "
        f"buyer {c.buyer_state.value}  owner {c.owner or '-'}  priority {c.priority.value}  "
        f"value at risk {value} (tier {c.tier})  tags {', '.join(sorted(c.tags)) or '-'}",
        highlight=False,
    )
    if c.snoozed_until:
        console.print(f"snoozed until {c.snoozed_until.isoformat()}")
    checklist = Table(title="checklist")
    for col in ("step", "status", "result", "agent"):
        checklist.add_column(col, overflow="fold")
    for item in c.checklist:
        checklist.add_row(item.label, item.status.value, item.result or "-", item.agent_id or "-")
    console.print(checklist)
    clocks = Table(title="deadlines, earliest first")
    for col in ("deadline", "key", "due", "status", "counted", "rule (confidence)", "if missed"):
        clocks.add_column(col, overflow="fold")
    for d in view.deadlines:
        k = d.clock
        due = _when(k.due_at, now, k.counted) if k.due_at else f"waits for {k.waiting_for}"
        rule = f"{k.rule} ({k.confidence})" if k.confidence else k.rule
        clocks.add_row(k.label, k.key, due, d.status, k.counted, rule, k.auto_outcome or "-")
    console.print(clocks)
    timeline = Table(title="timeline")
    for col in ("#", "when", "who", "what", "change", "detail"):
        timeline.add_column(col, overflow="fold")
    for e in view.timeline:
        change = f"{e.before or '-'} -> {e.after or '-'}" if (e.before or e.after) else ""
        detail = "; ".join(f"{k}: {v}" for k, v in e.detail.items())
        timeline.add_row(str(e.seq), f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, change, detail)
    console.print(timeline)
    if view.chain_breaks:
        for b in view.chain_breaks:
            console.print(f"[red]timeline entry #{b.seq}: {b.problem}[/]")
    elif view.timeline:
        console.print(f"timeline intact; chain head {view.timeline[-1].hash}")
