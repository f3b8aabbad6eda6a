"""Tables for cases: the case row, its checklist, its clocks and its append-only timeline.

Kept apart from ``tables.py`` (parcels and tracking) because cases have their own life
cycle and their own readers. JSON columns hold small maps whose keys are open-ended
(anchors, met deadlines, tags); everything that is filtered or sorted on is a column.

``case_timeline`` is append-only: the migration adds triggers that refuse UPDATE and
DELETE on it (SQLite and PostgreSQL), and each row carries the SHA-256 chain (see
``parceldesk.domain.cases.timeline``), so even a direct edit of the file is detectable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from parceldesk.adapters.db.tables import Base, one_of
from parceldesk.adapters.db.types import Amount, UTCDateTime
from parceldesk.domain.cases.case import CaseSource, Priority
from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.states import BuyerState, CaseKind, CaseState

__all__ = ["Case", "CaseChecklistItem", "CaseDeadlineRow", "CaseException", "CaseTimelineEntry"]


_OPEN = text("state <> 'closed'")


class Case(Base):
    """One incident. At most one open case per parcel (partial unique index): a second
    finding on the same parcel updates or escalates that case instead."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(one_of("kind", CaseKind), name="kind_known"),
        CheckConstraint(one_of("state", CaseState), name="state_known"),
        CheckConstraint(one_of("buyer_state", BuyerState), name="buyer_state_known"),
        CheckConstraint(one_of("priority", Priority), name="priority_known"),
        CheckConstraint(one_of("source", CaseSource), name="source_known"),
        CheckConstraint(
            "(state = 'closed' AND closed_at IS NOT NULL)"
            " OR (state <> 'closed' AND closed_at IS NULL)",
            name="closed_at",
        ),
        CheckConstraint(
            "(value_amount IS NULL) = (value_currency IS NULL)", name="value_has_currency"
        ),
        Index(
            "ix_cases_open_shipment", "shipment_id", unique=True,
            sqlite_where=_OPEN, postgresql_where=_OPEN,
        ),
        Index("ix_cases_queue", "state", "next_due_at"),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="RESTRICT"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="RESTRICT"))
    tracking_number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30))
    buyer_state: Mapped[str] = mapped_column(String(30))
    owner: Mapped[str | None] = mapped_column(String(120), index=True)
    priority: Mapped[str] = mapped_column(String(10))
    value_amount: Mapped[Decimal | None] = mapped_column(Amount())
    value_currency: Mapped[str | None] = mapped_column(String(3))
    tier: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    anchors: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    completed: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    buyer_update_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The nearest unmet actionable deadline, kept current by every write (queue order).
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_label: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Optimistic concurrency: a write that read an older version fails instead of
    #: silently overwriting someone else's change.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseException(Base):
    """Which detector findings a case was opened or updated from."""

    __tablename__ = "case_exceptions"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    exception_id: Mapped[int] = mapped_column(
        ForeignKey("shipment_exceptions.id", ondelete="CASCADE"), primary_key=True
    )


class CaseChecklistItem(Base):
    __tablename__ = "case_checklist"
    __table_args__ = (
        CheckConstraint(one_of("step", Step), name="step_known"),
        CheckConstraint(one_of("status", ItemStatus), name="status_known"),
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[str] = mapped_column(String(120), default="")


class CaseDeadlineRow(Base):
    """A computed clock, stored so the queue can sort and reminders fire once."""

    __tablename__ = "case_deadlines"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(2), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    counted: Mapped[str] = mapped_column(Text, default="")
    auto_outcome: Mapped[str] = mapped_column(Text, default="")
    waiting_for: Mapped[str] = mapped_column(Text, default="")
    #: The latest reminder instant already announced (reminders fire once each).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseTimelineEntry(Base):
    __tablename__ = "case_timeline"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    track: Mapped[str] = mapped_column(String(10))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
