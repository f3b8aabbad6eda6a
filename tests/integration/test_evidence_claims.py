"""Evidence locker, claims and disputes on SQLite and PostgreSQL: automatic capture when a
case opens, checked uploads (and hostile ones, which store nothing), tamper detection
for files and timeline rows, the claim package opened and checked, the claim life cycle
feeding the case, and a dispute response pack within upload limits."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image
from sqlalchemy import Engine, func, select, text

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import evidence_tables as et
from parceldesk.adapters.documents.packager import ZipPackager, load_upload_limits
from parceldesk.adapters.documents.render import PdfRenderer
from parceldesk.adapters.storage.local import LocalBlobStore
from parceldesk.adapters.storage.uploads import CheckedIntake, UploadPolicy
from parceldesk.domain.cases.states import CaseState, IllegalTransition
from parceldesk.domain.claims import ClaimStatus
from parceldesk.domain.disputes import DisputeType
from parceldesk.domain.errors import ConflictError, DomainError
from parceldesk.domain.evidence import EvidenceKind, MediaFamily, PhotoSubject, UploadRejected
from parceldesk.domain.money import Money
from parceldesk.services.case_sync import sync_cases
from parceldesk.services.claims import ClaimDesk
from parceldesk.services.disputes import DisputeDesk
from parceldesk.services.evidence import EvidenceDesk
from parceldesk.services.evidence_capture import OpenCapture
from parceldesk.services.package_ports import PackLimits
from parceldesk.services.scan import run_scan
from tests.integration.test_cases import ENV, _case_id
from tests.integration.test_cli import run
from tests.integration.test_scan import LOST, T, seed


def _png(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


def _noise_png(side: int) -> bytes:
    """A PNG that does not compress: its size is about 3 x side x side bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(out, format="PNG")
    return out.getvalue()


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="USPS claim receipt 123")
    return bytes(pdf.output())


class World:
    def __init__(self, uow_factory: Callable[[], Any], tmp: Path) -> None:
        self.store = LocalBlobStore(tmp / "blobs")
        self.env = replace(ENV, evidence=OpenCapture(self.store))
        self.uow_factory = uow_factory
        seed(uow_factory, tmp)
        run_scan(uow_factory(), as_of=T)
        sync_cases(uow_factory(), env=self.env, as_of=T)
        self.case_id = _case_id(uow_factory, LOST)

    def desks(
        self, at: Any = T, policy: UploadPolicy | None = None
    ) -> tuple[EvidenceDesk, ClaimDesk, DisputeDesk]:
        clock, renderer = FixedClock(at), PdfRenderer()
        intake = CheckedIntake(self.store, policy or UploadPolicy())
        packager = ZipPackager(self.store)
        common = (self.uow_factory, self.env, clock, "li")
        return (
            EvidenceDesk(*common, self.store, intake, renderer),
            ClaimDesk(*common, self.store, intake, renderer, packager),
            DisputeDesk(*common, self.store, renderer, packager),
        )


@pytest.fixture
def world(uow_factory: Callable[[], Any], tmp_path: Path) -> World:
    return World(uow_factory, tmp_path)


def _blob_count(store: LocalBlobStore) -> int:
    return sum(1 for _ in store.iter_hashes())


def test_opening_a_case_captures_snapshot_and_proof_of_value(world: World) -> None:
    evidence, _, _ = world.desks()
    items = evidence.items(world.case_id)
    assert [(i.kind, i.media_type) for i in items] == [
        (EvidenceKind.TRACKING_SNAPSHOT, "application/json"),
        (EvidenceKind.SALES_RECORD, "application/json"),
    ]
    snap = json.loads(world.store.read_bytes(items[0].sha256))
    assert snap["tracking_number"] == LOST and len(snap["events"]) == 6
    assert snap["captured_at"] == T.isoformat() and len(snap["timeline_sha256"]) == 64
    proof = json.loads(world.store.read_bytes(items[1].sha256))
    assert proof["lines"][0]["unit_price"] == "12.5" and proof["currency"] == "USD"
    with world.uow_factory() as uow:
        logged = [e for e in uow.cases.timeline(world.case_id) if e.action == "evidence_added"]
    assert [e.detail["sha256"] for e in logged] == [i.sha256 for i in items]
    assert evidence.verify(world.case_id).ok
    # Rendering later uses only the captured JSON; a second render adds nothing.
    assert evidence.render(world.case_id) == 3
    assert evidence.render(world.case_id) == 0
    pdf = next(i for i in evidence.items(world.case_id) if i.media_type == "application/pdf")
    assert pdf.derived_from == items[0].sha256 and pdf.captured_at == T


