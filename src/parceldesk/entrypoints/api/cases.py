"""The case REST API: the work queue, a case's view, and every command the CLI offers.

Thin on purpose: each route authenticates the bearer token, builds a ``CaseDesk`` bound
to the caller (actor = the token's user, store ids = the token's stores) and calls it,
exactly as ``parceldesk cases`` does, so both entrypoints share validation, timeline
entries and store scoping.

Contract:
  * no, malformed, unknown or revoked ``Authorization: Bearer`` token -> 401
  * a case or parcel outside the caller's stores                    -> 404, as if it did
                                                                       not exist (a 403
                                                                       would confirm it does)
  * a malformed request, or a value the domain refuses              -> 422
  * a command the case's state does not allow, or a concurrent edit -> 409 with the
                                                                       domain's message
  * writes commit before the response; they queue on the app's FIFO write limiter
    (one writer at a time on SQLite), reads run beside them.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures at
# runtime, and ``Desk`` (bound to this app's token check) only exists inside the factory.
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Protocol, TypeVar

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from parceldesk.bootstrap import App
from parceldesk.domain.cases.case import Contact
from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.states import CaseKind
from parceldesk.domain.errors import DomainError, InvalidValue
from parceldesk.domain.rules import Anchor
from parceldesk.entrypoints.api.auth import bearer_caller
from parceldesk.entrypoints.case_json import queue_row_json, view_json
from parceldesk.services.api_tokens import Principal
from parceldesk.services.case_commands import CaseDesk
from parceldesk.services.cases import CaseNotFound, Opened

__all__ = ["WriteQueue", "case_router", "parse_duration"]

T = TypeVar("T")
Json = dict[str, Any]


class WriteQueue(Protocol):
    """``create_app``'s write limiter: runs ``fn`` in a worker thread, FIFO on SQLite."""

    async def __call__(self, fn: Callable[..., T], /, **kwargs: Any) -> T: ...


_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


_LONGEST = timedelta(days=3660)  # ten years: far enough for any clock, safe to add to now


def parse_duration(text: str) -> timedelta:
    """``90m``, ``12h``, ``3d``, ``2w`` (the CLI's ``--due-within`` syntax), at most ten
    years (adding more to a date could overflow the calendar)."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 12h, 3d or 2w")
    value, unit = float(match.group(1)), _UNITS[match.group(2)]
    if value * timedelta(**{unit: 1}).total_seconds() > _LONGEST.total_seconds():
        raise ValueError(f"{text!r} is longer than {_LONGEST.days} days")
    return timedelta(**{unit: value})


# --------------------------------------------------------------------------- requests


class _Body(BaseModel):
    """Unknown fields are refused (422), so a misspelt field never silently does nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Text = Annotated[str, Field(max_length=4000)]
Short = Annotated[str, Field(max_length=200)]
TrackingNumber = Annotated[str, Field(min_length=1, max_length=40)]


class OpenCase(_Body):
    tracking_number: TrackingNumber
    kind: CaseKind
    note: Text = ""


class BuyerReport(_Body):
    tracking_number: TrackingNumber
    kind: Literal[CaseKind.DELIVERED_NOT_RECEIVED, CaseKind.DAMAGED, CaseKind.LOST]
    reported_at: AwareDatetime
    request_opened_at: AwareDatetime | None = None
    note: Text = ""


class Assign(_Body):
    #: The new owner; null leaves the case unassigned. The key is required.
    owner: Annotated[str, Field(min_length=1, max_length=120)] | None


class Note(_Body):
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class ContactLog(_Body):
    channel: Annotated[str, Field(min_length=1, max_length=40)]
    direction: Literal["outbound", "inbound"] = "outbound"
    counterparty: Literal["buyer", "carrier", "platform", "insurer", "other"] = Field(alias="with")
    summary: Annotated[str, Field(min_length=1, max_length=4000)]
    agent_id: Short = ""
    reference: Short = ""
    #: The next update promised to the buyer within this many hours (starts that clock).
    promise_hours: Annotated[float, Field(gt=0, le=24 * 90)] | None = None


