"""SQL for the evidence locker, claims and disputes (see ``evidence_tables``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parceldesk.adapters.db import case_tables as ct
from parceldesk.adapters.db import evidence_tables as et
from parceldesk.adapters.db import tables as t
from parceldesk.domain.claims import Claim, ClaimStatus
from parceldesk.domain.disputes import Dispute, DisputeStatus, DisputeType
from parceldesk.domain.errors import ConflictError
from parceldesk.domain.evidence import EvidenceKind, PhotoSubject
from parceldesk.domain.evidence_log import EvidenceItem
from parceldesk.domain.money import Money
from parceldesk.domain.orders import OrderLine
from parceldesk.domain.rules import ClaimType
from parceldesk.services.evidence_ports import OrderRecord, RawPayload

__all__ = ["SqlClaimRepository", "SqlDisputeRepository", "SqlEvidenceRepository"]


def _money(amount: Any, currency: str | None) -> Money | None:
    return Money(amount, currency) if amount is not None and currency else None


def _case_visible(session: Session, case_id: int, store_ids: Sequence[int] | None) -> bool:
    if store_ids is None:
        return True
    store = session.scalar(select(ct.Case.store_id).where(ct.Case.id == case_id))
    return store in store_ids


class SqlEvidenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: EvidenceItem) -> int:
        row = et.EvidenceItemRow(
            case_id=item.case_id, kind=item.kind.value, sha256=item.sha256, size=item.size,
            media_type=item.media_type, display_name=item.display_name, added_by=item.added_by,
            added_at=item.added_at, captured_at=item.captured_at,
            subject=item.subject.value if item.subject else None, note=item.note,
            derived_from=item.derived_from,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def for_case(self, case_id: int) -> list[EvidenceItem]:
        rows = self.session.scalars(
            select(et.EvidenceItemRow)
            .where(et.EvidenceItemRow.case_id == case_id)
            .order_by(et.EvidenceItemRow.id)
        )
        return [
            EvidenceItem(
                id=r.id,
                case_id=r.case_id,
                kind=EvidenceKind(r.kind),
                sha256=r.sha256,
                size=r.size,
                media_type=r.media_type,
                display_name=r.display_name,
                added_by=r.added_by,
                added_at=r.added_at,
                captured_at=r.captured_at,
                subject=PhotoSubject(r.subject) if r.subject else None,
                note=r.note,
                derived_from=r.derived_from,
            )
            for r in rows
        ]

    def payloads_for_shipment(self, shipment_id: int) -> list[RawPayload]:
        ids = select(t.TrackingEvent.payload_id).where(
            t.TrackingEvent.shipment_id == shipment_id, t.TrackingEvent.payload_id.is_not(None)
        )
        rows = self.session.scalars(
            select(t.InboundPayload)
            .where(t.InboundPayload.id.in_(ids))
            .order_by(t.InboundPayload.received_at, t.InboundPayload.id)
        )
        return [
            RawPayload(p.id, p.source, p.received_at, p.content_sha256, bytes(p.body)) for p in rows
        ]

    def order(self, order_id: int) -> OrderRecord | None:
        found = self.session.execute(
            select(t.Order, t.Store.name)
            .join(t.Store, t.Store.id == t.Order.store_id)
            .where(t.Order.id == order_id)
        ).first()
        if found is None:
            return None
        order, store = found
        lines = self.session.scalars(
            select(t.OrderLine)
            .where(t.OrderLine.order_id == order_id)
            .order_by(t.OrderLine.line_no)
        )
        return OrderRecord(
            order_id=order.platform_order_id, store=store, platform=order.platform,
            currency=order.currency, order_date=order.order_date,
            lines=tuple(
                OrderLine(
                    line.sku, line.name, line.quantity, _money(line.unit_price, line.currency),
                    _money(line.unit_cost, line.currency),
                )
                for line in lines
            ),
            buyer_email=order.buyer_email,
        )  # fmt: skip


class SqlClaimRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _columns(claim: Claim, now: datetime) -> dict[str, Any]:
        return {
            "case_id": claim.case_id,
            "carrier": claim.party,
            "claim_type": claim.claim_type.value,
            "channel": claim.channel,
            "carrier_claim_number": claim.number,
            "status": claim.status.value,
            "claimed_amount": claim.claimed.amount,
            "claimed_currency": claim.claimed.currency,
            "approved_amount": claim.approved.amount if claim.approved else None,
            "approved_currency": claim.approved.currency if claim.approved else None,
            "paid_amount": claim.paid.amount if claim.paid else None,
            "paid_currency": claim.paid.currency if claim.paid else None,
            "submitted_at": claim.submitted_at,
            "decided_at": claim.decided_at,
            "paid_at": claim.paid_at,
            "follow_up_at": claim.follow_up_at,
            "appeal_deadline": claim.appeal_deadline,
            "letter_head_hash": claim.letter_head_hash,
            "updated_at": now,
        }

    @staticmethod
    def _claim(r: et.CaseClaim) -> Claim:
        claimed = _money(r.claimed_amount, r.claimed_currency)
        assert claimed is not None
        return Claim(
            id=r.id, case_id=r.case_id, party=r.carrier, claim_type=ClaimType(r.claim_type),
            claimed=claimed, created_at=r.created_at, status=ClaimStatus(r.status),
            channel=r.channel, number=r.carrier_claim_number,
            approved=_money(r.approved_amount, r.approved_currency),
            paid=_money(r.paid_amount, r.paid_currency), submitted_at=r.submitted_at,
            decided_at=r.decided_at, paid_at=r.paid_at, follow_up_at=r.follow_up_at,
            appeal_deadline=r.appeal_deadline, letter_head_hash=r.letter_head_hash,
        )  # fmt: skip

    def add(self, claim: Claim, now: datetime) -> int:
        row = et.CaseClaim(created_at=claim.created_at, **self._columns(claim, now))
        self.session.add(row)
        self.session.flush()
        return row.id

    def save(self, claim: Claim, now: datetime) -> None:
        assert claim.id is not None
        row = self.session.get(et.CaseClaim, claim.id)
        if row is None:
            raise ConflictError(f"claim #{claim.id} no longer exists")
        for name, value in self._columns(claim, now).items():
            setattr(row, name, value)
        self.session.flush()

    def get(self, claim_id: int, store_ids: Sequence[int] | None) -> Claim | None:
        row = self.session.get(et.CaseClaim, claim_id)
        if row is None or not _case_visible(self.session, row.case_id, store_ids):
            return None
        return self._claim(row)

    def for_case(self, case_id: int) -> list[Claim]:
        rows = self.session.scalars(
            select(et.CaseClaim).where(et.CaseClaim.case_id == case_id).order_by(et.CaseClaim.id)
        )
        return [self._claim(r) for r in rows]

    def listing(
        self, *, store_ids: Sequence[int] | None, open_only: bool, limit: int
    ) -> list[tuple[Claim, str]]:
        query = select(et.CaseClaim, ct.Case.tracking_number).join(
            ct.Case, ct.Case.id == et.CaseClaim.case_id
        )
        if store_ids is not None:
            query = query.where(ct.Case.store_id.in_(list(store_ids)))
        if open_only:
            done = [ClaimStatus.PAID.value, ClaimStatus.WITHDRAWN.value, ClaimStatus.DENIED.value]
            query = query.where(et.CaseClaim.status.not_in(done))
        query = query.order_by(
            et.CaseClaim.follow_up_at.is_(None), et.CaseClaim.follow_up_at, et.CaseClaim.id.desc()
        ).limit(limit)
        return [(self._claim(row), number) for row, number in self.session.execute(query)]


class SqlDisputeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _dispute(r: et.CaseDispute) -> Dispute:
        return Dispute(
            id=r.id, case_id=r.case_id, platform=r.platform, market=r.market,
            dispute_id=r.dispute_id, dispute_type=DisputeType(r.dispute_type),
            opened_at=r.opened_at, status=DisputeStatus(r.status),
        )  # fmt: skip

    def add(self, dispute: Dispute, now: datetime) -> int:
        row = et.CaseDispute(
            case_id=dispute.case_id, platform=dispute.platform, market=dispute.market,
            dispute_id=dispute.dispute_id, dispute_type=dispute.dispute_type.value,
            opened_at=dispute.opened_at, status=dispute.status.value, created_at=now,
        )  # fmt: skip
        taken = self.session.scalar(
            select(et.CaseDispute.id).where(
                et.CaseDispute.platform == dispute.platform,
                et.CaseDispute.market == dispute.market,
                et.CaseDispute.dispute_id == dispute.dispute_id,
            )
        )
        if taken is not None:
            raise ConflictError(
                f"{dispute.platform} {dispute.market} dispute {dispute.dispute_id} is already "
                f"registered (#{taken})"
            )
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, dispute_id: int, store_ids: Sequence[int] | None) -> Dispute | None:
        row = self.session.get(et.CaseDispute, dispute_id)
        if row is None or not _case_visible(self.session, row.case_id, store_ids):
            return None
        return self._dispute(row)

    def for_case(self, case_id: int) -> list[Dispute]:
        rows = self.session.scalars(
            select(et.CaseDispute)
            .where(et.CaseDispute.case_id == case_id)
            .order_by(et.CaseDispute.id)
        )
        return [self._dispute(r) for r in rows]
