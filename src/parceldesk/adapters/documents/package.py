"""Claim and dispute packages: one ZIP with every file and a ``manifest.json``.

The manifest lists each file's path in the ZIP, original name, kind, SHA-256, size, media
type and capture time, so whoever receives the package (or the seller, months later)
can check every file against the hash recorded in the case timeline.  Evidence files are
streamed from the ``BlobStore`` with verification on, so a tampered blob aborts the
package instead of being shipped; the ZIP is written to a temporary file and renamed.

Marketplaces cap uploads (files per submission, bytes per file, bytes per submission).
The research file has no confirmed figures for them, so ``UploadLimits`` is a parameter
(the one figure found, DHL Express's single .pdf/.zip of at most 3 MB, is a carrier claim
limit and lives in the rules file's ``submit_via`` text).  With limits, files are put into
numbered ``upload-N/`` folders, one per submission, in the order given (put the
statement first); a file that can never fit, or that exceeds ``max_batches``, is left
out and listed under ``excluded`` with the reason.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from parceldesk.domain.evidence import EvidenceKind
from parceldesk.services.storage_ports import BlobStore

__all__ = [
    "PackageFile",
    "PackageResult",
    "UploadLimits",
    "build_package",
    "plan_batches",
    "write_package",
    "zip_safe_name",
]

_CHUNK = 1024 * 1024
_COMPRESSED = ("image/", "video/", "application/zip")


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One file for the package: stored evidence (``sha256`` in the store) or a generated
    document (``data`` set; its hash is computed)."""

    name: str
    kind: EvidenceKind
    media_type: str
    captured_at: datetime | None = None
    sha256: str = ""
    data: bytes | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (not self.sha256):
            raise ValueError(f"{self.name!r}: give either sha256 (stored) or data (generated)")
        if self.data is not None:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())
            object.__setattr__(self, "size", len(self.data))


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_files: int | None = None
    max_file_bytes: int | None = None
    max_total_bytes: int | None = None
    max_batches: int | None = None


@dataclass(frozen=True, slots=True)
class PackageResult:
    manifest: dict[str, object]
    #: (file name, reason) for files left out to respect upload limits
    excluded: tuple[tuple[str, str], ...]


