"""FastAPI application: tracking webhooks, the case API (``cases.py``) and a health check.

Webhook contract (docs/adr/0003-tracking-ingestion.md):
  * body over ``webhook_max_bytes``         -> 413, nothing stored
  * missing or wrong signature              -> 401, nothing stored
  * body we cannot parse                    -> 400 with the reason; kept as a dead letter
  * otherwise                               -> 200 only after the transaction committed;
                                               a duplicate answers 200 and changes nothing
                                               (SQLite: concurrent deliveries share one
                                               transaction, see ``group_commit.py``)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import orjson
from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request
from fastapi.responses import Response

from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES, WebhookSource
from parceldesk.bootstrap import App
from parceldesk.entrypoints.api.cases import case_router
from parceldesk.entrypoints.api.group_commit import GroupCommit
from parceldesk.entrypoints.api.locker import locker_router
from parceldesk.services.ingestion import (
    InboundMessage,
    IngestResult,
    ingest_messages,
    record_dead_letter,
)
from parceldesk.services.tracking_records import PayloadError

__all__ = ["create_app"]

T = TypeVar("T")

_KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "as-webhook-version",
    "sign",
    "aftership-hmac-sha256",
)


class BodyTooLarge(Exception):
    pass


def _json(content: object, status_code: int = 200) -> Response:
    """A JSON response serialised with orjson (``ORJSONResponse`` is deprecated in FastAPI
    >= 0.120 and warns on every response)."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(app: App) -> FastAPI:
    api = FastAPI(title="parceldesk", version="0.1.0")
    settings = app.settings
    # SQLite has one writer at a time. Queue writes here, first come first served, rather
    # than in SQLite's busy handler, which polls with sleeps of up to 100 ms and lets a
    # waiting request lose the lock again and again (seconds of tail latency under load).
    # PostgreSQL writes run concurrently on AnyIO's default thread limiter.
    writes = CapacityLimiter(1) if app.engine.dialect.name == "sqlite" else None

    async def write(fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await to_thread.run_sync(partial(fn, **kwargs), limiter=writes)

    def write_messages(messages: Sequence[InboundMessage]) -> list[IngestResult]:
        return ingest_messages(app.uow_factory(), messages, clock=app.clock)

    # SQLite: concurrent deliveries share one transaction (group commit, see
    # group_commit.py), each answered after its commit. PostgreSQL: one transaction each,
    # running concurrently.
    group = GroupCommit(write_messages, limiter=writes) if writes is not None else None

    async def store(message: InboundMessage) -> IngestResult:
        if group is not None:
            return await group.submit(message)
        return (await write(write_messages, messages=[message]))[0]

    def secret_for(source: str) -> str | None:
        secret = (
            settings.seventeen_track_secret if source == "17track" else settings.aftership_secret
        )
        return secret.get_secret_value() if secret is not None else None

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    async def receive(source: WebhookSource, request: Request) -> Response:
        secret = secret_for(source.name)
        if not secret:
            return _json(
                {"error": f"{source.name} webhook secret is not configured"}, status_code=503
            )
        try:
            body = await _read_body(request, settings.webhook_max_bytes)
        except BodyTooLarge:
            return _json(
                {"error": f"body larger than {settings.webhook_max_bytes} bytes"}, status_code=413
            )
        if not source.verify(body, request.headers.get(source.signature_header), secret):
            return _json({"error": "bad or missing signature"}, status_code=401)
        headers = orjson.dumps(
            {h: request.headers[h] for h in _KEPT_HEADERS if h in request.headers}
        ).decode()
        try:
            updates = source.parse(body)
        except PayloadError as exc:
            await write(
                record_dead_letter, uow=app.uow_factory(), source=source.name, body=body,
                headers=headers, reason=str(exc), clock=app.clock,
            )  # fmt: skip
            return _json({"error": str(exc)}, status_code=400)
        message_id = next((u.message_id for u in updates if u.message_id), None)
        result = await store(InboundMessage(source.name, body, headers, updates, message_id))
        return _json(
            {
                "status": "duplicate" if result.messages_duplicate else "stored",
                "events_new": result.events_new,
                "events_duplicate": result.events_duplicate,
                "unmatched": sorted(result.unmatched_numbers),
            }
        )

    @api.post("/webhooks/17track")
    async def seventeen_track(request: Request) -> Response:
        return await receive(WEBHOOK_SOURCES["17track"], request)

    @api.post("/webhooks/aftership")
    async def aftership(request: Request) -> Response:
        return await receive(WEBHOOK_SOURCES["aftership"], request)

    api.include_router(case_router(app, write))
    api.include_router(locker_router(app, write))
    return api
