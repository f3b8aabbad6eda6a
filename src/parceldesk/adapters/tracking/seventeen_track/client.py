"""A small, synchronous 17TRACK API v2.2 client: register, pull and stop numbers.

Facts it relies on (docs/tracking-sources.md; claim-rules-and-tracking-formats.md 3.2):
every call is ``POST <base>/<endpoint>`` with a JSON array body and the ``17token``
header; "a maximum of 40 tracking numbers can be passed at a single time"; the response
envelope is ``{"code": 0, "data": {"accepted": [...], "rejected": [{"number", "error":
{"code", "message"}}]}}``. 17TRACK rate-limits per key (3 requests/s per a third-party
summary of the docs) and answers HTTP 429 when exceeded.

Why retries here: the API is called from batch jobs (register yesterday's labels, pull
stale parcels), where a 429 or a 5xx must slow the job down, not fail it. Retries use
exponential backoff (``backoff * 2**attempt``, capped), and ``Retry-After`` (seconds or
an HTTP date) when the server sends one. Transport errors are retried the same way.
Anything else (401 bad key, 400 malformed request, a non-zero envelope ``code``) raises
:class:`SeventeenTrackError` at once with the endpoint, status and server message.
``sleep`` is injectable so tests assert the schedule without waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx
import orjson

from parceldesk.adapters.tracking.seventeen_track.parser import parse_gettrackinfo
from parceldesk.services.tracking_records import PayloadError, TrackingUpdate

__all__ = [
    "BATCH_SIZE",
    "BatchResult",
    "RawResponse",
    "Rejection",
    "SeventeenTrackClient",
    "SeventeenTrackError",
]

BATCH_SIZE = 40
_MAX_RETRY_AFTER = 600.0


class SeventeenTrackError(RuntimeError):
    """A 17TRACK call that failed for good; the message names endpoint and cause."""

    def __init__(self, message: str, *, endpoint: str, status: int | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


@dataclass(frozen=True, slots=True)
class Rejection:
    """A number 17TRACK refused (e.g. -18019901 already registered)."""

    number: str
    code: int | None
    message: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Merged result of all batches of one call; ``updates`` only for ``gettrackinfo``.

    ``responses`` keeps each batch's response body exactly as 17TRACK sent it, with the
    updates parsed from that body and the numbers the batch asked for (for storage as raw
    payloads: the carrier's word is claim evidence)."""

    accepted: tuple[dict[str, Any], ...] = ()
    rejected: tuple[Rejection, ...] = ()
    updates: tuple[TrackingUpdate, ...] = ()
    responses: tuple[RawResponse, ...] = ()


@dataclass(frozen=True, slots=True)
class RawResponse:
    """One HTTP response body of a batch, as received."""

    body: bytes
    asked: tuple[str, ...]
    updates: tuple[TrackingUpdate, ...] = ()


Item = str | Mapping[str, Any]


