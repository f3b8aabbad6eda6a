"""Case states and the explicit transition tables that are the only way to change them.

A case runs two tracks side by side, because the money and the buyer move independently:
the *main* track follows the parcel and the carrier claim, the *buyer* track follows what
the buyer was told and offered. Each track has its own table: ``(state, command) -> next
state``. Anything not in a table is illegal and raises ``IllegalTransition`` naming the
command, the current state and what the current state allows -- a support agent should
understand from the message alone why the click did nothing.

Reopening is first-class: ``reopen`` (someone decided the case is not done) and
``delivered_after_all`` (a parcel we treated as lost was delivered; the claim may have
to be withdrawn and the buyer's refund revisited) are ordinary rows of the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from parceldesk.domain.errors import DomainError

__all__ = [
    "BUYER_TRANSITIONS",
    "MAIN_TRANSITIONS",
    "BuyerCommand",
    "BuyerState",
    "CaseKind",
    "CaseState",
    "IllegalTransition",
    "MainCommand",
    "next_buyer_state",
    "next_main_state",
]


class CaseKind(StrEnum):
    """What went wrong, most severe first (a case escalates down this list, never up)."""

    LOST = "lost"
    DAMAGED = "damaged"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    RETURNED = "returned"
    ADDRESS_PROBLEM = "address_problem"
    DELAYED = "delayed"

    @property
    def severity(self) -> int:
        """Higher is more severe; used to escalate an open case's kind."""
        return len(CaseKind) - list(CaseKind).index(self)


class CaseState(StrEnum):
    DETECTED = "detected"
    INVESTIGATING = "investigating"
    AWAITING_CLAIM_WINDOW = "awaiting_claim_window"
    CLAIM_FILED = "claim_filed"
    CLAIM_DECIDED = "claim_decided"
    CLOSED = "closed"


class MainCommand(StrEnum):
    INVESTIGATE = "investigate"
    AWAIT_CLAIM_WINDOW = "await_claim_window"
    FILE_CLAIM = "file_claim"
    WITHDRAW_CLAIM = "withdraw_claim"
    DECIDE_CLAIM = "decide_claim"
    APPEAL = "appeal"
    CLOSE = "close"
    REOPEN = "reopen"
    DELIVERED_AFTER_ALL = "delivered_after_all"


class BuyerState(StrEnum):
    NOT_CONTACTED = "not_contacted"
    BUYER_CONTACTED = "buyer_contacted"
    RESOLUTION_OFFERED = "resolution_offered"
    RESOLVED = "resolved"


class BuyerCommand(StrEnum):
    CONTACT_BUYER = "contact_buyer"
    OFFER_RESOLUTION = "offer_resolution"
    RESOLVE = "resolve"
    REOPEN_BUYER = "reopen_buyer"


_S = CaseState
_M = MainCommand

#: The main track. Read a row as "from STATE, COMMAND leads to NEXT".
MAIN_TRANSITIONS: Mapping[tuple[CaseState, MainCommand], CaseState] = {
    (_S.DETECTED, _M.INVESTIGATE): _S.INVESTIGATING,
    (_S.DETECTED, _M.CLOSE): _S.CLOSED,  # false alarm, or the parcel moved again
    (_S.INVESTIGATING, _M.AWAIT_CLAIM_WINDOW): _S.AWAITING_CLAIM_WINDOW,
    (_S.INVESTIGATING, _M.FILE_CLAIM): _S.CLAIM_FILED,
    (_S.INVESTIGATING, _M.CLOSE): _S.CLOSED,
    (_S.INVESTIGATING, _M.DELIVERED_AFTER_ALL): _S.INVESTIGATING,
    (_S.AWAITING_CLAIM_WINDOW, _M.FILE_CLAIM): _S.CLAIM_FILED,
    (_S.AWAITING_CLAIM_WINDOW, _M.INVESTIGATE): _S.INVESTIGATING,
    (_S.AWAITING_CLAIM_WINDOW, _M.CLOSE): _S.CLOSED,
    (_S.AWAITING_CLAIM_WINDOW, _M.DELIVERED_AFTER_ALL): _S.INVESTIGATING,
    (_S.CLAIM_FILED, _M.DECIDE_CLAIM): _S.CLAIM_DECIDED,
    (_S.CLAIM_FILED, _M.WITHDRAW_CLAIM): _S.INVESTIGATING,
    (_S.CLAIM_FILED, _M.DELIVERED_AFTER_ALL): _S.INVESTIGATING,
    (_S.CLAIM_DECIDED, _M.APPEAL): _S.CLAIM_FILED,
    (_S.CLAIM_DECIDED, _M.CLOSE): _S.CLOSED,
    (_S.CLAIM_DECIDED, _M.DELIVERED_AFTER_ALL): _S.INVESTIGATING,
    (_S.CLOSED, _M.REOPEN): _S.INVESTIGATING,
    (_S.CLOSED, _M.DELIVERED_AFTER_ALL): _S.INVESTIGATING,
}

_B = BuyerState
_BC = BuyerCommand

#: The buyer track, alongside the main one.
BUYER_TRANSITIONS: Mapping[tuple[BuyerState, BuyerCommand], BuyerState] = {
    (_B.NOT_CONTACTED, _BC.CONTACT_BUYER): _B.BUYER_CONTACTED,
    (_B.NOT_CONTACTED, _BC.OFFER_RESOLUTION): _B.RESOLUTION_OFFERED,  # proactive refund
    (_B.BUYER_CONTACTED, _BC.OFFER_RESOLUTION): _B.RESOLUTION_OFFERED,
    (_B.RESOLUTION_OFFERED, _BC.OFFER_RESOLUTION): _B.RESOLUTION_OFFERED,  # revised offer
    (_B.RESOLUTION_OFFERED, _BC.RESOLVE): _B.RESOLVED,
    (_B.RESOLVED, _BC.REOPEN_BUYER): _B.BUYER_CONTACTED,
}


class IllegalTransition(DomainError):
    """A command that the transition table does not allow from the current state."""

    def __init__(self, track: str, state: str, command: str, allowed: list[str]) -> None:
        options = ", ".join(allowed) if allowed else "nothing (final)"
        super().__init__(
            f"cannot {command.replace('_', ' ')} a case whose {track} state is {state!r}; "
            f"from {state!r} the {track} track allows: {options}"
        )
        self.track, self.state, self.command = track, state, command


def _allowed(pairs: Iterable[tuple[StrEnum, StrEnum]], state: StrEnum) -> list[str]:
    return sorted(str(cmd) for (src, cmd) in pairs if src == state)


def next_main_state(state: CaseState, command: MainCommand) -> CaseState:
    try:
        return MAIN_TRANSITIONS[(state, command)]
    except KeyError:
        raise IllegalTransition(
            "main", state.value, command.value, _allowed(MAIN_TRANSITIONS.keys(), state)
        ) from None


def next_buyer_state(state: BuyerState, command: BuyerCommand) -> BuyerState:
    try:
        return BUYER_TRANSITIONS[(state, command)]
    except KeyError:
        raise IllegalTransition(
            "buyer", state.value, command.value, _allowed(BUYER_TRANSITIONS.keys(), state)
        ) from None
