"""SQL for raw inbound payloads (kept untouched, with their hash) and dead letters."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.bulk import bulk_insert_rows, select_in
from parceldesk.adapters.db.order_repository import chunks
from parceldesk.services.ports import StoredPayload

__all__ = ["SqlPayloadRepository"]

_PAYLOADS = cast(Table, t.InboundPayload.__table__)
_INSERT_PAYLOAD = {
    name: dialect_insert(_PAYLOADS).on_conflict_do_nothing().returning(_PAYLOADS.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_NEXT_ID = "SELECT coalesce(max(id), 0) + 1 FROM inbound_payloads"
_PAYLOAD_COLUMNS = ("source", "received_at", "content_sha256", "message_id", "headers", "body")
#: plain columns only (``bulk.select_in`` applies no result processing)
_PAYLOAD_IDS = (
    "SELECT content_sha256, id FROM inbound_payloads"
    " WHERE source = {mark} AND content_sha256 IN ({marks})"
)


class SqlPayloadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        source: str,
        body: bytes,
        headers: str,
        received_at: datetime,
        message_id: str | None,
    ) -> StoredPayload:
        """One ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (SQLite >= 3.35 and
        PostgreSQL): a new message costs one statement and no savepoint; a repeat, or a
        concurrent delivery of the same message that won the race, returns no row and is
        looked up."""
        digest = hashlib.sha256(body).hexdigest()
        insert = _INSERT_PAYLOAD[self.session.get_bind().dialect.name]
        new_id = self.session.connection().execute(
            insert,
            {
                "source": source, "received_at": received_at, "content_sha256": digest,
                "message_id": message_id, "headers": headers, "body": body,
            },
        ).scalar()  # fmt: skip
        if new_id is not None:
            return StoredPayload(new_id, is_new=True)
        same = (_PAYLOADS.c.content_sha256 == digest) if message_id is None else (
            (_PAYLOADS.c.content_sha256 == digest) | (_PAYLOADS.c.message_id == message_id)
        )  # fmt: skip
        found = self.session.connection().scalar(
            select(_PAYLOADS.c.id).where(_PAYLOADS.c.source == source, same).limit(1)
        )
        assert found is not None  # the conflict was with a committed or our own row
        return StoredPayload(found, is_new=False)

    def add_many(
        self, *, source: str, items: Sequence[tuple[bytes, str | None]], received_at: datetime
    ) -> list[StoredPayload]:
        """Bulk ``add``: one query for what exists, one executemany for what is new."""
        digests = [hashlib.sha256(body).hexdigest() for body, _ in items]
        known: dict[str, int] = {}
        for part in chunks(sorted(set(digests))):
            known.update(select_in(self.session, _PAYLOAD_IDS, (source,), part))
        ids_by_message: dict[str, int] = {}
        message_ids = sorted({m for _, m in items if m is not None})
        for part in chunks(message_ids):
            rows = self.session.execute(
                select(t.InboundPayload.message_id, t.InboundPayload.id).where(
                    t.InboundPayload.source == source, t.InboundPayload.message_id.in_(part)
                )
            )
            ids_by_message.update({m: pk for m, pk in rows if m is not None})
        fresh: dict[str, tuple[object, ...]] = {}
        seen_messages: set[str] = set(ids_by_message)
        for (body, message_id), digest in zip(items, digests, strict=True):
            if digest in known or digest in fresh or (message_id and message_id in seen_messages):
                continue
            if message_id:
                seen_messages.add(message_id)
            fresh[digest] = (source, received_at, digest, message_id, "{}", body)
        if fresh and self.session.get_bind().dialect.name == "sqlite":
            # SQLite: this transaction holds the write lock from its BEGIN IMMEDIATE
            # (engine.py), so the next ids are ours to give; saves reading them back
            first = int(self.session.connection().exec_driver_sql(_NEXT_ID).scalar_one())
            numbered = [(first + i, *row) for i, row in enumerate(fresh.values())]
            bulk_insert_rows(self.session, _PAYLOADS, ("id", *_PAYLOAD_COLUMNS), numbered)
            known.update((digest, first + i) for i, digest in enumerate(fresh))
        elif fresh:
            bulk_insert_rows(self.session, _PAYLOADS, _PAYLOAD_COLUMNS, list(fresh.values()))
            for part in chunks(sorted(fresh)):
                known.update(select_in(self.session, _PAYLOAD_IDS, (source,), part))
        for digest, row in fresh.items():
            if row[3]:  # its message id
                ids_by_message[str(row[3])] = known[digest]
        out: list[StoredPayload] = []
        claimed: set[str] = set()
        for (_, message_id), digest in zip(items, digests, strict=True):
            is_new = digest in fresh and digest not in claimed
            claimed.add(digest)
            pk = known.get(digest)
            if pk is None:  # a redelivery under a known message id, with other bytes
                pk = ids_by_message[str(message_id)]
            out.append(StoredPayload(pk, is_new))
        return out

    def add_dead_letter(
        self, *, source: str, body: bytes, headers: str, received_at: datetime, reason: str
    ) -> int:
        row = t.DeadLetter(
            source=source, received_at=received_at, reason=reason, headers=headers, body=body,
            content_sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id
