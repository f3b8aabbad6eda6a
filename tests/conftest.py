"""Shared fixtures: a migrated database on SQLite *and* PostgreSQL for every DB test.

PostgreSQL: a database of its own per test session (``pd_test_<pid>``), created on the
server named by ``PARCELDESK_TEST_PG_URL`` (default: the local trust-auth server),
migrated once, truncated between tests. Where it is unreachable the PostgreSQL leg is
skipped -- except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db.engine import make_engine, upgrade_schema
from parceldesk.adapters.db.tables import Base
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork

PG_ADMIN_URL = os.environ.get(
    "PARCELDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    return path


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database ``name``, dropped afterwards; skips
    the test where PostgreSQL is unreachable (fails under CI)."""
    admin_url = make_url(PG_ADMIN_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} under CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"pd_test_{os.getpid()}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with pg_database(name) as url:
        engine = make_engine(url)
        upgrade_schema(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "db.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def uow_factory(engine: Engine):  # type: ignore[no-untyped-def]
    return lambda: SqlUnitOfWork(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
