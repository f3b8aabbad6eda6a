"""What the API-token service needs from storage.

Kept apart from ``ports.py`` (and from the main unit of work) because only the API and
``parceldesk tokens`` touch tokens: ``adapters.db.token_repository.SqlTokenUnitOfWork``
is the main unit of work plus ``tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from parceldesk.services.ports import StoreRepository

__all__ = ["TokenRecord", "TokenRepository", "TokenUnitOfWork"]


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user: str
    #: Store names the token may see; None means every store.
    stores: tuple[str, ...] | None
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository(Protocol):
    def add(
        self, user: str, token_sha256: str, stores: Sequence[str] | None, now: datetime
    ) -> int: ...
    def by_hash(self, token_sha256: str) -> TokenRecord | None: ...
    def get(self, token_id: int) -> TokenRecord | None: ...
    def all(self) -> list[TokenRecord]: ...
    def revoke(self, token_id: int, now: datetime) -> None: ...


class TokenUnitOfWork(Protocol):
    tokens: TokenRepository
    stores: StoreRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
