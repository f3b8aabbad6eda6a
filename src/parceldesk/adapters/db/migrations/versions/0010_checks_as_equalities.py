"""enum CHECK constraints as equalities on SQLite

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:40:00

SQLite evaluates ``col IN ('a', 'b', ...)`` in a CHECK by building an ephemeral index each
time the INSERT or UPDATE statement runs: the three status/node/reason checks cost about
19 µs per inserted tracking event or shipment, most of an import's storage time. The same
test written as ``col = 'a' OR col = 'b' ...`` costs 0.2 µs (ADR 0008). The checks accept
exactly the same values, so on SQLite the stored table definitions are rewritten in place,
by the procedure SQLite documents for changes that leave the stored rows valid
(https://www.sqlite.org/lang_altertable.html#otheralter): no table is copied, and the
append-only triggers, indexes and foreign keys stay as they are. PostgreSQL evaluates an IN
list as ``= ANY (array)`` without that setup (measured: no difference), so it keeps its
constraints.
"""

import re
from collections.abc import Callable, Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK = re.compile(r"CONSTRAINT ck_\w+ CHECK \(")
_IN_LIST = re.compile(r"\b(\w+) IN \(('[a-z_]+'(?:, '[a-z_]+')*)\)")
_EQUALITIES = re.compile(r"\b(\w+) = '[a-z_]+'(?: OR \1 = '[a-z_]+')+")


def in_list_as_equalities(check: str) -> str:
    """``s IN ('a', 'b')`` → ``s = 'a' OR s = 'b'`` (the form ``tables.one_of`` writes)."""
    return _IN_LIST.sub(lambda m: " OR ".join(f"{m[1]} = {v}" for v in m[2].split(", ")), check)


def equalities_as_in_list(check: str) -> str:
    """The inverse, for the downgrade."""

    def listed(m: re.Match[str]) -> str:
        values = re.findall(r"'[a-z_]+'", m[0])
        return f"{m[1]} IN ({', '.join(values)})"

    return _EQUALITIES.sub(listed, check)


def rewrite_checks(table_sql: str, rewrite: Callable[[str], str]) -> str:
    """Apply ``rewrite`` to the body of every named CHECK in a CREATE TABLE statement."""
    out, pos = [], 0
    for match in _CHECK.finditer(table_sql):
        if match.start() < pos:
            continue
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(table_sql[end], 0)
            end += 1
        out += [table_sql[pos : match.end()], rewrite(table_sql[match.end() : end - 1]), ")"]
        pos = end
    return "".join(out) + table_sql[pos:]


def _rewrite_sqlite_schema(rewrite: Callable[[str], str]) -> None:
    bind = op.get_bind()
    tables = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%'"
    ).all()
    changed = [(name, new) for name, sql in tables if (new := rewrite_checks(sql, rewrite)) != sql]
    if not changed:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for name, new in changed:
            bind.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new, name)
            )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    for name, _ in changed:  # reloads and parses the new schema: a bad rewrite fails here
        bind.exec_driver_sql(f'PRAGMA table_info("{name}")').all()


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_schema(in_list_as_equalities)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_schema(equalities_as_in_list)
