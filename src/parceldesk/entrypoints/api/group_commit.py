"""Group commit for webhook writes: requests that wait for the database together are
written in one transaction, and each is answered only after that transaction committed.

SQLite has a single writer, and a transaction costs a fixed dozen statements plus a
commit whatever it holds; one transaction per request capped the webhook at ~105 req/s
(bench/RESULTS.md). Here the first waiting request starts a writer task; every request
that arrives while a batch is being written queues up and goes into the next batch, so
batches grow exactly as fast as load does and a lone request is written at once.

A failed batch is retried one message per transaction, so that one bad message fails
only its own request (nothing of a failed transaction is stored, so the retry is safe;
if a commit failed *after* writing, the retry finds the message stored and answers
"duplicate", which is still true).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from anyio import CapacityLimiter, to_thread

__all__ = ["GroupCommit"]

M = TypeVar("M")
R = TypeVar("R")


class GroupCommit(Generic[M, R]):
    """``await submit(item)`` -> ``write(batch)[i]`` for the batch ``item`` went into."""

    def __init__(
        self,
        write: Callable[[Sequence[M]], list[R]],
        *,
        limiter: CapacityLimiter | None,
        max_batch: int = 200,
    ) -> None:
        self._write = write
        self._limiter = limiter
        self._max_batch = max_batch
        self._queue: list[tuple[M, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: M) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            # a task of its own: a client that disconnects cancels its request, not the
            # write of everybody else's messages
            self._writer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            items = [item for item, _ in batch]
            try:
                outcomes = await to_thread.run_sync(self._write_batch, items, limiter=self._limiter)
            except BaseException as exc:  # cancelled at shutdown: nobody is acknowledged
                for _, future in batch:
                    if not future.done():
                        future.set_exception(RuntimeError("webhook write interrupted"))
                if isinstance(exc, Exception):
                    continue
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its request was cancelled (client went away)
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _write_batch(self, items: list[M]) -> list[R | Exception]:
        try:
            return list(self._write(items))
        except Exception as exc:
            if len(items) == 1:
                return [exc]
        out: list[R | Exception] = []
        for item in items:
            try:
                out.append(self._write([item])[0])
            except Exception as exc:
                out.append(exc)
        return out