def zip_safe_name(name: str, max_chars: int = 100) -> str:
    """A file name with no directories, control characters or reserved characters."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = re.sub(r'[<>:"|?*]+', "_", " ".join(name.split())).lstrip(".").strip()
    stem, ext = os.path.splitext(name)
    ext = ext[:16]
    stem = stem[: max(1, max_chars - len(ext))]
    return f"{stem}{ext}" if stem else f"file{ext}"


def _sizes(store: BlobStore, files: Sequence[PackageFile]) -> list[int]:
    return [f.size if f.size is not None else store.size(f.sha256) for f in files]


def plan_batches(
    files: Sequence[PackageFile], sizes: Sequence[int], limits: UploadLimits
) -> tuple[list[list[int]], list[tuple[int, str]]]:
    """Greedy, order-preserving split into submissions: indexes per batch, and excluded
    indexes with the reason."""
    batches: list[list[int]] = []
    excluded: list[tuple[int, str]] = []
    totals: list[int] = []
    for index, size in enumerate(sizes):
        if limits.max_file_bytes is not None and size > limits.max_file_bytes:
            excluded.append(
                (index, f"{size} bytes is over the {limits.max_file_bytes}-byte limit per file")
            )
            continue
        if limits.max_total_bytes is not None and size > limits.max_total_bytes:
            excluded.append(
                (index, f"{size} bytes is over the {limits.max_total_bytes}-byte limit per upload")
            )
            continue
        for b, batch in enumerate(batches):
            fits_count = limits.max_files is None or len(batch) < limits.max_files
            fits_bytes = (
                limits.max_total_bytes is None or totals[b] + size <= limits.max_total_bytes
            )
            if fits_count and fits_bytes:
                batch.append(index)
                totals[b] += size
                break
        else:
            if limits.max_batches is not None and len(batches) >= limits.max_batches:
                excluded.append((index, f"does not fit in {limits.max_batches} upload(s)"))
                continue
            batches.append([index])
            totals.append(size)
    return batches, excluded  # fmt: skip


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    utc = moment.astimezone(UTC)
    return (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)


def build_package(
    out: BinaryIO,
    store: BlobStore,
    files: Sequence[PackageFile],
    *,
    purpose: str,
    reference: str,
    created_at: datetime,
    limits: UploadLimits | None = None,
) -> PackageResult:
    """Write the ZIP to ``out``.  Deterministic for the same inputs (entry times are
    ``created_at``).  Raises ``BlobCorrupted``/``BlobNotFound`` for a bad stored file."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must carry a timezone")
    sizes = _sizes(store, files)
    excluded: list[tuple[int, str]] = []
    if limits is None:
        batches = [list(range(len(files)))]
    else:
        batches, excluded = plan_batches(files, sizes, limits)
    entries = []
    used: set[str] = set()
    stamp = _zip_time(created_at)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        sequence = 0
        for b, batch in enumerate(batches, start=1):
            folder = f"upload-{b}/" if limits is not None else ""
            for index in batch:
                file = files[index]
                sequence += 1
                path = f"{folder}{sequence:02d}-{file.kind}-{zip_safe_name(file.name)}"
                while path.casefold() in used:  # only when a name repeats after cleaning
                    sequence += 1
                    path = f"{folder}{sequence:02d}-{file.kind}-{zip_safe_name(file.name)}"
                used.add(path.casefold())
                info = zipfile.ZipInfo(path, date_time=stamp)
                info.external_attr = 0o644 << 16
                info.compress_type = (
                    zipfile.ZIP_STORED
                    if file.media_type.startswith(_COMPRESSED)
                    else zipfile.ZIP_DEFLATED
                )
                digest = hashlib.sha256()
                with zf.open(info, "w", force_zip64=sizes[index] > 2**31) as dst:
                    source: AbstractContextManager[BinaryIO] = (
                        nullcontext(io.BytesIO(file.data))
                        if file.data is not None
                        else store.open(file.sha256, verify=True)
                    )
                    with source as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            dst.write(chunk)
                if digest.hexdigest() != file.sha256:  # defence in depth; verify=True raised
                    raise ValueError(f"{file.name!r}: content does not match {file.sha256}")
                entries.append(
                    {
                        "path": path,
                        "name": file.name,
                        "kind": str(file.kind),
                        "media_type": file.media_type,
                        "sha256": file.sha256,
                        "size": sizes[index],
                        "captured_at": file.captured_at.isoformat() if file.captured_at else None,
                        "source": "generated" if file.data is not None else "evidence",
                        **({"upload": b} if limits is not None else {}),
                    }
                )
        manifest: dict[str, object] = {
            "format": "parceldesk-package/1",
            "purpose": purpose,
            "reference": reference,
            "created_at": created_at.isoformat(),
            "hash_algorithm": "sha256",
            "files": entries,
            "excluded": [
                {"name": files[i].name, "kind": str(files[i].kind), "sha256": files[i].sha256,
                 "reason": reason}
                for i, reason in excluded
            ],
        }  # fmt: skip
        if limits is not None:
            manifest["limits"] = {
                "max_files": limits.max_files,
                "max_file_bytes": limits.max_file_bytes,
                "max_total_bytes": limits.max_total_bytes,
                "max_batches": limits.max_batches,
                "uploads": len(batches),
            }
        info = zipfile.ZipInfo("manifest.json", date_time=stamp)
        info.external_attr = 0o644 << 16
        body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        zf.writestr(info, body.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return PackageResult(manifest, tuple((files[i].name, reason) for i, reason in excluded))


def write_package(
    path: Path,
    store: BlobStore,
    files: Sequence[PackageFile],
    *,
    purpose: str,
    reference: str,
    created_at: datetime,
    limits: UploadLimits | None = None,
) -> PackageResult:
    """``build_package`` into ``path`` atomically: a failed build leaves no partial ZIP."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".package-", suffix=".zip")
    try:
        with os.fdopen(fd, "w+b") as handle:
            result = build_package(
                handle, store, files, purpose=purpose, reference=reference,
                created_at=created_at, limits=limits,
            )  # fmt: skip
            handle.flush()
            os.fsync(handle.fileno())
        shutil.move(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return result
