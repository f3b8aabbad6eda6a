"""The case transition tables, exhaustively: every legal move works and is recorded,
every illegal one fails with a message that names the state, the command and the way out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from parceldesk.domain.cases.case import Case, CaseSource, Contact
from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.states import (
    BUYER_TRANSITIONS,
    MAIN_TRANSITIONS,
    BuyerCommand,
    BuyerState,
    CaseKind,
    CaseState,
    IllegalTransition,
    MainCommand,
)
from parceldesk.domain.errors import DomainError, InvalidValue

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _case(**changes: object) -> Case:
    case, _ = Case.open(
        kind=CaseKind.LOST, source=CaseSource.DETECTION, tracking_number="YT1234567890",
        at=AT, actor="system",
    )  # fmt: skip
    return replace(case, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("state", "command"), list(product(CaseState, MainCommand)))
def test_main_track_every_pair(state: CaseState, command: MainCommand) -> None:
    case = _case(state=state, closed_at=AT if state is CaseState.CLOSED else None)
    later = AT + timedelta(hours=1)
    expected = MAIN_TRANSITIONS.get((state, command))
    if expected is None:
        with pytest.raises(IllegalTransition) as err:
            case.transition(command, actor="li", at=later)
        message = str(err.value)
        assert repr(state.value) in message
        assert command.value.replace("_", " ") in message
        allowed = sorted(c.value for (s, c) in MAIN_TRANSITIONS if s is state)
        for option in allowed:
            assert option in message
        return
    after, entries = case.transition(command, actor="li", at=later, note="why")
    assert after.state is expected
    assert (after.closed_at is not None) == (expected is CaseState.CLOSED)
    [entry] = entries
    assert (entry.track, entry.action, entry.actor) == ("main", command.value, "li")
    assert (entry.before, entry.after) == (state.value, expected.value)
    assert entry.detail == {"note": "why"}
    assert entry.at == later


@pytest.mark.parametrize(("state", "command"), list(product(BuyerState, BuyerCommand)))
def test_buyer_track_every_pair(state: BuyerState, command: BuyerCommand) -> None:
    case = _case(buyer_state=state)
    expected = BUYER_TRANSITIONS.get((state, command))
    if expected is None:
        with pytest.raises(IllegalTransition, match=repr(state.value)):
            case.buyer_transition(command, actor="li", at=AT)
        return
    after, [entry] = case.buyer_transition(command, actor="li", at=AT)
    assert after.buyer_state is expected
    assert after.state is case.state  # the tracks are independent
    assert (entry.track, entry.before, entry.after) == ("buyer", state.value, expected.value)


def test_tables_only_name_known_values_and_every_state_has_a_way_forward() -> None:
    for (state, command), target in MAIN_TRANSITIONS.items():
        assert isinstance(state, CaseState)
        assert isinstance(command, MainCommand)
        assert isinstance(target, CaseState)
    sources = {s for s, _ in MAIN_TRANSITIONS}
    assert sources == set(CaseState)  # even closed can be reopened
    assert {s for s, _ in BUYER_TRANSITIONS} == set(BuyerState)


def test_delivered_after_all_reopens_a_closed_lost_case() -> None:
    closed, _ = _case(state=CaseState.CLAIM_DECIDED).transition(
        MainCommand.CLOSE, actor="li", at=AT
    )
    assert closed.closed_at == AT and not closed.is_open
    reopened, [entry] = closed.transition(MainCommand.DELIVERED_AFTER_ALL, actor="system", at=AT)
    assert reopened.state is CaseState.INVESTIGATING
    assert reopened.closed_at is None and reopened.is_open
    assert (entry.before, entry.after) == ("closed", "investigating")


def test_filing_and_deciding_a_claim_record_anchors() -> None:
    filed, _ = _case(state=CaseState.INVESTIGATING).transition(
        MainCommand.FILE_CLAIM, actor="li", at=AT
    )
    decided, _ = filed.transition(MainCommand.DECIDE_CLAIM, actor="li", at=AT + timedelta(days=9))
    assert decided.anchors["claim_opened"] == AT
    assert decided.anchors["claim_decided"] == AT + timedelta(days=9)


def test_escalation_only_goes_to_more_severe_kinds_and_keeps_done_steps() -> None:
    delayed, _ = Case.open(
        kind=CaseKind.DELAYED, source=CaseSource.DETECTION, tracking_number="YT1",
        at=AT, actor="system",
    )  # fmt: skip
    delayed, _ = delayed.check(Step.VERIFY_ADDRESS, ItemStatus.DONE, result="ok", actor="li", at=AT)
    lost, [entry] = delayed.escalate(CaseKind.LOST, actor="system", at=AT, why="silent 30 d")
    assert lost.kind is CaseKind.LOST
    assert lost.item(Step.VERIFY_ADDRESS).status is ItemStatus.DONE  # type: ignore[union-attr]
    assert (entry.before, entry.after) == ("delayed", "lost")
    with pytest.raises(DomainError, match="not escalated"):
        lost.escalate(CaseKind.DELAYED, actor="system", at=AT)


def test_contact_moves_buyer_track_and_ticks_carrier_step() -> None:
    case = _case()
    case, entries = case.log_contact(
        Contact("email", "outbound", "buyer", "told them we are on it"), actor="li", at=AT
    )
    assert case.buyer_state is BuyerState.BUYER_CONTACTED
    assert [e.action for e in entries] == ["contact", "contact_buyer"]
    case, entries = case.log_contact(
        Contact("phone", "outbound", "carrier", "trace opened", agent_id="A-77"),
        actor="li", at=AT,
    )  # fmt: skip
    item = case.item(Step.QUERY_CARRIER)
    assert item is not None and item.status is ItemStatus.DONE and item.agent_id == "A-77"
    assert [e.action for e in entries] == ["contact", "checklist"]


def test_checklist_and_contact_validation() -> None:
    with pytest.raises(InvalidValue, match="agent"):
        _case().check(Step.QUERY_CARRIER, ItemStatus.DONE, result="said wait", actor="li", at=AT)
    with pytest.raises(InvalidValue, match="say what was found"):
        _case().check(Step.VERIFY_ADDRESS, ItemStatus.FLAGGED, result=" ", actor="li", at=AT)
    with pytest.raises(DomainError, match="no checklist step"):
        _case().check(Step.BUYER_PHOTOS, ItemStatus.DONE, result="x", actor="li", at=AT)
    with pytest.raises(InvalidValue, match="counterparty"):
        Contact("email", "outbound", "neighbour", "hi")
    with pytest.raises(InvalidValue, match="not in the future"):
        _case().snooze(AT - timedelta(hours=1), actor="li", at=AT)
