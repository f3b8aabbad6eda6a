"""Upload checks: real files in, hostile files out, each rejection naming file and reason."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from parceldesk.adapters.storage.local import LocalBlobStore
from parceldesk.adapters.storage.uploads import (
    MIB,
    CheckedIntake,
    UploadPolicy,
    detect_media_type,
    sanitize_filename,
)
from parceldesk.domain.evidence import EvidenceKind, MediaFamily, UploadRejected

K = EvidenceKind


def image_bytes(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def mp4_bytes() -> bytes:
    """A minimal ISO-BMFF file: ftyp + empty moov + mdat."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    mvhd = box(b"mvhd", bytes(100))
    return ftyp + box(b"moov", mvhd) + box(b"mdat", bytes(64))


def pdf_bytes(text: str = "Invoice 1001") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    idat = zlib.compress(b"\x00" * 1000)
    idat_chunk = b"IDAT" + idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + crc
        + struct.pack(">I", len(idat))
        + idat_chunk
        + struct.pack(">I", zlib.crc32(idat_chunk) & 0xFFFFFFFF)
    )


@pytest.fixture
def intake(tmp_path: Path) -> CheckedIntake:
    return CheckedIntake(LocalBlobStore(tmp_path / "blobs"))


@pytest.mark.parametrize(
    ("kind", "name", "data", "media_type", "shown_as"),
    [
        (K.BUYER_PHOTO, "box.png", image_bytes("PNG"), "image/png", "box.png"),
        (K.BUYER_PHOTO, "item.jpeg", image_bytes("JPEG"), "image/jpeg", "item.jpeg"),
        (K.PACKING_PHOTO, "pack.webp", image_bytes("WEBP"), "image/webp", "pack.webp"),
        (K.BUYER_VIDEO, "unboxing.mp4", mp4_bytes(), "video/mp4", "unboxing.mp4"),
        (K.INVOICE, "invoice.pdf", pdf_bytes(), "application/pdf", "invoice.pdf"),
        (K.COMMUNICATION_LOG, "chat.txt", "Olá 你好 สวัสดี\n".encode(), "text/plain", "chat.txt"),
        (K.TRACKING_SNAPSHOT, "raw.json", b'{"events": []}', "application/json", "raw.json"),
        # Right content, wrong extension: accepted, the display name gets the true one.
        (K.PROOF_OF_VALUE, "receipt.pdf", image_bytes("JPEG"), "image/jpeg", "receipt.jpg"),
    ],
)
def test_real_files_are_accepted_and_stored(
    intake: CheckedIntake, kind: K, name: str, data: bytes, media_type: str, shown_as: str
) -> None:
    accepted = intake.accept(kind, name, io.BytesIO(data))
    assert accepted.media_type == media_type
    assert accepted.display_name == shown_as
    assert accepted.size == len(data) and accepted.created
    assert intake.store.read_bytes(accepted.sha256) == data


def test_identical_upload_is_deduplicated(intake: CheckedIntake) -> None:
    data = image_bytes("PNG")
    first = intake.accept(K.BUYER_PHOTO, "a.png", io.BytesIO(data))
    second = intake.accept(K.PACKING_PHOTO, "b.png", io.BytesIO(data))
    assert first.sha256 == second.sha256 and not second.created


@pytest.mark.parametrize(
    ("kind", "name", "data", "message"),
    [
        (
            K.BUYER_PHOTO,
            "box.jpg",
            pdf_bytes(),
            "buyer_photo 'box.jpg' rejected: content is application/pdf, expected an image",
        ),
        (
            K.BUYER_PHOTO,
            "cute.png",
            b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
            "buyer_photo 'cute.png' rejected: content is text/html, expected an image",
        ),
        (
            K.BUYER_PHOTO,
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
            "content is image/svg+xml, expected an image",
        ),
        (
            K.COMMUNICATION_LOG,
            "log.txt",
            b"  \n<script>fetch('/steal')</script>",
            "content is text/html",
        ),
        (K.INVOICE, "invoice.pdf", b"MZ\x90\x00" + bytes(200), "content is application/"),
        (K.BUYER_VIDEO, "clip.mp4", image_bytes("PNG"), "content is image/png, expected a video"),
        (K.PACKING_PHOTO, "empty.jpg", b"", "the file is empty"),
    ],
)
def test_hostile_or_wrong_content_is_rejected(
    intake: CheckedIntake, kind: K, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(UploadRejected, match=re.escape(message)):
        intake.accept(kind, name, io.BytesIO(data))
    assert list(intake.store.iter_hashes()) == []


def test_zip_bomb_is_refused_before_anything_is_stored(intake: CheckedIntake) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(20 * MIB))  # 20 MiB of zeros, ~20 KB compressed
    assert len(out.getvalue()) < 100_000
    with pytest.raises(UploadRejected, match=r"'photos\.jpg' rejected: content is application/zip"):
        intake.accept(K.OTHER, "photos.jpg", io.BytesIO(out.getvalue()))
    assert list(intake.store.iter_hashes()) == []


