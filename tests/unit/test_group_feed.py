"""``forked_groups`` (read and group in a forked child) must give exactly what
``local_groups`` gives, fail as loudly, and leave no process behind."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parceldesk.adapters.importers import group_feed
from parceldesk.adapters.importers.formats.base import FormatContext
from parceldesk.adapters.importers.group_feed import feed_for, forked_groups
from parceldesk.adapters.importers.source import open_export
from parceldesk.services.import_grouping import (
    Group,
    GroupFeed,
    groups,
    local_groups,
    read_group,
    record_digest,
)
from parceldesk.services.import_records import LineRecord, RawRun, RowError
from tests.fixtures.canonical import row, write_csv

_CELLS = {
    "order_id": ("1001", "1002", "1003", ""),
    "store": ("acme-us", "acme-sg", ""),
    "quantity": ("1", "2", "-1", "", "x"),
    "unit_price": ("12.50", "12.5", "1.234,50", "", "abc"),
    "currency": ("USD", "SGD", "", "usd", "XXQ"),
    "tracking_number": ("YT2530821234567890", "LX123456785CN", "", "#?"),
    "ship_date": ("2026-11-03", "03/11/2026", "", "someday"),
    "order_date": ("2026-11-02T10:15:00+08:00", "45962.5", "", "not a date"),
    "sku": ("MUG", "SPOON", "", "MU\x1fG"),  # a separator the packed rows must not split
}


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(1, 40))
    return [
        row(**{name: draw(st.sampled_from(values)) for name, values in _CELLS.items()})
        for _ in range(count)
    ]


def _open(path: Path, currency: str | None = None):  # type: ignore[no-untyped-def]
    return open_export(path, ctx=FormatContext(file=path.name, default_currency=currency))


def _shape(group: Group) -> tuple[object, ...]:
    """Everything a group holds, with amounts as written (``12.5`` is not ``12.50``)."""
    records = [tuple(repr(getattr(r, f)) for f in r.__slots__) for r in group.records]
    return group.key, records, group.errors, group.source_hash


def _read(feed: GroupFeed, path: Path, currency: str | None = None) -> list[Group]:
    """The feed's groups, each read as the import reads it (the feed may leave runs unread)."""
    source = _open(path, currency)
    found = list(feed(source, currency))
    for group in found:
        read_group(source, group)
    return found


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_rows(), st.sampled_from((None, "USD")), st.sampled_from((None, True, False)))
def test_forked_groups_equal_local_groups(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, str]],
    currency: str | None,
    ahead: bool | None,
) -> None:
    """Whether the child reads the runs (ahead) or ships them unread (behind)."""
    path = write_csv(tmp_path / "o.csv", rows)
    here = _read(local_groups, path, currency)
    with monkeypatch.context() as m:
        if ahead is not None:
            m.setattr(group_feed, "_ahead", lambda seen, now: ahead)
        forked = _read(forked_groups, path, currency)
    assert [_shape(g) for g in forked] == [_shape(g) for g in here]
    # runs read one at a time make the groups the rows make read in one go
    eager = groups(_open(path, currency).records())
    assert [_shape(g)[:3] for g in here] == [_shape(g)[:3] for g in eager]
    for group in forked:  # a digest computed ahead is the one this process would compute
        if group.digested:
            assert not group.errors
            assert group.digest == record_digest(group.records, currency)
        else:
            assert group.digest is None
    assert not multiprocessing.active_children()


def test_batches_larger_than_the_ring_and_wrapping_round_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [row(order_id=f"{n:05d}", tracking_number=f"YT25308212{n:08d}") for n in range(1200)]
    path = write_csv(tmp_path / "o.csv", rows)
    here = [_shape(g) for g in _read(local_groups, path)]
    # a batch of 500 groups is ~100 KB: with 150 KB each batch lands at the ring's start
    # or wraps, and with 4 KB none fits and each goes through the pipe itself
    for ring in (150_000, 4096):
        monkeypatch.setattr(group_feed, "_RING_BYTES", ring)
        assert [_shape(g) for g in _read(forked_groups, path)] == here


@dataclass
class _Source:
    """An ``OrderSource`` that fails after ``good`` rows."""

    good: int
    error: BaseException
    path: Path = Path("broken.csv")
    format_name: str = "parceldesk"
    closed: list[bool] = field(default_factory=list)

    def records(self) -> Iterator[LineRecord | RowError]:
        for n in range(self.good):
            yield LineRecord(row=n + 2, order_id=str(n), platform="shopify", store="acme")
        raise self.error

    def runs(self) -> Iterator[RawRun]:
        for n in range(self.good):
            yield RawRun(("acme", str(n)), None, [(n + 2, [str(n)])], ())
        raise self.error

    def parse(self, run: RawRun) -> list[LineRecord | RowError]:
        row, order_id = run.rows[0][0], run.key[1]
        return [LineRecord(row=row, order_id=order_id, platform="shopify", store="acme")]

    def close(self) -> None:
        self.closed.append(True)


def test_a_failure_in_the_child_is_raised_here_with_its_traceback() -> None:
    here: list[Group] = []
    with pytest.raises(ValueError, match="cell 7 is on fire"):
        here.extend(local_groups(_Source(good=1500, error=ValueError("cell 7 is on fire")), None))
    source = _Source(good=1500, error=ValueError("cell 7 is on fire"))
    seen: list[Group] = []
    with pytest.raises(ValueError, match="cell 7 is on fire") as caught:
        seen.extend(forked_groups(source, None))
    # every group finished before the failure arrives first, as it does read here
    assert [g.key for g in seen] == [g.key for g in here] and len(seen) == 1500
    assert any("raised in the import's reader process" in note for note in caught.value.__notes__)
    assert source.closed and not multiprocessing.active_children()


