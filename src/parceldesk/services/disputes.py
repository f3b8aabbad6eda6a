"""Marketplace disputes: register one on a case, and build its response pack.

Registering records the case anchor ``dispute_opened`` in the same transaction (the same
domain command ``CaseDesk.anchor`` runs), so the deadline engine computes the platform's
clocks from the rules file at once; a dispute is never stored without its clocks.

The response pack holds a factual statement drafted only from what the case knows
(tracking facts, delivery or its absence, logged communications, the seller's dated
actions), the evidence files, and ``manifest.json``, split into uploads that respect the
platform's limits (``PackLimits``; see ``rules/upload_limits.toml`` for why those are
parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.claim_documents import DisputeStatementInput
from parceldesk.domain.claim_documents import TimelineEntry as DocEvent
from parceldesk.domain.disputes import Dispute, DisputeType
from parceldesk.domain.errors import DomainError
from parceldesk.domain.evidence import EvidenceKind
from parceldesk.domain.evidence_log import EvidenceItem, evidence_added
from parceldesk.domain.rules import Anchor
from parceldesk.services.case_clocks import SYSTEM, CaseEnv
from parceldesk.services.document_ports import DocumentRenderer
from parceldesk.services.evidence import append_to_case, load_case
from parceldesk.services.evidence_capture import render_pending
from parceldesk.services.package_ports import (
    PackageWriter,
    PackEntry,
    PackLimits,
    actions_from,
    communication_log,
    communications_from,
)
from parceldesk.services.ports import Clock, UnitOfWork
from parceldesk.services.storage_ports import BlobStore

__all__ = ["DisputeDesk", "DisputeNotFound", "DisputePack"]

_NOT_IN_DISPUTES = frozenset({EvidenceKind.CLAIM_LETTER, EvidenceKind.DISPUTE_STATEMENT})


class DisputeNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class DisputePack:
    dispute: Dispute
    path: Path
    manifest: dict[str, Any]
    excluded: tuple[tuple[str, str], ...]
    statement: str


@dataclass(frozen=True)
class DisputeDesk:
    uow_factory: Callable[[], UnitOfWork]
    env: CaseEnv
    clock: Clock
    actor: str
    store: BlobStore
    renderer: DocumentRenderer
    packager: PackageWriter
    store_ids: Sequence[int] | None = None

    def open(
        self,
        case_id: int,
        *,
        platform: str,
        market: str,
        dispute_id: str,
        dispute_type: DisputeType,
        opened_at: datetime,
    ) -> Dispute:
        now = self.clock.now()
        dispute = Dispute(case_id, platform.strip().lower(), market.strip().upper(),
                          dispute_id.strip(), dispute_type, opened_at)  # fmt: skip
        if opened_at > now:
            raise DomainError(f"dispute opened-at {opened_at.isoformat()} is in the future")
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            dispute = replace(dispute, id=uow.disputes.add(dispute, now))
            registered = TimelineEntry(
                seq=0, at=now, actor=self.actor, action="dispute_opened",
                detail={"dispute": str(dispute.id), "platform": dispute.platform,
                        "market": dispute.market, "dispute_id": dispute.dispute_id,
                        "type": dispute.dispute_type.value, "opened_at": opened_at.isoformat()},
            )  # fmt: skip
            case, more = stored.case.record_anchor(
                Anchor.DISPUTE_OPENED.value, opened_at, actor=self.actor, at=now
            )
            append_to_case(uow, stored, case, [registered, *more], self.env, now)
            uow.commit()
        return dispute

    def get(self, dispute_id: int) -> Dispute:
        with self.uow_factory() as uow:
            dispute = uow.disputes.get(dispute_id, self.store_ids)
        if dispute is None:
            raise DisputeNotFound(f"no dispute #{dispute_id} (or not in a store you may see)")
        return dispute

    def prepare(self, dispute_id: int, out: Path, limits: PackLimits | None) -> DisputePack:
        now = self.clock.now()
        dispute = self.get(dispute_id)
        case_id = dispute.case_id
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            entries = render_pending(
                uow, self.store, self.renderer, case_id, uow.evidence.for_case(case_id),
                actor=self.actor, now=now,
            )  # fmt: skip
            facts = uow.cases.facts([stored.refs.shipment_id])[stored.refs.shipment_id]
            events = uow.tracking.events([facts.shipment_id]).get(facts.shipment_id, [])
            timeline = uow.cases.timeline(case_id)
            items = [i for i in uow.evidence.for_case(case_id) if i.kind not in _NOT_IN_DISPUTES]
            statement = DisputeStatementInput(
                platform=dispute.platform, dispute_id=dispute.dispute_id,
                dispute_type=dispute.dispute_type.value.replace("_", " "),
                order_id=facts.platform_order_id or "-", tracking_number=facts.tracking_number,
                carrier=facts.carrier, prepared_at=now,
                seller_name=facts.store_name or "the seller", market=dispute.market,
                opened_at=dispute.opened_at, ship_date=facts.ship_date,
                delivered_at=facts.delivered_at,
                timeline=tuple(DocEvent(e.occurred_at, e.description, e.location, e.status,
                                        e.raw_code) for e in events),
                communications=tuple(communications_from(timeline)),
                seller_actions=tuple(actions_from(timeline, SYSTEM)),
                enclosures=tuple(i.display_name for i in items),
            )  # fmt: skip
            pdf = self.renderer.dispute_statement_pdf(statement)
            text = self.renderer.dispute_statement_text(statement)
            ref = self.store.put_bytes(pdf.data)
            item = EvidenceItem(
                case_id=case_id, kind=EvidenceKind.DISPUTE_STATEMENT, sha256=ref.sha256,
                size=ref.size, media_type=pdf.media_type, display_name=pdf.filename,
                added_by=self.actor, added_at=now, captured_at=now,
                note=f"response to {dispute.platform} dispute {dispute.dispute_id}",
            )  # fmt: skip
            uow.evidence.add(item)
            append_to_case(uow, stored, stored.case, [*entries, evidence_added(item)],
                           self.env, now)  # fmt: skip
            uow.commit()
        files = [
            PackEntry(pdf.filename, EvidenceKind.DISPUTE_STATEMENT, pdf.media_type, now,
                      ref.sha256),
            *(PackEntry(i.display_name, i.kind, i.media_type, i.captured_at or i.added_at,
                        i.sha256) for i in items),
            PackEntry("communication-log.txt", EvidenceKind.COMMUNICATION_LOG, "text/plain",
                      now, data=communication_log(timeline, f"case #{case_id}")),
        ]  # fmt: skip
        result = self.packager.write(
            out, files, purpose=f"{dispute.platform} {dispute.market} dispute response",
            reference=f"{dispute.platform} dispute {dispute.dispute_id} / case #{case_id}",
            created_at=now, limits=limits,
        )  # fmt: skip
        return DisputePack(dispute, out, result.manifest, result.excluded,
                           text.data.decode("utf-8"))  # fmt: skip
