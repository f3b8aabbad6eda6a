"""Read and group an export in a second process while this one builds and writes.

An order import is CPU-bound Python in one process. Reading and typing the cells is
about a fifth of it, then come grouping, hashing, building and validating orders, and
the database's own work (ADR 0010). On a machine with two cores the reading can run
beside the rest:

* a forked child splits the file into runs of one order id (``OrderSource.runs``),
  reads and groups them (``services.import_grouping.read_run``) and ships them in batches
  of plain tuples, pickled, through a ring of shared memory (``_Ring``; a pipe says
  where each batch lies), equal texts of a batch as one object (``_shared``);
* this process rebuilds the ``LineRecord``s and carries on as with ``local_groups``:
  the groups, their records and errors arrive in file order, the same values.

The child reads the runs, and computes each order's content hash (``record_digest``),
only while it is ahead of this process: that is, while this process found the previous
batch ready when it asked. When this process had to wait, the child is the slower one:
it ships the runs unread (with their ``source_hash``) and leaves reading them to this
process, which skips those it stored from the same rows. A first import (this process
building and writing every order) gets its orders read and hashed by the child; a
re-import of the same file (this process mostly comparing hashes) reads almost nothing.

The child is forked, so it inherits the opened file (its offset: only the child reads
from here on) and the reader; it touches no database connection and ends with
``os._exit``. Where ``fork`` is not available the import reads in this process.
"""

from __future__ import annotations

import mmap
import multiprocessing
import pickle
import struct
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, fields
from multiprocessing.connection import Connection
from operator import attrgetter
from pathlib import Path
from typing import Any

from parceldesk.services.import_grouping import (
    Digest,
    Group,
    GroupFeed,
    local_groups,
    read_run,
    record_digest,
    salted,
)
from parceldesk.services.import_records import LineRecord, OrderSource, RawRun

__all__ = ["FORK_FROM_BYTES", "feed_for", "forked_groups"]

#: files smaller than this are read in this process: starting the child (~10 ms) and
#: shipping the rows cost more than they save below ~10,000 rows
FORK_FROM_BYTES = 2 * 1024 * 1024
#: groups per pickled batch: small enough for the two processes to hand work back and
#: forth often, large enough that a batch costs one pipe message among hundreds of rows
_BATCH = 500
#: ``LineRecord`` fields in constructor order: a record travels as this tuple
_FIELDS = tuple(f.name for f in fields(LineRecord))
_as_tuple = attrgetter(*_FIELDS)


def feed_for(path: Path) -> GroupFeed:
    """The feed an import of ``path`` should use: forked for a large file where ``fork``
    exists, otherwise read here."""
    try:
        large = path.stat().st_size >= FORK_FROM_BYTES
    except OSError:
        large = False
    if large and "fork" in multiprocessing.get_all_start_methods():
        return forked_groups
    return local_groups


@dataclass(frozen=True, slots=True)
class _Failed:
    """What the child raised, to be raised again here."""

    error: BaseException
    child_traceback: str


