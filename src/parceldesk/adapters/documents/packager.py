"""``PackageWriter`` over ``package.write_package``, and per-platform upload limits.

Upload limits come from ``rules/upload_limits.toml``. The research reference has no
figures for marketplace dispute uploads, so every entry there is a *parameter* marked
confidence "?" -- a conservative product default, not a platform fact. Change it in the
file (or per call) when a platform's real limit is known.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from parceldesk.adapters.documents.package import PackageFile, UploadLimits, write_package
from parceldesk.services.package_ports import PackEntry, PackLimits, PackResult
from parceldesk.services.storage_ports import BlobStore

__all__ = ["PlatformLimits", "ZipPackager", "load_upload_limits"]


class ZipPackager:
    def __init__(self, store: BlobStore) -> None:
        self.store = store

    def write(
        self,
        path: Path,
        files: Sequence[PackEntry],
        *,
        purpose: str,
        reference: str,
        created_at: datetime,
        limits: PackLimits | None = None,
    ) -> PackResult:
        package_files = [
            PackageFile(f.name, f.kind, f.media_type, f.captured_at, sha256=f.sha256)
            if f.data is None
            else PackageFile(f.name, f.kind, f.media_type, f.captured_at, data=f.data)
            for f in files
        ]
        upload = None
        if limits is not None:
            upload = UploadLimits(
                limits.max_files, limits.max_file_bytes, limits.max_total_bytes, limits.max_batches
            )
        result = write_package(
            path, self.store, package_files, purpose=purpose, reference=reference,
            created_at=created_at, limits=upload,
        )  # fmt: skip
        return PackResult(path, result.manifest, result.excluded)


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    platform: str
    limits: PackLimits
    confidence: str
    basis: str


def load_upload_limits(path: Path | None = None) -> dict[str, PlatformLimits]:
    """platform slug -> limits; ``"*"`` is the fallback for platforms not listed."""
    if path is None:
        text = resources.files("parceldesk.rules").joinpath("upload_limits.toml").read_text()
    else:
        text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    out: dict[str, PlatformLimits] = {}
    for entry in data.get("platform", []):
        slug = str(entry["platform"])
        limits = PackLimits(
            max_files=entry.get("max_files"),
            max_file_bytes=entry.get("max_file_bytes"),
            max_total_bytes=entry.get("max_total_bytes"),
            max_batches=entry.get("max_batches"),
        )
        for name in ("max_files", "max_file_bytes", "max_total_bytes", "max_batches"):
            value = getattr(limits, name)
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise ValueError(f"upload_limits.toml: {slug}.{name} must be a positive integer")
        out[slug] = PlatformLimits(slug, limits, str(entry["confidence"]), str(entry["basis"]))
    if "*" not in out:
        raise ValueError("upload_limits.toml needs a '*' fallback entry")
    return out
