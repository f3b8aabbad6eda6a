"""Process-level settings of long-running entrypoints (ADR 0009)."""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_heap"]


def freeze_startup_heap() -> int:
    """Move every object alive now (modules, the app, SQLAlchemy's and Pydantic's
    structures) out of the cyclic collector's reach; returns how many were frozen.

    A full collection traverses every tracked object. In ``parceldesk serve`` most of
    them are start-up objects that live as long as the process, and a full collection
    under webhook load paused the server for 143–178 ms, which set its p99 latency
    (223.5 ms at 300 requests/s). With them frozen, the longest pause was 36 ms and p99
    62.0 ms (``bench/webhook_load.py``, bench/RESULTS.md 2026-12-03). Objects created
    later are collected as before; frozen ones are only never freed, and they were
    going to live until exit anyway."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
