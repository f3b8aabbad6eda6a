"""Evidence items as the case knows them, and the timeline entry that records each one.

An item's SHA-256 goes into an ``evidence_added`` timeline entry, and the timeline is a
hash chain (``parceldesk.domain.cases.timeline``). So the locker's table, the stored
files and the timeline check each other: a file that no longer hashes to its recorded
value, an item row whose hash was edited, an item without its entry (or the reverse),
and an edited or truncated timeline are all found by ``audit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from parceldesk.domain.cases.timeline import ChainBreak, TimelineEntry, verify_chain
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.evidence import EvidenceKind, PhotoSubject

__all__ = ["EVIDENCE_ADDED", "AuditFinding", "EvidenceItem", "audit", "evidence_added"]

EVIDENCE_ADDED = "evidence_added"


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    case_id: int
    kind: EvidenceKind
    sha256: str
    size: int
    media_type: str
    display_name: str
    added_by: str
    added_at: datetime
    captured_at: datetime | None = None
    subject: PhotoSubject | None = None
    note: str = ""
    #: SHA-256 of the item this one was rendered from (a snapshot PDF from its JSON)
    derived_from: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        for name in ("added_at", "captured_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidValue(f"evidence {name} has no timezone")
        if self.size < 0:
            raise InvalidValue("evidence size must not be negative")


def evidence_added(item: EvidenceItem) -> TimelineEntry:
    """The (unchained) timeline entry for ``item``: who added what, with its hash."""
    detail = {
        "kind": item.kind.value,
        "sha256": item.sha256,
        "name": item.display_name,
        "size": str(item.size),
        "media_type": item.media_type,
        "added_by": item.added_by,
    }
    if item.subject is not None:
        detail["subject"] = item.subject.value
    if item.captured_at is not None:
        detail["captured_at"] = item.captured_at.isoformat()
    if item.derived_from:
        detail["derived_from"] = item.derived_from
    if item.note:
        detail["note"] = item.note
    return TimelineEntry(
        seq=0, at=item.added_at, actor=item.added_by, action=EVIDENCE_ADDED, detail=detail
    )


@dataclass(frozen=True, slots=True)
class AuditFinding:
    problem: str


def audit(
    items: Sequence[EvidenceItem],
    timeline: Sequence[TimelineEntry],
    blob_status: Iterable[tuple[str, str]],
) -> tuple[list[ChainBreak], list[AuditFinding]]:
    """(chain breaks, other findings). ``blob_status`` is (sha256, "ok" | "missing" |
    "altered") for every stored item's file, re-hashed by the caller."""
    breaks = verify_chain(timeline)
    findings: list[AuditFinding] = []
    logged: dict[str, int] = {}
    for entry in timeline:
        if entry.action == EVIDENCE_ADDED:
            sha = entry.detail.get("sha256", "")
            logged[sha] = logged.get(sha, 0) + 1
    rows: dict[str, int] = {}
    for item in items:
        rows[item.sha256] = rows.get(item.sha256, 0) + 1
    for item in items:
        if logged.get(item.sha256, 0) < rows[item.sha256]:
            findings.append(AuditFinding(
                f"item #{item.id} {item.display_name!r}: hash {item.sha256[:12]}... is not "
                "recorded in the timeline (item row edited or added behind its back)"
            ))  # fmt: skip
    for sha, count in logged.items():
        if rows.get(sha, 0) < count:
            findings.append(AuditFinding(
                f"the timeline records evidence {sha[:12]}... that the locker no longer lists"
            ))  # fmt: skip
    for sha, status in blob_status:
        if status == "missing":
            findings.append(AuditFinding(f"file {sha[:12]}... is missing from the store"))
        elif status == "altered":
            findings.append(AuditFinding(
                f"file {sha[:12]}... was altered: its content no longer hashes to its name"
            ))  # fmt: skip
    return breaks, findings
