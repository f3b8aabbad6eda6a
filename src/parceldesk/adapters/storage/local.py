"""Content-addressed blob storage on the local disk (the default evidence locker).

Layout: ``<root>/sha256/ab/cd/<64 hex>``; unfinished writes live in ``<root>/tmp`` on the
same file system, so the final rename is atomic.  A write streams the input in chunks
while hashing it (a 500 MB video never sits in memory), fsyncs the file, renames it into
place only if that hash is not stored yet (dedup), then fsyncs the directory so a crash
cannot leave a name pointing at half a file.  Stored files are made read-only: evidence is
never edited in place, only added.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from parceldesk.services.storage_ports import (
    BlobCorrupted,
    BlobNotFound,
    BlobRef,
    BlobTooLarge,
    check_sha256,
)

__all__ = ["CHUNK", "LocalBlobStore"]

CHUNK = 1024 * 1024


class _VerifyingRaw(io.RawIOBase):
    """Hashes what is read; at end of file raises ``BlobCorrupted`` on a mismatch."""

    def __init__(self, handle: BinaryIO, expected: str) -> None:
        self._handle = handle
        self._expected = expected
        self._digest = hashlib.sha256()
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._handle.read(len(buffer))
        if data:
            self._digest.update(data)
            buffer[: len(data)] = data
            return len(data)
        if not self._done:
            self._done = True
            actual = self._digest.hexdigest()
            if actual != self._expected:
                raise BlobCorrupted(
                    f"blob {self._expected} is corrupted: its content now hashes to {actual}"
                )
        return 0

    def close(self) -> None:
        self._handle.close()
        super().close()


class LocalBlobStore:
    """``BlobStore`` on a directory.  Safe for concurrent writers of the same content."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        digest = check_sha256(sha256)
        return self.root / "sha256" / digest[:2] / digest[2:4] / digest

    # ------------------------------------------------------------------ write

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobRef:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(f"content is larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.exists():
                return BlobRef(sha, size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(stat.S_IRUSR | stat.S_IRGRP)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return BlobRef(sha, size, created=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def put_bytes(self, data: bytes) -> BlobRef:
        return self.put(io.BytesIO(data))

    # ------------------------------------------------------------------ read

    def _existing(self, sha256: str) -> Path:
        path = self.path_for(sha256)
        if not path.is_file():
            raise BlobNotFound(f"no stored blob {sha256}")
        return path

    @contextlib.contextmanager
    def open(self, sha256: str, *, verify: bool = False) -> Iterator[BinaryIO]:
        handle = self._existing(sha256).open("rb")
        if not verify:
            with handle:
                yield handle
            return
        reader = io.BufferedReader(_VerifyingRaw(handle, sha256), buffer_size=CHUNK)
        with reader:
            yield reader

    def read_bytes(self, sha256: str, *, verify: bool = True) -> bytes:
        with self.open(sha256, verify=verify) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self._existing(sha256).stat().st_size

    def verify(self, sha256: str) -> bool:
        digest = hashlib.sha256()
        with self._existing(sha256).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def iter_hashes(self) -> Iterator[str]:
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for path in sorted(base.glob("??/??/*")):
            if path.is_file() and path.name[:2] == path.parent.parent.name:
                yield path.name


def _fsync_dir(directory: Path) -> None:
    """Persist a rename (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