class Transition(_Body):
    command: Annotated[str, Field(min_length=1, max_length=40)]
    note: Text = ""


class Snooze(_Body):
    #: Hide the case from the queue until then; null wakes it. The key is required.
    until: AwareDatetime | None


class Check(_Body):
    status: ItemStatus
    result: Text = ""
    agent_id: Short = ""


class AnchorAt(_Body):
    name: Anchor
    at: AwareDatetime


class DeadlineMet(_Body):
    note: Text = ""


# --------------------------------------------------------------------------- errors


def _unprocessable(exc: InvalidValue) -> HTTPException:
    loc = ["body", exc.field] if exc.field else ["body"]
    return HTTPException(422, [{"loc": loc, "msg": str(exc), "type": "invalid_value"}])


def _http_error(exc: Exception) -> HTTPException | None:
    if isinstance(exc, CaseNotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, InvalidValue):
        return _unprocessable(exc)
    if isinstance(exc, DomainError):  # illegal transition, already assigned, ...
        return HTTPException(409, str(exc))
    if isinstance(exc, StaleDataError | IntegrityError):
        return HTTPException(409, "the case was changed by someone else meanwhile; reload, retry")
    return None


@contextmanager
def _as_http() -> Iterator[None]:
    """Domain and storage errors become their HTTP answers; anything else stays a 500."""
    try:
        yield
    except Exception as exc:
        mapped = _http_error(exc)
        if mapped is None:
            raise
        raise mapped from exc


# --------------------------------------------------------------------------- routes


