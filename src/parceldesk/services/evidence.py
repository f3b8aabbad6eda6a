"""The evidence locker's use cases: add a file to a case, list, render, verify.

An upload is checked and stored (``EvidenceIntake``) *before* any row is written; a
rejected upload raises ``UploadRejected`` and leaves no blob and no row. The row and its
``evidence_added`` timeline entry are written in one transaction through the case
services' ``write_case``, so the entry is chained like every other and the case's clocks
stay current.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO

from parceldesk.domain.cases.case import Case
from parceldesk.domain.cases.timeline import ChainBreak, TimelineEntry
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.evidence import EvidenceKind, PhotoSubject
from parceldesk.domain.evidence_log import AuditFinding, EvidenceItem, audit, evidence_added
from parceldesk.services.case_clocks import CaseEnv
from parceldesk.services.case_ports import StoredCase
from parceldesk.services.cases import CaseNotFound, write_case
from parceldesk.services.document_ports import DocumentRenderer
from parceldesk.services.evidence_capture import render_pending
from parceldesk.services.ports import Clock, UnitOfWork
from parceldesk.services.storage_ports import BlobNotFound, BlobStore, EvidenceIntake

__all__ = ["EvidenceDesk", "Verdict", "append_to_case", "load_case"]

_MEDIA_KINDS = frozenset({EvidenceKind.BUYER_PHOTO, EvidenceKind.BUYER_VIDEO,
                          EvidenceKind.PACKING_PHOTO, EvidenceKind.PACKING_VIDEO})  # fmt: skip


def load_case(uow: UnitOfWork, case_id: int, store_ids: Sequence[int] | None) -> StoredCase:
    stored = uow.cases.get(case_id, store_ids)
    if stored is None:
        raise CaseNotFound(f"no case #{case_id} (or not in a store you may see)")
    return stored


def append_to_case(
    uow: UnitOfWork,
    stored: StoredCase,
    case: Case,
    entries: Sequence[TimelineEntry],
    env: CaseEnv,
    now: datetime,
) -> None:
    """Chain ``entries`` onto the case and save it (no commit)."""
    facts = uow.cases.facts([stored.refs.shipment_id])[stored.refs.shipment_id]
    write_case(uow, stored, case, entries, facts, env, now)


@dataclass(frozen=True, slots=True)
class Verdict:
    case_id: int
    items: int
    files: int
    entries: int
    head: str
    breaks: list[ChainBreak]
    findings: list[AuditFinding]

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.findings


@dataclass(frozen=True)
class EvidenceDesk:
    uow_factory: Callable[[], UnitOfWork]
    env: CaseEnv
    clock: Clock
    actor: str
    store: BlobStore
    intake: EvidenceIntake
    renderer: DocumentRenderer
    store_ids: Sequence[int] | None = None

    def add(
        self,
        case_id: int,
        kind: EvidenceKind,
        filename: str,
        stream: BinaryIO,
        *,
        subject: PhotoSubject | None = None,
        note: str = "",
        captured_at: datetime | None = None,
    ) -> EvidenceItem:
        if subject is not None and kind not in _MEDIA_KINDS:
            raise InvalidValue(f"--subject applies to photos and videos, not to {kind}")
        if captured_at is not None and captured_at.tzinfo is None:
            raise InvalidValue("captured-at needs a timezone offset")
        with self.uow_factory() as uow:  # fail on a wrong case before storing anything
            load_case(uow, case_id, self.store_ids)
        accepted = self.intake.accept(kind, filename, stream)
        now = self.clock.now()
        item = EvidenceItem(
            case_id=case_id, kind=kind, sha256=accepted.sha256, size=accepted.size,
            media_type=accepted.media_type, display_name=accepted.display_name,
            added_by=self.actor, added_at=now, captured_at=captured_at, subject=subject,
            note=note.strip(),
        )  # fmt: skip
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            item_id = uow.evidence.add(item)
            append_to_case(uow, stored, stored.case, [evidence_added(item)], self.env, now)
            uow.commit()
        return replace(item, id=item_id)

    def items(self, case_id: int) -> list[EvidenceItem]:
        with self.uow_factory() as uow:
            load_case(uow, case_id, self.store_ids)
            return uow.evidence.for_case(case_id)

    def render(self, case_id: int) -> int:
        """Render captured snapshot/proof JSON into PDF/PNG evidence; returns how many."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            entries = render_pending(
                uow, self.store, self.renderer, case_id, uow.evidence.for_case(case_id),
                actor=self.actor, now=now,
            )  # fmt: skip
            if entries:
                append_to_case(uow, stored, stored.case, entries, self.env, now)
                uow.commit()
        return len(entries)

    def verify(self, case_id: int) -> Verdict:
        """Re-hash every stored file, check the rows against the timeline, and the chain."""
        with self.uow_factory() as uow:
            load_case(uow, case_id, self.store_ids)
            items = uow.evidence.for_case(case_id)
            timeline = uow.cases.timeline(case_id)
            letters = [c.letter_head_hash for c in uow.claims.for_case(case_id)]
        status: list[tuple[str, str]] = []
        for sha in sorted({i.sha256 for i in items}):
            try:
                status.append((sha, "ok" if self.store.verify(sha) else "altered"))
            except BlobNotFound:
                status.append((sha, "missing"))
        breaks, findings = audit(items, timeline, status)
        hashes = {e.hash for e in timeline}
        for head in letters:
            if head and head not in hashes:
                findings.append(AuditFinding(
                    f"a claim letter printed chain head {head[:12]}..., which is no longer in "
                    "the timeline (history rewritten or truncated)"
                ))  # fmt: skip
        head = timeline[-1].hash if timeline else ""
        return Verdict(case_id, len(items), len(status), len(timeline), head, breaks, findings)
