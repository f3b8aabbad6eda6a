"""Options shared by every command, and the one place CLI errors become one-line messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from parceldesk.bootstrap import App, build
from parceldesk.config import Settings

__all__ = ["DbOption", "JsonOption", "app_for", "console", "err_console", "parse_instant"]

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PARCELDESK_DATABASE_URL",
        help="Database URL (sqlite:///path or postgresql://...); default: SQLite in the data dir.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON lines).")]


@contextmanager
def app_for(
    db: str | None, *, as_of: datetime | None = None, migrate: bool = True
) -> Iterator[App]:
    settings = Settings(database_url=db) if db else Settings()
    app = build(settings, as_of=as_of)
    try:
        if migrate:
            app.migrate()
        yield app
    finally:
        app.close()


def parse_instant(text: str | None) -> datetime | None:
    """``--as-of`` values: ISO 8601 with an offset (a bare date means 00:00 UTC)."""
    if text is None:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no timezone offset (e.g. 2026-11-22T09:00:00+08:00)"
        )
    return value
