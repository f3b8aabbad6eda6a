"""Content-addressed local blob store: layout, dedup, atomicity, streaming, verification."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.storage.local import CHUNK, LocalBlobStore
from parceldesk.services.storage_ports import (
    BlobCorrupted,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    StorageError,
)


class CountingStream(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand; records read sizes."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.reads: list[int] = []
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.reads.append(n)
        n = self.remaining if n < 0 else min(n, self.remaining)
        data = bytes(i % 251 for i in range(n))
        self.remaining -= n
        self.digest.update(data)
        return data


def _tamper(path: Path, data: bytes) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(data)


def test_put_stores_under_sha256_layout_and_dedups(tmp_path: Path) -> None:
    store: BlobStore = LocalBlobStore(tmp_path)
    data = b"invoice 1001"
    sha = hashlib.sha256(data).hexdigest()
    first = store.put_bytes(data)
    assert (first.sha256, first.size, first.created) == (sha, len(data), True)
    path = tmp_path / "sha256" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert path.stat().st_mode & stat.S_IWUSR == 0
    again = store.put(io.BytesIO(data))
    assert (again.sha256, again.created) == (sha, False)
    assert list(store.iter_hashes()) == [sha]
    assert store.exists(sha) and store.size(sha) == len(data)
    assert store.read_bytes(sha) == data
    assert list((tmp_path / "tmp").iterdir()) == []


def test_put_streams_in_chunks_without_reading_everything(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    size = 3 * CHUNK + 17
    stream = CountingStream(size)
    ref = store.put(stream)  # type: ignore[arg-type]
    assert ref.size == size and ref.sha256 == stream.digest.hexdigest()
    assert stream.reads and max(stream.reads) == CHUNK and -1 not in stream.reads
    assert store.verify(ref.sha256)


def test_put_over_max_bytes_stores_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.put(CountingStream(2 * CHUNK + 1), max_bytes=2 * CHUNK)  # type: ignore[arg-type]
    assert list(store.iter_hashes()) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_tampered_blob_detected_by_verify_and_verified_read(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put_bytes(b"original photo bytes" * 1000)
    assert store.verify(ref.sha256)
    _tamper(store.path_for(ref.sha256), b"edited photo bytes")
    assert not store.verify(ref.sha256)
    with pytest.raises(BlobCorrupted, match=ref.sha256):
        store.read_bytes(ref.sha256)
    with store.open(ref.sha256, verify=True) as handle:
        handle.read(5)  # a partial read cannot know yet
        with pytest.raises(BlobCorrupted):
            handle.read()
    # Without verification the (tampered) bytes are returned as they are.
    assert store.read_bytes(ref.sha256, verify=False) == b"edited photo bytes"


def test_missing_and_malformed_hashes(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(BlobNotFound):
        store.read_bytes(missing)
    with pytest.raises(BlobNotFound):
        store.size(missing)
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(StorageError, match="SHA-256"):
            store.exists(bad)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=5000))
def test_roundtrip_any_bytes(tmp_path: Path, data: bytes) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put_bytes(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    with store.open(ref.sha256, verify=True) as handle:
        assert handle.read() == data
