"""Group commit of webhook writes: concurrent submissions share one write, each gets its
own answer only after that write returned, and one failing message fails only itself."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from anyio import CapacityLimiter

from parceldesk.entrypoints.api.group_commit import GroupCommit


class Writer:
    """Records every batch; the first write waits until released, so that the requests
    arriving meanwhile queue up behind it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def __call__(self, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            assert self.release.wait(5)
        if "bad" in items:
            raise RuntimeError("constraint failed")
        return [f"stored {item}" for item in items]


async def _submit_while_first_write_blocks(writer: Writer, later: list[str]) -> list[object]:
    group: GroupCommit[str, str] = GroupCommit(writer, limiter=CapacityLimiter(1))
    first = asyncio.create_task(group.submit("first"))
    while not writer.batches:  # the first write has started and holds the writer
        await asyncio.sleep(0.001)
    rest = [asyncio.create_task(group.submit(item)) for item in later]
    await asyncio.sleep(0.01)
    assert not first.done() and not any(task.done() for task in rest)
    writer.release.set()
    return list(await asyncio.gather(first, *rest, return_exceptions=True))


def test_requests_waiting_together_share_one_write() -> None:
    writer = Writer()
    results = asyncio.run(_submit_while_first_write_blocks(writer, ["a", "b", "c"]))
    assert writer.batches == [["first"], ["a", "b", "c"]]
    assert results == ["stored first", "stored a", "stored b", "stored c"]


def test_a_failing_message_fails_only_its_own_request() -> None:
    writer = Writer()
    results = asyncio.run(_submit_while_first_write_blocks(writer, ["a", "bad", "c"]))
    # the shared write failed as a whole; each message was then written on its own
    assert writer.batches == [["first"], ["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert results[:2] == ["stored first", "stored a"] and results[3] == "stored c"
    assert isinstance(results[2], RuntimeError)


def test_a_lone_failure_is_raised_to_its_request() -> None:
    def broken(items: Sequence[str]) -> list[str]:
        raise OSError("disk I/O error")

    async def run() -> None:
        group: GroupCommit[str, str] = GroupCommit(broken, limiter=None)
        with pytest.raises(OSError, match="disk I/O error"):
            await group.submit("x")

    asyncio.run(run())
