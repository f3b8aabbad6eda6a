"""Alembic environment: runs against a connection handed over by ``upgrade_schema`` or
against ``sqlalchemy.url`` / ``PARCELDESK_DATABASE_URL`` when called from the CLI."""

from __future__ import annotations

import os

from alembic import context

from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("PARCELDESK_DATABASE_URL")
    if not url:
        raise SystemExit("set PARCELDESK_DATABASE_URL (or sqlalchemy.url) to run alembic")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
