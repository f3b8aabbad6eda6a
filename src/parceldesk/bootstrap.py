"""Composition root: builds engines, units of work and clocks from ``Settings``.

Nothing is created at import time; entrypoints call ``build`` once per process.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from parceldesk.adapters.address import OfflineAddressVerifier
from parceldesk.adapters.clock import FixedClock, SystemClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.holiday_calendar import HolidaysCalendar
from parceldesk.adapters.rules_loader import load_rulebook
from parceldesk.adapters.storage.local import LocalBlobStore
from parceldesk.adapters.storage.roots import evidence_root
from parceldesk.config import Settings
from parceldesk.domain.cases.clocks import DeadlinePolicy
from parceldesk.services.case_clocks import CaseEnv
from parceldesk.services.evidence_capture import OpenCapture
from parceldesk.services.ports import Clock

__all__ = ["App", "build"]


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock
    uow_factory: Callable[[], SqlUnitOfWork]
    _case_env: CaseEnv | None = field(default=None, repr=False)

    @property
    def case_env(self) -> CaseEnv:
        """Rules (packaged + the seller's overrides), holidays and policies; loaded once."""
        if self._case_env is None:
            s = self.settings
            self._case_env = CaseEnv(
                book=load_rulebook(s.rules_overrides),
                calendar=HolidaysCalendar(),
                zone_for=_zone,
                policy=DeadlinePolicy(
                    first_buyer_update=timedelta(hours=s.first_buyer_update_hours),
                    reminder_leads=tuple(timedelta(hours=h) for h in s.reminder_lead_hours),
                ),
                address=OfflineAddressVerifier(),
                insurer=s.insurer.strip().lower(),
                evidence=OpenCapture(self.blob_store),
            )
        return self._case_env

    @property
    def blob_store(self) -> LocalBlobStore:
        """The evidence locker's files (``PARCELDESK_EVIDENCE_DIR``)."""
        return LocalBlobStore(evidence_root(self.settings.evidence_dir, self.settings.database_url))

    @property
    def user(self) -> str:
        return self.settings.user or getpass.getuser()

    def migrate(self) -> None:
        upgrade_schema(self.engine)

    def close(self) -> None:
        self.engine.dispose()


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def build(settings: Settings, *, as_of: datetime | None = None) -> App:
    engine = make_engine(settings.database_url)
    clock: Clock = FixedClock(as_of) if as_of is not None else SystemClock()
    return App(settings, engine, clock, lambda: SqlUnitOfWork(engine))