def test_upload_is_checked_logged_and_hostile_files_store_nothing(
    world: World, engine: Engine
) -> None:
    evidence, _, _ = world.desks(policy=UploadPolicy(max_bytes={
        **UploadPolicy().max_bytes, MediaFamily.IMAGE: 50_000}))  # fmt: skip
    item = evidence.add(world.case_id, EvidenceKind.BUYER_PHOTO, "box.jpeg",
                        io.BytesIO(_png()), subject=PhotoSubject.OUTER_BOX)  # fmt: skip
    assert item.media_type == "image/png" and item.display_name == "box.png"  # from content
    assert item.sha256 == hashlib.sha256(_png()).hexdigest() and item.added_by == "li"
    blobs, rows = _blob_count(world.store), len(evidence.items(world.case_id))
    zip_bomb = io.BytesIO()
    with zipfile.ZipFile(zip_bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"0" * 5_000_000)
    hostile = [
        ("photo.png", b"<html><script>alert(1)</script></html>", "text/html"),
        ("../../etc/passwd.png", _png(), "path"),
        ("big.png", _noise_png(200), "limit"),
        ("bomb.png", zip_bomb.getvalue(), "application/zip"),
    ]
    for name, data, why in hostile:
        with pytest.raises(UploadRejected, match=why):
            evidence.add(world.case_id, EvidenceKind.BUYER_PHOTO, name, io.BytesIO(data))
    with pytest.raises(DomainError, match="subject applies to photos"):
        evidence.add(world.case_id, EvidenceKind.INVOICE, "x.pdf", io.BytesIO(_pdf()),
                     subject=PhotoSubject.ITEM)  # fmt: skip
    with pytest.raises(DomainError, match="no case #999"):
        evidence.add(999, EvidenceKind.INVOICE, "x.pdf", io.BytesIO(_pdf()))
    assert _blob_count(world.store) == blobs and len(evidence.items(world.case_id)) == rows
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(et.EvidenceItemRow)) >= rows


def test_verify_detects_a_tampered_file(world: World) -> None:
    evidence, _, _ = world.desks()
    item = evidence.add(world.case_id, EvidenceKind.BUYER_PHOTO, "item.png", io.BytesIO(_png()))
    path = world.store.path_for(item.sha256)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(_png() + b"edited")
    verdict = evidence.verify(world.case_id)
    assert not verdict.ok and verdict.breaks == []
    assert any("was altered" in f.problem for f in verdict.findings)
    path.unlink()
    assert any("missing" in f.problem for f in evidence.verify(world.case_id).findings)


def _drop_append_only(conn: Any, table: str) -> None:
    if conn.dialect.name == "sqlite":
        for verb in ("update", "delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
    else:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))


def test_verify_detects_an_edited_timeline_row_and_an_edited_item_row(
    world: World, engine: Engine
) -> None:
    evidence, _, _ = world.desks()
    item = evidence.add(world.case_id, EvidenceKind.BUYER_PHOTO, "item.png", io.BytesIO(_png()))
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE evidence_items SET note = 'x'"))
    other = _png((40, 40))
    with engine.begin() as conn:
        _drop_append_only(conn, "evidence_items")
        world.store.put_bytes(other)  # a different file, swapped in behind the locker's back
        conn.execute(
            text("UPDATE evidence_items SET sha256 = :sha WHERE id = :id"),
            {"sha": hashlib.sha256(other).hexdigest(), "id": item.id},
        )
    findings = evidence.verify(world.case_id).findings
    assert any("not recorded in the timeline" in f.problem for f in findings)
    with engine.begin() as conn:
        _drop_append_only(conn, "case_timeline")
        conn.execute(
            text("UPDATE case_timeline SET actor = 'mallory' WHERE case_id = :c AND seq = 1"),
            {"c": world.case_id},
        )
    verdict = evidence.verify(world.case_id)
    assert [b.seq for b in verdict.breaks][:1] == [1] and not verdict.ok


