"""Raw payload bodies are stored compressed (``types.PayloadBody``) and read back as the
exact bytes received; bodies stored before migration 0007 read back unchanged too."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.types import decode_body, encode_body
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from tests.conftest import pg_database
from tests.integration.helpers import migrate

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def push_body(events: int) -> bytes:
    history = [
        {"time_iso": f"2026-11-{1 + i:02d}T08:00:00+08:00", "description": "已到达【深圳转运中心】",
         "location": "Shenzhen, CN"}
        for i in range(events)
    ]  # fmt: skip
    doc = {"event": "TRACKING_UPDATED", "data": {"number": "YT1", "track_info": {"tracking": {
        "providers": [{"events": history}]}}}}  # fmt: skip
    return json.dumps(doc, ensure_ascii=False).encode()


@given(st.binary(max_size=4096))
def test_any_body_decodes_to_itself(body: bytes) -> None:
    assert decode_body(encode_body(body)) == body


@given(st.integers(min_value=3, max_value=40))
def test_a_history_is_stored_smaller(events: int) -> None:
    body = push_body(events)
    stored = encode_body(body)
    assert stored[:1] == b"\x01"
    assert len(stored) < len(body) * 0.6


def test_short_and_incompressible_bodies_stay_plain() -> None:
    assert encode_body(b'{"a":1}') == b'\x00{"a":1}'
    noise = b"".join(hashlib.sha512(bytes([i])).digest() for i in range(8))  # 512 bytes
    assert encode_body(noise) == b"\x00" + noise  # LZ4 would make it longer


def test_an_unknown_tag_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoding tag"):
        decode_body(b"\x07abc")


def test_bodies_round_trip_through_the_database(engine: Engine) -> None:
    bodies = [push_body(n) for n in (1, 5, 20)] + [b"\xff\x00not json"]
    with SqlUnitOfWork(engine) as uow:
        one = uow.payloads.add(
            source="17track", body=bodies[0], headers="{}", received_at=NOW, message_id=None
        )
        many = uow.payloads.add_many(
            source="17track", items=[(b, None) for b in bodies[1:]], received_at=NOW
        )
        uow.commit()
    ids = [one.id, *(s.id for s in many)]
    with engine.connect() as conn:
        rows = dict(conn.execute(select(t.InboundPayload.id, t.InboundPayload.body)).all())
        raw = dict(conn.exec_driver_sql("SELECT id, body FROM inbound_payloads").all())
        hashes = dict(
            conn.execute(select(t.InboundPayload.id, t.InboundPayload.content_sha256)).all()
        )
    assert [rows[i] for i in ids] == bodies
    assert [hashes[i] for i in ids] == [hashlib.sha256(b).hexdigest() for b in bodies]
    stored_20 = bytes(raw[ids[2]])
    assert stored_20[:1] == b"\x01" and len(stored_20) < len(bodies[2]) / 2


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with pg_database(f"pd_payload_migration_{os.getpid()}_{worker}") as url:
        yield url


def test_bodies_stored_before_0007_read_back_unchanged(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate(engine, "0006")
        old = [push_body(12), b"\x01looks like a tag", b"\x00", b""]
        with engine.begin() as conn:
            for i, body in enumerate(old):
                conn.execute(
                    text(
                        "INSERT INTO inbound_payloads (source, received_at, content_sha256,"
                        " headers, body) VALUES ('17track', :at, :sha, '{}', :body)"
                    ),
                    {"at": NOW.replace(tzinfo=None) if "sqlite" in empty_url else NOW,
                     "sha": f"{i:064d}", "body": body},
                )  # fmt: skip
        migrate(engine, "head")
        with engine.connect() as conn:
            got = list(conn.scalars(select(t.InboundPayload.body).order_by(t.InboundPayload.id)))
        assert got == old
        migrate(engine, "0006", down=True)
        with engine.connect() as conn:
            raw = [
                bytes(b)
                for b in conn.scalars(text("SELECT body FROM inbound_payloads ORDER BY id"))
            ]
        assert raw == old
    finally:
        engine.dispose()