def forked_groups(source: OrderSource, default_currency: str | None) -> Iterator[Group]:
    """``local_groups(source, ...)``, read and grouped in a forked child (a ``GroupFeed``)."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    ring = _Ring(_RING_BYTES, ctx.RawValue("q", 0))
    waits = ctx.RawValue("q", 0)  # times this process asked for a batch not yet there
    child = ctx.Process(
        target=_produce,
        args=(source, default_currency, _Sender(send, ring), waits),
        name="parceldesk-import-reader",
        daemon=True,
    )
    child.start()
    send.close()  # the child holds the writing end; EOF here means it is gone
    try:
        yield from _receive(receive, ring, waits, child)
    finally:
        receive.close()
        if child.is_alive():  # the import stopped early, or failed: stop reading
            child.terminate()
        child.join()
        ring.close()
        source.close()  # the child read it to the end and closed its copy; this is ours


#: bytes of shared memory between the two: batches the child is ahead by. This process
#: takes 10 batches at once, then builds and writes them for a while (``batch_size``
#: orders); a pipe (64 KiB) would stop the child after one batch and make the two
#: processes take turns instead of working side by side.
_RING_BYTES = 16 * 1024 * 1024


class _Ring:
    """Pickled batches in a ring of shared memory, mapped before the fork.

    The child writes a batch at the next free offset (wrapping to the start when it does
    not fit before the end) and sends that offset through the pipe; this process copies
    the bytes out and then advances ``consumed``. The child waits while a batch would
    overwrite bytes not consumed yet. Offsets count bytes since the start (they only
    grow): a batch stored at ``[start, end)`` overwrites what was stored at
    ``[start - size, end - size)``, and of that only what lies below ``written`` ever
    held a batch (the tail a wrap skips holds none)."""

    def __init__(self, size: int, consumed: Any) -> None:
        self.size = size
        self.memory = mmap.mmap(-1, size)  # anonymous and shared with a forked child
        self.consumed = consumed
        self.written = 0

    def put(self, blob: bytes) -> tuple[int, int, int] | None:
        """Child: store ``blob``; where it went, or ``None`` if it can never fit."""
        n = len(blob)
        if n > self.size:
            return None
        start, end = self._place(n)
        while self._blocked(end):
            time.sleep(0.001)  # this process is behind by a whole ring: let it catch up
        at = start % self.size
        self.memory[at : at + n] = blob
        self.written = end
        return at, n, end

    def _place(self, n: int) -> tuple[int, int]:
        """Where the next batch of ``n`` bytes goes: after the last, or at the ring's
        start when it does not fit before the end."""
        at = self.written % self.size
        start = self.written if at + n <= self.size else self.written + self.size - at
        return start, start + n

    def _blocked(self, end: int) -> bool:
        """True while a batch placed to end at ``end`` would overwrite unread bytes.

        A batch that wraps past bytes never written waits only for all written ones:
        counting the skipped tail as unread made it wait forever for bytes never sent.
        It may still wait early (an older skipped tail within the range counts as
        written), never once every batch sent has been read."""
        consumed: int = self.consumed.value
        return min(end - self.size, self.written) > consumed

    def take(self, at: int, n: int, end: int) -> bytes:
        """This process: the bytes of one batch, their room free for the child again."""
        data = self.memory[at : at + n]
        self.consumed.value = end
        return data

    def close(self) -> None:
        self.memory.close()


_WHERE = struct.Struct("<qqq")


@dataclass(frozen=True, slots=True)
class _Sender:
    """Child: hands a pickled batch over through the ring (``R`` + where) or, if it is
    larger than the ring, through the pipe itself (``I`` + the bytes); ``E`` ends."""

    pipe: Connection
    ring: _Ring

    def batch(self, blob: bytes) -> None:
        where = self.ring.put(blob)
        if where is None:
            self.pipe.send_bytes(b"I" + blob)
        else:
            self.pipe.send_bytes(b"R" + _WHERE.pack(*where))

    def end(self) -> None:
        self.pipe.send_bytes(b"E")

    def close(self) -> None:
        self.pipe.close()


def _receive(receive: Connection, ring: _Ring, waits: Any, child: Any) -> Iterator[Group]:
    while True:
        if not receive.poll():
            waits.value += 1
        try:
            message = receive.recv_bytes()
        except EOFError:
            child.join()
            raise RuntimeError(
                f"the import's reader process ended without finishing (exit code {child.exitcode})"
            ) from None
        kind, body = message[:1], message[1:]
        if kind == b"E":
            return
        data = ring.take(*_WHERE.unpack(body)) if kind == b"R" else body
        batch = pickle.loads(data)  # noqa: S301 - our own child's bytes, over our own pipe
        if isinstance(batch, _Failed):
            batch.error.add_note(f"raised in the import's reader process:\n{batch.child_traceback}")
            raise batch.error
        for read, key, *rest in batch:
            if not read:
                source_hash, rows, parcels, packed = rest
                run = RawRun(key, source_hash, rows, parcels, packed=packed)
                yield Group(key, source_hash=source_hash, run=run)
                continue
            records, errors, digest, source_hash = rest
            yield Group(
                key,
                [LineRecord(*values) for values in records],
                errors,
                Digest(*digest) if digest else None,
                digest is not None,
                source_hash,
            )


def _produce(source: OrderSource, default_currency: str | None, send: _Sender, waits: Any) -> None:
    """The child: split, read and hash while ahead, ship; then the end marker."""
    batch: list[tuple[Any, ...]] = []
    shared: dict[str, str] = {}  # cell text -> the one object this batch ships for it
    try:
        seen = waits.value
        ahead = _ahead(seen, seen)
        for run in source.runs():
            salted(run, default_currency)
            if not (ahead or run.mixed):  # a run naming two stores may be several orders
                packed = run.packed  # one string, not a list per row, when exact
                rows = [] if packed is not None else run.rows
                batch.append((False, run.key, run.source_hash, rows, run.parcels, packed))
            else:
                found = read_run(source, run)
                source_hash = run.source_hash if len(found) == 1 else None
                for group in found:
                    # ``None``: not computed; ``()``: computed, and the rows need a build
                    # to hash; else the ``Digest``'s fields (a dataclass unpickles in Python)
                    digest: tuple[object, ...] | None = None
                    if ahead and not group.errors:
                        got = record_digest(group.records, default_currency)
                        digest = () if got is None else (got.content_hash, got.parcels)
                    records = [_shared(_as_tuple(r), shared) for r in group.records]
                    batch.append((True, group.key, records, group.errors, digest, source_hash))
            if len(batch) >= _BATCH:
                send.batch(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                batch = []
                shared.clear()
                now = waits.value
                seen, ahead = now, _ahead(seen, now)
        if batch:
            send.batch(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        send.end()
    except BaseException as exc:  # every failure must reach the import
        if batch:  # the groups before it, as ``local_groups`` would have yielded them
            send.batch(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        send.batch(_failure(exc))
    finally:
        send.close()


def _shared(values: tuple[Any, ...], shared: dict[str, str]) -> tuple[Any, ...]:
    """``values`` with each text replaced by the first equal text of the batch.

    Cells repeat: an order's own fields on each of its rows, and columns such as the
    store, currency, country or carrier on most rows. Pickle writes an object it has
    written before as a reference, so a shared text crosses once per batch and this
    process makes, and later frees, one object instead of one per cell (a batch of
    the benchmark's file: half the bytes, ~35 % less time to load and free it)."""
    share = shared.setdefault
    return tuple([share(v, v) if type(v) is str else v for v in values])


def _ahead(seen: int, now: int) -> bool:
    """True when this process asked for no batch that was not there yet (its count of
    such waits is unchanged since the child last looked): the child can afford to read."""
    return now == seen


def _failure(exc: BaseException) -> bytes:
    text = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps(_Failed(exc, text), pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle
        return pickle.dumps(_Failed(RuntimeError(f"{type(exc).__name__}: {exc}"), text))
