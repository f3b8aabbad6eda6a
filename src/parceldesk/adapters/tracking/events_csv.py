"""The simple events CSV: one scan per row, streamed into updates.

Columns (header row, any order, case-insensitive; extra columns ignored):
``tracking_number, carrier, event_time, location, description, status, code``.
``tracking_number`` and ``event_time`` are required, the rest may be empty or absent.

Why streamed: the file may hold millions of rows for thousands of parcels in any order.
``iter_updates`` makes one update per row; ``iter_runs`` (what ``parceldesk ingest``
uses) one per run of consecutive rows of a parcel. Events are idempotent by dedup key,
so grouping is only an optimisation.

Rules:

* ``event_time`` must be ISO 8601 *with* an offset (``2026-08-03T10:20:56+08:00`` or
  ``...Z``). A CSV has no place to say where a naive time was local to, so a naive time is
  a :class:`RowProblem`, not a guess.
* ``status`` is a canonical status name (``in_transit``; case, spaces and hyphens are
  forgiven) or empty; empty means "classify the description". Node and reason always come
  from the text classifier when it agrees with the status.
* Bad rows become :class:`RowProblem` (file, line, column, reason) and parsing goes on;
  only a file that cannot be read as this CSV at all raises :class:`PayloadError`.

Speed: the per-row path is ``csv`` (C), ``datetime.fromisoformat`` (C) and dict lookups;
classification is memoised per (description, location), which real files repeat
heavily. Last-mile numbers are only searched for in texts that contain digits.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from parceldesk.adapters.tracking.common import classify_text, find_linked, merge_linked
from parceldesk.domain.taxonomy import Status
from parceldesk.domain.tracking import TrackingEvent
from parceldesk.services.tracking_records import (
    LinkedLeg,
    PayloadError,
    TrackingUpdate,
    events_update,
)

__all__ = ["COLUMNS", "SOURCE", "RowProblem", "iter_updates"]

SOURCE = "events_csv"
COLUMNS = ("tracking_number", "carrier", "event_time", "location", "description", "status", "code")
_REQUIRED = ("tracking_number", "event_time")
_STATUSES: dict[str, Status] = {s.value: s for s in Status}
_ALLOWED = ", ".join(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not become an event: where, which column, why."""

    file: str
    row: int  # line number in the file (the header is line 1)
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (got {self.value!r})" if self.value else ""
        return f"{self.file}:{self.row}: column {self.column!r}: {self.reason}{shown}"


def _status(text: str) -> Status | None:
    found = _STATUSES.get(text)
    if found is None:
        found = _STATUSES.get(text.strip().lower().replace(" ", "_").replace("-", "_"))
    return found


#: parts of a file kept as raw payloads (``file_parts``): bounded memory, any file size
FILE_PART_BYTES = 16 * 1024 * 1024


def file_parts(path: str | Path, size: int = FILE_PART_BYTES) -> Iterator[bytes]:
    """The file's bytes exactly as received, in parts of about ``size`` bytes, each ending
    at a line end (the last one where the file ends): joined, they are the file. The
    ingest keeps them as the raw payload of the file (``bulk_ingest.keep_file``)."""
    with open(path, "rb") as fh:
        while part := fh.read(size):
            if not part.endswith(b"\n"):
                part += fh.readline()
            yield part


#: events of one parcel a run (``iter_runs``) holds at most
MAX_RUN = 1000
#: a valid row: (tracking number, carrier, its event, last-mile numbers its text names)
_Row = tuple[str, str, TrackingEvent, list[LinkedLeg]]


def iter_updates(path: str | Path) -> Iterator[TrackingUpdate | RowProblem]:
    """Stream ``path`` as one :class:`TrackingUpdate` (or :class:`RowProblem`) per row."""
    for item in _read(path):
        if isinstance(item, RowProblem):
            yield item
        else:
            number, carrier, event, legs = item
            yield events_update(SOURCE, number, carrier, (event,), tuple(legs))