def _open_zip(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_claim_package_then_submission_decision_and_payment(world: World, tmp_path: Path) -> None:
    evidence, claims, _ = world.desks()
    prepared = claims.prepare(world.case_id, tmp_path / "c.zip")
    assert prepared.claimed == Money(Decimal("25.00"), "USD")  # 2 x 12.50
    manifest, files = _open_zip(tmp_path / "c.zip")
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
    kinds = [e["kind"] for e in manifest["files"]]
    assert kinds[0] == "claim_letter" and kinds.count("tracking_snapshot") == 3
    assert {"sales_record", "proof_of_value", "communication_log"} <= set(kinds)
    letter = pypdf.PdfReader(io.BytesIO(files[manifest["files"][0]["path"]]))
    body = " ".join((page.extract_text() or "") for page in letter.pages).replace("\n", " ")
    assert LOST in body and "25.00" in body and "YUNEXPRESS" in body
    assert prepared.head_hash[:16] in body.replace(" ", "")
    checklist = json.loads(next(v for k, v in files.items() if k.endswith("checklist.json")))
    assert checklist["claimed"] == {"amount": "25.00", "currency": "USD"}

    blobs = _blob_count(world.store)
    with pytest.raises(IllegalTransition, match="'detected'"):  # not investigated yet
        claims.file(world.case_id, channel="web", number="YX-1", receipt_name="r.pdf",
                    receipt=io.BytesIO(_pdf()))  # fmt: skip
    assert _blob_count(world.store) == blobs  # refused before the receipt was stored
    world_desk = world.desks()[0]
    assert world_desk.verify(world.case_id).ok
    from tests.integration.test_cases import _desk

    _desk(world.uow_factory, T).change_state(world.case_id, "investigate")
    claim = claims.file(world.case_id, channel="web", number="YX-1", receipt_name="r.pdf",
                        receipt=io.BytesIO(_pdf()))  # fmt: skip
    assert claim.status is ClaimStatus.SUBMITTED
    view = _desk(world.uow_factory, T).view(world.case_id)
    assert view.stored.case.state is CaseState.CLAIM_FILED and view.chain_breaks == []
    assert any(i.kind is EvidenceKind.CLAIM_RECEIPT for i in evidence.items(world.case_id))
    assert claim.id is not None
    with pytest.raises(DomainError, match="cannot become paid"):
        claims.update(claim.id, status=ClaimStatus.PAID, paid=Money(Decimal(20), "USD"))
    with pytest.raises(DomainError, match="needs --approved"):
        claims.update(claim.id, status=ClaimStatus.APPROVED)
    claims.update(claim.id, status=ClaimStatus.PARTIALLY_APPROVED,
                  approved=Money(Decimal("20.00"), "USD"),
                  appeal_deadline=T + timedelta(days=30))  # fmt: skip
    assert _desk(world.uow_factory, T).view(world.case_id).stored.case.state is (
        CaseState.CLAIM_DECIDED
    )
    paid = claims.update(claim.id, status=ClaimStatus.PAID, paid=Money(Decimal("20.00"), "USD"))
    assert paid.paid == Money(Decimal("20.00"), "USD") and paid.paid_at == T
    [(listed, number)] = claims.listing()
    assert number == LOST and listed.status is ClaimStatus.PAID
    assert listed.appeal_deadline == T + timedelta(days=30)
    actions = [e.action for e in _desk(world.uow_factory, T).view(world.case_id).timeline]
    assert "money_recovered" in actions and "claim_submitted" in actions
    assert evidence.verify(world.case_id).ok


def test_dispute_records_its_anchor_and_packs_within_limits(world: World, tmp_path: Path) -> None:
    _, _, disputes = world.desks()
    opened = T - timedelta(hours=5)
    dispute = disputes.open(world.case_id, platform="Shopee", market="sg", dispute_id="D-77",
                            dispute_type=DisputeType.NOT_RECEIVED, opened_at=opened)  # fmt: skip
    assert (dispute.platform, dispute.market) == ("shopee", "SG")
    from tests.integration.test_cases import _desk

    case = _desk(world.uow_factory, T).view(world.case_id).stored.case
    assert case.anchors["dispute_opened"] == opened
    with pytest.raises(ConflictError, match="already registered"):
        disputes.open(world.case_id, platform="shopee", market="SG", dispute_id="D-77",
                      dispute_type=DisputeType.NOT_RECEIVED, opened_at=opened)  # fmt: skip
    with pytest.raises(DomainError, match="ISO country code"):
        disputes.open(world.case_id, platform="shopee", market="Singapore", dispute_id="D-78",
                      dispute_type=DisputeType.NOT_RECEIVED, opened_at=opened)  # fmt: skip
    assert dispute.id is not None
    limits = PackLimits(max_files=2, max_file_bytes=100_000, max_total_bytes=150_000)
    pack = disputes.prepare(dispute.id, tmp_path / "d.zip", limits)
    assert "has not recorded a delivery" in pack.statement and LOST in pack.statement
    manifest, files = _open_zip(tmp_path / "d.zip")
    assert manifest["files"][0]["kind"] == "dispute_statement"
    uploads: dict[int, list[int]] = {}
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
        uploads.setdefault(entry["upload"], []).append(entry["size"])
    assert all(len(s) <= 2 and sum(s) <= 150_000 for s in uploads.values())
    assert [e["name"] for e in manifest["excluded"]] == [n for n, _ in pack.excluded] and any(
        n.endswith(".png") for n, _ in pack.excluded
    )  # the 150 KB PNG cannot fit


def test_upload_limits_file_marks_every_platform_unknown() -> None:
    table = load_upload_limits()
    assert "*" in table and {"shopee", "tiktok", "amazon"} <= set(table)
    assert {p.confidence for p in table.values()} == {"?"}


def test_cli_add_list_verify_prepare_and_rejection(
    world: World, db_url: str, tmp_path: Path
) -> None:
    photo = tmp_path / "damage.jpg"
    photo.write_bytes(_png())
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"<!doctype html><p>hi</p>")
    env_dir = str(world.store.root)
    case = str(world.case_id)

    def cli(*args: str) -> Any:
        """The CLI finds the same blob store through PARCELDESK_EVIDENCE_DIR."""
        as_of = ("--as-of", T.isoformat()) if args[1] in ("add", "prepare") else ()
        os.environ["PARCELDESK_EVIDENCE_DIR"] = env_dir
        try:
            return run(*args, *as_of, db=db_url, cwd=tmp_path)
        finally:
            del os.environ["PARCELDESK_EVIDENCE_DIR"]

    added = cli("evidence", "add", case, str(photo), "--kind", "buyer_photo",
                "--subject", "item")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "damage.png" in added.stdout
    rejected = cli("evidence", "add", case, str(fake), "--kind", "buyer_photo")
    assert rejected.returncode == 1 and "text/html" in rejected.stderr
    listed = cli("evidence", "list", case)
    assert listed.stdout.count("buyer_photo") == 1
    ok = cli("evidence", "verify", case)
    assert ok.returncode == 0 and "OK" in ok.stdout
    prepared = cli("claims", "prepare", case)
    assert prepared.returncode == 0, prepared.stderr
    assert (tmp_path / f"case-{case}-claim.zip").is_file()
    assert "[present] Proof of value" in prepared.stdout  # the rule lists none: minimum
    item = next(i for i in world.desks()[0].items(world.case_id) if i.kind == "buyer_photo")
    path = world.store.path_for(item.sha256)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(b"tampered")
    bad = cli("evidence", "verify", case)
    assert bad.returncode == 1 and "TAMPERING" in bad.stderr and "altered" in bad.stderr
