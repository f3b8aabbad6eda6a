"""Column types that behave the same on SQLite and PostgreSQL.

* ``UTCDateTime`` -- refuses naive datetimes, stores UTC, returns aware UTC datetimes.
  SQLite has no timezone type, so without this a round-trip silently drops the offset.
* ``Amount``      -- ``Decimal`` in, ``Decimal`` out. PostgreSQL gets ``NUMERIC(20, 6)``;
  SQLite stores the exact decimal text (its NUMERIC affinity would go through float).
* ``PayloadBody`` -- bytes in, the same bytes out; stored LZ4-compressed when that saves
  space (docs/adr/0006-compressed-raw-payloads.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import lz4.block
from sqlalchemy import DateTime, Dialect, LargeBinary, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["Amount", "PayloadBody", "UTCDateTime", "decode_body", "encode_body"]

#: first byte of a stored body: how the rest is encoded
_PLAIN, _LZ4 = b"\x00", b"\x01"
#: shorter bodies are kept plain: compressing them saves too little
_COMPRESS_FROM = 256


def encode_body(body: bytes) -> bytes:
    """What is stored for ``body``: a tag byte, then the body itself or its LZ4 block
    (with the original size in front, as ``lz4.block`` writes it), whichever is smaller."""
    body = bytes(body)
    if len(body) >= _COMPRESS_FROM:
        packed = bytes(lz4.block.compress(body))
        if len(packed) < len(body):
            return _LZ4 + packed
    return _PLAIN + body


def decode_body(stored: bytes) -> bytes:
    """The body exactly as received, from what ``encode_body`` stored."""
    stored = bytes(stored)
    tag, rest = stored[:1], stored[1:]
    if tag == _LZ4:
        return bytes(lz4.block.decompress(rest))
    if tag == _PLAIN:
        return rest
    raise ValueError(f"stored payload body has an unknown encoding tag {tag!r}")


class PayloadBody(TypeDecorator[bytes]):
    """A raw inbound body. 17TRACK pushes repeat a parcel's whole history: kept plain
    they were 87 % of the database and their pages most of what a commit writes."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else encode_body(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else decode_body(value)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bulk_bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """``process_bind_param`` and SQLite's own ``DATETIME`` formatting in one call, for
        bulk writes (``adapters/db/bulk.py``): the same text, without two layers of
        wrappers per value (a tenth of the bulk event ingest's CPU on SQLite).
        ``None`` elsewhere: the usual processor is used. Checked against the composed
        processors by ``tests/unit/test_tracking_fast_paths.py``."""
        if dialect.name != "sqlite":
            return None
        impl = dialect.type_descriptor(self.load_dialect_impl(dialect))
        fmt = getattr(impl, "_storage_format", None)
        if fmt != _SQLITE_DEFAULT_FORMAT:
            return None

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            offset = value.utcoffset()  # None when naive: what ``astimezone(UTC)`` subtracts
            if offset is None:
                raise ValueError(f"naive datetime {value.isoformat()} refused: attach a timezone")
            return (value.replace(tzinfo=None) - offset).isoformat(" ", "microseconds")

        return process


def utc_from_sqlite_text(value: str | None) -> datetime | None:
    """A ``UTCDateTime`` value as SQLite stores it (the text above), read without
    SQLAlchemy: for rows fetched through the driver in the ingestion hot path, where the
    regex parse and two wrappers per value cost more than the query. Checked against
    the composed result processor by ``tests/unit/test_tracking_fast_paths.py``."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: SQLAlchemy's SQLite ``DATETIME`` text, which ``isoformat(" ", "microseconds")`` equals
_SQLITE_DEFAULT_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


class Amount(TypeDecorator[Decimal]):
    impl = Numeric(20, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 6, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be Decimal, got {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)
