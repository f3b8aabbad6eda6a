"""Upload checks for the evidence locker: name, type from content, kind rules, size, pixels.

Nothing about an upload is trusted: the file name may carry a path (``../../x``), control
or bidi characters (``photo\u202egpj.exe``); the extension may lie; the declared size may
lie.  So the type is detected from the first bytes (``puremagic`` signatures, plus our
own markup sniff because an HTML or SVG page "disguised as an image" is the classic
stored-XSS vector), the kind decides which types are allowed
(``parceldesk.domain.evidence``), and the size limit is enforced while streaming into
the store, not from a header.  Archives are refused outright (zip bombs, hidden
content): evidence is individual files.  Raster images are opened header-only to refuse
decompression bombs (tiny PNG, billions of pixels).

Default limits are product defaults, not carrier figures: 20 MiB for images, PDFs and
JSON, 5 MiB for text, 500 MiB for video; pass an ``UploadPolicy`` to change them.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

import puremagic
from PIL import Image

from parceldesk.domain.evidence import (
    EvidenceKind,
    MediaFamily,
    UploadRejected,
    check_media_type,
)
from parceldesk.services.storage_ports import AcceptedUpload, BlobStore, BlobTooLarge

__all__ = [
    "DEFAULT_POLICY",
    "EXTENSIONS",
    "CheckedIntake",
    "UploadPolicy",
    "detect_media_type",
    "sanitize_filename",
]

MIB = 1024 * 1024
#: bytes read before deciding on the type (and, for images, the pixel count)
HEAD_BYTES = MIB

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "message/rfc822": ".eml",
    "application/json": ".json",
}


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    max_bytes: Mapping[MediaFamily, int] = field(
        default_factory=lambda: {
            MediaFamily.IMAGE: 20 * MIB,
            MediaFamily.VIDEO: 500 * MIB,
            MediaFamily.PDF: 20 * MIB,
            MediaFamily.TEXT: 5 * MIB,
            MediaFamily.JSON: 20 * MIB,
        }
    )
    #: per-kind overrides of ``max_bytes``
    kind_max_bytes: Mapping[EvidenceKind, int] = field(default_factory=dict)
    max_pixels: int = 100_000_000
    max_name_chars: int = 120

    def limit(self, kind: EvidenceKind, family: MediaFamily) -> int:
        return self.kind_max_bytes.get(kind, self.max_bytes[family])


DEFAULT_POLICY = UploadPolicy()

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def sanitize_filename(raw: str, *, kind: str = "upload", max_chars: int = 120) -> str:
    """A display name safe to show and to use inside a ZIP, or ``UploadRejected``.

    Path traversal and absolute paths are refused (a client that sends them is hostile or
    broken); a plain directory prefix (``C:\\fakepath\\x.jpg``) is dropped.  Control,
    format (bidi override) and separator characters are removed, the result is NFC and
    at most ``max_chars`` long, extension kept.
    """
    if "\x00" in raw:
        raise UploadRejected(f"{kind} {raw!r} rejected: the file name contains a NUL byte")
    parts = re.split(r"[\\/]+", raw)
    if any(p.strip() == ".." for p in parts):
        raise UploadRejected(f"{kind} {raw!r} rejected: the file name contains a path (..)")
    if raw.startswith(("/", "\\")) or (_WINDOWS_DRIVE.match(raw) and len(parts) == 1):
        raise UploadRejected(f"{kind} {raw!r} rejected: the file name is an absolute path")
    name = unicodedata.normalize("NFC", parts[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = " ".join(name.split()).lstrip(".").strip()
    stem, ext = os.path.splitext(name)
    if stem.lower() in _RESERVED:
        stem = f"_{stem}"
    ext = ext[:16]
    stem = stem[: max(1, max_chars - len(ext))]
    name = f"{stem}{ext}" if stem else ""
    return name or "upload"


_MARKUP = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<svg",
    b"<?xml",
    b"<!--",
    b"<a ",
    b"<img",
    b"<div",
    b"<table",
    b"<style",
)
_ARCHIVES = (
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
)


def detect_media_type(head: bytes, *, complete: bool = False) -> str:
    """Media type from content.  ``complete`` says ``head`` is the whole file (so JSON
    can be parsed, not guessed)."""
    if not head:
        return "application/x-empty"
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n\x0c").lower()
    if stripped.startswith(_MARKUP):
        return "image/svg+xml" if b"<svg" in stripped[:4096] else "text/html"
    for magic, media_type in _ARCHIVES:
        if head.startswith(magic):
            return media_type
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        matches = []
    best = max((m for m in matches if m.mime_type), key=lambda m: m.confidence, default=None)
    if best is not None and best.mime_type not in ("application/json", "text/plain"):
        return str(best.mime_type)
    if _looks_like_text(head, complete=complete):
        if complete and stripped[:1] in (b"{", b"["):
            try:
                json.loads(head.decode("utf-8-sig"))
            except ValueError:
                return "text/plain"
            return "application/json"
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes, *, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n\x0c")
    return controls == 0


class _Prefixed(io.RawIOBase):
    """``head`` then the rest of ``stream``: the head was read for sniffing."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(stream: BinaryIO) -> bytes:
    chunks, size = [], 0
    while size < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _check_pixels(head: bytes, label: str, media_type: str, max_pixels: int) -> None:
    if media_type not in ("image/jpeg", "image/png", "image/webp"):
        return  # HEIC/HEIF: Pillow cannot read them without a plugin; size limit applies
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(head)) as img:
                width, height = img.size
    except Image.DecompressionBombError:
        raise UploadRejected(f"{label} rejected: image dimensions are too large") from None
    except (OSError, SyntaxError, ValueError):
        raise UploadRejected(
            f"{label} rejected: content looks like {media_type} but its header is unreadable"
        ) from None
    if width * height > max_pixels:
        raise UploadRejected(
            f"{label} rejected: image is {width}x{height} pixels, "
            f"more than the {max_pixels:,} pixel limit"
        )


