"""Enum CHECK constraints: written as equalities (ADR 0008), they still refuse what is not
a member, on both engines; migration 0010 rewrites SQLite's older IN lists in place and
its downgrade puts them back, rows untouched."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import CheckConstraint, Engine, text
from sqlalchemy.exc import IntegrityError

from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.tables import Base, one_of
from parceldesk.domain.taxonomy import Status
from tests.integration.helpers import migrate

m0010 = importlib.import_module(
    "parceldesk.adapters.db.migrations.versions.0010_checks_as_equalities"
)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
members = st.lists(st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True), min_size=2, max_size=12)


@given(members, st.sampled_from(["status", "node", "kind"]))
def test_an_in_list_and_its_equalities_convert_both_ways(values: list[str], column: str) -> None:
    listed = f"{column} IS NULL OR {column} IN ({', '.join(repr(v) for v in values)})"
    equalities = m0010.in_list_as_equalities(listed)
    assert " IN " not in equalities
    assert equalities == one_of(column, values, nullable=True)
    assert m0010.equalities_as_in_list(equalities) == listed


def test_only_check_bodies_are_rewritten() -> None:
    ddl = (
        "CREATE TABLE t (a VARCHAR(9) DEFAULT 'x IN (''y'')', "
        "CONSTRAINT ck_t_a CHECK (a IN ('p', 'q')), "
        "CONSTRAINT ck_t_pair CHECK ((a = 'p' AND b IS NULL) OR (a <> 'p')))"
    )
    out = m0010.rewrite_checks(ddl, m0010.in_list_as_equalities)
    assert "CONSTRAINT ck_t_a CHECK (a = 'p' OR a = 'q')" in out
    assert "DEFAULT 'x IN (''y'')'" in out
    assert "CHECK ((a = 'p' AND b IS NULL) OR (a <> 'p'))" in out
    assert m0010.rewrite_checks(out, m0010.equalities_as_in_list) == ddl


def _shipment(conn, number: str, status: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO shipments (tracking_number, carrier, channel, service, origin_country,"
            " destination_country, signature_required, leg_role, status, event_count,"
            " created_at, updated_at) VALUES (:n, 'usps', '', '', 'CN', 'US', false, 'single',"
            " :s, 0, :now, :now)"
        ),
        {"n": number, "s": status, "now": NOW},
    )


@pytest.mark.parametrize("status", ["bogus", "Delivered", "delivered "])
def test_a_value_outside_the_enum_is_refused(engine: Engine, status: str) -> None:
    with pytest.raises(IntegrityError, match=r"(?i)check"), engine.begin() as conn:
        _shipment(conn, "YT-BAD", status)
    with engine.begin() as conn:
        for member in Status:
            _shipment(conn, f"YT-{member.value}", member.value)
        stored = conn.execute(text("SELECT count(*) FROM shipments")).scalar_one()
    assert stored == len(Status)


def _sqlite_checks(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        found: dict[tuple[str, str], str] = {}
        for name, sql in tables:
            for ck in re.finditer(r"CONSTRAINT (ck_\w+) CHECK \(", sql or ""):
                body = m0010.rewrite_checks(sql[ck.start() :], lambda b: f"\0{b}\0")
                found[(name, ck[1])] = body.split("\0")[1]
    return found


def test_sqlite_schema_after_0010_says_what_the_tables_say(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'checks.sqlite'}")
    try:
        migrate(engine, "0009")
        with engine.begin() as conn:
            _shipment(conn, "YT-KEEP", "in_transit")
        before = _sqlite_checks(engine)
        assert any(" IN (" in body for body in before.values())
        migrate(engine, "head")
        after = _sqlite_checks(engine)
        assert not [key for key, body in after.items() if " IN (" in body]
        declared = {
            (table.name, str(c.name)): str(c.sqltext)
            for table in Base.metadata.tables.values()
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        }
        assert after == declared  # the migration wrote exactly what one_of declares
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _shipment(conn, "YT-BAD", "bogus")
        migrate(engine, "0009", down=True)
        assert _sqlite_checks(engine) == before
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            kept = conn.exec_driver_sql("SELECT tracking_number, status FROM shipments").all()
        assert kept == [("YT-KEEP", "in_transit")]
    finally:
        engine.dispose()
