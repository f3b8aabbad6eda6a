"""The evidence, claims and disputes REST API on SQLite and PostgreSQL (``api/locker.py``).

A lost YunExpress parcel (the scan tests' world) opens a case in store ``acme-us`` with
its snapshot and proof of value captured. ``alice`` may see that store, ``bob`` only
``beta-uk``: everything of alice's case is a 404 for him. Uploads go through the same
intake as the CLI: hostile files answer 422 with the reason and store nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.exceptions import StarletteDeprecationWarning

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import case_tables as ct
from parceldesk.adapters.db import evidence_tables as et
from parceldesk.adapters.db.token_repository import SqlTokenUnitOfWork
from parceldesk.adapters.storage.uploads import UploadPolicy
from parceldesk.bootstrap import App, build
from parceldesk.config import Settings
from parceldesk.domain.evidence import MediaFamily
from parceldesk.entrypoints.api.app import create_app
from parceldesk.entrypoints.api.locker import locker_router
from parceldesk.services.api_tokens import issue_token
from parceldesk.services.case_sync import sync_cases
from parceldesk.services.scan import run_scan
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders
from tests.integration.test_cases import _case_id
from tests.integration.test_evidence_claims import _noise_png, _pdf, _png
from tests.integration.test_scan import LOST, T, seed

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)  # see test_case_api
    from fastapi.testclient import TestClient

R = TypeVar("R")


@dataclass
class World:
    client: TestClient
    pd: App
    case_id: int
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, who: str = "alice", **params: Any) -> httpx.Response:
        return self.client.get(path, headers=self.as_(who), params=params)

    def post(self, path: str, body: Any = None, who: str = "alice") -> httpx.Response:
        return self.client.post(path, headers=self.as_(who), json=body)

    def upload(self, path: str, name: str, data: bytes, who: str = "alice",
               **fields: str) -> httpx.Response:  # fmt: skip
        return self.client.post(path, headers=self.as_(who), data=fields,
                                files={"file": (name, data, "application/octet-stream")})  # fmt: skip

    def counts(self) -> tuple[int, int, int]:
        """(stored blobs, evidence rows, timeline rows): what a refused request must keep."""
        with self.pd.engine.connect() as conn:
            items = conn.scalar(select(func.count()).select_from(et.EvidenceItemRow)) or 0
            entries = conn.scalar(select(func.count()).select_from(ct.CaseTimelineEntry)) or 0
        return sum(1 for _ in self.pd.blob_store.iter_hashes()), items, entries


def _make(db_url: str, tmp_path: Path) -> tuple[App, int, dict[str, str]]:
    settings = Settings(database_url=db_url, evidence_dir=tmp_path / "evidence")
    pd = build(settings, as_of=T)
    seed(pd.uow_factory, tmp_path)
    other = row(order_id="B-1", store="beta-uk", tracking_number="YT0000000000000BE1")
    run_orders(pd.uow_factory, FixedClock(T), write_csv(tmp_path / "b.csv", [other]))
    run_scan(pd.uow_factory(), as_of=T)
    sync_cases(pd.uow_factory(), env=pd.case_env, as_of=T)
    tokens = {
        who: issue_token(SqlTokenUnitOfWork(pd.engine), who, stores, T).token
        for who, stores in (("alice", ["acme-us"]), ("bob", ["beta-uk"]))
    }
    return pd, _case_id(pd.uow_factory, LOST), tokens


@pytest.fixture
def world(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv("PARCELDESK_USER", raising=False)
    pd, case_id, tokens = _make(db_url, tmp_path)
    with TestClient(create_app(pd)) as client:
        yield World(client, pd, case_id, tokens)
    pd.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_new_routes_need_a_token(world: World) -> None:
    c = world.case_id
    for response in (
        world.client.get(f"/api/cases/{c}/evidence"),
        world.client.get("/api/claims"),
        world.client.post(f"/api/cases/{c}/claims/prepare", json={}),
        world.client.post(f"/api/cases/{c}/evidence", files={"file": ("a.png", _png())}),
    ):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"


def test_upload_list_and_download_match_the_stored_hash(world: World) -> None:
    c, photo = world.case_id, _png()
    added = world.upload(f"/api/cases/{c}/evidence", "box.jpeg", photo, kind="buyer_photo",
                         subject="outer_box", note="outer box, dented")  # fmt: skip
    assert added.status_code == 201, added.text
    item = added.json()
    assert (item["media_type"], item["name"]) == ("image/png", "box.png")  # from content
    assert item["sha256"] == _sha(photo) and item["added_by"] == "alice"
    assert item["subject"] == "outer_box" and item["size"] == len(photo)
    pdf = world.upload(f"/api/cases/{c}/evidence", "invoice", _pdf(), kind="invoice").json()
    listed = world.get(f"/api/cases/{c}/evidence").json()["items"]
    assert [i["kind"] for i in listed] == [
        "tracking_snapshot", "sales_record", "buyer_photo", "invoice"
    ]  # fmt: skip
    for entry, media in ((item, "image/png"), (pdf, "application/pdf"),
                         (listed[0], "application/json")):  # fmt: skip
        got = world.get(entry["url"])
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].split(";")[0] == media
        assert _sha(got.content) == entry["sha256"] and len(got.content) == entry["size"]
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith("attachment; filename=")
    assert world.get(item["url"]).headers["content-disposition"] == (
        "attachment; filename=\"box.png\"; filename*=UTF-8''box.png"
    )
    timeline = world.get(f"/api/cases/{c}").json()["timeline"]
    added_entries = [e for e in timeline if e["action"] == "evidence_added"]
    assert added_entries[-2]["detail"]["sha256"] == _sha(photo)
    assert added_entries[-2]["actor"] == "alice"
    verified = world.get(f"/api/cases/{c}/evidence/verify").json()
    assert verified["ok"] is True and verified["items"] == 4 and verified["breaks"] == []


def test_hostile_uploads_are_422_with_the_reason_and_store_nothing(world: World) -> None:
    c = world.case_id
    before = world.counts()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"0" * 5_000_000)
    hostile = [
        ("photo.png", b"<html><script>alert(1)</script></html>", "buyer_photo", "text/html"),
        ("../../etc/passwd.png", _png(), "buyer_photo", "path"),
        ("bomb.png", bomb.getvalue(), "buyer_photo", "application/zip"),
        ("receipt.png", _pdf(), "buyer_photo", "application/pdf"),  # wrong type for the kind
        ("empty.png", b"", "buyer_photo", "empty"),
    ]
    for name, data, kind, reason in hostile:
        response = world.upload(f"/api/cases/{c}/evidence", name, data, kind=kind)
        assert response.status_code == 422, (name, response.text)
        [error] = response.json()["detail"]
        assert error["type"] == "upload_rejected" and reason in error["msg"], error
    malformed = [
        world.upload(f"/api/cases/{c}/evidence", "a.png", _png(), kind="selfie"),
        world.upload(f"/api/cases/{c}/evidence", "a.png", _png(), kind="buyer_photo", colour="red"),
        world.upload(
            f"/api/cases/{c}/evidence",
            "a.png",
            _png(),
            kind="invoice",
            captured_at="2026-11-20T10:00:00",
        ),  # no offset
        world.client.post(
            f"/api/cases/{c}/evidence", headers=world.as_("alice"), data={"kind": "buyer_photo"}
        ),  # no file
        world.client.post(
            f"/api/cases/{c}/evidence", headers=world.as_("alice"), json={"kind": "buyer_photo"}
        ),
    ]
    assert [r.status_code for r in malformed] == [422] * 5, [r.text for r in malformed]
    subject_on_pdf = world.upload(f"/api/cases/{c}/evidence", "x.pdf", _pdf(), kind="invoice",
                                  subject="item")  # fmt: skip
    assert subject_on_pdf.status_code == 422 and "subject" in subject_on_pdf.text
    assert world.counts() == before


def _small_app(pd: App, limit: int) -> FastAPI:
    """Only the locker router, with a 50 kB image limit (the default is 20 MiB)."""

    async def write(fn: Callable[..., R], /, **kwargs: Any) -> R:
        return await to_thread.run_sync(lambda: fn(**kwargs))

    policy = UploadPolicy(max_bytes=dict.fromkeys(MediaFamily, limit))
    api = FastAPI()
    api.include_router(locker_router(pd, write, policy=policy))
    return api


def test_size_limits_are_enforced_while_streaming(world: World) -> None:
    c, limit = world.case_id, 50_000
    before = world.counts()
    with TestClient(_small_app(world.pd, limit)) as small:
        headers = world.as_("alice")
        medium = _noise_png(160)  # ~77 kB: under the body cap, over the image limit
        assert limit < len(medium) < limit + 64 * 1024
        refused = small.post(f"/api/cases/{c}/evidence", headers=headers,
                             data={"kind": "buyer_photo"}, files={"file": ("m.png", medium)})  # fmt: skip
        assert refused.status_code == 422 and "limit" in refused.text
        huge = _noise_png(300)  # ~270 kB: over the body cap
        boundary = "pdboundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbuyer_photo\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="h.png"\r\n'
                f"Content-Type: image/png\r\n\r\n"
            ).encode()
            + huge
            + f"\r\n--{boundary}--\r\n".encode()
        )
        ctype = {"Content-Type": f"multipart/form-data; boundary={boundary}", **headers}

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
            for i in range(0, len(body), 16_384):
                yield body[i : i + 16_384]

        streamed = small.post(f"/api/cases/{c}/evidence", headers=ctype, content=chunks())
        declared = small.post(f"/api/cases/{c}/evidence", headers=ctype, content=body)
        for response in (streamed, declared):
            assert response.status_code == 413, response.text
            assert "nothing was stored" in response.text
    assert world.counts() == before


def test_other_stores_cases_claims_and_files_are_404(world: World) -> None:
    c = world.case_id
    photo = world.upload(f"/api/cases/{c}/evidence", "a.png", _png(), kind="buyer_photo").json()
    prepared = world.post(f"/api/cases/{c}/claims/prepare", {}).json()
    claim = prepared["claim_id"]
    before = world.counts()
    for response in (
        world.get(f"/api/cases/{c}/evidence", who="bob"),
        world.get(photo["url"], who="bob"),
        world.get(f"/api/cases/{c}/evidence/verify", who="bob"),
        world.upload(f"/api/cases/{c}/evidence", "a.png", _png(), who="bob", kind="buyer_photo"),
        world.post(f"/api/cases/{c}/claims/prepare", {}, who="bob"),
        world.get(f"/api/claims/{claim}", who="bob"),
        world.get(f"/api/claims/{claim}/package", who="bob"),
        world.post(f"/api/claims/{claim}/status", {"status": "withdrawn"}, who="bob"),
        world.post(
            f"/api/cases/{c}/disputes",
            {
                "platform": "shopify",
                "market": "US",
                "dispute_id": "X",
                "type": "not_received",
                "opened_at": T.isoformat(),
            },
            who="bob",
        ),
        world.get(f"/api/cases/{c}/evidence/{'0' * 64}"),  # a hash that is not an item
    ):
        assert response.status_code == 404, response.text
    assert world.get("/api/claims", who="bob").json() == {"claims": []}
    assert world.get(f"/api/cases/{c}/evidence/not-a-hash").status_code == 422
    assert world.counts() == before


def _zip(content: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_claim_from_package_to_payment(world: World) -> None:
    c = world.case_id
    no_currency = world.post(f"/api/cases/{c}/claims/prepare", {"amount": {"amount": "30"}})
    assert no_currency.status_code == 422 and "currency" in no_currency.text
    explicit = world.post(f"/api/cases/{c}/claims/prepare",
                          {"amount": {"amount": "24.00", "currency": "USD"}})  # fmt: skip
    assert explicit.status_code == 201, explicit.text
    assert explicit.json()["claimed"] == {"amount": "24.00", "currency": "USD"}
    prepared = world.post(f"/api/cases/{c}/claims/prepare", {"description": "Never arrived."})
    assert prepared.status_code == 201, prepared.text
    p = prepared.json()
    assert p["claimed"] == {"amount": "25.00", "currency": "USD"} and p["capped"] is False
    assert p["download_url"] == f"/api/claims/{p['claim_id']}/package"
    package = world.get(p["download_url"])
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    manifest, files = _zip(package.content)
    assert len(manifest["files"]) == p["files"]
    for entry in manifest["files"]:
        assert _sha(files[entry["path"]]) == entry["sha256"]
    claim = p["claim_id"]
    before = world.counts()
    early = world.client.post(f"/api/claims/{claim}/submission", headers=world.as_("alice"),
                              data={"channel": "web", "number": "YX-1"},
                              files={"file": ("r.pdf", _pdf())})  # fmt: skip
    assert early.status_code == 409 and "detected" in early.text  # not investigated yet
    assert world.counts() == before
    moved = world.post(f"/api/cases/{c}/transitions", {"command": "investigate"})
    assert moved.status_code == 200, moved.text
    filed = world.client.post(f"/api/claims/{claim}/submission", headers=world.as_("alice"),
                              data={"channel": "web", "number": "YX-1"},
                              files={"file": ("r.pdf", _pdf())})  # fmt: skip
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "submitted" and filed.json()["number"] == "YX-1"
    assert world.get(f"/api/cases/{c}").json()["state"] == "claim_filed"
    bad = world.post(f"/api/claims/{claim}/status", {"status": "paid", "paid": {"amount": 5}})
    assert bad.status_code == 409  # submitted cannot become paid
    decided = world.post(f"/api/claims/{claim}/status", {
        "status": "partially_approved", "approved": {"amount": "20.00"},
        "appeal_deadline": "2026-12-22T00:00:00+00:00"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["approved"] == {"amount": "20.00", "currency": "USD"}
    paid = world.post(f"/api/claims/{claim}/status", {"status": "paid",
                                                     "paid": {"amount": "20.00"}})  # fmt: skip
    assert paid.status_code == 200 and paid.json()["paid"]["amount"] == "20.00"
    [listed] = world.get("/api/claims").json()["claims"]
    assert listed["status"] == "paid" and listed["tracking_number"] == LOST
    view = world.get(f"/api/cases/{c}").json()
    assert view["state"] == "claim_decided"
    recovered = [e for e in view["timeline"] if e["action"] == "money_recovered"]
    assert [e["detail"]["amount"] for e in recovered] == ["20.00 USD"]
    assert world.get(f"/api/cases/{c}/evidence/verify").json()["ok"] is True


def test_dispute_pack_downloads_within_limits(world: World) -> None:
    c = world.case_id
    opened = world.post(f"/api/cases/{c}/disputes", {
        "platform": "Shopee", "market": "SG", "dispute_id": "D-77", "type": "not_received",
        "opened_at": "2026-11-22T04:00:00+00:00"})  # fmt: skip
    assert opened.status_code == 201, opened.text
    dispute = opened.json()["id"]
    assert opened.json()["platform"] == "shopee"
    again = world.post(f"/api/cases/{c}/disputes", {
        "platform": "shopee", "market": "SG", "dispute_id": "D-77", "type": "not_received",
        "opened_at": "2026-11-22T04:00:00+00:00"})  # fmt: skip
    assert again.status_code == 409
    assert world.get(f"/api/disputes/{dispute}/pack").status_code == 404  # not packed yet
    packed = world.post(f"/api/disputes/{dispute}/pack", {"max_files": 2})
    assert packed.status_code == 201, packed.text
    assert "has not recorded a delivery" in packed.json()["statement"]
    got = world.get(packed.json()["download_url"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    manifest, files = _zip(got.content)
    assert manifest["files"][0]["kind"] == "dispute_statement"
    uploads: dict[int, int] = {}
    for entry in manifest["files"]:
        assert _sha(files[entry["path"]]) == entry["sha256"]
        uploads[entry["upload"]] = uploads.get(entry["upload"], 0) + 1
    assert max(uploads.values()) <= 2
    assert world.get(f"/api/disputes/{dispute}/pack", who="bob").status_code == 404


def test_a_tampered_file_is_not_served_and_verify_says_why(world: World) -> None:
    c = world.case_id
    item = world.upload(f"/api/cases/{c}/evidence", "a.png", _png(), kind="buyer_photo").json()
    path = world.pd.blob_store.path_for(item["sha256"])
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(_png() + b"edited")
    response = world.get(item["url"])
    assert response.status_code == 409 and "altered" in response.text
    verdict = world.get(f"/api/cases/{c}/evidence/verify").json()
    assert verdict["ok"] is False and any("altered" in f for f in verdict["findings"])
    os.unlink(path)
    assert world.get(item["url"]).status_code == 409


def test_openapi_documents_the_locker_routes(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    paths = {p for p in schema["paths"] if any(t in p for t in ("evidence", "claims", "disput"))}
    assert paths == {
        "/api/cases/{case_id}/evidence", "/api/cases/{case_id}/evidence/verify",
        "/api/cases/{case_id}/evidence/{sha256}", "/api/cases/{case_id}/claims/prepare",
        "/api/claims", "/api/claims/{claim_id}", "/api/claims/{claim_id}/package",
        "/api/claims/{claim_id}/submission", "/api/claims/{claim_id}/status",
        "/api/cases/{case_id}/disputes", "/api/disputes/{dispute_id}/pack",
    }  # fmt: skip
    assert "PrepareClaim" in schema["components"]["schemas"]
