"""The commands a person runs on a case, bound to who they are and what they may see.

CLI and REST API both go through ``CaseDesk`` so that they cannot drift apart: same
validation, same timeline entries, same store scoping. ``actor`` is recorded on every
timeline entry; ``store_ids`` (None = all stores, for the local operator) limits every
read and write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from parceldesk.domain.cases.case import Case, Contact, Priority
from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.states import BuyerCommand, CaseKind, MainCommand
from parceldesk.domain.cases.timeline import ChainBreak, TimelineEntry, verify_chain
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.rules import Anchor
from parceldesk.services.case_clocks import CaseEnv
from parceldesk.services.case_ports import QueueRow, StoredCase, StoredDeadline
from parceldesk.services.cases import (
    CaseNotFound,
    Command,
    Opened,
    open_case,
    report_by_buyer,
    run_command,
)
from parceldesk.services.ports import Clock, UnitOfWork

__all__ = ["CaseDesk", "CaseView"]


@dataclass(frozen=True, slots=True)
class CaseView:
    stored: StoredCase
    deadlines: list[StoredDeadline]
    timeline: list[TimelineEntry]
    chain_breaks: list[ChainBreak]


def _state_command(name: str) -> MainCommand | BuyerCommand:
    for kind in (MainCommand, BuyerCommand):
        try:
            return kind(name)
        except ValueError:
            continue
    known = ", ".join([*MainCommand, *BuyerCommand])
    raise InvalidValue(f"unknown case command {name!r}; known: {known}", field="command")


@dataclass(frozen=True)
class CaseDesk:
    uow_factory: Callable[[], UnitOfWork]
    env: CaseEnv
    clock: Clock
    actor: str
    store_ids: Sequence[int] | None = None

    def _run(self, case_id: int, command: Command) -> Case:
        return run_command(
            self.uow_factory(), case_id, command, env=self.env, now=self.clock.now(),
            store_ids=self.store_ids,
        )  # fmt: skip

    # ---------------------------------------------------------------- reads
    def queue(
        self,
        *,
        owner: str | None = None,
        due_before: datetime | None = None,
        include_closed: bool = False,
        include_snoozed: bool = False,
        limit: int | None = None,
    ) -> list[QueueRow]:
        with self.uow_factory() as uow:
            return uow.cases.queue(
                store_ids=self.store_ids, owner=owner, due_before=due_before,
                include_closed=include_closed,
                include_snoozed_at=None if include_snoozed else self.clock.now(), limit=limit,
            )  # fmt: skip

    def view(self, case_id: int) -> CaseView:
        with self.uow_factory() as uow:
            stored = uow.cases.get(case_id, self.store_ids)
            if stored is None:
                raise CaseNotFound(f"no case #{case_id} (or not in a store you may see)")
            timeline = uow.cases.timeline(case_id)
            deadlines = uow.cases.deadlines(case_id)
        far = datetime.max.replace(tzinfo=stored.case.opened_at.tzinfo)
        deadlines.sort(key=lambda d: (d.clock.due_at is None, d.clock.due_at or far))
        return CaseView(stored, deadlines, timeline, verify_chain(timeline))

    # ---------------------------------------------------------------- creation
    def open(self, tracking_number: str, kind: CaseKind, note: str = "") -> Opened:
        return open_case(
            self.uow_factory(), tracking_number, kind, actor=self.actor, note=note,
            env=self.env, now=self.clock.now(), store_ids=self.store_ids,
        )  # fmt: skip

    def report(
        self,
        tracking_number: str,
        kind: CaseKind,
        *,
        reported_at: datetime,
        note: str = "",
        request_opened_at: datetime | None = None,
    ) -> Opened:
        return report_by_buyer(
            self.uow_factory(), tracking_number, kind, reported_at=reported_at, actor=self.actor,
            note=note, env=self.env, now=self.clock.now(), store_ids=self.store_ids,
            request_opened_at=request_opened_at,
        )  # fmt: skip

    # ---------------------------------------------------------------- commands
    def assign(self, case_id: int, owner: str | None) -> Case:
        return self._run(case_id, lambda c: c.assign(owner, actor=self.actor, at=self.clock.now()))

    def note(self, case_id: int, text: str) -> Case:
        return self._run(case_id, lambda c: c.add_note(text, actor=self.actor, at=self.clock.now()))

    def contact(
        self, case_id: int, contact: Contact, promise_until: datetime | None = None
    ) -> Case:
        now = self.clock.now()

        def command(case: Case) -> tuple[Case, list[TimelineEntry]]:
            case, entries = case.log_contact(contact, actor=self.actor, at=now)
            if promise_until is not None:
                if promise_until <= now:
                    raise InvalidValue("the promised update time must be in the future")
                case, more = case.promise_update(promise_until, actor=self.actor, at=now)
                entries += more
            return case, entries

        return self._run(case_id, command)

    def change_state(self, case_id: int, command_name: str, note: str = "") -> Case:
        command = _state_command(command_name)
        now = self.clock.now()
        if isinstance(command, MainCommand):
            return self._run(
                case_id, lambda c: c.transition(command, actor=self.actor, at=now, note=note)
            )
        return self._run(
            case_id, lambda c: c.buyer_transition(command, actor=self.actor, at=now, note=note)
        )

    def snooze(self, case_id: int, until: datetime | None) -> Case:
        return self._run(case_id, lambda c: c.snooze(until, actor=self.actor, at=self.clock.now()))

    def check(self, case_id: int, step: str, status: str, result: str, agent_id: str = "") -> Case:
        try:
            step_, status_ = Step(step), ItemStatus(status)
        except ValueError as exc:
            raise InvalidValue(f"checklist: {exc}") from None
        return self._run(
            case_id,
            lambda c: c.check(step_, status_, result=result, agent_id=agent_id,
                              actor=self.actor, at=self.clock.now()),
        )  # fmt: skip

    def anchor(self, case_id: int, name: str, when: datetime) -> Case:
        try:
            anchor = Anchor(name)
        except ValueError:
            known = ", ".join(a.value for a in Anchor)
            raise InvalidValue(f"unknown anchor {name!r}; known: {known}") from None
        return self._run(
            case_id,
            lambda c: c.record_anchor(anchor.value, when, actor=self.actor, at=self.clock.now()),
        )

    def deadline_met(self, case_id: int, key: str, note: str = "") -> Case:
        with self.uow_factory() as uow:
            known = {d.clock.key for d in uow.cases.deadlines(case_id)}
        if key not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise InvalidValue(f"case #{case_id} has no deadline {key!r}; its deadlines: {listed}")
        return self._run(
            case_id,
            lambda c: c.complete_deadline(key, actor=self.actor, at=self.clock.now(), note=note),
        )

    def priority(self, case_id: int, priority: str) -> Case:
        try:
            value = Priority(priority)
        except ValueError:
            raise InvalidValue(f"priority must be one of {', '.join(Priority)}") from None
        return self._run(
            case_id, lambda c: c.set_priority(value, actor=self.actor, at=self.clock.now())
        )

    def tag(self, case_id: int, add: set[str], remove: set[str]) -> Case:
        return self._run(
            case_id, lambda c: c.tag(add, remove, actor=self.actor, at=self.clock.now())
        )
