"""SQLAlchemy 2.0 typed tables. All SQL lives in ``repositories.py``; this is the schema.

Conventions: surrogate integer keys; natural keys as unique constraints; enums stored
as plain strings with CHECK constraints (no DB enum types, so migrations stay portable);
every timestamp is ``UTCDateTime``; money is ``Amount`` + a currency column.
Relationships are ``lazy="raise"`` so that no query is issued behind a repository's back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from parceldesk.adapters.db.types import Amount, PayloadBody, UTCDateTime
from parceldesk.domain.detection.types import ExceptionKind
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = [
    "Base",
    "DeadLetter",
    "ImportRun",
    "InboundPayload",
    "Order",
    "OrderLine",
    "Shipment",
    "ShipmentException",
    "Store",
    "TrackingEvent",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: a shipment's place in a linked first-mile / last-mile pair
LEG_ROLES = ("single", "first_mile", "last_mile")


def one_of(column: str, values: Iterable[Any], *, nullable: bool = False) -> str:
    """A CHECK that ``column`` holds one of ``values`` (enum members or strings).

    Written as ``col = 'a' OR col = 'b' ...``, not ``col IN (...)``: SQLite builds an
    ephemeral index for an IN list every time the statement runs, so three IN checks cost
    about 19 µs per inserted row against 0.2 µs for the same test as equalities (ADR 0008;
    migration 0010 rewrites the older IN checks).
    """
    tests = " OR ".join(f"{column} = '{getattr(v, 'value', v)}'" for v in values)
    return f"{column} IS NULL OR {tests}" if nullable else tests


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("store_id", "platform_order_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"))
    platform: Mapped[str] = mapped_column(String(20))
    platform_order_id: Mapped[str] = mapped_column(String(80))
    order_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3))
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    buyer_phone: Mapped[str] = mapped_column(String(60), default="")
    ship_to_line1: Mapped[str] = mapped_column(String(300), default="")
    ship_to_line2: Mapped[str] = mapped_column(String(300), default="")
    ship_to_city: Mapped[str] = mapped_column(String(120), default="")
    ship_to_state: Mapped[str] = mapped_column(String(120), default="")
    ship_to_postal_code: Mapped[str] = mapped_column(String(20), default="")
    ship_to_country: Mapped[str] = mapped_column(String(2), default="")
    #: hash of everything imported for this order: an unchanged re-import is skipped
    content_hash: Mapped[str] = mapped_column(String(64))
    #: hash of the file rows the order was last written from, with the reading rules and
    #: options (``adapters/importers/source.py``): a re-import skips those rows unread
    source_hash: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: no index of its own: ``uq_order_lines_order_id_line_no`` starts with it (migration 0011)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(120), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal | None] = mapped_column(Amount())
    unit_cost: Mapped[Decimal | None] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))


class Shipment(Base):
    """A parcel. ``order_id`` is NULL while tracking arrived for a number no order claims."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(one_of("status", Status, nullable=True), name="status_known"),
        CheckConstraint(one_of("node", Node, nullable=True), name="node_known"),
        CheckConstraint(one_of("reason", ExceptionReason, nullable=True), name="reason_known"),
        CheckConstraint(one_of("leg_role", LEG_ROLES), name="leg_role"),
        Index("ix_shipments_status_last_event", "status", "last_event_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(60), default="")
    channel: Mapped[str] = mapped_column(String(120), default="")
    service: Mapped[str] = mapped_column(String(120), default="")
    origin_country: Mapped[str] = mapped_column(String(2), default="")
    destination_country: Mapped[str] = mapped_column(String(2), default="")
    ship_date: Mapped[date | None] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    carrier_edd: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the provider made that estimate (an older one arriving later does not win)
    carrier_edd_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declared_value: Mapped[Decimal | None] = mapped_column(Amount())
    insured_value: Mapped[Decimal | None] = mapped_column(Amount())
    value_currency: Mapped[str | None] = mapped_column(String(3))
    signature_required: Mapped[bool] = mapped_column(Boolean, default=False)
    leg_role: Mapped[str] = mapped_column(String(12), default="single")
    #: first-mile leg -> its last-mile leg (YunExpress YT... -> USPS 9400...)
    linked_leg_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), index=True
    )
    # Derived from tracking_events by domain.tracking.derive_state; cached for queries.
    status: Mapped[str] = mapped_column(String(20), default=Status.PENDING.value)
    node: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(String(30))
    first_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    #: digests of raw events stored (``services.event_fingerprints``): a shortcut for
    #: full-history pushes, never read by anything else, so not loaded with the row
    event_fingerprints: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("shipment_id", "dedup_key"),
        CheckConstraint(one_of("status", Status, nullable=True), name="status_known"),
        CheckConstraint(one_of("node", Node, nullable=True), name="node_known"),
        CheckConstraint(one_of("reason", ExceptionReason, nullable=True), name="reason_known"),
        Index("ix_tracking_events_shipment_time", "shipment_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the carrier's local offset at the scan, so the original wall time can be shown
    utc_offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    location: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    raw_code: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20))
    node: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(30))
    dedup_key: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the inbound message that first brought this event (claim evidence)
    payload_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_payloads.id", ondelete="SET NULL"), index=True
    )


