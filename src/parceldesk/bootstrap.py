"""Composition root: builds engines, units of work and clocks from ``Settings``.

Nothing is created at import time; entrypoints call ``build`` once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from parceldesk.adapters.clock import FixedClock, SystemClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.config import Settings
from parceldesk.services.ports import Clock

__all__ = ["App", "build"]


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock
    uow_factory: Callable[[], SqlUnitOfWork]

    def migrate(self) -> None:
        upgrade_schema(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, as_of: datetime | None = None) -> App:
    engine = make_engine(settings.database_url)
    clock: Clock = FixedClock(as_of) if as_of is not None else SystemClock()
    return App(settings, engine, clock, lambda: SqlUnitOfWork(engine))
