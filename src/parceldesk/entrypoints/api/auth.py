"""Bearer-token authentication shared by the API's routers (cases, evidence and claims).

One dependency so that every router answers the same way: no, malformed, unknown or
revoked ``Authorization: Bearer`` token -> 401 with a ``WWW-Authenticate`` challenge.
The token is checked in a worker thread (it reads the database).
"""

# No ``from __future__ import annotations``: FastAPI reads the signature at runtime, and
# ``bearer`` only exists inside the factory.
from collections.abc import Awaitable, Callable
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from parceldesk.adapters.db.token_repository import SqlTokenUnitOfWork
from parceldesk.bootstrap import App
from parceldesk.services.api_tokens import Principal, authenticate

__all__ = ["bearer_caller"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_caller(app: App) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency that answers the caller's ``Principal`` (user and stores)."""
    bearer = HTTPBearer(auto_error=False, description="A token from `parceldesk tokens create`.")

    async def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(401, "missing bearer token", headers=_CHALLENGE)
        who = await to_thread.run_sync(
            authenticate, SqlTokenUnitOfWork(app.engine), credentials.credentials
        )
        if who is None:
            raise HTTPException(401, "unknown or revoked token", headers=_CHALLENGE)
        return who

    return caller
