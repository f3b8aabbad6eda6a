"""Ports for evidence files: a content-addressed blob store and the upload intake.

Evidence is addressed by the SHA-256 of its bytes.  The hash is the identity recorded in
the case timeline (and chained there), so storage can never silently swap a file: a
blob either has the bytes its name promises or reading it fails (``verify=True``).
Identical uploads are stored once.

Why a port: the default adapter writes to local disk
(``parceldesk.adapters.storage.local.LocalBlobStore``); a team deployment can use an
S3-compatible bucket instead.  An S3 adapter maps the same contract as follows:

* key ``sha256/ab/cd/<hex>`` (same layout as on disk), so objects can be copied between
  the two with no renaming;
* ``put``: stream the upload to a temporary key (multipart upload) while hashing, then
  ``CopyObject`` to the final key only if it does not exist yet (``If-None-Match: *``)
  and delete the temporary key; with a ``ChecksumSHA256`` on the final object the bucket
  itself rejects corruption in transit;
* ``exists``/``size``: ``HeadObject``; ``open``: ``GetObject`` body as a stream, wrapped in
  the same hashing reader when ``verify`` is asked;
* objects are never overwritten or deleted by parceldesk (enable bucket versioning or
  object lock for the tamper-evidence to extend to the storage side).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from parceldesk.domain.errors import DomainError
from parceldesk.domain.evidence import EvidenceKind, MediaFamily

__all__ = [
    "SHA256_RE",
    "AcceptedUpload",
    "BlobCorrupted",
    "BlobNotFound",
    "BlobRef",
    "BlobStore",
    "BlobTooLarge",
    "EvidenceIntake",
    "StorageError",
    "check_sha256",
]

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class StorageError(DomainError):
    """Base of blob-store errors; the message is meant for the user."""


class BlobNotFound(StorageError):
    pass


class BlobCorrupted(StorageError):
    """Stored bytes no longer hash to their name: the file was altered or damaged."""


class BlobTooLarge(StorageError):
    """A ``put`` read more than ``max_bytes``; nothing was stored."""


def check_sha256(value: str) -> str:
    if not SHA256_RE.match(value):
        raise StorageError(f"not a lower-case SHA-256 hex digest: {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class BlobRef:
    sha256: str
    size: int
    #: False when identical content was already stored (deduplicated)
    created: bool


class BlobStore(Protocol):
    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobRef:
        """Store everything ``stream`` yields, streaming; raise ``BlobTooLarge`` (storing
        nothing) once more than ``max_bytes`` were read."""
        ...

    def put_bytes(self, data: bytes) -> BlobRef: ...

    def open(self, sha256: str, *, verify: bool = False) -> AbstractContextManager[BinaryIO]:
        """A binary stream of the blob.  With ``verify`` the stream hashes what it yields
        and raises ``BlobCorrupted`` at end of file if the content does not match."""
        ...

    def read_bytes(self, sha256: str, *, verify: bool = True) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def verify(self, sha256: str) -> bool:
        """Re-hash the stored bytes; False if they no longer match (``BlobNotFound`` if
        the blob is missing)."""
        ...

    def iter_hashes(self) -> Iterator[str]: ...


@dataclass(frozen=True, slots=True)
class AcceptedUpload:
    """An upload that passed the checks and is now stored."""

    kind: EvidenceKind
    sha256: str
    size: int
    media_type: str
    family: MediaFamily
    #: safe display name (no directories, no control characters)
    display_name: str
    created: bool


class EvidenceIntake(Protocol):
    """Checks an upload (size, type from content, kind rules, name) and stores it.

    Raises ``parceldesk.domain.evidence.UploadRejected`` with a message naming the file
    and the reason.
    """

    def accept(self, kind: EvidenceKind, filename: str, stream: BinaryIO) -> AcceptedUpload: ...
