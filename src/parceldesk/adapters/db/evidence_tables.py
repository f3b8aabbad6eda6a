"""Tables for the evidence locker, carrier claims and marketplace disputes.

Evidence rows hold metadata only; the bytes live in the content-addressed blob store
under their SHA-256 (``parceldesk.adapters.storage``). Each row's hash is also recorded
in the case's hash-chained timeline, which is what makes an edited row detectable.
Money is ``Amount`` + a currency column, as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parceldesk.adapters.db.tables import Base, one_of
from parceldesk.adapters.db.types import Amount, UTCDateTime
from parceldesk.domain.claims import ClaimStatus
from parceldesk.domain.disputes import DisputeStatus, DisputeType
from parceldesk.domain.evidence import EvidenceKind, PhotoSubject
from parceldesk.domain.rules import ClaimType

__all__ = ["CaseClaim", "CaseDispute", "EvidenceItemRow"]


def _money(name: str) -> str:
    return f"({name}_amount IS NULL) = ({name}_currency IS NULL)"


class EvidenceItemRow(Base):
    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint(one_of("kind", EvidenceKind), name="kind_known"),
        CheckConstraint(one_of("subject", PhotoSubject, nullable=True), name="subject_known"),
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("size >= 0", name="size_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    derived_from: Mapped[str] = mapped_column(String(64), default="")


class CaseClaim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(one_of("status", ClaimStatus), name="status_known"),
        CheckConstraint(one_of("claim_type", ClaimType), name="claim_type_known"),
        CheckConstraint("claimed_amount > 0", name="claimed_positive"),
        CheckConstraint(_money("approved"), name="approved_has_currency"),
        CheckConstraint(_money("paid"), name="paid_has_currency"),
        Index("ix_claims_status_follow_up", "status", "follow_up_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    #: rules slug of whoever is claimed against (carrier, shopee_sls, an insurer)
    carrier: Mapped[str] = mapped_column(String(60))
    claim_type: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(120), default="")
    carrier_claim_number: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(30))
    claimed_amount: Mapped[Decimal] = mapped_column(Amount())
    claimed_currency: Mapped[str] = mapped_column(String(3))
    approved_amount: Mapped[Decimal | None] = mapped_column(Amount())
    approved_currency: Mapped[str | None] = mapped_column(String(3))
    paid_amount: Mapped[Decimal | None] = mapped_column(Amount())
    paid_currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    letter_head_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseDispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("platform", "market", "dispute_id"),
        CheckConstraint(one_of("status", DisputeStatus), name="status_known"),
        CheckConstraint(one_of("dispute_type", DisputeType), name="type_known"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    platform: Mapped[str] = mapped_column(String(30))
    market: Mapped[str] = mapped_column(String(2))
    dispute_id: Mapped[str] = mapped_column(String(120))
    dispute_type: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
