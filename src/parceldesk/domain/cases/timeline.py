"""The case timeline: append-only entries chained by SHA-256.

Every entry carries the hash of the entry before it, so that editing or deleting an old
entry (in the database, by hand) breaks every hash after it. ``verify_chain`` finds the
first broken link. This is what lets a claim package say "this history was not edited
after the fact": the chain head can be printed on the claim letter and checked later.

The hashed form is a canonical JSON document (sorted keys, UTC ISO-8601 times, strings
only in ``detail``), so the same entry hashes the same on SQLite and PostgreSQL and in
any process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from parceldesk.domain.errors import InvalidValue

__all__ = ["GENESIS", "ChainBreak", "TimelineEntry", "chain", "entry_hash", "verify_chain"]

#: ``prev_hash`` of a case's first entry.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a case: who, when, what, and the before/after values.

    ``track`` is ``main``/``buyer`` for state changes and ``case`` for everything else
    (notes, contacts, assignments, reminders). ``seq`` counts from 1 per case.
    """

    seq: int
    at: datetime
    actor: str
    action: str
    track: str = "case"
    before: str | None = None
    after: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidValue(f"timeline entry {self.action!r} has no timezone")
        if not self.actor.strip():
            raise InvalidValue(f"timeline entry {self.action!r} has no actor")
        for key, value in self.detail.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidValue(f"timeline detail must map text to text, got {key!r}")

    def canonical(self) -> bytes:
        doc = {
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "track": self.track,
            "before": self.before,
            "after": self.after,
            "detail": dict(sorted(self.detail.items())),
        }
        return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(prev_hash: str, entry: TimelineEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + entry.canonical()).hexdigest()


def chain(previous: TimelineEntry | None, entry: TimelineEntry) -> TimelineEntry:
    """``entry`` with its ``seq``, ``prev_hash`` and ``hash`` set to follow ``previous``."""
    seq = 1 if previous is None else previous.seq + 1
    prev = GENESIS if previous is None else previous.hash
    placed = replace(entry, seq=seq, prev_hash=prev, hash="")
    return replace(placed, hash=entry_hash(prev, placed))


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    problem: str


def verify_chain(
    entries: Sequence[TimelineEntry], expected_head: str | None = None
) -> list[ChainBreak]:
    """Every broken link, in order; an empty list means the history is intact.

    A chain proves everything *before* its last entry; dropping entries from the end
    leaves a valid shorter chain. ``expected_head`` -- a head hash recorded elsewhere
    (printed on a claim letter, kept in a package manifest) -- closes that gap.
    """
    breaks: list[ChainBreak] = []
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            breaks.append(ChainBreak(entry.seq, f"expected entry #{expected_seq}: missing entry"))
        if entry.prev_hash != prev:
            breaks.append(ChainBreak(entry.seq, "does not follow the previous entry's hash"))
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            breaks.append(ChainBreak(entry.seq, "content does not match its hash (edited)"))
        prev = entry.hash
    if expected_head is not None and prev != expected_head:
        seq = entries[-1].seq if entries else 0
        breaks.append(ChainBreak(seq, "history ends before the recorded head (truncated)"))
    return breaks