def case_router(app: App, write: WriteQueue) -> APIRouter:
    router = APIRouter(prefix="/api/cases", tags=["cases"])
    caller = bearer_caller(app)

    def desk_for(who: Annotated[Principal, Depends(caller)]) -> CaseDesk:
        return CaseDesk(app.uow_factory, app.case_env, app.clock, who.user, who.store_ids)

    Desk = Annotated[CaseDesk, Depends(desk_for)]
    CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Case number.")]

    async def read(fn: Callable[[], T]) -> T:
        with _as_http():
            return await to_thread.run_sync(fn)

    async def command(desk: CaseDesk, case_id: int, fn: Callable[[], object]) -> Json:
        """Run a write on the write queue (it commits), then answer with the case as it
        is now -- the new timeline entries included."""
        with _as_http():
            await write(fn)
        return await read(lambda: view_json(desk.view(case_id)))

    async def opened(desk: CaseDesk, response: Response, fn: Callable[[], Opened]) -> Json:
        with _as_http():
            result = await write(fn)
        response.status_code = 201 if result.created else 200
        if result.created:
            response.headers["Location"] = f"{router.prefix}/{result.case_id}"
        view = await read(lambda: view_json(desk.view(result.case_id)))
        return {"created": result.created, "case": view}

    @router.get("")
    async def queue(
        desk: Desk,
        mine: Annotated[bool, Query(description="Only cases assigned to the caller.")] = False,
        owner: Annotated[str | None, Query(max_length=120)] = None,
        due_within: Annotated[
            str | None,
            Query(pattern=_DURATION.pattern, description="Next deadline within, e.g. 3d, 12h."),
        ] = None,
        closed: Annotated[bool, Query(description="Include closed cases.")] = False,
        snoozed: Annotated[bool, Query(description="Include snoozed cases.")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> Json:
        """Open cases in the caller's stores, nearest deadline first, then value at risk."""
        if mine and owner is not None:
            raise HTTPException(
                422, [{"loc": ["query", "owner"], "msg": "give mine or owner, not both",
                       "type": "value_error"}],
            )  # fmt: skip
        now: datetime = app.clock.now()
        try:
            due_before = now + parse_duration(due_within) if due_within else None
        except ValueError as exc:
            raise HTTPException(
                422, [{"loc": ["query", "due_within"], "msg": str(exc), "type": "value_error"}]
            ) from None
        rows = await read(
            lambda: desk.queue(
                owner=desk.actor if mine else owner, due_before=due_before,
                include_closed=closed, include_snoozed=snoozed, limit=limit,
            )
        )  # fmt: skip
        return {"as_of": now.isoformat(), "cases": [queue_row_json(r) for r in rows]}

    @router.get("/{case_id}")
    async def show(desk: Desk, case_id: CaseId) -> Json:
        """Facts, checklist, deadlines (earliest first), timeline and whether its hash
        chain is intact."""
        return await read(lambda: view_json(desk.view(case_id)))

    @router.post("", status_code=201)
    async def open_(desk: Desk, body: OpenCase, response: Response) -> Json:
        """Open a case by hand (201); a more severe kind escalates the parcel's open case
        (200); the same or a milder kind while one is open is a conflict (409)."""
        number = body.tracking_number.upper()
        return await opened(desk, response, lambda: desk.open(number, body.kind, body.note))

    @router.post("/reports", status_code=201)
    async def report(desk: Desk, body: BuyerReport, response: Response) -> Json:
        """A buyer says the parcel never arrived, was lost or arrived damaged: opens a case
        (201) or adds the report to the parcel's open one (200)."""
        return await opened(
            desk, response,
            lambda: desk.report(
                body.tracking_number.upper(), body.kind, reported_at=body.reported_at,
                note=body.note, request_opened_at=body.request_opened_at,
            ),
        )  # fmt: skip

    @router.post("/{case_id}/assign")
    async def assign(desk: Desk, case_id: CaseId, body: Assign) -> Json:
        return await command(desk, case_id, lambda: desk.assign(case_id, body.owner))

    @router.post("/{case_id}/notes")
    async def note(desk: Desk, case_id: CaseId, body: Note) -> Json:
        return await command(desk, case_id, lambda: desk.note(case_id, body.text))

    @router.post("/{case_id}/contacts")
    async def contact(desk: Desk, case_id: CaseId, body: ContactLog) -> Json:
        """Log a conversation with the buyer, carrier, platform or insurer."""
        logged = Contact(
            body.channel, body.direction, body.counterparty, body.summary, body.agent_id,
            body.reference,
        )  # fmt: skip

        def run() -> object:
            hours = body.promise_hours
            until = app.clock.now() + timedelta(hours=hours) if hours is not None else None
            return desk.contact(case_id, logged, until)

        return await command(desk, case_id, run)

    @router.post("/{case_id}/transitions")
    async def transition(desk: Desk, case_id: CaseId, body: Transition) -> Json:
        """Move the case along its main or buyer track (``investigate``, ``file_claim``,
        ``close``, ``contact_buyer``, ``resolve``, ...), as the transition table allows."""
        return await command(
            desk, case_id, lambda: desk.change_state(case_id, body.command, body.note)
        )

    @router.post("/{case_id}/snooze")
    async def snooze(desk: Desk, case_id: CaseId, body: Snooze) -> Json:
        return await command(desk, case_id, lambda: desk.snooze(case_id, body.until))

    @router.post("/{case_id}/checklist/{step}")
    async def check(desk: Desk, case_id: CaseId, step: Step, body: Check) -> Json:
        """Record a confirmation step's outcome (and the carrier agent's ID)."""
        return await command(
            desk, case_id,
            lambda: desk.check(case_id, step.value, body.status.value, body.result, body.agent_id),
        )  # fmt: skip

    @router.post("/{case_id}/anchors")
    async def anchor(desk: Desk, case_id: CaseId, body: AnchorAt) -> Json:
        """Record when something outside happened; starts the clocks counted from it."""
        return await command(desk, case_id, lambda: desk.anchor(case_id, body.name, body.at))

    @router.post("/{case_id}/deadlines/{key}/met")
    async def deadline_met(
        desk: Desk,
        case_id: CaseId,
        key: Annotated[str, Path(max_length=120)],
        body: DeadlineMet | None = None,
    ) -> Json:
        """Mark one of the case's deadlines as met (e.g. the marketplace reply was sent)."""
        note = body.note if body is not None else ""
        keys = await read(lambda: [d.clock.key for d in desk.view(case_id).deadlines])
        if key not in keys:  # the domain records any key; refuse ones the case does not have
            raise HTTPException(404, f"case #{case_id} has no deadline {key!r}")
        return await command(desk, case_id, lambda: desk.deadline_met(case_id, key, note))

    return router
