"""SQL storage for API tokens, and the unit of work that carries it.

``SqlTokenUnitOfWork`` is the ordinary unit of work plus ``tokens``: token commands need
the store names too, and only the API and ``parceldesk tokens`` use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Self

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parceldesk.adapters.db.auth_tables import ApiToken
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.services.token_ports import TokenRecord, TokenRepository

__all__ = ["SqlTokenRepository", "SqlTokenUnitOfWork"]


def _record(row: ApiToken) -> TokenRecord:
    stores = tuple(row.stores) if row.stores is not None else None
    return TokenRecord(row.id, row.user_name, stores, row.created_at, row.revoked_at)


class SqlTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: str, token_sha256: str, stores: Sequence[str] | None, now: datetime) -> int:
        row = ApiToken(
            user_name=user,
            token_sha256=token_sha256,
            stores=list(stores) if stores is not None else None,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def by_hash(self, token_sha256: str) -> TokenRecord | None:
        row = self.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_sha256))
        return _record(row) if row is not None else None

    def get(self, token_id: int) -> TokenRecord | None:
        row = self.session.get(ApiToken, token_id)
        return _record(row) if row is not None else None

    def all(self) -> list[TokenRecord]:
        return [_record(r) for r in self.session.scalars(select(ApiToken).order_by(ApiToken.id))]

    def revoke(self, token_id: int, now: datetime) -> None:
        self.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )


class SqlTokenUnitOfWork(SqlUnitOfWork):
    tokens: TokenRepository

    def __enter__(self) -> Self:
        super().__enter__()
        assert self.session is not None
        self.tokens = SqlTokenRepository(self.session)
        return self