class SeventeenTrackClient:
    """Blocking client; one instance holds one HTTP connection pool (use as a context
    manager or call :meth:`close`)."""

    def __init__(
        self,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str = "https://api.17track.net/track/v2.2",
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 30.0,
    ) -> None:
        if not api_key:
            raise ValueError("17TRACK api_key is empty")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers={"17token": api_key, "Content-Type": "application/json"},
        )
        self._max_retries = max_retries
        self._sleep = sleep
        self._backoff = backoff
        self._max_backoff = max_backoff

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ endpoints

    def register(self, items: Iterable[Item]) -> BatchResult:
        """Start tracking numbers (``"LX..CN"`` or ``{"number": ..., "carrier": 3011}``)."""
        return self._call("register", items)

    def gettrackinfo(self, numbers: Iterable[Item]) -> BatchResult:
        """Current tracking of registered numbers, parsed into updates."""
        return self._call("gettrackinfo", numbers, parse=True)

    def stoptrack(self, numbers: Iterable[Item]) -> BatchResult:
        """Stop tracking numbers (no more pushes, no more quota used)."""
        return self._call("stoptrack", numbers)

    # ------------------------------------------------------------------ internals

    def _call(self, endpoint: str, items: Iterable[Item], parse: bool = False) -> BatchResult:
        payload = [_item(i) for i in items]
        accepted: list[dict[str, Any]] = []
        rejected: list[Rejection] = []
        updates: list[TrackingUpdate] = []
        responses: list[RawResponse] = []
        for start in range(0, len(payload), BATCH_SIZE):
            batch = payload[start : start + BATCH_SIZE]
            content = self._post(endpoint, batch)
            data = _envelope(endpoint, content)
            accepted.extend(a for a in _list(data.get("accepted")) if isinstance(a, dict))
            rejected.extend(_rejection(r) for r in _list(data.get("rejected")))
            parsed: list[TrackingUpdate] = []
            if parse:
                try:
                    parsed = parse_gettrackinfo(content)
                except PayloadError as exc:
                    raise SeventeenTrackError(str(exc), endpoint=endpoint) from exc
            updates.extend(parsed)
            asked = tuple(str(i.get("number", "")) for i in batch)
            responses.append(RawResponse(content, asked, tuple(parsed)))
        return BatchResult(tuple(accepted), tuple(rejected), tuple(updates), tuple(responses))

    def _post(self, endpoint: str, batch: list[dict[str, Any]]) -> bytes:
        body = orjson.dumps(batch)
        last = ""
        status: int | None = None
        for attempt in range(self._max_retries + 1):
            delay = min(self._max_backoff, self._backoff * 2**attempt)
            try:
                response = self._http.post(f"/{endpoint}", content=body)
            except httpx.TransportError as exc:
                last, status = f"transport error {type(exc).__name__}: {exc}", None
            else:
                status = response.status_code
                if response.is_success:
                    return response.content
                if status != 429 and status < 500:
                    raise SeventeenTrackError(
                        f"17track {endpoint}: HTTP {status}: {_snippet(response)}",
                        endpoint=endpoint,
                        status=status,
                    )
                last = f"HTTP {status}: {_snippet(response)}"
                delay = _retry_after(response.headers.get("Retry-After"), delay)
            if attempt < self._max_retries:
                self._sleep(delay)
        raise SeventeenTrackError(
            f"17track {endpoint}: giving up after {self._max_retries + 1} attempts; last: {last}",
            endpoint=endpoint,
            status=status,
        )


def _item(item: Item) -> dict[str, Any]:
    if isinstance(item, str):
        if not item.strip():
            raise ValueError("empty tracking number")
        return {"number": item.strip()}
    out = dict(item)
    if not str(out.get("number", "")).strip():
        raise ValueError(f"item without a number: {out!r}")
    return out


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _envelope(endpoint: str, content: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        what = f"17track {endpoint}: response is not JSON"
        raise SeventeenTrackError(what, endpoint=endpoint) from exc
    if not isinstance(doc, dict):
        what = f"17track {endpoint}: response is not a JSON object"
        raise SeventeenTrackError(what, endpoint=endpoint)
    code = doc.get("code", 0)
    data = doc.get("data")
    if code != 0:
        message = doc.get("message") or (data.get("message") if isinstance(data, dict) else "")
        raise SeventeenTrackError(
            f"17track {endpoint}: API error code {code}: {message or 'no message'}",
            endpoint=endpoint,
        )
    return data if isinstance(data, dict) else {}


def _rejection(raw: object) -> Rejection:
    obj: dict[str, Any] = raw if isinstance(raw, dict) else {}
    error: dict[str, Any] = obj["error"] if isinstance(obj.get("error"), dict) else {}
    code = error.get("code")
    return Rejection(
        number=str(obj.get("number", "")),
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        message=str(error.get("message", "")),
    )


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200] or "(empty body)"


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return default
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return default
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)