def test_image_decompression_bomb_is_refused(intake: CheckedIntake) -> None:
    bomb = png_header(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(UploadRejected, match=r"dimensions are too large|pixel limit"):
        intake.accept(K.BUYER_PHOTO, "bomb.png", io.BytesIO(bomb))
    small_limit = CheckedIntake(intake.store, UploadPolicy(max_pixels=500))
    with pytest.raises(UploadRejected, match=r"32x24 pixels, more than the 500 pixel limit"):
        small_limit.accept(K.BUYER_PHOTO, "big.png", io.BytesIO(image_bytes("PNG")))


def test_oversize_upload_is_refused_while_streaming(tmp_path: Path) -> None:
    policy = UploadPolicy(
        max_bytes={
            MediaFamily.IMAGE: 20 * MIB,
            MediaFamily.VIDEO: 2 * MIB,
            MediaFamily.PDF: MIB,
            MediaFamily.TEXT: MIB,
            MediaFamily.JSON: MIB,
        },
        kind_max_bytes={K.PACKING_PHOTO: 1000},
    )
    intake = CheckedIntake(LocalBlobStore(tmp_path), policy)
    video = mp4_bytes() + bytes(3 * MIB)  # over the 2 MiB video limit, past the sniffed head
    with pytest.raises(
        UploadRejected,
        match=r"buyer_video 'unboxing.mp4' rejected: larger than the 2 MiB limit for video",
    ):
        intake.accept(K.BUYER_VIDEO, "unboxing.mp4", io.BytesIO(video))
    with pytest.raises(UploadRejected, match="larger than the 1000 bytes limit"):
        intake.accept(K.PACKING_PHOTO, "p.png", io.BytesIO(image_bytes("PNG", (400, 400))))
    assert list(intake.store.iter_hashes()) == []
    assert intake.accept(K.BUYER_PHOTO, "p.png", io.BytesIO(image_bytes("PNG"))).created


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd.png", "contains a path"),
        ("photos/../../x.jpg", "contains a path"),
        ("..\\..\\windows\\x.jpg", "contains a path"),
        ("/etc/shadow.png", "absolute path"),
        ("\\\\server\\share\\x.png", "absolute path"),
        ("box\x00.png", "NUL byte"),
    ],
)
def test_path_tricks_in_names_are_rejected(intake: CheckedIntake, name: str, reason: str) -> None:
    with pytest.raises(UploadRejected, match=reason):
        intake.accept(K.BUYER_PHOTO, name, io.BytesIO(image_bytes("PNG")))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\fakepath\\box.png", "box.png"),
        ("photo\u202egnp.exe", "photognp.exe"),  # bidi override removed, not obeyed
        ("  ..hidden.png ", "hidden.png"),
        ("a\tb\r\nc.png", "abc.png"),
        ("CON.png", "_CON.png"),
        ("São Paulo 快递.png", "São Paulo 快递.png"),
        ("", "upload"),
    ],
)
def test_sanitize_filename_keeps_a_safe_display_name(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


@given(st.text(max_size=300))
def test_sanitize_filename_never_returns_path_or_control_chars(raw: str) -> None:
    try:
        name = sanitize_filename(raw, max_chars=80)
    except UploadRejected:
        return
    assert name and len(name) <= 80 + 16
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert all(ord(c) >= 32 and c not in "\x7f\u202e\u200b" for c in name)


@given(st.binary(max_size=2048))
def test_detection_never_crashes_and_is_from_content(data: bytes) -> None:
    media_type = detect_media_type(data, complete=True)
    assert isinstance(media_type, str) and "/" in media_type
