"""``parceldesk cases ...``: the work queue and every command on a case."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated

import orjson
import typer

from parceldesk.bootstrap import App
from parceldesk.domain.cases.case import Contact
from parceldesk.domain.cases.states import CaseKind
from parceldesk.entrypoints.case_json import queue_row_json, view_json
from parceldesk.entrypoints.cli.case_render import render_queue, render_view
from parceldesk.entrypoints.cli.common import DbOption, JsonOption, app_for, console, parse_instant
from parceldesk.services.case_commands import CaseDesk

__all__ = ["app", "parse_duration"]

app = typer.Typer(help="The case work queue and commands on cases.", no_args_is_help=True)

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Act as of this instant (ISO 8601 with offset).")
]
CaseId = Annotated[int, typer.Argument(help="Case number.")]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``12h``, ``3d``, ``2w``."""
    match = _DURATION.match(text)
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration like 12h, 3d or 2w")
    value = timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    if value > timedelta(days=3660):
        raise typer.BadParameter(f"{text!r} is more than ten years")
    return value


@contextmanager
def _desk(db: str | None, as_of: str | None) -> Iterator[tuple[App, CaseDesk]]:
    with app_for(db, as_of=parse_instant(as_of)) as pd:
        yield pd, CaseDesk(pd.uow_factory, pd.case_env, pd.clock, actor=pd.user)


def _done(message: str) -> None:
    console.print(message, highlight=False)