class CheckedIntake:
    """``EvidenceIntake``: check an upload, then stream it into a ``BlobStore``."""

    def __init__(self, store: BlobStore, policy: UploadPolicy = DEFAULT_POLICY) -> None:
        self.store = store
        self.policy = policy

    def accept(self, kind: EvidenceKind, filename: str, stream: BinaryIO) -> AcceptedUpload:
        name = sanitize_filename(filename, kind=str(kind), max_chars=self.policy.max_name_chars)
        label = f"{kind} {name!r}"
        head = _read_head(stream)
        complete = len(head) < HEAD_BYTES
        media_type = detect_media_type(head, complete=complete)
        if media_type == "application/x-empty":
            raise UploadRejected(f"{label} rejected: the file is empty")
        family = check_media_type(kind, media_type, name)
        if family is MediaFamily.IMAGE:
            _check_pixels(head, label, media_type, self.policy.max_pixels)
        limit = self.policy.limit(kind, family)
        try:
            ref = self.store.put(
                io.BufferedReader(_Prefixed(head, stream), buffer_size=MIB), max_bytes=limit
            )
        except BlobTooLarge:
            raise UploadRejected(
                f"{label} rejected: larger than the {_human(limit)} limit for {family} files"
            ) from None
        stem, ext = os.path.splitext(name)
        wanted = EXTENSIONS[media_type]
        if ext.lower() not in (wanted, ".jpeg" if wanted == ".jpg" else wanted):
            name = f"{stem or 'upload'}{wanted}"
        return AcceptedUpload(kind, ref.sha256, ref.size, media_type, family, name, ref.created)


def _human(size: int) -> str:
    return f"{size / MIB:g} MiB" if size >= MIB else f"{size} bytes"
