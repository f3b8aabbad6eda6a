"""Use case: ingest files of tracking messages (NDJSON webhook bodies, events CSV).

Same rules as the webhook path (``services/ingestion.py``), batched: each batch of
messages is one transaction -- raw bodies stored (repeats skipped), unparseable lines
kept as dead letters, events deduplicated and states recomputed. Memory is bounded by
the batch size, whatever the file size. A crash loses at most the uncommitted batch;
re-running the file is harmless (everything is idempotent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from parceldesk.services.bulk_gc import fewer_gc_passes
from parceldesk.services.event_fingerprints import NONE_KNOWN, known
from parceldesk.services.ingestion import IngestResult, apply_updates
from parceldesk.services.ports import Clock, StoredPayload, UnitOfWork
from parceldesk.services.tracking_records import PayloadError, StagedUpdate, TrackingUpdate

__all__ = ["BulkReport", "ingest_message_lines", "ingest_update_stream", "keep_file"]

MAX_REASONS = 1000


@dataclass(slots=True)
class BulkReport:
    totals: IngestResult = field(default_factory=IngestResult)
    lines: int = 0
    rejected: int = 0
    #: (line or row number, reason), the first MAX_REASONS of them
    reasons: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append((line, reason))


def _batches(items: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest_message_lines(
    uow_factory: Callable[[], UnitOfWork],
    lines: Iterator[tuple[int, bytes]],
    *,
    source: str,
    parse: Callable[[bytes], Sequence[StagedUpdate]],
    clock: Clock,
    batch_size: int = 500,
    on_progress: Callable[[BulkReport], None] | None = None,
) -> BulkReport:
    """Ingest ``(line number, body)`` messages, e.g. the lines of an NDJSON file.

    ``parse`` may return updates not built yet (``StagedUpdate``): they are built
    against the fingerprints of the events their parcels have stored, so a full-history
    push builds only its new events."""
    report = BulkReport()
    with fewer_gc_passes():  # millions of short-lived objects, freed a batch at a time
        for batch in _batches(lines, batch_size):
            with uow_factory() as uow:
                result = _message_batch(uow, batch, report, source, parse, clock.now())
                uow.commit()
            report.totals.add(result)
            if on_progress is not None:
                on_progress(report)
    return report


def _message_batch(
    uow: UnitOfWork,
    batch: list[tuple[int, bytes]],
    report: BulkReport,
    source: str,
    parse: Callable[[bytes], Sequence[StagedUpdate]],
    now: datetime,
) -> IngestResult:
    """One batch of ``ingest_message_lines`` inside its transaction (the caller commits)."""
    staged: list[tuple[bytes, Sequence[StagedUpdate]]] = []
    for line_no, body in batch:
        report.lines += 1
        try:
            staged.append((body, parse(body)))
        except PayloadError as exc:
            report.reject(line_no, str(exc))
            uow.payloads.add_dead_letter(
                source=source, body=body, headers="{}", received_at=now, reason=str(exc)
            )
    blobs = uow.tracking.fingerprints(  # built updates (AfterShip) skip nothing
        s.tracking_number for _, ss in staged for s in ss if not isinstance(s, TrackingUpdate)
    )
    sets = {number: known(blob) for number, blob in blobs.items()}
    parsed = [
        (body, [s.build(sets.get(s.tracking_number, NONE_KNOWN)) for s in ss])
        for body, ss in staged
    ]
    stored = uow.payloads.add_many(
        source=source,
        items=[(body, _message_id(updates)) for body, updates in parsed],
        received_at=now,
    )
    pairs = [
        (u, st.id) for (_, updates), st in zip(parsed, stored, strict=True) if st.is_new
        for u in updates
    ]  # fmt: skip
    result = apply_updates(uow, pairs, now=now, fingerprints=blobs)
    result.messages = len(parsed)
    result.messages_duplicate = sum(1 for st in stored if not st.is_new)
    return result


def ingest_update_stream(
    uow_factory: Callable[[], UnitOfWork],
    items: Iterable[TrackingUpdate | tuple[int, str]],
    *,
    clock: Clock,
    batch_size: int = 20_000,
    on_progress: Callable[[BulkReport], None] | None = None,
) -> BulkReport:
    """Ingest already-parsed updates (events CSV rows, one or a run of them each: ``lines``
    counts rows, ``batch_size`` events a transaction); ``(row, reason)`` items are
    rejected rows. The file itself is the raw payload here (``keep_file``, by the caller)."""
    report = BulkReport()
    batch: list[tuple[TrackingUpdate, int | None]] = []
    events = 0  # in the batch: what ``batch_size`` bounds

    def flush() -> None:
        nonlocal events
        if not batch:
            return
        with uow_factory() as uow:
            result = apply_updates(uow, batch, now=clock.now())
            uow.commit()
        report.totals.add(result)
        batch.clear()
        events = 0
        if on_progress is not None:
            on_progress(report)

    with fewer_gc_passes():
        for item in items:
            if isinstance(item, tuple):
                report.lines += 1
                report.reject(*item)
                continue
            report.lines += len(item.events) or 1
            batch.append((item, None))
            events += len(item.events) or 1
            if events >= batch_size:
                flush()
        flush()
    return report


def keep_file(
    uow_factory: Callable[[], UnitOfWork],
    *,
    source: str,
    name: str,
    parts: Iterable[bytes],
    clock: Clock,
) -> list[StoredPayload]:
    """Keep a file of updates (an events CSV) as it was received: raw payloads of
    ``source``, one per part (``parts`` joined are the file; headers name the file, the
    part and its byte offset), committed before its rows are ingested. A part stored
    before (the same file again) is not stored twice."""
    now = clock.now()
    stored: list[StoredPayload] = []
    offset = 0
    with uow_factory() as uow:
        for number, part in enumerate(parts, start=1):
            headers = json.dumps({"file": name, "part": number, "offset": offset})
            stored.append(
                uow.payloads.add(
                    source=source, body=part, headers=headers, received_at=now, message_id=None
                )
            )
            offset += len(part)
        uow.commit()
    return stored


def _message_id(updates: list[TrackingUpdate]) -> str | None:
    return next((u.message_id for u in updates if u.message_id), None)
