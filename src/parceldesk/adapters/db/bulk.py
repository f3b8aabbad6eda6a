"""Bulk INSERT through the DBAPI's own ``executemany``.

SQLAlchemy's executemany spends most of its time building per-row parameter
dictionaries (measured: ~75 % of the import's database time for 120,000 orders). For
the few hot bulk inserts (order import, event ingest) this module builds the INSERT
once, converts values with the columns' own bind processors (so ``UTCDateTime`` and
``Amount`` behave exactly as through the ORM) and hands tuples to the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.orm import Session

__all__ = [
    "bind_processors",
    "bulk_insert",
    "bulk_insert_rows",
    "bulk_update_rows",
    "copy_rows",
    "select_in",
]

_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_Processors = list[Callable[[Any], Any] | None]
_cache: dict[tuple[str, str, tuple[str, ...], object], tuple[str, _Processors]] = {}


def _prepared(
    session: Session, table: Table, columns: tuple[str, ...], skip_duplicates: bool
) -> tuple[str, _Processors]:
    dialect = session.get_bind().dialect
    key = (dialect.name, table.name, columns, skip_duplicates)
    found = _cache.get(key)
    if found is None:
        mark = _PLACEHOLDER[dialect.paramstyle]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join(mark for _ in columns)})"
        )
        if skip_duplicates:  # SQLite >= 3.24 and PostgreSQL share this syntax
            sql += " ON CONFLICT DO NOTHING"
        found = _cache[key] = (sql, bind_processors(session, table, columns))
    return found


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind processor; a type may offer a one-call equivalent for bulk
    writes (``UTCDateTime.bulk_bind_processor``)."""
    kind = table.c[column].type
    fast = getattr(kind, "bulk_bind_processor", None)
    found = fast(dialect) if fast is not None else None
    return found if found is not None else kind._cached_bind_processor(dialect)


def bulk_insert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_duplicates: bool = False,
) -> None:
    """INSERT ``rows`` (dicts with identical keys) into ``table`` in one executemany.

    ``skip_duplicates`` ignores rows that break a unique constraint: concurrent webhook
    deliveries may race to create the same parcel or event, and both must succeed."""
    if not rows:
        return
    columns = tuple(rows[0])
    get = itemgetter(*columns)
    values = [get(row) for row in rows] if len(columns) > 1 else [(get(r),) for r in rows]
    bulk_insert_rows(session, table, columns, values, skip_duplicates=skip_duplicates)


def bulk_insert_rows(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    *,
    skip_duplicates: bool = False,
    bound: bool = False,
) -> None:
    """``bulk_insert`` for rows already laid out as tuples in ``columns`` order.

    Values are converted a column at a time, each distinct object once (``_converted``);
    ``bound`` rows hold the driver's values already (``bind_processors`` made them)."""
    if not rows:
        return
    sql, processors = _prepared(session, table, columns, skip_duplicates)
    session.connection().exec_driver_sql(sql, rows if bound else _bound(rows, processors))


def bind_processors(
    session: Session, table: Table, columns: tuple[str, ...]
) -> list[Callable[[Any], Any] | None]:
    """What ``bulk_insert_rows`` applies to each column, for a caller that converts while
    it builds its rows (one pass instead of two transpositions) and passes ``bound``."""
    dialect = session.get_bind().dialect
    return [_processor(table, c, dialect) for c in columns]


def bulk_update_rows(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    key: str,
    rows: Sequence[tuple[Any, ...]],
    *,
    keep_if_null: tuple[str, ...] = (),
    only_where: str = "",
) -> None:
    """``UPDATE table SET columns... WHERE key = ...`` for ``rows`` (tuples: the values of
    ``columns``, then the key), one executemany through the driver, values converted as
    in ``bulk_insert_rows``. Core's executemany of an UPDATE built a parameter dict per
    row and ran every processor through two wrappers (the webhook's state write).
    A column of ``keep_if_null`` keeps its stored value where the row's value is NULL;
    ``only_where`` (fixed SQL, no parameters) limits the rows changed."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    cache_key = (dialect.name, f"update {table.name} by {key}", columns, (keep_if_null, only_where))
    found = _cache.get(cache_key)
    if found is None:
        mark = _PLACEHOLDER[dialect.paramstyle]
        sets = ", ".join(
            f"{c} = coalesce({mark}, {c})" if c in keep_if_null else f"{c} = {mark}"
            for c in columns
        )
        sql = f"UPDATE {table.name} SET {sets} WHERE {key} = {mark}"
        if only_where:
            sql += f" AND ({only_where})"
        found = _cache[cache_key] = (sql, [_processor(table, c, dialect) for c in (*columns, key)])
    sql, processors = found
    session.connection().exec_driver_sql(sql, _bound(rows, processors))


def _bound(
    rows: Sequence[tuple[Any, ...]], processors: Sequence[Callable[[Any], Any] | None]
) -> Sequence[tuple[Any, ...]]:
    """``rows`` with each column through its bind processor (``None``: as it is)."""
    if not any(p is not None for p in processors):
        return rows
    cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, process in enumerate(processors):
        if process is not None:
            cols[i] = _converted(cols[i], process)
    return list(zip(*cols, strict=True))


def _converted(values: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """The column's values through ``process``, each distinct object once.

    Rows share objects: the batch's ``now``, and the dates and amounts the reader hands
    out again for a repeated cell. Keyed by identity, not equality, so that equal values
    that convert differently (``Decimal("1.0")`` and ``Decimal("1.00")``) never mix; every
    object stays alive in ``values`` meanwhile, so an id is not reused."""
    out: list[Any] = []
    append = out.append
    done: dict[int, Any] = {}
    get = done.get
    for value in values:
        if value is None:
            append(None)
            continue
        found = get(id(value), _MISSING)
        if found is _MISSING:
            found = done[id(value)] = process(value)
        append(found)
    return out


_MISSING = object()


def select_in(
    session: Session, sql: str, fixed: tuple[Any, ...], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Run ``sql`` whose ``{marks}`` is an ``IN`` list of ``values`` (and ``{mark}``
    placeholders take ``fixed``, in front), through the driver.

    SQLAlchemy expands an ``IN`` parameter in Python, one bound name per value, which
    cost the import more than the lookups themselves; only plain columns (no types that
    need result processing) may be selected this way."""
    if not values:
        return []
    mark = _PLACEHOLDER[session.get_bind().dialect.paramstyle]
    text = sql.format(mark=mark, marks=", ".join([mark] * len(values)))
    result = session.connection().exec_driver_sql(text, (*fixed, *values))
    return [tuple(row) for row in result.fetchall()]  # one fetch, not one per row


def copy_rows(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    *,
    bound: bool = False,
) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` of ``rows`` (tuples in ``columns`` order) on the
    session's connection, inside its transaction.

    For the bulk event ingest, where psycopg's pipelined executemany spent two thirds of
    the time waiting on one INSERT per row. COPY has no ``ON CONFLICT``: a duplicate fails
    the transaction (nothing stored), so use it only for rows known to be new."""
    if not rows:
        return
    params = rows if bound else _bound(rows, bind_processors(session, table, columns))
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor: Any = dbapi.cursor()  # psycopg's: DBAPI typing knows no ``copy``
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
    finally:
        cursor.close()