def test_an_exception_that_does_not_pickle_still_arrives() -> None:
    class Unpicklable(Exception):
        def __reduce__(self) -> str | tuple[object, ...]:
            raise TypeError("no")

    with pytest.raises(RuntimeError, match="Unpicklable: lost"):
        list(forked_groups(_Source(good=3, error=Unpicklable("lost")), None))


def test_stopping_early_stops_the_child() -> None:
    rows = forked_groups(_Source(good=200_000, error=ValueError("never reached")), None)
    assert next(rows).key == ("acme", "0")
    rows.close()
    assert not multiprocessing.active_children()


def test_feed_for_forks_only_for_large_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "o.csv", [row()])
    assert feed_for(path) is local_groups
    monkeypatch.setattr(group_feed, "FORK_FROM_BYTES", 1)
    assert feed_for(path) is forked_groups
    assert feed_for(tmp_path / "missing.csv") is local_groups


@pytest.mark.parametrize("layout", ["shopify-csv", "shopee-th-xlsx", "tiktok-bom-tabs"])
def test_platform_exports_read_forked_as_read_here(tmp_path: Path, layout: str) -> None:
    """Continuation rows (Shopify), XLSX cells (Shopee) and a BOM with TAB padding
    (TikTok) come through the child unchanged."""
    from tests.fixtures import exports as ex

    if layout == "shopify-csv":
        path = ex.write_csv(tmp_path / "orders_export_1.csv", ex.SHOPIFY_HEADER, ex.shopify_rows())
    elif layout == "shopee-th-xlsx":
        path = ex.shopee_xlsx(tmp_path / "Order.all.th.xlsx", "th")
    else:
        path = ex.write_csv(
            tmp_path / "tiktok.csv", ex.TIKTOK_US_HEADER, ex.tiktok_rows(), bom=True
        )
    here = [_shape(g) for g in _read(local_groups, path)]
    assert here
    if layout == "shopify-csv":  # the sample has multi-line orders
        assert any(len(records) > 1 for _, records, _, _ in here)
    assert all(source_hash for *_, source_hash in here)
    assert [_shape(g) for g in _read(forked_groups, path)] == here
    eager = groups(_open(path).records())
    assert [g[:3] for g in here] == [_shape(g)[:3] for g in eager]


def test_equal_cells_arrive_as_one_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text repeated across the rows of a batch (an order's fields on each of its rows,
    the store on every row) arrives as one object, so this process builds and frees it
    once; the values themselves are those read here."""
    rows = [
        row(order_id=f"{n // 2:04d}", sku=f"SKU-{n}", tracking_number=f"YT25308212{n // 2:08d}")
        for n in range(40)
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    monkeypatch.setattr(group_feed, "_ahead", lambda seen, now: True)  # the child reads
    forked = _read(forked_groups, path)
    assert [_shape(g) for g in forked] == [_shape(g) for g in _read(local_groups, path)]
    records = [r for g in forked for r in g.records]
    assert len(records) == 40
    assert len({id(r.store) for r in records}) == 1
    assert len({id(r.currency) for r in records}) == 1
    for first, second in zip(records[::2], records[1::2], strict=True):  # one order, two rows
        assert second.order_id is first.order_id
        assert second.buyer_email is first.buyer_email
        assert second.tracking_number is first.tracking_number
        assert second.sku is not first.sku and second.sku != first.sku


@dataclass
class _Counter:
    value: int = 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 100), st.integers(0, 3)), min_size=1, max_size=40),
)
def test_the_ring_never_overwrites_unread_bytes_and_never_waits_on_nothing(
    steps: list[tuple[int, int]],
) -> None:
    """Against a model of which ring positions hold unread batches: the child never stores
    a batch over one, never waits once every batch is read (it may wait a little early),
    and every batch is read back intact. Batches of at most the ring's size, read by
    this process ``lag`` batches late."""
    size = 100
    ring = group_feed._Ring(size, _Counter())
    unread: list[tuple[int, int, int, bytes]] = []  # (at, n, end, blob), oldest first

    def take_oldest() -> None:
        at, n, end, blob = unread.pop(0)
        assert ring.take(at, n, end) == blob

    try:
        for number, (n, lag) in enumerate(steps):
            while len(unread) > lag:
                take_oldest()
            blob = bytes([number % 256]) * n
            start, end = ring._place(n)
            at = start % size
            while ring._blocked(end):
                assert unread, "waits with every batch read: it would wait forever"
                take_oldest()
            assert not any(at < u_at + u_n and u_at < at + n for u_at, u_n, _, _ in unread)
            assert ring.put(blob) == (at, n, end)
            unread.append((at, n, end, blob))
        while unread:
            take_oldest()
    finally:
        ring.close()


def test_a_batch_larger_than_the_bytes_before_it_wraps_once_they_are_read() -> None:
    """The case that hung: 30 bytes read, then 80 that do not fit after them."""
    ring = group_feed._Ring(100, _Counter())
    first = ring.put(b"a" * 30)
    assert first == (0, 30, 30)
    assert ring.take(*first) == b"a" * 30
    second = ring.put(b"b" * 80)  # used to wait forever for the 70 skipped bytes
    assert second == (0, 80, 180)
    assert ring.take(*second) == b"b" * 80
    ring.close()