class InboundPayload(Base):
    """A provider message exactly as received. Never modified: it is claim evidence."""

    __tablename__ = "inbound_payloads"
    __table_args__ = (
        UniqueConstraint("source", "content_sha256"),
        Index("ix_inbound_payloads_message", "source", "message_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_sha256: Mapped[str] = mapped_column(String(64))
    #: provider's message id (AfterShip event_id) for idempotency, when it has one
    message_id: Mapped[str | None] = mapped_column(String(100))
    headers: Mapped[str] = mapped_column(Text, default="{}")
    #: exactly the bytes received; stored compressed (``types.PayloadBody``)
    body: Mapped[bytes] = mapped_column(PayloadBody)


class DeadLetter(Base):
    """A message that could not be understood, kept for inspection and replay."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    headers: Mapped[str] = mapped_column(Text, default="{}")
    body: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRun(Base):
    """One execution of an import: what file, what came of it. An audit trail."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    orders_new: Mapped[int] = mapped_column(Integer)
    orders_updated: Mapped[int] = mapped_column(Integer)
    orders_unchanged: Mapped[int] = mapped_column(Integer)
    shipments_new: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)


_OPEN = text("status = 'open'")


class ShipmentException(Base):
    """An exception a scan raised on a parcel. At most one *open* row per (parcel, kind)
    (a partial unique index); a closed row stays as history and a recurrence opens a new
    one. ``loss_probability`` is a model output, not money: a float is fine."""

    __tablename__ = "shipment_exceptions"
    __table_args__ = (
        CheckConstraint(one_of("kind", ExceptionKind), name="kind_known"),
        CheckConstraint(one_of("reason", ExceptionReason, nullable=True), name="reason_known"),
        CheckConstraint(one_of("node", Node, nullable=True), name="node_known"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL)"
            " OR (status = 'closed' AND closed_at IS NOT NULL)",
            name="status_closed_at",
        ),
        CheckConstraint(
            "loss_probability IS NULL OR (loss_probability >= 0 AND loss_probability <= 1)",
            name="probability_range",
        ),
        Index(
            "ix_shipment_exceptions_open_unique", "shipment_id", "kind", unique=True,
            sqlite_where=_OPEN, postgresql_where=_OPEN,
        ),
        Index("ix_shipment_exceptions_status_kind", "status", "kind"),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="open")
    first_detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    loss_probability: Mapped[float | None] = mapped_column(Float)
    node: Mapped[str | None] = mapped_column(String(30))
    silent_hours: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="")


# Case tables live in their own module; importing it here registers them on ``Base`` for
# everyone who imports the schema (Alembic, tests, repositories).
from parceldesk.adapters.db import auth_tables as _auth_tables  # noqa: E402, F401
from parceldesk.adapters.db import case_tables as _case_tables  # noqa: E402, F401
from parceldesk.adapters.db import evidence_tables as _evidence_tables  # noqa: E402, F401
