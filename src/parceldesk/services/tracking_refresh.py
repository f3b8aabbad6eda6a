"""Use case: poll the parcels nobody told us about lately, and store what the poll says.

Webhooks (17TRACK, AfterShip) push most changes, but pushes get lost and carriers polled
directly (karrio) push nothing. ``refresh_active`` picks the *active* parcels -- not
delivered or returned -- that are stale (neither refreshed nor scanned within
``stale_after``), asks a :class:`TrackingPoller` about them in batches, and stores each
batch's updates through :func:`~parceldesk.services.ingestion.apply_updates` in one
transaction of its own. So:

* a batch either lands whole or not at all, and a later batch's failure never undoes it;
* one batch failing (carrier down, bad credentials, quota) is reported and the next
  batch is polled anyway;
* a parcel is marked refreshed only when its carrier answered: numbers of a failed
  batch stay stale and come first next run; numbers the carrier answered without news
  (or rejected) are marked, so that they cannot starve the rest under ``limit``.

Every provider response is kept as it arrived, like a webhook body: a poller returns
:class:`PolledResponse` records (the raw body, what was asked, the updates parsed from
it); each is stored in ``inbound_payloads`` with its hash in the batch's transaction and
its events point at it, so a carrier's own answer is claim evidence too. A response whose
exact bytes are stored already brought nothing new: its updates were applied with it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from parceldesk.services.ingestion import IngestResult, apply_updates
from parceldesk.services.ports import Clock, UnitOfWork
from parceldesk.services.tracking_records import TrackingUpdate

__all__ = [
    "PollError",
    "PolledResponse",
    "RefreshReport",
    "RefreshRepository",
    "RefreshUnitOfWork",
    "TrackingPoller",
    "refresh_active",
]


@dataclass(frozen=True, slots=True)
class PolledResponse:
    """One provider response exactly as received, and the updates parsed from it.

    ``source`` names the provider and API (``17track:gettrackinfo``, ``karrio:usps``);
    ``headers`` is a JSON object saying what was asked (stored beside the body). ``body``
    is ``None`` only when the provider's bytes could not be had: the updates are stored
    without a payload then."""

    source: str
    body: bytes | None
    updates: tuple[TrackingUpdate, ...]
    headers: str = "{}"


class TrackingPoller(Protocol):
    """Something that can be asked about (tracking number, carrier) pairs."""

    def fetch(self, items: Sequence[tuple[str, str]]) -> list[PolledResponse]:
        """Current tracking of ``items``; raise :class:`PollError` (or anything) on failure."""
        ...


class PollError(RuntimeError):
    """A poll that failed for all or part of a batch.

    ``responses`` holds what did arrive (it is stored); ``failed`` the numbers that were not
    answered at all (a transport or credential problem: they stay stale and are retried
    first). Numbers neither updated nor in ``failed`` count as answered (e.g. "not found").
    """

    def __init__(
        self,
        message: str,
        *,
        responses: Iterable[PolledResponse] = (),
        failed: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.responses = list(responses)
        self.failed = frozenset(failed)


class RefreshRepository(Protocol):
    def active_for_refresh(
        self,
        now: datetime,
        stale_after: timedelta,
        limit: int,
        carriers: Collection[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(tracking number, carrier) of active parcels not refreshed and not scanned since
        ``now - stale_after``, least recently refreshed first; ``carriers`` (matched
        case-insensitively) restricts the carrier."""
        ...

    def mark_refreshed(self, numbers: Iterable[str], now: datetime) -> None: ...


class RefreshUnitOfWork(UnitOfWork, Protocol):
    refresh: RefreshRepository


@dataclass(slots=True)
class RefreshReport:
    selected: int = 0
    batches: int = 0
    #: batches of which nothing was stored (the poller raised and returned nothing)
    batches_failed: int = 0
    #: batches that stored some updates but reported a problem for others
    batches_partial: int = 0
    updates: int = 0
    #: updates for numbers the batch did not ask about (not stored)
    updates_ignored: int = 0
    #: numbers the carrier answered (marked refreshed)
    answered: int = 0
    #: responses stored as raw payloads (a byte-identical repeat is not stored again)
    payloads_new: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batches_failed == 0


def refresh_active(
    uow_factory: Callable[[], RefreshUnitOfWork],
    source: TrackingPoller,
    clock: Clock,
    *,
    stale_after: timedelta,
    limit: int,
    batch_size: int = 40,
    carriers: Collection[str] | None = None,
) -> RefreshReport:
    """Poll up to ``limit`` stale active parcels in batches of ``batch_size``; store each
    batch in its own transaction; report counts and per-batch errors."""
    if stale_after < timedelta(0):
        raise ValueError("stale_after must not be negative")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RefreshReport()
    if limit < 1:
        return report
    with uow_factory() as uow:
        items = uow.refresh.active_for_refresh(clock.now(), stale_after, limit, carriers)
    report.selected = len(items)
    total = (len(items) + batch_size - 1) // batch_size
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        report.batches += 1
        label = f"batch {report.batches}/{total} ({len(batch)} numbers)"
        failed: frozenset[str] = frozenset()
        try:
            responses = source.fetch(batch)
        except PollError as exc:
            responses, failed = exc.responses, exc.failed
            report.errors.append(f"{label}: {exc}")
            if not any(r.updates for r in responses) and failed >= {n for n, _ in batch}:
                report.batches_failed += 1
                continue
            report.batches_partial += 1
        except Exception as exc:  # a carrier's failure must not stop the other batches
            report.batches_failed += 1
            report.errors.append(f"{label}: {type(exc).__name__}: {exc}")
            continue
        _store(uow_factory, clock, batch, responses, failed, report)
    return report


def _store(
    uow_factory: Callable[[], RefreshUnitOfWork],
    clock: Clock,
    batch: Sequence[tuple[str, str]],
    responses: Sequence[PolledResponse],
    failed: frozenset[str],
    report: RefreshReport,
) -> None:
    asked = {n for n, _ in batch}
    answered = sorted(asked - failed)
    now = clock.now()
    with uow_factory() as uow:
        pairs: list[tuple[TrackingUpdate, int | None]] = []
        for response in responses:
            wanted = [u for u in response.updates if u.tracking_number in asked]
            report.updates += len(wanted)
            report.updates_ignored += len(response.updates) - len(wanted)
            if response.body is None:
                pairs.extend((u, None) for u in wanted)
                continue
            stored = uow.payloads.add(
                source=response.source, body=response.body, headers=response.headers,
                received_at=now, message_id=None,
            )  # fmt: skip
            report.payloads_new += stored.is_new
            if stored.is_new:
                pairs.extend((u, stored.id) for u in wanted)
        if pairs:
            report.ingest.add(apply_updates(uow, pairs, now=now))
        uow.refresh.mark_refreshed(answered, now)
        uow.commit()
    report.answered += len(answered)
