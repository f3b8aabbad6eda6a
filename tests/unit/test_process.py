"""``freeze_startup_heap``: what is alive when the server starts leaves the collector's
generations (full collections stop traversing it); what is made later is collected."""

from __future__ import annotations

import gc
import weakref

from parceldesk.entrypoints.process import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_objects_alive_at_start_are_frozen_and_later_cycles_are_still_collected() -> None:
    before = _Node()
    try:
        frozen = freeze_startup_heap()
        assert frozen == gc.get_freeze_count() > 0
        assert not any(obj is before for obj in gc.get_objects())  # out of every generation
        later = _Node()
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
    assert any(obj is before for obj in gc.get_objects())
