"""The timeline's hash chain: intact histories verify; any edit, removal, insertion or
reordering is found and located."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.domain.cases.timeline import GENESIS, TimelineEntry, chain, verify_chain

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

_text = st.text(min_size=1, max_size=20).filter(str.strip)
_entries = st.lists(
    st.builds(
        lambda n, actor, action, note: TimelineEntry(
            seq=0,
            at=T0 + timedelta(minutes=n),
            actor=actor,
            action=action,
            detail={"note": note},
        ),
        st.integers(0, 10_000),
        _text,
        _text,
        st.text(max_size=30),
    ),
    min_size=1,
    max_size=12,
)


def _chained(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    head = None
    for entry in entries:
        head = chain(head, entry)
        out.append(head)
    return out


@settings(max_examples=40)
@given(_entries)
def test_a_chained_history_verifies(entries: list[TimelineEntry]) -> None:
    history = _chained(entries)
    assert verify_chain(history) == []
    assert history[0].prev_hash == GENESIS
    assert [e.seq for e in history] == list(range(1, len(history) + 1))


@settings(max_examples=40)
@given(_entries, st.data())
def test_editing_any_entry_is_detected_at_that_entry(
    entries: list[TimelineEntry], data: st.DataObject
) -> None:
    history = _chained(entries)
    i = data.draw(st.integers(0, len(history) - 1))
    field = data.draw(st.sampled_from(["actor", "action", "detail", "at", "after"]))
    edited = {
        "actor": replace(history[i], actor=history[i].actor + "x"),
        "action": replace(history[i], action=history[i].action + "x"),
        "detail": replace(history[i], detail={"note": history[i].detail["note"] + "x"}),
        "at": replace(history[i], at=history[i].at + timedelta(seconds=1)),
        "after": replace(history[i], after="closed" if history[i].after != "closed" else "open"),
    }[field]
    breaks = verify_chain([*history[:i], edited, *history[i + 1 :]])
    assert breaks and breaks[0].seq == history[i].seq
    assert "edited" in breaks[0].problem


@settings(max_examples=40)
@given(_entries.filter(lambda e: len(e) >= 2), st.data())
def test_removing_an_entry_is_detected(entries: list[TimelineEntry], data: st.DataObject) -> None:
    history = _chained(entries)
    i = data.draw(st.integers(0, len(history) - 2))
    assert verify_chain(history[:i] + history[i + 1 :])
    # Dropping the tail leaves a valid shorter chain: only a recorded head reveals it.
    assert verify_chain(history[:-1]) == []
    [cut] = verify_chain(history[:-1], expected_head=history[-1].hash)
    assert "truncated" in cut.problem
    assert verify_chain(history, expected_head=history[-1].hash) == []


def test_rehashing_an_edited_entry_still_breaks_the_next_link() -> None:
    history = _chained(
        [TimelineEntry(seq=0, at=T0, actor="li", action=a) for a in ("opened", "note", "close")]
    )
    forged = chain(history[0], replace(history[1], action="refund_approved"))
    breaks = verify_chain([history[0], forged, history[2]])
    assert [b.seq for b in breaks] == [3]
    assert "previous entry's hash" in breaks[0].problem


def test_hash_does_not_depend_on_the_offset_an_instant_is_written_in() -> None:
    from zoneinfo import ZoneInfo

    utc = TimelineEntry(seq=1, at=T0, actor="li", action="note")
    shanghai = replace(utc, at=T0.astimezone(ZoneInfo("Asia/Shanghai")))
    assert chain(None, utc).hash == chain(None, shanghai).hash
