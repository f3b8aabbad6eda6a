"""Where the evidence locker keeps its files by default."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir

__all__ = ["evidence_root"]


def evidence_root(configured: Path | None, database_url: str) -> Path:
    """Where evidence files live: the configured directory; else next to a SQLite file
    (``<name>-evidence/``, so a database and its files travel together); else the user's
    data directory."""
    if configured is not None:
        return Path(configured)
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url[len(prefix) :] not in ("", ":memory:"):
        db = Path(database_url[len(prefix) :])
        return db.with_name(f"{db.stem}-evidence")
    return Path(user_data_dir("parceldesk", appauthor=False)) / "evidence"
