"""Port for writing a claim or dispute package (ZIP + ``manifest.json``), and the shared
facts-to-document helpers both packages use.

The adapter is ``parceldesk.adapters.documents.packager.ZipPackager`` (over
``adapters.documents.package.write_package``); services describe the files, the adapter
writes them, verifying every stored file's hash while streaming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.claim_documents import ActionEntry, CommunicationEntry
from parceldesk.domain.evidence import EvidenceKind
from parceldesk.domain.evidence_log import EvidenceItem

__all__ = [
    "PackEntry",
    "PackLimits",
    "PackResult",
    "PackageWriter",
    "actions_from",
    "communication_log",
    "communications_from",
    "entries_for",
]


@dataclass(frozen=True, slots=True)
class PackEntry:
    """A stored evidence file (``sha256``) or a generated one (``data``)."""

    name: str
    kind: EvidenceKind
    media_type: str
    captured_at: datetime | None = None
    sha256: str = ""
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class PackLimits:
    max_files: int | None = None
    max_file_bytes: int | None = None
    max_total_bytes: int | None = None
    max_batches: int | None = None


@dataclass(frozen=True, slots=True)
class PackResult:
    path: Path
    manifest: dict[str, Any]
    excluded: tuple[tuple[str, str], ...]


class PackageWriter(Protocol):
    def write(
        self,
        path: Path,
        files: Sequence[PackEntry],
        *,
        purpose: str,
        reference: str,
        created_at: datetime,
        limits: PackLimits | None = None,
    ) -> PackResult: ...


def entries_for(items: Sequence[EvidenceItem]) -> list[PackEntry]:
    return [
        PackEntry(i.display_name, i.kind, i.media_type, i.captured_at or i.added_at, i.sha256)
        for i in items
    ]


def communications_from(timeline: Sequence[TimelineEntry]) -> list[CommunicationEntry]:
    """Logged contacts (``cases contact``) as the communication log."""
    return [
        CommunicationEntry(
            e.at,
            e.detail.get("channel", ""),
            e.detail.get("direction", ""),
            e.detail.get("counterparty", ""),
            e.detail.get("summary", ""),
            e.detail.get("agent_id", ""),
        )
        for e in timeline
        if e.action == "contact"
    ]


def communication_log(timeline: Sequence[TimelineEntry], reference: str) -> bytes:
    """A plain-text communication log: every contact, with agent IDs and ticket numbers."""
    lines = [f"Communication log, {reference}", ""]
    for e in timeline:
        if e.action != "contact":
            continue
        d = e.detail
        who = f" (agent ID {d['agent_id']})" if d.get("agent_id") else ""
        ref = f" [ref {d['reference']}]" if d.get("reference") else ""
        lines.append(
            f"- {e.at.isoformat()} {d.get('direction', '')} {d.get('channel', '')} "
            f"with {d.get('counterparty', '')}{who}{ref}, logged by {e.actor}: "
            f"{d.get('summary', '')}"
        )
    if len(lines) == 2:
        lines.append("No contacts logged.")
    return ("\n".join(lines) + "\n").encode("utf-8")


_ACTIONS = {
    "investigate": "started investigating the parcel with the carrier",
    "file_claim": "filed a claim with the carrier",
    "contact_buyer": "contacted the buyer",
    "offer_resolution": "offered the buyer a resolution",
    "resolve": "resolved the matter with the buyer",
    "claim_submitted": "submitted a carrier claim",
    "evidence_added": "added evidence",
    "dispute_opened": "registered the dispute",
    "checklist": "completed a confirmation step",
    "note": "noted",
}


def actions_from(timeline: Sequence[TimelineEntry], system: str) -> list[ActionEntry]:
    """What the seller (people, not the system) did on the case, with dates."""
    out: list[ActionEntry] = []
    for e in timeline:
        if e.actor == system or e.action not in _ACTIONS:
            continue
        what = _ACTIONS[e.action]
        d = e.detail
        if e.action == "evidence_added":
            what += f": {d.get('kind', '')} {d.get('name', '')}"
        elif e.action == "checklist":
            what += f": {d.get('step', '')} ({d.get('result', '')})"
        elif e.action == "claim_submitted":
            what += f" via {d.get('channel', '')}, number {d.get('number', '')}"
        elif e.action == "note":
            what += f": {d.get('text', '')}"
        out.append(ActionEntry(e.at, what))
    return out
