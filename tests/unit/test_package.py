"""Claim/dispute ZIP packages: manifest hashes match bytes, safe names, limits, tampering."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parceldesk.adapters.documents.package import (
    PackageFile,
    UploadLimits,
    build_package,
    plan_batches,
    write_package,
    zip_safe_name,
)
from parceldesk.adapters.storage.local import LocalBlobStore
from parceldesk.domain.evidence import EvidenceKind
from parceldesk.services.storage_ports import BlobCorrupted

K = EvidenceKind
AT = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def stored(store: LocalBlobStore, name: str, kind: K, data: bytes, media: str) -> PackageFile:
    ref = store.put_bytes(data)
    return PackageFile(name, kind, media, captured_at=AT, sha256=ref.sha256)


def open_zip(data: bytes) -> tuple[zipfile.ZipFile, dict[str, object]]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return zf, json.loads(zf.read("manifest.json"))


def test_manifest_lists_every_file_and_hashes_match_bytes(store: LocalBlobStore) -> None:
    files = [
        PackageFile("claim-letter.pdf", K.CLAIM_LETTER, "application/pdf", AT, data=b"%PDF-1 x"),
        stored(store, "box.jpg", K.BUYER_PHOTO, b"\xff\xd8\xff jpeg", "image/jpeg"),
        stored(store, "../../etc/passwd", K.OTHER, b"not really", "text/plain"),
        stored(store, "box.jpg", K.BUYER_PHOTO, b"\xff\xd8\xff other", "image/jpeg"),
    ]
    out = io.BytesIO()
    result = build_package(out, store, files, purpose="claim", reference="C-42", created_at=AT)
    zf, manifest = open_zip(out.getvalue())
    entries = manifest["files"]
    assert isinstance(entries, list) and len(entries) == 4
    assert manifest["reference"] == "C-42" and manifest["excluded"] == []
    assert sorted(zf.namelist()) == sorted([e["path"] for e in entries] + ["manifest.json"])
    for entry in entries:
        data = zf.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["size"] == len(data)
        assert entry["captured_at"] == "2026-03-20T12:00:00+00:00"
        assert "/" not in entry["path"] and ".." not in entry["path"]
    paths = [e["path"] for e in entries]
    assert paths[0] == "01-claim_letter-claim-letter.pdf"
    assert paths[2] == "03-other-passwd"
    assert len(set(paths)) == 4
    assert [e["source"] for e in entries] == ["generated", "evidence", "evidence", "evidence"]
    assert result.manifest == manifest
    # Images are stored as they are, text is deflated.
    assert zf.getinfo(paths[1]).compress_type == zipfile.ZIP_STORED
    assert zf.getinfo(paths[0]).compress_type == zipfile.ZIP_DEFLATED
    # Deterministic: same inputs, same ZIP bytes.
    again = io.BytesIO()
    build_package(again, store, files, purpose="claim", reference="C-42", created_at=AT)
    assert again.getvalue() == out.getvalue()


def test_tampered_evidence_aborts_package_and_leaves_no_file(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    good = stored(store, "invoice.pdf", K.INVOICE, b"%PDF invoice", "application/pdf")
    path = store.path_for(good.sha256)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(b"%PDF forged invoice")
    target = tmp_path / "out" / "C-42.zip"
    with pytest.raises(BlobCorrupted):
        write_package(target, store, [good], purpose="claim", reference="C-42", created_at=AT)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_write_package_creates_zip_atomically(store: LocalBlobStore, tmp_path: Path) -> None:
    files = [stored(store, "a.txt", K.COMMUNICATION_LOG, b"hello", "text/plain")]
    target = tmp_path / "C-42.zip"
    write_package(target, store, files, purpose="claim", reference="C-42", created_at=AT)
    zf, manifest = open_zip(target.read_bytes())
    assert zf.read("01-communication_log-a.txt") == b"hello"
    assert manifest["purpose"] == "claim"


def test_dispute_pack_is_split_to_upload_limits(store: LocalBlobStore) -> None:
    files = [
        PackageFile("statement.pdf", K.DISPUTE_STATEMENT, "application/pdf", AT, data=b"s" * 300),
        stored(store, "video.mp4", K.PACKING_VIDEO, b"v" * 5000, "video/mp4"),
        stored(store, "p1.jpg", K.BUYER_PHOTO, b"1" * 600, "image/jpeg"),
        stored(store, "p2.jpg", K.BUYER_PHOTO, b"2" * 600, "image/jpeg"),
        stored(store, "p3.jpg", K.BUYER_PHOTO, b"3" * 600, "image/jpeg"),
        stored(store, "log.txt", K.COMMUNICATION_LOG, b"l" * 100, "text/plain"),
    ]
    limits = UploadLimits(max_files=3, max_file_bytes=1000, max_total_bytes=1500, max_batches=2)
    out = io.BytesIO()
    result = build_package(
        out, store, files, purpose="dispute", reference="D-77", created_at=AT, limits=limits
    )
    zf, manifest = open_zip(out.getvalue())
    entries = manifest["files"]
    assert isinstance(entries, list)
    by_upload: dict[int, list[str]] = {}
    for entry in entries:
        by_upload.setdefault(entry["upload"], []).append(entry["name"])
        assert entry["path"].startswith(f"upload-{entry['upload']}/")
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
    assert by_upload == {1: ["statement.pdf", "p1.jpg", "p2.jpg"], 2: ["p3.jpg", "log.txt"]}
    for names in by_upload.values():
        sizes = [e["size"] for e in entries if e["name"] in names]
        assert len(names) <= 3 and sum(sizes) <= 1500
    assert result.excluded == (("video.mp4", "5000 bytes is over the 1000-byte limit per file"),)
    assert manifest["limits"]["uploads"] == 2  # type: ignore[index]


def test_plan_batches_respects_max_batches() -> None:
    files = [PackageFile(f"f{i}", K.OTHER, "text/plain", AT, data=b"x" * 10) for i in range(5)]
    batches, excluded = plan_batches(files, [10] * 5, UploadLimits(max_files=2, max_batches=2))
    assert batches == [[0, 1], [2, 3]]
    assert excluded == [(4, "does not fit in 2 upload(s)")]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\box.jpg", "box.jpg"),
        ('bad<>:"|?*name.pdf', "bad_name.pdf"),
        ("\u202eevil\x00.pdf", "evil.pdf"),
        ("...", "file"),
        ("Nota fiscal São Paulo 发票.pdf", "Nota fiscal São Paulo 发票.pdf"),
    ],
)
def test_zip_safe_name(raw: str, safe: str) -> None:
    assert zip_safe_name(raw) == safe


def test_package_file_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="either sha256"):
        PackageFile("x", K.OTHER, "text/plain")
    with pytest.raises(ValueError, match="either sha256"):
        PackageFile("x", K.OTHER, "text/plain", sha256="a" * 64, data=b"x")
