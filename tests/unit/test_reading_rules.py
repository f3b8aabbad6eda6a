"""``reading_rules``: the digest of the code that reads rows and builds orders, which
every source hash starts from (ADR 0011)."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

from parceldesk.adapters.importers import source


def test_it_is_the_digest_of_the_reading_modules_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source.reading_rules.cache_clear()
    shipped = source.reading_rules()
    assert len(shipped) == 32 and shipped == source.reading_rules()
    # one module's source changed by a byte: another digest
    real = importlib.util.find_spec
    reader = real("parceldesk.adapters.importers.formats.reader")
    assert reader is not None and reader.origin is not None
    edited = tmp_path / "reader.py"
    edited.write_bytes(Path(reader.origin).read_bytes() + b"\n")

    def find_spec(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        spec = real(name, package)
        if name == "parceldesk.adapters.importers.formats.reader" and spec is not None:
            spec = copy.copy(spec)  # the module's own ``__spec__``: never edit that
            spec.origin = str(edited)
        return spec

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    source.reading_rules.cache_clear()
    try:
        assert source.reading_rules() != shipped
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
        source.reading_rules.cache_clear()
        assert source.reading_rules() not in (shipped, "")  # no sources: the release's
    finally:
        source.reading_rules.cache_clear()