def iter_runs(path: str | Path) -> Iterator[TrackingUpdate | RowProblem]:
    """``iter_updates`` with consecutive rows of one parcel (same number and carrier) in
    one update, up to ``MAX_RUN`` events: files are usually written parcel by parcel, and
    ingestion pays per update as well as per event. Same events, same row problems."""
    run: list[TrackingEvent] = []
    legs: list[LinkedLeg] = []
    key = ("", "")
    for item in _read(path):
        if isinstance(item, RowProblem):
            yield item
            continue
        number, carrier, event, found = item
        if (number, carrier) != key or len(run) >= MAX_RUN:
            if run:
                yield events_update(SOURCE, *key, tuple(run), merge_linked(legs, key[0]))
            key, run, legs = (number, carrier), [], []
        run.append(event)
        legs.extend(found)
    if run:
        yield events_update(SOURCE, *key, tuple(run), merge_linked(legs, key[0]))


def _read(path: str | Path) -> Iterator[_Row | RowProblem]:
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from _rows(name, csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PayloadError(f"{name}: not a readable UTF-8 CSV ({exc})") from exc


def _rows(name: str, reader: _Reader) -> Iterator[_Row | RowProblem]:
    header = next(reader, None)
    if header is None:
        raise PayloadError(f"{name}: empty file (expected a header row)")
    index = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in _REQUIRED if c not in index]
    if missing:
        raise PayloadError(
            f"{name}: missing column(s) {', '.join(missing)}; found {', '.join(header)}"
        )
    width = len(header)
    i_num, i_time = index["tracking_number"], index["event_time"]
    optional = [index.get(c, -1) for c in ("carrier", "location", "description", "status", "code")]
    i_carrier, i_loc, i_desc, i_status, i_code = optional
    classify, build = classify_text, TrackingEvent.of_aware_time
    for row in reader:
        line = reader.line_num
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            yield RowProblem(name, line, "*", f"expected {width} fields, found {len(row)}")
            continue
        number = row[i_num].strip()
        if not number:
            yield RowProblem(name, line, "tracking_number", "is empty")
            continue
        raw_time = row[i_time]
        moment: datetime | None
        try:
            moment = datetime.fromisoformat(raw_time)
        except ValueError:
            moment = _retry_time(raw_time)
            if moment is None:
                yield RowProblem(name, line, "event_time", "is not an ISO 8601 date-time", raw_time)
                continue
        if moment.tzinfo is None:
            yield RowProblem(
                name, line, "event_time", "has no UTC offset (write e.g. +08:00 or Z)", raw_time
            )
            continue
        if not 1970 <= moment.year <= 2200:
            yield RowProblem(name, line, "event_time", "year out of range", raw_time)
            continue
        description = row[i_desc].strip() if i_desc >= 0 else ""
        location = row[i_loc].strip() if i_loc >= 0 else ""
        raw_status = row[i_status] if i_status >= 0 else ""
        cls = classify(description, location)
        if raw_status and raw_status.strip():
            status = _status(raw_status)
            if status is None:
                yield RowProblem(
                    name, line, "status", f"unknown status; expected one of {_ALLOWED}", raw_status
                )
                continue
            node, reason = (cls.node, cls.reason) if cls.status is status else (None, None)
        else:
            status, node, reason = cls.status or Status.IN_TRANSIT, cls.node, cls.reason
        code = row[i_code].strip() if i_code >= 0 else ""
        # the time is aware (checked above): the constructor's own checks are skipped
        event = build(moment, description, status, node, reason, location, code, SOURCE)
        carrier = row[i_carrier].strip() if i_carrier >= 0 else ""
        yield number, carrier, event, find_linked(description, number) if description else []


def _retry_time(text: str) -> datetime | None:
    """Slow path: surrounding spaces (``fromisoformat`` rejects them)."""
    stripped = text.strip()
    if stripped == text or not stripped:
        return None
    try:
        return datetime.fromisoformat(stripped)
    except ValueError:
        return None


class _Reader(Protocol):
    """The part of ``csv.reader`` used here (its class is private to ``_csv``)."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...
