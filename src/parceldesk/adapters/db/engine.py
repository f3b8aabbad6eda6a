"""Engines and schema migrations for SQLite (embedded default) and PostgreSQL.

SQLite is tuned for a single-writer desktop/server use: WAL (readers never block the
writer), foreign keys on (off by default in SQLite!), a busy timeout instead of instant
``database is locked`` errors, and ``synchronous=NORMAL``, which in WAL mode is still
durable across application crashes (an OS crash may lose the last transactions).

Transactions: the ``sqlite3`` driver's legacy mode emits no BEGIN before SELECT or
SAVEPOINT, so a SAVEPOINT opened first *is* the transaction and its RELEASE commits it
(the raw payload was committed before its events: a crash in between made the provider's
retry a "duplicate" and lost the events), and reads ran outside the transaction. We turn
the driver's handling off and emit ``BEGIN IMMEDIATE`` ourselves (SQLAlchemy's documented
recipe): every transaction is atomic and takes the single write lock up front, waiting on
``busy_timeout``, instead of failing with SQLITE_BUSY when a read-then-write transaction
finds its snapshot outdated by a concurrent writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url

__all__ = ["alembic_config", "make_engine", "upgrade_schema"]

MIGRATIONS = "parceldesk.adapters.db:migrations"


#: pages (4 KiB) of write-ahead log before an automatic checkpoint: 64 MiB
WAL_CHECKPOINT_PAGES = 16384


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs["pool_pre_ping"] = True
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: bulk imports touch big indexes
    # Checkpoint the WAL into the database every 64 MiB, not SQLite's 4 MiB: ingestion
    # dirties index pages all over the file (parcels interleave), and a page rewritten by
    # several commits between two checkpoints is copied back once. 17TRACK pushes spent
    # 6.1 s of 30 in commits, 2.7 s with this (bench/RESULTS.md, 2026-12-02).
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.close()
    dbapi_connection.isolation_level = None  # the driver emits no BEGIN; _sqlite_begin does


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade_schema(engine: Engine) -> None:
    """Create or migrate the database to the newest schema (idempotent)."""
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
