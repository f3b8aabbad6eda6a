"""The evidence, claims and disputes REST API: the same use cases as ``parceldesk evidence``,
``claims`` and ``disputes``, with the case API's contract (``api/cases.py``).

Each route authenticates the bearer token and builds the desks bound to the caller (actor
= the token's user, store ids = the token's stores), exactly as the CLI builds them, so
both entrypoints share upload checks, timeline entries and store scoping.

Contract, beyond ``api/cases.py``'s (401 / 404 outside the caller's stores / 422 / 409):
  * an upload the intake refuses (type from content, kind, name, size) -> 422 with the
    reason; nothing is stored. A body above the largest allowed file -> 413, refused while
    it streams (``locker_io.py``).
  * a claim, dispute or evidence file outside the caller's stores          -> 404
  * downloads carry the stored media type, ``nosniff`` and a safe ``attachment`` name;
    a stored file that no longer matches its SHA-256                       -> 409
  * packages are written under ``packages_dir`` (``<evidence dir>-packages`` by default)
    and downloaded from the URL the preparing call answers; building one renders PDFs
    (pdfium is not thread-safe), so packages are built one at a time.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures at runtime.
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import AwareDatetime, Field

from parceldesk.adapters.documents.packager import ZipPackager, load_upload_limits
from parceldesk.adapters.documents.render import PdfRenderer
from parceldesk.adapters.storage.uploads import DEFAULT_POLICY, CheckedIntake, UploadPolicy
from parceldesk.bootstrap import App
from parceldesk.domain.claims import ClaimStatus
from parceldesk.domain.disputes import DisputeType
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.evidence import EvidenceKind, PhotoSubject, UploadRejected
from parceldesk.domain.money import Money
from parceldesk.domain.rules import ClaimType
from parceldesk.entrypoints.api.auth import bearer_caller
from parceldesk.entrypoints.api.cases import Text, WriteQueue, _Body, _http_error
from parceldesk.entrypoints.api.locker_io import (
    FORM_OVERHEAD,
    blob_chunks,
    claim_json,
    content_disposition,
    item_json,
    read_upload,
)
from parceldesk.entrypoints.case_json import money_json
from parceldesk.services.api_tokens import Principal
from parceldesk.services.claims import ClaimDesk, ClaimNotFound, Prepared
from parceldesk.services.disputes import DisputeDesk, DisputeNotFound
from parceldesk.services.evidence import EvidenceDesk
from parceldesk.services.package_ports import PackLimits
from parceldesk.services.storage_ports import SHA256_RE, StorageError

__all__ = ["locker_router"]

T = TypeVar("T")
Json = dict[str, Any]
Short = Annotated[str, Field(min_length=1, max_length=120)]


class Amount(_Body):
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
    #: ISO 4217; on a claim update it defaults to the claim's currency
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None


class EvidenceFields(_Body):
    kind: EvidenceKind
    subject: PhotoSubject | None = None
    note: Text = ""
    captured_at: AwareDatetime | None = None


class SubmissionFields(_Body):
    channel: Annotated[str, Field(min_length=1, max_length=40)]
    number: Short


class PrepareClaim(_Body):
    claim_type: ClaimType | None = None
    #: explicit claimed value; by default the value at risk capped at the carrier's limit
    amount: Amount | None = None
    description: Text = ""


class ClaimUpdate(_Body):
    status: ClaimStatus | None = None
    approved: Amount | None = None
    paid: Amount | None = None
    follow_up_at: AwareDatetime | None = None
    appeal_deadline: AwareDatetime | None = None


class OpenDispute(_Body):
    platform: Annotated[str, Field(min_length=1, max_length=40)]
    market: Annotated[str, Field(min_length=2, max_length=2)]
    dispute_id: Short
    type: DisputeType
    opened_at: AwareDatetime


class PackOptions(_Body):
    max_files: Annotated[int, Field(ge=1, le=10_000)] | None = None
    max_file_bytes: Annotated[int, Field(ge=1)] | None = None
    max_total_bytes: Annotated[int, Field(ge=1)] | None = None


def _money(value: Amount | None, default_currency: str | None) -> Money | None:
    if value is None:
        return None
    currency = value.currency or default_currency
    if currency is None:
        raise InvalidValue("give the amount's currency, e.g. {\"amount\": \"49.90\", "
                           "\"currency\": \"USD\"}", field="amount")  # fmt: skip
    return Money(value.amount, currency)


def _locker_error(exc: Exception) -> HTTPException | None:
    if isinstance(exc, UploadRejected):
        return HTTPException(422, [{"loc": ["body", "file"], "msg": str(exc),
                                    "type": "upload_rejected"}])  # fmt: skip
    if isinstance(exc, ClaimNotFound | DisputeNotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, StorageError):  # missing or altered stored file
        return HTTPException(409, f"{exc}; run `parceldesk evidence verify`")
    return _http_error(exc)


async def _guard(fn: Callable[[], T], runner: Callable[..., Any]) -> T:
    try:
        result: T = await runner(fn)
    except Exception as exc:
        mapped = _locker_error(exc)
        if mapped is None:
            raise
        raise mapped from exc
    return result


@dataclass(frozen=True)
class Desks:
    evidence: EvidenceDesk
    claims: ClaimDesk
    disputes: DisputeDesk


def _prepared_json(p: Prepared) -> Json:
    files = p.manifest.get("files", [])
    return {
        "claim_id": p.claim_id, "party": p.party, "claim_type": p.claim_type.value,
        "claimed": money_json(p.claimed), "value": money_json(p.value), "capped": p.capped,
        "limit": None if p.limit is None else {**(money_json(p.limit.amount) or {}),
                                               "basis": p.limit.basis},
        "over_limit": p.over_limit, "rule": p.rule, "head_hash": p.head_hash,
        "complete": p.checklist.complete,
        "checklist": [{"slug": i.slug, "label": i.label, "present": i.present}
                      for i in p.checklist.items],
        "files": len(files) if isinstance(files, list) else None,
        "download_url": f"/api/claims/{p.claim_id}/package",
    }  # fmt: skip


def locker_router(
    app: App,
    write: WriteQueue,
    *,
    policy: UploadPolicy = DEFAULT_POLICY,
    packages_dir: Path | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["evidence, claims, disputes"])
    caller = bearer_caller(app)
    store = app.blob_store
    intake, renderer, packager = CheckedIntake(store, policy), PdfRenderer(), ZipPackager(store)
    packages = packages_dir or store.root.with_name(f"{store.root.name}-packages")
    max_body = max([*policy.max_bytes.values(), *policy.kind_max_bytes.values()])
    max_body += FORM_OVERHEAD
    one_package = anyio.Lock()

    def desks_for(who: Annotated[Principal, Depends(caller)]) -> Desks:
        common = (app.uow_factory, app.case_env, app.clock, who.user)
        return Desks(
            EvidenceDesk(*common, store, intake, renderer, store_ids=who.store_ids),
            ClaimDesk(*common, store, intake, renderer, packager, store_ids=who.store_ids),
            DisputeDesk(*common, store, renderer, packager, store_ids=who.store_ids),
        )

    D = Annotated[Desks, Depends(desks_for)]
    Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]

    async def read(fn: Callable[[], T]) -> T:
        return await _guard(fn, to_thread.run_sync)

    async def command(fn: Callable[[], T]) -> T:
        return await _guard(fn, write)

    async def build(fn: Callable[[Path], T], name: Callable[[T], str]) -> T:
        """Write a package to a temporary file, then move it to its final name: a download
        never sees half a ZIP."""
        packages.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=packages, prefix=".building-", suffix=".zip")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            async with one_package:
                result = await command(lambda: fn(tmp))
            os.replace(tmp, packages / name(result))
        finally:
            tmp.unlink(missing_ok=True)
        return result

    def package(file_name: str, download_as: str) -> FileResponse:
        path = packages / file_name
        if not path.is_file():
            raise HTTPException(404, "no package prepared yet")
        return FileResponse(path, media_type="application/zip",
                            headers={"Content-Disposition": content_disposition(download_as),
                                     "X-Content-Type-Options": "nosniff"})  # fmt: skip

    # ------------------------------------------------------------------ evidence
    @router.get("/cases/{case_id}/evidence")
    async def evidence_list(d: D, case_id: Id) -> Json:
        """Every item in the case's locker, oldest first."""
        items = await read(lambda: d.evidence.items(case_id))
        return {"case_id": case_id, "items": [item_json(i) for i in items]}

    @router.post("/cases/{case_id}/evidence", status_code=201)
    async def evidence_add(d: D, case_id: Id, request: Request) -> Json:
        """Multipart upload (fields ``kind``, ``subject``, ``note``, ``captured_at``; file
        ``file``), checked like ``parceldesk evidence add``."""
        fields, upload, form = await read_upload(request, EvidenceFields, "file", max_body)
        try:
            item = await command(lambda: d.evidence.add(
                case_id, fields.kind, upload.filename or "upload", upload.file,
                subject=fields.subject, note=fields.note, captured_at=fields.captured_at,
            ))  # fmt: skip
        finally:
            await form.close()
        return item_json(item)

    @router.get("/cases/{case_id}/evidence/verify")
    async def evidence_verify(d: D, case_id: Id) -> Json:
        """Re-hash every file, check the rows against the timeline and the hash chain."""
        v = await read(lambda: d.evidence.verify(case_id))
        return {"case_id": case_id, "ok": v.ok, "items": v.items, "files": v.files,
                "entries": v.entries, "head": v.head,
                "breaks": [{"seq": b.seq, "problem": b.problem} for b in v.breaks],
                "findings": [f.problem for f in v.findings]}  # fmt: skip

    @router.get("/cases/{case_id}/evidence/{sha256}")
    async def evidence_download(
        d: D, case_id: Id, sha256: Annotated[str, PathParam(pattern=SHA256_RE.pattern)]
    ) -> StreamingResponse:
        """The file, if it is an item of this case, as stored (checked against its hash)."""
        items = await read(lambda: d.evidence.items(case_id))
        item = next((i for i in items if i.sha256 == sha256), None)
        if item is None:
            raise HTTPException(404, f"case #{case_id} has no evidence file {sha256}")
        intact = await read(lambda: store.verify(sha256))
        if not intact:
            raise HTTPException(409, f"stored file {sha256} was altered; run "
                                     "`parceldesk evidence verify`")  # fmt: skip
        headers = {
            "Content-Disposition": content_disposition(item.display_name),
            "Content-Length": str(item.size), "ETag": f'"{sha256}"',
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=0",
        }  # fmt: skip
        return StreamingResponse(blob_chunks(store, sha256), media_type=item.media_type,
                                 headers=headers)  # fmt: skip

    # ------------------------------------------------------------------ claims
    @router.post("/cases/{case_id}/claims/prepare", status_code=201)
    async def claim_prepare(d: D, case_id: Id, body: PrepareClaim | None = None) -> Json:
        """Build the claim package (letter PDF, evidence, checklist, manifest) and keep a
        draft claim; answers the claim id and the package's download URL."""
        body = body or PrepareClaim()

        def run(out: Path) -> Prepared:
            return d.claims.prepare(case_id, out, claim_type=body.claim_type,
                                    amount=_money(body.amount, None),
                                    description=body.description)  # fmt: skip

        prepared = await build(run, lambda p: f"claim-{p.claim_id}.zip")
        return _prepared_json(prepared)

    @router.get("/claims/{claim_id}/package")
    async def claim_package(d: D, claim_id: Id) -> FileResponse:
        claim = await read(lambda: d.claims.get(claim_id))
        return package(f"claim-{claim_id}.zip", f"case-{claim.case_id}-claim-{claim_id}.zip")

    @router.get("/claims")
    async def claim_list(
        d: D,
        open_only: Annotated[bool, Query(alias="open", description="Undecided/unpaid.")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Json:
        """Claims in the caller's stores, nearest follow-up first."""
        rows = await read(lambda: d.claims.listing(open_only=open_only, limit=limit))
        return {"claims": [claim_json(c, number) for c, number in rows]}

    @router.get("/claims/{claim_id}")
    async def claim_show(d: D, claim_id: Id) -> Json:
        return claim_json(await read(lambda: d.claims.get(claim_id)))

    @router.post("/claims/{claim_id}/submission")
    async def claim_submit(d: D, claim_id: Id, request: Request) -> Json:
        """Multipart: ``channel``, ``number`` and the receipt ``file``. The draft becomes
        submitted and the case moves to ``claim_filed``."""
        claim = await read(lambda: d.claims.get(claim_id))
        fields, upload, form = await read_upload(request, SubmissionFields, "file", max_body)
        try:
            filed = await command(lambda: d.claims.file(
                claim.case_id, channel=fields.channel, number=fields.number,
                receipt_name=upload.filename or "receipt", receipt=upload.file,
                claim_id=claim_id,
            ))  # fmt: skip
        finally:
            await form.close()
        return claim_json(filed)

    @router.post("/claims/{claim_id}/status")
    async def claim_status(d: D, claim_id: Id, body: ClaimUpdate) -> Json:
        """The carrier's answer: status, approved and paid amounts (in the claim's
        currency unless given), follow-up and appeal dates."""
        claim = await read(lambda: d.claims.get(claim_id))
        currency = claim.claimed.currency

        def run() -> Any:
            return d.claims.update(
                claim_id, status=body.status, approved=_money(body.approved, currency),
                paid=_money(body.paid, currency), follow_up_at=body.follow_up_at,
                appeal_deadline=body.appeal_deadline,
            )  # fmt: skip

        return claim_json(await command(run))

    # ------------------------------------------------------------------ disputes
    @router.post("/cases/{case_id}/disputes", status_code=201)
    async def dispute_open(d: D, case_id: Id, body: OpenDispute) -> Json:
        """Register a marketplace dispute; its deadlines come from the rules file."""
        dispute = await command(lambda: d.disputes.open(
            case_id, platform=body.platform, market=body.market, dispute_id=body.dispute_id,
            dispute_type=body.type, opened_at=body.opened_at,
        ))  # fmt: skip
        return {"id": dispute.id, "case_id": dispute.case_id, "platform": dispute.platform,
                "market": dispute.market, "dispute_id": dispute.dispute_id,
                "type": dispute.dispute_type.value, "opened_at": dispute.opened_at.isoformat(),
                "status": dispute.status.value}  # fmt: skip

    @router.post("/disputes/{dispute_id}/pack", status_code=201)
    async def dispute_pack(d: D, dispute_id: Id, body: PackOptions | None = None) -> Json:
        """Draft the factual statement and pack it with the evidence, within the
        platform's upload limits (``rules/upload_limits.toml``, or the ones given)."""
        body = body or PackOptions()
        dispute = await read(lambda: d.disputes.get(dispute_id))
        table = load_upload_limits()
        base = table.get(dispute.platform, table["*"]).limits
        limits = PackLimits(
            body.max_files or base.max_files, body.max_file_bytes or base.max_file_bytes,
            body.max_total_bytes or base.max_total_bytes, base.max_batches,
        )  # fmt: skip
        pack = await build(lambda out: d.disputes.prepare(dispute_id, out, limits),
                           lambda _: f"dispute-{dispute_id}.zip")  # fmt: skip
        files = pack.manifest.get("files", [])
        return {"dispute_id": dispute_id, "files": len(files) if isinstance(files, list) else None,
                "excluded": [{"name": n, "reason": r} for n, r in pack.excluded],
                "statement": pack.statement,
                "download_url": f"/api/disputes/{dispute_id}/pack"}  # fmt: skip

    @router.get("/disputes/{dispute_id}/pack")
    async def dispute_download(d: D, dispute_id: Id) -> FileResponse:
        dispute = await read(lambda: d.disputes.get(dispute_id))
        return package(f"dispute-{dispute_id}.zip",
                       f"case-{dispute.case_id}-dispute-{dispute_id}.zip")  # fmt: skip

    return router
