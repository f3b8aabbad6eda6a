"""API tokens: issue, list, revoke, and turn a bearer token into who is calling.

A token is shown once, at creation; only its SHA-256 is kept (see
``adapters.db.auth_tables``). A token names the stores its holder may see, or all of
them. Store names are resolved to ids on every request rather than at creation, so a
token keeps working for a store that is imported again, and a store named in a token
but since gone simply shows nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from parceldesk.domain.errors import ConflictError, DomainError, InvalidValue
from parceldesk.services.token_ports import TokenRecord, TokenUnitOfWork

__all__ = [
    "TOKEN_PREFIX",
    "IssuedToken",
    "Principal",
    "TokenNotFound",
    "authenticate",
    "hash_token",
    "issue_token",
    "list_tokens",
    "revoke_token",
]

#: Marks a string as a parceldesk token, so secret scanners and people recognise a leak.
TOKEN_PREFIX = "pdt_"  # noqa: S105 (a public prefix, not a secret)
_MAX_TOKEN_CHARS = 200  # anything longer is not one of ours; do not hash megabytes


class TokenNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str  # the only time the plain token exists outside the caller's hands
    record: TokenRecord


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: recorded as the actor on the timeline, and what they may see."""

    token_id: int
    user: str
    #: Ids of the stores the caller may see; None means every store.
    store_ids: tuple[int, ...] | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    uow: TokenUnitOfWork, user: str, stores: Sequence[str] | None, now: datetime
) -> IssuedToken:
    """``stores=None`` grants every store; otherwise each name must be a known store
    (a typo would otherwise produce a token that silently sees nothing)."""
    user = user.strip()
    if not user:
        raise InvalidValue("a token needs a user name", field="user")
    names: tuple[str, ...] | None = None
    if stores is not None:
        names = tuple(dict.fromkeys(s.strip() for s in stores if s.strip()))
        if not names:
            raise InvalidValue("name at least one store, or grant all stores", field="stores")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        if names is not None:
            known = uow.stores.ids_by_name(names)
            missing = [n for n in names if n not in known]
            if missing:
                raise InvalidValue(f"no store named {', '.join(missing)}", field="stores")
        token_id = uow.tokens.add(user, hash_token(token), names, now)
        record = uow.tokens.get(token_id)
        uow.commit()
    assert record is not None
    return IssuedToken(token_id, token, record)


def list_tokens(uow: TokenUnitOfWork) -> list[TokenRecord]:
    with uow:
        return uow.tokens.all()


def revoke_token(uow: TokenUnitOfWork, token_id: int, now: datetime) -> TokenRecord:
    with uow:
        record = uow.tokens.get(token_id)
        if record is None:
            raise TokenNotFound(f"no token #{token_id}")
        if record.revoked_at is not None:
            raise ConflictError(f"token #{token_id} was already revoked at {record.revoked_at}")
        uow.tokens.revoke(token_id, now)
        revoked = uow.tokens.get(token_id)
        uow.commit()
    assert revoked is not None
    return revoked


def authenticate(uow: TokenUnitOfWork, token: str) -> Principal | None:
    """The caller behind a bearer token, or None for an unknown or revoked one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    with uow:
        record = uow.tokens.by_hash(hash_token(token))
        if record is None or record.revoked_at is not None:
            return None
        store_ids: tuple[int, ...] | None = None
        if record.stores is not None:
            known = uow.stores.ids_by_name(record.stores)
            store_ids = tuple(sorted(known.values()))
    return Principal(record.id, record.user, store_ids)
