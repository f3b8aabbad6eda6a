"""The case API's pure parts: the ``due_within`` duration parser and the mapping from
domain and storage errors to HTTP statuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm.exc import StaleDataError

from parceldesk.domain.cases.states import (
    CaseState,
    IllegalTransition,
    MainCommand,
    next_main_state,
)
from parceldesk.domain.errors import ConflictError, DomainError, InvalidValue
from parceldesk.entrypoints.api.cases import _http_error, parse_duration
from parceldesk.services.cases import CaseNotFound

UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
         "w": timedelta(weeks=1)}  # fmt: skip


@given(st.integers(min_value=0, max_value=500), st.sampled_from(sorted(UNITS)))
def test_durations_parse_to_whole_units(count: int, unit: str) -> None:
    assert parse_duration(f"{count}{unit}") == count * UNITS[unit]


def _well_formed(body: str) -> bool:
    """Digits, at most one inner decimal point, then one unit letter (ASCII only)."""
    number, unit = body[:-1], body[-1:]
    whole, _, fraction = number.partition(".")
    digits = set("0123456789")
    return (
        unit in UNITS and bool(whole) and set(whole) <= digits
        and (("." not in number) or (bool(fraction) and set(fraction) <= digits))
    )  # fmt: skip


@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\s?[0-9.]{1,6}[mhdwy]?\s?\Z")))
def test_anything_parsed_is_a_number_and_a_unit_everything_else_is_refused(text: str) -> None:
    body = text.strip()
    if not _well_formed(body):
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(text)
        return
    seconds = float(body[:-1]) * UNITS[body[-1]].total_seconds()
    if seconds > timedelta(days=3660).total_seconds():
        with pytest.raises(ValueError, match="longer than"):
            parse_duration(text)
        return
    assert abs(parse_duration(text).total_seconds() - seconds) <= 1e-6 * max(1.0, seconds)


def test_half_a_day_and_the_ten_year_limit() -> None:
    assert parse_duration("1.5d") == timedelta(hours=36)
    assert parse_duration("3660d") == timedelta(days=3660)
    for too_long in ("3661d", "523w", "99999999999999999999w"):
        with pytest.raises(ValueError, match="longer than 3660 days"):
            parse_duration(too_long)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (CaseNotFound("no case #3"), 404),
        (InvalidValue("bad", field="command"), 422),
        (IllegalTransition("main", "detected", "file_claim", ["close", "investigate"]), 409),
        (ConflictError("changed meanwhile"), 409),
        (DomainError("already assigned"), 409),
        (StaleDataError("version mismatch"), 409),
    ],
)
def test_errors_map_to_statuses(error: Exception, status: int) -> None:
    mapped = _http_error(error)
    assert mapped is not None and mapped.status_code == status


def test_illegal_transition_message_is_passed_through() -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_main_state(CaseState.CLOSED, MainCommand.FILE_CLAIM)
    mapped = _http_error(raised.value)
    assert mapped is not None and mapped.detail == str(raised.value)
    assert "allows: delivered_after_all, reopen" in mapped.detail


def test_invalid_value_names_its_field_like_pydantic_does() -> None:
    mapped = _http_error(InvalidValue("unknown case command 'x'", field="command"))
    assert mapped is not None
    assert mapped.detail == [{"loc": ["body", "command"], "msg": "unknown case command 'x'",
                              "type": "invalid_value"}]  # fmt: skip


def test_other_errors_are_not_mapped() -> None:
    assert _http_error(RuntimeError("boom")) is None
