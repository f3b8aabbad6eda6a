"""Bytes in and out of the evidence API: bounded multipart reading, safe downloads, JSON.

Uploads: the request body is counted *while it streams* and refused with 413 as soon as
it passes ``max_body`` (the largest file any evidence kind may hold, plus room for the
form fields), before the multipart parser spools more of it to a temporary file; a
declared ``Content-Length`` above it is refused before reading anything. The exact
per-kind, per-type limit is then enforced by the intake while it streams the spooled file
into the blob store (``adapters/storage/uploads.py``), which is also where the type is
detected from content. Spooling first keeps a slow client from holding SQLite's single
writer slot while it uploads.

Downloads: the stored media type (detected at upload, never the client's claim) is the
``Content-Type``, with ``nosniff`` and an ``attachment`` disposition whose file name is
reduced to safe ASCII, the full name travelling RFC 6266/5987-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncGenerator, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from parceldesk.domain.claims import Claim
from parceldesk.domain.evidence_log import EvidenceItem
from parceldesk.entrypoints.case_json import money_json
from parceldesk.services.storage_ports import BlobStore

__all__ = [
    "FORM_OVERHEAD",
    "blob_chunks",
    "claim_json",
    "content_disposition",
    "item_json",
    "read_upload",
]

#: room for the form's text fields and multipart headers on top of the file itself
FORM_OVERHEAD = 64 * 1024
_CHUNK = 256 * 1024
M = TypeVar("M", bound=BaseModel)
_UNSAFE = re.compile(r"[^A-Za-z0-9._()+ -]")


class _TooLarge(Exception):
    pass


async def _bounded(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        yield chunk


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request body larger than {limit} bytes; nothing was stored")


async def read_upload(
    request: Request, fields: type[M], file_field: str, max_body: int
) -> tuple[M, UploadFile, FormData]:
    """Parse a ``multipart/form-data`` body with one file: the text fields validated by
    ``fields`` (422 like any FastAPI body), the file spooled. The caller closes the
    returned form."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise _too_large(max_body)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "send multipart/form-data", "type": "value_error"}]
        )
    parser = MultiPartParser(
        request.headers, _bounded(request, max_body), max_files=1, max_fields=10,
        max_part_size=8 * 1024,
    )  # fmt: skip
    try:
        form = await parser.parse()
    except _TooLarge:
        raise _too_large(max_body) from None
    except MultiPartException as exc:
        raise RequestValidationError(
            [{"loc": ["body"], "msg": exc.message, "type": "value_error"}]
        ) from None
    try:
        upload = form.get(file_field)
        if not isinstance(upload, UploadFile):
            raise RequestValidationError(
                [{"loc": ["body", file_field], "msg": "a file is required", "type": "missing"}]
            )
        texts = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        try:
            parsed = fields.model_validate(texts)
        except ValidationError as exc:
            errors: list[Any] = [
                {**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)
            ]
            raise RequestValidationError(errors) from None
    except BaseException:
        await form.close()
        raise
    return parsed, upload, form


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """``attachment; filename="<safe ASCII>"; filename*=UTF-8''<percent-encoded>``: no
    quote, backslash, control character or path separator can reach the header."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = _UNSAFE.sub("_", ascii_name).strip(" .") or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def blob_chunks(store: BlobStore, sha256: str) -> Iterator[bytes]:
    """The blob's bytes, re-hashed while they stream (``BlobCorrupted`` at the end if
    they were altered between the pre-check and the read)."""
    with store.open(sha256, verify=True) as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def item_json(item: EvidenceItem) -> dict[str, object]:
    return {
        "id": item.id,
        "case_id": item.case_id,
        "kind": item.kind.value,
        "subject": item.subject.value if item.subject else None,
        "name": item.display_name,
        "media_type": item.media_type,
        "size": item.size,
        "sha256": item.sha256,
        "added_by": item.added_by,
        "added_at": item.added_at.isoformat(),
        "captured_at": item.captured_at.isoformat() if item.captured_at else None,
        "note": item.note,
        "derived_from": item.derived_from or None,
        "url": f"/api/cases/{item.case_id}/evidence/{item.sha256}",
    }


def claim_json(claim: Claim, tracking_number: str | None = None) -> dict[str, object]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    out: dict[str, object] = {
        "id": claim.id,
        "case_id": claim.case_id,
        "party": claim.party,
        "claim_type": claim.claim_type.value,
        "status": claim.status.value,
        "claimed": money_json(claim.claimed),
        "approved": money_json(claim.approved),
        "paid": money_json(claim.paid),
        "channel": claim.channel or None,
        "number": claim.number or None,
        "created_at": when(claim.created_at),
        "submitted_at": when(claim.submitted_at),
        "decided_at": when(claim.decided_at),
        "paid_at": when(claim.paid_at),
        "follow_up_at": when(claim.follow_up_at),
        "appeal_deadline": when(claim.appeal_deadline),
        "package_url": f"/api/claims/{claim.id}/package",
    }
    if tracking_number is not None:
        out["tracking_number"] = tracking_number
    return out