@app.command("list")
def list_cmd(
    mine: Annotated[bool, typer.Option("--mine", help="Only cases assigned to me.")] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's cases.")] = None,
    due_within: Annotated[
        str | None, typer.Option("--due-within", help="Next deadline within, e.g. 3d, 12h.")
    ] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases.")] = False,
    snoozed: Annotated[bool, typer.Option("--snoozed", help="Include snoozed cases.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: JsonOption = False,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Open cases, nearest deadline first, then value at risk."""
    with _desk(db, as_of) as (pd, desk):
        now = pd.clock.now()
        due = now + parse_duration(due_within) if due_within else None
        rows = desk.queue(
            owner=pd.user if mine else owner, due_before=due, include_closed=closed,
            include_snoozed=snoozed, limit=None if as_json else limit,
        )  # fmt: skip
    if as_json:
        for row in rows:
            print(orjson.dumps(queue_row_json(row)).decode())
        return
    render_queue(rows, now)


@app.command("show")
def show_cmd(
    case_id: CaseId, as_json: JsonOption = False, as_of: AsOf = None, db: DbOption = None
) -> None:
    """A case: facts, checklist, deadlines (earliest first) and its timeline."""
    with _desk(db, as_of) as (pd, desk):
        view = desk.view(case_id)
        now = pd.clock.now()
    if as_json:
        print(orjson.dumps(view_json(view)).decode())
        return
    render_view(view, now)
    from parceldesk.entrypoints.cli.claims_cmds import print_case_claims  # claims and money
    from parceldesk.entrypoints.cli.locker_common import desks

    with desks(db, as_of) as d:
        print_case_claims(d, case_id)


@app.command("open")
def open_cmd(
    tracking_number: Annotated[str, typer.Argument()],
    kind: Annotated[CaseKind, typer.Option("--kind", help="What went wrong.")],
    note: Annotated[str, typer.Option("--note")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Open a case by hand."""
    with _desk(db, as_of) as (_, desk):
        opened = desk.open(tracking_number.strip().upper(), kind, note)
    _done(f"case #{opened.case_id} " + ("opened" if opened.created else "updated"))


@app.command("report")
def report_cmd(
    tracking_number: Annotated[str, typer.Argument()],
    kind: Annotated[
        CaseKind, typer.Option("--kind", help="delivered_not_received, damaged or lost.")
    ],
    reported_at: Annotated[str, typer.Option("--reported-at", help="ISO 8601 with offset.")],
    request_opened: Annotated[
        str | None,
        typer.Option("--request-opened", help="When the marketplace request was opened."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What the buyer said.")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Record a buyer's report (not received, damaged) and open or update its case."""
    when = parse_instant(reported_at)
    assert when is not None
    with _desk(db, as_of) as (_, desk):
        opened = desk.report(
            tracking_number.strip().upper(), kind, reported_at=when, note=note,
            request_opened_at=parse_instant(request_opened),
        )  # fmt: skip
    _done(f"case #{opened.case_id} " + ("opened" if opened.created else "updated"))


@app.command("assign")
def assign_cmd(
    case_id: CaseId,
    owner: Annotated[str | None, typer.Argument(help="User; omit with --me or --nobody.")] = None,
    me: Annotated[bool, typer.Option("--me")] = False,
    nobody: Annotated[bool, typer.Option("--nobody")] = False,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Give a case an owner."""
    if sum((owner is not None, me, nobody)) != 1:
        raise typer.BadParameter("name exactly one of: OWNER, --me, --nobody")
    with _desk(db, as_of) as (pd, desk):
        case = desk.assign(case_id, pd.user if me else (None if nobody else owner))
    _done(f"case #{case_id} owner: {case.owner or 'nobody'}")


@app.command("note")
def note_cmd(case_id: CaseId, text: str, as_of: AsOf = None, db: DbOption = None) -> None:
    """Add a note to the timeline."""
    with _desk(db, as_of) as (_, desk):
        desk.note(case_id, text)
    _done(f"case #{case_id}: note added")


@app.command("contact")
def contact_cmd(
    case_id: CaseId,
    counterparty: Annotated[str, typer.Option("--with", help="buyer, carrier, platform, ...")],
    channel: Annotated[str, typer.Option("--channel", help="phone, email, chat, ...")],
    summary: Annotated[str, typer.Option("--summary", help="What was said.")],
    direction: Annotated[str, typer.Option("--direction")] = "outbound",
    agent_id: Annotated[str, typer.Option("--agent-id", help="Their agent's ID.")] = "",
    reference: Annotated[str, typer.Option("--reference", help="Their ticket number.")] = "",
    promise: Annotated[
        str | None, typer.Option("--promise", help="Next update promised within, e.g. 48h.")
    ] = None,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Log a contact with the buyer, carrier or platform."""
    contact = Contact(channel, direction, counterparty, summary, agent_id, reference)
    with _desk(db, as_of) as (pd, desk):
        until = pd.clock.now() + parse_duration(promise) if promise else None
        desk.contact(case_id, contact, until)
    _done(f"case #{case_id}: {counterparty} contact logged")


@app.command("state")
def state_cmd(
    case_id: CaseId,
    command: Annotated[str, typer.Argument(help="e.g. investigate, file_claim, close, resolve.")],
    note: Annotated[str, typer.Option("--note")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Move a case along its main or buyer track (checked against the transition table)."""
    with _desk(db, as_of) as (_, desk):
        case = desk.change_state(case_id, command, note)
    _done(f"case #{case_id}: {case.state.value} / buyer {case.buyer_state.value}")


@app.command("snooze")
def snooze_cmd(
    case_id: CaseId,
    until: Annotated[str | None, typer.Option("--until", help="ISO 8601 with offset.")] = None,
    for_: Annotated[str | None, typer.Option("--for", help="e.g. 2d.")] = None,
    clear: Annotated[bool, typer.Option("--clear")] = False,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Hide a case from the queue until a time (deadlines still remind)."""
    if sum((until is not None, for_ is not None, clear)) != 1:
        raise typer.BadParameter("give exactly one of --until, --for, --clear")
    with _desk(db, as_of) as (pd, desk):
        when: datetime | None = None
        if until is not None:
            when = parse_instant(until)
        elif for_ is not None:
            when = pd.clock.now() + parse_duration(for_)
        case = desk.snooze(case_id, when)
    stamp = case.snoozed_until.isoformat() if case.snoozed_until else "not snoozed"
    _done(f"case #{case_id}: {stamp}")


@app.command("check")
def check_cmd(
    case_id: CaseId,
    step: Annotated[str, typer.Argument(help="e.g. verify_address, query_carrier.")],
    status: Annotated[str, typer.Option("--status", help="done, flagged, not_applicable, open")],
    result: Annotated[str, typer.Option("--result", help="What was found.")] = "",
    agent_id: Annotated[str, typer.Option("--agent-id")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Record a confirmation step's outcome."""
    with _desk(db, as_of) as (_, desk):
        desk.check(case_id, step, status, result, agent_id)
    _done(f"case #{case_id}: {step} {status}")


@app.command("anchor")
def anchor_cmd(
    case_id: CaseId,
    name: Annotated[str, typer.Argument(help="e.g. request_opened, dispute_opened.")],
    when: Annotated[str, typer.Argument(help="ISO 8601 with offset.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Record when something outside happened (starts the clocks counted from it)."""
    instant = parse_instant(when)
    assert instant is not None
    with _desk(db, as_of) as (_, desk):
        desk.anchor(case_id, name, instant)
    _done(f"case #{case_id}: {name} at {instant.isoformat()}")


@app.command("done")
def done_cmd(
    case_id: CaseId,
    key: Annotated[str, typer.Argument(help="Deadline key, as `cases show` lists it.")],
    note: Annotated[str, typer.Option("--note")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Mark a deadline as met (e.g. the marketplace response was sent)."""
    with _desk(db, as_of) as (_, desk):
        desk.deadline_met(case_id, key, note)
    _done(f"case #{case_id}: {key} met")


@app.command("priority")
def priority_cmd(
    case_id: CaseId,
    priority: Annotated[str, typer.Argument(help="low, normal, high or urgent.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Change a case's priority (recorded in the timeline)."""
    with _desk(db, as_of) as (_, desk):
        case = desk.priority(case_id, priority)
    _done(f"case #{case_id}: priority {case.priority.value}")


@app.command("tag")
def tag_cmd(
    case_id: CaseId,
    add: Annotated[list[str] | None, typer.Option("--add", help="Tag to add (repeatable).")] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Tag to remove (repeatable).")
    ] = None,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Add or remove tags."""
    if not add and not remove:
        raise typer.BadParameter("give --add and/or --remove")
    with _desk(db, as_of) as (_, desk):
        case = desk.tag(case_id, set(add or ()), set(remove or ()))
    _done(f"case #{case_id}: tags {', '.join(sorted(case.tags)) or '-'}")
