"""The SQLAlchemy unit of work: one session, one transaction, all repositories on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from parceldesk.adapters.db.case_repository import SqlCaseRepository
from parceldesk.adapters.db.evidence_repository import (
    SqlClaimRepository,
    SqlDisputeRepository,
    SqlEvidenceRepository,
)
from parceldesk.adapters.db.exception_repository import SqlExceptionRepository
from parceldesk.adapters.db.order_repository import (
    SqlImportRunRepository,
    SqlOrderRepository,
    SqlStoreRepository,
)
from parceldesk.adapters.db.payload_repository import SqlPayloadRepository
from parceldesk.adapters.db.refresh_repository import SqlRefreshRepository
from parceldesk.adapters.db.shipment_repository import SqlShipmentRepository
from parceldesk.adapters.db.tracking_repository import SqlTrackingRepository
from parceldesk.services.case_ports import CaseRepository
from parceldesk.services.evidence_ports import (
    ClaimRepository,
    DisputeRepository,
    EvidenceRepository,
)
from parceldesk.services.ports import (
    ExceptionRepository,
    ImportRunRepository,
    OrderRepository,
    PayloadRepository,
    ShipmentRepository,
    StoreRepository,
    TrackingRepository,
)
from parceldesk.services.tracking_refresh import RefreshRepository

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """``with uow: ... uow.commit()``. Leaving the block without a commit rolls back."""

    stores: StoreRepository
    orders: OrderRepository
    shipments: ShipmentRepository
    import_runs: ImportRunRepository
    tracking: TrackingRepository
    payloads: PayloadRepository
    exceptions: ExceptionRepository
    refresh: RefreshRepository
    cases: CaseRepository
    evidence: EvidenceRepository
    claims: ClaimRepository
    disputes: DisputeRepository

    def __init__(self, engine: Engine) -> None:
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.stores = SqlStoreRepository(self.session)
        self.orders = SqlOrderRepository(self.session)
        self.shipments = SqlShipmentRepository(self.session)
        self.import_runs = SqlImportRunRepository(self.session)
        self.tracking = SqlTrackingRepository(self.session)
        self.payloads = SqlPayloadRepository(self.session)
        self.exceptions = SqlExceptionRepository(self.session)
        self.refresh = SqlRefreshRepository(self.session)
        self.cases = SqlCaseRepository(self.session)
        self.evidence = SqlEvidenceRepository(self.session)
        self.claims = SqlClaimRepository(self.session)
        self.disputes = SqlDisputeRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()
        self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
